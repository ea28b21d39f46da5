//! Server wiring: the store, every service, health and reflection, graceful shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use peerlift_api::auth::{Auth, AuthConfig, AuthLayer};
use peerlift_api::pb;
use peerlift_api::services::{
    AssociationApi, AuditApi, CatalogApi, CuratorApi, DiagnosticApi, DocumentApi, EventApi,
    ImportApi, MatchingApi, MentorProfileApi, MentorshipApi, MunicipalityApi, NetworkApi,
    PlatformApi, ProgrammeApi, RematchApi, ReportApi, SchoolApi, SessionApi, TeacherApi, TokenApi,
};
use peerlift_api::AppState;
use peerlift_store::Store;
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_stream::StreamExt;
use tonic::transport::{Certificate, Identity, Server, ServerTlsConfig};
use tonic_health::ServingStatus;

use crate::config::Config;

/// Largest request message: a 16 MiB CSV chunk is far more than the CLI sends (64 KiB).
const MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;

/// The fully qualified names of the peerlift services (health reports each).
pub const SERVICES: &[&str] = &[
    "peerlift.v1.MunicipalityService",
    "peerlift.v1.SchoolService",
    "peerlift.v1.TeacherService",
    "peerlift.v1.MentorProfileService",
    "peerlift.v1.DiagnosticService",
    "peerlift.v1.CatalogService",
    "peerlift.v1.ImportService",
    "peerlift.v1.MatchingService",
    "peerlift.v1.MentorshipService",
    "peerlift.v1.NetworkService",
    "peerlift.v1.SessionService",
    "peerlift.v1.ReportService",
    "peerlift.v1.RematchService",
    "peerlift.v1.TokenService",
    "peerlift.v1.AuditService",
    "peerlift.v1.CuratorService",
    "peerlift.v1.AssociationService",
    "peerlift.v1.PlatformService",
    "peerlift.v1.EventService",
    "peerlift.v1.DocumentService",
    "peerlift.v1.ProgrammeService",
];

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Store(#[from] peerlift_store::StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
    #[error("reflection: the served descriptors do not decode: {0}")]
    Reflection(#[from] prost::DecodeError),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("cannot load the tokens: {0}")]
    Auth(String),
}

/// The TLS settings of the configuration, files read and checked.
fn tls_config(config: &Config) -> Result<Option<ServerTlsConfig>, ServeError> {
    let read = |p: &std::path::Path| {
        std::fs::read(p).map_err(|e| ServeError::Tls(format!("cannot read {}: {e}", p.display())))
    };
    match (&config.tls_cert, &config.tls_key) {
        (None, None) => {
            if config.tls_client_ca.is_some() {
                return Err(ServeError::Tls(
                    "tls_client_ca needs tls_cert and tls_key: mutual TLS is TLS first".into(),
                ));
            }
            Ok(None)
        }
        (Some(cert), Some(key)) => {
            let mut tls =
                ServerTlsConfig::new().identity(Identity::from_pem(read(cert)?, read(key)?));
            if let Some(ca) = &config.tls_client_ca {
                tls = tls.client_ca_root(Certificate::from_pem(read(ca)?));
            }
            Ok(Some(tls))
        }
        _ => Err(ServeError::Tls(
            "tls_cert and tls_key go together: set both or neither".into(),
        )),
    }
}

/// Opens the store and binds the configured address, then serves until `shutdown` resolves.
pub async fn run(config: &Config, shutdown: impl Future<Output = ()>) -> Result<(), ServeError> {
    let store = Arc::new(Store::open(&config.data_dir)?);
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.listen.to_string(),
            source,
        })?;
    // The console is a convenience beside the API: a port in use is said, not fatal.
    let console = match config.console_listen {
        Some(addr) => match TcpListener::bind(addr).await {
            Ok(l) => Some(l),
            Err(e) => {
                tracing::warn!(addr = %addr, error = %e, "the web console cannot listen there: serving the API without it (set console_listen)");
                None
            }
        },
        None => None,
    };
    serve_with_console(config, store, listener, console, shutdown).await
}

