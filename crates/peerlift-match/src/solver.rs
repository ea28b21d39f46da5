//! Exact maximum-weight b-matching between unit demands and capacitated suppliers, over every
//! arc of the problem, with a certificate of optimality.
//!
//! The problem: demands `0..n`, suppliers with capacities, arcs `(demand, supplier, weight)`
//! stored by demand (CSR). Choose for each demand at most one of its arcs so that no supplier is
//! used more than its capacity, maximising the total weight. A demand may stay unassigned.
//!
//! # Method: an ε-scaling auction on a balanced problem
//!
//! A region's whole problem has millions of arcs and is highly degenerate (thousands of A-level
//! demands of nearly equal value compete for scarce mentors), which makes shortest-path
//! methods slow: every augmentation explores most of the graph. The auction algorithm
//! (Bertsekas) copes with exactly this: demands *bid* for suppliers, raising their prices by
//! the margin between their best and second-best option, and ε-scaling keeps price wars short.
//!
//! Auctions with ε-scaling are exact only for balanced problems (every bidder and every object
//! assigned at the end), and ours is not: demands may stay unassigned and places may stay
//! empty. So the auction runs on an equivalent balanced problem:
//!
//! * objects: one *copy* per place of each supplier (a supplier with capacity 3 is three
//!   identical objects), plus one private *null* object per demand (value 0 to its demand:
//!   staying unassigned);
//! * bidders: the demands, plus one *filler* per place. A filler values every object at 0, so
//!   fillers end up on the places nobody wants and on the nulls of demands that got a place.
//!
//! Both sides then number `places + demands`, every solution of the original problem extends
//! to one of the balanced problem with the same weight, and vice versa. Fillers are
//! implicit: a filler bids for the cheapest object of all, found in a price heap. Weights are
//! scaled by `bidders + 1` and the last phase runs at ε = 1, so the ε-optimal assignment it
//! ends with is optimal (the classical bound: ε < 1/bidders).
//!
//! # Certificate
//!
//! The auction's prices are not used for the proof. [`duals_for`] computes LP duals from the
//! assignment alone (the smallest supplier prices that make every demand content with what it
//! got: a longest-path closure of difference constraints), and [`certify`] checks on the
//! problem and the solution only: feasibility, `u, v >= 0`, `w <= u_d + v_s` for every arc,
//! and `sum u + sum cap * v = objective`. By LP duality nothing can weigh more. The exported
//! problem carries the duals, so anyone can repeat the check without a solver.
//!
//! Determinism: bidders are served first in, first out, starting in index order; ties between
//! objects go to the lower index; so the same problem always gives the same assignment.

use std::collections::VecDeque;
use std::ops::Range;

/// A b-matching problem, arcs grouped by demand. The weight of arc `a` of demand `d` is
/// `score[a] + bonus[d]`: the bonus (the A-first priority) is per demand, so arcs stay small
/// (8 bytes each).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problem {
    pub capacities: Vec<u32>,
    /// One per demand, non-negative.
    pub bonus: Vec<i64>,
    /// Arcs of demand `d` are `start[d]..start[d + 1]`; one entry more than there are demands.
    pub start: Vec<usize>,
    pub supplier: Vec<u32>,
    pub score: Vec<i32>,
}

impl Problem {
    /// A problem from loose arcs `(demand, supplier, weight)` (tests, small kinds). Weights must
    /// fit in 32 bits.
    pub fn from_arcs(
        demands: usize,
        capacities: Vec<u32>,
        arcs: &[(u32, u32, i64)],
    ) -> Result<Problem, SolveError> {
        for (index, &(d, s, _)) in arcs.iter().enumerate() {
            if d as usize >= demands {
                return Err(SolveError::BadDemand {
                    index,
                    demand: d,
                    demands,
                });
            }
            if s as usize >= capacities.len() {
                return Err(SolveError::BadSupplier {
                    index,
                    supplier: s,
                    suppliers: capacities.len(),
                });
            }
        }
        let mut order: Vec<usize> = (0..arcs.len()).collect();
        order.sort_by_key(|&i| arcs[i].0); // stable: input order within a demand
        let mut start = vec![0usize; demands + 1];
        for &(d, _, _) in arcs {
            start[d as usize + 1] += 1;
        }
        for d in 0..demands {
            start[d + 1] += start[d];
        }
        let mut supplier = Vec::with_capacity(arcs.len());
        let mut score = Vec::with_capacity(arcs.len());
        for i in order {
            let (_, s, w) = arcs[i];
            supplier.push(s);
            score.push(i32::try_from(w).map_err(|_| SolveError::Overflow)?);
        }
        Ok(Problem {
            capacities,
            bonus: vec![0; demands],
            start,
            supplier,
            score,
        })
    }

