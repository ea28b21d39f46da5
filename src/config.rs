//! Server configuration, layered: built-in defaults, then a TOML file, then `PEERLIFT_*`
//! environment variables, then command-line flags; each layer overrides only what it sets.
//!
//! ```toml
//! # peerlift.toml
//! listen = "127.0.0.1:50051"
//! data_dir = "./peerlift-data"
//! log_format = "text"            # or "json"
//! shutdown_grace_secs = 30
//! idempotency_ttl_hours = 168
//! scheduler = true               # the nightly rematch scheduler
//! request_timeout_secs = 600     # server-side deadline of every call
//! max_concurrent_requests_per_connection = 64
//! load_shed = true               # RESOURCE_EXHAUSTED over the limit instead of queueing
//! max_concurrent_requests = 512  # calls served at once by the whole server
//! rate_limit_per_token = 1000    # sustained calls per second per token (0: unlimited)
//! rate_limit_burst = 2000
//! reflection = true              # gRPC server reflection (describes the API only)
//! tls_cert = "server.pem"        # serve TLS (with tls_key)
//! tls_key = "server.key"
//! tls_client_ca = "clients.pem"  # require client certificates signed by this CA (mTLS)
//! insecure_no_auth = false       # DEVELOPMENT ONLY: every caller is an admin
//! console_listen = "127.0.0.1:8080"  # the web console (HTTP); "off": none
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The effective configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub log_format: LogFormat,
    /// How long in-flight calls may take to finish after a shutdown signal.
    pub shutdown_grace_secs: u64,
    /// How long a request id is remembered for idempotent retries.
    pub idempotency_ttl_hours: u64,
    /// Run the nightly rematch scheduler inside the server.
    pub scheduler: bool,
    /// Server-side deadline of every call (a client's shorter `grpc-timeout` wins).
    pub request_timeout_secs: u64,
    /// Calls served at once on one connection; beyond it calls are shed.
    pub max_concurrent_requests_per_connection: usize,
    /// Refuse calls over the limit at once with RESOURCE_EXHAUSTED instead of queueing them.
    pub load_shed: bool,
    /// Calls served at once by the whole server (0: unlimited).
    pub max_concurrent_requests: usize,
    /// Sustained calls per second per token, across all its connections (0: unlimited).
    pub rate_limit_per_token: f64,
    /// Calls a token may make at once above its sustained rate.
    pub rate_limit_burst: f64,
    /// Serve gRPC reflection.
    pub reflection: bool,
    /// PEM certificate chain and key: serve TLS instead of plain HTTP/2.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// PEM CA certificates: require and verify client certificates (mutual TLS).
    pub tls_client_ca: Option<PathBuf>,
    /// Development only: no tokens, every caller is an admin. Logged loudly.
    pub insecure_no_auth: bool,
    /// Where the web console listens (HTTP); None: no console.
    pub console_listen: Option<SocketAddr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 50051)),
            data_dir: PathBuf::from("./peerlift-data"),
            log_format: LogFormat::Text,
            shutdown_grace_secs: 30,
            idempotency_ttl_hours: 24 * 7,
            scheduler: true,
            request_timeout_secs: 600,
            max_concurrent_requests_per_connection: 64,
            load_shed: true,
            max_concurrent_requests: 512,
            rate_limit_per_token: 1000.0,
            rate_limit_burst: 2000.0,
            reflection: true,
            tls_cert: None,
            tls_key: None,
            tls_client_ca: None,
            insecure_no_auth: false,
            console_listen: Some(SocketAddr::from(([127, 0, 0, 1], 8080))),
        }
    }
}

/// The console's address: `HOST:PORT`, or `off` for none.
pub fn console_address(v: &str) -> Result<Option<SocketAddr>, String> {
    if v.trim().eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    v.trim()
        .parse()
        .map(Some)
        .map_err(|e| format!("'{v}': {e} (an address like 127.0.0.1:8080, or off)"))
}

