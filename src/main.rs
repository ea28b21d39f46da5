//! `peerlift`: the server and its command-line client.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
use peerlift::client::{self, ImportArgs};
use peerlift::config::{Config, Layer, LogFormat};
use peerlift::{gen, server};
use peerlift_api::pb;
use peerlift_domain::SchoolStatus;

#[derive(Debug, Parser)]
#[command(
    name = "peerlift",
    version,
    about = "Peer-to-peer mentoring networks between schools: the gRPC service and its CLI",
    after_help = "Start with `peerlift serve`, then `peerlift import examples/kirovsky`."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the server is, for client commands.
#[derive(Debug, Clone, Args)]
struct Remote {
    /// Server address.
    #[arg(
        long,
        env = "PEERLIFT_ADDR",
        default_value = "http://127.0.0.1:50051",
        global = true
    )]
    addr: String,
    /// Bearer token (`plt_…`); `peerlift token create` makes one.
    #[arg(long, env = "PEERLIFT_TOKEN", hide_env_values = true, global = true)]
    token: Option<String>,
    /// CA certificate (PEM) of a TLS server; use an https:// address with it.
    #[arg(long, env = "PEERLIFT_CA_CERT", global = true)]
    ca_cert: Option<PathBuf>,
    /// Client certificate (PEM) for a server that requires mutual TLS.
    #[arg(long, env = "PEERLIFT_CLIENT_CERT", global = true)]
    client_cert: Option<PathBuf>,
    /// Key (PEM) of the client certificate.
    #[arg(long, env = "PEERLIFT_CLIENT_KEY", global = true)]
    client_key: Option<PathBuf>,
}

/// Which municipality a client command is about.
#[derive(Debug, Clone, Args)]
struct Scope {
    /// Municipality id.
    #[arg(short, long, env = "PEERLIFT_MUNICIPALITY")]
    municipality: String,
}

