//! Pieces every kind of run shares: the `max_candidates` policy, the exact solve of
//! per-demand candidate lists, coverage rows and the diff against what is active.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::Hash;

use peerlift_domain::{CoverageRow, Diff, Ended, MatchKind, Mentorship, ProposedPair};

use crate::graph::Snapshot;
use crate::solver::{self, Problem, Solution};
use crate::MatchError;

/// The `max_candidates` policy on one demand's candidates: keeps the best `keep` by score, ties
/// by supplier (a total order, so the kept set does not depend on the selection algorithm),
/// best first. Returns how many were dropped.
pub(crate) fn keep_best<T>(list: &mut Vec<T>, keep: u32, key: impl Fn(&T) -> (i64, u32)) -> u64 {
    let order = |a: &T, b: &T| {
        let ((sa, ta), (sb, tb)) = (key(a), key(b));
        sb.cmp(&sa).then(ta.cmp(&tb))
    };
    let keep = keep.max(1) as usize;
    let mut dropped = 0;
    if list.len() > keep {
        list.select_nth_unstable_by(keep - 1, order);
        dropped = (list.len() - keep) as u64;
        list.truncate(keep);
    }
    list.sort_by(order);
    dropped
}

/// Solves per-demand candidate lists exactly. Returns the problem, its solution and, for each
/// arc, the index of its candidate in its demand's list.
pub(crate) fn solve_lists<T>(
    lists: &[Vec<T>],
    capacities: Vec<u32>,
    supplier: impl Fn(&T) -> u32,
    weight: impl Fn(usize, &T) -> i64,
) -> Result<(Problem, Solution, Vec<usize>), MatchError> {
    let mut arcs = Vec::new();
    let mut candidate = Vec::new();
    for (d, list) in lists.iter().enumerate() {
        for (ci, c) in list.iter().enumerate() {
            arcs.push((d as u32, supplier(c), weight(d, c)));
            candidate.push(ci);
        }
    }
    let problem = Problem::from_arcs(lists.len(), capacities, &arcs).map_err(MatchError::Solve)?;
    let solution = solver::solve(&problem).map_err(MatchError::Solve)?;
    Ok((problem, solution, candidate))
}

/// Coverage rows from (demands, covered) counts by key, in key order.
pub(crate) fn coverage_rows(m: BTreeMap<String, (u64, u64)>) -> Vec<CoverageRow> {
    m.into_iter()
        .map(|(key, (demands, covered))| CoverageRow {
            key,
            demands,
            covered,
        })
        .collect()
}

/// The proposal against the active mentorships of `kind`: an active one whose key matches a
/// proposed pair is kept, so is a locked one, every other ends with the reason `reason` gives,
/// and the proposed pairs not kept are added. Active mentorships are visited in id order.
pub(crate) fn diff_against<K: Eq + Hash>(
    snap: &Snapshot,
    kind: MatchKind,
    pairs: &[ProposedPair],
    pair_key: impl Fn(&ProposedPair) -> K,
    active_key: impl Fn(&Mentorship) -> K,
    mut reason: impl FnMut(&Mentorship) -> String,
) -> Diff {
    let proposed: HashMap<K, usize> = pairs
        .iter()
        .enumerate()
        .map(|(i, p)| (pair_key(p), i))
        .collect();
    let mut actives: Vec<&Mentorship> = snap
        .mentorships
        .iter()
        .filter(|m| m.is_active() && m.kind == kind)
        .collect();
    actives.sort_by(|a, b| a.id.cmp(&b.id));
    let mut diff = Diff::default();
    let mut kept = HashSet::new();
    for m in actives {
        if let Some(i) = proposed.get(&active_key(m)) {
            diff.kept.push(m.id.clone());
            kept.insert(*i);
            continue;
        }
        // A locked mentorship is never ended by a run, even when its demand is gone (the
        // deficit closed, someone left): only the office ends what it locked.
        if m.locked {
            diff.kept.push(m.id.clone());
            continue;
        }
        diff.ended.push(Ended {
            municipality_id: m.municipality_id.clone(),
            mentorship_id: m.id.clone(),
            mentee_id: m.mentee_id.clone(),
            subject: m.subject.clone(),
            mentor_id: m.mentor_id.clone(),
            reason: reason(m),
        });
    }
    diff.added = (0..pairs.len())
        .filter(|i| !kept.contains(i))
        .map(|i| i as u32)
        .collect();
    diff
}
