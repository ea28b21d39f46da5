//! Issue 16, management teams (seed 002, Krymsk): seven internship platforms, one per system
//! direction, fixed to Kirovsky's three leader schools; the directors and deputies of the other
//! schools diagnosed; a run of MATCH_KIND_MANAGEMENT_PLATFORMS matches each team's
//! difficulties to platforms of the same direction at another school, within the platforms'
//! places, severe difficulties first, every pair and every unmatched difficulty explained;
//! approved, the internships are mentorships like any other.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use common::*;
use peerlift_api::pb;
use peerlift_api::pb::platform_service_client::PlatformServiceClient;
use tonic::Code;

const M: &str = "kirovsky";

/// The seven system directions of seed 002 and the leader that runs each platform.
const PLATFORMS: [(&str, &str, u32); 7] = [
    ("sys_learning_quality", "shlisselburg-sosh-1", 2),
    ("sys_low_results", "kirovsk-sosh-2", 2),
    ("sys_talents", "shlisselburg-sosh-1", 1),
    ("sys_career_guidance", "priladozhsky-sosh", 2),
    ("sys_leadership", "kirovsk-sosh-2", 1),
    ("sys_staff_development", "priladozhsky-sosh", 2),
    ("sys_upbringing", "shlisselburg-sosh-1", 2),
];

const TEAMS: [&str; 6] = [
    "putilovo-oosh",
    "shum-sosh",
    "nazia-sosh",
    "sinyavino-sosh",
    "otradnoe-sosh-3",
    "sukhovo-oosh",
];

/// A deterministic share for (school, person, direction): the lower half are difficulties.
fn share(school: usize, person: usize, direction: usize) -> f64 {
    let x = (school * 7 + person * 3 + direction * 5) % 10;
    0.05 + 0.1 * x as f64
}

