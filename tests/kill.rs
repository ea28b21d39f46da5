//! A rematch of a generated region killed with SIGKILL: nothing is applied, the run is marked
//! failed at the next start, and the retry succeeds; reads keep answering while it runs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command};
use std::time::Duration;

use peerlift::synth::{self, Scale};
use peerlift_api::pb;
use peerlift_api::pb::mentorship_service_client::MentorshipServiceClient;
use peerlift_api::pb::municipality_service_client::MunicipalityServiceClient;
use peerlift_api::pb::rematch_service_client::RematchServiceClient;
use peerlift_domain::{ChurnBudget, MatchKind, Policy, RematchPolicy, Weights};
use peerlift_store::Store;
use tonic::transport::Channel;

const SCOPE: &str = "region:region-00";

/// Starts `peerlift serve` (auth off) on a free port; its log is drained on a thread.
fn spawn(data: &Path, extra: &[&str]) -> (Child, String) {
    let mut args = vec!["--insecure-no-auth"];
    args.extend_from_slice(extra);
    let (child, addr, _) = common::spawn_serve(data, &args);
    (child, addr)
}

async fn connect(addr: &str) -> Channel {
    tonic::transport::Endpoint::from_shared(addr.to_string())
        .unwrap()
        .connect()
        .await
        .unwrap()
}

/// Every active mentorship of the region, by (municipality, id).
async fn active(ch: &Channel, municipalities: &[String]) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let mut c = MentorshipServiceClient::new(ch.clone());
    for m in municipalities {
        let mut token = String::new();
        loop {
            let r = c
                .list_mentorships(pb::ListMentorshipsRequest {
                    municipality_id: m.clone(),
                    page_size: 1000,
                    page_token: token,
                    status: pb::MentorshipStatus::Active as i32,
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner();
            out.extend(r.mentorships.into_iter().map(|x| (m.clone(), x.id)));
            if r.next_page_token.is_empty() {
                break;
            }
            token = r.next_page_token;
        }
    }
    out
}

async fn records(ch: &Channel) -> Vec<pb::RematchRecord> {
    RematchServiceClient::new(ch.clone())
        .list_rematch_records(pb::ListRematchRecordsRequest {
            municipality_id: SCOPE.into(),
            limit: 0,
        })
        .await
        .unwrap()
        .into_inner()
        .records
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_region_rematch_applies_nothing_is_marked_failed_and_its_retry_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // A generated region in the store, with last night's pairs active and a policy that
    // applies what it finds.
    let municipalities: Vec<String> = {
        let store = Store::open(&data).unwrap();
        let sets = synth::region(Scale::Region, 5, 0);
        let ids = sets.iter().map(|d| d.municipality.id.clone()).collect();
        store
            .write(|_, b| -> peerlift_store::Result<()> {
                for d in &sets {
                    b.put(&d.municipality)?;
                    for (s, _) in &d.schools {
                        b.put(s)?;
                    }
                    for t in &d.teachers {
                        b.put(t)?;
                    }
                    for p in &d.profiles {
                        b.put(p)?;
                    }
                    for x in &d.diagnostics {
                        b.put(x)?;
                    }
                }
                Ok(())
            })
            .unwrap();
        let now = jiff::Timestamp::now();
        let (mut run, _) = peerlift_api::app::runs::compute_run(
            &store,
            SCOPE,
            MatchKind::TeacherPairs,
            Weights::default(),
            Policy::default(),
            now,
            false,
        )
        .unwrap();
        store
            .write(|s, b| {
                run.id = peerlift_api::app::runs::new_run_id(s)?;
                peerlift_api::app::runs::apply_run(s, b, &mut run, None, "last night", now)
            })
            .unwrap();
        let mut policy = RematchPolicy::defaults(SCOPE, now);
        policy.auto_approve = true;
        policy.churn_budget = ChurnBudget::SharePct(5);
        store.write(|_, b| b.put(&policy)).unwrap();
        ids
    };

    let (mut child, addr) = spawn(&data, &[]);
    let ch = connect(&addr).await;
    let before = active(&ch, &municipalities).await;
    assert!(before.len() > 1000, "{}", before.len());
    let trigger = {
        let mut c = RematchServiceClient::new(ch.clone());
        tokio::spawn(async move {
            c.trigger_rematch(pb::TriggerRematchRequest {
                municipality_id: SCOPE.into(),
            })
            .await
        })
    };
    // Wait until the rematch is running; reads keep answering within their deadline.
    let mut reads = 0;
    loop {
        let mut req = tonic::Request::new(pb::GetMunicipalityRequest {
            municipality_id: municipalities[0].clone(),
        });
        req.set_timeout(Duration::from_secs(2));
        MunicipalityServiceClient::new(ch.clone())
            .get_municipality(req)
            .await
            .expect("a read answers within its deadline during the rematch");
        reads += 1;
        let rs = records(&ch).await;
        if rs
            .iter()
            .any(|r| r.status == pb::RematchStatus::Running as i32)
        {
            break;
        }
        assert!(
            !trigger.is_finished(),
            "the rematch ended before it was seen running"
        );
    }
    assert!(reads > 0);
    // Still running: more reads answer meanwhile.
    for _ in 0..5 {
        let mut req = tonic::Request::new(pb::GetMunicipalityRequest {
            municipality_id: municipalities[1].clone(),
        });
        req.set_timeout(Duration::from_secs(2));
        MunicipalityServiceClient::new(ch.clone())
            .get_municipality(req)
            .await
            .unwrap();
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        trigger.await.unwrap().is_err(),
        "the killed call cannot have answered"
    );

    // Restart without the scheduler: the run is marked failed and nothing of it was applied.
    let (mut child, addr) = spawn(&data, &["--no-scheduler"]);
    let ch = connect(&addr).await;
    assert_eq!(active(&ch, &municipalities).await, before);
    let rs = records(&ch).await;
    assert_eq!(rs.len(), 1);
    assert_eq!(rs[0].status, pb::RematchStatus::Failed as i32);
    assert!(
        rs[0].attempts[0].error.starts_with("interrupted"),
        "{:?}",
        rs[0]
    );
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    child.wait().unwrap();

    // The next start retries it, and the retry succeeds.
    let (mut child, addr) = spawn(&data, &[]);
    let ch = connect(&addr).await;
    let wait = async {
        loop {
            let rs = records(&ch).await;
            if rs[0].status == pb::RematchStatus::Succeeded as i32 {
                return rs[0].clone();
            }
            assert_ne!(
                rs[0].status,
                pb::RematchStatus::Failed as i32,
                "{:?}",
                rs[0]
            );
            // Polling interval, not a timing assumption: the bound is the timeout below.
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    let done = tokio::time::timeout(Duration::from_secs(600), wait)
        .await
        .expect("the retry finishes within ten minutes");
    assert_eq!(done.attempts.len(), 2);
    assert_eq!(done.attempts[1].trigger, pb::RematchTrigger::Retry as i32);
    let o = &done.outcomes[0];
    assert!(o.applied);
    assert!(o.gain_ends <= o.budget);
    child.kill().unwrap();
    child.wait().unwrap();
}