/// Serves on an already bound listener (tests bind 127.0.0.1:0) until `shutdown` resolves;
/// then reports NOT_SERVING, lets in-flight calls finish (up to the grace period) and flushes
/// the store.
pub async fn serve(
    config: &Config,
    store: Arc<Store>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    serve_with_console(config, store, listener, None, shutdown).await
}

/// Who a secret is, from the token store (the console's sign-in): the same tokens and the
/// same validity as the API's.
fn identify(auth: Arc<Auth>) -> crate::console::Identify {
    // The API's own lookup: the console lets in exactly whom the API does (revocations seen
    // by this process included).
    Arc::new(move |secret: &str| {
        auth.identify(secret, jiff::Timestamp::now())
            .ok()
            .flatten()
            .map(|c| crate::console::Identity {
                role: c.role,
                scope: c.scope,
            })
    })
}

/// Serves the web console on `listener` (TLS with the server's certificate when it has one),
/// its API calls going through `channel` until `stopped` turns true.
fn start_console(
    config: &Config,
    listener: TcpListener,
    channel: tonic::transport::Channel,
    who: crate::console::Identify,
    stopped: tokio::sync::watch::Receiver<bool>,
) -> Result<(), ServeError> {
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(
            crate::console::tls::acceptor(cert, key, config.tls_client_ca.as_deref())
                .map_err(ServeError::Tls)?,
        ),
        _ => None,
    };
    let at = listener.local_addr().ok();
    if at.is_some_and(|a| !a.ip().is_loopback()) {
        if config.insecure_no_auth {
            tracing::warn!("THE WEB CONSOLE IS OPEN TO THE NETWORK WITH AUTHENTICATION OFF: any text signs in as an admin of everything. Set console_listen to a loopback address or turn authentication on.");
        } else if tls.is_none() {
            tracing::warn!("the web console listens beyond this machine without TLS: tokens and pages cross the network in clear text. Set tls_cert and tls_key, or put it behind a TLS proxy.");
        }
    }
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!(console = ?at, tls = tls.is_some(), "web console: open {scheme}://{} and sign in with a token", at.map(|a| a.to_string()).unwrap_or_default());
    let mut web_stop = stopped;
    tokio::spawn(async move {
        let stop = async move {
            let _ = web_stop.changed().await;
        };
        if let Err(e) = crate::console::serve(listener, channel, who, tls, stop).await {
            tracing::error!(error = %e, "the web console stopped");
        }
    });
    Ok(())
}