/// One layer: every field optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub log_format: Option<LogFormat>,
    pub shutdown_grace_secs: Option<u64>,
    pub idempotency_ttl_hours: Option<u64>,
    pub scheduler: Option<bool>,
    pub request_timeout_secs: Option<u64>,
    pub max_concurrent_requests_per_connection: Option<usize>,
    pub load_shed: Option<bool>,
    pub max_concurrent_requests: Option<usize>,
    pub rate_limit_per_token: Option<f64>,
    pub rate_limit_burst: Option<f64>,
    pub reflection: Option<bool>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub tls_client_ca: Option<PathBuf>,
    pub insecure_no_auth: Option<bool>,
    /// `127.0.0.1:8080`, or `off`.
    pub console_listen: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Parse { path: String, message: String },
    #[error("environment variable {name}: {message}")]
    Env { name: String, message: String },
}

impl Config {
    fn apply(&mut self, l: Layer) {
        if let Some(v) = l.listen {
            self.listen = v;
        }
        if let Some(v) = l.data_dir {
            self.data_dir = v;
        }
        if let Some(v) = l.log_format {
            self.log_format = v;
        }
        if let Some(v) = l.shutdown_grace_secs {
            self.shutdown_grace_secs = v;
        }
        if let Some(v) = l.idempotency_ttl_hours {
            self.idempotency_ttl_hours = v;
        }
        if let Some(v) = l.scheduler {
            self.scheduler = v;
        }
        if let Some(v) = l.request_timeout_secs {
            self.request_timeout_secs = v;
        }
        if let Some(v) = l.max_concurrent_requests_per_connection {
            self.max_concurrent_requests_per_connection = v;
        }
        if let Some(v) = l.load_shed {
            self.load_shed = v;
        }
        if let Some(v) = l.max_concurrent_requests {
            self.max_concurrent_requests = v;
        }
        if let Some(v) = l.rate_limit_per_token {
            self.rate_limit_per_token = v;
        }
        if let Some(v) = l.rate_limit_burst {
            self.rate_limit_burst = v;
        }
        if let Some(v) = l.reflection {
            self.reflection = v;
        }
        if let Some(v) = l.tls_cert {
            self.tls_cert = Some(v);
        }
        if let Some(v) = l.tls_key {
            self.tls_key = Some(v);
        }
        if let Some(v) = l.tls_client_ca {
            self.tls_client_ca = Some(v);
        }
        if let Some(v) = l.insecure_no_auth {
            self.insecure_no_auth = v;
        }
        if let Some(v) = l.console_listen {
            // Checked by `console_address` when the layer is read.
            self.console_listen = console_address(&v).ok().flatten();
        }
    }

    /// Builds the configuration from the layers. `env` is passed in (not read here) so tests
    /// can give their own.
    pub fn load(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
        flags: Layer,
    ) -> Result<Config, ConfigError> {
        let mut c = Config::default();
        if let Some(path) = file {
            c.apply(Self::file_layer(path)?);
        }
        c.apply(Self::env_layer(env)?);
        c.apply(flags);
        Ok(c)
    }

    fn file_layer(path: &Path) -> Result<Layer, ConfigError> {
        let layer = Self::file_layer_unchecked(path)?;
        if let Some(v) = &layer.console_listen {
            console_address(v).map_err(|message| ConfigError::Parse {
                path: path.display().to_string(),
                message: format!("console_listen: {message}"),
            })?;
        }
        Ok(layer)
    }

