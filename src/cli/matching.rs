//! Matching: computing, approving and rejecting runs, reading them, the network, the
//! mentorships, and exported problems.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use peerlift_api::pb;

use super::{done, CliError, CliResult, Remote, Scope};
use crate::match_cli as mc;
use crate::network_cli as nc;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum KindArg {
    /// Teacher pairs.
    Pairs,
    /// School partnerships (PAIRS mode).
    Schools,
    /// Distributed networks: a leader per school and subject (DISTRIBUTED mode).
    Directions,
    /// Teacher groups: one mentor, mentees of one subject with similar deficits.
    TeacherGroups,
    /// School groups (GROUPS mode): a leader with several schools of similar needs.
    SchoolGroups,
    /// Management teams with internship platforms on system directions (Krymsk).
    Platforms,
}

impl KindArg {
    pub fn pb(self) -> pb::MatchKind {
        match self {
            KindArg::Pairs => pb::MatchKind::TeacherPairs,
            KindArg::Schools => pb::MatchKind::SchoolPartnerships,
            KindArg::Directions => pb::MatchKind::SchoolDirections,
            KindArg::TeacherGroups => pb::MatchKind::TeacherGroups,
            KindArg::SchoolGroups => pb::MatchKind::SchoolGroups,
            KindArg::Platforms => pb::MatchKind::ManagementPlatforms,
        }
    }
}

/// A deficit level as the API numbers it, from `a`, `b` or `c` (either case).
fn level(flag: &str, l: &str) -> Result<i32, CliError> {
    let level = peerlift_domain::Level::from_letter(&l.to_ascii_uppercase()).ok_or_else(|| {
        CliError::Usage(crate::i18n::tr(
            "usage-level",
            &[("flag", crate::i18n::s(flag)), ("value", crate::i18n::s(l))],
        ))
    })?;
    Ok(peerlift_api::convert::enum_to_pb(
        peerlift_domain::Level::ALL,
        &level,
    ))
}

#[derive(Debug, Args)]
pub struct MatchArgs {
    #[command(flatten)]
    remote: Remote,
    /// Municipality id.
    #[arg(short, long, env = "PEERLIFT_MUNICIPALITY")]
    municipality: Option<String>,
    /// Instead of a municipality: every municipality of this region (pairs across
    /// municipalities online only); approve the run with `-m region:NAME`.
    #[arg(long)]
    region: Option<String>,
    /// What to match.
    #[arg(long, value_enum, default_value = "pairs")]
    kind: KindArg,
    /// Compute and show, store nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print each pair's score terms and why demands stay unmatched.
    #[arg(long)]
    explain: bool,
    /// Write the whole problem solved to FILE as JSON, gzipped when FILE ends in .gz
    /// (README: "Checking optimality"); streamed, any size.
    #[arg(long, value_name = "FILE")]
    export_problem: Option<PathBuf>,
    /// Deficit levels that make a demand [default: a,b].
    #[arg(long, value_delimiter = ',')]
    levels: Vec<String>,
    /// In-person pairs only within this many km [default: 40].
    #[arg(long)]
    travel_limit_km: Option<u32>,
    /// No online pairs.
    #[arg(long)]
    no_online: bool,
    /// School partnerships: end those of schools that left the low-result list (by default
    /// they are kept, as the office decides).
    #[arg(long)]
    end_when_left_list: bool,
    /// Opt-in: keep only each demand's best N arcs. The run is then NOT guaranteed optimal
    /// (it says so); without it the whole problem is solved and proven optimal.
    #[arg(long)]
    max_candidates: Option<u32>,
}

pub async fn run(a: MatchArgs) -> CliResult {
    let levels = a
        .levels
        .iter()
        .map(|l| level("--levels", l))
        .collect::<Result<Vec<_>, _>>()?;
    let (municipality, region) = match (a.municipality, a.region) {
        (_, Some(r)) => (String::new(), r),
        (Some(m), None) => (m, String::new()),
        (None, None) => {
            return Err(CliError::Usage(
                "name the scope: -m MUNICIPALITY (or PEERLIFT_MUNICIPALITY) or --region NAME"
                    .into(),
            ))
        }
    };
    let args = mc::MatchArgs {
        municipality,
        region,
        kind: a.kind.pb(),
        dry_run: a.dry_run,
        explain: a.explain,
        export_problem: a.export_problem,
        policy: pb::Policy {
            levels,
            travel_limit_km: a.travel_limit_km,
            allow_online: if a.no_online { Some(false) } else { None },
            max_candidates: a.max_candidates,
            end_when_left_list: a.end_when_left_list.then_some(true),
            ..Default::default()
        },
        weights: pb::Weights::default(),
    };
    mc::run(a.remote.connect().await?, args).await?;
    done()
}

