//! A region end to end, as an office would work it: a generated region directory imported
//! with the CLI (each municipality its own), the region matched with the whole problem
//! exported, every page of the run read through the API, the exported file checked on its own
//! and against the hard rules (no arc they allow is missing, none they forbid is there), the
//! run approved, and a second run's diff read by filter.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;

use common::*;
use peerlift::synth::{self, Scale};
use peerlift_api::pb;
use peerlift_domain::{Level, Mode};

const MUNICIPALITIES: usize = 3;
const SCOPE: &str = "region:region-00";

/// The CLI against the test server: (exit code, stdout, stderr).
async fn cli(s: &TestServer, args: &[&str]) -> (i32, String, String) {
    cli_in(s, args, None).await
}

/// ... with PEERLIFT_MUNICIPALITY set (as for everyday commands) or not.
async fn cli_in(
    s: &TestServer,
    args: &[&str],
    municipality: Option<&str>,
) -> (i32, String, String) {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_peerlift"));
    cmd.args(args).env("PEERLIFT_ADDR", &s.addr);
    match municipality {
        Some(m) => cmd.env("PEERLIFT_MUNICIPALITY", m),
        None => cmd.env_remove("PEERLIFT_MUNICIPALITY"),
    };
    let out = cmd.output().await.unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every arc the hard rules allow, counted from the generated data alone (independently of the
/// matcher): a demand is an A/B diagnostic; a mentor offers the subject in their profile and
/// is not A/B in it themselves; in person within one municipality and 40 km when the mentor
/// offers it, online when the mentor offers it and the mentee accepts it.
fn allowed_arcs(sets: &[peerlift::gen::Dataset]) -> BTreeSet<(String, String)> {
    let mut schools = HashMap::new();
    let mut teachers = HashMap::new();
    let mut level = HashMap::new();
    let mut profiles = Vec::new();
    for d in sets {
        for (s, _) in &d.schools {
            schools.insert(s.id.clone(), s.clone());
        }
        for t in &d.teachers {
            teachers.insert(t.id.clone(), t.clone());
        }
        for x in &d.diagnostics {
            level.insert((x.teacher_id.clone(), x.subject.clone()), x.level);
        }
        profiles.extend(d.profiles.iter().cloned());
    }
    let km = |a: &str, b: &str| -> f64 {
        let (p, q) = (schools[a].location.unwrap(), schools[b].location.unwrap());
        peerlift_match::graph::distance_km((p.lat, p.lon), (q.lat, q.lon))
    };
    let mut out = BTreeSet::new();
    for ((mentee, subject), lvl) in &level {
        if !matches!(lvl, Level::A | Level::B) {
            continue;
        }
        let e = &teachers[mentee];
        for p in &profiles {
            let m = &teachers[&p.teacher_id];
            if m.id == e.id || !p.subjects.contains(subject) || p.capacity == 0 {
                continue;
            }
            if matches!(
                level.get(&(m.id.clone(), subject.clone())),
                Some(Level::A | Level::B)
            ) {
                continue;
            }
            let same_muni =
                schools[&e.school_id].municipality_id == schools[&m.school_id].municipality_id;
            let in_person = p.modes.contains(&Mode::InPerson)
                && same_muni
                && (e.school_id == m.school_id || km(&e.school_id, &m.school_id) <= 40.0);
            let online = p.modes.contains(&Mode::Online) && e.accepts_online;
            if in_person || online {
                out.insert((format!("{mentee}/{subject}"), m.id.clone()));
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_region_from_the_cli_to_every_page_of_its_run() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("region");
    synth::write_first(Scale::Region, 7, &csv, MUNICIPALITIES).unwrap();
    let s = TestServer::start_in(&dir.path().join("data")).await;

    // Loose files of two municipalities cannot be told apart: refused, nothing written.
    let before = s.snapshot();
    let mut loose: Vec<String> = Vec::new();
    for m in ["r00-m00", "r00-m01"] {
        for f in ["municipality.csv", "schools.csv"] {
            loose.push(csv.join(m).join(f).display().to_string());
        }
    }
    let mut args = vec!["import"];
    args.extend(loose.iter().map(String::as_str));
    let (code, _, err) = cli(&s, &args).await;
    assert_ne!(code, 0);
    assert!(err.contains("belong to 2 municipalities"), "{err}");
    assert!(err.contains("pass their directories"), "{err}");
    assert_eq!(s.snapshot(), before);
    // Files of one kind from several municipality directories, even named for one
    // municipality, are refused too.
    let teachers: Vec<String> = ["r00-m00", "r00-m01"]
        .iter()
        .map(|m| csv.join(m).join("teachers.csv").display().to_string())
        .collect();
    let (code, _, err) = cli(&s, &["import", "-m", "r00-m00", &teachers[0], &teachers[1]]).await;
    assert_ne!(code, 0);
    assert!(err.contains("belong to 2 municipalities"), "{err}");
    // -m for a whole region names one municipality for many: refused.
    let (code, _, err) = cli(&s, &["import", "-m", "r00-m00", csv.to_str().unwrap()]).await;
    assert_ne!(code, 0);
    assert!(err.contains("leave --municipality out"), "{err}");
    assert_eq!(s.snapshot(), before);

    // The region directory: each municipality imported as its own, one summary row each (with
    // PEERLIFT_MUNICIPALITY set for everyday commands, which does not name them all).
    let (code, out, err) = cli_in(&s, &["import", csv.to_str().unwrap()], Some("r00-m00")).await;
    assert_eq!(code, 0, "{out}\n{err}");
    for m in 0..MUNICIPALITIES {
        let id = format!("r00-m{m:02}");
        let row = out
            .lines()
            .find(|l| l.starts_with(&id))
            .unwrap_or_else(|| panic!("{out}"));
        assert!(row.contains("written"), "{row}");
    }
    assert!(out.contains(&format!("total ({MUNICIPALITIES})")), "{out}");
    let sets: Vec<_> = (0..MUNICIPALITIES)
        .map(|m| synth::municipality(Scale::Region, 7, 0, m))
        .collect();
    for d in &sets {
        let n = s
            .store
            .scan::<peerlift_domain::Teacher>(&peerlift_store::prefix(&[&d.municipality.id]), None)
            .count();
        assert_eq!(n, d.teachers.len(), "{}", d.municipality.id);
    }

    // Match the region from the CLI, exporting the whole problem (gzipped).
    let file = dir.path().join("problem.json.gz");
    let (code, out, err) = cli(
        &s,
        &[
            "match",
            "--region",
            "region-00",
            "--export-problem",
            file.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.starts_with("run run-"),
        "the summary comes first:\n{out}"
    );
    assert!(out.contains("every arc the hard rules allow"), "{out}");
    assert!(out.contains("optimal: the pairs weigh the most"), "{out}");
    let run_id = out.split_whitespace().nth(1).unwrap().to_string();

    let mut c = s.matching();
    let run = c
        .get_match_run(pb::GetMatchRunRequest {
            municipality_id: SCOPE.into(),
            run_id: run_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let cert = run.certificate.clone().unwrap();
    assert!(cert.optimal, "{}", cert.statement);
    assert_eq!(cert.dual_bound, cert.solver_objective);
    let size = run.size.unwrap();
    assert_eq!(size.pruned_arcs, 0);
    assert!(run.pair_count > 100, "{}", run.pair_count);

    // Every page of the pairs, 97 at a time: each pair once, in index order, as many as the run
    // has; the first page is what GetMatchRun carried inline.
    let mut pairs = Vec::new();
    let mut token = String::new();
    loop {
        let page = c
            .list_match_run_pairs(pb::ListMatchRunPairsRequest {
                municipality_id: SCOPE.into(),
                run_id: run_id.clone(),
                page_size: 97,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(page.total_size, run.pair_count);
        assert!(page.pairs.len() <= 97);
        pairs.extend(page.pairs);
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(pairs.len() as u64, run.pair_count);
    for (i, p) in pairs.iter().enumerate() {
        assert_eq!(p.index as usize, i);
    }
    assert_eq!(&pairs[..run.pairs.len()], &run.pairs[..]);
    // A token is refused by another filter.
    let first = c
        .list_match_run_pairs(pb::ListMatchRunPairsRequest {
            municipality_id: SCOPE.into(),
            run_id: run_id.clone(),
            page_size: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let err = c
        .list_match_run_pairs(pb::ListMatchRunPairsRequest {
            municipality_id: SCOPE.into(),
            run_id: run_id.clone(),
            page_size: 10,
            page_token: first.next_page_token,
            subject: "mathematics".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);

    // Filters: one municipality's mentees, one school, one subject and level.
    let filtered = |muni: &str, school: &str, subject: &str, level: i32| {
        let mut c = c.clone();
        let (muni, school, subject) = (muni.to_string(), school.to_string(), subject.to_string());
        let run_id = run_id.clone();
        async move {
            let mut got = Vec::new();
            let mut token = String::new();
            loop {
                let page = c
                    .list_match_run_pairs(pb::ListMatchRunPairsRequest {
                        municipality_id: SCOPE.into(),
                        run_id: run_id.clone(),
                        page_size: 1000,
                        page_token: token.clone(),
                        mentee_municipality_id: muni.clone(),
                        school_id: school.clone(),
                        subject: subject.clone(),
                        level,
                    })
                    .await
                    .unwrap()
                    .into_inner();
                got.extend(page.pairs);
                if page.next_page_token.is_empty() {
                    return got;
                }
                token = page.next_page_token;
            }
        }
    };
    let m1 = filtered("r00-m01", "", "", 0).await;
    assert_eq!(
        m1.len(),
        pairs
            .iter()
            .filter(|p| p.municipality_id == "r00-m01")
            .count()
    );
    assert!(!m1.is_empty());
    let school = pairs[0].mentee_school_id.clone();
    let at_school = filtered("", &school, "", 0).await;
    assert_eq!(
        at_school.len(),
        pairs
            .iter()
            .filter(|p| p.mentee_school_id == school || p.mentor_school_id == school)
            .count()
    );
    let a_maths = filtered("", "", "mathematics", pb::Level::A as i32).await;
    assert_eq!(
        a_maths.len(),
        pairs
            .iter()
            .filter(|p| p.subject == "mathematics" && p.level == pb::Level::A as i32)
            .count()
    );

    // Every unmatched demand, paged, with a reason; filtered by school.
    let mut unmatched = Vec::new();
    let mut token = String::new();
    loop {
        let page = c
            .list_match_run_unmatched(pb::ListMatchRunUnmatchedRequest {
                municipality_id: SCOPE.into(),
                run_id: run_id.clone(),
                page_size: 500,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        unmatched.extend(page.unmatched);
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(unmatched.len() as u64, run.unmatched_count);
    for u in &unmatched {
        assert!(
            !u.no_candidate_reason.is_empty() || !u.outbid_by.is_empty(),
            "{u:?}"
        );
        assert!(u.school_id.starts_with(&u.municipality_id), "{u:?}");
    }

    // The exported file: the whole problem, checked alone and against the hard rules.
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&file).unwrap())
        .read_to_end(&mut text)
        .unwrap();
    let export = peerlift_match::ExportedProblem::from_json(&text).unwrap();
    let report = export.check().unwrap();
    assert!(report.proven_optimal);
    assert_eq!(export.objective, cert.solver_objective);
    assert_eq!(export.arcs.len() as u64, size.arcs);
    assert_eq!(export.assignment.len(), pairs.len());
    let in_file: BTreeSet<(String, String)> = export
        .arcs
        .iter()
        .map(|&(d, s, _)| {
            (
                export.demands[d as usize].id.clone(),
                export.suppliers[s as usize].id.clone(),
            )
        })
        .collect();
    let rules = allowed_arcs(&sets);
    let missing: Vec<_> = rules.difference(&in_file).take(5).collect();
    let extra: Vec<_> = in_file.difference(&rules).take(5).collect();
    assert!(
        missing.is_empty(),
        "arcs the rules allow are missing: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "arcs the rules forbid are there: {extra:?}"
    );
    // The CLI's own check says the same.
    let (code, out, err) = cli(&s, &["problem", "check", file.to_str().unwrap()]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("optimal"), "{out}");

    // `peerlift runs` shows it: the summary, then every page of a filter.
    let (code, out, err) = cli(
        &s,
        &[
            "runs",
            "-m",
            SCOPE,
            &run_id,
            "--mentees-in",
            "r00-m02",
            "--page-size",
            "50",
            "--all",
        ],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with(&format!("run {run_id}")), "{out}");
    let m2 = pairs
        .iter()
        .filter(|p| p.municipality_id == "r00-m02")
        .count();
    let shown = out
        .lines()
        .filter(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|w| w.starts_with("r00-m02-"))
        })
        .count();
    assert_eq!(shown, m2, "{out}");

    // Approve from the CLI; then a second run keeps every pair, and its diff reads by filter.
    let (code, out, err) = cli(&s, &["approve", "-m", SCOPE, &run_id]).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("{} mentorships created", pairs.len())),
        "{out}"
    );
    let again = c
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
    assert_eq!(again.kept_count, run.pair_count);
    assert_eq!(again.added_count, 0);
    let mut kept_by_muni: BTreeMap<String, u64> = BTreeMap::new();
    for p in &pairs {
        *kept_by_muni.entry(p.municipality_id.clone()).or_default() += 1;
    }
    for (muni, n) in kept_by_muni {
        let page = c
            .list_match_run_changes(pb::ListMatchRunChangesRequest {
                municipality_id: SCOPE.into(),
                run_id: again.id.clone(),
                page_size: 1000,
                change: pb::run_change::Change::Kept as i32,
                mentee_municipality_id: muni.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(page.total_size, n, "{muni}");
    }
    s.stop().await;
}
