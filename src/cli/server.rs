//! Running the server, and the store directory's backup and restore (server stopped).

use std::path::PathBuf;

use clap::Args;

use super::{done, init_logging, CliError, CliResult, ServerFlags};
use crate::config::{Layer, LogFormat};

#[derive(Debug, Args)]
pub struct ServeArgs {
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
    /// Where the web console listens, or off [default: 127.0.0.1:8080; env PEERLIFT_CONSOLE_LISTEN].
    #[arg(long, value_name = "ADDR")]
    console_listen: Option<String>,
}

pub async fn serve(a: ServeArgs) -> CliResult {
    let config = a.flags.load(Layer {
        listen: a.listen,
        log_format: a.log_format,
        shutdown_grace_secs: a.shutdown_grace_secs,
        scheduler: a.no_scheduler.then_some(false),
        insecure_no_auth: a.insecure_no_auth.then_some(true),
        console_listen: a
            .console_listen
            .map(|v| {
                crate::config::console_address(&v).map_err(CliError::Usage)?;
                Ok::<String, CliError>(v)
            })
            .transpose()?,
        ..Layer::default()
    })?;
    init_logging(config.log_format, "info");
    crate::server::run(&config, crate::server::shutdown_signal()).await?;
    done()
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    file: PathBuf,
    /// Also write the installation's secrets (the key of export pseudonyms), so a restored
    /// store gives the same pseudonyms. The file (owner-only) then links pseudonyms to ids:
    /// keep it as safe as the data directory.
    #[arg(long)]
    include_secrets: bool,
    #[command(flatten)]
    flags: ServerFlags,
}

pub fn backup(a: BackupArgs) -> CliResult {
    let config = a.flags.load(Layer::default())?;
    if !config.data_dir.exists() {
        return Err(CliError::Usage(crate::i18n::tr(
            "usage-no-store",
            &[("dir", crate::i18n::s(config.data_dir.display().to_string()))],
        )));
    }
    let store = peerlift_store::Store::open(&config.data_dir)?;
    let n = store.backup_to_file(&a.file, a.include_secrets)?;
    println!(
        "{}",
        crate::i18n::tr(
            "backup-written",
            &[
                ("count", crate::i18n::n(n as f64)),
                ("dir", crate::i18n::s(config.data_dir.display().to_string())),
                ("file", crate::i18n::s(a.file.display().to_string())),
            ],
        )
    );
    println!(
        "{}",
        crate::i18n::t(if a.include_secrets {
            "backup-with-secrets"
        } else {
            "backup-without-secrets"
        })
    );
    done()
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    file: PathBuf,
    #[command(flatten)]
    flags: ServerFlags,
    /// Replace a store that already holds data.
    #[arg(long)]
    replace: bool,
}

pub fn restore(a: RestoreArgs) -> CliResult {
    let config = a.flags.load(Layer::default())?;
    let f = std::fs::File::open(&a.file).map_err(|e| CliError::io(&a.file, e))?;
    let summary =
        peerlift_store::backup::restore(std::io::BufReader::new(f), &config.data_dir, a.replace)?;
    println!(
        "{}",
        crate::i18n::tr(
            "backup-restored",
            &[
                ("count", crate::i18n::n(summary.records as f64)),
                ("dir", crate::i18n::s(config.data_dir.display().to_string())),
            ],
        )
    );
    done()
}
