//! The matching engine: candidate generation, scoring, exact solvers and explanations.
//!
//! Pure: no I/O, no clocks. It takes a snapshot of one scope and returns a result, so it can be
//! tested and benchmarked without a server.

pub mod solver;