#[tokio::test]
async fn seven_platforms_take_the_management_teams_they_fit() {
    let dir = tempfile::tempdir().unwrap();
    let s = kirovsky_server(dir.path()).await;
    for (i, (direction, school, capacity)) in PLATFORMS.iter().enumerate() {
        let id = format!("platform-{}", i + 1);
        let cap = capacity.to_string();
        let (code, out, err) = cli(&[
            "platforms",
            "add",
            &id,
            "-m",
            M,
            "--school",
            school,
            "--direction",
            direction,
            "--name",
            "Стажировочная площадка",
            "--capacity",
            &cap,
            "--order-number",
            "512",
            "--order-date",
            "2022-09-01",
            "--school-year",
            "2022-2023",
            "--addr",
            &s.addr,
        ])
        .await;
        assert_eq!(code, 0, "{out}{err}");
    }
    // A platform at a school that is not a leader, or a second one on the same direction at
    // the same school: refused, naming the field.
    let mut platforms = PlatformServiceClient::new(s.channel.clone());
    for (school, direction, field) in [
        ("putilovo-oosh", "sys_talents", "platform.school_id"),
        ("kirovsk-sosh-2", "sys_low_results", "platform.direction"),
    ] {
        let e = platforms
            .create_platform(pb::CreatePlatformRequest {
                municipality_id: M.into(),
                platform: Some(pb::Platform {
                    id: "bad".into(),
                    school_id: school.into(),
                    direction: direction.into(),
                    name: "x".into(),
                    capacity: 1,
                    ..Default::default()
                }),
                request_id: String::new(),
            })
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument, "{e:?}");
        assert_eq!(bad_fields(&e), [field], "{e:?}");
    }

    // Each team's director (t001) and deputy (t002) diagnosed on every direction.
    for (si, school) in TEAMS.iter().enumerate() {
        for (pi, person) in ["t001", "t002"].iter().enumerate() {
            let scores: BTreeMap<String, f64> = PLATFORMS
                .iter()
                .enumerate()
                .map(|(di, (d, _, _))| (d.to_string(), share(si, pi, di)))
                .collect();
            platforms
                .record_management_diagnostic(pb::RecordManagementDiagnosticRequest {
                    municipality_id: M.into(),
                    diagnostic: Some(pb::ManagementDiagnostic {
                        school_id: school.to_string(),
                        teacher_id: format!("{school}-{person}"),
                        date: "2022-10-14".into(),
                        scores,
                        source: "Krymsk-like management diagnostics".into(),
                        ..Default::default()
                    }),
                    request_id: String::new(),
                })
                .await
                .unwrap();
        }
    }
    // A teacher is not diagnosed as an administrator.
    let e = platforms
        .record_management_diagnostic(pb::RecordManagementDiagnosticRequest {
            municipality_id: M.into(),
            diagnostic: Some(pb::ManagementDiagnostic {
                school_id: "shum-sosh".into(),
                teacher_id: "shum-sosh-t005".into(),
                date: "2022-10-14".into(),
                scores: [("sys_talents".to_string(), 0.2)].into_iter().collect(),
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&e), ["diagnostic.teacher_id"], "{e:?}");

    // The difficulties each team has: the lowest share of its two administrators, below half.
    let mut difficulties: Vec<(String, String, f64)> = Vec::new();
    for (si, school) in TEAMS.iter().enumerate() {
        let team = platforms
            .list_management_diagnostics(pb::ListManagementDiagnosticsRequest {
                municipality_id: M.into(),
                school_id: school.to_string(),
            })
            .await
            .unwrap()
            .into_inner();
        let expected: Vec<(String, f64)> = PLATFORMS
            .iter()
            .enumerate()
            .map(|(di, (d, _, _))| (d.to_string(), share(si, 0, di).min(share(si, 1, di))))
            .filter(|(_, x)| *x < 0.5)
            .collect();
        let mut got: Vec<(String, f64)> = team
            .difficulties
            .iter()
            .map(|d| (d.direction.clone(), d.share))
            .collect();
        got.sort_by(|a, b| a.0.cmp(&b.0));
        let mut want = expected.clone();
        want.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(got.len(), want.len(), "{school}");
        for ((a, x), (b, y)) in got.iter().zip(&want) {
            assert_eq!(a, b);
            assert!((x - y).abs() < 1e-9);
        }
        difficulties.extend(
            expected
                .into_iter()
                .map(|(d, x)| (school.to_string(), d, x)),
        );
    }
    assert!(difficulties.len() > 12, "{difficulties:?}");

    // The run, from the command line, explained.
    let (code, out, err) = cli(&[
        "match",
        "-m",
        M,
        "--kind",
        "platforms",
        "--explain",
        "--addr",
        &s.addr,
    ])
    .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("management team's difficulty"), "{out}");
    let run = s
        .matching()
        .list_match_runs(pb::ListMatchRunsRequest {
            municipality_id: M.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .runs
        .into_iter()
        .find(|r| r.kind == pb::MatchKind::ManagementPlatforms as i32)
        .expect("the run is stored");
    let run = s
        .matching()
        .get_match_run(pb::GetMatchRunRequest {
            municipality_id: M.into(),
            run_id: run.id,
        })
        .await
        .unwrap()
        .into_inner();
    let cert = run.certificate.clone().unwrap();
    assert!(cert.optimal, "{cert:?}");
    // Every pair: a difficulty of the team, a platform of that direction at another school,
    // no platform over its places.
    let mut load: BTreeMap<(String, String), u32> = BTreeMap::new();
    for p in &run.pairs {
        assert!(
            difficulties
                .iter()
                .any(|(sc, d, _)| *sc == p.mentee_id && *d == p.subject),
            "{p:?}"
        );
        let platform = PLATFORMS
            .iter()
            .find(|(d, school, _)| *d == p.subject && *school == p.mentor_id)
            .unwrap_or_else(|| panic!("no platform for {p:?}"));
        *load
            .entry((p.mentor_id.clone(), p.subject.clone()))
            .or_default() += 1;
        assert!(load[&(p.mentor_id.clone(), p.subject.clone())] <= platform.2);
        assert!(!p.terms.is_empty());
    }
    // With 12 places and more difficulties, every place is taken, and every difficulty not
    // matched says why.
    let places: u32 = PLATFORMS.iter().map(|x| x.2).sum();
    assert_eq!(
        run.pairs.len() as u32,
        places.min(difficulties.len() as u32)
    );
    assert_eq!(
        run.pairs.len() + run.unmatched.len(),
        difficulties.len(),
        "{:?}",
        run.unmatched
    );
    // Severe difficulties (below a quarter) come first: none is left out while a milder one
    // of the same direction has a place.
    for u in &run.unmatched {
        let (_, _, x) = difficulties
            .iter()
            .find(|(sc, d, _)| *sc == u.mentee_id && *d == u.subject)
            .unwrap();
        if *x < 0.25 {
            for p in run.pairs.iter().filter(|p| p.subject == u.subject) {
                let (_, _, y) = difficulties
                    .iter()
                    .find(|(sc, d, _)| *sc == p.mentee_id && *d == p.subject)
                    .unwrap();
                assert!(*y < 0.25, "{u:?} left out for a milder {p:?}");
            }
        }
    }
    // Approved: internships are mentorships, and a second run keeps them all.
    s.matching()
        .approve_match_run(pb::ApproveMatchRunRequest {
            municipality_id: M.into(),
            run_id: run.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    let active = s
        .mentorships()
        .list_mentorships(pb::ListMentorshipsRequest {
            municipality_id: M.into(),
            kind: pb::MatchKind::ManagementPlatforms as i32,
            status: pb::MentorshipStatus::Active as i32,
            page_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .mentorships;
    assert_eq!(active.len(), run.pairs.len());
    let again = s
        .matching()
        .run_matching(pb::RunMatchingRequest {
            municipality_id: M.into(),
            kind: pb::MatchKind::ManagementPlatforms as i32,
            dry_run: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .run
        .unwrap();
    assert_eq!(again.kept_count as usize, active.len(), "{:?}", again.diff);
    // The team's view from the command line, in Russian.
    let (code, out, err) = cli_in(
        &[("LANG", "ru_RU.UTF-8")],
        &[
            "platforms",
            "team",
            "putilovo-oosh",
            "-m",
            M,
            "--addr",
            &s.addr,
        ],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Система"), "{out}");
    s.stop().await;
}
