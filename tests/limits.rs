//! Limits: calls over a connection's concurrency limit are shed with RESOURCE_EXHAUSTED rather
//! than queued, and a call outliving the server-side deadline is cut.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use peerlift_api::pb;
use tonic::Code;

/// An import stream that has started and then waits: it holds its call open.
fn open_import() -> (
    tokio::sync::mpsc::Sender<pb::ImportRequest>,
    tokio_stream::wrappers::ReceiverStream<pb::ImportRequest>,
) {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    (tx, tokio_stream::wrappers::ReceiverStream::new(rx))
}

type Held = tokio::task::JoinHandle<Result<tonic::Response<pb::ImportReport>, tonic::Status>>;

/// Holds a slot with an import that has started and waits for its files, then reads
/// through `reader` until the read is refused; returns the import's sender (drop it to end
/// the import), the held call and the refusal. A read in flight when the import arrives
/// sheds the import instead; then the import starts again.
async fn hold_slot(
    s: &TestServer,
    reader: tonic::transport::Channel,
    dry_run: bool,
) -> (
    tokio::sync::mpsc::Sender<pb::ImportRequest>,
    Held,
    tonic::Status,
) {
    loop {
        let (tx, stream) = open_import();
        tx.send(pb::ImportRequest {
            item: Some(pb::import_request::Item::Start(pb::ImportStart {
                municipality_id: "m".into(),
                strict: false,
                dry_run,
                ..Default::default()
            })),
        })
        .await
        .unwrap();
        let mut importer = s.importer();
        let held = tokio::spawn(async move { importer.import(stream).await });
        for _ in 0..400 {
            let read =
                pb::municipality_service_client::MunicipalityServiceClient::new(reader.clone())
                    .get_municipality(pb::GetMunicipalityRequest {
                        municipality_id: "m".into(),
                    })
                    .await;
            if let Err(e) = read {
                return (tx, held, e);
            }
            if held.is_finished() {
                break;
            }
            // A polling interval while the import reaches the server; nothing is timed.
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert!(held.is_finished(), "the import never held the slot");
    }
}

#[tokio::test]
async fn over_the_limit_is_shed_and_over_the_deadline_is_cut() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_with(dir.path(), |c| peerlift::config::Config {
        max_concurrent_requests_per_connection: 1,
        request_timeout_secs: 2,
        ..c
    })
    .await;
    municipality(&s, "m").await;
    // Hold the connection's only slot, then read on the same connection: refused at once.
    let (tx, held, refused) = hold_slot(&s, s.channel.clone(), false).await;
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
    // The held call is cut at the server-side deadline (the import itself would wait 60 s).
    let cut = held.await.unwrap().unwrap_err();
    assert!(
        matches!(cut.code(), Code::Cancelled | Code::DeadlineExceeded),
        "{cut:?}"
    );
    drop(tx);
    // Afterwards calls get through again.
    s.municipalities()
        .get_municipality(pb::GetMunicipalityRequest {
            municipality_id: "m".into(),
        })
        .await
        .unwrap();
    s.stop().await;
}

/// The global limit counts calls on every connection: with one slot held by an import on one
/// connection, a read on another connection is refused at once.
#[tokio::test]
async fn the_global_concurrency_limit_spans_connections() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_with(dir.path(), |c| peerlift::config::Config {
        max_concurrent_requests: 1,
        ..c
    })
    .await;
    municipality(&s, "m").await;
    let other = tonic::transport::Endpoint::from_shared(s.addr.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let (tx, held, refused) = hold_slot(&s, other, true).await;
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
    assert!(refused.message().contains("concurrency"), "{refused:?}");
    // The import finishes when its stream ends; then calls get through again.
    drop(tx);
    held.await.unwrap().unwrap();
    s.municipalities()
        .get_municipality(pb::GetMunicipalityRequest {
            municipality_id: "m".into(),
        })
        .await
        .unwrap();
    s.stop().await;
}
