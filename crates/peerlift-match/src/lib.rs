//! The matching engine: candidate generation, scoring, exact solvers and explanations.
//!
//! Pure: no I/O, no clocks but the timings it reports. A run takes a [`Snapshot`] of one
//! scope, builds the competence graph, generates and scores candidate arcs under the hard
//! rules, solves the maximum-weight b-matching exactly, and explains every pair and every
//! unmatched demand, with the diff against the active mentorships.

pub mod directions;
mod explain;
pub mod graph;
pub mod groups;
pub mod network;
pub mod pairs;
pub mod problem;
pub mod rematch;
pub mod schedule;
pub mod schools;
pub mod solver;

use std::time::Duration;

use peerlift_domain::{
    Coverage, Diff, MatchKind, Policy, ProblemSize, ProposedPair, Unmatched, Weights,
};

pub use graph::{CompetenceGraph, Snapshot};
pub use problem::ExportProblem;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatchError {
    #[error("solver: {0}")]
    Solve(#[from] solver::SolveError),
}

/// The result of one matching run.
#[derive(Debug, Clone)]
pub struct MatchOutcome {
    pub kind: MatchKind,
    pub size: ProblemSize,
    /// Sum of the scores of the proposed (not locked) pairs.
    pub objective: i64,
    pub coverage: Coverage,
    /// Locked pairs first in no particular order, then by mentee; see `ProposedPair::locked`.
    pub pairs: Vec<ProposedPair>,
    pub unmatched: Vec<Unmatched>,
    pub diff: Diff,
    pub export: ExportProblem,
    pub timings: Vec<(String, Duration)>,
    /// Solver work (nodes settled), for benchmarks.
    pub settled: u64,
}

/// Runs the matching of `kind` on a snapshot.
pub fn run(
    kind: MatchKind,
    snap: &Snapshot,
    weights: &Weights,
    policy: &Policy,
) -> Result<MatchOutcome, MatchError> {
    match kind {
        MatchKind::TeacherPairs => pairs::match_teacher_pairs(snap, weights, policy),
        MatchKind::SchoolPartnerships => schools::match_school_partnerships(snap, weights, policy),
        MatchKind::SchoolDirections => directions::match_school_directions(snap, weights, policy),
        MatchKind::TeacherGroups => groups::match_teacher_groups(snap, weights, policy),
        MatchKind::SchoolGroups => groups::match_school_groups(snap, weights, policy),
    }
}
