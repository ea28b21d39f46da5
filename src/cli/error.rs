//! The one error of the command line: every command returns it, `main` prints it once.

use crate::client::ClientError;

/// Why a command failed. Every variant prints as a sentence a person can act on; the exit
/// status is 1 (an import with rejected rows, which did run, exits 2 without an error).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The server refused or could not be reached, or a local file could not be read.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The command line names something that does not exist or is incomplete.
    #[error("{0}")]
    Usage(String),
    /// The server's configuration (file, environment, flags) is wrong.
    #[error("{0}")]
    Config(#[from] crate::config::ConfigError),
    /// The store directory (backup, restore, local tokens).
    #[error("{0}")]
    Store(#[from] peerlift_store::StoreError),
    /// The server stopped with an error.
    #[error("{0}")]
    Serve(#[from] crate::server::ServeError),
    /// A local task (a benchmark, a generator, a problem file) failed; the text says why.
    #[error("{0}")]
    Failed(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl From<tonic::Status> for CliError {
    fn from(s: tonic::Status) -> CliError {
        CliError::Client(ClientError::from(s))
    }
}

impl From<String> for CliError {
    fn from(s: String) -> CliError {
        CliError::Failed(s)
    }
}

impl CliError {
    pub fn io(path: &std::path::Path, source: std::io::Error) -> CliError {
        CliError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// What every command returns.
pub type CliResult = Result<std::process::ExitCode, CliError>;
