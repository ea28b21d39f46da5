//! The stable rematch of the nightly job: the same exact matcher, with the continuity weight
//! and a churn budget, so that a mentorship ends only when it must or when the gain is worth it
//! and the budget allows.
//!
//! When the run would end more mentorships for a mere gain ("replaced", "outbid") than the
//! budget allows, the budget's worth with the best replacements are let go and every other
//! active mentorship not forced to end is pinned (pre-assigned like a locked pair); the second
//! run can then only end the ones let go. Ends that are forced (graduated at re-diagnosis, someone deactivated, a capacity cut
//! below the load, a veto, a profile withdrawn) never count against it. The result also carries
//! a fresh run from scratch (no continuity, nothing pinned): the cost of stability.

use std::collections::{BTreeMap, BTreeSet};

use peerlift_domain::{MatchKind, Phrase, Policy, Weights};

use crate::graph::Snapshot;
use crate::{run, MatchError, MatchOutcome};

/// Whether an end reason is a mere gain (the pair could go on).
pub fn is_gain_end(reason: &Phrase) -> bool {
    match reason.as_verbatim() {
        // A reason stored before reasons were phrases: its English words.
        Some(text) => text.starts_with("replaced") || text.starts_with("outbid"),
        None => is_replacement(reason) || OUTBID.contains(&reason.key.as_str()),
    }
}

/// The end reasons that say a better pair took the place (its score is in the run).
const REPLACED: [&str; 3] = [
    "end-replaced-pair",
    "end-replaced-partner",
    "end-replaced-platform",
];
/// The end reasons that say the mentor's places went to demands that score more.
const OUTBID: [&str; 2] = ["end-outbid-pair", "end-outbid-partner"];

fn is_replacement(reason: &Phrase) -> bool {
    REPLACED.contains(&reason.key.as_str())
}

#[derive(Debug, Clone)]
pub struct RematchOutcome {
    pub outcome: MatchOutcome,
    /// Mentorships pinned to stay within the budget.
    pub pinned: Vec<String>,
    pub forced_ends: u32,
    pub gain_ends: u32,
    pub budget: u32,
    /// Sum of the scores of every pair the stable run keeps or proposes (pinned included,
    /// locked excluded) without their continuity points: the same scale as `fresh_objective`,
    /// so the difference is what stability costs.
    pub objective: i64,
    pub fresh_objective: i64,
    pub fresh_ends: u32,
    /// Runs made (fresh run excluded).
    pub rounds: u32,
    /// Time of the fresh comparison run, and of the stable runs.
    pub fresh_time: std::time::Duration,
    pub stable_time: std::time::Duration,
}

fn total(out: &MatchOutcome, locked: &BTreeSet<String>) -> i64 {
    // Pairs of truly locked mentorships are outside the comparison; pinned ones are in.
    out.pairs
        .iter()
        .filter(|p| !(p.locked && locked.contains(&(p.mentee_id.clone() + "\0" + &p.mentor_id))))
        .map(|p| {
            let continuity: i64 = p
                .terms
                .iter()
                .filter(|t| t.name.key == "term-continuity")
                .map(|t| t.points)
                .sum();
            p.score - continuity
        })
        .sum()
}

/// A stable run is exact for the problem it states: the pinned pairs are held as constraints
/// (their demands and places are not in the problem). Its certificate says so.
fn state_the_pins(outcome: &mut MatchOutcome, held: u64) {
    let c = &mut outcome.certificate;
    c.statement = Phrase::new("cert-pinned")
        .num("held", held)
        .phrase("statement", std::mem::take(&mut c.statement));
}

/// Pinned pairs show as kept, not as locked: the office did not lock them.
fn unpin(outcome: &mut MatchOutcome, work: &Snapshot, pinned: &[String]) {
    let pinned: BTreeSet<&str> = pinned.iter().map(String::as_str).collect();
    let keys: BTreeSet<String> = work
        .mentorships
        .iter()
        .filter(|m| pinned.contains(m.id.as_str()))
        .map(|m| m.mentee_id.clone() + "\0" + &m.mentor_id)
        .collect();
    for p in &mut outcome.pairs {
        if p.locked && keys.contains(&(p.mentee_id.clone() + "\0" + &p.mentor_id)) {
            p.locked = false;
        }
    }
}

