//! `peerlift token`, `peerlift audit`, `peerlift erase-teacher`.
//!
//! Token commands work through the API with an admin token, or on the store directly with
//! `--data-dir` (the server must be stopped: sled admits one process). The direct way is how
//! the first admin token is made.

use std::path::Path;

use peerlift_api::auth::Caller;
use peerlift_api::pb;
use peerlift_api::pb::audit_service_client::AuditServiceClient;
use peerlift_api::pb::teacher_service_client::TeacherServiceClient;
use peerlift_api::pb::token_service_client::TokenServiceClient;
use peerlift_api::services::access::{self, NewToken};
use peerlift_domain::access::{Grant, Role, Token};
use peerlift_store::Store;

use crate::client::{ClientError, Conn};
use crate::table::Table;

/// What `token create` is asked for.
#[derive(Debug, Clone)]
pub struct CreateArgs {
    pub role: String,
    pub scope: String,
    pub grants: Vec<String>,
    pub label: String,
    pub expires_in_days: u32,
}

fn usage(e: peerlift_api::ApiError) -> ClientError {
    ClientError::Usage(e.to_string())
}

fn open(dir: &Path) -> Result<Store, ClientError> {
    Store::open(dir).map_err(|e| {
        ClientError::Usage(crate::i18n::tr(
            "usage-store-busy",
            &[
                ("dir", crate::i18n::s(dir.display().to_string())),
                ("error", crate::i18n::s(e.to_string())),
            ],
        ))
    })
}

fn random() -> [u8; 32] {
    use rand::Rng;
    let mut b = [0u8; 32];
    // A CSPRNG seeded by the OS: secrets must not be reproducible.
    rand::rng().fill(&mut b);
    b
}

fn print_created(id: &str, role: &str, scope: &str, secret: &str) {
    use crate::i18n::{s, tr};
    println!(
        "{}",
        tr(
            "token-created",
            &[("id", s(id)), ("role", s(role)), ("scope", s(scope))]
        )
    );
    println!();
    println!("  {secret}");
    println!();
    println!("{}", tr("token-shown-once", &[("id", s(id))]));
}

/// Creates a token on the store directly (bootstrap: the server is stopped).
pub fn create_local(dir: &Path, a: CreateArgs) -> Result<(), ClientError> {
    let role = Role::from_code(&a.role);
    let new =
        NewToken::parse(role, &a.scope, &a.grants, &a.label, a.expires_in_days).map_err(usage)?;
    let store = open(dir)?;
    let caller = Caller::system("bootstrap");
    let (t, secret) = access::create_token(&store, &caller, new, random(), jiff::Timestamp::now())
        .map_err(usage)?;
    store
        .flush()
        .map_err(|e| ClientError::Usage(e.to_string()))?;
    print_created(&t.id, t.role.code(), &t.scope.code(), &secret);
    Ok(())
}

pub async fn create_remote(channel: Conn, a: CreateArgs) -> Result<(), ClientError> {
    let role = Role::from_code(&a.role).ok_or_else(|| {
        ClientError::Usage(crate::i18n::tr(
            "usage-role",
            &[("roles", crate::i18n::s(Role::codes()))],
        ))
    })?;
    let out = TokenServiceClient::new(channel)
        .create_token(pb::CreateTokenRequest {
            role: access::role_to_pb(role) as i32,
            scope: a.scope,
            grants: a.grants,
            label: a.label,
            expires_in_days: a.expires_in_days,
        })
        .await?
        .into_inner();
    if crate::output::json() {
        // The secret is in it, as in the text: shown once.
        crate::output::print(&out, "peerlift.v1.CreateTokenResponse");
        return Ok(());
    }
    let t = out.token.unwrap_or_default();
    print_created(&t.id, role.code(), &t.scope, &out.secret);
    Ok(())
}

