//! The programme year: programmes with their targets and indicators, student results,
//! roadmaps, teachers' routes, and the office's signed documents.

use clap::{Args, Subcommand, ValueEnum};

use super::{CliResult, Remote, Scope};
use crate::programme_cli as pc;

#[derive(Debug, Subcommand)]
pub enum ProgrammeCommand {
    /// Create a programme: goal, stages, target indicators
    Add(ProgrammeArgs),
    /// Change a programme: the options given replace the stored values
    Update(ProgrammeArgs),
    /// Programmes of the municipality
    List {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
    },
    /// A programme's indicators by school year against its targets (table; --csv; --svg FILE)
    Show {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// The programme
        id: String,
        /// CSV on standard output instead of a table
        #[arg(long)]
        csv: bool,
        /// Also write a chart of each targeted indicator against its target to FILE (SVG)
        #[arg(long, value_name = "FILE")]
        svg: Option<std::path::PathBuf>,
    },
    /// Remove a programme
    Remove {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        id: String,
    },
}

/// `peerlift programme add` and `update`.
#[derive(Debug, Args)]
pub struct ProgrammeArgs {
    #[command(flatten)]
    pub remote: Remote,
    #[command(flatten)]
    pub scope: Scope,
    /// The programme's id
    pub id: String,
    /// Its title
    #[arg(long)]
    pub title: Option<String>,
    /// The goal in the office's words
    #[arg(long)]
    pub goal: Option<String>,
    /// A school's programme: the school (else the municipality's)
    #[arg(long)]
    pub school: Option<String>,
    /// A stage, NAME:START:END (dates 2021-09-01); repeat for each (replaces the list)
    #[arg(long = "stage", value_name = "NAME:START:END")]
    pub stages: Vec<String>,
    /// A target, INDICATOR:YEAR:VALUE[:ASSESSMENT[:SUBJECT]] (positive_share:2022-2023:80:oge:mathematics); repeat for each (replaces the list)
    #[arg(long = "target", value_name = "TARGET")]
    pub targets: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum ResultCommand {
    /// Student results kept (import them with `peerlift import results.csv`)
    List {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// Only this school's
        #[arg(long, default_value = "")]
        school: String,
        /// Only this assessment: vpr, oge, ege, niko, regional
        #[arg(long, default_value = "")]
        assessment: String,
        /// Only this calendar year, 2023
        #[arg(long, default_value_t = 0)]
        year: i32,
    },
}

/// Which plans a command works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanWhich {
    Roadmap,
    Route,
}

#[derive(Debug, Subcommand)]
pub enum RoadmapCommand {
    /// Create a roadmap (of the municipality, or of a school with --school), empty or from a template
    Add {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// The roadmap's id
        id: String,
        /// Its title
        #[arg(long)]
        title: String,
        /// A school's roadmap: the school
        #[arg(long, default_value = "")]
        school: String,
        /// The programme it serves
        #[arg(long, default_value = "")]
        programme: String,
        /// network-year:2022: the yearly cycle seed 003 ran, dated in 2022-2023
        #[arg(long, default_value = "")]
        template: String,
    },
    #[command(flatten)]
    Common(PlanCommand),
}

#[derive(Debug, Subcommand)]
pub enum RouteCommand {
    /// Draft routes from the latest diagnostics and the network (every teacher with an A/B deficit, or those given)
    Draft {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// A teacher to draft for; repeat for each
        #[arg(long = "teacher")]
        teachers: Vec<String>,
        /// The programme the routes serve
        #[arg(long, default_value = "")]
        programme: String,
        /// Replace routes that exist (else they are kept)
        #[arg(long)]
        replace: bool,
    },
    #[command(flatten)]
    Common(PlanCommand),
}

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// List them, with how many items are overdue
    List {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// Only this school's
        #[arg(long, default_value = "")]
        school: String,
        /// Only this teacher's
        #[arg(long, default_value = "")]
        teacher: String,
        /// Only those with an overdue item
        #[arg(long)]
        overdue: bool,
    },
    /// Show one with the effective status of each item
    Show {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// The plan's id (a route: route-TEACHER)
        id: String,
    },
    /// Add an item or change one: the options given replace the stored values
    Item(Box<ItemArgs>),
    /// Remove one
    Remove {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        id: String,
    },
}