/// Server configuration flags (override file and environment).
#[derive(Debug, Clone, Args)]
struct ServerFlags {
    /// TOML configuration file.
    #[arg(long, env = "PEERLIFT_CONFIG")]
    config: Option<PathBuf>,
    /// Store directory [default: ./peerlift-data; env PEERLIFT_DATA_DIR].
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
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

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process; boxing buys nothing
enum Command {
    /// Run the gRPC server (embedded store, health, reflection).
    Serve {
        #[command(flatten)]
        flags: ServerFlags,
        /// Address to listen on [default: 127.0.0.1:50051; env PEERLIFT_LISTEN].
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// Log format [default: text; env PEERLIFT_LOG_FORMAT].
        #[arg(long, value_enum)]
        log_format: Option<LogFormat>,
        /// Seconds in-flight calls may take after SIGINT/SIGTERM [default: 30].
        #[arg(long)]
        shutdown_grace_secs: Option<u64>,
        /// Do not run the nightly rematch scheduler [env PEERLIFT_SCHEDULER=false].
        #[arg(long)]
        no_scheduler: bool,
        /// DEVELOPMENT ONLY: no tokens, every caller is an admin of everything.
        #[arg(long)]
        insecure_no_auth: bool,
    },
    /// Bearer tokens: create (the secret is shown once), list, revoke. With --data-dir on the
    /// store directly (server stopped; how the first admin token is made), otherwise through
    /// the API with an admin token.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The audit log: every acknowledged write, who made it, when, with which request id.
    Audit {
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
    },
    /// Export a municipality's data for sharing: CSV files with teachers pseudonymised (stable
    /// keyed pseudonyms, no names, no free text).
    Export {
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
    },
    /// Erase a departed teacher's personal data (name, free-text notes), keeping the
    /// anonymous history that reports count.
    EraseTeacher {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        teacher: String,
    },
    /// The nightly rematch policy of a municipality: show it, or change the given parts.
    Policy {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        #[arg(long, conflicts_with = "disable")]
        enable: bool,
        #[arg(long)]
        disable: bool,
        /// Cron expression in the municipality's time zone, e.g. "0 2 * * *".
        #[arg(long)]
        schedule: Option<String>,
        /// Kinds to run, e.g. pairs,schools.
        #[arg(long, value_enum, value_delimiter = ',')]
        kinds: Vec<KindArg>,
        /// The continuity weight (points for keeping an existing pair).
        #[arg(long)]
        continuity: Option<i64>,
        /// The most mentorships a run may end for a gain: a count (3) or a share (5%).
        #[arg(long)]
        churn_budget: Option<String>,
        /// Apply each night's result.
        #[arg(long, conflicts_with = "proposal_only")]
        auto_approve: bool,
        /// Leave each night's result as a proposal for the office.
        #[arg(long)]
        proposal_only: bool,
    },
    /// Run the nightly rematch now (--now), or show its history.
    Rematch {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        #[arg(long)]
        now: bool,
    },
    /// Import CSV files (or directories of them) into a running server.
    Import {
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
        municipality_from_env: bool,
    },
    /// Municipalities.
    Municipalities {
        #[command(subcommand)]
        command: MunicipalityCommand,
    },
    /// Schools of a municipality.
    Schools {
        #[command(subcommand)]
        command: SchoolCommand,
    },
    /// Teachers of a municipality.
    Teachers {
        #[command(subcommand)]
        command: TeacherCommand,
    },
    /// The catalogue of subjects, competence areas and directions in force for a municipality.
    Catalog {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
    },
    /// Write the whole store to FILE (line format, see README). The server must be stopped.
    Backup {
        file: PathBuf,
        #[command(flatten)]
        flags: ServerFlags,
    },
    /// Restore a backup FILE into the store directory. The server must be stopped.
    Restore {
        file: PathBuf,
        #[command(flatten)]
        flags: ServerFlags,
        /// Replace a store that already holds data.
        #[arg(long)]
        replace: bool,
    },
    /// Compute a matching: a proposal (or a dry run) with every pair's score.
    Match {
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
        /// Opt-in: keep only each demand's best N arcs. The run is then NOT guaranteed optimal
        /// (it says so); without it the whole problem is solved and proven optimal.
        #[arg(long)]
        max_candidates: Option<u32>,
    },
    /// Approve a proposed run: apply its whole diff.
    Approve {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        run_id: String,
        #[arg(long, default_value = "")]
        note: String,
        /// The date the pairs start (default today), e.g. 2022-11-01 for pairs working since.
        #[arg(long, default_value = "")]
        effective_date: String,
    },
    /// Reject a proposed run.
    Reject {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        run_id: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Match runs: list them, or show one: its summary, then a page of its pairs (or of its
    /// unmatched demands, or of its changes), filtered.
    Runs {
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
        list: peerlift::match_cli::RunList,
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
    },
    /// The active network: statistics, or the graph as DOT, GraphML or JSON.
    Network {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        /// Write the graph in this format (default: print the statistics).
        #[arg(long, value_enum)]
        format: Option<peerlift::network_cli::Format>,
        /// Write to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Mentorships: list, lock, unlock, end, veto.
    Mentorships {
        #[command(subcommand)]
        command: MentorshipCommand,
    },
    /// Exported matching problems (`match --export-problem`): check one, or convert it for an
    /// independent solver. Works on the file alone, no server.
    Problem {
        #[command(subcommand)]
        command: ProblemCommand,
    },
    /// Sessions of a teacher, a school or a mentorship (table, or iCalendar with --ics);
    /// propose and accept schedules; scheduling settings.
    #[command(args_conflicts_with_subcommands = true)]
    Schedule {
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
    },
    /// Sessions: create one by hand, record it as held or missed, cancel it.
    Sessions {
        #[command(subcommand)]
        command: SessionCommand,
    },
    /// Progress since re-diagnosis of a mentorship, a mentor, a school or a teacher.
    Progress {
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
    },
    /// Reports: coverage, load, sessions, progress, outcomes (table; --csv; --svg FILE).
    Report {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        #[arg(value_enum)]
        kind: peerlift::sessions_cli::ReportKind,
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
    },
    /// Benchmark the matcher at municipality, region and nation scale (figures as Markdown).
    Bench {
        /// Which size; `all` runs each in its own process (separate peak memory).
        #[arg(long, default_value = "all")]
        size: String,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Regions solved at once.
        #[arg(long, default_value_t = 2)]
        threads: usize,
        /// Print the table header.
        #[arg(long)]
        header: bool,
        /// Instead: grouping quality against the exhaustive best on small instances.
        #[arg(long)]
        grouping: bool,
        /// Instead: sessions end to end (schedule, accept, record, reports) on a synthetic
        /// municipality, through a real server on a temporary store.
        #[arg(long)]
        sessions: bool,
        /// Instead: a region's nightly rematch after a day of re-diagnosis (2%), against a cold
        /// solve.
        #[arg(long)]
        rematch: bool,
        /// Also write the (first) region's whole teacher-pair problem to FILE, in the export
        /// shape (gzipped for .gz), for an independent solver (bench/independent.sh).
        #[arg(long, value_name = "FILE")]
        export: Option<PathBuf>,
        /// Print the figures as one JSON object instead of a table row.
        #[arg(long)]
        json: bool,
    },
    /// Drive many concurrent clients against a local server (auth and limits on) for a
    /// bounded time, with a rematch in the middle; prints throughput, p50/p99 and errors.
    Loadtest {
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// Closed-loop reading clients, each with its own token.
        #[arg(long, default_value_t = 32)]
        readers: usize,
        /// Closed-loop writing clients.
        #[arg(long, default_value_t = 2)]
        writers: usize,
        /// TCP connections the clients share.
        #[arg(long, default_value_t = 8)]
        connections: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Generate example data.
    Gen {
        #[command(subcommand)]
        command: GenCommand,
    },
}

#[derive(Debug, Subcommand)]
enum MunicipalityCommand {
    /// List municipalities.
    List {
        #[command(flatten)]
        remote: Remote,
    },
}

#[derive(Debug, Subcommand)]
enum SchoolCommand {
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

#[derive(Debug, Subcommand)]
enum TeacherCommand {
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

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum KindArg {
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
}

impl KindArg {
    fn pb(self) -> pb::MatchKind {
        match self {
            KindArg::Pairs => pb::MatchKind::TeacherPairs,
            KindArg::Schools => pb::MatchKind::SchoolPartnerships,
            KindArg::Directions => pb::MatchKind::SchoolDirections,
            KindArg::TeacherGroups => pb::MatchKind::TeacherGroups,
            KindArg::SchoolGroups => pb::MatchKind::SchoolGroups,
        }
    }
}

#[derive(Debug, Subcommand)]
enum ProblemCommand {
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

#[derive(Debug, Subcommand)]
enum MentorshipCommand {
    /// Active mentorships (--all: ended ones too).
    List {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        #[arg(long)]
        all: bool,
    },
    /// Lock a mentorship: every run keeps it.
    Lock {
        #[command(flatten)]
        remote: Remote,
        #[command(flatten)]
        scope: Scope,
        id: String,
    },
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

/// Which sessions a schedule shows.
#[derive(Debug, Clone, Args)]
struct FilterArgs {
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

#[derive(Debug, Subcommand)]
enum ScheduleCommand {
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

#[derive(Debug, Subcommand)]
enum SessionCommand {
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

#[derive(Debug, Subcommand)]
enum GenCommand {
    /// Synthetic data at scale (municipality, region or nation), one directory of import
    /// CSVs per municipality.
    Synthetic {
        #[arg(value_enum)]
        size: peerlift::synth::Scale,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Random seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// The Kirovsky district example (real schools and partnerships, generated staff).
    Kirovsky {
        /// Output directory.
        #[arg(long, default_value = "examples/kirovsky")]
        out: PathBuf,
        /// Output directory of the second round (spring 2023 re-diagnosis, new statuses).
        #[arg(long, default_value = "examples/kirovsky-2023")]
        followup_out: PathBuf,
        /// Random seed.
        #[arg(long, default_value_t = 2023)]
        seed: u64,
        /// Directory with kirovsky-district.json and labinsk-deficits.csv
        /// [default: ../shared/fixtures beside the source tree].
        #[arg(long)]
        fixtures: Option<PathBuf>,
    },
}

/// Connects to the server a client command names.
async fn connect(remote: &Remote) -> Result<client::Conn, String> {
    client::connect_to(&client::Target {
        addr: remote.addr.clone(),
        token: remote.token.clone(),
        ca_cert: remote.ca_cert.clone(),
        client_cert: remote.client_cert.clone(),
        client_key: remote.client_key.clone(),
    })
    .await
    .map_err(|e| e.to_string())
}

fn init_logging(format: LogFormat, default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

fn load_config(flags: &ServerFlags, extra: Layer) -> Result<Config, String> {
    let layer = Layer {
        data_dir: flags.data_dir.clone(),
        ..extra
    };
    Config::load(flags.config.as_deref(), |k| std::env::var(k).ok(), layer)
        .map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() -> ExitCode {
    quiet_on_closed_stdout();
    let matches = <Cli as clap::CommandFactory>::command().get_matches();
    let mut cli = match <Cli as clap::FromArgMatches>::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // `PEERLIFT_MUNICIPALITY` set for everyday commands must not stop a region's import: only
    // an explicit -m names the municipality of every file.
    if let Command::Import {
        municipality_from_env,
        ..
    } = &mut cli.command
    {
        *municipality_from_env = matches
            .subcommand_matches("import")
            .and_then(|m| m.value_source("municipality"))
            == Some(clap::parser::ValueSource::EnvVariable);
    }
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `peerlift runs ... | head` closes standard output early; printing then fails, and Rust's
/// print macros panic. Like other Unix tools, stop quietly (with the status a shell gives a
/// process ended by SIGPIPE) instead of printing a panic; every other panic is reported as
/// before.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if text.contains("failed printing to stdout") && text.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

async fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Serve {
            flags,
            listen,
            log_format,
            shutdown_grace_secs,
            no_scheduler,
            insecure_no_auth,
        } => {
            let config = load_config(
                &flags,
                Layer {
                    listen,
                    log_format,
                    shutdown_grace_secs,
                    scheduler: no_scheduler.then_some(false),
                    insecure_no_auth: insecure_no_auth.then_some(true),
                    ..Layer::default()
                },
            )?;
            init_logging(config.log_format, "info");
            server::run(&config, server::shutdown_signal())
                .await
                .map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            remote,
            municipality,
            strict,
            dry_run,
            paths,
            municipality_from_env,
        } => {
            init_logging(LogFormat::Text, "warn");
            let channel = connect(&remote).await?;
            let results = client::import(
                channel,
                ImportArgs {
                    municipality,
                    municipality_from_env,
                    strict,
                    dry_run,
                    paths,
                },
            )
            .await
            .map_err(|e| e.to_string())?;
            let (clean, ok) = match results.as_slice() {
                [one] => match &one.result {
                    Ok(report) => (client::print_report(report, dry_run), true),
                    Err(e) => return Err(e.to_string()),
                },
                many => client::print_region_report(many, dry_run),
            };
            // 2: the import ran but rows were rejected (scripts can tell this from failure); 1:
            // a municipality's import failed (the others went through).
            Ok(if !ok {
                ExitCode::FAILURE
            } else if clean {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
        Command::Municipalities {
            command: MunicipalityCommand::List { remote },
        } => {
            let channel = connect(&remote).await?;
            client::municipalities_list(channel)
                .await
                .map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Schools {
            command:
                SchoolCommand::List {
                    remote,
                    scope,
                    status,
                    limit,
                },
        } => {
            let mut statuses = Vec::new();
            for s in status {
                let st = SchoolStatus::from_code(&s).ok_or_else(|| {
                    format!("--status {s}: expected one of {}", SchoolStatus::codes())
                })?;
                statuses.push(peerlift_api::convert::enum_to_pb(SchoolStatus::ALL, &st));
            }
            let channel = connect(&remote).await?;
            client::schools_list(channel, scope.municipality, statuses, limit)
                .await
                .map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Teachers { command } => match command {
            TeacherCommand::List {
                remote,
                scope,
                school,
                subject,
                all,
                limit,
            } => {
                let channel = connect(&remote).await?;
                let req = pb::ListTeachersRequest {
                    municipality_id: scope.municipality,
                    school_id: school.unwrap_or_default(),
                    subject: subject.unwrap_or_default(),
                    active: if all { None } else { Some(true) },
                    ..Default::default()
                };
                client::teachers_list(channel, req, limit)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(ExitCode::SUCCESS)
            }
            TeacherCommand::Show { remote, scope, id } => {
                let channel = connect(&remote).await?;
                client::teachers_show(channel, scope.municipality, id)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(ExitCode::SUCCESS)
            }
        },
        Command::Catalog { remote, scope } => {
            let channel = connect(&remote).await?;
            client::catalog_list(channel, scope.municipality)
                .await
                .map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { file, flags } => {
            let config = load_config(&flags, Layer::default())?;
            if !config.data_dir.exists() {
                return Err(format!("no store at {}", config.data_dir.display()));
            }
            let store = peerlift_store::Store::open(&config.data_dir).map_err(|e| e.to_string())?;
            let n = store.backup_to_file(&file).map_err(|e| e.to_string())?;
            println!(
                "backed up {n} records from {} to {}",
                config.data_dir.display(),
                file.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore {
            file,
            flags,
            replace,
        } => {
            let config = load_config(&flags, Layer::default())?;
            let f = std::fs::File::open(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let summary = peerlift_store::backup::restore(
                std::io::BufReader::new(f),
                &config.data_dir,
                replace,
            )
            .map_err(|e| e.to_string())?;
            println!(
                "restored {} records into {}",
                summary.records,
                config.data_dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Match {
            remote,
            municipality,
            region,
            kind,
            dry_run,
            explain,
            export_problem,
            levels,
            travel_limit_km,
            no_online,
            max_candidates,
        } => {
            let mut lv = Vec::new();
            for l in levels {
                let level = peerlift_domain::Level::from_letter(&l.to_ascii_uppercase())
                    .ok_or_else(|| format!("--levels {l}: expected a, b or c"))?;
                lv.push(peerlift_api::convert::enum_to_pb(
                    peerlift_domain::Level::ALL,
                    &level,
                ));
            }
            let (municipality, region) = match (municipality, region) {
                (_, Some(r)) => (String::new(), r),
                (Some(m), None) => (m, String::new()),
                (None, None) => return Err(
                    "name the scope: -m MUNICIPALITY (or PEERLIFT_MUNICIPALITY) or --region NAME"
                        .into(),
                ),
            };
            let args = peerlift::match_cli::MatchArgs {
                municipality,
                region,
                kind: kind.pb(),
                dry_run,
                explain,
                export_problem,
                policy: pb::Policy {
                    levels: lv,
                    travel_limit_km,
                    allow_online: if no_online { Some(false) } else { None },
                    max_candidates,
                    ..Default::default()
                },
                weights: pb::Weights::default(),
            };
            let channel = connect(&remote).await?;
            peerlift::match_cli::run(channel, args)
                .await
                .map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Approve {
            remote,
            scope,
            run_id,
            note,
            effective_date,
        } => {
            let channel = connect(&remote).await?;
            peerlift::match_cli::approve(channel, scope.municipality, run_id, note, effective_date)
                .await
                .map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Reject {
            remote,
            scope,
            run_id,
            note,
        } => {
            let channel = connect(&remote).await?;
            peerlift::match_cli::reject(channel, scope.municipality, run_id, note)
                .await
                .map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Runs {
            remote,
            scope,
            run_id,
            explain,
            list,
            mentees_in,
            school,
            subject,
            level,
            change,
            page_size,
            page_token,
            all,
        } => {
            let level = match level {
                None => 0,
                Some(l) => {
                    let level = peerlift_domain::Level::from_letter(&l.to_ascii_uppercase())
                        .ok_or_else(|| format!("--level {l}: expected a, b or c"))?;
                    peerlift_api::convert::enum_to_pb(peerlift_domain::Level::ALL, &level)
                }
            };
            let change = match change.as_deref() {
                Some("kept") => pb::run_change::Change::Kept as i32,
                Some("added") => pb::run_change::Change::Added as i32,
                Some("ended") => pb::run_change::Change::Ended as i32,
                _ => 0,
            };
            let view = peerlift::match_cli::RunView {
                list,
                mentee_municipality: mentees_in.unwrap_or_default(),
                school: school.unwrap_or_default(),
                subject: subject.unwrap_or_default(),
                level,
                change,
                page_size,
                page_token,
                all,
                explain,
            };
            let channel = connect(&remote).await?;
            match run_id {
                Some(id) => {
                    peerlift::match_cli::show_run(channel, scope.municipality, id, view).await
                }
                None => peerlift::match_cli::runs(channel, scope.municipality).await,
            }
            .map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Policy {
            remote,
            scope,
            enable,
            disable,
            schedule,
            kinds,
            continuity,
            churn_budget,
            auto_approve,
            proposal_only,
        } => {
            let ch = connect(&remote).await?;
            let change = peerlift::rematch_cli::PolicyChange {
                enabled: if enable {
                    Some(true)
                } else if disable {
                    Some(false)
                } else {
                    None
                },
                schedule,
                kinds: kinds.into_iter().map(|k| k.pb() as i32).collect(),
                continuity,
                churn_budget,
                auto_approve: if auto_approve {
                    Some(true)
                } else if proposal_only {
                    Some(false)
                } else {
                    None
                },
            };
            peerlift::rematch_cli::policy(ch, scope.municipality, change)
                .await
                .map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Token { command } => {
            use peerlift::access_cli as ac;
            let result = match command {
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
                        Some(d) => ac::create_local(&d, args),
                        None => ac::create_remote(connect(&remote).await?, args).await,
                    }
                }
                TokenCommand::List { remote, data_dir } => match data_dir {
                    Some(d) => ac::list_local(&d),
                    None => ac::list_remote(connect(&remote).await?).await,
                },
                TokenCommand::Revoke {
                    remote,
                    data_dir,
                    id,
                } => match data_dir {
                    Some(d) => ac::revoke_local(&d, &id),
                    None => ac::revoke_remote(connect(&remote).await?, &id).await,
                },
            };
            result.map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            remote,
            municipality,
            since,
            until,
            limit,
        } => {
            let ch = connect(&remote).await?;
            peerlift::access_cli::audit(ch, municipality, since, until, limit)
                .await
                .map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Export {
            remote,
            scope,
            out,
            from,
            to,
        } => {
            let ch = connect(&remote).await?;
            peerlift::access_cli::export(ch, scope.municipality, from, to, &out)
                .await
                .map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::EraseTeacher {
            remote,
            scope,
            teacher,
        } => {
            let ch = connect(&remote).await?;
            peerlift::access_cli::erase_teacher(ch, scope.municipality, teacher)
                .await
                .map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Loadtest {
            seconds,
            readers,
            writers,
            connections,
            seed,
        } => {
            init_logging(LogFormat::Text, "warn");
            let o = peerlift::loadtest::Options {
                seconds: seconds.max(2),
                readers,
                writers,
                connections,
                seed,
            };
            let r = peerlift::loadtest::run(o.clone(), |m| eprintln!("{m}")).await?;
            peerlift::loadtest::print(&o, &r);
            Ok(ExitCode::SUCCESS)
        }
        Command::Rematch { remote, scope, now } => {
            let ch = connect(&remote).await?;
            peerlift::rematch_cli::rematch(ch, scope.municipality, now)
                .await
                .map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Schedule {
            command,
            remote,
            scope,
            filter,
            ics,
            out,
        } => {
            use peerlift::sessions_cli as sc;
            let result = match command {
                None => {
                    let scope = scope.ok_or("--municipality (-m) is required")?;
                    let ch = connect(&remote).await?;
                    let f = sc::Filter {
                        teacher: filter.teacher.unwrap_or_default(),
                        school: filter.school.unwrap_or_default(),
                        mentorship: filter.mentorship.unwrap_or_default(),
                        from: filter.from.unwrap_or_default(),
                        to: filter.to.unwrap_or_default(),
                    };
                    sc::schedule(ch, scope.municipality, f, ics, out).await
                }
                Some(ScheduleCommand::Propose {
                    remote,
                    scope,
                    from,
                    weeks,
                    school,
                }) => {
                    let ch = connect(&remote).await?;
                    sc::propose(ch, scope.municipality, from, weeks, school).await
                }
                Some(ScheduleCommand::Accept {
                    remote,
                    scope,
                    proposal,
                    items,
                }) => {
                    let ch = connect(&remote).await?;
                    sc::accept(ch, scope.municipality, proposal, items).await
                }
                Some(ScheduleCommand::Settings {
                    remote,
                    scope,
                    methodical_days,
                    non_working,
                    speed,
                }) => {
                    let ch = connect(&remote).await?;
                    sc::settings(ch, scope.municipality, methodical_days, non_working, speed).await
                }
            };
            result.map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Sessions { command } => {
            use peerlift::sessions_cli as sc;
            let result = match command {
                SessionCommand::Create {
                    remote,
                    scope,
                    mentorship,
                    start,
                    minutes,
                    place,
                } => {
                    let ch = connect(&remote).await?;
                    sc::create(ch, scope.municipality, mentorship, start, minutes, place).await
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
                        return Err("say --held or --missed".into());
                    }
                    let ch = connect(&remote).await?;
                    let r = sc::Record {
                        held,
                        attended,
                        rating,
                        checks,
                        comment,
                        notes,
                        reason,
                    };
                    sc::record(ch, scope.municipality, id, r).await
                }
                SessionCommand::Cancel {
                    remote,
                    scope,
                    id,
                    reason,
                } => {
                    let ch = connect(&remote).await?;
                    sc::cancel(ch, scope.municipality, id, reason).await
                }
            };
            result.map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Progress {
            remote,
            scope,
            mentorship,
            mentor,
            school,
            teacher,
        } => {
            use peerlift::sessions_cli::{self as sc, ProgressOf};
            let of = match (mentorship, mentor, school, teacher) {
                (Some(x), ..) => ProgressOf::Mentorship(x),
                (_, Some(x), ..) => ProgressOf::Mentor(x),
                (_, _, Some(x), _) => ProgressOf::School(x),
                (_, _, _, Some(x)) => ProgressOf::Teacher(x),
                _ => return Err("say --mentorship, --mentor, --school or --teacher".into()),
            };
            let ch = connect(&remote).await?;
            sc::progress(ch, scope.municipality, of)
                .await
                .map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Report {
            remote,
            scope,
            kind,
            csv,
            svg,
            from,
            to,
        } => {
            use peerlift::sessions_cli as sc;
            let ch = connect(&remote).await?;
            let out = sc::ReportOut { csv, svg, from, to };
            sc::report(ch, scope.municipality, kind, out)
                .await
                .map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Problem { command } => {
            match command {
                ProblemCommand::Check { file } => {
                    let r = peerlift::match_cli::check_problem_file(&file)?;
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
                ProblemCommand::Dimacs { file, out } => {
                    peerlift::match_cli::problem_to_dimacs(&file, out.as_deref())?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Mentorships { command } => {
            use peerlift::match_cli as mc;
            let result = match command {
                MentorshipCommand::List { remote, scope, all } => {
                    let ch = connect(&remote).await?;
                    mc::mentorships(ch, scope.municipality, all).await
                }
                MentorshipCommand::Lock { remote, scope, id } => {
                    let ch = connect(&remote).await?;
                    mc::change_mentorship(ch, scope.municipality, id, "lock", String::new()).await
                }
                MentorshipCommand::Unlock { remote, scope, id } => {
                    let ch = connect(&remote).await?;
                    mc::change_mentorship(ch, scope.municipality, id, "unlock", String::new()).await
                }
                MentorshipCommand::End {
                    remote,
                    scope,
                    id,
                    reason,
                } => {
                    let ch = connect(&remote).await?;
                    mc::change_mentorship(ch, scope.municipality, id, "end", reason).await
                }
                MentorshipCommand::Veto {
                    remote,
                    scope,
                    mentee,
                    mentor,
                    reason,
                    schools,
                } => {
                    let ch = connect(&remote).await?;
                    let kind = if schools {
                        pb::MatchKind::SchoolPartnerships
                    } else {
                        pb::MatchKind::TeacherPairs
                    };
                    mc::veto(ch, scope.municipality, kind, mentee, mentor, reason).await
                }
            };
            result.map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            size,
            seed,
            threads,
            header,
            grouping,
            sessions,
            rematch,
            export,
            json,
        } => {
            if rematch {
                peerlift::bench::rematch(seed, 20)?;
                return Ok(ExitCode::SUCCESS);
            }
            use peerlift::synth::Scale;
            if sessions {
                let f = peerlift::bench::sessions(seed).await?;
                peerlift::bench::print_sessions(&f);
                return Ok(ExitCode::SUCCESS);
            }
            if grouping {
                let (n, mean, worst) = peerlift::bench::grouping_quality(seed, 500);
                println!(
                    "grouping quality / exhaustive best, {n} random instances of 6-9 mentees (9-dimensional profiles), groups of 3-5: mean {mean:.3}, worst {worst:.3}"
                );
                return Ok(ExitCode::SUCCESS);
            }
            if size == "all" {
                let exe = std::env::current_exe().map_err(|e| e.to_string())?;
                for (i, s) in ["municipality", "region", "nation"].iter().enumerate() {
                    let mut cmd = std::process::Command::new(&exe);
                    cmd.args([
                        "bench",
                        "--size",
                        s,
                        "--seed",
                        &seed.to_string(),
                        "--threads",
                        &threads.to_string(),
                    ]);
                    if i == 0 {
                        cmd.arg("--header");
                    }
                    let status = cmd.status().map_err(|e| e.to_string())?;
                    if !status.success() {
                        return Err(format!("bench --size {s} failed"));
                    }
                }
                return Ok(ExitCode::SUCCESS);
            }
            let scale = match size.as_str() {
                "municipality" => Scale::Municipality,
                "region" => Scale::Region,
                "nation" => Scale::Nation,
                other => {
                    return Err(format!(
                        "--size {other}: expected municipality, region, nation or all"
                    ))
                }
            };
            let (f, wall) = peerlift::bench::run(scale, seed, threads, export.as_deref())?;
            if json {
                peerlift::bench::print_json(scale, &f, wall);
            } else {
                peerlift::bench::print(scale, &f, wall, header);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Gen {
            command: GenCommand::Synthetic { size, out, seed },
        } => {
            let (munis, teachers) = peerlift::synth::write(size, seed, &out, |done, total| {
                if done % 10 == 0 || done == total {
                    eprintln!("{done}/{total} municipalities");
                }
            })
            .map_err(|e| e.to_string())?;
            println!(
                "wrote {munis} municipalities, {teachers} teachers under {}",
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Network {
            remote,
            scope,
            format,
            out,
        } => {
            use peerlift::network_cli::{self as nc, Format};
            let channel = connect(&remote).await?;
            let net = nc::fetch(channel, scope.municipality)
                .await
                .map_err(|e| e.to_string())?;
            let text = match format {
                None => {
                    nc::print_stats(&net);
                    return Ok(ExitCode::SUCCESS);
                }
                Some(Format::Dot) => nc::dot(&net),
                Some(Format::Graphml) => nc::graphml(&net),
                Some(Format::Json) => nc::json(&net),
            };
            match out {
                Some(path) => {
                    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?
                }
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Gen {
            command:
                GenCommand::Kirovsky {
                    out,
                    followup_out,
                    seed,
                    fixtures,
                },
        } => {
            let fixtures = fixtures.unwrap_or_else(gen::default_fixtures_dir);
            let data = gen::kirovsky(&fixtures, seed).map_err(|e| e.to_string())?;
            gen::write_dataset(&data, &out).map_err(|e| e.to_string())?;
            let followup = gen::kirovsky_followup(&data, seed);
            gen::write_followup(&followup, &followup_out).map_err(|e| e.to_string())?;
            println!(
                "wrote {}: the spring 2023 round ({} diagnostics, {} schools)",
                followup_out.display(),
                followup.diagnostics.len(),
                followup.schools.len()
            );
            println!(
                "wrote {}: {} schools, {} teachers, {} mentor profiles, {} diagnostics, {} partnerships",
                out.display(),
                data.schools.len(),
                data.teachers.len(),
                data.profiles.len(),
                data.diagnostics.len(),
                data.partnerships.len()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
