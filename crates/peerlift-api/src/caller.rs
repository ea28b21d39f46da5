//! Who is calling: the identity the auth layer establishes and every write is recorded under.
//! Below the auth layer, the state and the application: it knows no tonic.

use peerlift_domain::access::{Grant, Role, Scope};
use peerlift_text::Lang;

use crate::error::{ApiError, ApiResult};

/// The authenticated caller of one RPC.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Token id; `dev` with auth off, `scheduler` for the nightly job.
    pub id: String,
    pub role: Role,
    pub scope: Scope,
    pub grants: Vec<Grant>,
    /// The language the caller reads (`accept-language`): explanations are said in it.
    pub lang: Lang,
    /// A curator token's schools, read from its curator record when the call was admitted
    /// (empty for every other scope).
    pub curated: Vec<String>,
}

impl Caller {
    /// The caller every call has when auth is off (development only).
    pub fn dev() -> Caller {
        Caller {
            id: "dev".into(),
            role: Role::Admin,
            scope: Scope::All,
            grants: Vec::new(),
            lang: Lang::En,
            curated: Vec::new(),
        }
    }

    /// The server itself (the nightly scheduler).
    pub fn system(name: &str) -> Caller {
        Caller {
            id: name.into(),
            role: Role::Admin,
            scope: Scope::All,
            grants: Vec::new(),
            lang: Lang::En,
            curated: Vec::new(),
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
        if !self.school_bound() {
            return Ok(());
        }
        if exists && schools.into_iter().any(|s| self.sees_school(s)) {
            Ok(())
        } else {
            Err(outside())
        }
    }

    /// Whether the caller sees only some schools of its municipality (school and curator
    /// tokens).
    pub fn school_bound(&self) -> bool {
        self.scope.school().is_some() || self.scope.curator().is_some()
    }

    /// Whether a school-bound caller may see this school (every other caller: true).
    pub fn sees_school(&self, school_id: &str) -> bool {
        match (self.scope.school(), self.scope.curator()) {
            (Some((_, own)), _) => own == school_id,
            (_, Some(_)) => self.curated.iter().any(|s| s == school_id),
            _ => true,
        }
    }

    /// For calls that name a curator: a curator token only its own record.
    pub fn gate_curator(&self, curator_id: &str) -> ApiResult<()> {
        match self.scope.curator() {
            Some((_, own)) if own != curator_id => Err(outside()),
            _ => Ok(()),
        }
    }
}

pub(crate) fn outside() -> ApiError {
    ApiError::Denied {
        reason: "OUTSIDE_SCOPE",
        message: "the resource is outside this token's scope".into(),
        metadata: Vec::new(),
    }
}

/// Tokens revoked while this server runs, known at once to everything that holds a call open.
///
/// Revoking writes the token record, and a write waits for the store's lock, which an import
/// holds for its whole stream: without this set the import would go on committing the rows of
/// a token that had been revoked. The auth layer refuses these ids from the moment they are
/// added, and open streams (imports, exports) check it between messages.
#[derive(Debug, Default)]
pub struct Revoked {
    ids: std::sync::RwLock<std::collections::HashSet<String>>,
    /// Wakes streams waiting for their next message.
    added: tokio::sync::Notify,
}

impl Revoked {
    pub fn add(&self, token_id: &str) {
        if let Ok(mut set) = self.ids.write() {
            set.insert(token_id.to_string());
        }
        self.added.notify_waiters();
    }

    pub fn contains(&self, token_id: &str) -> bool {
        // A poisoned set fails closed: every caller counts as revoked.
        self.ids.read().map_or(true, |set| set.contains(token_id))
    }

    /// Resolves once `token_id` is revoked (at once if it already is).
    pub async fn revoked_now(&self, token_id: &str) {
        loop {
            let added = self.added.notified();
            tokio::pin!(added);
            // Registered before the check, so a revocation in between still wakes us.
            added.as_mut().enable();
            if self.contains(token_id) {
                return;
            }
            added.await;
        }
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
