//! The command line: one module per area, each command's arguments a type of its own, one
//! error ([`CliError`]). `main.rs` calls [`parse`] and [`dispatch`]; the commands themselves
//! call the client modules of this crate (`client`, `match_cli`, `sessions_cli`, ...), which
//! talk to the server.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::client;
use crate::config::{Config, Layer, LogFormat};

pub mod access;
pub mod bench;
pub mod community;
mod error;
mod help;
pub mod matching;
pub mod programme;
pub mod registry;
pub mod rematch;
pub mod server;
pub mod sessions;

pub use error::{CliError, CliResult};

#[derive(Debug, Parser)]
#[command(
    name = "peerlift",
    version,
    about = "Peer-to-peer mentoring networks between schools: the gRPC service and its CLI",
    after_help = "Start with `peerlift serve`, then `peerlift import examples/kirovsky`."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Language of what the command prints: en or ru [default: from PEERLIFT_LANG, LC_ALL,
    /// LC_MESSAGES or LANG; ru_RU.UTF-8 speaks Russian].
    #[arg(long, global = true, value_parser = parse_lang)]
    pub lang: Option<crate::i18n::Lang>,
    /// text (tables for a person) or json (the API's messages, for scripts).
    #[arg(long, global = true, value_enum, default_value = "text")]
    pub output: crate::output::Output,
}

fn parse_lang(s: &str) -> Result<crate::i18n::Lang, String> {
    crate::i18n::Lang::parse(s)
        .ok_or_else(|| crate::i18n::tr("usage-lang", &[("value", crate::i18n::s(s))]))
}

/// Where the server is, for client commands.
#[derive(Debug, Clone, Args)]
pub struct Remote {
    /// Server address.
    #[arg(
        long,
        env = "PEERLIFT_ADDR",
        default_value = "http://127.0.0.1:50051",
        global = true
    )]
    pub addr: String,
    /// Bearer token (`plt_…`); `peerlift token create` makes one.
    #[arg(long, env = "PEERLIFT_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
    /// CA certificate (PEM) of a TLS server; use an https:// address with it.
    #[arg(long, env = "PEERLIFT_CA_CERT", global = true)]
    pub ca_cert: Option<PathBuf>,
    /// Client certificate (PEM) for a server that requires mutual TLS.
    #[arg(long, env = "PEERLIFT_CLIENT_CERT", global = true)]
    pub client_cert: Option<PathBuf>,
    /// Key (PEM) of the client certificate.
    #[arg(long, env = "PEERLIFT_CLIENT_KEY", global = true)]
    pub client_key: Option<PathBuf>,
}

impl Remote {
    /// Connects to the server this names.
    pub async fn connect(&self) -> Result<client::Conn, CliError> {
        Ok(client::connect_to(&client::Target {
            addr: self.addr.clone(),
            token: self.token.clone(),
            ca_cert: self.ca_cert.clone(),
            client_cert: self.client_cert.clone(),
            client_key: self.client_key.clone(),
        })
        .await?)
    }
}

/// Which municipality a client command is about.
#[derive(Debug, Clone, Args)]
pub struct Scope {
    /// Municipality id.
    #[arg(short, long, env = "PEERLIFT_MUNICIPALITY")]
    pub municipality: String,
}

