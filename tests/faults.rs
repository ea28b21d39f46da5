//! Faults at the store boundary, injected with failpoints (compiled in for tests only): a write
//! that fails inside its transaction, a full disk, a flush that fails after the commit, a
//! panic inside a write. Each call fails with a status that says what happened to the write,
//! nothing half-applies, reads go on being served, and the server recovers when the fault
//! goes away. One test walks the faults in turn: failpoints are global to the process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use peerlift_api::pb;
use tonic::Code;

const M: &str = "kirovsky";

fn create(id: &str, request_id: &str) -> pb::CreateSchoolRequest {
    pb::CreateSchoolRequest {
        municipality_id: M.into(),
        school: Some(school_msg(id, pb::SchoolStatus::Stable)),
        request_id: request_id.into(),
    }
}

/// Reads are served while the store refuses writes.
async fn reads_work(s: &TestServer) {
    let schools = s
        .schools()
        .list_schools(pb::ListSchoolsRequest {
            municipality_id: M.into(),
            page_size: 5,
            ..Default::default()
        })
        .await
        .expect("reads are served during a fault")
        .into_inner();
    assert_eq!(schools.schools.len(), 5);
    s.municipalities()
        .get_municipality(pb::GetMunicipalityRequest {
            municipality_id: M.into(),
        })
        .await
        .expect("reads are served during a fault");
}

fn new_school_file(id: &str) -> ImportFile {
    let schools = String::from_utf8(example_files()[1].2.clone()).unwrap();
    let header = schools.lines().next().unwrap();
    let row = format!("{id},Imported,sosh,stable,2020-09-01,Kirovsk,,,,,,,,,,,,,,,,");
    (
        pb::ImportFileKind::Schools,
        "schools.csv".into(),
        format!("{header}\n{row}\n").into_bytes(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_at_the_store_fail_cleanly_and_pass() {
    let scenario = fail::FailScenario::setup();
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    import_files(&s, M, true, false, example_files())
        .await
        .unwrap();

    // 1. A write that fails inside its transaction, after all its records were applied.
    fail::cfg("store-commit", "return").unwrap();
    let before = s.snapshot();
    let err = s
        .schools()
        .create_school(create("f1", "r1"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unavailable, "{err:?}");
    assert!(
        err.message().contains("nothing was written"),
        "{}",
        err.message()
    );
    let err = import_files(&s, M, false, false, vec![new_school_file("f-imported")])
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unavailable, "{err:?}");
    assert!(
        s.snapshot() == before,
        "a failed write left something behind"
    );
    reads_work(&s).await;
    fail::remove("store-commit");
    let made = s
        .schools()
        .create_school(create("f1", "r1"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(made.id, "f1");
    let report = import_files(&s, M, false, false, vec![new_school_file("f-imported")])
        .await
        .unwrap();
    assert_eq!(report.total.unwrap().created, 1);

    // 2. A full disk while approving a run: many trees in one transaction, none written.
    let run = s
        .matching()
        .run_matching(pb::RunMatchingRequest {
            municipality_id: M.into(),
            kind: pb::MatchKind::TeacherPairs as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .run
        .unwrap();
    let approve = pb::ApproveMatchRunRequest {
        municipality_id: M.into(),
        run_id: run.id.clone(),
        ..Default::default()
    };
    fail::cfg("store-commit", "return(enospc)").unwrap();
    let before = s.snapshot();
    let err = s
        .matching()
        .approve_match_run(approve.clone())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted, "{err:?}");
    assert!(err.message().contains("disk is full"), "{}", err.message());
    assert!(s.snapshot() == before, "a refused approval half-applied");
    reads_work(&s).await;
    fail::remove("store-commit");
    let approved = s
        .matching()
        .approve_match_run(approve)
        .await
        .unwrap()
        .into_inner();
    assert!(!approved.created.is_empty());

    // 3. A flush that fails after the commit: the caller is told the write is not confirmed,
    // and a retry with the same request id confirms it, written once.
    fail::cfg("store-flush", "return").unwrap();
    let err = s
        .schools()
        .create_school(create("f3", "r3"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unknown, "{err:?}");
    assert!(
        err.message().contains("same request_id"),
        "{}",
        err.message()
    );
    reads_work(&s).await;
    fail::remove("store-flush");
    let again = s
        .schools()
        .create_school(create("f3", "r3"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.id, "f3");
    let err = s
        .schools()
        .create_school(create("f3", "r3-other"))
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Code::AlreadyExists,
        "the retry wrote a second school"
    );

    // 4. A panic inside a write: a bug, said as one; the lock it held is not lost.
    fail::cfg("write-closure", "panic").unwrap();
    let before = s.snapshot();
    let err = s
        .schools()
        .create_school(create("f4", "r4"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Internal, "{err:?}");
    assert!(
        err.message().contains("nothing was written"),
        "{}",
        err.message()
    );
    assert!(
        s.snapshot() == before,
        "a panicking write left something behind"
    );
    reads_work(&s).await;
    fail::remove("write-closure");
    s.schools().create_school(create("f4", "r4")).await.unwrap();

    // 5. The registry changes while a rematch computes (an office or an integration writing
    // through the night): the rematch still applies, computed again under the write lock.
    let mut rematch = s.rematch();
    change_rematch_policy(&mut rematch, M, |p| p.auto_approve = true).await;
    let store = s.store.clone();
    fail::cfg_callback("rematch-computed", move || {
        let mut t = store
            .scan::<peerlift_domain::Teacher>(&peerlift_store::prefix(&[M]), None)
            .next()
            .unwrap()
            .unwrap();
        t.accepts_online = !t.accepts_online;
        store.write(|_, b| b.put(&t)).unwrap();
    })
    .unwrap();
    let record = rematch
        .trigger_rematch(pb::TriggerRematchRequest {
            municipality_id: M.into(),
        })
        .await
        .unwrap()
        .into_inner();
    fail::remove("rematch-computed");
    assert_eq!(
        record.status,
        pb::RematchStatus::Succeeded as i32,
        "{:?}",
        record.attempts
    );

    s.stop().await;
    scenario.teardown();
}
