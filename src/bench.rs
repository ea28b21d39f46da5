//! `peerlift bench`: the matcher at municipality, region and nation scale.
//!
//! For each size it generates the synthetic data in memory (timed apart), builds the snapshot,
//! and runs teacher pairs and school partnerships, reporting the matcher's phases separately:
//! graph build, candidate generation, exact solve, explanation. A nation is solved region by
//! region (in-person pairs stay inside the travel limit, and online pairs are kept within a
//! region by policy), two regions at a time on the two cores. Peak memory is the process's
//! high-water mark (VmHWM), so each size runs in its own process.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use peerlift_domain::{Level, MatchKind, Policy, Weights};

use crate::synth::{self, Scale};

#[derive(Debug, Default, Clone)]
pub struct Figures {
    pub schools: usize,
    pub teachers: usize,
    pub demands: u64,
    pub suppliers: u64,
    pub arcs: u64,
    pub pruned: u64,
    pub pairs: u64,
    pub a_demands: u64,
    pub a_covered: u64,
    pub generate: Duration,
    pub graph: Duration,
    pub candidates: Duration,
    pub solve: Duration,
    pub explain: Duration,
    pub partnerships: Duration,
    pub partnership_pairs: u64,
    pub settled: u64,
    pub groups: Duration,
    pub groups_formed: u64,
    pub directions: Duration,
}

impl Figures {
    fn add(&mut self, o: &Figures) {
        self.schools += o.schools;
        self.teachers += o.teachers;
        self.demands += o.demands;
        self.suppliers += o.suppliers;
        self.arcs += o.arcs;
        self.pruned += o.pruned;
        self.pairs += o.pairs;
        self.a_demands += o.a_demands;
        self.a_covered += o.a_covered;
        self.generate += o.generate;
        self.graph += o.graph;
        self.candidates += o.candidates;
        self.solve += o.solve;
        self.explain += o.explain;
        self.partnerships += o.partnerships;
        self.partnership_pairs += o.partnership_pairs;
        self.settled += o.settled;
        self.groups += o.groups;
        self.groups_formed += o.groups_formed;
        self.directions += o.directions;
    }
}

fn phase(t: &[(String, Duration)], name: &str) -> Duration {
    t.iter().filter(|(n, _)| n == name).map(|(_, d)| *d).sum()
}

/// One region (or the municipality): generate, then match pairs and partnerships.
fn one(scale: Scale, seed: u64, r: usize) -> Result<Figures, String> {
    let t0 = Instant::now();
    let sets = synth::region(scale, seed, r);
    let snap = synth::snapshot(sets);
    let generate = t0.elapsed();
    let mut f = Figures {
        schools: snap.schools.len(),
        teachers: snap.teachers.len(),
        generate,
        ..Figures::default()
    };
    let out = peerlift_match::run(
        MatchKind::TeacherPairs,
        &snap,
        &Weights::default(),
        &Policy::default(),
    )
    .map_err(|e| e.to_string())?;
    f.demands = out.size.demands;
    f.suppliers = out.size.suppliers;
    f.arcs = out.size.arcs;
    f.pruned = out.size.pruned_arcs;
    f.pairs = out.pairs.len() as u64;
    f.settled = out.settled;
    for row in &out.coverage.by_level {
        if row.key == Level::A.letter() {
            f.a_demands = row.demands;
            f.a_covered = row.covered;
        }
    }
    f.graph = phase(&out.timings, "snapshot");
    f.candidates = phase(&out.timings, "candidates");
    f.solve = phase(&out.timings, "solve");
    f.explain = phase(&out.timings, "explain");
    let t1 = Instant::now();
    let schools = peerlift_match::run(
        MatchKind::SchoolPartnerships,
        &snap,
        &Weights::default(),
        &Policy::default(),
    )
    .map_err(|e| e.to_string())?;
    f.partnerships = t1.elapsed();
    f.partnership_pairs = schools.pairs.len() as u64;
    let t2 = Instant::now();
    let groups = peerlift_match::run(
        MatchKind::TeacherGroups,
        &snap,
        &Weights::default(),
        &Policy::default(),
    )
    .map_err(|e| e.to_string())?;
    f.groups = t2.elapsed();
    f.groups_formed = groups.size.demands;
    let t3 = Instant::now();
    peerlift_match::run(
        MatchKind::SchoolDirections,
        &snap,
        &Weights::default(),
        &Policy::default(),
    )
    .map_err(|e| e.to_string())?;
    f.directions = t3.elapsed();
    Ok(f)
}