    pub fn demands(&self) -> usize {
        self.bonus.len()
    }

    pub fn arc_count(&self) -> usize {
        self.supplier.len()
    }

    pub fn arcs(&self, d: usize) -> Range<usize> {
        self.start[d]..self.start[d + 1]
    }

    /// The weight of arc `a`, which belongs to demand `d`.
    #[inline]
    pub fn weight(&self, d: usize, a: usize) -> i64 {
        i64::from(self.score[a]) + self.bonus[d]
    }

    /// The largest arc weight (0 when none is positive).
    pub fn max_weight(&self) -> i64 {
        (0..self.demands())
            .flat_map(|d| self.arcs(d).map(move |a| (d, a)))
            .map(|(d, a)| self.weight(d, a))
            .max()
            .unwrap_or(0)
            .max(0)
    }

    fn check(&self) -> Result<(), SolveError> {
        let n = self.demands();
        let m = self.capacities.len();
        if self.start.len() != n + 1
            || self.start.first() != Some(&0)
            || self.start.last() != Some(&self.supplier.len())
            || self.start.windows(2).any(|w| w[0] > w[1])
            || self.score.len() != self.supplier.len()
        {
            return Err(SolveError::Malformed);
        }
        if let Some(index) = self.supplier.iter().position(|&s| s as usize >= m) {
            return Err(SolveError::BadSupplier {
                index,
                supplier: self.supplier[index],
                suppliers: m,
            });
        }
        if self.bonus.iter().any(|&b| b < 0) {
            return Err(SolveError::Malformed);
        }
        // Scaled weights and prices (a few times the largest scaled weight) and the objective
        // must stay well inside 64 bits.
        let bidders = n as i128 + self.capacities.iter().map(|&c| i128::from(c)).sum::<i128>();
        let max = i128::from(
            self.score
                .iter()
                .map(|&x| i64::from(x))
                .max()
                .unwrap_or(0)
                .max(0),
        ) + i128::from(self.bonus.iter().copied().max().unwrap_or(0));
        if max * (bidders + 1) * 64 > i128::from(i64::MAX)
            || max * (n as i128 + 1) > i128::from(i64::MAX / 4)
        {
            return Err(SolveError::Overflow);
        }
        Ok(())
    }

    /// Writes the problem as a DIMACS min-cost-flow instance (the format LEMON, OR-Tools and
    /// most solvers read): nodes 1..n the demands (supply 1), then the suppliers, then the sink
    /// (supply -n); arcs demand->supplier (capacity 1, cost = -weight), demand->sink (capacity
    /// 1, cost 0: unassigned), supplier->sink (its capacity, cost 0). The minimum cost is minus
    /// the maximum weight.
    pub fn write_dimacs(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        let n = self.demands();
        let m = self.capacities.len();
        let sink = n + m + 1;
        writeln!(
            out,
            "c peerlift matching problem: demands 1..{n}, suppliers {}..{}, sink {sink}",
            n + 1,
            n + m
        )?;
        writeln!(out, "p min {} {}", n + m + 1, self.arc_count() + n + m)?;
        for d in 1..=n {
            writeln!(out, "n {d} 1")?;
        }
        writeln!(out, "n {sink} -{n}")?;
        for d in 0..n {
            for a in self.arcs(d) {
                writeln!(
                    out,
                    "a {} {} 0 1 {}",
                    d + 1,
                    n + 1 + self.supplier[a] as usize,
                    -self.weight(d, a)
                )?;
            }
            writeln!(out, "a {} {sink} 0 1 0", d + 1)?;
        }
        for (s, c) in self.capacities.iter().enumerate() {
            writeln!(out, "a {} {sink} 0 {c} 0", n + 1 + s)?;
        }
        Ok(())
    }
}

/// LP duals of the problem: `demand[d] >= 0`, `supplier[s] >= 0`, and for every arc
/// `weight <= demand[d] + supplier[s]`. Their bound `sum demand + sum capacity * supplier` is at
/// least every assignment's weight; equal to the solution's, it proves optimality.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Duals {
    pub demand: Vec<i64>,
    pub supplier: Vec<i64>,
}

impl Duals {
    /// `sum demand + sum capacity * supplier`, in 128 bits (so a made-up dual cannot wrap
    /// around to look like a proof); None when it does not fit 64 bits.
    pub fn bound(&self, p: &Problem) -> Option<i64> {
        let total: i128 = self.demand.iter().map(|&u| i128::from(u)).sum::<i128>()
            + self
                .supplier
                .iter()
                .zip(&p.capacities)
                .map(|(v, c)| i128::from(*v) * i128::from(*c))
                .sum::<i128>();
        i64::try_from(total).ok()
    }
}

