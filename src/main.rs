//! `peerlift`: the server and its command-line client. This file parses, dispatches and
//! reports the one error; each command lives in `peerlift::cli` (one module per area), and
//! logging is set up by the commands that log (the server from its configuration, the
//! long-running client commands at `warn`).

use std::process::ExitCode;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    peerlift::cli::quiet_on_closed_stdout();
    let cli = peerlift::cli::parse();
    match peerlift::cli::dispatch(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}: {e}", peerlift::i18n::t("error"));
            ExitCode::FAILURE
        }
    }
}
