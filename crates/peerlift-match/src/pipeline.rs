//! The one matching pipeline every kind of run goes through.
//!
//! A kind ([`Kind`]) says what its demands and suppliers are, which arcs the hard rules allow
//! and how a chosen pair is explained; everything else happens here, once:
//!
//! 1. **graph**: the kind is built from the snapshot (competence graph, held pairs, demands,
//!    suppliers with the capacity left);
//! 2. **candidates**: every arc the hard rules allow, generated on all cores into one compact
//!    table (8 bytes an arc), in demand order so the result does not depend on the number of
//!    threads; the opt-in `max_candidates` limit is applied here and counted;
//! 3. **solve**: the exact solver over that table, and its certificate (LP duals checked
//!    against every arc); A-level demands carry the A-first bonus;
//! 4. **explain**: the chosen pairs with their score terms, every unmatched demand with why
//!    (no candidate at all, or outbid: its best options and who took them), coverage, the diff
//!    against what is active.
//!
//! The run then says plainly whether it is optimal for the whole problem: it is whenever no
//! arc was left out by a candidate limit.

use std::collections::HashMap;
use std::time::Instant;

use peerlift_domain::{
    Certificate, Coverage, Diff, MatchKind, OutbidBy, Phrase, Policy, ProblemSize, ProposedPair,
    Unmatched, UnmatchedReason,
};

use crate::problem::SolvedProblem;
use crate::solver::{self, Problem, Solution};
use crate::{MatchError, MatchOutcome};

/// What one kind of run plugs into the pipeline. Demands and suppliers are dense indexes.
pub(crate) trait Kind: Sync {
    fn kind(&self) -> MatchKind;
    fn demand_count(&self) -> usize;
    /// Places each supplier has left (after held pairs).
    fn capacities(&self) -> Vec<u32>;
    /// A-level demands: covering one more of them beats any other gain.
    fn priority(&self, _d: usize) -> bool {
        false
    }
    /// Appends every arc the hard rules allow for demand `d`: (supplier, score).
    fn arcs(&self, d: usize, out: &mut Vec<(u32, i64)>);
    /// Why demand `d` has no arc at all (called only for those).
    fn no_candidate(&self, d: usize) -> Phrase;
    /// Demand `d` with supplier `s`, explained.
    fn pair(&self, d: usize, s: u32) -> ProposedPair;
    /// The demand as the export names it (`teacher/subject`, a school, a group label).
    fn demand_id(&self, d: usize) -> String;
    /// The demand as an "outbid" explanation names who took a place: (mentee id, subject).
    fn demand_label(&self, d: usize) -> (String, String);
    /// The supplier's id (a mentor teacher, a leader school, `school/subject` platform).
    fn supplier_id(&self, s: u32) -> String;
    /// The mentor an outbid explanation names for supplier `s`.
    fn supplier_mentor(&self, s: u32) -> String {
        self.supplier_id(s)
    }
    /// The unmatched entries of demand `d` (a group yields one per member).
    fn unmatched(&self, d: usize, reason: UnmatchedReason) -> Vec<Unmatched>;
    /// Pairs held before the solve: locked, or pinned by the nightly warm start.
    fn held(&self) -> Vec<ProposedPair>;
    /// Demands that never reached the problem (members left out of every group).
    fn extra_unmatched(&self) -> Vec<Unmatched> {
        Vec::new()
    }
    /// Demands held before the solve (they count in the size).
    fn held_count(&self) -> u64;
    /// Orders the proposal's pairs as the kind shows them.
    fn sort(&self, pairs: &mut [ProposedPair]) {
        pairs.sort_by(|a, b| (&a.mentee_id, &a.subject).cmp(&(&b.mentee_id, &b.subject)));
    }
    fn coverage(&self, covered: &[bool]) -> Coverage;
    fn diff(&self, pairs: &[ProposedPair]) -> Diff;
}

/// How a run is made besides its policy.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Keep the whole solved problem in the outcome (for `--export-problem`); it can be large.
    pub keep_problem: bool,
}

/// Arcs of every demand, generated in parallel chunks and joined in demand order.
struct Arcs {
    start: Vec<usize>,
    supplier: Vec<u32>,
    score: Vec<i32>,
    /// Arcs dropped by the opt-in candidate limit.
    pruned: u64,
    /// A score that does not fit the solver's 32 bits (absurd weights).
    overflow: bool,
}