/// What the solver did, for the run's record and the benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// ε-scaling phases of the auction.
    pub phases: u32,
    /// Bids made by demands (each scans the demand's arcs) and by fillers (a heap pop).
    pub demand_bids: u64,
    pub filler_bids: u64,
    /// Supplier updates while the duals were computed from the assignment.
    pub dual_updates: u64,
}

/// The optimum: for each demand the index of its assigned arc, the objective and the duals that
/// prove it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    pub assignment: Vec<Option<usize>>,
    pub objective: i64,
    pub duals: Duals,
    pub stats: Stats,
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
    #[error("the problem's arc table is malformed")]
    Malformed,
    #[error("weights too large: the exact solve could overflow 64 bits (lower the weights)")]
    Overflow,
    #[error("the solution is not proven optimal: {0}")]
    NotCertified(String),
}

const NIL: u32 = u32::MAX;

/// Stands for "no such copy" in per-supplier prices: far above any price, yet a weight minus it
/// cannot overflow (weights are checked to stay below `i64::MAX / 64`).
const NO_COPY: i64 = i64::MAX / 4;

/// Objects by price, lowest first (ties: lower index), with their positions so a price rise
/// moves one entry (prices only rise, so only sifting down is needed).
struct PriceHeap {
    heap: Vec<u32>,
    pos: Vec<u32>,
}

impl PriceHeap {
    fn new(objects: usize) -> PriceHeap {
        // All prices start at 0: index order is a valid heap.
        PriceHeap {
            heap: (0..objects as u32).collect(),
            pos: (0..objects as u32).collect(),
        }
    }

    #[inline]
    fn less(price: &[i64], a: u32, b: u32) -> bool {
        (price[a as usize], a) < (price[b as usize], b)
    }

    /// Restores the heap after the price of `o` rose.
    fn raised(&mut self, price: &[i64], o: u32) {
        let n = self.heap.len();
        let mut i = self.pos[o as usize] as usize;
        loop {
            let l = 2 * i + 1;
            if l >= n {
                break;
            }
            let r = l + 1;
            let c = if r < n && Self::less(price, self.heap[r], self.heap[l]) {
                r
            } else {
                l
            };
            if !Self::less(price, self.heap[c], o) {
                break;
            }
            self.heap[i] = self.heap[c];
            self.pos[self.heap[i] as usize] = i as u32;
            i = c;
        }
        self.heap[i] = o;
        self.pos[o as usize] = i as u32;
    }

    fn min(&self) -> Option<u32> {
        self.heap.first().copied()
    }

    /// The second-cheapest object's price: the cheaper child of the root.
    fn second_price(&self, price: &[i64]) -> Option<i64> {
        let kids = self.heap.get(1..3.min(self.heap.len()))?;
        kids.iter().map(|&o| price[o as usize]).min()
    }
}

/// The balanced auction (see the module docs). Objects are the places (copies of suppliers)
/// `0..places`, then the nulls `places..places + n`. Bidders are the demands `0..n`, then the
/// fillers `n..n + places`.
struct Auction<'p> {
    p: &'p Problem,
    n: usize,
    places: usize,
    /// Copies of supplier `s` are `first_copy[s]..first_copy[s + 1]`.
    first_copy: Vec<u32>,
    copy_supplier: Vec<u32>,
    price: Vec<i64>,
    holder: Vec<u32>,
    /// The object of each bidder, and for a demand on a place the arc it bid through.
    object: Vec<u32>,
    arc: Vec<u32>,
    /// Per supplier: its cheapest copy (lowest index among equals), that copy's price and the
    /// second-lowest copy price, densely, so a demand's scan reads one array per arc.
    cheapest: Vec<u32>,
    low: Vec<i64>,
    second: Vec<i64>,
    heap: PriceHeap,
    scale: i64,
    /// A bid increment where a bidder has no second option at all.
    wide: i64,
    stats: Stats,
}

