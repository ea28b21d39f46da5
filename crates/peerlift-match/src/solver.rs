//! Exact maximum-weight b-matching between unit demands and capacitated suppliers.
//!
//! The problem: demands `0..n`, suppliers with capacities, arcs `(demand, supplier, weight)`.
//! Choose for each demand at most one of its arcs so that no supplier is used more than its
//! capacity, maximising the total weight. A demand may stay unassigned.
//!
//! Method: successive shortest paths on the min-cost-flow formulation, one demand at a time
//! (the Hungarian method for rectangular problems, generalised to capacities). Every demand has
//! a private "stay unassigned" arc of cost 0 to the sink, so each search is bounded by that
//! option and usually stays local. Node potentials keep reduced costs non-negative, so each
//! search is a Dijkstra that stops when it reaches the sink. The invariant of successive
//! shortest paths (the flow is of minimum cost for the demands processed so far) makes the
//! result optimal after the last demand; see `tests` for the brute-force check.
//!
//! Determinism: the heap orders by (distance, node), arcs are scanned in input order, so the
//! same problem always gives the same assignment, also among equal-weight optima.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// One candidate arc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arc {
    pub demand: u32,
    pub supplier: u32,
    pub weight: i64,
}

/// A b-matching problem. Arcs need not be sorted; duplicate (demand, supplier) arcs are allowed
/// (the better one wins).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problem {
    pub demands: usize,
    pub capacities: Vec<u32>,
    pub arcs: Vec<Arc>,
}

/// The optimum: for each demand the index (into `Problem::arcs`) of its assigned arc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    pub assignment: Vec<Option<usize>>,
    pub objective: i64,
    /// Work done, for benchmarks: nodes settled over all searches.
    pub settled: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SolveError {
    #[error("arc {index} names demand {demand}, but there are {demands} demands")]
    BadDemand {
        index: usize,
        demand: u32,
        demands: usize,
    },
    #[error("arc {index} names supplier {supplier}, but there are {suppliers} suppliers")]
    BadSupplier {
        index: usize,
        supplier: u32,
        suppliers: usize,
    },
    #[error("weights too large: the total could overflow 64 bits")]
    Overflow,
}

const NONE: u32 = u32::MAX;

/// Per-search Dijkstra state, reused across searches; a tag marks what this search touched so
/// nothing is cleared between searches.
struct Search {
    dist: Vec<i64>,
    seen: Vec<u32>,
    done: Vec<u32>,
    via_arc: Vec<usize>,
    via_node: Vec<u32>,
    settled: Vec<usize>,
    heap: BinaryHeap<Reverse<(i64, u32)>>,
    tag: u32,
}

impl Search {
    fn new(nodes: usize) -> Search {
        Search {
            dist: vec![i64::MAX; nodes],
            seen: vec![0; nodes],
            done: vec![0; nodes],
            via_arc: vec![usize::MAX; nodes],
            via_node: vec![NONE; nodes],
            settled: Vec::new(),
            heap: BinaryHeap::new(),
            tag: 0,
        }
    }

    fn begin(&mut self) {
        self.tag += 1;
        self.heap.clear();
        self.settled.clear();
    }

    fn reach(&mut self, v: usize, d: i64, arc: usize, from: usize) {
        if self.seen[v] != self.tag || d < self.dist[v] {
            self.seen[v] = self.tag;
            self.dist[v] = d;
            self.via_arc[v] = arc;
            self.via_node[v] = from as u32;
            self.heap.push(Reverse((d, v as u32)));
        }
    }

    /// The next node to settle, with its distance.
    fn pop(&mut self) -> Option<(i64, usize)> {
        while let Some(Reverse((d, v))) = self.heap.pop() {
            let v = v as usize;
            if self.done[v] == self.tag || d > self.dist[v] {
                continue;
            }
            self.done[v] = self.tag;
            self.settled.push(v);
            return Some((d, v));
        }
        None
    }
}

