//! The whole problem a run solved, in the shape `peerlift match --export-problem` writes, so
//! anyone can check the run with an independent solver, or without one.
//!
//! The file is JSON, `"format": "peerlift-problem/2"`:
//!
//! ```text
//! { "format": "peerlift-problem/2", "kind": "teacher_pairs", "objective": 322468733591,
//!   "demands":   [ {"id": "r00-m00-s001-t03/mathematics", "capacity": 1}, ... ],
//!   "suppliers": [ {"id": "r00-m01-s020-t11", "capacity": 2}, ... ],
//!   "arcs":       [ [0, 5, 50001234], ... ],      // [demand index, supplier index, weight]
//!   "assignment": [ [0, 5], ... ],                // [demand index, supplier index]
//!   "duals": { "demands": [ ... ], "suppliers": [ ... ] } }
//! ```
//!
//! Every arc the hard rules allow is there (unless the run used the opt-in candidate limit).
//! Weights are the solver's: for teacher pairs an A-level demand's arcs carry the A-first bonus
//! (larger than the sum of all other weights), which turns "cover as many A demands as
//! possible, then maximise the score" into one maximum-weight problem. Locked (and pinned)
//! pairs are not in the file; supplier capacities are what remains after them. The duals prove
//! the assignment optimal: both are non-negative, every arc's weight is at most its demand's
//! dual plus its supplier's, and `sum(demand duals) + sum(capacity * supplier dual)` equals
//! the objective. [`ExportedProblem::check`] verifies all of it.

use std::io::Write;

use peerlift_domain::MatchKind;
use serde::{Deserialize, Serialize};

use crate::solver::{Problem, Solution};

pub const FORMAT: &str = "peerlift-problem/2";

/// A solved problem with the ids of its demands and suppliers.
#[derive(Debug, Clone)]
pub struct SolvedProblem {
    pub kind: MatchKind,
    pub demand_ids: Vec<String>,
    pub supplier_ids: Vec<String>,
    pub problem: Problem,
    pub solution: Solution,
}

impl SolvedProblem {
    /// Writes the file, streaming: nothing but the output buffer grows with the problem.
    pub fn write_json(&self, out: &mut impl Write) -> std::io::Result<()> {
        let p = &self.problem;
        let s = &self.solution;
        let id = |out: &mut dyn Write, x: &str| -> std::io::Result<()> {
            serde_json::to_writer(&mut *out, x).map_err(std::io::Error::other)
        };
        write!(
            out,
            "{{\"format\":\"{FORMAT}\",\"kind\":\"{}\",\"objective\":{},\n\"demands\":[",
            self.kind.code(),
            s.objective
        )?;
        for (d, x) in self.demand_ids.iter().enumerate() {
            if d > 0 {
                out.write_all(b",")?;
            }
            out.write_all(b"\n{\"id\":")?;
            id(out, x)?;
            out.write_all(b",\"capacity\":1}")?;
        }
        out.write_all(b"],\n\"suppliers\":[")?;
        for (i, x) in self.supplier_ids.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            out.write_all(b"\n{\"id\":")?;
            id(out, x)?;
            write!(out, ",\"capacity\":{}}}", p.capacities[i])?;
        }
        out.write_all(b"],\n\"arcs\":[")?;
        let mut first = true;
        for d in 0..p.demands() {
            for a in p.arcs(d) {
                if !first {
                    out.write_all(b",")?;
                }
                first = false;
                write!(out, "\n[{d},{},{}]", p.supplier[a], p.weight(d, a))?;
            }
        }
        out.write_all(b"],\n\"assignment\":[")?;
        let mut first = true;
        for (d, a) in s.assignment.iter().enumerate() {
            if let Some(a) = a {
                if !first {
                    out.write_all(b",")?;
                }
                first = false;
                write!(out, "[{d},{}]", p.supplier[*a])?;
            }
        }
        out.write_all(b"],\n\"duals\":{\"demands\":")?;
        serde_json::to_writer(&mut *out, &s.duals.demand).map_err(std::io::Error::other)?;
        out.write_all(b",\n\"suppliers\":")?;
        serde_json::to_writer(&mut *out, &s.duals.supplier).map_err(std::io::Error::other)?;
        out.write_all(b"}}\n")?;
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capacity {
    pub id: String,
    pub capacity: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DualsOut {
    pub demands: Vec<i64>,
    pub suppliers: Vec<i64>,
}

/// An exported problem read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedProblem {
    pub format: String,
    pub kind: String,
    pub objective: i64,
    pub demands: Vec<Capacity>,
    pub suppliers: Vec<Capacity>,
    pub arcs: Vec<(u32, u32, i64)>,
    pub assignment: Vec<(u32, u32)>,
    #[serde(default)]
    pub duals: Option<DualsOut>,
}

/// What [`ExportedProblem::check`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckReport {
    pub demands: usize,
    pub suppliers: usize,
    pub arcs: usize,
    pub assigned: usize,
    pub objective: i64,
    /// True when the file's duals prove the assignment optimal.
    pub proven_optimal: bool,
}