    fn file_layer_unchecked(path: &Path) -> Result<Layer, ConfigError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: shown.clone(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: shown,
            message: e.to_string(),
        })
    }

    fn env_layer(env: impl Fn(&str) -> Option<String>) -> Result<Layer, ConfigError> {
        fn parse<T: std::str::FromStr>(
            env: &impl Fn(&str) -> Option<String>,
            name: &str,
        ) -> Result<Option<T>, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            match env(name) {
                None => Ok(None),
                Some(v) if v.is_empty() => Ok(None),
                Some(v) => v.parse().map(Some).map_err(|e: T::Err| ConfigError::Env {
                    name: name.to_string(),
                    message: format!("'{v}': {e}"),
                }),
            }
        }
        let log_format = match env("PEERLIFT_LOG_FORMAT").as_deref() {
            None | Some("") => None,
            Some("text") => Some(LogFormat::Text),
            Some("json") => Some(LogFormat::Json),
            Some(other) => {
                return Err(ConfigError::Env {
                    name: "PEERLIFT_LOG_FORMAT".into(),
                    message: format!("'{other}': expected text or json"),
                })
            }
        };
        Ok(Layer {
            listen: parse(&env, "PEERLIFT_LISTEN")?,
            data_dir: parse(&env, "PEERLIFT_DATA_DIR")?,
            log_format,
            shutdown_grace_secs: parse(&env, "PEERLIFT_SHUTDOWN_GRACE_SECS")?,
            idempotency_ttl_hours: parse(&env, "PEERLIFT_IDEMPOTENCY_TTL_HOURS")?,
            scheduler: parse(&env, "PEERLIFT_SCHEDULER")?,
            request_timeout_secs: parse(&env, "PEERLIFT_REQUEST_TIMEOUT_SECS")?,
            max_concurrent_requests_per_connection: parse(
                &env,
                "PEERLIFT_MAX_CONCURRENT_REQUESTS_PER_CONNECTION",
            )?,
            load_shed: parse(&env, "PEERLIFT_LOAD_SHED")?,
            max_concurrent_requests: parse(&env, "PEERLIFT_MAX_CONCURRENT_REQUESTS")?,
            rate_limit_per_token: parse(&env, "PEERLIFT_RATE_LIMIT_PER_TOKEN")?,
            rate_limit_burst: parse(&env, "PEERLIFT_RATE_LIMIT_BURST")?,
            reflection: parse(&env, "PEERLIFT_REFLECTION")?,
            console_listen: match env("PEERLIFT_CONSOLE_LISTEN") {
                Some(v) if !v.is_empty() => {
                    console_address(&v).map_err(|message| ConfigError::Env {
                        name: "PEERLIFT_CONSOLE_LISTEN".into(),
                        message,
                    })?;
                    Some(v)
                }
                _ => None,
            },
            tls_cert: parse(&env, "PEERLIFT_TLS_CERT")?,
            tls_key: parse(&env, "PEERLIFT_TLS_KEY")?,
            tls_client_ca: parse(&env, "PEERLIFT_TLS_CLIENT_CA")?,
            insecure_no_auth: parse(&env, "PEERLIFT_INSECURE_NO_AUTH")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_override_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("peerlift.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:6000\"\ndata_dir = \"/from/file\"\nshutdown_grace_secs = 5\n",
        )
        .unwrap();
        let env = |k: &str| match k {
            "PEERLIFT_DATA_DIR" => Some("/from/env".to_string()),
            "PEERLIFT_LOG_FORMAT" => Some("json".to_string()),
            _ => None,
        };
        let flags = Layer {
            shutdown_grace_secs: Some(9),
            ..Layer::default()
        };
        let c = Config::load(Some(&file), env, flags).unwrap();
        assert_eq!(c.listen, "0.0.0.0:6000".parse().unwrap()); // file
        assert_eq!(c.data_dir, PathBuf::from("/from/env")); // env over file
        assert_eq!(c.log_format, LogFormat::Json); // env
        assert_eq!(c.shutdown_grace_secs, 9); // flag over file
        assert_eq!(c.idempotency_ttl_hours, 168); // default
    }

    #[test]
    fn bad_layers_say_where() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "listne = \"x\"\n").unwrap();
        let err = Config::load(Some(&file), |_| None, Layer::default()).unwrap_err();
        assert!(err.to_string().contains("bad.toml"), "{err}");
        assert!(err.to_string().contains("listne"), "{err}");
        let env = |k: &str| (k == "PEERLIFT_LISTEN").then(|| "nowhere".to_string());
        let err = Config::load(None, env, Layer::default()).unwrap_err();
        assert!(err.to_string().contains("PEERLIFT_LISTEN"), "{err}");
    }
}
