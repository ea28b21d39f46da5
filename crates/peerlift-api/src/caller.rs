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

/// Tokens revoked while this server runs, known at once to everything that holds a call open.
///
/// Revoking writes the token record, and a write waits for the store's lock, which an import
/// holds for its whole stream: without this set the import would go on committing the rows of
/// a token that had been revoked. The auth layer refuses these ids from the moment they are
/// added, and open streams (imports, exports) check it between messages.
#[derive(Debug, Default)]
pub struct Revoked(std::sync::RwLock<std::collections::HashSet<String>>);

impl Revoked {
    pub fn add(&self, token_id: &str) {
        if let Ok(mut set) = self.0.write() {
            set.insert(token_id.to_string());
        }
    }

    pub fn contains(&self, token_id: &str) -> bool {
        // A poisoned set fails closed: every caller counts as revoked.
        self.0.read().map_or(true, |set| set.contains(token_id))
    }

    /// Refuses a caller revoked since its call was admitted.
    pub fn check(&self, caller: &Caller) -> ApiResult<()> {
        if self.contains(&caller.id) {
            return Err(ApiError::Unauthenticated(format!(
                "token {} was revoked during this call; nothing it sent after that was written",
                caller.id
            )));
        }
        Ok(())
    }
}
