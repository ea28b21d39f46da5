//! Behaviour of teacher-pair and school matching on small hand-built and random scopes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use peerlift_text::english;
use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use jiff::Timestamp;
use peerlift_domain::*;
use peerlift_match::{ExportedProblem, Snapshot};
/// Runs with the whole problem kept, as `--export-problem` does.
fn run(
    kind: MatchKind,
    s: &Snapshot,
    w: &Weights,
    p: &Policy,
) -> Result<peerlift_match::MatchOutcome, peerlift_match::MatchError> {
    peerlift_match::run_with(
        kind,
        s,
        w,
        p,
        peerlift_match::RunOptions { keep_problem: true },
    )
}

/// The run's problem file, written and read back.
fn export(out: &peerlift_match::MatchOutcome) -> ExportedProblem {
    let mut buf = Vec::new();
    out.problem.as_ref().unwrap().write_json(&mut buf).unwrap();
    ExportedProblem::from_json(&buf).unwrap()
}

/// The file's own claims hold and its duals prove the assignment optimal.
fn check(out: &peerlift_match::MatchOutcome) -> ExportedProblem {
    let e = export(out);
    let r = e.check().unwrap();
    assert!(r.proven_optimal);
    e
}

use proptest::prelude::*;

fn meta() -> Meta {
    Meta::new(Timestamp::UNIX_EPOCH)
}

fn school(id: &str, status: SchoolStatus, lat: f64, lon: f64) -> School {
    School {
        municipality_id: "m".into(),
        id: id.into(),
        name: id.into(),
        kind: SchoolKind::Secondary,
        status,
        flags: BTreeSet::new(),
        programme_tags: BTreeSet::new(),
        locality: id.into(),
        location: Some(GeoPoint { lat, lon }),
        risk_profile: RiskProfile::default(),
        partner_capacity: None,
        platforms: BTreeMap::new(),
        status_history: vec![],
        meta: meta(),
    }
}

fn teacher(id: &str, school: &str) -> Teacher {
    Teacher {
        municipality_id: "m".into(),
        id: id.into(),
        school_id: school.into(),
        full_name: id.into(),
        subjects: vec!["mathematics".into()],
        active: true,
        accepts_online: true,
        position: Default::default(),
        meta: meta(),
    }
}

fn diag(teacher: &str, level: Level) -> Diagnostic {
    Diagnostic {
        municipality_id: "m".into(),
        id: format!("{teacher}.mathematics"),
        teacher_id: teacher.into(),
        subject: "mathematics".into(),
        date: Date::constant(2023, 1, 1),
        level,
        scores: BTreeMap::new(),
        source: String::new(),
        meta: meta(),
    }
}

fn profile(teacher: &str, capacity: u32, modes: &[Mode]) -> MentorProfile {
    MentorProfile {
        municipality_id: "m".into(),
        teacher_id: teacher.into(),
        subjects: vec!["mathematics".into()],
        directions: vec![],
        capacity,
        modes: modes.iter().copied().collect(),
        availability: vec![],
        meta: meta(),
    }
}

fn pair(mentee: &str, mentor: &str, locked: bool) -> Mentorship {
    Mentorship {
        municipality_id: "m".into(),
        id: format!("{mentee}-{mentor}"),
        kind: MatchKind::TeacherPairs,
        mentee_id: mentee.into(),
        mentor_id: mentor.into(),
        mentor_municipality_id: String::new(),
        subject: "mathematics".into(),
        mode: Mode::InPerson,
        partnership_type: None,
        locked,
        status: MentorshipStatus::Active,
        started_on: Date::constant(2022, 9, 1),
        ended_on: None,
        end_reason: Default::default(),
        origin: Origin::Manual("test".into()),
        score: 0,
        members: vec![],
        charter: Default::default(),
        meta: meta(),
    }
}

