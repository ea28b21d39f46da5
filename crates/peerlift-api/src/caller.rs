//! Who is calling: the identity the auth layer establishes and every write is recorded under.
//! Below the auth layer, the state and the application: it knows no tonic.

use peerlift_domain::access::{Grant, Role, Scope};

use crate::error::{ApiError, ApiResult};

/// The authenticated caller of one RPC.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Token id; `dev` with auth off, `scheduler` for the nightly job.
    pub id: String,
    pub role: Role,
    pub scope: Scope,
    pub grants: Vec<Grant>,
}

impl Caller {
    /// The caller every call has when auth is off (development only).
    pub fn dev() -> Caller {
        Caller {
            id: "dev".into(),
            role: Role::Admin,
            scope: Scope::All,
            grants: Vec::new(),
        }
    }

    /// The server itself (the nightly scheduler).
    pub fn system(name: &str) -> Caller {
        Caller {
            id: name.into(),
            role: Role::Admin,
            scope: Scope::All,
            grants: Vec::new(),
        }
    }

    /// For calls a school may make on resources it names only indirectly (a teacher, a
    /// session): the school the resource belongs to, or `None` if there is no such resource.
    /// A school token sees only its own school's, and a missing resource looks the same as
    /// another school's.
    pub fn gate_school<'a>(
        &self,
        schools: impl IntoIterator<Item = &'a str>,
        exists: bool,
    ) -> ApiResult<()> {
        let Some((_, own)) = self.scope.school() else {
            return Ok(());
        };
        if exists && schools.into_iter().any(|s| s == own) {
            Ok(())
        } else {
            Err(outside())
        }
    }
}

pub(crate) fn outside() -> ApiError {
    ApiError::PermissionDenied("the resource is outside this token's scope".into())
}