impl ExportedProblem {
    pub fn from_json(text: &[u8]) -> Result<ExportedProblem, String> {
        let p: ExportedProblem =
            serde_json::from_slice(text).map_err(|e| format!("not a problem file: {e}"))?;
        if p.format != FORMAT {
            return Err(format!(
                "format {:?}, this peerlift reads {FORMAT:?}",
                p.format
            ));
        }
        Ok(p)
    }

    /// The solver's form of the file's problem (capacity-1 demands, weights as given).
    pub fn to_problem(&self) -> Result<Problem, String> {
        let mut arcs = Vec::with_capacity(self.arcs.len());
        for &(d, s, w) in &self.arcs {
            arcs.push((d, s, w));
        }
        // Weights with the A-first bonus do not fit the solver's 32-bit scores: carry each
        // demand's smallest weight as its bonus and the rest as the score.
        let n = self.demands.len();
        let mut base = vec![i64::MAX; n];
        for &(d, _, w) in &arcs {
            let d = d as usize;
            if d < n {
                base[d] = base[d].min(w.max(0));
            }
        }
        let shifted: Vec<(u32, u32, i64)> = arcs
            .iter()
            .map(|&(d, s, w)| (d, s, w - base.get(d as usize).copied().unwrap_or(0)))
            .collect();
        let mut p = Problem::from_arcs(
            n,
            self.suppliers.iter().map(|s| s.capacity).collect(),
            &shifted,
        )
        .map_err(|e| e.to_string())?;
        for (d, b) in base.into_iter().enumerate() {
            p.bonus[d] = if b == i64::MAX { 0 } else { b };
        }
        Ok(p)
    }

