//! Tokens end to end: bootstrap on the store with the CLI, a server with auth on by default,
//! tokens made and revoked through the API, the audit log, the per-token rate limit across
//! connections, TLS and mutual TLS.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;
use std::sync::Arc;

use common::*;
use peerlift::client::{self, Bearer, Conn};
use peerlift_api::auth::Caller;
use peerlift_api::pb;
use peerlift_api::services::access::{create_token, NewToken};
use peerlift_domain::access::Role;
use tonic::service::interceptor::InterceptedService;
use tonic::Code;

const BIN: &str = env!("CARGO_BIN_EXE_peerlift");

fn cli(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The secret a `token create` printed.
fn secret_in(stdout: &str) -> String {
    stdout
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("plt_"))
        .unwrap_or_else(|| panic!("no secret in {stdout}"))
        .to_string()
}

fn municipality_req(id: &str) -> pb::CreateMunicipalityRequest {
    pb::CreateMunicipalityRequest {
        municipality: Some(pb::Municipality {
            id: id.into(),
            name: format!("Municipality {id}"),
            region: "R".into(),
            ..Default::default()
        }),
        request_id: format!("create-{id}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bootstrap_serve_with_tokens_audit_and_revoke() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    // Bootstrap: the first admin token, made on the store before the server runs.
    let (ok, out, err) = cli(&[
        "token",
        "create",
        "--data-dir",
        data,
        "--role",
        "admin",
        "--scope",
        "all",
        "--label",
        "first admin",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("shown once"), "{out}");
    let admin = secret_in(&out);
    // A bad token request says what is wrong and makes nothing.
    let (ok, _, err) = cli(&[
        "token",
        "create",
        "--data-dir",
        data,
        "--role",
        "admin",
        "--scope",
        "municipality:m",
    ]);
    assert!(!ok);
    assert!(err.contains("scope"), "{err}");

    // Auth is on by default: no flag.
    let (child, addr, serving) = spawn_serve(dir.path(), &[]);
    // Killed when the test ends, passed or not.
    let child = KillOnDrop(child);
    assert_eq!(serving["fields"]["auth"], true, "{serving}");

    let plain = client::connect(&addr).await.unwrap();
    let err = pb::municipality_service_client::MunicipalityServiceClient::new(plain)
        .create_municipality(municipality_req("m"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated, "{err:?}");

    let as_admin = client::connect_to(&client::Target {
        addr: addr.clone(),
        token: Some(admin.clone()),
        ..Default::default()
    })
    .await
    .unwrap();
    pb::municipality_service_client::MunicipalityServiceClient::new(as_admin.clone())
        .create_municipality(municipality_req("m"))
        .await
        .unwrap();

    // A coordinator token through the API, with the CLI.
    let (ok, out, err) = cli(&[
        "token",
        "create",
        "--addr",
        &addr,
        "--token",
        &admin,
        "--role",
        "coordinator",
        "--scope",
        "municipality:m",
        "--label",
        "office of m",
    ]);
    assert!(ok, "{err}");
    let coordinator = secret_in(&out);
    let id = out
        .split_whitespace()
        .find(|w| w.starts_with("tok-"))
        .unwrap()
        .to_string();
    let (ok, out, err) = cli(&[
        "municipalities",
        "list",
        "--addr",
        &addr,
        "--token",
        &coordinator,
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("Municipality m"), "{out}");
    // The coordinator reads its audit log: the admin's write, by token id, with its request id.
    let (ok, out, err) = cli(&["audit", "-m", "m", "--addr", &addr, "--token", &coordinator]);
    assert!(ok, "{err}");
    assert!(out.contains("CreateMunicipality"), "{out}");
    assert!(out.contains("create-m"), "{out}");
    assert!(out.contains("municipalities/m"), "{out}");
    // Tokens are listed without secrets.
    let (ok, out, _) = cli(&["token", "list", "--addr", &addr, "--token", &admin]);
    assert!(ok);
    assert!(out.contains(&id) && out.contains("office of m"), "{out}");
    assert!(!out.contains(&coordinator), "a secret was listed");
    // Revoked: refused at once.
    let (ok, _, err) = cli(&["token", "revoke", &id, "--addr", &addr, "--token", &admin]);
    assert!(ok, "{err}");
    let (ok, _, err) = cli(&[
        "municipalities",
        "list",
        "--addr",
        &addr,
        "--token",
        &coordinator,
    ]);
    assert!(!ok);
    assert!(err.contains("Unauthenticated"), "{err}");
    // Token writes are in the installation-wide log, for admins.
    let (ok, out, err) = cli(&["audit", "--addr", &addr, "--token", &admin]);
    assert!(ok, "{err}");
    assert!(
        out.contains("CreateToken") && out.contains("RevokeToken"),
        "{out}"
    );

    let mut child = child;
    let _ = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status();
    assert!(child.0.wait().unwrap().success());
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A server with auth on and one token of `role` and `scope` made on its store first.
async fn server_with_token(
    dir: &std::path::Path,
    role: Role,
    scope: &str,
    adjust: impl FnOnce(peerlift::config::Config) -> peerlift::config::Config,
) -> (TestServer, String) {
    let store = peerlift_store::Store::open(dir).unwrap();
    let (_, secret) = create_token(
        &store,
        &Caller::system("bootstrap"),
        NewToken::parse(Some(role), scope, &[], "", 0).unwrap(),
        [7u8; 32],
        jiff::Timestamp::now(),
    )
    .unwrap();
    drop(store);
    let s = TestServer::start_with(dir, |c| {
        adjust(peerlift::config::Config {
            insecure_no_auth: false,
            ..c
        })
    })
    .await;
    (s, secret)
}

fn with(channel: tonic::transport::Channel, secret: &str) -> Conn {
    InterceptedService::new(channel, Bearer::new(secret).unwrap())
}

#[tokio::test]
async fn the_rate_limit_holds_across_connections() {
    let dir = tempfile::tempdir().unwrap();
    let (s, secret) = server_with_token(dir.path(), Role::Admin, "all", |c| {
        peerlift::config::Config {
            // Five calls, then (practically) no refill during the test.
            rate_limit_per_token: 0.001,
            rate_limit_burst: 5.0,
            ..c
        }
    })
    .await;
    // Two connections, one token.
    let other = tonic::transport::Endpoint::from_shared(s.addr.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let conns = [with(s.channel.clone(), &secret), with(other, &secret)];
    let mut outcomes = Vec::new();
    for i in 0..8 {
        let r =
            pb::municipality_service_client::MunicipalityServiceClient::new(conns[i % 2].clone())
                .list_municipalities(pb::ListMunicipalitiesRequest::default())
                .await;
        outcomes.push(r.err().map(|e| e.code()).unwrap_or(Code::Ok));
    }
    assert_eq!(
        outcomes,
        [
            Code::Ok,
            Code::Ok,
            Code::Ok,
            Code::Ok,
            Code::Ok,
            Code::ResourceExhausted,
            Code::ResourceExhausted,
            Code::ResourceExhausted
        ]
    );
    // Health stays open to everyone, limits or not.
    let mut health = s.health();
    health
        .check(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap();
    s.stop().await;
}

#[tokio::test]
async fn expired_tokens_are_refused_and_writes_are_audited_as_their_caller() {
    let dir = tempfile::tempdir().unwrap();
    // A token that expired yesterday, made on the store before the server starts.
    {
        let store = peerlift_store::Store::open(dir.path()).unwrap();
        let two_days_ago = jiff::Timestamp::now()
            .checked_sub(jiff::SignedDuration::from_hours(48))
            .unwrap();
        let (_, secret) = create_token(
            &store,
            &Caller::system("bootstrap"),
            NewToken::parse(Some(Role::Admin), "all", &[], "old", 1).unwrap(),
            [9u8; 32],
            two_days_ago,
        )
        .unwrap();
        std::fs::write(dir.path().join("expired.secret"), secret).unwrap();
    }
    let expired = std::fs::read_to_string(dir.path().join("expired.secret")).unwrap();
    let (s, admin) = server_with_token(dir.path(), Role::Admin, "all", |c| c).await;
    let err = list(with(s.channel.clone(), &expired)).await.unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);

    let conn = with(s.channel.clone(), &admin);
    pb::municipality_service_client::MunicipalityServiceClient::new(conn.clone())
        .create_municipality(municipality_req("m"))
        .await
        .unwrap();
    // A write without a token is refused and leaves no trace.
    let refused = s
        .schools()
        .create_school(pb::CreateSchoolRequest {
            municipality_id: "m".into(),
            school: Some(school_msg("s1", pb::SchoolStatus::LowResults)),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
    let entries = pb::audit_service_client::AuditServiceClient::new(conn.clone())
        .list_audit(pb::ListAuditRequest {
            municipality_id: "m".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .entries;
    assert_eq!(
        entries
            .iter()
            .map(|e| e.method.as_str())
            .collect::<Vec<_>>(),
        ["CreateMunicipality"]
    );
    assert!(entries[0].token_id.starts_with("tok-"));
    assert_eq!(entries[0].role, "admin");
    assert_eq!(entries[0].request_id, "create-m");
    assert_eq!(entries[0].changes, ["municipalities/m"]);
    s.stop().await;
}

/// Certificates made at run time: a CA, a server certificate for 127.0.0.1, a client one.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        use rcgen::{
            BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose,
            IsCa, KeyPair,
        };
        let dir = tempfile::tempdir().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "peerlift test CA");
        let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
        let leaf = |names: Vec<String>, usage: ExtendedKeyUsagePurpose| {
            let key = KeyPair::generate().unwrap();
            let mut p = CertificateParams::new(names).unwrap();
            p.extended_key_usages = vec![usage];
            let cert = p.signed_by(&key, &ca).unwrap();
            (cert.pem(), key.serialize_pem())
        };
        let (server, server_key) = leaf(
            vec!["localhost".into(), "127.0.0.1".into()],
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        let (client, client_key) = leaf(vec!["client".into()], ExtendedKeyUsagePurpose::ClientAuth);
        for (name, pem) in [
            ("ca.pem", ca.pem()),
            ("server.pem", server),
            ("server.key", server_key),
            ("client.pem", client),
            ("client.key", client_key),
        ] {
            std::fs::write(dir.path().join(name), pem).unwrap();
        }
        Pki { dir }
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }
}

/// Serves with TLS (and mutual TLS when `mutual`) on 127.0.0.1:0; returns the https address
/// and the stop handle.
async fn tls_server(
    pki: &Pki,
    mutual: bool,
) -> (String, tokio::sync::oneshot::Sender<()>, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let store = Arc::new(peerlift_store::Store::open(data.path()).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = format!("https://{}", listener.local_addr().unwrap());
    let config = peerlift::config::Config {
        data_dir: data.path().to_path_buf(),
        insecure_no_auth: true,
        scheduler: false,
        tls_cert: Some(pki.path("server.pem")),
        tls_key: Some(pki.path("server.key")),
        tls_client_ca: mutual.then(|| pki.path("ca.pem")),
        ..peerlift::config::Config::default()
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        peerlift::server::serve(&config, store, listener, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    (addr, tx, data)
}

async fn list(conn: Conn) -> Result<(), tonic::Status> {
    pb::municipality_service_client::MunicipalityServiceClient::new(conn)
        .list_municipalities(pb::ListMunicipalitiesRequest::default())
        .await
        .map(|_| ())
}

#[tokio::test]
async fn tls_and_mutual_tls() {
    let pki = Pki::new();
    // TLS: a client that trusts the CA gets in; a plain-text client does not.
    let (addr, stop, _data) = tls_server(&pki, false).await;
    let trusted = client::connect_to(&client::Target {
        addr: addr.clone(),
        ca_cert: Some(pki.path("ca.pem")),
        ..Default::default()
    })
    .await
    .unwrap();
    list(trusted).await.unwrap();
    let plain_addr = addr.replace("https://", "http://");
    let plain = client::connect(&plain_addr).await;
    match plain {
        Err(_) => {}
        Ok(c) => assert!(list(c).await.is_err(), "plain text reached a TLS server"),
    }
    let _ = stop.send(());

    // Mutual TLS: without a client certificate the handshake (or the first call) fails; with
    // one signed by the configured CA, calls go through.
    let (addr, stop, _data) = tls_server(&pki, true).await;
    let anonymous = client::connect_to(&client::Target {
        addr: addr.clone(),
        ca_cert: Some(pki.path("ca.pem")),
        ..Default::default()
    })
    .await;
    match anonymous {
        Err(_) => {}
        Ok(c) => assert!(list(c).await.is_err(), "no client certificate, yet let in"),
    }
    let identified = client::connect_to(&client::Target {
        addr: addr.clone(),
        ca_cert: Some(pki.path("ca.pem")),
        client_cert: Some(pki.path("client.pem")),
        client_key: Some(pki.path("client.key")),
        ..Default::default()
    })
    .await
    .unwrap();
    list(identified).await.unwrap();
    let _ = stop.send(());
}

/// One HTTP/1.1 exchange with the console over TLS (trusting the test CA; with the client
/// certificate when `identified`): the raw answer, or why there was none.
async fn https(pki: &Pki, addr: &str, identified: bool, request: String) -> Result<String, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(pki.path("ca.pem")).unwrap())
        .unwrap();
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = if identified {
        builder
            .with_client_auth_cert(
                vec![CertificateDer::from_pem_file(pki.path("client.pem")).unwrap()],
                PrivateKeyDer::from_pem_file(pki.path("client.key")).unwrap(),
            )
            .unwrap()
    } else {
        builder.with_no_client_auth()
    };
    let tcp = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    let mut tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .map_err(|e| e.to_string())?;
    tls.write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    tls.read_to_end(&mut out).await.map_err(|e| e.to_string())?;
    if out.is_empty() {
        return Err("no answer".into());
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The console served beside a TLS server: over TLS itself, its cookies `Secure`, its pages
/// reading the API in process; under mutual TLS it asks browsers for a certificate too.
#[tokio::test]
async fn the_console_under_tls_and_mutual_tls() {
    let pki = Pki::new();
    for mutual in [false, true] {
        let data = tempfile::tempdir().unwrap();
        let store = Arc::new(peerlift_store::Store::open(data.path()).unwrap());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let console = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let web = console.local_addr().unwrap().to_string();
        let config = peerlift::config::Config {
            data_dir: data.path().to_path_buf(),
            insecure_no_auth: true,
            scheduler: false,
            tls_cert: Some(pki.path("server.pem")),
            tls_key: Some(pki.path("server.key")),
            tls_client_ca: mutual.then(|| pki.path("ca.pem")),
            ..peerlift::config::Config::default()
        };
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            peerlift::server::serve_with_console(&config, store, listener, Some(console), async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        let get = |path: &str, cookie: &str| {
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n")
        };
        // Plain HTTP gets no page.
        {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut plain = tokio::net::TcpStream::connect(&web).await.unwrap();
            plain.write_all(get("/login", "").as_bytes()).await.unwrap();
            let mut out = Vec::new();
            let _ = plain.read_to_end(&mut out).await;
            assert!(!String::from_utf8_lossy(&out).contains("HTTP/1.1 200"));
        }
        if mutual {
            assert!(
                https(&pki, &web, false, get("/login", "")).await.is_err(),
                "no client certificate, yet a page"
            );
        }
        let form = https(&pki, &web, true, get("/login", "")).await.unwrap();
        assert!(form.starts_with("HTTP/1.1 200"), "{form}");
        let pre = form
            .lines()
            .find_map(|l| l.strip_prefix("set-cookie: __Host-peerlift_signin="))
            .and_then(|v| v.split(';').next())
            .unwrap()
            .to_string();
        assert!(form.to_ascii_lowercase().contains("; secure"), "{form}");
        let body = format!("csrf={pre}&token=anything");
        let signed = https(
            &pki,
            &web,
            true,
            format!(
                "POST /login HTTP/1.1\r\nHost: localhost\r\nCookie: __Host-peerlift_signin={pre}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            ),
        )
        .await
        .unwrap();
        let session = signed
            .lines()
            // Under TLS the cookies carry the `__Host-` prefix: no sibling domain can plant one.
            .find(|l| l.starts_with("set-cookie: __Host-peerlift_session="))
            .unwrap()
            .to_string();
        assert!(
            session.contains("HttpOnly") && session.contains("Secure"),
            "{session}"
        );
        let sid = session
            .trim_start_matches("set-cookie: ")
            .split(';')
            .next()
            .unwrap()
            .to_string();
        // The municipalities page: the console read the API in process, past its TLS.
        let home = https(&pki, &web, true, get("/", &sid)).await.unwrap();
        assert!(home.starts_with("HTTP/1.1 200"), "{home}");
        let _ = tx.send(());
        server.await.unwrap();
    }
}

#[tokio::test]
async fn a_fresh_store_gets_one_initial_admin_token() {
    let dir = tempfile::tempdir().unwrap();
    let auth_on = |c: peerlift::config::Config| peerlift::config::Config {
        insecure_no_auth: false,
        ..c
    };
    let s = TestServer::start_with(dir.path(), auth_on).await;
    // Once health answers, start-up (which writes the file) is over.
    s.health()
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await
        .unwrap();
    let file = dir.path().join("initial-admin-token");
    let secret = std::fs::read_to_string(&file).unwrap().trim().to_string();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "readable by others: {mode:o}");
    }
    pb::municipality_service_client::MunicipalityServiceClient::new(with(
        s.channel.clone(),
        &secret,
    ))
    .create_municipality(municipality_req("m"))
    .await
    .unwrap();
    s.stop().await;
    // Once any token exists, never again.
    std::fs::remove_file(&file).unwrap();
    let s = TestServer::start_with(dir.path(), auth_on).await;
    s.health()
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await
        .unwrap();
    assert!(!file.exists());
    list(with(s.channel.clone(), &secret)).await.unwrap();
    s.stop().await;
}
