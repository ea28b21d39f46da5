//! Crash recovery: a child server is killed with SIGKILL at random moments during a stream of
//! acknowledged writes, many times over; after every restart the store opens cleanly and every
//! acknowledged write is there.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use peerlift_api::pb;
use peerlift_api::pb::municipality_service_client::MunicipalityServiceClient;
use peerlift_api::pb::school_service_client::SchoolServiceClient;
use rand::{Rng, SeedableRng};
use tonic::transport::Channel;

const M: &str = "crashville";

/// Starts `peerlift serve` (auth off, no scheduler) on a free port and waits until it
/// serves (the store opened cleanly).
fn spawn(data: &Path) -> (Child, String) {
    let (child, addr, _) = common::spawn_serve(data, &["--insecure-no-auth", "--no-scheduler"]);
    (child, addr)
}

async fn connect(addr: &str) -> Channel {
    tonic::transport::Endpoint::from_shared(addr.to_string())
        .unwrap()
        .connect()
        .await
        .unwrap()
}

fn school(id: &str, name: &str) -> pb::School {
    pb::School {
        id: id.into(),
        name: name.into(),
        kind: pb::SchoolKind::Secondary as i32,
        status: pb::SchoolStatus::Stable as i32,
        locality: "Crashville".into(),
        ..Default::default()
    }
}

/// Acknowledged writes: school id -> the name it was last acknowledged with.
type Acked = Arc<Mutex<BTreeMap<String, String>>>;

/// The write in flight when the server died, if a rename: it may or may not have landed.
type Pending = Arc<Mutex<Option<(String, String)>>>;

/// Creates schools and renames earlier ones, one call at a time, until a call fails (the
/// server was killed); records each acknowledged write.
async fn write_until_killed(ch: Channel, round: usize, acked: Acked, pending: Pending) {
    let mut c = SchoolServiceClient::new(ch);
    for n in 0.. {
        let id = format!("s-{round:02}-{n:04}");
        let created = c
            .create_school(pb::CreateSchoolRequest {
                municipality_id: M.into(),
                school: Some(school(&id, &format!("School {id}"))),
                request_id: String::new(),
            })
            .await;
        match created {
            Ok(_) => {
                acked
                    .lock()
                    .unwrap()
                    .insert(id.clone(), format!("School {id}"));
            }
            Err(_) => return,
        }
        // Every third write renames an earlier school: updates must survive too.
        if n % 3 == 2 {
            let earlier = format!("s-{round:02}-{:04}", n / 2);
            let name = format!("Renamed {earlier} at {n}");
            *pending.lock().unwrap() = Some((earlier.clone(), name.clone()));
            let renamed = c
                .update_school(pb::UpdateSchoolRequest {
                    municipality_id: M.into(),
                    school: Some(school(&earlier, &name)),
                    request_id: String::new(),
                    update_mask: None,
                })
                .await;
            match renamed {
                Ok(_) => {
                    acked.lock().unwrap().insert(earlier, name);
                    *pending.lock().unwrap() = None;
                }
                Err(_) => return,
            }
        }
    }
}

/// Reads back every acknowledged school; adopts the rename in flight if it landed.
async fn check(ch: &Channel, acked: &Acked, pending: &Pending, round: usize) {
    MunicipalityServiceClient::new(ch.clone())
        .get_municipality(pb::GetMunicipalityRequest {
            municipality_id: M.into(),
        })
        .await
        .unwrap_or_else(|e| panic!("round {round}: the acknowledged municipality is lost: {e}"));
    let expected = acked.lock().unwrap().clone();
    let in_flight = pending.lock().unwrap().take();
    let mut c = SchoolServiceClient::new(ch.clone());
    for (id, name) in &expected {
        let s = c
            .get_school(pb::GetSchoolRequest {
                municipality_id: M.into(),
                school_id: id.clone(),
            })
            .await
            .unwrap_or_else(|e| panic!("round {round}: acknowledged {id} lost: {e}"))
            .into_inner();
        let landed = in_flight
            .as_ref()
            .is_some_and(|(pid, pname)| pid == id && &s.name == pname);
        assert!(
            &s.name == name || landed,
            "round {round}: {id} is '{}', acknowledged '{name}'",
            s.name
        );
        if landed {
            acked.lock().unwrap().insert(id.clone(), s.name.clone());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_write_survives_sigkill_at_random_moments() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let acked: Acked = Arc::default();
    let pending: Pending = Arc::default();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    {
        let (mut child, addr) = spawn(&data);
        MunicipalityServiceClient::new(connect(&addr).await)
            .create_municipality(pb::CreateMunicipalityRequest {
                municipality: Some(pb::Municipality {
                    id: M.into(),
                    name: "Crashville".into(),
                    ..Default::default()
                }),
                request_id: String::new(),
            })
            .await
            .unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }
    for round in 0..10 {
        let (mut child, addr) = spawn(&data);
        let ch = connect(&addr).await;
        // Everything acknowledged before is there, with its last acknowledged content (or,
        // for the rename in flight at the kill, possibly the new one).
        check(&ch, &acked, &pending, round).await;
        // Write, and kill the server at a random moment of it.
        let writer = tokio::spawn(write_until_killed(
            ch,
            round,
            acked.clone(),
            pending.clone(),
        ));
        let pause = Duration::from_millis(rng.random_range(20..400));
        tokio::time::sleep(pause).await; // chooses the kill moment; nothing is timed
        child.kill().unwrap();
        child.wait().unwrap();
        writer.await.unwrap();
    }
    let n = acked.lock().unwrap().len();
    assert!(
        n > 20,
        "only {n} writes were acknowledged: the test wrote too little"
    );
    // A last start: the store still opens and holds every acknowledged write.
    let (mut child, addr) = spawn(&data);
    check(&connect(&addr).await, &acked, &pending, 10).await;
    child.kill().unwrap();
    child.wait().unwrap();
}
