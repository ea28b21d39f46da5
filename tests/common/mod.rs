//! A real server on 127.0.0.1:0 with a temporary store, and generated clients to talk to it:
//! every client on a test server's channel is made by a method of [`TestServer`]
//! (`s.schools()`, `s.sessions()`), never again in a test file. [`cases::Cases`] is the one
//! table-driven harness for refused calls.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod cases;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use peerlift::config::Config;
use peerlift_api::pb;
use peerlift_store::Store;
use tokio::net::TcpListener;
use tonic::transport::Channel;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;

pub struct TestServer {
    pub addr: String,
    pub channel: Channel,
    pub store: Arc<Store>,
    pub dir: PathBuf,
    /// The web console's address (`http://127.0.0.1:PORT`), when started with one.
    pub console: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server on a store in `dir` (created if missing).
    pub async fn start_in(dir: &Path) -> TestServer {
        Self::start_with(dir, |c| c).await
    }

    /// Starts a server with a configuration adjusted by `adjust`.
    pub async fn start_with(dir: &Path, adjust: impl FnOnce(Config) -> Config) -> TestServer {
        Self::start_full(dir, adjust, false).await
    }

    /// Starts a server and its web console (on 127.0.0.1:0) with a configuration adjusted by
    /// `adjust`.
    pub async fn start_with_console(
        dir: &Path,
        adjust: impl FnOnce(Config) -> Config,
    ) -> TestServer {
        Self::start_full(dir, adjust, true).await
    }

    async fn start_full(
        dir: &Path,
        adjust: impl FnOnce(Config) -> Config,
        with_console: bool,
    ) -> TestServer {
        let store = Arc::new(Store::open(dir).expect("open store"));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let console_listener = if with_console {
            Some(
                TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind console"),
            )
        } else {
            None
        };
        let console = console_listener
            .as_ref()
            .map(|l| format!("http://{}", l.local_addr().expect("console addr")))
            .unwrap_or_default();
        let addr = format!("http://{}", listener.local_addr().expect("addr"));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        // Functional tests run without tokens (the explicit development flag); tests/auth.rs
        // and tests/matrix.rs run with auth on.
        let config = adjust(Config {
            data_dir: dir.to_path_buf(),
            insecure_no_auth: true,
            ..Config::default()
        });
        let s = store.clone();
        let handle = tokio::spawn(async move {
            peerlift::server::serve_with_console(&config, s, listener, console_listener, async {
                let _ = rx.await;
            })
            .await
            .expect("server failed");
        });
        let channel = tonic::transport::Endpoint::from_shared(addr.clone())
            .expect("endpoint")
            .connect()
            .await
            .expect("connect");
        TestServer {
            addr,
            channel,
            store,
            dir: dir.to_path_buf(),
            console,
            stop: Some(tx),
            handle: Some(handle),
        }
    }