/// [`serve`], and the web console on `console` (tests bind 127.0.0.1:0).
pub async fn serve_with_console(
    config: &Config,
    store: Arc<Store>,
    listener: TcpListener,
    console: Option<TcpListener>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    let ttl = jiff::SignedDuration::from_hours(config.idempotency_ttl_hours as i64);
    let store_for_prune = store.clone();
    let pruned = tokio::task::spawn_blocking(move || {
        let cutoff = jiff::Timestamp::now()
            .checked_sub(ttl)
            .unwrap_or(jiff::Timestamp::MIN);
        store_for_prune.prune_idempotency(cutoff)
    })
    .await
    .map_err(|e| ServeError::Store(peerlift_store::StoreError::Restore(e.to_string())))??;

    let tls = tls_config(config)?;
    let auth_store = store.clone();
    let auth_config = AuthConfig {
        enabled: !config.insecure_no_auth,
        reflection: config.reflection,
        rate_per_sec: config.rate_limit_per_token,
        burst: config.rate_limit_burst,
        max_concurrent: config.max_concurrent_requests,
        load_shed: config.load_shed,
    };
    let auth = tokio::task::spawn_blocking(move || Auth::new(auth_config, &auth_store))
        .await
        .map_err(|e| ServeError::Auth(e.to_string()))?
        .map_err(|e| ServeError::Auth(e.to_string()))?;
    let auth = Arc::new(auth);
    if !config.insecure_no_auth {
        first_admin_token(config, &store, &auth).await?;
    }
    let mut state = AppState::new(store.clone());
    state.revoked = auth.revoked.clone();
    // Rematches a stop interrupted are marked failed before anything else can run, and retried
    // by the scheduler.
    let recover_store = store.clone();
    let interrupted = tokio::task::spawn_blocking(move || {
        peerlift_api::app::nightly::recover(&recover_store, jiff::Timestamp::now())
    })
    .await
    .map_err(|e| ServeError::Store(peerlift_store::StoreError::Restore(e.to_string())))?
    .map_err(|e| ServeError::Store(peerlift_store::StoreError::Restore(e.to_string())))?;
    let (scheduler_stop, scheduler_stopped) = tokio::sync::oneshot::channel::<()>();
    let scheduler = if config.scheduler {
        let st = state.clone();
        Some(tokio::spawn(async move {
            peerlift_api::app::nightly::run_scheduler(
                st,
                Duration::from_secs(30),
                interrupted,
                async {
                    let _ = scheduler_stopped.await;
                },
            )
            .await
        }))
    } else {
        if !interrupted.is_empty() {
            tracing::warn!(count = interrupted.len(), "interrupted rematches marked failed; the scheduler is off, so they are not retried");
        }
        None
    };
    let health = tonic_health::server::HealthReporter::new();
    let (health_service, watchers_stop) = crate::health::health_service(&health);
    health.set_service_status("", ServingStatus::Serving).await;
    for s in SERVICES {
        health.set_service_status(*s, ServingStatus::Serving).await;
    }
    // Our own reflection: every request answered, unknown names with an error_response
    // (src/reflection.rs).
    let index = crate::reflection::index()?;
    let reflection_v1 =
        tonic_reflection::pb::v1::server_reflection_server::ServerReflectionServer::new(
            crate::reflection::v1::Reflection {
                index: index.clone(),
            },
        );
    let reflection_v1alpha =
        tonic_reflection::pb::v1alpha::server_reflection_server::ServerReflectionServer::new(
            crate::reflection::v1alpha::Reflection { index },
        );

    macro_rules! svc {
        ($server:ty, $api:expr) => {{
            <$server>::new($api)
                .max_decoding_message_size(MAX_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_MESSAGE_BYTES)
        }};
    }

    let addr = listener.local_addr().ok();
    tracing::info!(
        listen = ?addr,
        tls = tls.is_some(),
        mutual_tls = config.tls_client_ca.is_some(),
        auth = !config.insecure_no_auth,
        data_dir = %config.data_dir.display(),
        pruned_request_ids = pruned,
        "peerlift serving"
    );
    if config.insecure_no_auth {
        tracing::warn!("AUTHENTICATION IS OFF (insecure_no_auth): every caller is an admin of everything. For development only; never expose this server.");
    }

    let (console_stop, console_stopped) = tokio::sync::watch::channel(false);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let grace = Duration::from_secs(config.shutdown_grace_secs);
    let health_for_stop = health.clone();
    let mut routes = tonic::service::Routes::new(health_service);
    if config.reflection {
        routes = routes
            .add_service(reflection_v1)
            .add_service(reflection_v1alpha);
    }
    let routes = routes
        .add_service(svc!(
            pb::token_service_server::TokenServiceServer<TokenApi>,
            TokenApi {
                state: state.clone(),
                auth: auth.clone(),
            }
        ))
        .add_service(svc!(
            pb::audit_service_server::AuditServiceServer<AuditApi>,
            AuditApi {
                state: state.clone()
            }
        ))
        .add_service(svc!(
            pb::municipality_service_server::MunicipalityServiceServer<MunicipalityApi>,
            MunicipalityApi {
                state: state.clone()
            }
        ))
        .add_service(svc!(
            pb::school_service_server::SchoolServiceServer<SchoolApi>,
            SchoolApi {
                state: state.clone()
            }
        ))
        .add_service(svc!(
            pb::teacher_service_server::TeacherServiceServer<TeacherApi>,
            TeacherApi {
                state: state.clone()
            }
        ))
        .add_service(svc!(
            pb::mentor_profile_service_server::MentorProfileServiceServer<MentorProfileApi>,
            MentorProfileApi {
                state: state.clone()
            }
        ))
        .add_service(svc!(
            pb::diagnostic_service_server::DiagnosticServiceServer<DiagnosticApi>,
            DiagnosticApi {
                state: state.clone()
            }
        ))
        .add_service(svc!(
            pb::catalog_service_server::CatalogServiceServer<CatalogApi>,
            CatalogApi {
                state: state.clone()
            }
        ))
        .add_service(svc!(
            pb::import_service_server::ImportServiceServer<ImportApi>,
            ImportApi {
                state: state.clone()
            }
        ))
        .add_service(svc!(
            pb::matching_service_server::MatchingServiceServer<MatchingApi>,
            MatchingApi {
                state: state.clone()
            }
        ))
        .add_service(svc!(
            pb::mentorship_service_server::MentorshipServiceServer<MentorshipApi>,
            MentorshipApi {
                state: state.clone()
            }
        ))
        .add_service(svc!(
            pb::network_service_server::NetworkServiceServer<NetworkApi>,
            NetworkApi {
                state: state.clone()
            }
        ))
        .add_service(svc!(
            pb::session_service_server::SessionServiceServer<SessionApi>,
            SessionApi {
                state: state.clone()
            }
        ))
        .add_service(svc!(
            pb::report_service_server::ReportServiceServer<ReportApi>,
            ReportApi {
                state: state.clone()
            }
        ))
        .add_service(svc!(
            pb::curator_service_server::CuratorServiceServer<CuratorApi>,
            CuratorApi {
                state: state.clone()
            }
        ))
        .add_service(svc!(
            pb::event_service_server::EventServiceServer<EventApi>,
            EventApi {
                state: state.clone()
            }
        ))
        .add_service(svc!(
            pb::association_service_server::AssociationServiceServer<AssociationApi>,
            AssociationApi {
                state: state.clone()
            }
        ))
        .add_service(svc!(
            pb::platform_service_server::PlatformServiceServer<PlatformApi>,
            PlatformApi {
                state: state.clone()
            }
        ))
        .add_service(svc!(
            pb::document_service_server::DocumentServiceServer<DocumentApi>,
            DocumentApi {
                state: state.clone()
            }
        ))
        .add_service(svc!(
            pb::programme_service_server::ProgrammeServiceServer<ProgrammeApi>,
            ProgrammeApi {
                state: state.clone()
            }
        ))
        .add_service(svc!(
            pb::rematch_service_server::RematchServiceServer<RematchApi>,
            RematchApi {
                state: state.clone()
            }
        ));
    // The same services with the same limits and auth twice: on the listener (TLS when
    // configured) and in process for the console, whose calls never leave the process.
    let layered = |b: Server| {
        b.timeout(Duration::from_secs(config.request_timeout_secs.max(1)))
            .concurrency_limit_per_connection(config.max_concurrent_requests_per_connection.max(1))
            .load_shed(config.load_shed)
            .layer(AuthLayer { auth: auth.clone() })
    };
    let mut public = Server::builder();
    if let Some(tls) = tls {
        public = public
            .tls_config(tls)
            .map_err(|e| ServeError::Tls(e.to_string()))?;
    }
    let router = layered(public).add_routes(routes.clone());
    if let Some(console) = console {
        // Each connection the console's channel opens is one end of an in-memory pipe whose
        // other end the API serves.
        let (to_api, pipes) = tokio::sync::mpsc::unbounded_channel::<tokio::io::DuplexStream>();
        let channel = tonic::transport::Endpoint::from_static("http://peerlift.in-process")
            .connect_with_connector_lazy(tower::service_fn(move |_: axum::http::Uri| {
                let to_api = to_api.clone();
                async move {
                    let (console_end, api_end) = tokio::io::duplex(256 * 1024);
                    to_api
                        .send(api_end)
                        .map_err(|_| std::io::Error::other("the API has stopped"))?;
                    Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(console_end))
                }
            }));
        let api = layered(Server::builder()).add_routes(routes);
        let mut api_stop = console_stopped.clone();
        let incoming = tokio_stream::wrappers::UnboundedReceiverStream::new(pipes)
            .map(Ok::<_, std::io::Error>);
        tokio::spawn(async move {
            let stop = async move {
                let _ = api_stop.changed().await;
            };
            if let Err(e) = api.serve_with_incoming_shutdown(incoming, stop).await {
                tracing::error!(error = %e, "the console's in-process API stopped");
            }
        });
        start_console(
            config,
            console,
            channel,
            identify(auth.clone()),
            console_stopped,
        )?;
    }

    let signal = async move {
        shutdown.await;
        tracing::info!("shutdown requested: health NOT_SERVING, finishing in-flight calls");
        health_for_stop
            .set_service_status("", ServingStatus::NotServing)
            .await;
        for s in SERVICES {
            health_for_stop
                .set_service_status(*s, ServingStatus::NotServing)
                .await;
        }
        // Watch streams end now, so they do not hold the stop for the grace period.
        let _ = watchers_stop.send(true);
        let _ = console_stop.send(true);
        let _ = stop_tx.send(());
    };
    // Nagle's algorithm with delayed ACKs holds small responses back for up to 40 ms: gRPC's
    // many small frames need TCP_NODELAY (tonic sets it only on listeners it binds itself).
    let incoming = TcpListenerStream::new(listener).map(|conn| {
        conn.inspect(|s| {
            if let Err(e) = s.set_nodelay(true) {
                tracing::warn!(error = %e, "cannot set TCP_NODELAY");
            }
        })
    });
    let serving = router.serve_with_incoming_shutdown(incoming, signal);
    tokio::pin!(serving);
    // Serve until the graceful stop completes; if in-flight calls outlive the grace period
    // after the signal, stop waiting for them.
    let result = tokio::select! {
        r = &mut serving => r,
        _ = async {
            let _ = stop_rx.await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!(grace_secs = config.shutdown_grace_secs, "in-flight calls outlived the grace period");
            Ok(())
        }
    };
    let _ = scheduler_stop.send(());
    if let Some(h) = scheduler {
        // A rematch in progress finishes or is abandoned with the process; either way nothing
        // half-applied is left (its record stays Running and is recovered at the next start).
        let _ = tokio::time::timeout(grace, h).await;
    }
    let flushed = tokio::task::spawn_blocking(move || store.flush()).await;
    match flushed {
        Ok(Ok(())) => tracing::info!("store flushed; stopped"),
        Ok(Err(e)) => tracing::error!(error = %e, "final flush failed"),
        Err(e) => tracing::error!(error = %e, "final flush task failed"),
    }
    result?;
    Ok(())
}