/// Two nearby schools and one 200 km away.
fn base() -> Snapshot {
    Snapshot {
        schools: vec![
            school("low", SchoolStatus::LowResults, 59.85, 31.38),
            school("lead", SchoolStatus::Leader, 59.88, 31.40),
            school("far", SchoolStatus::Leader, 61.5, 34.0),
        ],
        ..Snapshot::default()
    }
}

#[test]
fn hard_rules_hold_and_reasons_are_given() {
    let mut s = base();
    for (t, sc, l) in [
        ("e1", "low", Level::A),
        ("e2", "low", Level::B),
        ("e3", "low", Level::B),
        ("self", "low", Level::A),
        ("m1", "lead", Level::D),
        ("m2", "far", Level::D),
        ("m3", "lead", Level::B),
    ] {
        s.teachers.push(teacher(t, sc));
        s.diagnostics.push(diag(t, l));
    }
    s.profiles.push(profile("m1", 1, &[Mode::InPerson]));
    s.profiles.push(profile("m2", 5, &[Mode::InPerson])); // too far, no online
    s.profiles
        .push(profile("m3", 5, &[Mode::InPerson, Mode::Online])); // deficient itself
    s.profiles
        .push(profile("self", 2, &[Mode::InPerson, Mode::Online])); // level A: no
    let out = run(
        MatchKind::TeacherPairs,
        &s,
        &Weights::default(),
        &Policy::default(),
    )
    .unwrap();
    // Only m1 is a candidate, with room for one: the A-level demand gets it.
    assert_eq!(out.pairs.len(), 1);
    assert_eq!(
        (
            out.pairs[0].mentee_id.as_str(),
            out.pairs[0].mentor_id.as_str()
        ),
        ("e1", "m1")
    );
    let why: BTreeMap<&str, &UnmatchedReason> = out
        .unmatched
        .iter()
        .map(|u| (u.mentee_id.as_str(), &u.reason))
        .collect();
    match why["e2"] {
        UnmatchedReason::Outbid(by) => {
            assert_eq!(by[0].mentor_id, "m1");
            assert_eq!(by[0].taken_by[0].0, "e1");
        }
        other => panic!("{other:?}"),
    }
    match why["self"] {
        UnmatchedReason::NoCandidate(text) => {
            let text = english(text);
            assert!(text.contains("too far"), "{text}")
        }
        UnmatchedReason::Outbid(b) => assert_eq!(b[0].mentor_id, "m1"),
    }
    check(&out);
}