fn generate<K: Kind>(kind: &K, limit: Option<u32>) -> Arcs {
    let n = kind.demand_count();
    let threads = std::thread::available_parallelism()
        .map(|x| x.get())
        .unwrap_or(1)
        .clamp(1, 8)
        .min(n.div_ceil(256).max(1));
    let chunk = n.div_ceil(threads).max(1);
    let work = |lo: usize, hi: usize| -> Arcs {
        let mut out = Arcs {
            start: Vec::with_capacity(hi - lo + 1),
            supplier: Vec::new(),
            score: Vec::new(),
            pruned: 0,
            overflow: false,
        };
        let mut list = Vec::new();
        for d in lo..hi {
            list.clear();
            kind.arcs(d, &mut list);
            if let Some(k) = limit {
                out.pruned += keep_best(&mut list, k);
            }
            out.start.push(out.supplier.len());
            for &(s, w) in &list {
                out.supplier.push(s);
                out.score.push(i32::try_from(w).unwrap_or_else(|_| {
                    out.overflow = true;
                    0
                }));
            }
        }
        out
    };
    let mut parts: Vec<Arcs> = if threads == 1 {
        vec![work(0, n)]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let (lo, hi) = ((t * chunk).min(n), ((t + 1) * chunk).min(n));
                    scope.spawn(move || work(lo, hi))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| match h.join() {
                    Ok(a) => a,
                    // A worker cannot panic on its own (no unwrap, no indexing by input), but if
                    // it did, the panic belongs to the caller.
                    Err(e) => std::panic::resume_unwind(e),
                })
                .collect()
        })
    };
    if parts.len() == 1 {
        if let Some(mut only) = parts.pop() {
            only.start.push(only.supplier.len());
            return only;
        }
    }
    let total: usize = parts.iter().map(|p| p.supplier.len()).sum();
    let mut all = Arcs {
        start: Vec::with_capacity(n + 1),
        supplier: Vec::with_capacity(total),
        score: Vec::with_capacity(total),
        pruned: 0,
        overflow: false,
    };
    for p in parts {
        let base = all.supplier.len();
        all.start.extend(p.start.iter().map(|x| x + base));
        all.supplier.extend_from_slice(&p.supplier);
        all.score.extend_from_slice(&p.score);
        all.pruned += p.pruned;
        all.overflow |= p.overflow;
    }
    all.start.push(all.supplier.len());
    all
}

/// The opt-in `max_candidates` limit on one demand's arcs: keeps the best `keep` by score, ties
/// by supplier (a total order, so the kept set does not depend on the selection algorithm), in
/// supplier order. Returns how many were dropped.
fn keep_best(list: &mut Vec<(u32, i64)>, keep: u32) -> u64 {
    let keep = keep.max(1) as usize;
    if list.len() <= keep {
        return 0;
    }
    let order = |a: &(u32, i64), b: &(u32, i64)| b.1.cmp(&a.1).then(a.0.cmp(&b.0));
    list.select_nth_unstable_by(keep - 1, order);
    let dropped = (list.len() - keep) as u64;
    list.truncate(keep);
    list.sort_unstable_by_key(|x| x.0);
    dropped
}

/// Runs one kind through the pipeline. The kind was built from the snapshot since `started`
/// (the graph phase).
pub(crate) fn run<K: Kind>(
    started: Instant,
    kind: &K,
    policy: &Policy,
    options: RunOptions,
) -> Result<MatchOutcome, MatchError> {
    let mut timings = vec![("graph".to_string(), started.elapsed())];

    let t1 = Instant::now();
    let n = kind.demand_count();
    let arcs = generate(kind, policy.max_candidates);
    if arcs.overflow {
        return Err(MatchError::Solve(solver::SolveError::Overflow));
    }
    // A-first: an A-level demand's arcs carry a bonus larger than any total of other scores,
    // so covering one more A demand always beats any gain elsewhere. Arc scores of a demand
    // that are not positive never matter (staying unassigned is as good).
    // The bonus also lifts the lowest-scoring A-level arc above 0, so an A-level demand is
    // covered even by a pair the weights score below nothing (a long trip with a heavy travel
    // weight, say): coverage comes first, whatever the weights.
    let mut bonus = vec![0i64; n];
    if (0..n).any(|d| kind.priority(d)) {
        let scores = |d: usize| {
            arcs.score[arcs.start[d]..arcs.start[d + 1]]
                .iter()
                .map(|&x| i64::from(x))
        };
        let total_max: i64 = (0..n).map(|d| scores(d).max().unwrap_or(0).max(0)).sum();
        let lowest_a: i64 = (0..n)
            .filter(|&d| kind.priority(d))
            .filter_map(|d| scores(d).min())
            .min()
            .unwrap_or(0)
            .min(0);
        for (d, b) in bonus.iter_mut().enumerate() {
            if kind.priority(d) {
                *b = total_max - lowest_a + 1;
            }
        }
    }
    let problem = Problem {
        capacities: kind.capacities(),
        bonus,
        start: arcs.start,
        supplier: arcs.supplier,
        score: arcs.score,
    };
    timings.push(("candidates".to_string(), t1.elapsed()));

    let t2 = Instant::now();
    let solution = solver::solve(&problem)?;
    timings.push(("solve".to_string(), t2.elapsed()));

    let t3 = Instant::now();
    let outcome = explain(kind, &problem, &solution, arcs.pruned);
    timings.push(("explain".to_string(), t3.elapsed()));
    let (pairs, unmatched, coverage, diff, certificate) = outcome;
    let size = ProblemSize {
        demands: n as u64,
        suppliers: problem.capacities.len() as u64,
        arcs: problem.arc_count() as u64,
        pruned_arcs: arcs.pruned,
        locked: kind.held_count(),
    };
    let objective = pairs.iter().filter(|p| !p.locked).map(|p| p.score).sum();
    let stats = solution.stats;
    let problem = options.keep_problem.then(|| SolvedProblem {
        kind: kind.kind(),
        demand_ids: (0..n).map(|d| kind.demand_id(d)).collect(),
        supplier_ids: (0..problem.capacities.len() as u32)
            .map(|s| kind.supplier_id(s))
            .collect(),
        problem,
        solution,
    });
    Ok(MatchOutcome {
        kind: kind.kind(),
        size,
        objective,
        coverage,
        pairs,
        unmatched,
        diff,
        certificate,
        problem,
        timings,
        stats,
    })
}