impl<'p> Auction<'p> {
    fn new(p: &'p Problem) -> Auction<'p> {
        let n = p.demands();
        let mut first_copy = Vec::with_capacity(p.capacities.len() + 1);
        let mut copy_supplier = Vec::new();
        for (s, &c) in p.capacities.iter().enumerate() {
            first_copy.push(copy_supplier.len() as u32);
            copy_supplier.extend(std::iter::repeat_n(s as u32, c as usize));
        }
        first_copy.push(copy_supplier.len() as u32);
        let places = copy_supplier.len();
        let objects = places + n;
        let scale = (objects + 1) as i64;
        let wide = (p.max_weight() + 1) * scale * 2;
        let m = p.capacities.len();
        let mut a = Auction {
            p,
            n,
            places,
            first_copy,
            copy_supplier,
            price: vec![0; objects],
            holder: vec![NIL; objects],
            object: vec![NIL; objects],
            arc: vec![NIL; n],
            cheapest: vec![NIL; m],
            low: vec![NO_COPY; m],
            second: vec![NO_COPY; m],
            heap: PriceHeap::new(objects),
            scale,
            wide,
            stats: Stats::default(),
        };
        for s in 0..m {
            a.refresh(s);
        }
        a
    }

    /// Recomputes a supplier's cheapest copy and its two lowest prices.
    fn refresh(&mut self, s: usize) {
        let (lo, hi) = (self.first_copy[s], self.first_copy[s + 1]);
        let (mut best, mut best_p, mut second) = (NIL, NO_COPY, NO_COPY);
        for c in lo..hi {
            let pr = self.price[c as usize];
            if pr < best_p {
                second = best_p;
                best_p = pr;
                best = c;
            } else if pr < second {
                second = pr;
            }
        }
        self.cheapest[s] = best;
        self.low[s] = best_p;
        self.second[s] = second;
    }

    /// Gives `object` to `bidder` at `price`; returns the bidder it displaces, if any.
    fn award(&mut self, bidder: u32, object: u32, price: i64) -> Option<u32> {
        let o = object as usize;
        self.price[o] = price;
        self.heap.raised(&self.price, object);
        if o < self.places {
            let s = self.copy_supplier[o] as usize;
            self.refresh(s);
        }
        let old = self.holder[o];
        self.holder[o] = bidder;
        self.object[bidder as usize] = object;
        if old != NIL {
            self.object[old as usize] = NIL;
            Some(old)
        } else {
            None
        }
    }

    /// Best and second-best options of demand `d` over all its arcs and its null:
    /// (best value, object, arc or NIL for the null, second value). The hot loop of the
    /// solver: one read of a dense per-supplier price per arc.
    fn scan(&self, d: usize) -> (i64, u32, u32, i64) {
        let p = self.p;
        let null = (self.places + d) as u32;
        let mut best = -self.price[null as usize];
        let mut best_arc = NIL;
        let mut second = i64::MIN;
        let bonus = p.bonus[d] * self.scale;
        let range = p.arcs(d);
        let (sup, score) = (&p.supplier[range.clone()], &p.score[range.clone()]);
        for (i, (&s, &sc)) in sup.iter().zip(score).enumerate() {
            let v = i64::from(sc) * self.scale + bonus - self.low[s as usize];
            if v > best {
                second = second.max(best);
                best = v;
                best_arc = (range.start + i) as u32;
            } else if v > second {
                second = v;
            }
        }
        let best_obj = if best_arc == NIL {
            null
        } else {
            // The best supplier's next copy is another object, a candidate for second best
            // (other suppliers' next copies are worth no more than their cheapest, already
            // counted).
            let a = best_arc as usize;
            let s = p.supplier[a] as usize;
            second = second.max(p.weight(d, a) * self.scale - self.second[s]);
            self.cheapest[s]
        };
        (best, best_obj, best_arc, second)
    }

    /// A demand bids: its best object by value (weight minus price; its null is worth 0) gets a
    /// price raised by the margin over its second-best option plus ε.
    fn bid_demand(&mut self, d: usize, eps: i64) -> Option<u32> {
        self.stats.demand_bids += 1;
        let (best, best_obj, best_arc, second) = self.scan(d);
        let now = self.price[best_obj as usize];
        // With no real second option any raise keeps ε-complementary slackness: lift the
        // price out of everyone else's reach at once rather than by ε at a time.
        let price = if second < -NO_COPY / 2 {
            (now + eps).max(self.wide)
        } else {
            now + (best - second) + eps
        };
        if best_arc != NIL {
            self.arc[d] = best_arc;
        }
        self.award(d as u32, best_obj, price)
    }

    /// A filler bids: every object is worth 0 to it, so it takes the cheapest, at the
    /// second-cheapest price plus ε.
    fn bid_filler(&mut self, f: u32, eps: i64) -> Option<u32> {
        self.stats.filler_bids += 1;
        let o1 = self.heap.min()?;
        let p2 = self
            .heap
            .second_price(&self.price)
            .unwrap_or(self.price[o1 as usize] + self.wide);
        self.award(f, o1, p2 + eps)
    }

    /// Runs the phases; after each fine enough phase the assignment is offered for
    /// certification, and the first one that certifies ends the auction (exactness needs
    /// ε < 1/bidders in theory; in practice the optimum is usually reached earlier, and the
    /// certificate says when). Returns the certified solution.
    fn run(&mut self) -> Result<(Vec<Option<usize>>, Duals), SolveError> {
        let bidders = self.n + self.places;
        let max = self.p.max_weight() * self.scale;
        // Measured on a region's teacher pairs: 4-7 do best; larger factors need more bids.
        let alpha = 7;
        let mut eps = (max / alpha).max(1);
        let mut queue: VecDeque<u32> = VecDeque::with_capacity(bidders);
        queue.extend(0..bidders as u32);
        loop {
            self.stats.phases += 1;
            // Demands bid before fillers: fillers take what the demands leave.
            let mut fillers: VecDeque<u32> = VecDeque::new();
            loop {
                let b = match queue.pop_front() {
                    Some(b) if (b as usize) >= self.n => {
                        fillers.push_back(b);
                        continue;
                    }
                    Some(b) => b,
                    None => match fillers.pop_front() {
                        Some(f) => f,
                        None => break,
                    },
                };
                let displaced = if (b as usize) < self.n {
                    self.bid_demand(b as usize, eps)
                } else {
                    self.bid_filler(b, eps)
                };
                if let Some(x) = displaced {
                    queue.push_back(x);
                }
            }
            // Below a quarter of a unit of weight the assignment is usually optimal already (on
            // generated regions: from about 0.15 units; at 1 unit it was not): try to prove it.
            // An early try gives up after a few updates per supplier, since a failing one would
            // otherwise chase a cycle to the Bellman-Ford bound; the last phase tries in full.
            if eps == 1 || eps <= self.scale / 4 {
                let assignment = self.assignment();
                let budget = if eps == 1 {
                    None
                } else {
                    Some(8 * (self.p.capacities.len() as u64 + 64))
                };
                if let Ok((duals, updates)) = duals_within(self.p, &assignment, budget) {
                    self.stats.dual_updates += updates;
                    if duals.bound(self.p) == Some(objective(self.p, &assignment)) {
                        return Ok((assignment, duals));
                    }
                }
            }
            if eps == 1 {
                return Err(SolveError::NotCertified(
                    "the auction ended without an assignment its duals prove optimal".into(),
                ));
            }
            eps = (eps / alpha).max(1);
            self.keep_content(eps, &mut queue);
        }
    }

    /// Starts a phase at `eps`: every bidder still content with its object at the new ε keeps
    /// it, the others let go and bid again. (Any assignment satisfying ε-complementary
    /// slackness is a valid start of an auction phase.)
    fn keep_content(&mut self, eps: i64, queue: &mut VecDeque<u32>) {
        queue.clear();
        let floor = self.heap.min().map(|o| self.price[o as usize]).unwrap_or(0);
        for b in 0..(self.n + self.places) {
            let o = self.object[b];
            if o == NIL {
                queue.push_back(b as u32);
                continue;
            }
            let content = if b < self.n {
                let (best, best_obj, _, second) = self.scan(b);
                let other = if best_obj == o { second } else { best };
                let mine = if (o as usize) < self.places {
                    let a = self.arc[b] as usize;
                    self.p.weight(b, a) * self.scale - self.price[o as usize]
                } else {
                    -self.price[o as usize]
                };
                mine >= other.saturating_sub(eps)
            } else {
                self.price[o as usize] <= floor + eps
            };
            if !content {
                self.holder[o as usize] = NIL;
                self.object[b] = NIL;
                queue.push_back(b as u32);
            }
        }
    }

    fn assignment(&self) -> Vec<Option<usize>> {
        (0..self.n)
            .map(|d| {
                let o = self.object[d];
                ((o as usize) < self.places).then_some(self.arc[d] as usize)
            })
            .collect()
    }
}

fn objective(p: &Problem, assignment: &[Option<usize>]) -> i64 {
    assignment
        .iter()
        .enumerate()
        .filter_map(|(d, a)| a.map(|a| p.weight(d, a)))
        .sum()
}

/// Solves the whole problem exactly and proves it (see the module docs).
pub fn solve(p: &Problem) -> Result<Solution, SolveError> {
    p.check()?;
    let mut auction = Auction::new(p);
    let (assignment, duals) = auction.run()?;
    let stats = auction.stats;
    drop(auction);
    let solution = Solution {
        objective: objective(p, &assignment),
        assignment,
        duals,
        stats,
    };
    certify(p, &solution).map_err(SolveError::NotCertified)?;
    Ok(solution)
}

/// LP duals for an assignment, from the assignment alone: the smallest supplier prices `v` with
/// which no demand prefers another arc (nor, if unassigned, any arc) to what it got, and then
/// each demand's profit. The prices are a longest-path closure of difference constraints
/// (`v_s >= v_s0 + w_ds - w_ds0` for a demand on `s0`, `v_s >= w_ds` for an unassigned
/// demand, `v >= 0`), found by label correcting; an optimal assignment has no positive cycle,
/// so it ends. Returns the duals and the number of supplier updates, or why there are none
/// (the assignment is not optimal).
pub fn duals_for(p: &Problem, assignment: &[Option<usize>]) -> Result<(Duals, u64), String> {
    duals_within(p, assignment, None)
}

/// [`duals_for`] giving up after `budget` supplier updates (the auction's early tries).
fn duals_within(
    p: &Problem,
    assignment: &[Option<usize>],
    budget: Option<u64>,
) -> Result<(Duals, u64), String> {
    let n = p.demands();
    let m = p.capacities.len();
    let mut v = vec![0i64; m];
    let mut on: Vec<Vec<u32>> = vec![Vec::new(); m];
    for (d, a) in assignment.iter().enumerate() {
        match a {
            Some(a) => on[p.supplier[*a] as usize].push(d as u32),
            None => {
                for a in p.arcs(d) {
                    let s = p.supplier[a] as usize;
                    v[s] = v[s].max(p.weight(d, a));
                }
            }
        }
    }
    let mut queued = vec![true; m];
    let mut queue: VecDeque<u32> = (0..m as u32).collect();
    let mut times = vec![0u32; m];
    let mut updates = 0u64;
    while let Some(s0) = queue.pop_front() {
        let s0 = s0 as usize;
        queued[s0] = false;
        for &d in &on[s0] {
            let d = d as usize;
            let Some(a0) = assignment[d] else { continue };
            let base = v[s0] - p.weight(d, a0);
            for a in p.arcs(d) {
                if a == a0 {
                    continue;
                }
                let s = p.supplier[a] as usize;
                let t = base + p.weight(d, a);
                if t > v[s] {
                    v[s] = t;
                    updates += 1;
                    if budget.is_some_and(|b| updates > b) {
                        return Err("over budget".into());
                    }
                    if !queued[s] {
                        // More passes than suppliers means a cycle of demands that would all
                        // gain by trading places: the assignment is not optimal.
                        times[s] += 1;
                        if times[s] as usize > m + 1 {
                            return Err(format!(
                                "the prices of supplier {s} grow without end: some demands would trade places with a gain"
                            ));
                        }
                        queued[s] = true;
                        queue.push_back(s as u32);
                    }
                }
            }
        }
    }
    let demand = (0..n)
        .map(|d| {
            p.arcs(d)
                .map(|a| p.weight(d, a) - v[p.supplier[a] as usize])
                .max()
                .unwrap_or(0)
                .max(0)
        })
        .collect();
    Ok((
        Duals {
            demand,
            supplier: v,
        },
        updates,
    ))
}

/// What [`certify`] established: every arc priced against the duals, none violating, and the
/// dual bound equal to the objective.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Certificate {
    pub arcs_priced: u64,
    pub dual_bound: i64,
    pub objective: i64,
}