/// Solves the problem exactly. Arcs with weight <= 0 are never needed (staying unassigned is
/// as good) and are ignored.
pub fn solve(p: &Problem) -> Result<Solution, SolveError> {
    let n = p.demands;
    let m = p.capacities.len();
    let mut max_w: i64 = 0;
    for (index, a) in p.arcs.iter().enumerate() {
        if a.demand as usize >= n {
            return Err(SolveError::BadDemand {
                index,
                demand: a.demand,
                demands: n,
            });
        }
        if a.supplier as usize >= m {
            return Err(SolveError::BadSupplier {
                index,
                supplier: a.supplier,
                suppliers: m,
            });
        }
        max_w = max_w.max(a.weight);
    }
    // Distances are bounded by a few path lengths of weights; keep well inside i64.
    let bound = (max_w as i128) * ((n + m + 2) as i128) * 4;
    if bound > i64::MAX as i128 {
        return Err(SolveError::Overflow);
    }

    // CSR of useful arcs by demand, in input order within a demand.
    let mut order: Vec<usize> = (0..p.arcs.len())
        .filter(|&i| p.arcs[i].weight > 0)
        .collect();
    order.sort_by_key(|&i| p.arcs[i].demand); // stable: input order kept per demand
    let mut start = vec![0usize; n + 1];
    for &i in &order {
        start[p.arcs[i].demand as usize + 1] += 1;
    }
    for d in 0..n {
        start[d + 1] += start[d];
    }

    // Node numbering: demands 0..n, suppliers n..n+m, sink n+m.
    let sink = n + m;
    let nodes = n + m + 1;
    let mut pot = vec![0i64; nodes];
    // Initial potentials: suppliers at minus their best incoming weight, the sink below all.
    for &i in &order {
        let a = p.arcs[i];
        let v = n + a.supplier as usize;
        pot[v] = pot[v].min(-a.weight);
    }
    pot[sink] = pot[n..n + m].iter().copied().min().unwrap_or(0).min(0);
    // (Demands start at 0; the sink is at or below every supplier and demand.)

    let mut assigned: Vec<Option<usize>> = vec![None; n];
    let mut load = vec![0u32; m];
    // Per supplier, the arcs currently using it.
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); m];

    let mut search = Search::new(nodes);
    let mut settled_total = 0u64;

    for src in 0..n {
        if start[src] == start[src + 1] {
            continue; // no useful arc: stays unassigned
        }
        search.begin();
        search.reach(src, 0, usize::MAX, usize::MAX);
        let mut reached_sink = false;
        while let Some((d, v)) = search.pop() {
            if v == sink {
                reached_sink = true;
                break;
            }
            if v < n {
                // Demand: its unused arcs, and its "stay unassigned" arc when that is free
                // (the search's own demand, or one currently holding a supplier).
                for &i in &order[start[v]..start[v + 1]] {
                    if assigned[v] == Some(i) {
                        continue;
                    }
                    let a = p.arcs[i];
                    let w = n + a.supplier as usize;
                    search.reach(w, d - a.weight + pot[v] - pot[w], i, v);
                }
                if v == src || assigned[v].is_some() {
                    search.reach(sink, d + pot[v] - pot[sink], usize::MAX, v);
                }
            } else {
                // Supplier: free capacity leads to the sink; each user can be displaced.
                let s = v - n;
                if load[s] < p.capacities[s] {
                    search.reach(sink, d + pot[v] - pot[sink], usize::MAX, v);
                }
                for &i in &users[s] {
                    let a = p.arcs[i];
                    let u = a.demand as usize;
                    search.reach(u, d + a.weight + pot[v] - pot[u], i, v);
                }
            }
        }
        settled_total += search.settled.len() as u64;
        if !reached_sink {
            // Unreachable: the source's own "unassigned" arc always leads to the sink.
            continue;
        }
        // New potentials keep every residual arc's reduced cost non-negative.
        let dt = search.dist[sink];
        for &v in &search.settled {
            let dv = search.dist[v];
            if dv < dt {
                pot[v] += dv - dt;
            }
        }
        // Augment from the sink back to the source. A demand that reaches the sink directly
        // gives up its supplier (or, for the source, never takes one).
        let last = search.via_node[sink] as usize;
        if last < n {
            if let Some(old) = assigned[last].take() {
                let s = p.arcs[old].supplier as usize;
                users[s].retain(|&x| x != old);
                load[s] -= 1;
            }
        }
        let mut v = last;
        while v != src {
            let from = search.via_node[v] as usize;
            if v >= n {
                // demand `from` -> supplier `v`: `from` moves to this supplier.
                let i = search.via_arc[v];
                if let Some(old) = assigned[from].take() {
                    let s = p.arcs[old].supplier as usize;
                    users[s].retain(|&x| x != old);
                    load[s] -= 1;
                }
                let s = v - n;
                assigned[from] = Some(i);
                users[s].push(i);
                load[s] += 1;
            }
            v = from;
        }
    }
    let objective = assigned.iter().flatten().map(|&i| p.arcs[i].weight).sum();
    Ok(Solution {
        assignment: assigned,
        objective,
        settled: settled_total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Exhaustive optimum: every demand unassigned or on one of its arcs, capacities kept.
    pub(crate) fn brute_force(p: &Problem) -> i64 {
        fn go(p: &Problem, d: usize, load: &mut Vec<u32>, by_demand: &[Vec<usize>]) -> i64 {
            if d == p.demands {
                return 0;
            }
            let mut best = go(p, d + 1, load, by_demand);
            for &i in &by_demand[d] {
                let s = p.arcs[i].supplier as usize;
                if load[s] < p.capacities[s] {
                    load[s] += 1;
                    best = best.max(p.arcs[i].weight + go(p, d + 1, load, by_demand));
                    load[s] -= 1;
                }
            }
            best
        }
        let mut by_demand = vec![Vec::new(); p.demands];
        for (i, a) in p.arcs.iter().enumerate() {
            by_demand[a.demand as usize].push(i);
        }
        go(p, 0, &mut vec![0; p.capacities.len()], &by_demand)
    }

    fn feasible(p: &Problem, s: &Solution) -> bool {
        let mut load = vec![0u32; p.capacities.len()];
        for (d, a) in s.assignment.iter().enumerate() {
            if let Some(i) = a {
                if p.arcs[*i].demand as usize != d {
                    return false;
                }
                load[p.arcs[*i].supplier as usize] += 1;
            }
        }
        load.iter().zip(&p.capacities).all(|(l, c)| l <= c)
    }

    fn problem() -> impl Strategy<Value = Problem> {
        (1usize..=8, proptest::collection::vec(0u32..=3, 1..=4)).prop_flat_map(|(n, caps)| {
            let m = caps.len() as u32;
            let arcs = proptest::collection::vec(
                (0..n as u32, 0..m, -20i64..=100).prop_map(|(demand, supplier, weight)| Arc {
                    demand,
                    supplier,
                    weight,
                }),
                0..=24,
            );
            (Just(n), Just(caps), arcs).prop_map(|(demands, capacities, arcs)| Problem {
                demands,
                capacities,
                arcs,
            })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn objective_equals_brute_force(p in problem()) {
            let s = solve(&p).unwrap();
            prop_assert!(feasible(&p, &s));
            let sum: i64 = s.assignment.iter().flatten().map(|&i| p.arcs[i].weight).sum();
            prop_assert_eq!(sum, s.objective);
            prop_assert_eq!(s.objective, brute_force(&p));
        }

        #[test]
        fn same_input_same_output(p in problem()) {
            prop_assert_eq!(solve(&p).unwrap(), solve(&p).unwrap());
        }
    }

    #[test]
    fn displacement_chains_are_found() {
        // d0 prefers s0 but can use s1; d1 can only use s0 and gains more there.
        let p = Problem {
            demands: 2,
            capacities: vec![1, 1],
            arcs: vec![
                Arc {
                    demand: 0,
                    supplier: 0,
                    weight: 10,
                },
                Arc {
                    demand: 0,
                    supplier: 1,
                    weight: 9,
                },
                Arc {
                    demand: 1,
                    supplier: 0,
                    weight: 8,
                },
            ],
        };
        let s = solve(&p).unwrap();
        assert_eq!(s.objective, 17);
        assert_eq!(s.assignment, vec![Some(1), Some(2)]);
    }

    #[test]
    fn bad_indices_are_errors() {
        let p = Problem {
            demands: 1,
            capacities: vec![1],
            arcs: vec![Arc {
                demand: 0,
                supplier: 3,
                weight: 1,
            }],
        };
        assert!(matches!(solve(&p), Err(SolveError::BadSupplier { .. })));
    }
}