/// Runs `kind` stably: at most `budget` gain ends. With a budget of 0, teacher pairs start
/// from last night's solution (a warm start) and solve only what changed.
pub fn stable_rematch(
    kind: MatchKind,
    snap: &Snapshot,
    weights: &Weights,
    policy: &Policy,
    budget: u32,
) -> Result<RematchOutcome, MatchError> {
    let locked: BTreeSet<String> = snap
        .mentorships
        .iter()
        .filter(|m| m.is_active() && m.kind == kind && m.locked)
        .map(|m| m.mentee_id.clone() + "\0" + &m.mentor_id)
        .collect();
    let fresh_weights = Weights {
        continuity: 0,
        ..*weights
    };
    let t0 = std::time::Instant::now();
    let fresh = run(kind, snap, &fresh_weights, policy)?;
    let fresh_time = t0.elapsed();
    let t1 = std::time::Instant::now();
    let fresh_objective = total(&fresh, &locked);
    let fresh_ends = fresh.diff.ended.len() as u32;

    // Warm start (teacher pairs, no gain churn allowed): last night's solution is kept where
    // it is still valid, and only the rest is solved: new demands, those freed by forced ends,
    // and the unmatched, against the capacity left.
    if budget == 0 && kind == MatchKind::TeacherPairs {
        let mut work = snap.clone();
        work.pinned = work
            .mentorships
            .iter()
            .filter(|m| m.is_active() && m.kind == kind && !m.locked)
            .map(|m| m.id.clone())
            .collect();
        let mut outcome = run(kind, &work, weights, policy)?;
        let pinned: Vec<String> = work.pinned.iter().cloned().collect();
        unpin(&mut outcome, &work, &pinned);
        let held = outcome.size.locked;
        state_the_pins(&mut outcome, held);
        let gain_ends = outcome
            .diff
            .ended
            .iter()
            .filter(|e| is_gain_end(&e.reason))
            .count() as u32;
        let forced_ends = outcome.diff.ended.len() as u32 - gain_ends;
        let objective = total(&outcome, &locked);
        return Ok(RematchOutcome {
            outcome,
            pinned,
            forced_ends,
            gain_ends,
            budget,
            objective,
            fresh_objective,
            fresh_ends,
            rounds: 1,
            fresh_time,
            stable_time: t1.elapsed(),
        });
    }

    let mut work = snap.clone();
    let mut pinned: Vec<String> = Vec::new();
    let mut rounds = 0;
    loop {
        rounds += 1;
        let out = run(kind, &work, weights, policy)?;
        let gains: Vec<&peerlift_domain::Ended> = out
            .diff
            .ended
            .iter()
            .filter(|e| is_gain_end(&e.reason))
            .collect();
        if gains.len() as u32 <= budget || rounds >= 3 {
            let gain_ends = gains.len() as u32;
            let forced_ends = out.diff.ended.len() as u32 - gain_ends;
            let mut outcome = out;
            unpin(&mut outcome, &work, &pinned);
            if !pinned.is_empty() {
                state_the_pins(&mut outcome, pinned.len() as u64);
            }
            let objective = total(&outcome, &locked);
            return Ok(RematchOutcome {
                outcome,
                pinned,
                forced_ends,
                gain_ends,
                budget,
                objective,
                fresh_objective,
                fresh_ends,
                rounds,
                fresh_time,
                stable_time: t1.elapsed(),
            });
        }
        // Over budget. Keep the budget's worth of gain ends with the best replacements (a
        // replacement's score is in its pair; an outbid end has none and comes last; ties by
        // id, so the choice is deterministic) and pin every other active mentorship that is
        // not forced to end. Only the chosen ones can then end for a gain, so the second run
        // is within budget by construction.
        let replacement: BTreeMap<(&str, &str), i64> = out
            .pairs
            .iter()
            .map(|p| ((p.mentee_id.as_str(), p.subject.as_str()), p.score))
            .collect();
        let mut ranked: Vec<(i64, &str)> = gains
            .iter()
            .map(|e| {
                let s = if is_replacement(&e.reason) {
                    replacement
                        .get(&(e.mentee_id.as_str(), e.subject.as_str()))
                        .copied()
                        .unwrap_or(i64::MIN)
                } else {
                    i64::MIN
                };
                (s, e.mentorship_id.as_str())
            })
            .collect();
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        let free: BTreeSet<&str> = ranked
            .iter()
            .take(budget as usize)
            .map(|(_, id)| *id)
            .collect();
        let forced: BTreeSet<&str> = out
            .diff
            .ended
            .iter()
            .filter(|e| !is_gain_end(&e.reason))
            .map(|e| e.mentorship_id.as_str())
            .collect();
        let mut to_pin = Vec::new();
        for m in &mut work.mentorships {
            let id = m.id.as_str();
            if m.is_active()
                && m.kind == kind
                && !m.locked
                && !free.contains(id)
                && !forced.contains(id)
            {
                m.locked = true;
                to_pin.push(m.id.clone());
            }
        }
        pinned.extend(to_pin);
    }
}