#[test]
fn locks_are_kept_vetoes_excluded_and_the_diff_explained() {
    let mut s = base();
    for (t, sc, l) in [
        ("e1", "low", Level::A),
        ("e2", "low", Level::A),
        ("e3", "low", Level::C), // deficit closed since the pair began
        ("m1", "lead", Level::D),
        ("m2", "lead", Level::D),
    ] {
        s.teachers.push(teacher(t, sc));
        s.diagnostics.push(diag(t, l));
    }
    s.profiles.push(profile("m1", 2, &[Mode::InPerson]));
    s.profiles.push(profile("m2", 1, &[Mode::InPerson]));
    s.mentorships.push(pair("e1", "m2", true)); // locked: m2 is full
    s.mentorships.push(pair("e3", "m1", false));
    s.vetoes.push(Veto {
        municipality_id: "m".into(),
        kind: MatchKind::TeacherPairs,
        mentee_id: "e2".into(),
        mentor_id: "m1".into(),
        reason: "conflict".into(),
        meta: meta(),
    });
    let out = run(
        MatchKind::TeacherPairs,
        &s,
        &Weights::default(),
        &Policy::default(),
    )
    .unwrap();
    let pairs: Vec<(&str, &str, bool)> = out
        .pairs
        .iter()
        .map(|p| (p.mentee_id.as_str(), p.mentor_id.as_str(), p.locked))
        .collect();
    assert_eq!(pairs, [("e1", "m2", true)]);
    assert_eq!(out.size.locked, 1);
    assert_eq!(out.diff.kept, ["e1-m2"]);
    assert_eq!(out.diff.ended.len(), 1);
    assert!(
        english(&out.diff.ended[0].reason).contains("deficit closed"),
        "{:?}",
        out.diff.ended
    );
    let e2 = out.unmatched.iter().find(|u| u.mentee_id == "e2").unwrap();
    match &e2.reason {
        UnmatchedReason::NoCandidate(t) => {
            let t = english(t);
            assert!(t.contains("vetoed"), "{t}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn school_partnerships_follow_needs_capacity_and_type() {
    let mut s = base();
    s.schools
        .push(school("low2", SchoolStatus::AtRisk, 59.851, 31.381));
    s.schools[3].locality = "low".into(); // same locality as "low"
    s.schools
        .push(school("lead2", SchoolStatus::Leader, 59.851, 31.382));
    s.schools[4].locality = "low".into();
    s.schools[1].partner_capacity = Some(1);
    for (t, sc, l) in [
        ("a", "low", Level::A),
        ("b", "low2", Level::B),
        ("c", "lead", Level::D),
        ("d", "lead2", Level::D),
    ] {
        s.teachers.push(teacher(t, sc));
        s.diagnostics.push(diag(t, l));
    }
    let out = run(
        MatchKind::SchoolPartnerships,
        &s,
        &Weights::default(),
        &Policy::default(),
    )
    .unwrap();
    assert_eq!(out.pairs.len(), 2);
    for p in &out.pairs {
        if p.mentor_id == "lead2" {
            assert_eq!(
                p.partnership_type,
                Some(PartnershipType::Identical),
                "{p:?}"
            );
        }
        assert!(
            p.mentor_id != "far",
            "the far leader is never better: {p:?}"
        );
    }
    check(&out);
}

/// Random small scopes: every pair keeps the hard rules; A-first: as many A demands covered
/// as the capacities allow at all.
fn scope() -> impl Strategy<Value = Snapshot> {
    let teachers = proptest::collection::vec((0usize..3, 0usize..4, any::<bool>()), 2..10);
    let profiles = proptest::collection::vec((0usize..10, 0u32..3, any::<bool>()), 0..6);
    (teachers, profiles).prop_map(|(ts, ps)| {
        let mut s = base();
        let schools = ["low", "lead", "far"];
        for (i, (sc, lvl, active)) in ts.iter().enumerate() {
            let id = format!("t{i}");
            let mut t = teacher(&id, schools[*sc]);
            t.active = *active || i % 2 == 0;
            s.teachers.push(t);
            s.diagnostics.push(diag(&id, Level::ALL[*lvl]));
        }
        let mut seen = BTreeSet::new();
        for (ti, cap, online) in ps {
            let ti = ti % ts.len();
            if seen.insert(ti) {
                let modes: &[Mode] = if online {
                    &[Mode::Online]
                } else {
                    &[Mode::InPerson]
                };
                s.profiles.push(profile(&format!("t{ti}"), cap, modes));
            }
        }
        s
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn pairs_keep_the_rules_and_cover_a_first(s in scope()) {
        let out = run(MatchKind::TeacherPairs, &s, &Weights::default(), &Policy::default()).unwrap();
        let t = |id: &str| s.teachers.iter().find(|t| t.id == id).unwrap();
        let p = |id: &str| s.profiles.iter().find(|p| p.teacher_id == id);
        let mut load: BTreeMap<&str, u32> = BTreeMap::new();
        for pair in &out.pairs {
            prop_assert_ne!(&pair.mentee_id, &pair.mentor_id);
            prop_assert!(t(&pair.mentee_id).active && t(&pair.mentor_id).active);
            let prof = p(&pair.mentor_id).unwrap();
            prop_assert!(prof.modes.contains(&pair.mode));
            let mentor_level = s.diagnostics.iter().find(|d| d.teacher_id == pair.mentor_id).unwrap().level;
            prop_assert!(matches!(mentor_level, Level::C | Level::D));
            prop_assert!(matches!(pair.level, Some(Level::A | Level::B)));
            if pair.mode == Mode::InPerson {
                prop_assert!(pair.mentor_school_id != "far" || pair.mentee_school_id == "far");
            }
            *load.entry(pair.mentor_id.as_str()).or_default() += 1;
        }
        for (m, l) in &load {
            prop_assert!(*l <= p(m).unwrap().capacity);
        }
        let e = check(&out);
        // A-first: the covered A demands equal the maximum any assignment could cover, found by
        // solving the A-only problem with unit weights.
        let a_only: Vec<(u32, u32, i64)> = e.arcs.iter().filter(|a| {
            let mentee = e.demands[a.0 as usize].id.split('/').next().unwrap();
            s.diagnostics.iter().any(|d| d.teacher_id == mentee && d.level == Level::A)
        }).map(|a| (a.0, a.1, 1)).collect();
        let problem = peerlift_match::solver::Problem::from_arcs(
            e.demands.len(),
            e.suppliers.iter().map(|x| x.capacity).collect(),
            &a_only,
        ).unwrap();
        let best_a = peerlift_match::solver::solve(&problem).unwrap().objective as usize;
        let covered_a = out.pairs.iter().filter(|p| p.level == Some(Level::A)).count();
        prop_assert_eq!(covered_a, best_a);
        // Same input, same output.
        let again = run(MatchKind::TeacherPairs, &s, &Weights::default(), &Policy::default()).unwrap();
        prop_assert_eq!(&again.pairs, &out.pairs);
        prop_assert_eq!(export(&again), e);
    }
}

#[test]
fn distributed_networks_give_a_school_specialised_partners_within_platform_capacity() {
    let mut s = base();
    s.schools
        .push(school("lead2", SchoolStatus::Leader, 59.87, 31.39));
    s.schools
        .push(school("low2", SchoolStatus::LowResults, 59.86, 31.37));
    // "lead" is strong in mathematics, "lead2" in Russian: "low" needs both.
    s.schools[1].platforms = [("mathematics".to_string(), 1)].into();
    s.schools[3].platforms = [("russian".to_string(), 1)].into();
    let mut add = |t: &str, sc: &str, subject: &str, level: Level| {
        let mut x = teacher(t, sc);
        x.subjects = vec![subject.into()];
        s.teachers.push(x);
        let mut d = diag(t, level);
        d.subject = subject.into();
        d.id = format!("{t}.{subject}");
        s.diagnostics.push(d);
    };
    add("m-low", "low", "mathematics", Level::A);
    add("r-low", "low", "russian", Level::B);
    add("m-low2", "low2", "mathematics", Level::B);
    add("m-lead", "lead", "mathematics", Level::D);
    add("r-lead2", "lead2", "russian", Level::D);
    add("r-lead", "lead", "russian", Level::C);
    let out = run(
        MatchKind::SchoolDirections,
        &s,
        &Weights::default(),
        &Policy::default(),
    )
    .unwrap();
    let got: BTreeSet<(&str, &str, &str)> = out
        .pairs
        .iter()
        .map(|p| {
            (
                p.mentee_id.as_str(),
                p.subject.as_str(),
                p.mentor_id.as_str(),
            )
        })
        .collect();
    assert!(
        got.contains(&("low", "mathematics", "lead"))
            || got.contains(&("low2", "mathematics", "lead"))
    );
    assert!(got.contains(&("low", "russian", "lead2")), "{got:?}");
    // One mathematics place at "lead": one of the two schools has it, the other is outbid.
    let maths_at_lead = got
        .iter()
        .filter(|(_, sj, l)| *sj == "mathematics" && *l == "lead")
        .count();
    assert_eq!(maths_at_lead, 1);
    assert_eq!(out.unmatched.len(), 1);
    assert!(matches!(
        out.unmatched[0].reason,
        UnmatchedReason::Outbid(_)
    ));
    assert_eq!(check(&out).kind, "school_directions");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn platform_capacity_is_never_exceeded(s in scope(), cap in 1u32..3) {
        let mut s = s;
        for school in s.schools.iter_mut() {
            if school.status == SchoolStatus::Leader {
                school.platforms = [("mathematics".to_string(), cap)].into();
            }
        }
        let out = run(MatchKind::SchoolDirections, &s, &Weights::default(), &Policy::default()).unwrap();
        let mut load: BTreeMap<(&str, &str), u32> = BTreeMap::new();
        for p in &out.pairs {
            *load.entry((p.mentor_id.as_str(), p.subject.as_str())).or_default() += 1;
            prop_assert!(p.mentor_id == "lead" || p.mentor_id == "far");
        }
        prop_assert!(load.values().all(|n| *n <= cap));
        check(&out);
    }
}

/// Exhaustive optimum of an exported problem (small ones only).
fn brute(p: &ExportedProblem) -> i64 {
    let caps: Vec<u32> = p.suppliers.iter().map(|s| s.capacity).collect();
    let mut by_demand: Vec<Vec<(u32, i64)>> = vec![Vec::new(); p.demands.len()];
    for &(d, s, w) in &p.arcs {
        by_demand[d as usize].push((s, w));
    }
    fn go(i: usize, by: &[Vec<(u32, i64)>], load: &mut Vec<u32>, caps: &[u32]) -> i64 {
        if i == by.len() {
            return 0;
        }
        let mut best = go(i + 1, by, load, caps);
        for &(s, w) in &by[i] {
            let s = s as usize;
            if load[s] < caps[s] {
                load[s] += 1;
                best = best.max(w + go(i + 1, by, load, caps));
                load[s] -= 1;
            }
        }
        best
    }
    go(0, &by_demand, &mut vec![0; caps.len()], &caps)
}

/// A scope built so that keeping each demand's best few mentors loses: a few "popular"
/// mentors, strong in every competence area, are everyone's best; the others are weaker but
/// free. Online work makes every mentor a candidate of every demand.
fn popular_scope() -> impl Strategy<Value = (Snapshot, u32)> {
    (
        3usize..=6,                                // demands
        1usize..=2,                                // popular mentors
        2usize..=4,                                // other mentors
        proptest::collection::vec(0.0f64..0.3, 6), // the demands' area scores
        proptest::collection::vec(0.0f64..0.5, 6), // the others' area scores
        proptest::collection::vec(prop_oneof![Just(Level::A), Just(Level::B)], 6),
        1u32..=2, // the candidate limit
    )
        .prop_map(|(n, popular, others, weak, mid, levels, limit)| {
            let mut s = base();
            let scored = |t: &str, level: Level, score: f64| {
                let mut d = diag(t, level);
                d.scores = [
                    ("methodical".to_string(), score),
                    ("assessment".to_string(), score),
                    ("digital".to_string(), score),
                ]
                .into();
                d
            };
            for i in 0..n {
                let id = format!("e{i}");
                s.teachers.push(teacher(&id, "low"));
                s.diagnostics.push(scored(&id, levels[i], weak[i]));
            }
            for j in 0..popular + others {
                let id = format!("m{j}");
                s.teachers.push(teacher(&id, "far"));
                let score = if j < popular { 1.0 } else { 0.5 + mid[j % 6] };
                s.diagnostics.push(scored(&id, Level::D, score.min(1.0)));
                s.profiles.push(profile(&id, 1, &[Mode::Online]));
            }
            (s, limit)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    /// The default run solves the whole problem: its objective is the brute-force optimum of
    /// every arc the rules allow, and it covers at least as many A demands as any run with a
    /// candidate limit; a limited run that lost something says it is not guaranteed optimal.
    #[test]
    fn the_default_run_is_the_whole_problems_optimum_where_a_top_k_cut_loses(
        (s, limit) in popular_scope()
    ) {
        let whole = run(MatchKind::TeacherPairs, &s, &Weights::default(), &Policy::default()).unwrap();
        let e = check(&whole);
        prop_assert!(whole.certificate.optimal);
        prop_assert_eq!(whole.size.pruned_arcs, 0);
        // Every mentor is a candidate of every demand (online, all strong).
        let mentors = s.profiles.len();
        prop_assert_eq!(e.arcs.len(), whole.size.demands as usize * mentors);
        prop_assert_eq!(e.objective, brute(&e));

        let cut_policy = Policy { max_candidates: Some(limit), ..Policy::default() };
        let cut = run(MatchKind::TeacherPairs, &s, &Weights::default(), &cut_policy).unwrap();
        prop_assert!(cut.size.pruned_arcs > 0);
        prop_assert!(!cut.certificate.optimal);
        prop_assert!(english(&cut.certificate.statement).starts_with("NOT guaranteed optimal"));
        let a = |o: &peerlift_match::MatchOutcome| o.pairs.iter().filter(|p| p.level == Some(Level::A)).count();
        prop_assert!(a(&whole) >= a(&cut));
        prop_assert!(whole.pairs.len() >= cut.pairs.len());
        prop_assert!(whole.certificate.solver_objective >= cut.certificate.solver_objective);
    }
}

/// The concrete case the limit was dropped for: two popular mentors, five demands, a limit of
/// two; the cut covers two demands, the whole problem all five.
#[test]
fn a_top_two_cut_leaves_demands_the_whole_problem_covers() {
    let mut s = base();
    let scored = |t: &str, level: Level, score: f64| {
        let mut d = diag(t, level);
        d.scores = [("methodical".to_string(), score)].into();
        d
    };
    for i in 0..5 {
        let id = format!("e{i}");
        s.teachers.push(teacher(&id, "low"));
        s.diagnostics.push(scored(&id, Level::A, 0.0));
    }
    for j in 0..5 {
        let id = format!("m{j}");
        s.teachers.push(teacher(&id, "far"));
        s.diagnostics
            .push(scored(&id, Level::D, if j < 2 { 1.0 } else { 0.6 }));
        s.profiles.push(profile(&id, 1, &[Mode::Online]));
    }
    let whole = run(
        MatchKind::TeacherPairs,
        &s,
        &Weights::default(),
        &Policy::default(),
    )
    .unwrap();
    let cut = run(
        MatchKind::TeacherPairs,
        &s,
        &Weights::default(),
        &Policy {
            max_candidates: Some(2),
            ..Policy::default()
        },
    )
    .unwrap();
    assert_eq!(whole.pairs.len(), 5);
    assert_eq!(cut.pairs.len(), 2);
    assert!(whole.certificate.optimal);
    assert!(!cut.certificate.optimal);
    assert_eq!(cut.size.pruned_arcs, 15);
}

/// Weights that score every allowed pair below nothing: a B-level demand stays unassigned
/// and says why (nobody outbid it); an A-level one is covered all the same, since coverage of
/// A comes first whatever the weights.
#[test]
fn pairs_scoring_below_nothing_leave_b_unassigned_with_a_reason_and_a_covered() {
    let mut s = base();
    for (t, l) in [("ea", Level::A), ("eb", Level::B)] {
        s.teachers.push(teacher(t, "low"));
        s.diagnostics.push(diag(t, l));
    }
    for m in ["m1", "m2"] {
        s.teachers.push(teacher(m, "far"));
        s.diagnostics.push(diag(m, Level::D));
        s.profiles.push(profile(m, 1, &[Mode::Online]));
    }
    let weights = Weights {
        online_penalty: 1_000_000,
        ..Weights::default()
    };
    let out = run(MatchKind::TeacherPairs, &s, &weights, &Policy::default()).unwrap();
    assert!(out.certificate.optimal);
    let pairs: Vec<&str> = out.pairs.iter().map(|p| p.mentee_id.as_str()).collect();
    assert_eq!(pairs, ["ea"], "{:?}", out.pairs);
    assert!(out.pairs[0].score < 0);
    assert_eq!(out.unmatched.len(), 1);
    match &out.unmatched[0].reason {
        UnmatchedReason::NoCandidate(why) => {
            let why = english(why);
            assert!(why.contains("scores 0 or less"), "{why}")
        }
        other => panic!("{other:?}"),
    }
    check(&out);
}
