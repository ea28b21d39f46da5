//! Tokens, the audit log, the pseudonymised export and erasing a teacher's personal data.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{done, CliResult, Remote, Scope};
use crate::access_cli as ac;

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; prints its secret once.
    Create {
        #[command(flatten)]
        remote: Remote,
        /// Work on this store directly (the server must be stopped).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// admin, coordinator, methodologist, school, curator or integration.
        #[arg(long)]
        role: String,
        /// all (admin), region:NAME, municipality:ID, school:MUNICIPALITY/SCHOOL or
        /// curator:MUNICIPALITY/CURATOR.
        #[arg(long)]
        scope: String,
        /// Integration grants, repeatable: sessions:write, reports:read, ...
        #[arg(long = "grant")]
        grants: Vec<String>,
        /// What the token is for.
        #[arg(long, default_value = "")]
        label: String,
        /// Days until it expires (0: never).
        #[arg(long, default_value_t = 0)]
        expires_in_days: u32,
    },
    /// List tokens (never their secrets).
    List {
        #[command(flatten)]
        remote: Remote,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Revoke a token at once.
    Revoke {
        #[command(flatten)]
        remote: Remote,
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Token id (tok-…).
        id: String,
    },
}

/// On the store directly with `--data-dir`, else through the server.
pub async fn token(command: TokenCommand) -> CliResult {
    match command {
        TokenCommand::Create {
            remote,
            data_dir,
            role,
            scope,
            grants,
            label,
            expires_in_days,
        } => {
            let args = ac::CreateArgs {
                role,
                scope,
                grants,
                label,
                expires_in_days,
            };
            match data_dir {
                Some(d) => ac::create_local(&d, args)?,
                None => ac::create_remote(remote.connect().await?, args).await?,
            }
        }
        TokenCommand::List { remote, data_dir } => match data_dir {
            Some(d) => ac::list_local(&d)?,
            None => ac::list_remote(remote.connect().await?).await?,
        },
        TokenCommand::Revoke {
            remote,
            data_dir,
            id,
        } => match data_dir {
            Some(d) => ac::revoke_local(&d, &id)?,
            None => ac::revoke_remote(remote.connect().await?, &id).await?,
        },
    }
    done()
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AuditArgs {
    #[command(subcommand)]
    action: Option<AuditCommand>,
    #[command(flatten)]
    remote: Remote,
    /// Municipality (or region:NAME for region-wide runs); empty: installation-wide
    /// entries such as tokens (admins).
    #[arg(short, long, default_value = "")]
    municipality: String,
    /// From this time (2026-11-23T00:00:00Z).
    #[arg(long)]
    since: Option<jiff::Timestamp>,
    /// Before this time.
    #[arg(long)]
    until: Option<jiff::Timestamp>,
    #[arg(long, default_value_t = 1000)]
    limit: usize,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Prove the audit log's hash chain on the store (server stopped): every entry unchanged,
    /// none removed; says where it breaks, exits 1 if it does. Prints the head's hash: note it
    /// down elsewhere, and a log rewritten whole shows against it.
    Verify {
        #[command(flatten)]
        flags: super::ServerFlags,
        /// The head hash noted down earlier: the chain must still contain it.
        #[arg(long)]
        expect_head: Option<String>,
    },
}

pub async fn audit(a: AuditArgs) -> CliResult {
    if let Some(AuditCommand::Verify { flags, expect_head }) = a.action {
        return verify(&flags, expect_head.as_deref());
    }
    let ch = a.remote.connect().await?;
    ac::audit(ch, a.municipality, a.since, a.until, a.limit).await?;
    done()
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    remote: Remote,
    #[command(flatten)]
    scope: Scope,
    /// Directory to write teachers.csv, diagnostics.csv, mentorships.csv, sessions.csv.
    #[arg(long)]
    out: PathBuf,
    /// Sessions from this date.
    #[arg(long, default_value = "")]
    from: String,
    /// Sessions before this date.
    #[arg(long, default_value = "")]
    to: String,
}

pub async fn export(a: ExportArgs) -> CliResult {
    let ch = a.remote.connect().await?;
    ac::export(ch, a.scope.municipality, a.from, a.to, &a.out).await?;
    done()
}

#[derive(Debug, Args)]
pub struct EraseTeacherArgs {
    #[command(flatten)]
    remote: Remote,
    #[command(flatten)]
    scope: Scope,
    teacher: String,
}

pub async fn erase_teacher(a: EraseTeacherArgs) -> CliResult {
    let ch = a.remote.connect().await?;
    ac::erase_teacher(ch, a.scope.municipality, a.teacher).await?;
    done()
}

fn verify(flags: &super::ServerFlags, expect_head: Option<&str>) -> CliResult {
    let config = flags.load(crate::config::Layer::default())?;
    if !config.data_dir.exists() {
        return Err(super::CliError::Usage(crate::i18n::tr(
            "usage-no-store",
            &[("dir", crate::i18n::s(config.data_dir.display().to_string()))],
        )));
    }
    let store = peerlift_store::Store::open(&config.data_dir)?;
    let (entries, head) = store.audit_chain()?;
    let hashes: std::collections::HashSet<String> =
        entries.iter().map(|e| e.hash.clone()).collect();
    let mut report = peerlift_domain::access::verify_chain(entries, head.as_ref());
    if let Some(h) = expect_head {
        if !hashes.contains(h) {
            report.breaks.push(crate::i18n::tr(
                "audit-head-missing",
                &[("head", crate::i18n::s(h))],
            ));
        }
    }
    for b in &report.breaks {
        println!(
            "{}",
            crate::i18n::tr("audit-broken", &[("what", crate::i18n::s(b))])
        );
    }
    if report.before_chain > 0 {
        println!(
            "{}",
            crate::i18n::tr(
                "audit-before-chain",
                &[("count", crate::i18n::n(report.before_chain as f64))]
            )
        );
    }
    if report.breaks.is_empty() {
        let head = if report.head.is_empty() {
            crate::i18n::t("audit-empty-log")
        } else {
            report.head.clone()
        };
        println!(
            "{}",
            crate::i18n::tr(
                "audit-intact",
                &[
                    ("count", crate::i18n::n(report.chained as f64)),
                    ("head", crate::i18n::s(head))
                ]
            )
        );
        done()
    } else {
        Err(super::CliError::Failed(crate::i18n::tr(
            "audit-broken-count",
            &[("count", crate::i18n::n(report.breaks.len() as f64))],
        )))
    }
}
