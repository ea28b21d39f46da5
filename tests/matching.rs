//! End-to-end matching on the Kirovsky example: runs, approval, locks, vetoes, hand-made pairs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use peerlift_api::pb;
use tonic::Code;

async fn run(s: &TestServer, kind: pb::MatchKind, dry_run: bool) -> pb::RunMatchingResponse {
    s.matching()
        .run_matching(pb::RunMatchingRequest {
            municipality_id: "kirovsky".into(),
            kind: kind as i32,
            dry_run,
            include_problem: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

async fn approve(
    s: &TestServer,
    run_id: &str,
) -> Result<pb::ApproveMatchRunResponse, tonic::Status> {
    s.matching()
        .approve_match_run(pb::ApproveMatchRunRequest {
            municipality_id: "kirovsky".into(),
            run_id: run_id.into(),
            note: "test".into(),
            ..Default::default()
        })
        .await
        .map(|r| r.into_inner())
}

async fn active(s: &TestServer, kind: pb::MatchKind) -> Vec<pb::Mentorship> {
    s.mentorships()
        .list_mentorships(pb::ListMentorshipsRequest {
            municipality_id: "kirovsky".into(),
            page_size: 1000,
            kind: kind as i32,
            status: pb::MentorshipStatus::Active as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .mentorships
}

fn key(p: &pb::ProposedPair) -> (String, String, String) {
    (p.mentee_id.clone(), p.subject.clone(), p.mentor_id.clone())
}

#[tokio::test]
async fn run_approve_lock_veto_and_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    let report = import_files(&s, "kirovsky", true, false, example_files())
        .await
        .unwrap();
    assert!(report.committed);

    // A dry run twice: the same proposal, nothing stored.
    let a = run(&s, pb::MatchKind::TeacherPairs, true).await;
    let b = run(&s, pb::MatchKind::TeacherPairs, true).await;
    let (ra, rb) = (a.run.unwrap(), b.run.unwrap());
    assert_eq!(ra.pairs, rb.pairs);
    assert_eq!(a.problem_json, b.problem_json);
    assert_eq!(ra.status, pb::RunStatus::DryRun as i32);
    assert!(ra.id.is_empty());

    // The exported problem: the exact shape, a feasible assignment, objective = its arcs.
    let problem: serde_json::Value = serde_json::from_str(&a.problem_json).unwrap();
    let keys: BTreeSet<&str> = problem
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "format",
            "kind",
            "demands",
            "suppliers",
            "arcs",
            "assignment",
            "objective",
            "duals"
        ])
    );
    assert_eq!(problem["kind"], "teacher_pairs");
    assert_eq!(problem["format"], "peerlift-problem/2");
    let export = peerlift_match::ExportedProblem::from_json(a.problem_json.as_bytes()).unwrap();
    assert!(export.check().unwrap().proven_optimal);
    assert_eq!(export.assignment.len(), ra.pairs.len());
    // The run says it is optimal for the whole problem, in numbers the file agrees with.
    let cert = ra.certificate.clone().unwrap();
    assert!(cert.optimal, "{}", cert.statement);
    assert_eq!(cert.arcs_priced, export.arcs.len() as u64);
    assert_eq!(cert.solver_objective, export.objective);
    assert_eq!(ra.pair_count, ra.pairs.len() as u64);

    // Stored proposal, approved: every pair becomes an active mentorship.
    let first = run(&s, pb::MatchKind::TeacherPairs, false)
        .await
        .run
        .unwrap();
    assert!(first.id.starts_with("run-"));
    assert!(!first.pairs.is_empty());
    for p in &first.pairs {
        let sum: i64 = p.terms.iter().map(|t| t.points).sum();
        assert_eq!(sum, p.score, "{p:?}");
        assert!(p.level == pb::Level::A as i32 || p.level == pb::Level::B as i32);
    }
    let approved = approve(&s, &first.id).await.unwrap();
    assert_eq!(approved.created.len(), first.pairs.len());
    let list = active(&s, pb::MatchKind::TeacherPairs).await;
    assert_eq!(list.len(), first.pairs.len());
    assert!(list.iter().all(|m| m.origin == format!("run:{}", first.id)));
    // A second approval of the same run is refused.
    let err = approve(&s, &first.id).await.unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);

    // Lock one pair, veto another.
    let locked = list[0].clone();
    let vetoed = list[1].clone();
    s.mentorships()
        .lock_mentorship(pb::LockMentorshipRequest {
            municipality_id: "kirovsky".into(),
            mentorship_id: locked.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    let v = s
        .mentorships()
        .veto_pair(pb::VetoPairRequest {
            municipality_id: "kirovsky".into(),
            kind: pb::MatchKind::TeacherPairs as i32,
            mentee_id: vetoed.mentee_id.clone(),
            mentor_id: vetoed.mentor_id.clone(),
            reason: "they asked not to work together".into(),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(v.ended.len(), 1);

    let second = run(&s, pb::MatchKind::TeacherPairs, false)
        .await
        .run
        .unwrap();
    let lock_pair = second
        .pairs
        .iter()
        .find(|p| p.mentee_id == locked.mentee_id && p.subject == locked.subject)
        .unwrap();
    assert!(lock_pair.locked);
    assert_eq!(lock_pair.mentor_id, locked.mentor_id);
    assert!(second
        .pairs
        .iter()
        .all(|p| !(p.mentee_id == vetoed.mentee_id && p.mentor_id == vetoed.mentor_id)));
    let diff = second.diff.clone().unwrap();
    assert!(diff.kept.contains(&locked.id));
    // Everything the first run created is still there unless the diff ends it with a reason.
    assert!(diff.ended.iter().all(|e| !e.reason.is_empty()));
    let approved = approve(&s, &second.id).await.unwrap();
    let now: BTreeSet<(String, String, String)> = active(&s, pb::MatchKind::TeacherPairs)
        .await
        .iter()
        .map(|m| (m.mentee_id.clone(), m.subject.clone(), m.mentor_id.clone()))
        .collect();
    let proposed: BTreeSet<_> = second.pairs.iter().map(key).collect();
    assert_eq!(
        now, proposed,
        "after approval the active pairs are the run's pairs"
    );
    assert_eq!(approved.ended.len(), diff.ended.len());

    // A run older than the current state is refused.
    let stale = run(&s, pb::MatchKind::TeacherPairs, false)
        .await
        .run
        .unwrap();
    s.mentorships()
        .unlock_mentorship(pb::UnlockMentorshipRequest {
            municipality_id: "kirovsky".into(),
            mentorship_id: locked.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    let err = approve(&s, &stale.id).await.unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert!(err.message().contains("changed"), "{}", err.message());

    // Runs are listed newest first, without their pairs.
    let runs = s
        .matching()
        .list_match_runs(pb::ListMatchRunsRequest {
            municipality_id: "kirovsky".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .runs;
    let ids: Vec<&str> = runs.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [stale.id.as_str(), second.id.as_str(), first.id.as_str()]
    );
    assert!(runs.iter().all(|r| r.pairs.is_empty()));
    s.stop().await;
}

#[tokio::test]
async fn school_partnerships_run_and_approve() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    import_files(&s, "kirovsky", true, false, example_files())
        .await
        .unwrap();
    let r = run(&s, pb::MatchKind::SchoolPartnerships, false).await;
    let run = r.run.unwrap();
    // Every low-result and at-risk school of the example gets a leader (3 leaders x 3 places).
    let schools: BTreeSet<&str> = run.pairs.iter().map(|p| p.mentee_id.as_str()).collect();
    assert_eq!(
        schools,
        BTreeSet::from([
            "nazia-sosh",
            "otradnoe-sosh-3",
            "putilovo-oosh",
            "shum-sosh",
            "sinyavino-sosh",
            "sukhovo-oosh"
        ])
    );
    let leaders = ["shlisselburg-sosh-1", "kirovsk-sosh-2", "priladozhsky-sosh"];
    for p in &run.pairs {
        assert!(leaders.contains(&p.mentor_id.as_str()), "{p:?}");
        assert_ne!(p.partnership_type, 0);
        assert!(!p.type_reason.is_empty());
    }
    for l in leaders {
        assert!(run.pairs.iter().filter(|p| p.mentor_id == l).count() <= 3);
    }
    let export = peerlift_match::ExportedProblem::from_json(r.problem_json.as_bytes()).unwrap();
    assert_eq!(export.kind, "school_partnerships");
    assert!(export.check().unwrap().proven_optimal);
    approve(&s, &run.id).await.unwrap();
    assert_eq!(active(&s, pb::MatchKind::SchoolPartnerships).await.len(), 6);
    s.stop().await;
}

#[tokio::test]
async fn hand_made_pairs_follow_the_hard_rules() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    import_files(&s, "kirovsky", true, false, example_files())
        .await
        .unwrap();
    let proposal = run(&s, pb::MatchKind::TeacherPairs, true)
        .await
        .run
        .unwrap();
    let p = &proposal.pairs[0];
    let create =
        |mentee: &str, subject: &str, mentor: &str, reason: &str| pb::CreateMentorshipRequest {
            municipality_id: "kirovsky".into(),
            kind: pb::MatchKind::TeacherPairs as i32,
            mentee_id: mentee.into(),
            mentor_id: mentor.into(),
            subject: subject.into(),
            reason: reason.into(),
            locked: false,
            request_id: String::new(),
            ..Default::default()
        };
    let before = s.snapshot();
    // Without a reason, or as their own mentor: invalid. Nothing written.
    let err = s
        .mentorships()
        .create_mentorship(create(&p.mentee_id, &p.subject, &p.mentor_id, ""))
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&err), ["reason"]);
    let err = s
        .mentorships()
        .create_mentorship(create(&p.mentee_id, &p.subject, &p.mentee_id, "why not"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    assert_eq!(bad_fields(&err), ["mentor_id"]);
    assert_eq!(s.snapshot(), before);
    let ok = s
        .mentorships()
        .create_mentorship(create(
            &p.mentee_id,
            &p.subject,
            &p.mentor_id,
            "the school asked for them",
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ok.origin, "manual: the school asked for them");
    assert_eq!(ok.score, p.score);
    s.stop().await;
}

/// `peerlift match --export-problem`, `peerlift approve` and `peerlift mentorships list`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_runs_explains_exports_and_approves() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    import_files(&s, "kirovsky", true, false, example_files())
        .await
        .unwrap();
    let bin = env!("CARGO_BIN_EXE_peerlift");
    let out_file = dir.path().join("problem.json");
    let cli = |args: Vec<String>| {
        let addr = s.addr.clone();
        async move {
            let out = tokio::process::Command::new(bin)
                .args(&args)
                .env("PEERLIFT_ADDR", addr)
                .env("PEERLIFT_MUNICIPALITY", "kirovsky")
                .output()
                .await
                .unwrap();
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).into_owned()
        }
    };
    let out = cli(vec![
        "match".into(),
        "--explain".into(),
        "--export-problem".into(),
        out_file.display().to_string(),
    ])
    .await;
    for needle in [
        "mentee",
        "subject",
        "level",
        "mentor",
        "school",
        "score",
        "coverage: A",
        "severity (A) +1000",
    ] {
        assert!(out.contains(needle), "{needle} missing:\n{out}");
    }
    let export =
        peerlift_match::ExportedProblem::from_json(&std::fs::read(&out_file).unwrap()).unwrap();
    assert!(export.check().unwrap().proven_optimal);
    let run_id = out
        .lines()
        .find_map(|l| {
            l.strip_prefix("run ")
                .and_then(|r| r.split_whitespace().next())
        })
        .unwrap()
        .to_string();
    let out = cli(vec!["approve".into(), run_id.clone()]).await;
    assert!(out.contains(&format!("approved {run_id}")), "{out}");
    let out = cli(vec!["mentorships".into(), "list".into()]).await;
    assert_eq!(out.lines().count(), 2 + export.assignment.len(), "{out}");
    s.stop().await;
}

#[tokio::test]
async fn groups_and_distributed_networks_run_and_approve() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    import_files(&s, "kirovsky", true, false, example_files())
        .await
        .unwrap();

    // Teacher groups: sizes within the default 3-8, each mentee in one group.
    let r = run(&s, pb::MatchKind::TeacherGroups, false).await;
    let groups = r.run.unwrap();
    assert!(!groups.pairs.is_empty());
    let mut seen = BTreeSet::new();
    for p in &groups.pairs {
        assert!((3..=8).contains(&p.members.len()), "{p:?}");
        assert!(p.cohesion_pct.is_some());
        for m in &p.members {
            assert!(seen.insert((m.clone(), p.subject.clone())), "{m} twice");
        }
    }
    let export = peerlift_match::ExportedProblem::from_json(r.problem_json.as_bytes()).unwrap();
    assert_eq!(export.kind, "teacher_groups");
    assert!(export.check().unwrap().proven_optimal);
    approve(&s, &groups.id).await.unwrap();
    let active_groups = active(&s, pb::MatchKind::TeacherGroups).await;
    assert_eq!(active_groups.len(), groups.pairs.len());
    assert!(active_groups.iter().all(|m| m.members.len() >= 3));

    // Distributed network: a partner per (school, subject), platform capacity respected.
    let r = run(&s, pb::MatchKind::SchoolDirections, false).await;
    let dist = r.run.unwrap();
    let mut per_platform: BTreeMap<(String, String), u32> = BTreeMap::new();
    let mut partners_of: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in &dist.pairs {
        assert!(!p.subject.is_empty());
        *per_platform
            .entry((p.mentor_id.clone(), p.subject.clone()))
            .or_default() += 1;
        partners_of
            .entry(p.mentee_id.clone())
            .or_default()
            .insert(p.mentor_id.clone());
    }
    // The example's leaders list no platforms: the default is 2 places per subject.
    assert!(per_platform.values().all(|n| *n <= 2), "{per_platform:?}");
    assert!(
        partners_of.values().any(|l| l.len() >= 2),
        "some school gets several specialised partners"
    );
    approve(&s, &dist.id).await.unwrap();
    assert_eq!(
        active(&s, pb::MatchKind::SchoolDirections).await.len(),
        dist.pairs.len()
    );

    // School groups: leaders with several schools of similar needs.
    let sg = run(&s, pb::MatchKind::SchoolGroups, false)
        .await
        .run
        .unwrap();
    assert!(!sg.pairs.is_empty());
    for p in &sg.pairs {
        assert!((2..=3).contains(&p.members.len()), "{p:?}");
        assert!(!p.type_reason.is_empty());
    }
    approve(&s, &sg.id).await.unwrap();

    // The network shows all of it; group members count as mentored; the picture renders.
    let net = peerlift::network_cli::fetch(s.conn(), "kirovsky".into())
        .await
        .unwrap();
    let stats = net.stats.clone().unwrap();
    let grouped: usize = groups.pairs.iter().map(|p| p.members.len()).sum();
    assert_eq!(stats.ab_covered as usize, grouped);
    assert_eq!(stats.isolated_schools.len(), 0);
    let dot = peerlift::network_cli::dot(&net);
    let mut child = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("Graphviz `dot` is needed (apt-get install graphviz)");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dot.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    s.stop().await;
}

#[tokio::test]
async fn a_region_run_pairs_across_municipalities_online_and_approves_into_each() {
    use peerlift::synth::{self, Scale};
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    // Two municipalities of a generated region, imported as an office would.
    let mut ids = Vec::new();
    for m in 0..2 {
        let data = synth::municipality(Scale::Region, 5, 0, m);
        let out = dir.path().join(format!("m{m}"));
        peerlift::gen::write_dataset(&data, &out).unwrap();
        let files: Vec<ImportFile> = [
            (pb::ImportFileKind::Municipality, "municipality.csv"),
            (pb::ImportFileKind::Schools, "schools.csv"),
            (pb::ImportFileKind::Teachers, "teachers.csv"),
            (pb::ImportFileKind::MentorProfiles, "mentor_profiles.csv"),
            (pb::ImportFileKind::Diagnostics, "diagnostics.csv"),
        ]
        .into_iter()
        .map(|(k, n)| (k, n.to_string(), std::fs::read(out.join(n)).unwrap()))
        .collect();
        let report = import_files(&s, &data.municipality.id, true, false, files)
            .await
            .unwrap();
        assert!(report.committed, "{:?}", report.errors);
        ids.push(data.municipality.id.clone());
    }
    let mut c = s.matching();
    let run = c
        .run_matching(pb::RunMatchingRequest {
            region: "region-00".into(),
            kind: pb::MatchKind::TeacherPairs as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .run
        .unwrap();
    assert_eq!(run.municipality_id, "region:region-00");
    let muni_of = |t: &str| {
        ids.iter()
            .find(|m| t.starts_with(m.as_str()))
            .unwrap()
            .clone()
    };
    let mut cross = 0;
    for p in &run.pairs {
        assert_eq!(p.municipality_id, muni_of(&p.mentee_id));
        if muni_of(&p.mentee_id) != muni_of(&p.mentor_id) {
            cross += 1;
            assert_eq!(p.mode, pb::Mode::Online as i32, "{p:?}");
        }
    }
    assert!(cross > 0, "some pairs cross the municipalities");
    let approved = c
        .approve_match_run(pb::ApproveMatchRunRequest {
            municipality_id: "region:region-00".into(),
            run_id: run.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(approved.created.len(), run.pairs.len());
    // Each mentorship lives in its mentee's municipality.
    let mut total = 0;
    for m in &ids {
        let list = s
            .mentorships()
            .list_mentorships(pb::ListMentorshipsRequest {
                municipality_id: m.clone(),
                page_size: 1000,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .mentorships;
        assert!(list.iter().all(|x| x.mentee_id.starts_with(m.as_str())));
        total += list.len();
    }
    assert_eq!(total, run.pairs.len());
    // The next region run sees every pair, across municipalities too: all kept, none ended.
    let again = c
        .run_matching(pb::RunMatchingRequest {
            region: "region-00".into(),
            kind: pb::MatchKind::TeacherPairs as i32,
            dry_run: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .run
        .unwrap();
    let diff = again.diff.unwrap();
    assert!(diff.ended.is_empty(), "{:?}", diff.ended.first());
    assert_eq!(diff.kept.len(), run.pairs.len());
    let err = c
        .approve_match_run(pb::ApproveMatchRunRequest {
            municipality_id: "region:region-00".into(),
            run_id: run.id,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    s.stop().await;
}

#[tokio::test]
async fn a_retried_run_with_its_request_id_is_answered_without_a_second_run() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    import_files(&s, "kirovsky", true, false, example_files())
        .await
        .unwrap();
    let req = pb::RunMatchingRequest {
        municipality_id: "kirovsky".into(),
        kind: pb::MatchKind::SchoolPartnerships as i32,
        request_id: "nightly-2026-11-23".into(),
        ..Default::default()
    };
    let a = s
        .matching()
        .run_matching(req.clone())
        .await
        .unwrap()
        .into_inner();
    let b = s
        .matching()
        .run_matching(req.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(a.run.clone().unwrap().id, b.run.unwrap().id);
    let runs = s
        .matching()
        .list_match_runs(pb::ListMatchRunsRequest {
            municipality_id: "kirovsky".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .runs;
    assert_eq!(runs.len(), 1);
    let mut other = req;
    other.kind = pb::MatchKind::TeacherPairs as i32;
    let err = s.matching().run_matching(other).await.unwrap_err();
    assert_eq!(bad_fields(&err), ["request_id"]);
    s.stop().await;
}