#[derive(Debug, Args)]
pub struct ApproveArgs {
    #[command(flatten)]
    remote: Remote,
    #[command(flatten)]
    scope: Scope,
    /// The run (run-…, as `peerlift match` printed it), or `latest` for the newest proposed run.
    run_id: String,
    #[arg(long, default_value = "")]
    note: String,
    /// The date the pairs start (default today), e.g. 2022-11-01 for pairs working since.
    #[arg(long, default_value = "")]
    effective_date: String,
}

pub async fn approve(a: ApproveArgs) -> CliResult {
    let ch = a.remote.connect().await?;
    mc::approve(ch, a.scope.municipality, a.run_id, a.note, a.effective_date).await?;
    done()
}

#[derive(Debug, Args)]
pub struct RejectArgs {
    #[command(flatten)]
    remote: Remote,
    #[command(flatten)]
    scope: Scope,
    /// The run (run-…, as `peerlift match` printed it), or `latest` for the newest proposed run.
    run_id: String,
    #[arg(long, default_value = "")]
    note: String,
}

pub async fn reject(a: RejectArgs) -> CliResult {
    let ch = a.remote.connect().await?;
    mc::reject(ch, a.scope.municipality, a.run_id, a.note).await?;
    done()
}

#[derive(Debug, Args)]
pub struct RunsArgs {
    #[command(flatten)]
    remote: Remote,
    #[command(flatten)]
    scope: Scope,
    /// Show this run.
    run_id: Option<String>,
    /// Each pair's score terms.
    #[arg(long)]
    explain: bool,
    /// What to list after the summary.
    #[arg(long, value_enum, default_value = "pairs")]
    list: mc::RunList,
    /// Only mentees of this municipality (a region's run).
    #[arg(long, value_name = "MUNICIPALITY")]
    mentees_in: Option<String>,
    /// Only pairs with this school (the mentee's or the mentor's).
    #[arg(long)]
    school: Option<String>,
    #[arg(long)]
    subject: Option<String>,
    /// Only this level of deficit (a, b or c).
    #[arg(long)]
    level: Option<String>,
    /// Changes: only kept, added or ended.
    #[arg(long, value_parser = ["kept", "added", "ended"])]
    change: Option<String>,
    /// Rows a page [default: 100, at most 1000].
    #[arg(long, default_value_t = 100)]
    page_size: i32,
    /// The page a previous call pointed to.
    #[arg(long, default_value = "")]
    page_token: String,
    /// Every page.
    #[arg(long)]
    all: bool,
}

pub async fn runs(a: RunsArgs) -> CliResult {
    let level = match &a.level {
        None => 0,
        Some(l) => level("--level", l)?,
    };
    let change = match a.change.as_deref() {
        Some("kept") => pb::run_change::Change::Kept as i32,
        Some("added") => pb::run_change::Change::Added as i32,
        Some("ended") => pb::run_change::Change::Ended as i32,
        _ => 0,
    };
    let view = mc::RunView {
        list: a.list,
        mentee_municipality: a.mentees_in.unwrap_or_default(),
        school: a.school.unwrap_or_default(),
        subject: a.subject.unwrap_or_default(),
        level,
        change,
        page_size: a.page_size,
        page_token: a.page_token,
        all: a.all,
        explain: a.explain,
    };
    let ch = a.remote.connect().await?;
    match a.run_id {
        Some(id) => mc::show_run(ch, a.scope.municipality, id, view).await?,
        None => mc::runs(ch, a.scope.municipality).await?,
    }
    done()
}