/// `peerlift roadmaps item` and `peerlift routes item`.
#[derive(Debug, Args)]
pub struct ItemArgs {
    #[command(flatten)]
    pub remote: Remote,
    #[command(flatten)]
    pub scope: Scope,
    /// The plan's id
    pub plan: String,
    /// The item's id within the plan (a new id adds an item)
    pub item: String,
    /// What is to be done
    #[arg(long)]
    pub what: Option<String>,
    /// task, deficit, mentorship, association, course, event, session
    #[arg(long)]
    pub kind: Option<String>,
    /// What the item links to: the subject, mentorship, association, event or session
    #[arg(long)]
    pub link: Option<String>,
    /// The person, school or office answerable
    #[arg(long)]
    pub responsible: Option<String>,
    /// Due date, 2023-03-31
    #[arg(long)]
    pub due: Option<String>,
    /// planned, in_progress, done, cancelled
    #[arg(long)]
    pub status: Option<String>,
    /// When it was done, 2023-03-20
    #[arg(long)]
    pub done_on: Option<String>,
    /// What shows it done: an order, a link, a report
    #[arg(long)]
    pub evidence: Option<String>,
    /// Remove the item
    #[arg(long)]
    pub delete: bool,
}

/// The office's documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DocKind {
    PartnershipOrder,
    NetworkAgreement,
    Recommendations,
    EventReport,
    Roadmap,
    Route,
    AnnualReport,
}

/// `peerlift documents render` and `sign`.
#[derive(Debug, Args)]
pub struct DocArgs {
    #[command(flatten)]
    pub remote: Remote,
    #[command(flatten)]
    pub scope: Scope,
    /// The document
    #[arg(value_enum)]
    pub kind: DocKind,
    /// What it is about: a school year (partnership order, recommendations), a partnership, an event, a plan or a programme
    pub subject: String,
    /// Annual report: the school year reported, 2022-2023
    #[arg(long, default_value = "")]
    pub year: String,
    /// The number, once signed
    #[arg(long, default_value = "")]
    pub number: String,
    /// The date, 2022-10-18, once signed
    #[arg(long, default_value = "")]
    pub date: String,
    /// Write the HTML to FILE (default: standard output)
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
}

pub async fn programme(command: ProgrammeCommand) -> CliResult {
    match command {
        ProgrammeCommand::Add(a) => pc::save_programme(a.remote.connect().await?, &a, true).await?,
        ProgrammeCommand::Update(a) => {
            pc::save_programme(a.remote.connect().await?, &a, false).await?
        }
        ProgrammeCommand::List { remote, scope } => {
            pc::list_programmes(remote.connect().await?, scope.municipality).await?
        }
        ProgrammeCommand::Show {
            remote,
            scope,
            id,
            csv,
            svg,
        } => pc::show_programme(remote.connect().await?, scope.municipality, id, csv, svg).await?,
        ProgrammeCommand::Remove { remote, scope, id } => {
            pc::remove_programme(remote.connect().await?, scope.municipality, id).await?
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

pub async fn results(command: ResultCommand) -> CliResult {
    match command {
        ResultCommand::List {
            remote,
            scope,
            school,
            assessment,
            year,
        } => {
            pc::list_results(
                remote.connect().await?,
                scope.municipality,
                school,
                assessment,
                year,
            )
            .await?
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

pub async fn roadmaps(command: RoadmapCommand) -> CliResult {
    match command {
        RoadmapCommand::Add {
            remote,
            scope,
            id,
            title,
            school,
            programme,
            template,
        } => {
            pc::add_roadmap(
                remote.connect().await?,
                scope.municipality,
                pc::NewRoadmap {
                    id,
                    title,
                    school,
                    programme,
                    template,
                },
            )
            .await?
        }
        RoadmapCommand::Common(c) => pc::plans(c, PlanWhich::Roadmap).await?,
    }
    Ok(std::process::ExitCode::SUCCESS)
}

pub async fn routes(command: RouteCommand) -> CliResult {
    match command {
        RouteCommand::Draft {
            remote,
            scope,
            teachers,
            programme,
            replace,
        } => {
            pc::draft_routes(
                remote.connect().await?,
                scope.municipality,
                teachers,
                programme,
                replace,
            )
            .await?
        }
        RouteCommand::Common(c) => pc::plans(c, PlanWhich::Route).await?,
    }
    Ok(std::process::ExitCode::SUCCESS)
}
