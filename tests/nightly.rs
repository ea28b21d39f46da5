//! The nightly job with a controllable clock on the Kirovsky example: a slot fires once, a
//! restart does not fire it again, a missed slot fires once at start-up, two concurrent
//! triggers make one run, an interrupted attempt is recovered and retried, and an auto-approved
//! result is applied with the record in one step.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use jiff::Timestamp;
use peerlift_api::app::nightly::{self, manual_slot, recover, run_slot, tick};
use peerlift_api::auth::Caller;
use peerlift_api::{ApiError, AppState};
use peerlift_domain::{
    Attempt, MatchRun, Meta, RematchPolicy, RematchRecord, RematchStatus, RunStatus, Trigger,
};
use peerlift_store::{prefix, Store};

const M: &str = "kirovsky";

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// A state on `store` whose clock reads `now`.
fn state(store: Arc<Store>, now: &Arc<Mutex<Timestamp>>) -> AppState {
    let now = now.clone();
    AppState {
        clock: Arc::new(move || *now.lock().unwrap()),
        ..AppState::new(store)
    }
}

fn runs(store: &Store) -> Vec<MatchRun> {
    store
        .scan::<MatchRun>(&prefix(&[M]), None)
        .collect::<Result<_, _>>()
        .unwrap()
}

fn set_policy(store: &Store, set_at: Timestamp, auto_approve: bool) {
    let mut p = RematchPolicy::defaults(M, set_at);
    p.enabled = true;
    p.auto_approve = auto_approve;
    store.write(|_, b| b.put(&p)).unwrap();
}

/// The Kirovsky example imported through a real server, which is then stopped: the store is
/// what a night finds.
async fn kirovsky_store() -> (tempfile::TempDir, Arc<Store>) {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    assert!(
        import_files(&s, M, true, false, example_files())
            .await
            .unwrap()
            .committed
    );
    let store = s.store.clone();
    s.stop().await;
    (dir, store)
}

#[tokio::test]
async fn a_slot_fires_once_and_a_missed_slot_catches_up_once() {
    let (dir, store) = kirovsky_store().await;
    // Set at 23:00 Moscow (UTC+3) on the 23rd: the 02:00 slot of that day is not "missed".
    set_policy(&store, at("2026-11-23T20:00:00Z"), false);
    let now = Arc::new(Mutex::new(at("2026-11-23T20:00:00Z")));
    let st = state(store.clone(), &now);
    assert!(tick(&st, at("2026-11-23T20:00:00Z")).await.is_empty());

    // 02:00 Moscow on the 24th is 23:00 UTC on the 23rd.
    *now.lock().unwrap() = at("2026-11-23T23:00:30Z");
    let fired = tick(&st, at("2026-11-23T23:00:30Z")).await;
    assert_eq!(fired.len(), 1);
    let rec = fired.into_iter().next().unwrap().unwrap();
    assert_eq!(rec.slot, "2026-11-24T02:00");
    assert_eq!(rec.status, RematchStatus::Succeeded);
    assert_eq!(rec.last_trigger(), Some(Trigger::Scheduled));
    let o = &rec.outcomes[0];
    assert!(!o.applied);
    let stored = runs(&store);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id, o.run_id);
    assert_eq!(stored[0].status, RunStatus::Proposed);
    assert!(stored[0].decision_note.contains("2026-11-24T02:00"));
    // The same slot a minute later: nothing.
    assert!(tick(&st, at("2026-11-23T23:01:00Z")).await.is_empty());

    // A restart after the slot: nothing runs again.
    drop(st);
    drop(store);
    let store = Arc::new(Store::open(dir.path()).unwrap());
    assert!(recover(&store, at("2026-11-23T23:05:00Z"))
        .unwrap()
        .is_empty());
    let st = state(store.clone(), &now);
    assert!(tick(&st, at("2026-11-23T23:10:00Z")).await.is_empty());
    assert_eq!(runs(&store).len(), 1);

    // Down over the next slot (02:00 on the 25th), back at 09:00: it runs once, as a catch-up.
    drop(st);
    drop(store);
    let store = Arc::new(Store::open(dir.path()).unwrap());
    *now.lock().unwrap() = at("2026-11-25T06:00:00Z");
    let st = state(store.clone(), &now);
    let fired = tick(&st, at("2026-11-25T06:00:00Z")).await;
    assert_eq!(fired.len(), 1);
    let rec = fired.into_iter().next().unwrap().unwrap();
    assert_eq!(
        (rec.slot.as_str(), rec.last_trigger()),
        ("2026-11-25T02:00", Some(Trigger::CatchUp))
    );
    assert!(tick(&st, at("2026-11-25T06:01:00Z")).await.is_empty());
    assert_eq!(runs(&store).len(), 2);
    let history = nightly::history(&store, M).unwrap();
    assert_eq!(
        history.iter().map(|r| r.slot.as_str()).collect::<Vec<_>>(),
        ["2026-11-25T02:00", "2026-11-24T02:00"]
    );
}

