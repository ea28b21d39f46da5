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
    pub objective: i64,
    /// The solver's objective of the teacher pairs (weights with the A-first bonus): what an
    /// independent solver of the exported problem finds.
    pub solver_objective: i64,
    /// Runs proven optimal over the whole problem, of the runs made.
    pub optimal: u32,
    pub runs: u32,
    pub generate: Duration,
    pub graph: Duration,
    pub candidates: Duration,
    pub solve: Duration,
    pub explain: Duration,
    pub demand_bids: u64,
    pub partnerships: Duration,
    pub partnership_pairs: u64,
    /// Schools in need covered by the partnership run, of all schools in need.
    pub schools_covered: u64,
    pub schools_in_need: u64,
    pub groups: Duration,
    pub groups_formed: u64,
    pub directions: Duration,
    pub school_groups: Duration,
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
        self.objective += o.objective;
        self.solver_objective += o.solver_objective;
        self.optimal += o.optimal;
        self.runs += o.runs;
        self.generate += o.generate;
        self.graph += o.graph;
        self.candidates += o.candidates;
        self.solve += o.solve;
        self.explain += o.explain;
        self.demand_bids += o.demand_bids;
        self.partnerships += o.partnerships;
        self.partnership_pairs += o.partnership_pairs;
        self.schools_covered += o.schools_covered;
        self.schools_in_need += o.schools_in_need;
        self.groups += o.groups;
        self.groups_formed += o.groups_formed;
        self.directions += o.directions;
        self.school_groups += o.school_groups;
    }
}

fn phase(t: &[(String, Duration)], name: &str) -> Duration {
    t.iter().filter(|(n, _)| n == name).map(|(_, d)| *d).sum()
}

/// One region (or the municipality): generate, then every kind of run, each over its whole
/// problem. With `export`, the teacher-pair problem is written there (JSON, gzipped for .gz).
fn one(
    scale: Scale,
    seed: u64,
    r: usize,
    export: Option<&std::path::Path>,
) -> Result<Figures, String> {
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
    let (weights, policy) = (Weights::default(), Policy::default());
    let options = peerlift_match::RunOptions {
        keep_problem: export.is_some(),
    };
    let out = peerlift_match::run_with(MatchKind::TeacherPairs, &snap, &weights, &policy, options)
        .map_err(|e| e.to_string())?;
    f.demands = out.size.demands;
    f.suppliers = out.size.suppliers;
    f.arcs = out.size.arcs;
    f.pruned = out.size.pruned_arcs;
    f.pairs = out.pairs.len() as u64;
    f.objective = out.objective;
    f.solver_objective = out.certificate.solver_objective;
    f.demand_bids = out.stats.demand_bids;
    for row in &out.coverage.by_level {
        if row.key == Level::A.letter() {
            f.a_demands = row.demands;
            f.a_covered = row.covered;
        }
    }
    f.graph = phase(&out.timings, "graph");
    f.candidates = phase(&out.timings, "candidates");
    f.solve = phase(&out.timings, "solve");
    f.explain = phase(&out.timings, "explain");
    f.runs += 1;
    f.optimal += u32::from(out.certificate.optimal);
    if let (Some(path), Some(problem)) = (export, &out.problem) {
        write_problem(problem, path)?;
    }
    drop(out);
    let mut other = |kind: MatchKind| -> Result<(Duration, peerlift_match::MatchOutcome), String> {
        let t = Instant::now();
        let out = peerlift_match::run(kind, &snap, &weights, &policy).map_err(|e| e.to_string())?;
        f.runs += 1;
        f.optimal += u32::from(out.certificate.optimal);
        Ok((t.elapsed(), out))
    };
    let (took, schools) = other(MatchKind::SchoolPartnerships)?;
    let partnerships = took;
    let partnership_pairs = schools.pairs.len() as u64;
    let (schools_covered, schools_in_need) = schools
        .coverage
        .by_level
        .iter()
        .fold((0, 0), |(c, d), r| (c + r.covered, d + r.demands));
    let (groups, out) = other(MatchKind::TeacherGroups)?;
    let groups_formed = out.size.demands;
    let (directions, _) = other(MatchKind::SchoolDirections)?;
    let (school_groups, _) = other(MatchKind::SchoolGroups)?;
    f.partnerships = partnerships;
    f.partnership_pairs = partnership_pairs;
    f.schools_covered = schools_covered;
    f.schools_in_need = schools_in_need;
    f.groups = groups;
    f.groups_formed = groups_formed;
    f.directions = directions;
    f.school_groups = school_groups;
    Ok(f)
}