#[derive(Debug, Args)]
pub struct NetworkArgs {
    #[command(flatten)]
    remote: Remote,
    #[command(flatten)]
    scope: Scope,
    /// Write the graph in this format (default: print the statistics).
    #[arg(long, value_enum)]
    format: Option<nc::Format>,
    /// Write to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub async fn network(a: NetworkArgs) -> CliResult {
    let net = nc::fetch(a.remote.connect().await?, a.scope.municipality).await?;
    let text = match a.format {
        None => {
            nc::print_stats(&net);
            return done();
        }
        Some(nc::Format::Dot) => nc::dot(&net),
        Some(nc::Format::Graphml) => nc::graphml(&net),
        Some(nc::Format::Json) => nc::json(&net),
    };
    match a.out {
        Some(path) => std::fs::write(&path, text).map_err(|e| CliError::io(&path, e))?,
        None => print!("{text}"),
    }
    done()
}

#[derive(Debug, Subcommand)]
pub enum MentorshipCommand {
    /// Active mentorships (--all: ended ones too).
    List {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        #[arg(long)]
        all: bool,
    },
    /// Make a pair, partnership or group by hand, as the office's order has it
    Create(Box<CreateArgs>),
    /// Change a mentorship: a group's members, the mentor, the subject, a partnership's type or goal, its order
    Update(Box<UpdateArgs>),
    /// Peer partnerships the office may make: schools of similar needs and complementary strengths
    Peers {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// Only this school's peers
        #[arg(long, default_value = "")]
        school: String,
        /// Peers per school, 1 to 10
        #[arg(long, default_value_t = 3)]
        per_school: u32,
    },
    /// Lock a mentorship: every run keeps it.
    Lock {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        id: String,
    },
    /// Unlock a mentorship: runs may change it again
    Unlock {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        id: String,
    },
    /// End a mentorship.
    End {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Veto a pair: it is never proposed again.
    Veto {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        #[arg(long)]
        mentee: String,
        #[arg(long)]
        mentor: String,
        #[arg(long, default_value = "")]
        reason: String,
        /// A school partnership rather than a teacher pair.
        #[arg(long)]
        schools: bool,
    },
}

/// `peerlift mentorships create`: what CreateMentorship takes.
#[derive(Debug, Args)]
pub struct CreateArgs {
    #[command(flatten)]
    pub remote: Remote,
    #[command(flatten)]
    pub scope: Scope,
    /// What to make
    #[arg(long, value_enum, default_value = "pairs")]
    pub kind: KindArg,
    /// The mentee teacher or school (not for groups)
    #[arg(long, default_value = "")]
    pub mentee: String,
    /// The mentor teacher or partner school
    #[arg(long)]
    pub mentor: String,
    /// Teacher pairs and groups, directions: the subject code
    #[arg(long, default_value = "")]
    pub subject: String,
    /// Groups: a member teacher or school; repeat for each
    #[arg(long = "member")]
    pub members: Vec<String>,
    /// Why it is made by hand, e.g. the order
    #[arg(long)]
    pub reason: String,
    /// The day it began, 2022-10-18 (default today)
    #[arg(long, default_value = "")]
    pub started_on: String,
    /// The school year, 2022-2023 (default: that of the start)
    #[arg(long, default_value = "")]
    pub school_year: String,
    /// The number of the order that approved it
    #[arg(long, default_value = "")]
    pub order_number: String,
    /// The date of that order, 2022-10-18
    #[arg(long, default_value = "")]
    pub order_date: String,
    /// Partnerships: instrumental or identical, as the office sets it
    #[arg(long = "type", default_value = "")]
    pub partnership_type: String,
    /// Partnerships: the common goal
    #[arg(long, default_value = "")]
    pub goal: String,
    /// Teacher pairs: deficit, young_specialist, voluntary or other
    #[arg(long, default_value = "")]
    pub basis: String,
    /// Keep it although it breaks a hard rule, for this reason
    #[arg(long, default_value = "")]
    pub accept_reason: String,
    /// Every run keeps it
    #[arg(long)]
    pub locked: bool,
}

/// `peerlift mentorships update`: what UpdateMentorship takes; options not given stay.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    #[command(flatten)]
    pub remote: Remote,
    #[command(flatten)]
    pub scope: Scope,
    /// The mentorship
    pub id: String,
    /// Groups: a member teacher or school; repeat for each (replaces the members)
    #[arg(long = "member")]
    pub members: Vec<String>,
    /// The new mentor teacher or leader school
    #[arg(long, default_value = "")]
    pub mentor: String,
    /// The new subject or direction
    #[arg(long, default_value = "")]
    pub subject: String,
    /// Partnerships: instrumental or identical
    #[arg(long = "type", default_value = "")]
    pub partnership_type: String,
    /// Partnerships: the common goal
    #[arg(long, default_value = "")]
    pub goal: String,
    /// The school year, 2022-2023
    #[arg(long, default_value = "")]
    pub school_year: String,
    /// The number of the order that approved it
    #[arg(long, default_value = "")]
    pub order_number: String,
    /// The date of that order, 2022-10-18
    #[arg(long, default_value = "")]
    pub order_date: String,
    /// Teacher pairs: deficit, young_specialist, voluntary or other
    #[arg(long, default_value = "")]
    pub basis: String,
    /// Keep it although it breaks a hard rule, for this reason
    #[arg(long, default_value = "")]
    pub accept_reason: String,
}

