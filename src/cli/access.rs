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
        /// admin, coordinator, methodologist, school or integration.
        #[arg(long)]
        role: String,
        /// all (admin), region:NAME, municipality:ID or school:MUNICIPALITY/SCHOOL.
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
pub struct AuditArgs {
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

pub async fn audit(a: AuditArgs) -> CliResult {
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
