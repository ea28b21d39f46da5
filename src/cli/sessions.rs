//! Sessions and what they lead to: the schedule (its proposals and settings), sessions by
//! hand, progress and reports.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{done, CliError, CliResult, Remote, Scope};
use crate::sessions_cli::{self as sc, ProgressOf};

/// Which sessions a schedule shows.
#[derive(Debug, Clone, Args)]
pub struct FilterArgs {
    /// A teacher's sessions (as mentor or mentee).
    #[arg(long)]
    teacher: Option<String>,
    /// A school's sessions.
    #[arg(long)]
    school: Option<String>,
    /// A mentorship's sessions.
    #[arg(long)]
    mentorship: Option<String>,
    /// From this date (inclusive).
    #[arg(long)]
    from: Option<String>,
    /// Before this date.
    #[arg(long)]
    to: Option<String>,
}

#[derive(Debug, Args)]
pub struct ScheduleArgs {
    #[command(subcommand)]
    command: Option<ScheduleCommand>,
    #[command(flatten)]
    remote: Remote,
    #[command(flatten)]
    scope: Option<Scope>,
    #[command(flatten)]
    filter: FilterArgs,
    /// Write iCalendar (RFC 5545) instead of a table.
    #[arg(long)]
    ics: bool,
    /// Write to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Propose the sessions every active mentorship is due over the next weeks.
    Propose {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// First day (default today).
        #[arg(long, default_value = "")]
        from: String,
        #[arg(long, default_value_t = 6)]
        weeks: u32,
        /// Only mentorships of this school.
        #[arg(long, default_value = "")]
        school: String,
    },
    /// Accept a proposal: every item, or the ones listed.
    Accept {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// The proposal (sp-…, as `schedule propose` printed it), or `latest`.
        proposal: String,
        #[arg(long, value_delimiter = ',')]
        items: Vec<u32>,
    },
    /// Show the scheduling settings, or change them.
    Settings {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// Replace the methodical days ("thu 13:00-17:00"; repeat for several).
        #[arg(long = "methodical-day")]
        methodical_days: Vec<String>,
        /// Add a non-working day (2026-12-31; repeat for several).
        #[arg(long = "non-working")]
        non_working: Vec<String>,
        /// Travel speed between schools, km/h.
        #[arg(long)]
        speed: Option<u32>,
    },
}

/// Without a subcommand: the sessions the filter selects, as a table or iCalendar.
pub async fn schedule(a: ScheduleArgs) -> CliResult {
    match a.command {
        None => {
            let scope = a
                .scope
                .ok_or_else(|| CliError::Usage(crate::i18n::t("usage-municipality-required")))?;
            let f = sc::Filter {
                teacher: a.filter.teacher.unwrap_or_default(),
                school: a.filter.school.unwrap_or_default(),
                mentorship: a.filter.mentorship.unwrap_or_default(),
                from: a.filter.from.unwrap_or_default(),
                to: a.filter.to.unwrap_or_default(),
            };
            let ch = a.remote.connect().await?;
            sc::schedule(ch, scope.municipality, f, a.ics, a.out).await?
        }
        Some(ScheduleCommand::Propose {
            remote,
            scope,
            from,
            weeks,
            school,
        }) => {
            sc::propose(
                remote.connect().await?,
                scope.municipality,
                from,
                weeks,
                school,
            )
            .await?
        }
        Some(ScheduleCommand::Accept {
            remote,
            scope,
            proposal,
            items,
        }) => sc::accept(remote.connect().await?, scope.municipality, proposal, items).await?,
        Some(ScheduleCommand::Settings {
            remote,
            scope,
            methodical_days,
            non_working,
            speed,
        }) => {
            let ch = remote.connect().await?;
            sc::settings(ch, scope.municipality, methodical_days, non_working, speed).await?
        }
    }
    done()
}