fn when(t: Option<jiff::Timestamp>) -> String {
    t.map(|t| t.strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

fn pb_time(t: &Option<prost_types::Timestamp>) -> Option<jiff::Timestamp> {
    t.as_ref()
        .and_then(|t| jiff::Timestamp::new(t.seconds, t.nanos).ok())
}

fn token_table(rows: Vec<[String; 7]>) -> String {
    let mut table = Table::new(&["id", "role", "scope", "grants", "label", "created", "state"]);
    for r in rows {
        table.row(r.to_vec());
    }
    table.render()
}

fn state_of(revoked: Option<jiff::Timestamp>, expires: Option<jiff::Timestamp>) -> String {
    let now = jiff::Timestamp::now();
    match (revoked, expires) {
        (Some(r), _) => crate::i18n::tr(
            "token-state-revoked",
            &[("when", crate::i18n::s(when(Some(r))))],
        ),
        (None, Some(e)) if e <= now => crate::i18n::tr(
            "token-state-expired",
            &[("when", crate::i18n::s(when(Some(e))))],
        ),
        (None, Some(e)) => crate::i18n::tr(
            "token-state-live-until",
            &[("when", crate::i18n::s(when(Some(e))))],
        ),
        (None, None) => crate::i18n::t("token-state-live"),
    }
}

pub fn list_local(dir: &Path) -> Result<(), ClientError> {
    let store = open(dir)?;
    let tokens = access::list_tokens(&store).map_err(usage)?;
    let rows = tokens
        .iter()
        .map(|t: &Token| {
            [
                t.id.clone(),
                t.role.code().to_string(),
                t.scope.code(),
                t.grants
                    .iter()
                    .map(Grant::code)
                    .collect::<Vec<_>>()
                    .join(","),
                t.label.clone(),
                when(Some(t.create_time)),
                state_of(t.revoke_time, t.expire_time),
            ]
        })
        .collect();
    print!("{}", token_table(rows));
    Ok(())
}

pub async fn list_remote(channel: Conn) -> Result<(), ClientError> {
    let tokens = TokenServiceClient::new(channel)
        .list_tokens(pb::ListTokensRequest {})
        .await?
        .into_inner()
        .tokens;
    if crate::output::json() {
        crate::output::print_list(&tokens, "peerlift.v1.Token");
        return Ok(());
    }
    let rows = tokens
        .iter()
        .map(|t| {
            let role = access::role_from_pb(t.role)
                .map(|r| r.code().to_string())
                .unwrap_or_default();
            [
                t.id.clone(),
                role,
                t.scope.clone(),
                t.grants.join(","),
                t.label.clone(),
                when(pb_time(&t.create_time)),
                state_of(pb_time(&t.revoke_time), pb_time(&t.expire_time)),
            ]
        })
        .collect();
    print!("{}", token_table(rows));
    Ok(())
}

pub fn revoke_local(dir: &Path, id: &str) -> Result<(), ClientError> {
    let store = open(dir)?;
    let t = access::revoke_token(
        &store,
        &Caller::system("bootstrap"),
        id,
        jiff::Timestamp::now(),
    )
    .map_err(usage)?;
    store
        .flush()
        .map_err(|e| ClientError::Usage(e.to_string()))?;
    println!(
        "{}",
        crate::i18n::tr("token-revoked", &[("id", crate::i18n::s(&t.id))])
    );
    Ok(())
}

pub async fn revoke_remote(channel: Conn, id: &str) -> Result<(), ClientError> {
    let t = TokenServiceClient::new(channel)
        .revoke_token(pb::RevokeTokenRequest {
            token_id: id.to_string(),
        })
        .await?
        .into_inner();
    println!(
        "{}",
        crate::i18n::tr("token-revoked", &[("id", crate::i18n::s(&t.id))])
    );
    Ok(())
}

/// Prints the audit log of a municipality (or the installation-wide one), oldest first.
pub async fn audit(
    channel: Conn,
    municipality: String,
    since: Option<jiff::Timestamp>,
    until: Option<jiff::Timestamp>,
    limit: usize,
) -> Result<(), ClientError> {
    let mut client = AuditServiceClient::new(channel);
    let mut entries = Vec::new();
    let mut table = Table::new(&["time", "token", "role", "method", "request id", "changes"]);
    let mut token = String::new();
    let mut shown = 0usize;
    loop {
        let page = client
            .list_audit(pb::ListAuditRequest {
                municipality_id: municipality.clone(),
                start_time: since.map(peerlift_api::convert::ts),
                end_time: until.map(peerlift_api::convert::ts),
                page_size: 500,
                page_token: token.clone(),
            })
            .await?
            .into_inner();
        entries.extend(page.entries.iter().cloned());
        for e in page.entries {
            if shown == limit {
                break;
            }
            // A screen row: the first few records; `--limit` and the API have them all.
            const SHOWN: usize = 3;
            let mut changes = e
                .changes
                .iter()
                .take(SHOWN)
                .cloned()
                .collect::<Vec<_>>()
                .join(" ");
            let total = (e.change_count as usize).max(e.changes.len());
            if total > SHOWN {
                changes.push_str(&format!(" (+{} more)", total - SHOWN));
            }
            table.row(vec![
                when(pb_time(&e.time)),
                e.token_id,
                e.role,
                e.method,
                e.request_id,
                changes,
            ]);
            shown += 1;
        }
        if page.next_page_token.is_empty() || shown == limit {
            break;
        }
        token = page.next_page_token;
    }
    if crate::output::json() {
        entries.truncate(limit);
        crate::output::print_list(&entries, "peerlift.v1.AuditEntry");
        return Ok(());
    }
    print!("{}", table.render());
    Ok(())
}

pub async fn erase_teacher(
    channel: Conn,
    municipality: String,
    teacher: String,
) -> Result<(), ClientError> {
    let t = TeacherServiceClient::new(channel)
        .erase_teacher(pb::EraseTeacherRequest {
            municipality_id: municipality,
            teacher_id: teacher,
            request_id: String::new(),
        })
        .await?
        .into_inner();
    println!(
        "{}",
        crate::i18n::tr("teacher-erased", &[("id", crate::i18n::s(&t.id))])
    );
    Ok(())
}

/// Writes the pseudonymised export of a municipality into `out` (one CSV file each).
pub async fn export(
    channel: Conn,
    municipality: String,
    from: String,
    to: String,
    out: &Path,
) -> Result<(), ClientError> {
    let files = pb::report_service_client::ReportServiceClient::new(channel)
        .export_pseudonymised(pb::ReportRequest {
            municipality_id: municipality,
            from,
            to,
        })
        .await?
        .into_inner()
        .files;
    std::fs::create_dir_all(out).map_err(|source| ClientError::Io {
        path: out.display().to_string(),
        source,
    })?;
    for f in files {
        // Names come from the server: keep only the file name, never a path.
        let name = Path::new(&f.name)
            .file_name()
            .map(|n| n.to_owned())
            .ok_or_else(|| {
                ClientError::Usage(crate::i18n::tr(
                    "usage-bad-file-name",
                    &[("name", crate::i18n::s(&f.name))],
                ))
            })?;
        let path = out.join(name);
        std::fs::write(&path, f.csv).map_err(|source| ClientError::Io {
            path: path.display().to_string(),
            source,
        })?;
        println!(
            "{}",
            crate::i18n::tr(
                "wrote",
                &[("path", crate::i18n::s(path.display().to_string()))]
            )
        );
    }
    Ok(())
}
