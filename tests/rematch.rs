//! The stable rematch on a generated region: after 2% of the diagnostics change, churn stays
//! within the budget, every end has a reason, locked pairs are untouched, and graduated pairs
//! end.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use peerlift_text::english;
use std::collections::BTreeSet;

use jiff::civil::Date;
use peerlift::synth::{self, Scale};
use peerlift_domain::{ChurnBudget, Level, MatchKind, Policy, Weights};
use peerlift_match::rematch::{is_gain_end, stable_rematch};

#[test]
fn two_percent_of_new_diagnostics_stay_within_the_churn_budget() {
    let mut snap = synth::snapshot(synth::region(Scale::Region, 11, 0));
    let (weights, policy) = (Weights::default(), Policy::default());
    let first = peerlift_match::run(MatchKind::TeacherPairs, &snap, &weights, &policy).unwrap();
    assert!(first.pairs.len() > 1000);
    // Last night's result is active; every 97th pair is locked by the office.
    let mut actives = synth::actives_from(
        &snap,
        &first.pairs,
        MatchKind::TeacherPairs,
        Date::constant(2026, 9, 1),
    );
    for (i, m) in actives.iter_mut().enumerate() {
        m.locked = i % 97 == 0;
    }
    let locked: BTreeSet<String> = actives
        .iter()
        .filter(|m| m.locked)
        .map(|m| m.id.clone())
        .collect();
    assert!(locked.len() >= 10);
    snap.mentorships = actives.clone();

    // A day of changes: 2% of the teacher-subjects are re-diagnosed (seeded).
    let changed = synth::rediagnose(&mut snap, 20, 2, Date::constant(2027, 1, 15));
    let graduated: BTreeSet<(String, String)> = changed
        .iter()
        .filter(|d| matches!(d.level, Level::C | Level::D))
        .map(|d| (d.teacher_id.clone(), d.subject.clone()))
        .collect();

    let budget = ChurnBudget::SharePct(1).allowed(actives.len());
    let r = stable_rematch(MatchKind::TeacherPairs, &snap, &weights, &policy, budget).unwrap();
    let diff = &r.outcome.diff;
    // Churn for a mere gain stays within the budget; forced ends are not limited.
    let gains = diff.ended.iter().filter(|e| is_gain_end(&e.reason)).count() as u32;
    assert_eq!(gains, r.gain_ends);
    assert!(r.gain_ends <= budget, "{} > {budget}", r.gain_ends);
    assert!(
        r.fresh_ends > r.gain_ends + r.forced_ends,
        "a fresh run churns more"
    );
    // Every end has a reason; every graduated active pair ends as closed.
    let ended: BTreeSet<&str> = diff
        .ended
        .iter()
        .map(|e| e.mentorship_id.as_str())
        .collect();
    assert!(diff.ended.iter().all(|e| !e.reason.is_empty()));
    for m in &actives {
        if graduated.contains(&(m.mentee_id.clone(), m.subject.clone())) && !m.locked {
            let e = diff.ended.iter().find(|e| e.mentorship_id == m.id);
            let e = e.unwrap_or_else(|| panic!("graduated {} not ended", m.id));
            let why = english(&e.reason);
            assert!(why.starts_with("deficit closed"), "{why}");
            assert!(!is_gain_end(&e.reason));
        }
    }
    // Locked pairs are untouched: kept, never ended.
    for id in &locked {
        assert!(!ended.contains(id.as_str()), "locked {id} ended");
        assert!(diff.kept.contains(id), "locked {id} not kept");
    }
    // Stable keeps at least what the budget demands; its objective (without continuity points)
    // is reported beside the fresh one.
    assert!(r.objective > 0 && r.fresh_objective > 0);
    // The warm start (no gain churn allowed): one run from last night's solution; every
    // active pair is kept or ends for a forced reason, graduated ones end, locked ones stay.
    let w = stable_rematch(MatchKind::TeacherPairs, &snap, &weights, &policy, 0).unwrap();
    assert_eq!((w.rounds, w.gain_ends), (1, 0));
    let wd = &w.outcome.diff;
    assert_eq!(wd.kept.len() + wd.ended.len(), actives.len());
    assert!(wd.ended.iter().all(|e| !is_gain_end(&e.reason)));
    for m in &actives {
        let ended = wd.ended.iter().find(|e| e.mentorship_id == m.id);
        if m.locked {
            assert!(ended.is_none() && wd.kept.contains(&m.id));
        } else if graduated.contains(&(m.mentee_id.clone(), m.subject.clone())) {
            assert!(ended.is_some_and(|e| english(&e.reason).starts_with("deficit closed")));
        }
    }
    // Exact for the problem it states: the pinned pairs are constraints, the rest is solved
    // over every arc the rules allow and proven optimal.
    let c = &w.outcome.certificate;
    let statement = english(&c.statement);
    assert!(c.optimal, "{statement}");
    assert_eq!(c.dual_bound, c.solver_objective);
    assert_eq!(w.outcome.size.pruned_arcs, 0);
    assert!(statement.contains("pairs held as they are"), "{statement}");
    // Held pairs are kept (a pair not held may be chosen again and kept too).
    assert!(w.outcome.size.locked as usize <= wd.kept.len());
    assert!(w.outcome.size.locked as usize > wd.kept.len() * 9 / 10);
    // It covers at least what the continuity run keeps or makes of the freed demands.
    assert!(w.outcome.pairs.len() + 200 >= r.outcome.pairs.len());
    eprintln!(
        "warm: {} ended (all forced), {} added, {} pairs, objective {}; stable time {:?} vs fresh {:?}",
        wd.ended.len(),
        wd.added.len(),
        w.outcome.pairs.len(),
        w.objective,
        w.stable_time,
        w.fresh_time
    );
    eprintln!(
        "active {}, budget {budget}: stable ends {} forced + {} gain (pinned {}, {} rounds), fresh ends {}; objective {} vs fresh {}",
        actives.len(),
        r.forced_ends,
        r.gain_ends,
        r.pinned.len(),
        r.rounds,
        r.fresh_ends,
        r.objective,
        r.fresh_objective
    );
}
