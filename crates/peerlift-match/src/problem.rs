//! The exact problem a run solved, in the shape `peerlift match --export-problem` writes, so
//! anyone can check optimality with an independent solver.
//!
//! Weights are the solver's: for teacher pairs an A-level demand's arcs carry the A-first
//! bonus (larger than the sum of all other weights), which turns "cover as many A demands as
//! possible, then maximise the score" into one maximum-weight problem. Locked pairs are not in
//! the file; supplier capacities are what remains after them.

use peerlift_domain::MatchKind;
use serde::{Deserialize, Serialize};

use crate::solver::{Problem, Solution};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capacity {
    pub id: String,
    pub capacity: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArcOut {
    pub demand: String,
    pub supplier: String,
    pub weight: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairOut {
    pub demand: String,
    pub supplier: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportProblem {
    pub kind: String,
    pub demands: Vec<Capacity>,
    pub suppliers: Vec<Capacity>,
    pub arcs: Vec<ArcOut>,
    pub assignment: Vec<PairOut>,
    pub objective: i64,
}

impl ExportProblem {
    pub fn new(
        kind: MatchKind,
        demand_ids: Vec<String>,
        supplier_ids: Vec<String>,
        p: &Problem,
        s: &Solution,
    ) -> ExportProblem {
        let mut arcs = Vec::new();
        for (d, id) in demand_ids.iter().enumerate() {
            for a in p.arcs(d) {
                arcs.push(ArcOut {
                    demand: id.clone(),
                    supplier: supplier_ids[p.supplier[a] as usize].clone(),
                    weight: p.weight(d, a),
                });
            }
        }
        let assignment = s
            .assignment
            .iter()
            .enumerate()
            .filter_map(|(d, a)| a.map(|a| (d, a)))
            .map(|(d, a)| PairOut {
                demand: demand_ids[d].clone(),
                supplier: supplier_ids[p.supplier[a] as usize].clone(),
            })
            .collect();
        ExportProblem {
            kind: kind.code().to_string(),
            demands: demand_ids
                .into_iter()
                .map(|id| Capacity { id, capacity: 1 })
                .collect(),
            suppliers: supplier_ids
                .into_iter()
                .zip(&p.capacities)
                .map(|(id, c)| Capacity { id, capacity: *c })
                .collect(),
            arcs,
            assignment,
            objective: s.objective,
        }
    }

    /// Checks the file's own claims: ids exist, capacities hold, the objective is the sum of
    /// the assigned arcs' weights. (Optimality needs a solver; the tests use brute force.)
    pub fn check(&self) -> Result<(), String> {
        use std::collections::HashMap;
        let demands: HashMap<&str, u32> = self
            .demands
            .iter()
            .map(|d| (d.id.as_str(), d.capacity))
            .collect();
        let mut load: HashMap<&str, u32> = HashMap::new();
        let caps: HashMap<&str, u32> = self
            .suppliers
            .iter()
            .map(|s| (s.id.as_str(), s.capacity))
            .collect();
        let weight: HashMap<(&str, &str), i64> = self
            .arcs
            .iter()
            .map(|a| ((a.demand.as_str(), a.supplier.as_str()), a.weight))
            .collect();
        let mut used: HashMap<&str, u32> = HashMap::new();
        let mut total = 0i64;
        for a in &self.assignment {
            let w = weight
                .get(&(a.demand.as_str(), a.supplier.as_str()))
                .ok_or_else(|| {
                    format!("assigned pair {} -> {} is not an arc", a.demand, a.supplier)
                })?;
            total += w;
            let u = used.entry(a.demand.as_str()).or_default();
            *u += 1;
            if *u > demands.get(a.demand.as_str()).copied().unwrap_or(0) {
                return Err(format!("demand {} over its capacity", a.demand));
            }
            let l = load.entry(a.supplier.as_str()).or_default();
            *l += 1;
            if *l > caps.get(a.supplier.as_str()).copied().unwrap_or(0) {
                return Err(format!("supplier {} over its capacity", a.supplier));
            }
        }
        if total != self.objective {
            return Err(format!(
                "objective {} but the arcs sum to {total}",
                self.objective
            ));
        }
        Ok(())
    }
}
