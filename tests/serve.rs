//! The `peerlift serve` process itself: configuration, SIGTERM, refusing a newer store.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use peerlift_api::pb;

const BIN: &str = env!("CARGO_BIN_EXE_peerlift");

/// Starts `peerlift serve` on a free port; returns the child and the address it logged.
fn spawn_server(
    data: &std::path::Path,
) -> (
    std::process::Child,
    String,
    BufReader<std::process::ChildStderr>,
) {
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--insecure-no-auth",
            "--listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
        ])
        .env("PEERLIFT_DATA_DIR", data)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    // The first log line says where it listens.
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON: {line}"));
    assert_eq!(v["fields"]["message"], "peerlift serving", "{line}");
    let listen = v["fields"]["listen"].as_str().unwrap().to_string();
    let addr = listen
        .trim_start_matches("Some(")
        .trim_end_matches(')')
        .to_string();
    (child, format!("http://{addr}"), stderr)
}

// Multi-threaded: the client's connection task must keep running (to answer the server's
// GOAWAY) while this test blocks reading the server's log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_turns_health_off_flushes_and_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let (child, addr, mut stderr) = spawn_server(dir.path());
    let channel = tonic::transport::Endpoint::from_shared(addr.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut m = pb::municipality_service_client::MunicipalityServiceClient::new(channel.clone());
    m.create_municipality(pb::CreateMunicipalityRequest {
        municipality: Some(pb::Municipality {
            id: "m".into(),
            name: "M".into(),
            ..Default::default()
        }),
        request_id: String::new(),
    })
    .await
    .unwrap();

    // An import is in flight when the signal comes: it must be allowed to finish.
    let (tx, rx) = tokio::sync::mpsc::channel::<pb::ImportRequest>(8);
    let mut importer = pb::import_service_client::ImportServiceClient::new(channel.clone());
    let call = tokio::spawn(async move {
        importer
            .import(tokio_stream::wrappers::ReceiverStream::new(rx))
            .await
    });
    let chunk = |data: &str| pb::ImportRequest {
        item: Some(pb::import_request::Item::Chunk(pb::ImportChunk {
            kind: pb::ImportFileKind::Schools as i32,
            file_name: "schools.csv".into(),
            data: data.as_bytes().to_vec(),
        })),
    };
    tx.send(pb::ImportRequest {
        item: Some(pb::import_request::Item::Start(pb::ImportStart {
            municipality_id: "m".into(),
            strict: false,
            dry_run: false,
            ..Default::default()
        })),
    })
    .await
    .unwrap();
    tx.send(chunk("id,name,kind,status\ns1,School One,sosh,leader\n"))
        .await
        .unwrap();

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut stderr = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        while stderr.read_line(&mut line).unwrap() > 0 {
            if line.contains("shutdown requested") {
                return stderr;
            }
            line.clear();
        }
        panic!("the server never logged the shutdown");
    })
    .await
    .unwrap();
    tx.send(chunk("s2,School Two,oosh,low_results\n"))
        .await
        .unwrap();
    drop(tx);
    let report = call
        .await
        .unwrap()
        .expect("the in-flight import finishes")
        .into_inner();
    assert!(report.committed);
    assert_eq!(report.total.unwrap().created, 2);

    let rest = tokio::task::spawn_blocking(move || {
        let mut rest = String::new();
        for line in (&mut stderr).lines() {
            rest.push_str(&line.unwrap());
            rest.push('\n');
        }
        rest
    })
    .await
    .unwrap();
    let mut child = child;
    let exit = child.wait().unwrap();
    assert!(exit.success(), "exit {exit:?}\n{rest}");
    assert!(rest.contains("store flushed"), "{rest}");
    assert!(!rest.contains("outlived the grace period"), "{rest}");

    // The acknowledged write is on disk.
    let store = peerlift_store::Store::open(dir.path()).unwrap();
    let got = store
        .get::<peerlift_domain::Municipality>(&peerlift_store::key(&["m"]))
        .unwrap();
    assert!(got.is_some());
    let s2 = store
        .get::<peerlift_domain::School>(&peerlift_store::key(&["m", "s2"]))
        .unwrap();
    assert!(s2.is_some());
}

#[test]
fn a_store_from_a_newer_binary_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = peerlift_store::Store::open(dir.path()).unwrap();
        store
            .set_schema_version_for_test(peerlift_store::SCHEMA_VERSION + 1)
            .unwrap();
    }
    let out = Command::new(BIN)
        .args(["serve", "--insecure-no-auth", "--listen", "127.0.0.1:0"])
        .env("PEERLIFT_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "schema version {}",
            peerlift_store::SCHEMA_VERSION + 1
        )),
        "{err}"
    );
    assert!(err.contains("newer peerlift"), "{err}");
}

#[test]
fn backup_and_restore_through_the_cli_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    {
        let store = peerlift_store::Store::open(&data).unwrap();
        store
            .write(|_, b| {
                b.put(&peerlift_domain::Municipality {
                    id: "m".into(),
                    name: "Кировский район".into(),
                    region: "Ленинградская область".into(),
                    time_zone: "Europe/Moscow".into(),
                    meta: peerlift_domain::Meta::new(jiff::Timestamp::UNIX_EPOCH),
                })
            })
            .unwrap();
    }
    let first = dir.path().join("first.jsonl");
    let second = dir.path().join("second.jsonl");
    let restored = dir.path().join("restored");
    let run = |args: &[&str]| {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let said = run(&[
        "backup",
        first.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert!(said.contains("backed up 1 records"), "{said}");
    run(&[
        "restore",
        first.to_str().unwrap(),
        "--data-dir",
        restored.to_str().unwrap(),
    ]);
    run(&[
        "backup",
        second.to_str().unwrap(),
        "--data-dir",
        restored.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read(&first).unwrap(),
        std::fs::read(&second).unwrap()
    );
    // Restoring over data needs --replace.
    let out = Command::new(BIN)
        .args([
            "restore",
            first.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--replace"));
}