/// On the first start of a store with auth on (no token at all), makes an admin token and
/// writes its secret to `<data_dir>/initial-admin-token` (owner-only), so a fresh install is
/// usable without a separate bootstrap step. Never again once any token exists.
async fn first_admin_token(
    config: &Config,
    store: &Arc<Store>,
    auth: &Arc<Auth>,
) -> Result<(), ServeError> {
    use peerlift_api::services::access::{create_token, NewToken};
    let (store, auth) = (store.clone(), auth.clone());
    let path = config.data_dir.join("initial-admin-token");
    let shown = path.display().to_string();
    let made = tokio::task::spawn_blocking(move || -> Result<bool, String> {
        if store.count(peerlift_store::TreeId::Tokens) > 0 {
            return Ok(false);
        }
        let new = NewToken::parse(
            Some(peerlift_domain::access::Role::Admin),
            "all",
            &[],
            "initial admin (made at first start)",
            0,
        )
        .map_err(|e| e.to_string())?;
        let random: [u8; 32] = {
            use rand::Rng;
            rand::rng().random()
        };
        let caller = peerlift_api::auth::Caller::system("first-start");
        let (_, secret) = create_token(&store, &caller, new, random, jiff::Timestamp::now())
            .map_err(|e| e.to_string())?;
        write_private(&path, &secret).map_err(|e| format!("{}: {e}", path.display()))?;
        auth.reload(&store).map_err(|e| e.to_string())?;
        Ok(true)
    })
    .await
    .map_err(|e| ServeError::Auth(e.to_string()))?
    .map_err(ServeError::Auth)?;
    if made {
        tracing::warn!(file = %shown, "no tokens yet: made an admin token; its secret is in the file (read it, keep it, delete the file)");
    }
    Ok(())
}

/// Writes a file only its owner can read.
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(text.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