    /// Stops the server gracefully and waits until it has released the store.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.expect("server task");
        }
    }

    /// The whole store in backup form: equal snapshots mean nothing was written.
    pub fn snapshot(&self) -> String {
        let mut out = Vec::new();
        self.store.export(&mut out).expect("export");
        String::from_utf8(out).expect("utf8")
    }

    /// The connection CLI functions take (no token: the test server runs without auth).
    pub fn conn(&self) -> peerlift::client::Conn {
        tonic::service::interceptor::InterceptedService::new(
            self.channel.clone(),
            peerlift::client::Bearer::default(),
        )
    }

    pub fn municipalities(
        &self,
    ) -> pb::municipality_service_client::MunicipalityServiceClient<Channel> {
        pb::municipality_service_client::MunicipalityServiceClient::new(self.channel.clone())
    }
    pub fn schools(&self) -> pb::school_service_client::SchoolServiceClient<Channel> {
        pb::school_service_client::SchoolServiceClient::new(self.channel.clone())
    }
    pub fn teachers(&self) -> pb::teacher_service_client::TeacherServiceClient<Channel> {
        pb::teacher_service_client::TeacherServiceClient::new(self.channel.clone())
    }
    pub fn profiles(
        &self,
    ) -> pb::mentor_profile_service_client::MentorProfileServiceClient<Channel> {
        pb::mentor_profile_service_client::MentorProfileServiceClient::new(self.channel.clone())
    }
    pub fn diagnostics(&self) -> pb::diagnostic_service_client::DiagnosticServiceClient<Channel> {
        pb::diagnostic_service_client::DiagnosticServiceClient::new(self.channel.clone())
    }
    pub fn catalog(&self) -> pb::catalog_service_client::CatalogServiceClient<Channel> {
        pb::catalog_service_client::CatalogServiceClient::new(self.channel.clone())
    }
    pub fn importer(&self) -> pb::import_service_client::ImportServiceClient<Channel> {
        pb::import_service_client::ImportServiceClient::new(self.channel.clone())
    }
    pub fn matching(&self) -> pb::matching_service_client::MatchingServiceClient<Channel> {
        pb::matching_service_client::MatchingServiceClient::new(self.channel.clone())
    }
    pub fn mentorships(&self) -> pb::mentorship_service_client::MentorshipServiceClient<Channel> {
        pb::mentorship_service_client::MentorshipServiceClient::new(self.channel.clone())
    }
    pub fn sessions(&self) -> pb::session_service_client::SessionServiceClient<Channel> {
        pb::session_service_client::SessionServiceClient::new(self.channel.clone())
    }
    pub fn reports(&self) -> pb::report_service_client::ReportServiceClient<Channel> {
        pb::report_service_client::ReportServiceClient::new(self.channel.clone())
    }
    pub fn network(&self) -> pb::network_service_client::NetworkServiceClient<Channel> {
        pb::network_service_client::NetworkServiceClient::new(self.channel.clone())
    }
    pub fn rematch(&self) -> pb::rematch_service_client::RematchServiceClient<Channel> {
        pb::rematch_service_client::RematchServiceClient::new(self.channel.clone())
    }
    pub fn health(&self) -> tonic_health::pb::health_client::HealthClient<Channel> {
        tonic_health::pb::health_client::HealthClient::new(self.channel.clone())
    }
    pub fn reflection(&self) -> ServerReflectionClient<Channel> {
        ServerReflectionClient::new(self.channel.clone())
    }
}