/// Server configuration flags (override file and environment).
#[derive(Debug, Clone, Args)]
pub struct ServerFlags {
    /// TOML configuration file.
    #[arg(long, env = "PEERLIFT_CONFIG")]
    pub config: Option<PathBuf>,
    /// Store directory [default: ./peerlift-data; env PEERLIFT_DATA_DIR].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

impl ServerFlags {
    /// The configuration: these flags over `extra` over the environment over the file.
    pub fn load(&self, extra: Layer) -> Result<Config, CliError> {
        let layer = Layer {
            data_dir: self.data_dir.clone(),
            ..extra
        };
        Ok(Config::load(
            self.config.as_deref(),
            |k| std::env::var(k).ok(),
            layer,
        )?)
    }
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process; boxing buys nothing
pub enum Command {
    /// Run the gRPC server (embedded store, health, reflection).
    Serve(server::ServeArgs),
    /// Bearer tokens: create (the secret is shown once), list, revoke. With --data-dir on the
    /// store directly (server stopped; how the first admin token is made), otherwise through
    /// the API with an admin token.
    Token {
        #[command(subcommand)]
        command: access::TokenCommand,
    },
    /// The audit log: every acknowledged write, who made it, when, with which request id.
    Audit(access::AuditArgs),
    /// Export a municipality's data for sharing: CSV files with teachers pseudonymised (stable
    /// keyed pseudonyms, no names, no free text).
    Export(access::ExportArgs),
    /// Erase a departed teacher's personal data (name, free-text notes), keeping the
    /// anonymous history that reports count.
    EraseTeacher(access::EraseTeacherArgs),
    /// The nightly rematch policy of a municipality: show it, or change the given parts.
    Policy(rematch::PolicyArgs),
    /// Run the nightly rematch now (--now), or show its history.
    Rematch(rematch::RematchArgs),
    /// Import CSV files (or directories of them) into a running server.
    Import(registry::ImportArgs),
    /// Municipalities.
    Municipalities {
        #[command(subcommand)]
        command: registry::MunicipalityCommand,
    },
    /// Schools of a municipality.
    Schools {
        #[command(subcommand)]
        command: registry::SchoolCommand,
    },
    /// Teachers of a municipality.
    Teachers {
        #[command(subcommand)]
        command: registry::TeacherCommand,
    },
    /// The catalogue of subjects, competence areas and directions in force for a municipality.
    Catalog(registry::CatalogArgs),
    /// Write the whole store to FILE (line format, see README). The server must be stopped.
    Backup(server::BackupArgs),
    /// Restore a backup FILE into the store directory. The server must be stopped.
    Restore(server::RestoreArgs),
    /// Compute a matching: a proposal (or a dry run) with every pair's score.
    Match(matching::MatchArgs),
    /// Approve a proposed run: apply its whole diff.
    Approve(matching::ApproveArgs),
    /// Reject a proposed run.
    Reject(matching::RejectArgs),
    /// Match runs: list them, or show one: its summary, then a page of its pairs (or of its
    /// unmatched demands, or of its changes), filtered.
    Runs(matching::RunsArgs),
    /// The active network: statistics, or the graph as DOT, GraphML or JSON.
    Network(matching::NetworkArgs),
    /// Mentorships: list, lock, unlock, end, veto.
    Mentorships {
        #[command(subcommand)]
        command: matching::MentorshipCommand,
    },
    /// Curators of schools: assign, change, list, remove; a curator's view of its schools.
    Curators {
        #[command(subcommand)]
        command: community::CuratorCommand,
    },
    /// Professional associations and network communities: found, join, leave, list;
    /// participation by school year; recommendations for a teacher.
    Associations {
        #[command(subcommand)]
        command: community::AssociationCommand,
    },
    /// Internship platforms for management teams and management diagnostics (match them with
    /// `peerlift match --kind platforms`).
    Platforms {
        #[command(subcommand)]
        command: community::PlatformCommand,
    },
    /// Programmes: goal, stages, targets; indicators by school year against the targets.
    Programme {
        #[command(subcommand)]
        command: programme::ProgrammeCommand,
    },
    /// Student results (VPR, OGE, EGE, NIKO, regional) kept for the indicators.
    Results {
        #[command(subcommand)]
        command: programme::ResultCommand,
    },
    /// Roadmaps of the municipality or a school: items, due dates, status, evidence.
    Roadmaps {
        #[command(subcommand)]
        command: programme::RoadmapCommand,
    },
    /// Teachers' individual educational routes (ИОМ): draft, edit, show.
    Routes {
        #[command(subcommand)]
        command: programme::RouteCommand,
    },
    /// The office's documents drafted from the data (HTML to print), and those it signed.
    Documents {
        #[command(subcommand)]
        command: community::DocumentCommand,
    },
    /// Municipal events across many schools: plan, list, register, record, cancel.
    Events {
        #[command(subcommand)]
        command: community::EventCommand,
    },
    /// Exported matching problems (`match --export-problem`): check one, or convert it for an
    /// independent solver. Works on the file alone, no server.
    Problem {
        #[command(subcommand)]
        command: matching::ProblemCommand,
    },
    /// Sessions of a teacher, a school or a mentorship (table, or iCalendar with --ics);
    /// propose and accept schedules; scheduling settings.
    #[command(args_conflicts_with_subcommands = true)]
    Schedule(sessions::ScheduleArgs),
    /// Sessions: create one by hand, record it as held or missed, cancel it.
    Sessions {
        #[command(subcommand)]
        command: sessions::SessionCommand,
    },
    /// Progress since re-diagnosis of a mentorship, a mentor, a school or a teacher.
    Progress(sessions::ProgressArgs),
    /// Reports: coverage, load, sessions, progress, outcomes (table; --csv; --svg FILE).
    Report(sessions::ReportArgs),
    /// Benchmark the matcher at municipality, region and nation scale (figures as Markdown).
    Bench(bench::BenchArgs),
    /// Drive many concurrent clients against a local server (auth and limits on) for a
    /// bounded time, with a rematch in the middle; prints throughput, p50/p99 and errors.
    Loadtest(bench::LoadtestArgs),
    /// Generate example data.
    Gen {
        #[command(subcommand)]
        command: bench::GenCommand,
    },
}

/// Parses the command line (exits with clap's message on a bad one). `--help` speaks the
/// language the command will print in (`--lang`, else the environment).
pub fn parse() -> Cli {
    let lang = lang_asked(std::env::args()).unwrap_or_else(crate::i18n::from_env);
    let matches = help::command(lang).get_matches();
    let mut cli = match <Cli as clap::FromArgMatches>::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // `PEERLIFT_MUNICIPALITY` set for everyday commands must not stop a region's import: only
    // an explicit -m names the municipality of every file.
    if let Command::Import(args) = &mut cli.command {
        args.municipality_from_env = matches
            .subcommand_matches("import")
            .and_then(|m| m.value_source("municipality"))
            == Some(clap::parser::ValueSource::EnvVariable);
    }
    cli
}

/// The `--lang` of the command line, read before clap parses it (so `--help` can use it).
fn lang_asked(args: impl Iterator<Item = String>) -> Option<crate::i18n::Lang> {
    let mut args = args.skip(1);
    while let Some(a) = args.next() {
        if a == "--" {
            break;
        }
        if let Some(v) = a.strip_prefix("--lang=") {
            return crate::i18n::Lang::parse(v);
        }
        if a == "--lang" {
            return args.next().and_then(|v| crate::i18n::Lang::parse(&v));
        }
    }
    None
}

/// Runs a parsed command.
pub async fn dispatch(cli: Cli) -> CliResult {
    crate::i18n::set(cli.lang.unwrap_or_else(crate::i18n::from_env));
    crate::output::set(cli.output);
    match cli.command {
        Command::Serve(a) => server::serve(a).await,
        Command::Backup(a) => server::backup(a),
        Command::Restore(a) => server::restore(a),
        Command::Token { command } => access::token(command).await,
        Command::Audit(a) => access::audit(a).await,
        Command::Export(a) => access::export(a).await,
        Command::EraseTeacher(a) => access::erase_teacher(a).await,
        Command::Policy(a) => rematch::policy(a).await,
        Command::Rematch(a) => rematch::rematch(a).await,
        Command::Import(a) => registry::import(a).await,
        Command::Municipalities { command } => registry::municipalities(command).await,
        Command::Schools { command } => registry::schools(command).await,
        Command::Teachers { command } => registry::teachers(command).await,
        Command::Catalog(a) => registry::catalog(a).await,
        Command::Match(a) => matching::run(a).await,
        Command::Approve(a) => matching::approve(a).await,
        Command::Reject(a) => matching::reject(a).await,
        Command::Runs(a) => matching::runs(a).await,
        Command::Network(a) => matching::network(a).await,
        Command::Mentorships { command } => matching::mentorships(command).await,
        Command::Curators { command } => community::curators(command).await,
        Command::Events { command } => community::events(command).await,
        Command::Associations { command } => community::associations(command).await,
        Command::Platforms { command } => community::platforms(command).await,
        Command::Documents { command } => community::documents(command).await,
        Command::Programme { command } => programme::programme(command).await,
        Command::Results { command } => programme::results(command).await,
        Command::Roadmaps { command } => programme::roadmaps(command).await,
        Command::Routes { command } => programme::routes(command).await,
        Command::Problem { command } => matching::problem(command),
        Command::Schedule(a) => sessions::schedule(a).await,
        Command::Sessions { command } => sessions::sessions(command).await,
        Command::Progress(a) => sessions::progress(a).await,
        Command::Report(a) => sessions::report(a).await,
        Command::Bench(a) => bench::bench(a).await,
        Command::Loadtest(a) => bench::loadtest(a).await,
        Command::Gen { command } => bench::gen(command),
    }
}

/// Logs to standard error: `RUST_LOG` if set, else `default_level`.
pub fn init_logging(format: LogFormat, default_level: &str) {
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

/// `peerlift runs ... | head` closes standard output early; printing then fails, and Rust's
/// print macros panic. Like other Unix tools, stop quietly (with the status a shell gives a
/// process ended by SIGPIPE) instead of printing a panic; every other panic is reported as
/// before.
pub fn quiet_on_closed_stdout() {
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

/// Done: exit status 0.
fn done() -> CliResult {
    Ok(ExitCode::SUCCESS)
}
