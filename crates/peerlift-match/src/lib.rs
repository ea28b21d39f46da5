//! The matching engine: candidate generation, scoring, exact solvers and explanations.
//!
//! Pure: no I/O, no clocks but the timings it reports. A run takes a [`Snapshot`] of one
//! scope, builds the competence graph, generates and scores every arc the hard rules allow,
//! solves the maximum-weight b-matching exactly over all of them with a certificate of
//! optimality, and explains every pair and every unmatched demand, with the diff against the
//! active mentorships. Every kind goes through the same [`pipeline`].

pub mod directions;
mod explain;
pub mod graph;
pub mod groups;
pub mod network;
pub mod pairs;
pub mod peers;
mod pipeline;
pub mod platforms;
pub mod problem;
pub mod rematch;
pub mod schedule;
pub mod schools;
pub mod solver;

use std::time::Duration;

use peerlift_domain::{
    Certificate, Coverage, Diff, MatchKind, Policy, ProblemSize, ProposedPair, Unmatched, Weights,
};

pub use graph::{CompetenceGraph, Snapshot};
pub use pipeline::RunOptions;
pub use problem::{ExportedProblem, SolvedProblem};

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
    /// Why the run is optimal, or that it is not guaranteed to be.
    pub certificate: Certificate,
    /// The whole problem and its solution, when asked for (`RunOptions::keep_problem`).
    pub problem: Option<SolvedProblem>,
    /// Phases: graph, candidates, solve, explain.
    pub timings: Vec<(String, Duration)>,
    /// Solver work, for benchmarks.
    pub stats: solver::Stats,
}

/// Runs the matching of `kind` on a snapshot.
pub fn run(
    kind: MatchKind,
    snap: &Snapshot,
    weights: &Weights,
    policy: &Policy,
) -> Result<MatchOutcome, MatchError> {
    run_with(kind, snap, weights, policy, RunOptions::default())
}

/// [`run`], keeping the whole solved problem when `options` ask for it.
pub fn run_with(
    kind: MatchKind,
    snap: &Snapshot,
    weights: &Weights,
    policy: &Policy,
    options: RunOptions,
) -> Result<MatchOutcome, MatchError> {
    match kind {
        MatchKind::TeacherPairs => pairs::match_teacher_pairs(snap, weights, policy, options),
        MatchKind::SchoolPartnerships => {
            schools::match_school_partnerships(snap, weights, policy, options)
        }
        MatchKind::SchoolDirections => {
            directions::match_school_directions(snap, weights, policy, options)
        }
        MatchKind::TeacherGroups => groups::match_teacher_groups(snap, weights, policy, options),
        MatchKind::SchoolGroups => groups::match_school_groups(snap, weights, policy, options),
        MatchKind::ManagementPlatforms => {
            platforms::match_management_platforms(snap, weights, policy, options)
        }
    }
}
