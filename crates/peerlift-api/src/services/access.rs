//! Tokens (admins) and the audit log (coordinators for their scope, admins for everything).

use jiff::Timestamp;
use peerlift_domain::access::{hash_secret, secret_from, AuditEntry, Grant, Role, Scope, Token};
use peerlift_domain::{Municipality, School, Violations};
use peerlift_store::{key, prefix, Store};
use tonic::{Request, Response, Status};

use crate::auth::Admit;
use crate::auth::Caller;
use crate::convert::{enum_to_pb, ts};
use crate::error::{ApiError, ApiResult};
use crate::pb;
use crate::pb::audit_service_server::AuditService;
use crate::pb::token_service_server::TokenService;
use crate::state::{self, page, page_size, walk, AppState};

/// What a new token is to be.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub role: Role,
    pub scope: Scope,
    pub grants: Vec<Grant>,
    pub label: String,
    /// 0: never.
    pub expires_in_days: u32,
}

impl NewToken {
    /// Parses the textual parts (as the CLI and the API give them), naming each bad field.
    pub fn parse(
        role: Option<Role>,
        scope: &str,
        grants: &[String],
        label: &str,
        expires_in_days: u32,
    ) -> ApiResult<NewToken> {
        let mut v = Violations::new();
        if role.is_none() {
            v.add("role", format!("must be one of {}", Role::codes()));
        }
        let parsed_scope = Scope::parse(scope);
        if parsed_scope.is_none() {
            v.add(
                "scope",
                "must be all, region:NAME, municipality:ID or school:MUNICIPALITY/SCHOOL",
            );
        }
        let mut gs = Vec::new();
        for (i, g) in grants.iter().enumerate() {
            match Grant::parse(g) {
                Some(g) => gs.push(g),
                None => v.add(
                    format!("grants[{i}]"),
                    "must be SERVICE:read or SERVICE:write (services: municipalities, schools, teachers, mentor_profiles, diagnostics, catalog, import, matching, mentorships, network, sessions, reports, rematch)",
                ),
            }
        }
        if expires_in_days > 3650 {
            v.add(
                "expires_in_days",
                "must be at most 3650 (ten years); 0 means never",
            );
        }
        v.into_result().map_err(ApiError::Invalid)?;
        match (role, parsed_scope) {
            (Some(role), Some(scope)) => Ok(NewToken {
                role,
                scope,
                grants: gs,
                label: label.trim().to_string(),
                expires_in_days,
            }),
            _ => Err(ApiError::Internal("unreachable: checked above".into())),
        }
    }
}

/// Creates a token in the store (with its audit entry): the record and the secret, which
/// exists only in this answer. `random` comes from the caller's CSPRNG.
pub fn create_token(
    store: &Store,
    caller: &Caller,
    new: NewToken,
    random: [u8; 32],
    now: Timestamp,
) -> ApiResult<(Token, String)> {
    let secret = secret_from(&random);
    let expire_time = match new.expires_in_days {
        0 => None,
        d => Some(
            now.checked_add(jiff::SignedDuration::from_hours(i64::from(d) * 24))
                .map_err(|e| ApiError::invalid("expires_in_days", e.to_string()))?,
        ),
    };
    state::write_audited(store, caller, "", "CreateToken", "", now, |s, b| {
        scope_exists(s, &new.scope)?;
        let token = Token {
            id: format!("tok-{}", s.generate_id()?),
            hash: hash_secret(&secret),
            role: new.role,
            scope: new.scope.clone(),
            grants: new.grants.clone(),
            label: new.label.clone(),
            create_time: now,
            created_by: caller.id.clone(),
            expire_time,
            revoke_time: None,
        };
        token.validate().map_err(ApiError::Invalid)?;
        b.put(&token)?;
        Ok((token, secret.clone()))
    })
}