    /// Checks the file's own claims: indexes exist, the assignment uses arcs and keeps every
    /// capacity, the objective is the sum of the assigned arcs' weights, and (when the file has
    /// duals) that they are non-negative, cover every arc and bound the objective exactly.
    pub fn check(&self) -> Result<CheckReport, String> {
        let (n, m) = (self.demands.len(), self.suppliers.len());
        if let Some(d) = self.demands.iter().find(|d| d.capacity != 1) {
            return Err(format!(
                "demand {} has capacity {}, not 1",
                d.id, d.capacity
            ));
        }
        for (i, &(d, s, _)) in self.arcs.iter().enumerate() {
            if d as usize >= n || s as usize >= m {
                return Err(format!(
                    "arc {i} names demand {d} or supplier {s}, which do not exist"
                ));
            }
        }
        // The weight of every assigned (demand, supplier), the best of parallel arcs.
        let mut wanted: std::collections::HashMap<(u32, u32), Option<i64>> = self
            .assignment
            .iter()
            .map(|&(d, s)| ((d, s), None))
            .collect();
        for &(d, s, w) in &self.arcs {
            if let Some(x) = wanted.get_mut(&(d, s)) {
                *x = Some(x.map_or(w, |y: i64| y.max(w)));
            }
        }
        let mut used = vec![0u32; n];
        let mut load = vec![0u32; m];
        let mut total = 0i64;
        for &(d, s) in &self.assignment {
            let w: i64 = wanted
                .get(&(d, s))
                .copied()
                .flatten()
                .ok_or_else(|| format!("assigned pair {d} -> {s} is not an arc"))?;
            total = total
                .checked_add(w)
                .ok_or("the assigned arcs' weights overflow 64 bits")?;
            let (di, si) = (d as usize, s as usize);
            if di >= n || si >= m {
                return Err(format!(
                    "assigned pair {d} -> {s} names what does not exist"
                ));
            }
            used[di] += 1;
            if used[di] > 1 {
                return Err(format!("demand {} is assigned twice", self.demands[di].id));
            }
            load[si] += 1;
            if load[si] > self.suppliers[si].capacity {
                return Err(format!(
                    "supplier {} is over its capacity",
                    self.suppliers[si].id
                ));
            }
        }
        if total != self.objective {
            return Err(format!(
                "objective {} but the assigned arcs sum to {total}",
                self.objective
            ));
        }
        let mut proven = false;
        if let Some(duals) = &self.duals {
            if duals.demands.len() != n || duals.suppliers.len() != m {
                return Err("the duals do not match the demands and suppliers".into());
            }
            if duals.demands.iter().chain(&duals.suppliers).any(|&x| x < 0) {
                return Err("a dual is negative".into());
            }
            // In 128 bits: made-up duals must not wrap around into a proof.
            for (i, &(d, s, w)) in self.arcs.iter().enumerate() {
                let covered =
                    i128::from(duals.demands[d as usize]) + i128::from(duals.suppliers[s as usize]);
                if i128::from(w) > covered {
                    return Err(format!(
                        "arc {i} ({} -> {}) weighs {w}, more than its duals cover",
                        self.demands[d as usize].id, self.suppliers[s as usize].id
                    ));
                }
            }
            let bound: i128 = duals.demands.iter().map(|&u| i128::from(u)).sum::<i128>()
                + duals
                    .suppliers
                    .iter()
                    .zip(&self.suppliers)
                    .map(|(v, s)| i128::from(*v) * i128::from(s.capacity))
                    .sum::<i128>();
            if bound != i128::from(total) {
                return Err(format!(
                    "the duals bound {bound}, not the objective {total}: they prove nothing"
                ));
            }
            proven = true;
        }
        Ok(CheckReport {
            demands: n,
            suppliers: m,
            arcs: self.arcs.len(),
            assigned: self.assignment.len(),
            objective: total,
            proven_optimal: proven,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn file(
        duals: (Vec<i64>, Vec<i64>),
        assignment: Vec<(u32, u32)>,
        objective: i64,
    ) -> ExportedProblem {
        ExportedProblem {
            format: FORMAT.into(),
            kind: "teacher_pairs".into(),
            objective,
            demands: vec![Capacity {
                id: "d".into(),
                capacity: 1,
            }],
            suppliers: vec![Capacity {
                id: "s".into(),
                capacity: 4,
            }],
            arcs: vec![(0, 0, 10)],
            assignment,
            duals: Some(DualsOut {
                demands: duals.0,
                suppliers: duals.1,
            }),
        }
    }

    #[test]
    fn a_true_proof_passes_and_made_up_duals_do_not() {
        assert!(
            file((vec![10], vec![0]), vec![(0, 0)], 10)
                .check()
                .unwrap()
                .proven_optimal
        );
        // Too small: the arc is not covered.
        assert!(file((vec![0], vec![0]), vec![], 0).check().is_err());
        // Huge supplier duals cover the arc, and 4 x 2^62 wraps to 0 in 64 bits: it must not
        // pass for a proof that the empty assignment (0) is optimal when 10 is possible.
        assert!(file((vec![0], vec![1 << 62]), vec![], 0).check().is_err());
        // An assignment that is not an arc.
        assert!(file((vec![10], vec![0]), vec![(0, 1)], 10).check().is_err());
    }
}