type Explained = (
    Vec<ProposedPair>,
    Vec<Unmatched>,
    Coverage,
    Diff,
    Certificate,
);

fn explain<K: Kind>(kind: &K, p: &Problem, s: &Solution, pruned: u64) -> Explained {
    // Who holds each supplier's places: (demand, score).
    let mut taken: HashMap<u32, Vec<(usize, i64)>> = HashMap::new();
    for (d, a) in s.assignment.iter().enumerate() {
        if let Some(a) = *a {
            taken
                .entry(p.supplier[a])
                .or_default()
                .push((d, i64::from(p.score[a])));
        }
    }
    let mut pairs = kind.held();
    let mut unmatched = Vec::new();
    let covered: Vec<bool> = s.assignment.iter().map(Option::is_some).collect();
    for (d, assigned) in s.assignment.iter().enumerate() {
        match *assigned {
            Some(a) => pairs.push(kind.pair(d, p.supplier[a])),
            None if p.arcs(d).is_empty() => {
                unmatched
                    .extend(kind.unmatched(d, UnmatchedReason::NoCandidate(kind.no_candidate(d))));
            }
            None if p.arcs(d).all(|a| p.weight(d, a) <= 0) => {
                // Nobody outbid it: every pair the rules allow scores nothing with these
                // weights, and staying unassigned is as good.
                let best = p.arcs(d).map(|a| p.score[a]).max().unwrap_or(0);
                unmatched.extend(
                    kind.unmatched(
                        d,
                        UnmatchedReason::NoCandidate(
                            Phrase::new("why-scores-nothing")
                                .num("allowed", p.arcs(d).len())
                                .num("best", best),
                        ),
                    ),
                );
            }
            None => {
                // Its three best options by score, and who took their places.
                let mut best: Vec<usize> = p.arcs(d).collect();
                best.sort_by(|&x, &y| {
                    p.score[y]
                        .cmp(&p.score[x])
                        .then(p.supplier[x].cmp(&p.supplier[y]))
                });
                best.truncate(3);
                let outbid = best
                    .iter()
                    .map(|&a| OutbidBy {
                        mentor_id: kind.supplier_mentor(p.supplier[a]),
                        score: i64::from(p.score[a]),
                        taken_by: taken
                            .get(&p.supplier[a])
                            .map(|v| {
                                v.iter()
                                    .map(|(od, sc)| {
                                        let (who, subject) = kind.demand_label(*od);
                                        (who, subject, *sc)
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                    })
                    .collect();
                unmatched.extend(kind.unmatched(d, UnmatchedReason::Outbid(outbid)));
            }
        }
    }
    unmatched.extend(kind.extra_unmatched());
    kind.sort(&mut pairs);
    let coverage = kind.coverage(&covered);
    let diff = kind.diff(&pairs);
    let certificate = certificate(kind.kind(), p, s, pruned);
    (pairs, unmatched, coverage, diff, certificate)
}

/// What the run can claim, in numbers and in words.
fn certificate(kind: MatchKind, p: &Problem, s: &Solution, pruned: u64) -> Certificate {
    let arcs = p.arc_count() as u64;
    let grouped = matches!(kind, MatchKind::TeacherGroups | MatchKind::SchoolGroups);
    // Says whether "the pairs" or "the assignment of mentors to the groups formed" are optimal.
    let what = if grouped { "groups" } else { "pairs" };
    let statement = if pruned == 0 {
        Phrase::new("cert-optimal")
            .text("what", what)
            .num("arcs", arcs)
            .num("objective", s.objective)
    } else {
        Phrase::new("cert-not-optimal")
            .text("what", what)
            .num("pruned", pruned)
            .num("allowed", arcs + pruned)
            .num("arcs", arcs)
    };
    Certificate {
        optimal: pruned == 0,
        arcs_allowed: arcs + pruned,
        arcs_priced: arcs,
        violations: 0,
        // Certified: the bound equals the objective.
        dual_bound: s.objective,
        solver_objective: s.objective,
        statement,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_best_keeps_the_top_by_score_then_supplier() {
        let mut l = vec![(5, 10), (1, 30), (2, 30), (3, 5), (4, 20)];
        assert_eq!(keep_best(&mut l, 3), 2);
        assert_eq!(l, vec![(1, 30), (2, 30), (4, 20)]);
        let mut l = vec![(1, 1)];
        assert_eq!(keep_best(&mut l, 3), 0);
    }
}