/// A token is for something that exists: a scope naming no municipality, school or region
/// would be a token for nothing today and, once someone creates that id, for data nobody
/// meant to give it.
fn scope_exists(s: &Store, scope: &Scope) -> ApiResult<()> {
    let missing = |what: String| {
        ApiError::invalid(
            "scope",
            format!("{what} does not exist: create it first, then the token"),
        )
    };
    match scope {
        Scope::All => Ok(()),
        Scope::Municipality(m) => match s.contains::<Municipality>(&key(&[m]))? {
            true => Ok(()),
            false => Err(missing(format!("municipality '{m}'"))),
        },
        Scope::School {
            municipality_id,
            school_id,
        } => match s.contains::<School>(&key(&[municipality_id, school_id]))? {
            true => Ok(()),
            false => Err(missing(format!(
                "school '{school_id}' of municipality '{municipality_id}'"
            ))),
        },
        Scope::Curator {
            municipality_id,
            curator_id,
        } => match s.contains::<peerlift_domain::Curator>(&key(&[municipality_id, curator_id]))? {
            true => Ok(()),
            false => Err(missing(format!(
                "curator '{curator_id}' of municipality '{municipality_id}'"
            ))),
        },
        Scope::Region(r) => {
            for m in s.scan::<Municipality>(&[], None) {
                if &m?.region == r {
                    return Ok(());
                }
            }
            Err(missing(format!("a municipality of region '{r}'")))
        }
    }
}

/// Every token, oldest id first.
pub fn list_tokens(store: &Store) -> ApiResult<Vec<Token>> {
    let mut out: Vec<Token> = store.scan::<Token>(&[], None).collect::<Result<_, _>>()?;
    out.sort_by_key(|t| {
        (
            t.id.trim_start_matches("tok-")
                .parse::<u64>()
                .unwrap_or(u64::MAX),
            t.id.clone(),
        )
    });
    Ok(out)
}

/// Revokes a token (idempotent).
pub fn revoke_token(
    store: &Store,
    caller: &Caller,
    token_id: &str,
    now: Timestamp,
) -> ApiResult<Token> {
    state::write_audited(store, caller, "", "RevokeToken", "", now, |s, b| {
        let mut t = s
            .get::<Token>(&key(&[token_id]))?
            .ok_or_else(|| ApiError::NotFound {
                kind: "token",
                id: token_id.to_string(),
            })?;
        if t.revoke_time.is_none() {
            t.revoke_time = Some(now);
            b.put(&t)?;
        }
        Ok(t)
    })
}

pub fn token_to_pb(t: &Token) -> pb::Token {
    pb::Token {
        id: t.id.clone(),
        role: role_to_pb(t.role) as i32,
        scope: t.scope.code(),
        grants: t.grants.iter().map(Grant::code).collect(),
        label: t.label.clone(),
        create_time: Some(ts(t.create_time)),
        created_by: t.created_by.clone(),
        expire_time: t.expire_time.map(ts),
        revoke_time: t.revoke_time.map(ts),
    }
}

pub fn role_to_pb(r: Role) -> pb::Role {
    pb::Role::try_from(enum_to_pb(Role::ALL, &r)).unwrap_or(pb::Role::Unspecified)
}

pub fn role_from_pb(v: i32) -> Option<Role> {
    crate::convert::enum_from_pb(Role::ALL, v)
}

pub fn audit_to_pb(e: &AuditEntry) -> pb::AuditEntry {
    pb::AuditEntry {
        municipality_id: e.municipality_id.clone(),
        time: Some(ts(e.time)),
        token_id: e.token_id.clone(),
        role: e.role.clone(),
        method: e.method.clone(),
        request_id: e.request_id.clone(),
        changes: e.changes.clone(),
        change_count: e.change_count,
    }
}

fn random_bytes() -> [u8; 32] {
    use rand::Rng;
    let mut b = [0u8; 32];
    // ThreadRng is a CSPRNG reseeded from the OS: right for secrets (and the one place
    // where output must not be reproducible).
    rand::rng().fill(&mut b);
    b
}

#[derive(Debug, Clone)]
pub struct TokenApi {
    pub state: AppState,
    /// The token table the auth layer checks against: reloaded after every token write.
    pub auth: std::sync::Arc<crate::auth::Auth>,
}