/// Peak resident memory of this process in MiB (Linux; 0 elsewhere).
pub fn peak_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| kb / 1024)
        .unwrap_or(0)
}

/// Runs one size; regions in parallel on `threads` threads.
pub fn run(scale: Scale, seed: u64, threads: usize) -> Result<(Figures, Duration), String> {
    let start = Instant::now();
    let regions = scale.regions();
    let next = Mutex::new(0usize);
    let total = Mutex::new(Figures::default());
    let failure: Mutex<Option<String>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1).min(regions) {
            scope.spawn(|| loop {
                let r = {
                    let mut n = next.lock().unwrap_or_else(|p| p.into_inner());
                    let r = *n;
                    *n += 1;
                    r
                };
                if r >= regions {
                    return;
                }
                match one(scale, seed, r) {
                    Ok(f) => {
                        total.lock().unwrap_or_else(|p| p.into_inner()).add(&f);
                        if regions > 1 {
                            eprintln!(
                                "  region {r:02} done: {} teachers, {} pairs",
                                f.teachers, f.pairs
                            );
                        }
                    }
                    Err(e) => {
                        *failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                        return;
                    }
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    Ok((
        total.into_inner().unwrap_or_else(|p| p.into_inner()),
        start.elapsed(),
    ))
}

fn ms(d: Duration) -> String {
    format!("{:.0}", d.as_secs_f64() * 1000.0)
}

/// Prints one size's figures as a Markdown table row (with a header when asked).
pub fn print(scale: Scale, f: &Figures, wall: Duration, header: bool) {
    if header {
        println!("| size | schools | teachers | demands | mentors | arcs (pruned) | pairs | A covered | generate ms | graph ms | candidates ms | solve ms | explain ms | pairs run ms | partnerships ms | teacher groups ms (groups) | directions ms | wall ms | peak MiB |");
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    }
    let run = f.graph + f.candidates + f.solve + f.explain;
    println!(
        "| {} | {} | {} | {} | {} | {} ({}) | {} | {}/{} | {} | {} | {} | {} | {} | {} | {} | {} ({}) | {} | {} | {} |",
        scale.name(),
        f.schools,
        f.teachers,
        f.demands,
        f.suppliers,
        f.arcs,
        f.pruned,
        f.pairs,
        f.a_covered,
        f.a_demands,
        ms(f.generate),
        ms(f.graph),
        ms(f.candidates),
        ms(f.solve),
        ms(f.explain),
        ms(run),
        ms(f.partnerships),
        ms(f.groups),
        f.groups_formed,
        ms(f.directions),
        ms(wall),
        peak_mib()
    );
}

/// Grouping quality against the exhaustive best on small random instances (sizes 3-5):
/// returns (instances, mean ratio, worst ratio).
pub fn grouping_quality(seed: u64, instances: usize) -> (usize, f64, f64) {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let (mut sum, mut worst, mut n_done) = (0.0, 1.0f64, 0usize);
    for _ in 0..instances {
        let n = rng.random_range(6..=9);
        let f: Vec<Vec<f64>> = (0..n)
            .map(|_| (0..9).map(|_| rng.random_range(0.0..1.0)).collect())
            .collect();
        let (groups, _) = peerlift_match::groups::form_groups(&f, 3, 5);
        let Some(best) = peerlift_match::groups::best_quality(&f, 3, 5) else {
            continue;
        };
        let ratio = peerlift_match::groups::quality(&f, &groups) / best;
        sum += ratio;
        worst = worst.min(ratio);
        n_done += 1;
    }
    (n_done, sum / n_done.max(1) as f64, worst)
}