#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Plan a session by hand (kind and length from the form's defaults unless given).
    Create {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        #[arg(long)]
        mentorship: String,
        /// "2026-11-26T14:00", municipality time.
        #[arg(long)]
        start: String,
        #[arg(long, default_value_t = 0)]
        minutes: u32,
        #[arg(long, default_value = "")]
        place: String,
    },
    /// Record a session as held (with attendance and feedback) or missed.
    Record {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        id: String,
        #[arg(long, conflicts_with = "missed")]
        held: bool,
        #[arg(long)]
        missed: bool,
        /// Who came (default: everyone).
        #[arg(long, value_delimiter = ',')]
        attended: Vec<String>,
        /// The mentee's rating, 1-5.
        #[arg(long, default_value_t = 0)]
        rating: u32,
        /// A checklist item, "item" (done) or "item=no"; repeat.
        #[arg(long = "check")]
        checks: Vec<String>,
        /// The mentee's reflection.
        #[arg(long, default_value = "")]
        comment: String,
        /// The mentor's notes.
        #[arg(long, default_value = "")]
        notes: String,
        /// Why it was missed.
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Cancel a planned session (it stays, marked cancelled; calendars drop it)
    Cancel {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        id: String,
        #[arg(long)]
        reason: String,
    },
}

pub async fn sessions(command: SessionCommand) -> CliResult {
    match command {
        SessionCommand::Create {
            remote,
            scope,
            mentorship,
            start,
            minutes,
            place,
        } => {
            let ch = remote.connect().await?;
            sc::create(ch, scope.municipality, mentorship, start, minutes, place).await?
        }
        SessionCommand::Record {
            remote,
            scope,
            id,
            held,
            missed,
            attended,
            rating,
            checks,
            comment,
            notes,
            reason,
        } => {
            if held == missed {
                return Err(CliError::Usage(crate::i18n::t("usage-held-or-missed")));
            }
            let r = sc::Record {
                held,
                attended,
                rating,
                checks,
                comment,
                notes,
                reason,
            };
            sc::record(remote.connect().await?, scope.municipality, id, r).await?
        }
        SessionCommand::Cancel {
            remote,
            scope,
            id,
            reason,
        } => sc::cancel(remote.connect().await?, scope.municipality, id, reason).await?,
    }
    done()
}

#[derive(Debug, Args)]
pub struct ProgressArgs {
    #[command(flatten)]
    remote: Remote,
    #[command(flatten)]
    scope: Scope,
    #[arg(long, group = "of")]
    mentorship: Option<String>,
    #[arg(long, group = "of")]
    mentor: Option<String>,
    #[arg(long, group = "of")]
    school: Option<String>,
    #[arg(long, group = "of")]
    teacher: Option<String>,
}

pub async fn progress(a: ProgressArgs) -> CliResult {
    let of = match (a.mentorship, a.mentor, a.school, a.teacher) {
        (Some(x), ..) => ProgressOf::Mentorship(x),
        (_, Some(x), ..) => ProgressOf::Mentor(x),
        (_, _, Some(x), _) => ProgressOf::School(x),
        (_, _, _, Some(x)) => ProgressOf::Teacher(x),
        _ => {
            return Err(CliError::Usage(
                "say --mentorship, --mentor, --school or --teacher".into(),
            ))
        }
    };
    sc::progress(a.remote.connect().await?, a.scope.municipality, of).await?;
    done()
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    remote: Remote,
    #[command(flatten)]
    scope: Scope,
    #[arg(value_enum)]
    kind: sc::ReportKind,
    /// CSV on standard output instead of a table.
    #[arg(long)]
    csv: bool,
    /// Also write a chart to FILE (SVG).
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
    /// Sessions from this date (sessions, load, outcomes).
    #[arg(long, default_value = "")]
    from: String,
    /// Sessions before this date.
    #[arg(long, default_value = "")]
    to: String,
}

pub async fn report(a: ReportArgs) -> CliResult {
    let out = sc::ReportOut {
        csv: a.csv,
        svg: a.svg,
        from: a.from,
        to: a.to,
    };
    sc::report(a.remote.connect().await?, a.scope.municipality, a.kind, out).await?;
    done()
}