#[tonic::async_trait]
impl TokenService for TokenApi {
    async fn create_token(
        &self,
        req: Request<pb::CreateTokenRequest>,
    ) -> Result<Response<pb::CreateTokenResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let new = NewToken::parse(
            role_from_pb(r.role),
            &r.scope,
            &r.grants,
            &r.label,
            r.expires_in_days,
        )?;
        let now = (self.state.clock)();
        let store = self.state.store.clone();
        let auth = self.auth.clone();
        let (token, secret) = tokio::task::spawn_blocking(move || {
            let out = create_token(&store, &caller, new, random_bytes(), now)?;
            auth.reload(&store)?;
            Ok::<_, ApiError>(out)
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
        tracing::info!(token = %token.id, role = token.role.code(), scope = %token.scope.code(), "token created");
        Ok(Response::new(pb::CreateTokenResponse {
            token: Some(token_to_pb(&token)),
            secret,
        }))
    }

    async fn list_tokens(
        &self,
        req: Request<pb::ListTokensRequest>,
    ) -> Result<Response<pb::ListTokensResponse>, Status> {
        let (_caller, _r) = self.state.admit(req).await?;
        let tokens = self.state.read_now(list_tokens).await?;
        Ok(Response::new(pb::ListTokensResponse {
            tokens: tokens.iter().map(token_to_pb).collect(),
        }))
    }

    async fn revoke_token(
        &self,
        req: Request<pb::RevokeTokenRequest>,
    ) -> Result<Response<pb::Token>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        super::check_id("token_id", &r.token_id)?;
        let now = (self.state.clock)();
        let store = self.state.store.clone();
        let auth = self.auth.clone();
        let token = tokio::task::spawn_blocking(move || {
            // Known at once to the auth layer and to open streams; the record follows under
            // the store's lock, which an open import may hold until it ends.
            if store.get::<Token>(&key(&[&r.token_id]))?.is_some() {
                auth.revoked.add(&r.token_id);
            }
            let t = revoke_token(&store, &caller, &r.token_id, now)?;
            auth.reload(&store)?;
            Ok::<_, ApiError>(t)
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
        tracing::info!(token = %token.id, "token revoked");
        Ok(Response::new(token_to_pb(&token)))
    }
}

#[derive(Debug, Clone)]
pub struct AuditApi {
    pub state: AppState,
}

fn timestamp(field: &str, t: Option<prost_types::Timestamp>) -> ApiResult<Option<Timestamp>> {
    t.map(|t| {
        Timestamp::new(t.seconds, t.nanos)
            .map_err(|e| ApiError::invalid(field, format!("is not a valid time: {e}")))
    })
    .transpose()
}

#[tonic::async_trait]
impl AuditService for AuditApi {
    async fn list_audit(
        &self,
        req: Request<pb::ListAuditRequest>,
    ) -> Result<Response<pb::ListAuditResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        if r.municipality_id.is_empty() && caller.scope != Scope::All {
            return Err(ApiError::PermissionDenied(
                "installation-wide audit entries are for admins; give a municipality_id".into(),
            )
            .into());
        }
        let size = page_size(r.page_size)?;
        let start = timestamp("start_time", r.start_time)?;
        let end = timestamp("end_time", r.end_time)?;
        if let (Some(s), Some(e)) = (start, end) {
            if e <= s {
                return Err(ApiError::invalid("end_time", "must be after start_time").into());
            }
        }
        let (items, next) = self
            .state
            .read_now(move |s| {
                let p = prefix(&[&r.municipality_id]);
                let w = state::Walk::new(walk::AUDIT, &(start, end));
                let after = state::decode_token(&r.page_token, w, &p)?;
                let iter = s.scan::<AuditEntry>(&p, after.as_deref()).map(|x| {
                    x.map(|x| (peerlift_store::Record::key(&x), x))
                        .map_err(ApiError::from)
                });
                page(iter, size, w, |x: &AuditEntry| {
                    start.is_none_or(|s| x.time >= s) && end.is_none_or(|e| x.time < e)
                })
            })
            .await?;
        Ok(Response::new(pb::ListAuditResponse {
            entries: items.iter().map(audit_to_pb).collect(),
            next_page_token: next,
        }))
    }
}