pub async fn mentorships(command: MentorshipCommand) -> CliResult {
    match command {
        MentorshipCommand::Peers {
            remote,
            scope,
            school,
            per_school,
        } => {
            mc::peers(
                remote.connect().await?,
                scope.municipality,
                school,
                per_school,
            )
            .await?
        }
        MentorshipCommand::Update(a) => {
            let ch = a.remote.connect().await?;
            mc::update_mentorship(ch, &a.scope.municipality, &a).await?
        }
        MentorshipCommand::Create(a) => {
            let a = *a;
            let ch = a.remote.connect().await?;
            let req = mc::create_request(&a.scope.municipality, a.kind.pb(), &a)?;
            mc::create_mentorship(ch, req).await?
        }
        MentorshipCommand::List { remote, scope, all } => {
            mc::mentorships(remote.connect().await?, scope.municipality, all).await?
        }
        MentorshipCommand::Lock { remote, scope, id } => {
            let ch = remote.connect().await?;
            mc::change_mentorship(ch, scope.municipality, id, "lock", String::new()).await?
        }
        MentorshipCommand::Unlock { remote, scope, id } => {
            let ch = remote.connect().await?;
            mc::change_mentorship(ch, scope.municipality, id, "unlock", String::new()).await?
        }
        MentorshipCommand::End {
            remote,
            scope,
            id,
            reason,
        } => {
            let ch = remote.connect().await?;
            mc::change_mentorship(ch, scope.municipality, id, "end", reason).await?
        }
        MentorshipCommand::Veto {
            remote,
            scope,
            mentee,
            mentor,
            reason,
            schools,
        } => {
            let kind = if schools {
                pb::MatchKind::SchoolPartnerships
            } else {
                pb::MatchKind::TeacherPairs
            };
            let ch = remote.connect().await?;
            mc::veto(ch, scope.municipality, kind, mentee, mentor, reason).await?
        }
    }
    done()
}

#[derive(Debug, Subcommand)]
pub enum ProblemCommand {
    /// Checks the file's claims: the assignment uses arcs and keeps every capacity, the
    /// objective is the sum of its arcs, and the duals cover every arc and bound the objective
    /// exactly (which proves it optimal without a solver). FILE may be gzipped.
    Check { file: PathBuf },
    /// Writes the problem as a DIMACS min-cost-flow instance (the input of LEMON, OR-Tools and
    /// most network solvers); its minimum cost is minus the maximum weight.
    Dimacs {
        file: PathBuf,
        /// Write to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// Works on the file alone, no server.
pub fn problem(command: ProblemCommand) -> CliResult {
    match command {
        ProblemCommand::Check { file } => {
            let r = mc::check_problem_file(&file)?;
            println!(
                "{}: {} demands, {} suppliers, {} arcs, {} assigned, objective {}: \
                 feasible, the objective is the sum of its arcs{}",
                file.display(),
                r.demands,
                r.suppliers,
                r.arcs,
                r.assigned,
                r.objective,
                if r.proven_optimal {
                    "; the duals cover every arc and bound it exactly: optimal"
                } else {
                    " (the file has no duals: optimality not checked)"
                }
            );
        }
        ProblemCommand::Dimacs { file, out } => mc::problem_to_dimacs(&file, out.as_deref())?,
    }
    done()
}