/// Checks a solution against the problem alone: feasible, the objective is the sum of its
/// arcs, the duals are non-negative and cover every arc, and their bound equals the objective
/// (so no assignment can weigh more).
pub fn certify(p: &Problem, s: &Solution) -> Result<Certificate, String> {
    let n = p.demands();
    let m = p.capacities.len();
    if s.assignment.len() != n || s.duals.demand.len() != n || s.duals.supplier.len() != m {
        return Err("the solution's sizes do not match the problem".into());
    }
    let mut load = vec![0u32; m];
    let mut total = 0i64;
    for (d, a) in s.assignment.iter().enumerate() {
        if let Some(a) = *a {
            if !p.arcs(d).contains(&a) {
                return Err(format!(
                    "demand {d} is assigned arc {a}, which is not one of its arcs"
                ));
            }
            let sup = p.supplier[a] as usize;
            load[sup] += 1;
            if load[sup] > p.capacities[sup] {
                return Err(format!("supplier {sup} is over its capacity"));
            }
            total += p.weight(d, a);
        }
    }
    if total != s.objective {
        return Err(format!(
            "objective {} but the assigned arcs sum to {total}",
            s.objective
        ));
    }
    if let Some(d) = s.duals.demand.iter().position(|&u| u < 0) {
        return Err(format!("demand {d} has a negative dual"));
    }
    if let Some(x) = s.duals.supplier.iter().position(|&v| v < 0) {
        return Err(format!("supplier {x} has a negative dual"));
    }
    for d in 0..n {
        let u = i128::from(s.duals.demand[d]);
        for a in p.arcs(d) {
            let w = p.weight(d, a);
            if i128::from(w) > u + i128::from(s.duals.supplier[p.supplier[a] as usize]) {
                return Err(format!(
                    "arc {a} (demand {d}, supplier {}) weighs {w}, more than its duals cover",
                    p.supplier[a]
                ));
            }
        }
    }
    let bound = s
        .duals
        .bound(p)
        .ok_or("the dual bound does not fit 64 bits: the duals prove nothing")?;
    if bound != total {
        return Err(format!(
            "the dual bound {bound} differs from the objective {total}"
        ));
    }
    Ok(Certificate {
        arcs_priced: p.arc_count() as u64,
        dual_bound: bound,
        objective: total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::{Rng, SeedableRng};
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    /// Exhaustive optimum: every demand unassigned or on one of its arcs, capacities kept.
    fn brute_force(p: &Problem) -> i64 {
        fn go(p: &Problem, d: usize, load: &mut Vec<u32>) -> i64 {
            if d == p.demands() {
                return 0;
            }
            let mut best = go(p, d + 1, load);
            for a in p.arcs(d) {
                let s = p.supplier[a] as usize;
                if load[s] < p.capacities[s] {
                    load[s] += 1;
                    best = best.max(p.weight(d, a) + go(p, d + 1, load));
                    load[s] -= 1;
                }
            }
            best
        }
        go(p, 0, &mut vec![0; p.capacities.len()])
    }

    /// An independent exact method for instances too large for brute force: successive
    /// shortest paths (one Dijkstra per demand with node potentials) on the min-cost-flow form.
    fn shortest_paths(p: &Problem) -> i64 {
        let n = p.demands();
        let m = p.capacities.len();
        let sink = n + m;
        let mut pot = vec![0i64; n + m + 1];
        for d in 0..n {
            for a in p.arcs(d) {
                let v = n + p.supplier[a] as usize;
                pot[v] = pot[v].min(-p.weight(d, a));
            }
        }
        pot[sink] = pot[n..n + m].iter().copied().min().unwrap_or(0).min(0);
        let mut assigned: Vec<Option<usize>> = vec![None; n];
        let mut users: Vec<Vec<usize>> = vec![Vec::new(); m];
        let mut load = vec![0u32; m];
        let demand_of = |a: usize| p.start.partition_point(|&x| x <= a) - 1;
        for src in 0..n {
            let mut dist = vec![i64::MAX; n + m + 1];
            let mut via: Vec<(usize, usize)> = vec![(usize::MAX, usize::MAX); n + m + 1];
            let mut done = vec![false; n + m + 1];
            let mut heap = BinaryHeap::new();
            dist[src] = 0;
            heap.push(Reverse((0i64, src)));
            while let Some(Reverse((d, v))) = heap.pop() {
                if done[v] || d > dist[v] {
                    continue;
                }
                done[v] = true;
                if v == sink {
                    break;
                }
                let mut relax = |w: usize, nd: i64, arc: usize| {
                    if nd < dist[w] {
                        dist[w] = nd;
                        via[w] = (v, arc);
                        heap.push(Reverse((nd, w)));
                    }
                };
                if v < n {
                    for a in p.arcs(v) {
                        if assigned[v] != Some(a) {
                            let w = n + p.supplier[a] as usize;
                            relax(w, d - p.weight(v, a) + pot[v] - pot[w], a);
                        }
                    }
                    if v == src || assigned[v].is_some() {
                        relax(sink, d + pot[v] - pot[sink], usize::MAX);
                    }
                } else {
                    let s = v - n;
                    if load[s] < p.capacities[s] {
                        relax(sink, d + pot[v] - pot[sink], usize::MAX);
                    }
                    for &a in &users[s] {
                        let u = demand_of(a);
                        relax(u, d + p.weight(u, a) + pot[v] - pot[u], a);
                    }
                }
            }
            let dt = dist[sink];
            for v in 0..=sink {
                if done[v] && dist[v] < dt {
                    pot[v] += dist[v] - dt;
                }
            }
            let mut v = sink;
            let (last, _) = via[sink];
            if last < n {
                if let Some(old) = assigned[last].take() {
                    let s = p.supplier[old] as usize;
                    users[s].retain(|&x| x != old);
                    load[s] -= 1;
                }
            }
            v = if v == sink { last } else { v };
            while v != src {
                let (from, arc) = via[v];
                if v >= n {
                    if let Some(old) = assigned[from].take() {
                        let s = p.supplier[old] as usize;
                        users[s].retain(|&x| x != old);
                        load[s] -= 1;
                    }
                    assigned[from] = Some(arc);
                    users[v - n].push(arc);
                    load[v - n] += 1;
                }
                v = from;
            }
        }
        assigned
            .iter()
            .enumerate()
            .filter_map(|(d, a)| a.map(|a| p.weight(d, a)))
            .sum()
    }

    fn problem() -> impl Strategy<Value = Problem> {
        (1usize..=8, proptest::collection::vec(0u32..=3, 1..=4)).prop_flat_map(|(n, caps)| {
            let m = caps.len() as u32;
            let arcs = proptest::collection::vec((0..n as u32, 0..m, -20i64..=100), 0..=24);
            let bonus = proptest::collection::vec(prop_oneof![Just(0i64), 0i64..500], n);
            (Just(n), Just(caps), arcs, bonus).prop_map(|(n, caps, arcs, bonus)| {
                let mut p = Problem::from_arcs(n, caps, &arcs).unwrap();
                p.bonus = bonus;
                p
            })
        })
    }

    fn feasible(p: &Problem, s: &Solution) -> bool {
        let mut load = vec![0u32; p.capacities.len()];
        for (d, a) in s.assignment.iter().enumerate() {
            if let Some(a) = a {
                if !p.arcs(d).contains(a) {
                    return false;
                }
                load[p.supplier[*a] as usize] += 1;
            }
        }
        load.iter().zip(&p.capacities).all(|(l, c)| l <= c)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn objective_equals_brute_force(p in problem()) {
            let s = solve(&p).unwrap();
            prop_assert!(feasible(&p, &s));
            prop_assert_eq!(s.objective, brute_force(&p));
            prop_assert!(certify(&p, &s).is_ok());
        }

        #[test]
        fn same_input_same_output(p in problem()) {
            prop_assert_eq!(solve(&p).unwrap(), solve(&p).unwrap());
        }
    }

    /// Many demands of nearly equal value competing for few popular suppliers, and a second,
    /// independent exact method to compare with.
    #[test]
    fn crowded_random_instances_agree_with_shortest_paths() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for round in 0..40 {
            let n = rng.random_range(20..200);
            let m = rng.random_range(3..40);
            let caps: Vec<u32> = (0..m).map(|_| rng.random_range(0..4)).collect();
            let mut arcs = Vec::new();
            for d in 0..n {
                for s in 0..m {
                    if rng.random_bool(0.6) {
                        // a few suppliers everyone likes, small differences otherwise
                        let popular = if s < 3 { 50 } else { 0 };
                        arcs.push((d as u32, s as u32, popular + rng.random_range(-5..30)));
                    }
                }
            }
            let mut p = Problem::from_arcs(n, caps, &arcs).unwrap();
            for d in 0..n {
                if rng.random_bool(0.3) {
                    p.bonus[d] = 10_000; // an A-level demand
                }
            }
            let s = solve(&p).unwrap();
            assert_eq!(s.objective, shortest_paths(&p), "round {round}");
        }
    }

    #[test]
    fn displacement_chains_are_found() {
        // d0 prefers s0 but can use s1; d1 can only use s0 and gains more there.
        let p = Problem::from_arcs(2, vec![1, 1], &[(0, 0, 10), (0, 1, 9), (1, 0, 8)]).unwrap();
        let s = solve(&p).unwrap();
        assert_eq!(s.objective, 17);
        assert_eq!(s.assignment, vec![Some(1), Some(2)]);
    }

    #[test]
    fn bad_indices_are_errors() {
        assert!(matches!(
            Problem::from_arcs(1, vec![1], &[(0, 3, 1)]),
            Err(SolveError::BadSupplier { .. })
        ));
        assert!(matches!(
            Problem::from_arcs(1, vec![1], &[(2, 0, 1)]),
            Err(SolveError::BadDemand { .. })
        ));
    }

    #[test]
    fn a_wrong_dual_or_a_worse_assignment_is_caught() {
        let p = Problem::from_arcs(2, vec![1], &[(0, 0, 10), (1, 0, 8)]).unwrap();
        let mut s = solve(&p).unwrap();
        assert!(certify(&p, &s).is_ok());
        s.duals.supplier[0] -= 1;
        assert!(certify(&p, &s).is_err());
        let mut s = solve(&p).unwrap();
        s.assignment = vec![None, Some(1)];
        s.objective = 8;
        assert!(
            certify(&p, &s).is_err(),
            "a feasible but worse assignment has no certificate"
        );
        assert!(duals_for(&p, &s.assignment).is_ok());
    }

    #[test]
    fn suppliers_without_places_are_never_used() {
        let p = Problem::from_arcs(2, vec![0, 1], &[(0, 0, 50), (0, 1, 5), (1, 1, 4)]).unwrap();
        let s = solve(&p).unwrap();
        assert_eq!(s.objective, 5);
    }
}