/// Creates a municipality `id`.
pub async fn municipality(s: &TestServer, id: &str) -> pb::Municipality {
    s.municipalities()
        .create_municipality(pb::CreateMunicipalityRequest {
            municipality: Some(pb::Municipality {
                id: id.into(),
                name: format!("Municipality {id}"),
                region: "Leningrad region".into(),
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .expect("create municipality")
        .into_inner()
}

pub fn school_msg(id: &str, status: pb::SchoolStatus) -> pb::School {
    pb::School {
        id: id.into(),
        name: format!("School {id}").trim().to_string(),
        kind: pb::SchoolKind::Secondary as i32,
        status: status as i32,
        locality: "Kirovsk".into(),
        ..Default::default()
    }
}

pub async fn school(s: &TestServer, m: &str, id: &str, status: pb::SchoolStatus) -> pb::School {
    s.schools()
        .create_school(pb::CreateSchoolRequest {
            municipality_id: m.into(),
            school: Some(school_msg(id, status)),
            request_id: String::new(),
        })
        .await
        .expect("create school")
        .into_inner()
}

pub async fn teacher(
    s: &TestServer,
    m: &str,
    school: &str,
    id: &str,
    subjects: &[&str],
) -> pb::Teacher {
    s.teachers()
        .create_teacher(pb::CreateTeacherRequest {
            municipality_id: m.into(),
            teacher: Some(pb::Teacher {
                id: id.into(),
                school_id: school.into(),
                full_name: format!("Teacher {id}"),
                subjects: subjects.iter().map(|x| x.to_string()).collect(),
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .expect("create teacher")
        .into_inner()
}

/// The field names of a status's BadRequest details.
pub fn bad_fields(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt;
    status
        .get_details_bad_request()
        .map(|b| b.field_violations.into_iter().map(|v| v.field).collect())
        .unwrap_or_default()
}

/// One file for the import RPC: kind, name, bytes.
pub type ImportFile = (pb::ImportFileKind, String, Vec<u8>);

/// Streams files (kind, name, bytes) through the import RPC in small chunks.
pub async fn import_files(
    s: &TestServer,
    municipality: &str,
    strict: bool,
    dry_run: bool,
    files: Vec<ImportFile>,
) -> Result<pb::ImportReport, tonic::Status> {
    let mut msgs = vec![pb::ImportRequest {
        item: Some(pb::import_request::Item::Start(pb::ImportStart {
            municipality_id: municipality.into(),
            strict,
            dry_run,
            ends_explicitly: true,
        })),
    }];
    let (mut chunks, mut bytes) = (0, 0);
    for (kind, name, data) in files {
        // Small chunks, so rows straddle chunk boundaries.
        for chunk in data.chunks(777) {
            msgs.push(pb::ImportRequest {
                item: Some(pb::import_request::Item::Chunk(pb::ImportChunk {
                    kind: kind as i32,
                    file_name: name.clone(),
                    data: chunk.to_vec(),
                })),
            });
            chunks += 1;
            bytes += chunk.len() as u64;
        }
    }
    msgs.push(pb::ImportRequest {
        item: Some(pb::import_request::Item::End(pb::ImportEnd {
            chunks,
            bytes,
        })),
    });
    s.importer()
        .import(tokio_stream::iter(msgs))
        .await
        .map(|r| r.into_inner())
}

/// The example directory's files in import order.
pub fn example_files() -> Vec<ImportFile> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/kirovsky");
    [
        (pb::ImportFileKind::Municipality, "municipality.csv"),
        (pb::ImportFileKind::Schools, "schools.csv"),
        (pb::ImportFileKind::Teachers, "teachers.csv"),
        (pb::ImportFileKind::MentorProfiles, "mentor_profiles.csv"),
        (pb::ImportFileKind::Diagnostics, "diagnostics.csv"),
    ]
    .into_iter()
    .map(|(k, n)| {
        (
            k,
            n.to_string(),
            std::fs::read(dir.join(n)).expect("example file"),
        )
    })
    .collect()
}

/// Runs a matching of `kind` in `m` and approves it, the pairs working since `since` (empty:
/// today); returns the mentorships it created.
pub async fn match_and_approve(
    s: &TestServer,
    m: &str,
    kind: pb::MatchKind,
    since: &str,
) -> Vec<pb::Mentorship> {
    let mut c = s.matching();
    let run = c
        .run_matching(pb::RunMatchingRequest {
            municipality_id: m.into(),
            kind: kind as i32,
            ..Default::default()
        })
        .await
        .expect("run matching")
        .into_inner()
        .run
        .expect("a run");
    c.approve_match_run(pb::ApproveMatchRunRequest {
        municipality_id: m.into(),
        run_id: run.id,
        effective_date: since.into(),
        ..Default::default()
    })
    .await
    .expect("approve")
    .into_inner()
    .created
}

/// Starts `peerlift serve --listen 127.0.0.1:0 --log-format json ARGS` with its store in
/// `data`, waits until it logs "peerlift serving", and drains the rest of its log on a thread.
/// Returns the child, its address and the serving log line. Panics if it exits first (the
/// store did not open, say).
pub fn spawn_serve(data: &Path, args: &[&str]) -> (std::process::Child, String, serde_json::Value) {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_peerlift"))
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .args(args)
        .env("PEERLIFT_DATA_DIR", data)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn peerlift serve");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    let serving = loop {
        line.clear();
        assert!(
            stderr.read_line(&mut line).expect("read log") > 0,
            "the server exited before serving (did the store open cleanly?)"
        );
        let v: serde_json::Value = serde_json::from_str(&line).expect("a JSON log line");
        if v["fields"]["message"] == "peerlift serving" {
            break v;
        }
    };
    let listen = serving["fields"]["listen"]
        .as_str()
        .expect("listen")
        .trim_start_matches("Some(")
        .trim_end_matches(')')
        .to_string();
    std::thread::spawn(move || {
        let mut sink = String::new();
        while stderr.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
            sink.clear();
        }
    });
    (child, format!("http://{listen}"), serving)
}

/// Books an online session of `mentorship` in `m` at `start` (45 minutes).
pub async fn online_session(s: &TestServer, m: &str, mentorship: &str, start: &str) -> pb::Session {
    s.sessions()
        .create_session(pb::CreateSessionRequest {
            municipality_id: m.into(),
            session: Some(pb::Session {
                mentorship_id: mentorship.into(),
                start: start.into(),
                duration_minutes: 45,
                mode: pb::Mode::Online as i32,
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .expect("create session")
        .into_inner()
}

/// A server on a fresh store in `dir` with the Kirovsky example imported as `kirovsky`.
pub async fn kirovsky_server(dir: &Path) -> TestServer {
    let s = TestServer::start_in(dir).await;
    import_files(&s, "kirovsky", true, false, example_files())
        .await
        .expect("the example imports");
    s
}

/// Reads a scope's rematch policy, lets `change` edit it, and stores it.
pub async fn change_rematch_policy<T>(
    c: &mut pb::rematch_service_client::RematchServiceClient<T>,
    scope: &str,
    change: impl FnOnce(&mut pb::RematchPolicy),
) -> pb::RematchPolicy
where
    T: tonic::client::GrpcService<tonic::body::Body>,
    T::Error: Into<tonic::codegen::StdError>,
    T::ResponseBody: tonic::codegen::Body<Data = tonic::codegen::Bytes> + Send + 'static,
    <T::ResponseBody as tonic::codegen::Body>::Error: Into<tonic::codegen::StdError> + Send,
{
    let mut policy = c
        .get_rematch_policy(pb::GetRematchPolicyRequest {
            municipality_id: scope.into(),
        })
        .await
        .expect("the policy")
        .into_inner();
    change(&mut policy);
    c.update_rematch_policy(pb::UpdateRematchPolicyRequest {
        policy: Some(policy),
        request_id: String::new(),
        update_mask: None,
    })
    .await
    .expect("the policy is stored")
    .into_inner()
}

/// Runs the `peerlift` binary with `args` in English (LANG=C.UTF-8), the caller's environment
/// cleared of peerlift's variables and locale: (exit code, stdout, stderr).
pub async fn cli(args: &[&str]) -> (i32, String, String) {
    cli_in(&[("LANG", "C.UTF-8")], args).await
}

/// [`cli`] with `env` set instead of English (`LANG=ru_RU.UTF-8`, say).
pub async fn cli_in(env: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_peerlift"))
        .args(args)
        .env_remove("PEERLIFT_TOKEN")
        .env_remove("PEERLIFT_ADDR")
        .env_remove("PEERLIFT_LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .envs(env.iter().copied())
        .output()
        .await
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The Kirovsky example with its network (partnerships.csv) imported, then a server with auth
/// on and an admin token made on the store: (server, admin secret).
pub async fn kirovsky_with_auth(dir: &Path) -> (TestServer, String) {
    let s = kirovsky_server(dir).await;
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/kirovsky");
    let network = vec![(
        pb::ImportFileKind::Mentorships,
        "partnerships.csv".to_string(),
        std::fs::read(example.join("partnerships.csv")).expect("example file"),
    )];
    import_files(&s, "kirovsky", true, false, network)
        .await
        .expect("the example's network imports");
    s.stop().await;
    let store = Store::open(dir).unwrap();
    let (_, admin) = peerlift_api::services::access::create_token(
        &store,
        &peerlift_api::auth::Caller::system("bootstrap"),
        peerlift_api::services::access::NewToken::parse(
            Some(peerlift_domain::access::Role::Admin),
            "all",
            &[],
            "admin",
            0,
        )
        .unwrap(),
        [5u8; 32],
        jiff::Timestamp::now(),
    )
    .unwrap();
    store.flush().unwrap();
    drop(store);
    let s = TestServer::start_with(dir, |c| Config {
        insecure_no_auth: false,
        rate_limit_per_token: 0.0,
        scheduler: false,
        ..c
    })
    .await;
    (s, admin)
}

/// A connection of the test server that sends `secret` as its bearer token.
pub fn with_token(s: &TestServer, secret: &str) -> peerlift::client::Conn {
    tonic::service::interceptor::InterceptedService::new(
        s.channel.clone(),
        peerlift::client::Bearer::new(secret).unwrap(),
    )
}

/// The secret of a new token made through the CLI with `admin`'s token.
pub async fn cli_token(s: &TestServer, admin: &str, role: &str, scope: &str) -> String {
    let (code, out, err) = cli_in(
        &[("LANG", "C.UTF-8"), ("PEERLIFT_TOKEN", admin)],
        &[
            "token", "create", "--role", role, "--scope", scope, "--addr", &s.addr,
        ],
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    out.split_whitespace()
        .find(|w| w.starts_with("plt_"))
        .expect("the secret is printed")
        .to_string()
}