/// Writes a solved problem as the export file (gzipped when the name ends in .gz).
fn write_problem(p: &peerlift_match::SolvedProblem, path: &std::path::Path) -> Result<(), String> {
    use std::io::Write;
    let err = |e: std::io::Error| format!("{}: {e}", path.display());
    let file = std::fs::File::create(path).map_err(err)?;
    if path.extension().is_some_and(|e| e == "gz") {
        let mut w = flate2::write::GzEncoder::new(
            std::io::BufWriter::new(file),
            flate2::Compression::fast(),
        );
        p.write_json(&mut w).map_err(err)?;
        w.finish().map_err(err)?.flush().map_err(err)
    } else {
        let mut w = std::io::BufWriter::new(file);
        p.write_json(&mut w).map_err(err)?;
        w.flush().map_err(err)
    }
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

/// Runs one size; regions in parallel on `threads` threads. `export` writes the first region's
/// teacher-pair problem.
pub fn run(
    scale: Scale,
    seed: u64,
    threads: usize,
    export: Option<&std::path::Path>,
) -> Result<(Figures, Duration), String> {
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
                match one(scale, seed, r, export.filter(|_| r == 0)) {
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

/// Prints one size's figures as Markdown table rows (with headers when asked): the teacher
/// pairs in detail, then every kind.
pub fn print(scale: Scale, f: &Figures, wall: Duration, header: bool) {
    if header {
        println!("| size | schools | teachers | demands | mentors | arcs (left out) | pairs | A covered | objective | proven optimal | generate ms | graph ms | candidates ms | solve ms | explain ms | pairs run ms | partnerships ms (schools covered) | teacher groups ms (groups) | directions ms | school groups ms | wall ms | peak MiB |");
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    }
    let run = f.graph + f.candidates + f.solve + f.explain;
    println!(
        "| {} | {} | {} | {} | {} | {} ({}) | {} | {}/{} | {} | {}/{} runs | {} | {} | {} | {} | {} | {} | {} ({}/{}) | {} ({}) | {} | {} | {} | {} |",
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
        f.objective,
        f.optimal,
        f.runs,
        ms(f.generate),
        ms(f.graph),
        ms(f.candidates),
        ms(f.solve),
        ms(f.explain),
        ms(run),
        ms(f.partnerships),
        f.schools_covered,
        f.schools_in_need,
        ms(f.groups),
        f.groups_formed,
        ms(f.directions),
        ms(f.school_groups),
        ms(wall),
        peak_mib()
    );
}

/// The figures as one JSON object (for bench/independent.sh).
pub fn print_json(scale: Scale, f: &Figures, wall: Duration) {
    let run = f.graph + f.candidates + f.solve + f.explain;
    let secs = |d: Duration| d.as_secs_f64();
    println!(
        "{{\"size\":\"{}\",\"demands\":{},\"suppliers\":{},\"arcs\":{},\"pairs\":{},\"a_covered\":{},\"a_demands\":{},\"objective\":{},\"solver_objective\":{},\"graph_s\":{:.4},\"candidates_s\":{:.4},\"solve_s\":{:.4},\"explain_s\":{:.4},\"pairs_run_s\":{:.4},\"wall_s\":{:.4},\"demand_bids\":{},\"peak_mib\":{}}}",
        scale.name(),
        f.demands,
        f.suppliers,
        f.arcs,
        f.pairs,
        f.a_covered,
        f.a_demands,
        f.objective,
        f.solver_objective,
        secs(f.graph),
        secs(f.candidates),
        secs(f.solve),
        secs(f.explain),
        secs(run),
        secs(wall),
        f.demand_bids,
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

/// Figures of the sessions benchmark.
#[derive(Debug, Default, Clone)]
pub struct SessionFigures {
    pub teachers: usize,
    pub mentorships: usize,
    pub due: usize,
    pub placed: usize,
    pub propose: Duration,
    pub accept: Duration,
    pub recorded: usize,
    pub record_each: Duration,
    pub list_school: Duration,
    pub coverage: Duration,
    pub progress: Duration,
    pub outcomes: Duration,
}

/// The sessions capability end to end on a synthetic municipality, through a real server on a
/// temporary store: import, match pairs and partnerships, approve, then time ProposeSchedule
/// (six weeks), AcceptSchedule, RecordSession (held with feedback), a school's ListSessions and
/// three reports. RPC latencies include the store; the client is in the same process.
pub async fn sessions(seed: u64) -> Result<SessionFigures, String> {
    use peerlift_api::pb;
    use peerlift_api::pb::report_service_client::ReportServiceClient;
    use peerlift_api::pb::session_service_client::SessionServiceClient;

    let err = |e: &dyn std::fmt::Display| e.to_string();
    let dir = tempfile_dir()?;
    let data = dir.join("data");
    let csv = dir.join("csv");
    synth::write(Scale::Municipality, seed, &csv, |_, _| {}).map_err(|e| err(&e))?;
    let config = crate::config::Config {
        data_dir: data.clone(),
        insecure_no_auth: true,
        ..crate::config::Config::default()
    };
    let (addr, stop, server) = start_server(config, None).await?;
    let ch = crate::client::connect(&addr).await.map_err(|e| err(&e))?;
    let muni = import_and_approve(
        ch.clone(),
        &csv,
        &[
            pb::MatchKind::TeacherPairs,
            pb::MatchKind::SchoolPartnerships,
        ],
    )
    .await?
    .0;
    let mut s = SessionServiceClient::new(ch.clone());
    let mut f = SessionFigures {
        teachers: Scale::Municipality.teachers_per_municipality(),
        ..SessionFigures::default()
    };
    let t = Instant::now();
    let p = s
        .propose_schedule(pb::ProposeScheduleRequest {
            municipality_id: muni.clone(),
            from: "2026-09-07".into(),
            weeks: 6,
            ..Default::default()
        })
        .await
        .map_err(|e| err(&e))?
        .into_inner();
    f.propose = t.elapsed();
    f.placed = p.items.len();
    f.due = p.items.len() + p.unplaced.len();
    f.mentorships = p
        .items
        .iter()
        .filter_map(|i| i.session.as_ref().map(|x| x.mentorship_id.clone()))
        .chain(p.unplaced.iter().map(|u| u.mentorship_id.clone()))
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let t = Instant::now();
    let accepted = s
        .accept_schedule(pb::AcceptScheduleRequest {
            municipality_id: muni.clone(),
            proposal_id: p.id.clone(),
            ..Default::default()
        })
        .await
        .map_err(|e| err(&e))?
        .into_inner();
    f.accept = t.elapsed();
    let t = Instant::now();
    for x in accepted.created.iter().take(500) {
        s.record_session(pb::RecordSessionRequest {
            municipality_id: muni.clone(),
            session_id: x.id.clone(),
            outcome: pb::SessionStatus::Held as i32,
            feedback: Some(pb::Feedback {
                rating: 4,
                mentor_notes: "benchmark".into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .map_err(|e| err(&e))?;
        f.recorded += 1;
    }
    f.record_each = t.elapsed() / f.recorded.max(1) as u32;
    let school = accepted
        .created
        .first()
        .map(|x| x.school_id.clone())
        .unwrap_or_default();
    let t = Instant::now();
    s.list_sessions(pb::ListSessionsRequest {
        municipality_id: muni.clone(),
        school_id: school,
        page_size: 1000,
        ..Default::default()
    })
    .await
    .map_err(|e| err(&e))?;
    f.list_school = t.elapsed();
    let mut r = ReportServiceClient::new(ch);
    let req = pb::ReportRequest {
        municipality_id: muni.clone(),
        ..Default::default()
    };
    let t = Instant::now();
    r.coverage_report(req.clone()).await.map_err(|e| err(&e))?;
    f.coverage = t.elapsed();
    let t = Instant::now();
    r.progress_report(req.clone()).await.map_err(|e| err(&e))?;
    f.progress = t.elapsed();
    let t = Instant::now();
    r.outcomes_report(req).await.map_err(|e| err(&e))?;
    f.outcomes = t.elapsed();
    let _ = stop.send(());
    server.await.map_err(|e| err(&e))?.map_err(|e| err(&e))?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(f)
}

/// Imports the synthetic municipality in `csv` and runs and approves each kind (the pairs
/// working since 2026-09-01): its id and the mentorships created.
pub(crate) async fn import_and_approve(
    ch: crate::client::Conn,
    csv: &std::path::Path,
    kinds: &[peerlift_api::pb::MatchKind],
) -> Result<(String, Vec<peerlift_api::pb::Mentorship>), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    for unit in crate::client::import(
        ch.clone(),
        crate::client::ImportArgs {
            municipality: None,
            municipality_from_env: false,
            strict: true,
            dry_run: false,
            paths: vec![csv.to_path_buf()],
        },
    )
    .await
    .map_err(|e| err(&e))?
    {
        unit.result.map_err(|e| err(&e))?;
    }
    let muni = "r00-m00".to_string();
    let mut created = Vec::new();
    for kind in kinds {
        let (_, approved) = run_and_approve(ch.clone(), &muni, *kind, true).await?;
        created.extend(approved);
    }
    Ok((muni, created))
}

/// A run of `kind` over `scope` (a municipality, or `region:NAME`), approved as working since
/// 1 September 2026 when `approve`: the run and the mentorships it made.
pub(crate) async fn run_and_approve(
    ch: crate::client::Conn,
    scope: &str,
    kind: peerlift_api::pb::MatchKind,
    approve: bool,
) -> Result<
    (
        peerlift_api::pb::MatchRun,
        Vec<peerlift_api::pb::Mentorship>,
    ),
    String,
> {
    use peerlift_api::pb;
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let mut matching = pb::matching_service_client::MatchingServiceClient::new(ch);
    let (municipality_id, region) = match scope.strip_prefix("region:") {
        Some(r) => (String::new(), r.to_string()),
        None => (scope.to_string(), String::new()),
    };
    let run = matching
        .run_matching(pb::RunMatchingRequest {
            municipality_id,
            region,
            kind: kind as i32,
            ..Default::default()
        })
        .await
        .map_err(|e| err(&e))?
        .into_inner()
        .run
        .ok_or("no run")?;
    if !approve {
        return Ok((run, Vec::new()));
    }
    let approved = matching
        .approve_match_run(pb::ApproveMatchRunRequest {
            municipality_id: scope.to_string(),
            run_id: run.id.clone(),
            effective_date: "2026-09-01".into(),
            ..Default::default()
        })
        .await
        .map_err(|e| err(&e))?
        .into_inner();
    Ok((run, approved.created))
}

/// Serves `config` (its store in `config.data_dir`) on 127.0.0.1:0 in this process, with the
/// web console on `console` when given: the address, the stop signal and the server task.
pub(crate) async fn start_server(
    config: crate::config::Config,
    console: Option<tokio::net::TcpListener>,
) -> Result<
    (
        String,
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<Result<(), crate::server::ServeError>>,
    ),
    String,
> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let store =
        std::sync::Arc::new(peerlift_store::Store::open(&config.data_dir).map_err(|e| err(&e))?);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| err(&e))?;
    let addr = format!("http://{}", listener.local_addr().map_err(|e| err(&e))?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        crate::server::serve_with_console(&config, store, listener, console, async {
            let _ = stopped.await;
        })
        .await
    });
    Ok((addr, stop, server))
}

/// A fresh directory under the system temp dir for one benchmark run.
pub(crate) fn tempfile_dir() -> Result<std::path::PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("peerlift-bench-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| e.to_string())?;
    }
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    Ok(dir)
}

/// Prints the sessions benchmark as a Markdown table.
pub fn print_sessions(f: &SessionFigures) {
    println!("| teachers | mentorships | sessions due (6 weeks) | placed | ProposeSchedule ms | AcceptSchedule ms | RecordSession ms each ({}) | ListSessions by school ms | coverage report ms | progress report ms | outcomes report ms |", f.recorded);
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {} | {} | {} | {} | {} | {} | {:.2} | {} | {} | {} | {} |",
        f.teachers,
        f.mentorships,
        f.due,
        f.placed,
        ms(f.propose),
        ms(f.accept),
        f.record_each.as_secs_f64() * 1000.0,
        ms(f.list_school),
        ms(f.coverage),
        ms(f.progress),
        ms(f.outcomes)
    );
}

/// The nightly rematch of a region after a small day of changes, against a cold solve.
pub fn rematch(seed: u64, per_mille: usize) -> Result<(), String> {
    use peerlift_domain::ChurnBudget;
    let t0 = Instant::now();
    let mut snap = synth::snapshot(synth::region(Scale::Region, seed, 0));
    let generate = t0.elapsed();
    let (weights, policy) = (Weights::default(), Policy::default());
    let t1 = Instant::now();
    let first = peerlift_match::run(MatchKind::TeacherPairs, &snap, &weights, &policy)
        .map_err(|e| e.to_string())?;
    let first_pairs = first.pairs;
    let cold = t1.elapsed();
    snap.mentorships = synth::actives_from(
        &snap,
        &first_pairs,
        MatchKind::TeacherPairs,
        jiff::civil::Date::constant(2026, 9, 1),
    );
    let changed = synth::rediagnose(
        &mut snap,
        per_mille,
        seed,
        jiff::civil::Date::constant(2027, 1, 15),
    );
    println!("| budget | teachers | active pairs | re-diagnosed | generate ms | cold solve ms | stable solve ms (runs) | fresh comparison ms | forced ends | gain ends | fresh run ends | stable objective | fresh objective |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (label, budget) in [
        ("0 (warm start)", ChurnBudget::Count(0)),
        ("1%", ChurnBudget::SharePct(1)),
    ] {
        let allowed = budget.allowed(snap.mentorships.len());
        let r = peerlift_match::rematch::stable_rematch(
            MatchKind::TeacherPairs,
            &snap,
            &weights,
            &policy,
            allowed,
        )
        .map_err(|e| e.to_string())?;
        println!(
            "| {label} = {allowed} | {} | {} | {} | {} | {} | {} ({}) | {} | {} | {} | {} | {} | {} |",
            snap.teachers.len(),
            snap.mentorships.len(),
            changed.len(),
            ms(generate),
            ms(cold),
            ms(r.stable_time),
            r.rounds,
            ms(r.fresh_time),
            r.forced_ends,
            r.gain_ends,
            r.fresh_ends,
            r.objective,
            r.fresh_objective
        );
    }
    Ok(())
}