#[tokio::test]
async fn two_triggers_at_once_make_one_run() {
    let (_dir, store) = kirovsky_store().await;
    let now = Arc::new(Mutex::new(at("2026-11-23T10:15:00Z")));
    let st = state(store.clone(), &now);
    let tz = jiff::tz::TimeZone::get("Europe/Moscow").unwrap();
    let slot = manual_slot(&tz, at("2026-11-23T10:15:00Z"));
    assert_eq!(slot, "manual-2026-11-23T13:15");
    let dev = Caller::dev();
    let (a, b) = tokio::join!(
        run_slot(&st, &dev, M, &slot, Trigger::Manual),
        run_slot(&st, &dev, M, &slot, Trigger::Manual)
    );
    let (ok, refused): (Vec<_>, Vec<_>) = [a, b].into_iter().partition(|r| r.is_ok());
    assert_eq!((ok.len(), refused.len()), (1, 1));
    match &refused[0] {
        Err(ApiError::FailedPrecondition(m)) => assert!(m.contains("already running"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(runs(&store).len(), 1);
    // Triggering the finished slot again returns it; nothing new runs.
    let again = run_slot(&st, &Caller::dev(), M, &slot, Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(again.attempts.len(), 1);
    assert_eq!(runs(&store).len(), 1);
}

#[tokio::test]
async fn an_interrupted_attempt_is_marked_failed_then_retried_and_applied_atomically() {
    let (_dir, store) = kirovsky_store().await;
    set_policy(&store, at("2026-11-23T12:00:00Z"), true);
    // A process died mid-run: its attempt is still Running in the store.
    let slot = "2026-11-24T02:00";
    store
        .write(|_, b| {
            b.put(&RematchRecord {
                municipality_id: M.into(),
                slot: slot.into(),
                status: RematchStatus::Running,
                attempts: vec![Attempt {
                    trigger: Trigger::Scheduled,
                    started: at("2026-11-23T23:00:00Z"),
                    finished: None,
                    status: RematchStatus::Running,
                    error: String::new(),
                }],
                outcomes: vec![],
                duration_ms: 0,
                meta: Meta::new(at("2026-11-23T23:00:00Z")),
            })
        })
        .unwrap();
    let before = store.generation(M).unwrap();
    let interrupted = recover(&store, at("2026-11-24T05:00:00Z")).unwrap();
    assert_eq!(interrupted, [(M.to_string(), slot.to_string())]);
    let rec: RematchRecord = store
        .get(&peerlift_store::key(&[M, slot]))
        .unwrap()
        .unwrap();
    assert_eq!(rec.status, RematchStatus::Failed);
    assert!(rec.attempts[0].error.starts_with("interrupted"));
    assert_eq!(store.generation(M).unwrap(), before, "nothing was applied");
    assert_eq!(
        nightly::interrupted_slots(&store).unwrap(),
        [(M.to_string(), slot.to_string())]
    );

    // The next start retries it; the policy approves, so the run is applied with the record.
    let now = Arc::new(Mutex::new(at("2026-11-24T05:00:00Z")));
    let st = state(store.clone(), &now);
    let due = nightly::due(&store, at("2026-11-24T05:00:00Z")).unwrap();
    assert_eq!(due, [(M.to_string(), slot.to_string(), Trigger::Retry)]);
    let rec = run_slot(&st, &Caller::dev(), M, slot, Trigger::Retry)
        .await
        .unwrap();
    assert_eq!(rec.status, RematchStatus::Succeeded);
    assert_eq!(rec.attempts.len(), 2);
    assert_eq!(rec.attempts[1].trigger, Trigger::Retry);
    let o = &rec.outcomes[0];
    assert!(o.applied);
    assert!(o.added > 0);
    let run: MatchRun = store
        .get(&peerlift_store::key(&[M, &o.run_id]))
        .unwrap()
        .unwrap();
    assert_eq!(run.status, RunStatus::Approved);
    let active = store
        .scan::<peerlift_domain::Mentorship>(&prefix(&[M]), None)
        .filter(|m| m.as_ref().unwrap().is_active())
        .count();
    assert_eq!(active as u32, o.added);
    assert!(nightly::interrupted_slots(&store).unwrap().is_empty());
}

#[tokio::test]
async fn the_policy_and_a_manual_rematch_through_the_api() {
    use peerlift_api::pb;
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    assert!(
        import_files(&s, M, true, false, example_files())
            .await
            .unwrap()
            .committed
    );
    let mut c = s.rematch();
    let p = c
        .get_rematch_policy(pb::GetRematchPolicyRequest {
            municipality_id: M.into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!p.enabled && p.etag.is_empty() && p.next_run.is_empty());
    assert_eq!(p.schedule, "0 2 * * *");
    // Every bad field at once; nothing stored.
    let err = c
        .update_rematch_policy(pb::UpdateRematchPolicyRequest {
            policy: Some(pb::RematchPolicy {
                municipality_id: M.into(),
                schedule: "at night".into(),
                kinds: vec![99],
                churn_budget: Some(pb::rematch_policy::ChurnBudget::ChurnBudgetPct(150)),
                ..p.clone()
            }),
            request_id: String::new(),
            update_mask: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert_eq!(bad_fields(&err), ["policy.kinds[0]"]);
    let err = c
        .update_rematch_policy(pb::UpdateRematchPolicyRequest {
            policy: Some(pb::RematchPolicy {
                municipality_id: M.into(),
                schedule: "at night".into(),
                churn_budget: Some(pb::rematch_policy::ChurnBudget::ChurnBudgetPct(150)),
                ..p.clone()
            }),
            request_id: String::new(),
            update_mask: None,
        })
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&err), ["policy.schedule", "policy.churn_budget"]);
    let set = c
        .update_rematch_policy(pb::UpdateRematchPolicyRequest {
            policy: Some(pb::RematchPolicy {
                municipality_id: M.into(),
                enabled: true,
                schedule: "30 3 * * 1-5".into(),
                auto_approve: false,
                ..p.clone()
            }),
            request_id: String::new(),
            update_mask: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(set.etag, "1");
    assert!(set.next_run.ends_with("T03:30"), "{}", set.next_run);

    // A manual rematch: a proposal with the night's diff, visible in the match runs.
    let rec = c
        .trigger_rematch(pb::TriggerRematchRequest {
            municipality_id: M.into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(rec.status, pb::RematchStatus::Succeeded as i32);
    assert!(rec.slot.starts_with("manual-"));
    let o = &rec.outcomes[0];
    assert!(!o.applied && o.added > 0 && o.gain_ends == 0);
    let run = s
        .matching()
        .get_match_run(pb::GetMatchRunRequest {
            municipality_id: M.into(),
            run_id: o.run_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(run.status, pb::RunStatus::Proposed as i32);
    assert!(run.decision_note.starts_with("nightly rematch manual-"));
    let list = c
        .list_rematch_records(pb::ListRematchRecordsRequest {
            municipality_id: M.into(),
            limit: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(list.records.len(), 1);
    assert_eq!(
        list.records[0].attempts[0].trigger,
        pb::RematchTrigger::Manual as i32
    );
    s.stop().await;
}
