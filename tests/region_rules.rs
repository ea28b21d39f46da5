//! The hard rules hold for every pair of a generated region's run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, HashMap};

use peerlift::synth::{self, Scale};
use peerlift_domain::{Level, MatchKind, Mode, Policy, SchoolStatus, Weights};

#[test]
fn every_pair_of_a_generated_region_keeps_the_hard_rules() {
    let snap = synth::snapshot(synth::region(Scale::Region, 7, 0));
    assert_eq!(snap.teachers.len(), 50_000);
    let policy = Policy::default();
    let out =
        peerlift_match::run(MatchKind::TeacherPairs, &snap, &Weights::default(), &policy).unwrap();
    assert!(out.pairs.len() > 1000, "{}", out.pairs.len());
    // The whole problem, proven optimal: nothing was left out, every arc priced.
    assert!(out.certificate.optimal, "{:?}", out.certificate.statement);
    assert_eq!(out.size.pruned_arcs, 0);
    assert_eq!(out.certificate.arcs_priced, out.size.arcs);
    assert_eq!(out.certificate.dual_bound, out.certificate.solver_objective);

    let teacher: HashMap<&str, &peerlift_domain::Teacher> =
        snap.teachers.iter().map(|t| (t.id.as_str(), t)).collect();
    let school: HashMap<&str, &peerlift_domain::School> =
        snap.schools.iter().map(|s| (s.id.as_str(), s)).collect();
    let profile: HashMap<&str, &peerlift_domain::MentorProfile> = snap
        .profiles
        .iter()
        .map(|p| (p.teacher_id.as_str(), p))
        .collect();
    let level: HashMap<(&str, &str), Level> = snap
        .diagnostics
        .iter()
        .map(|d| ((d.teacher_id.as_str(), d.subject.as_str()), d.level))
        .collect();
    let mut load: BTreeMap<&str, u32> = BTreeMap::new();
    let mut cross = 0;
    for p in &out.pairs {
        let (mentee, mentor) = (teacher[p.mentee_id.as_str()], teacher[p.mentor_id.as_str()]);
        assert_ne!(mentee.id, mentor.id);
        assert!(mentee.active && mentor.active);
        let lvl = level[&(p.mentee_id.as_str(), p.subject.as_str())];
        assert!(policy.levels.contains(&lvl), "{p:?}");
        assert_eq!(p.level, Some(lvl));
        let prof = profile[p.mentor_id.as_str()];
        assert!(prof.subjects.contains(&p.subject), "{p:?}");
        assert!(prof.modes.contains(&p.mode), "{p:?}");
        let mentor_level = level.get(&(p.mentor_id.as_str(), p.subject.as_str()));
        assert!(!matches!(mentor_level, Some(Level::A | Level::B)), "{p:?}");
        // A region run: across municipalities only online, and online only where both
        // sides accept it.
        if mentee.municipality_id != mentor.municipality_id {
            cross += 1;
            assert_eq!(p.mode, Mode::Online, "{p:?}");
        }
        if p.mode == Mode::Online {
            assert!(mentee.accepts_online, "{p:?}");
            assert!(prof.modes.contains(&Mode::Online), "{p:?}");
        }
        if p.mode == Mode::InPerson {
            assert_eq!(mentee.municipality_id, mentor.municipality_id);
            let (a, b) = (
                school[mentee.school_id.as_str()],
                school[mentor.school_id.as_str()],
            );
            let (pa, pb) = (a.location.unwrap(), b.location.unwrap());
            let km = peerlift_match::graph::distance_km((pa.lat, pa.lon), (pb.lat, pb.lon));
            assert!(
                km <= f64::from(policy.travel_limit_km) + 1e-9,
                "{km} km: {p:?}"
            );
        }
        let sum: i64 = p.terms.iter().map(|t| t.points).sum();
        assert_eq!(sum, p.score);
        *load.entry(p.mentor_id.as_str()).or_default() += 1;
    }
    for (m, l) in load {
        assert!(l <= profile[m].capacity, "{m} has {l}");
    }
    assert!(
        cross > 0,
        "a region run pairs across municipalities (online)"
    );
    assert!(snap.teachers.iter().any(|t| !t.accepts_online));
    // Every unmatched demand says why.
    assert!(out.unmatched.iter().all(|u| match &u.reason {
        peerlift_domain::UnmatchedReason::NoCandidate(w) => !w.is_empty(),
        peerlift_domain::UnmatchedReason::Outbid(by) => !by.is_empty(),
    }));

    // School partnerships: leaders within capacity, schools in need only.
    let parts = peerlift_match::run(
        MatchKind::SchoolPartnerships,
        &snap,
        &Weights::default(),
        &policy,
    )
    .unwrap();
    let mut per_leader: BTreeMap<&str, u32> = BTreeMap::new();
    for p in &parts.pairs {
        assert!(matches!(
            school[p.mentee_id.as_str()].status,
            SchoolStatus::LowResults | SchoolStatus::AtRisk
        ));
        assert_eq!(school[p.mentor_id.as_str()].status, SchoolStatus::Leader);
        *per_leader.entry(p.mentor_id.as_str()).or_default() += 1;
    }
    assert!(per_leader
        .values()
        .all(|n| *n <= policy.default_partner_capacity));
    assert!(
        parts.certificate.optimal,
        "{:?}",
        parts.certificate.statement
    );
}

#[test]
fn the_compiled_in_deficit_table_is_the_fixture() {
    let fixture = peerlift::gen::read_deficits(
        &peerlift::gen::default_fixtures_dir().join("labinsk-deficits.csv"),
    )
    .unwrap();
    let ours = synth::labinsk();
    assert_eq!(fixture.len(), ours.len());
    for (a, b) in fixture.iter().zip(&ours) {
        assert_eq!((&a.subject, a.counts), (&b.subject, b.counts));
    }
}

#[test]
fn synthetic_data_is_reproducible_and_imports_cleanly() {
    let a = synth::municipality(Scale::Municipality, 3, 0, 0);
    let b = synth::municipality(Scale::Municipality, 3, 0, 0);
    assert_eq!(a.teachers, b.teachers);
    assert_eq!(a.diagnostics, b.diagnostics);
    assert_eq!(a.schools.len(), 50);
    assert_eq!(a.teachers.len(), 1500);
    // Every record passes the domain's validation, as an import would check it.
    let catalog = peerlift_domain::Catalog::default();
    for (s, _) in &a.schools {
        s.validate().unwrap();
    }
    for t in &a.teachers {
        t.validate(&catalog).unwrap();
    }
    for p in &a.profiles {
        p.validate(&catalog).unwrap();
        assert!((1..=3).contains(&p.capacity));
    }
    for d in &a.diagnostics {
        d.validate(&catalog).unwrap();
    }
}
