//! The registry: importing CSV files, and listing municipalities, schools, teachers and the
//! catalogue.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use peerlift_api::pb;
use peerlift_domain::SchoolStatus;

use super::{done, init_logging, CliError, CliResult, Remote, Scope};
use crate::client;
use crate::config::LogFormat;

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    remote: Remote,
    /// Municipality id [default: the id in municipality.csv].
    #[arg(short, long, env = "PEERLIFT_MUNICIPALITY")]
    municipality: Option<String>,
    /// Write nothing if any row is bad.
    #[arg(long)]
    strict: bool,
    /// Check and report, write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Files (schools.csv, teachers.csv, mentor_profiles.csv, diagnostics.csv,
    /// municipality.csv) or directories holding them.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Set from how --municipality was given, not a flag.
    #[arg(skip)]
    pub(super) municipality_from_env: bool,
}

/// Exit status 2: the import ran but rows were rejected (scripts can tell this from failure);
/// 1: a municipality's import failed (the others went through).
pub async fn import(a: ImportArgs) -> CliResult {
    init_logging(LogFormat::Text, "warn");
    let channel = a.remote.connect().await?;
    let results = client::import(
        channel,
        client::ImportArgs {
            municipality: a.municipality,
            municipality_from_env: a.municipality_from_env,
            strict: a.strict,
            dry_run: a.dry_run,
            paths: a.paths,
        },
    )
    .await?;
    if crate::output::json() {
        // One entry per municipality imported: its id and the ImportReport, or the error.
        let all: Vec<serde_json::Value> = results
            .iter()
            .map(|u| match &u.result {
                Ok(r) => serde_json::json!({
                    "municipality_id": u.municipality,
                    "report": crate::output::value(r, "peerlift.v1.ImportReport"),
                }),
                Err(e) => serde_json::json!({
                    "municipality_id": u.municipality,
                    "error": e.to_string(),
                }),
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&all).unwrap_or_default());
        let failed = results.iter().any(|u| u.result.is_err());
        let rejected = results
            .iter()
            .any(|u| u.result.as_ref().is_ok_and(|r| r.errors_total > 0));
        return Ok(if failed {
            ExitCode::FAILURE
        } else if rejected {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        });
    }
    let (clean, ok) = match results.as_slice() {
        [one] => match &one.result {
            Ok(report) => (client::print_report(report, a.dry_run), true),
            Err(e) => return Err(CliError::Failed(e.to_string())),
        },
        many => client::print_region_report(many, a.dry_run),
    };
    Ok(if !ok {
        ExitCode::FAILURE
    } else if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

#[derive(Debug, Subcommand)]
pub enum MunicipalityCommand {
    /// List municipalities.
    List {
        #[command(flatten)]
        remote: Remote,
    },
}

pub async fn municipalities(command: MunicipalityCommand) -> CliResult {
    let MunicipalityCommand::List { remote } = command;
    client::municipalities_list(remote.connect().await?).await?;
    done()
}

#[derive(Debug, Subcommand)]
pub enum SchoolCommand {
    /// List schools with their active teacher counts.
    List {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// Only these statuses (low_results, at_risk, stable, leader).
        #[arg(long, value_delimiter = ',')]
        status: Vec<String>,
        /// At most this many.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
    },
}

pub async fn schools(command: SchoolCommand) -> CliResult {
    let SchoolCommand::List {
        remote,
        scope,
        status,
        limit,
    } = command;
    let mut statuses = Vec::new();
    for s in status {
        let st = SchoolStatus::from_code(&s).ok_or_else(|| {
            CliError::Usage(crate::i18n::tr(
                "usage-status",
                &[
                    ("value", crate::i18n::s(s.as_str())),
                    ("codes", crate::i18n::s(SchoolStatus::codes())),
                ],
            ))
        })?;
        statuses.push(peerlift_api::convert::enum_to_pb(SchoolStatus::ALL, &st));
    }
    let channel = remote.connect().await?;
    client::schools_list(channel, scope.municipality, statuses, limit).await?;
    done()
}

#[derive(Debug, Subcommand)]
pub enum TeacherCommand {
    /// List teachers.
    List {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// Only teachers of this school.
        #[arg(long)]
        school: Option<String>,
        /// Only teachers of this subject.
        #[arg(long)]
        subject: Option<String>,
        /// Include inactive teachers.
        #[arg(long)]
        all: bool,
        /// At most this many.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
    },
    /// Show one teacher: school, subjects, mentor profile, diagnostics.
    Show {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// Teacher id.
        id: String,
    },
}

pub async fn teachers(command: TeacherCommand) -> CliResult {
    match command {
        TeacherCommand::List {
            remote,
            scope,
            school,
            subject,
            all,
            limit,
        } => {
            let req = pb::ListTeachersRequest {
                municipality_id: scope.municipality,
                school_id: school.unwrap_or_default(),
                subject: subject.unwrap_or_default(),
                active: if all { None } else { Some(true) },
                ..Default::default()
            };
            client::teachers_list(remote.connect().await?, req, limit).await?;
        }
        TeacherCommand::Show { remote, scope, id } => {
            client::teachers_show(remote.connect().await?, scope.municipality, id).await?;
        }
    }
    done()
}

#[derive(Debug, Args)]
pub struct CatalogArgs {
    #[command(flatten)]
    remote: Remote,
    #[command(flatten)]
    scope: Scope,
}

pub async fn catalog(a: CatalogArgs) -> CliResult {
    client::catalog_list(a.remote.connect().await?, a.scope.municipality).await?;
    done()
}
