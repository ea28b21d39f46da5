//! `peerlift loadtest`: many concurrent clients against a local server with auth on, for a
//! bounded time, with an import of a second municipality at a quarter of the time and the
//! nightly rematch inside (triggered at half time; on runs of three minutes or more, the
//! scheduler runs it every two minutes instead); prints throughput, latency percentiles,
//! errors, and the writes lost: every writer owns its teachers, and at the end each teacher
//! must hold the last value a write of it acknowledged. `--seconds 600` is the soak.
//!
//! The server runs in this process on a temporary store (synthetic municipality, pairs
//! approved, six weeks of sessions), over real TCP on 127.0.0.1, with every default limit on:
//! tokens, per-token rate limit, global and per-connection concurrency. Each reader has its
//! own methodologist token (as separate client systems would); writers share a coordinator
//! token. Client and server share the machine's cores, so the figures are a floor.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use peerlift_api::auth::Caller;
use peerlift_api::pb;
use peerlift_api::services::access::{create_token, NewToken};
use peerlift_domain::access::Role;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::client::{connect_to, Conn, Target};
use crate::synth::{self, Scale};

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    pub seconds: u64,
    pub readers: usize,
    pub writers: usize,
    /// TCP connections the clients are spread over.
    pub connections: usize,
    pub seed: u64,
}

/// Latencies of one kind of call.
#[derive(Debug, Default)]
struct Samples {
    micros: Vec<u32>,
    errors: BTreeMap<String, u64>,
}

impl Samples {
    fn record(&mut self, start: Instant, result: Result<(), tonic::Status>) {
        self.micros
            .push(start.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
        if let Err(e) = result {
            *self.errors.entry(format!("{:?}", e.code())).or_default() += 1;
        }
    }

    fn merge(&mut self, other: Samples) {
        self.micros.extend(other.micros);
        for (k, v) in other.errors {
            *self.errors.entry(k).or_default() += v;
        }
    }
}

/// The figures of one run.
#[derive(Debug)]
pub struct Report {
    pub seconds: f64,
    pub teachers: usize,
    pub reads: Line,
    pub writes: Line,
    pub rematch: Option<(Duration, String)>,
    /// The import of a second municipality during the run: how long, and its outcome.
    pub import: Option<(Duration, String)>,
    /// Scheduled rematches of the run by status (soak runs).
    pub scheduled: BTreeMap<String, u64>,
    /// Teachers whose stored value is not the last one a write acknowledged.
    pub lost_writes: usize,
    /// Teachers written at least once (what `lost_writes` was checked over).
    pub written_teachers: usize,
}

#[derive(Debug, Default)]
pub struct Line {
    pub count: usize,
    pub per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub errors: BTreeMap<String, u64>,
}

fn line(mut s: Samples, seconds: f64) -> Line {
    s.micros.sort_unstable();
    let pct = |p: f64| -> f64 {
        if s.micros.is_empty() {
            return 0.0;
        }
        let i = ((s.micros.len() as f64 * p).ceil() as usize).clamp(1, s.micros.len()) - 1;
        f64::from(s.micros[i]) / 1000.0
    };
    Line {
        count: s.micros.len(),
        per_sec: s.micros.len() as f64 / seconds,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        max_ms: s
            .micros
            .last()
            .map(|m| f64::from(*m) / 1000.0)
            .unwrap_or(0.0),
        errors: s.errors,
    }
}

/// Ids the clients pick from.
#[derive(Debug, Clone)]
struct Pool {
    muni: String,
    schools: Vec<String>,
    teachers: Vec<pb::Teacher>,
    mentorships: Vec<String>,
    sessions: Vec<String>,
}

fn err(e: &dyn std::fmt::Display) -> String {
    e.to_string()
}

/// Runs the load test; `progress` is told what is happening.
pub async fn run(o: Options, progress: impl Fn(&str)) -> Result<Report, String> {
    let dir = crate::bench::tempfile_dir()?;
    let data = dir.join("data");
    let csv = dir.join("csv");
    progress("making a synthetic municipality");
    synth::write(Scale::Municipality, o.seed, &csv, |_, _| {}).map_err(|e| err(&e))?;
    // The first admin token, on the store, as an installation would bootstrap it.
    let store = peerlift_store::Store::open(&data).map_err(|e| err(&e))?;
    let admin_new =
        NewToken::parse(Some(Role::Admin), "all", &[], "loadtest", 0).map_err(|e| err(&e))?;
    let mut rng = ChaCha8Rng::seed_from_u64(o.seed);
    let (_, admin) = create_token(
        &store,
        &Caller::system("bootstrap"),
        admin_new,
        rng.random(),
        jiff::Timestamp::now(),
    )
    .map_err(|e| err(&e))?;
    drop(store);
    // A soak runs the nightly job as the scheduler does; a short run triggers it once.
    let soak = o.seconds >= 180;
    let config = crate::config::Config {
        data_dir: data.clone(),
        scheduler: soak,
        ..crate::config::Config::default()
    };
    let (addr, stop, server) = crate::bench::start_server(config, None).await?;
    let target = |token: &str| Target {
        addr: addr.clone(),
        token: Some(token.to_string()),
        ..Target::default()
    };
    let admin_conn = connect_to(&target(&admin)).await.map_err(|e| err(&e))?;
    progress("importing, matching, scheduling");
    let pool = prepare(admin_conn.clone(), &csv).await?;
    // The second municipality the run imports: generated now, imported at a quarter.
    let csv2 = dir.join("csv2");
    second_municipality(o.seed, &csv2)?;
    if soak {
        schedule_rematch(admin_conn.clone(), &pool.muni).await?;
    }

    // Tokens: one per reader (methodologists), one for the writers (a coordinator).
    let mut tokens = pb::token_service_client::TokenServiceClient::new(admin_conn.clone());
    let scope = format!("municipality:{}", pool.muni);
    let mut reader_tokens = Vec::new();
    for i in 0..o.readers {
        let t = tokens
            .create_token(pb::CreateTokenRequest {
                role: pb::Role::Methodologist as i32,
                scope: scope.clone(),
                label: format!("loadtest reader {i}"),
                ..Default::default()
            })
            .await
            .map_err(|e| err(&e))?
            .into_inner();
        reader_tokens.push(t.secret);
    }
    let writer_token = tokens
        .create_token(pb::CreateTokenRequest {
            role: pb::Role::Coordinator as i32,
            scope: scope.clone(),
            label: "loadtest writers".into(),
            ..Default::default()
        })
        .await
        .map_err(|e| err(&e))?
        .into_inner()
        .secret;

    // Connections, shared round-robin; each client adds its own token to its calls.
    let mut channels = Vec::new();
    for _ in 0..o.connections.max(1) {
        let c = tonic::transport::Endpoint::from_shared(addr.clone())
            .map_err(|e| err(&e))?
            .connect()
            .await
            .map_err(|e| err(&e))?;
        channels.push(c);
    }
    let with = |i: usize, token: &str| -> Result<Conn, String> {
        Ok(tonic::service::interceptor::InterceptedService::new(
            channels[i % channels.len()].clone(),
            crate::client::Bearer::new(token).map_err(|e| err(&e))?,
        ))
    };

    progress(&format!(
        "running {} readers and {} writers for {} s; an import at a quarter; {}",
        o.readers,
        o.writers,
        o.seconds,
        if soak {
            "the nightly rematch every 2 minutes"
        } else {
            "a rematch at half time"
        }
    ));
    let stop_flag = Arc::new(AtomicBool::new(false));
    let mut readers = Vec::new();
    for (i, tok) in reader_tokens.iter().enumerate() {
        let conn = with(i, tok)?;
        let pool = pool.clone();
        let stop = stop_flag.clone();
        let seed = o.seed.wrapping_mul(1000).wrapping_add(i as u64);
        readers.push(tokio::spawn(
            async move { reader(conn, pool, stop, seed).await },
        ));
    }
    let mut writers = Vec::new();
    for i in 0..o.writers {
        let conn = with(i + o.readers, &writer_token)?;
        let pool = pool.clone();
        let stop = stop_flag.clone();
        let seed = o.seed.wrapping_mul(7000).wrapping_add(i as u64);
        let of = o.writers;
        writers.push(tokio::spawn(async move {
            writer(conn, pool, stop, seed, i, of).await
        }));
    }
    let started = Instant::now();
    let quarter = Duration::from_secs(o.seconds) / 4;
    tokio::time::sleep(quarter).await;
    let t = Instant::now();
    let imported = crate::client::import(
        admin_conn.clone(),
        crate::client::ImportArgs {
            municipality: None,
            municipality_from_env: false,
            strict: true,
            dry_run: false,
            paths: vec![csv2.clone()],
        },
    )
    .await;
    let import = Some(match imported {
        Ok(units) => {
            let mut out = Vec::new();
            for u in units {
                out.push(match u.result {
                    Ok(r) => format!(
                        "{}: {} rows created",
                        u.municipality,
                        r.total.map(|t| t.created).unwrap_or(0)
                    ),
                    Err(e) => format!("{}: FAILED {e}", u.municipality),
                });
            }
            (t.elapsed(), out.join("; "))
        }
        Err(e) => (t.elapsed(), format!("FAILED {e}")),
    });
    let half = (Duration::from_secs(o.seconds) / 2).saturating_sub(started.elapsed());
    tokio::time::sleep(half).await;
    let t = Instant::now();
    let rematch = if soak {
        None
    } else {
        Some(
            pb::rematch_service_client::RematchServiceClient::new(admin_conn.clone())
                .trigger_rematch(pb::TriggerRematchRequest {
                    municipality_id: pool.muni.clone(),
                })
                .await,
        )
    };
    let rematch = rematch.map(|rematch| match rematch {
        Ok(r) => {
            let r = r.into_inner();
            let mut status = pb::RematchStatus::try_from(r.status)
                .map(|s| s.as_str_name().to_string())
                .unwrap_or_default();
            if let Some(e) = r.attempts.last().map(|a| a.error.clone()) {
                if !e.is_empty() {
                    status = format!("{status}: {e}");
                }
            }
            (t.elapsed(), status)
        }
        Err(e) => (t.elapsed(), format!("{:?}: {}", e.code(), e.message())),
    });
    let left = Duration::from_secs(o.seconds).saturating_sub(started.elapsed());
    tokio::time::sleep(left).await;
    stop_flag.store(true, Ordering::Relaxed);
    let seconds = started.elapsed().as_secs_f64();
    let mut reads = Samples::default();
    for h in readers {
        reads.merge(h.await.map_err(|e| err(&e))?);
    }
    let mut writes = Samples::default();
    let mut acknowledged = BTreeMap::new();
    for h in writers {
        let (samples, last) = h.await.map_err(|e| err(&e))?;
        writes.merge(samples);
        acknowledged.extend(last);
    }
    progress("checking every acknowledged write");
    let lost_writes = lost(admin_conn.clone(), &pool.muni, &acknowledged).await?;
    let scheduled = if soak {
        scheduled_rematches(admin_conn.clone(), &pool.muni).await?
    } else {
        BTreeMap::new()
    };
    let _ = stop.send(());
    server.await.map_err(|e| err(&e))?.map_err(|e| err(&e))?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Report {
        seconds,
        teachers: pool.teachers.len(),
        reads: line(reads, seconds),
        writes: line(writes, seconds),
        rematch,
        import,
        scheduled,
        lost_writes,
        written_teachers: acknowledged.len(),
    })
}

/// A second synthetic municipality (`r00-m01`), for the import inside the run.
fn second_municipality(seed: u64, out: &std::path::Path) -> Result<(), String> {
    synth::write(Scale::Municipality, seed.wrapping_add(1), out, |_, _| {}).map_err(|e| err(&e))?;
    let mut stack = vec![out.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(|e| err(&e))? {
            let p = entry.map_err(|e| err(&e))?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == "municipality.csv") {
                let text = std::fs::read_to_string(&p).map_err(|e| err(&e))?;
                std::fs::write(&p, text.replace("r00-m00,", "r00-m01,")).map_err(|e| err(&e))?;
            }
        }
    }
    Ok(())
}

/// The nightly rematch every two minutes, applied as it would be at night.
async fn schedule_rematch(admin: Conn, muni: &str) -> Result<(), String> {
    let mut c = pb::rematch_service_client::RematchServiceClient::new(admin);
    let policy = c
        .get_rematch_policy(pb::GetRematchPolicyRequest {
            municipality_id: muni.into(),
        })
        .await
        .map_err(|e| err(&e))?
        .into_inner();
    c.update_rematch_policy(pb::UpdateRematchPolicyRequest {
        policy: Some(pb::RematchPolicy {
            enabled: true,
            schedule: "*/2 * * * *".into(),
            auto_approve: true,
            ..policy
        }),
        request_id: String::new(),
        update_mask: None,
    })
    .await
    .map_err(|e| err(&e))?;
    Ok(())
}

async fn scheduled_rematches(admin: Conn, muni: &str) -> Result<BTreeMap<String, u64>, String> {
    let records = pb::rematch_service_client::RematchServiceClient::new(admin)
        .list_rematch_records(pb::ListRematchRecordsRequest {
            municipality_id: muni.into(),
            limit: 1000,
        })
        .await
        .map_err(|e| err(&e))?
        .into_inner()
        .records;
    let mut out = BTreeMap::new();
    for r in records {
        let status = pb::RematchStatus::try_from(r.status)
            .map(|s| s.as_str_name().to_string())
            .unwrap_or_default();
        *out.entry(status).or_default() += 1;
    }
    Ok(out)
}

/// Teachers whose stored flag is not the last one acknowledged.
async fn lost(
    admin: Conn,
    muni: &str,
    acknowledged: &BTreeMap<String, bool>,
) -> Result<usize, String> {
    let mut teachers = pb::teacher_service_client::TeacherServiceClient::new(admin);
    let mut lost = 0;
    for (id, want) in acknowledged {
        let t = teachers
            .get_teacher(pb::GetTeacherRequest {
                municipality_id: muni.into(),
                teacher_id: id.clone(),
            })
            .await
            .map_err(|e| err(&e))?
            .into_inner();
        if t.accepts_online != Some(*want) {
            lost += 1;
        }
    }
    Ok(lost)
}

/// Imports the synthetic municipality, approves pairs and partnerships, accepts six weeks of
/// sessions, and collects the ids the clients use.
async fn prepare(conn: Conn, csv: &std::path::Path) -> Result<Pool, String> {
    let (muni, mentorships) =
        crate::bench::import_and_approve(conn.clone(), csv, &[pb::MatchKind::TeacherPairs]).await?;
    let mut sessions = pb::session_service_client::SessionServiceClient::new(conn.clone());
    let proposal = sessions
        .propose_schedule(pb::ProposeScheduleRequest {
            municipality_id: muni.clone(),
            from: "2026-09-07".into(),
            weeks: 6,
            ..Default::default()
        })
        .await
        .map_err(|e| err(&e))?
        .into_inner();
    let accepted = sessions
        .accept_schedule(pb::AcceptScheduleRequest {
            municipality_id: muni.clone(),
            proposal_id: proposal.id,
            ..Default::default()
        })
        .await
        .map_err(|e| err(&e))?
        .into_inner();
    let schools = pb::school_service_client::SchoolServiceClient::new(conn.clone())
        .list_schools(pb::ListSchoolsRequest {
            municipality_id: muni.clone(),
            page_size: 1000,
            ..Default::default()
        })
        .await
        .map_err(|e| err(&e))?
        .into_inner()
        .schools
        .into_iter()
        .map(|s| s.id)
        .collect();
    let mut teachers = Vec::new();
    let mut page = String::new();
    loop {
        let r = pb::teacher_service_client::TeacherServiceClient::new(conn.clone())
            .list_teachers(pb::ListTeachersRequest {
                municipality_id: muni.clone(),
                page_size: 1000,
                page_token: page,
                ..Default::default()
            })
            .await
            .map_err(|e| err(&e))?
            .into_inner();
        teachers.extend(r.teachers);
        if r.next_page_token.is_empty() {
            break;
        }
        page = r.next_page_token;
    }
    Ok(Pool {
        muni,
        schools,
        teachers,
        mentorships: mentorships.into_iter().map(|m| m.id).collect(),
        sessions: accepted.created.into_iter().map(|s| s.id).collect(),
    })
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, xs: &'a [T]) -> Option<&'a T> {
    if xs.is_empty() {
        None
    } else {
        xs.get(rng.random_range(0..xs.len()))
    }
}

/// A closed-loop reader: the next call when the last returns. The mix is what an office's
/// screens and a school portal do: a school, a teacher, a mentorship, a session, a school's
/// sessions (one page of 20).
async fn reader(conn: Conn, pool: Pool, stop: Arc<AtomicBool>, seed: u64) -> Samples {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Samples::default();
    let m = pool.muni.clone();
    let mut schools = pb::school_service_client::SchoolServiceClient::new(conn.clone());
    let mut teachers = pb::teacher_service_client::TeacherServiceClient::new(conn.clone());
    let mut mentorships = pb::mentorship_service_client::MentorshipServiceClient::new(conn.clone());
    let mut sessions = pb::session_service_client::SessionServiceClient::new(conn);
    while !stop.load(Ordering::Relaxed) {
        let t = Instant::now();
        let r = match rng.random_range(0..5u8) {
            0 => {
                let id = pick(&mut rng, &pool.schools).cloned().unwrap_or_default();
                schools
                    .get_school(pb::GetSchoolRequest {
                        municipality_id: m.clone(),
                        school_id: id,
                    })
                    .await
                    .map(|_| ())
            }
            1 => {
                let id = pick(&mut rng, &pool.teachers)
                    .map(|t| t.id.clone())
                    .unwrap_or_default();
                teachers
                    .get_teacher(pb::GetTeacherRequest {
                        municipality_id: m.clone(),
                        teacher_id: id,
                    })
                    .await
                    .map(|_| ())
            }
            2 => {
                let id = pick(&mut rng, &pool.mentorships)
                    .cloned()
                    .unwrap_or_default();
                mentorships
                    .get_mentorship(pb::GetMentorshipRequest {
                        municipality_id: m.clone(),
                        mentorship_id: id,
                    })
                    .await
                    .map(|_| ())
            }
            3 => {
                let id = pick(&mut rng, &pool.sessions).cloned().unwrap_or_default();
                sessions
                    .get_session(pb::GetSessionRequest {
                        municipality_id: m.clone(),
                        session_id: id,
                    })
                    .await
                    .map(|_| ())
            }
            _ => {
                let id = pick(&mut rng, &pool.schools).cloned().unwrap_or_default();
                sessions
                    .list_sessions(pb::ListSessionsRequest {
                        municipality_id: m.clone(),
                        school_id: id,
                        page_size: 20,
                        ..Default::default()
                    })
                    .await
                    .map(|_| ())
            }
        };
        out.record(t, r);
    }
    out
}

/// A closed-loop writer: flips a teacher's "accepts online" flag with a fresh request id (an
/// acknowledged, audited, idempotent write that also feeds the next matching). Writer `me` of
/// `of` owns every `of`-th teacher, so the last write it saw acknowledged is what the store
/// must hold; it returns those values.
async fn writer(
    conn: Conn,
    pool: Pool,
    stop: Arc<AtomicBool>,
    seed: u64,
    me: usize,
    of: usize,
) -> (Samples, BTreeMap<String, bool>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Samples::default();
    let mut last = BTreeMap::new();
    let mut teachers = pb::teacher_service_client::TeacherServiceClient::new(conn);
    let mine: Vec<pb::Teacher> = pool
        .teachers
        .iter()
        .enumerate()
        .filter(|(i, _)| i % of.max(1) == me)
        .map(|(_, t)| t.clone())
        .collect();
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let Some(t) = pick(&mut rng, &mine).cloned() else {
            break;
        };
        n += 1;
        let id = t.id.clone();
        let start = Instant::now();
        let r = teachers
            .update_teacher(pb::UpdateTeacherRequest {
                municipality_id: pool.muni.clone(),
                teacher: Some(pb::Teacher {
                    accepts_online: Some(n % 2 == 0),
                    etag: String::new(),
                    ..t
                }),
                request_id: format!("loadtest-{me}-{n}"),
                update_mask: None,
            })
            .await
            .map(|_| ());
        if r.is_ok() {
            last.insert(id, n % 2 == 0);
        }
        out.record(start, r);
    }
    (out, last)
}

/// Prints a report as BENCHMARKS.md rows.
pub fn print(o: &Options, r: &Report) {
    println!(
        "loadtest: {:.1} s, {} readers + {} writers over {} connections, auth and every limit on, one municipality of {} teachers",
        r.seconds, o.readers, o.writers, o.connections, r.teachers
    );
    println!("| calls | count | per second | p50 ms | p99 ms | max ms | errors |");
    println!("|---|---|---|---|---|---|---|");
    for (name, l) in [("reads", &r.reads), ("writes", &r.writes)] {
        let errors = if l.errors.is_empty() {
            "0".to_string()
        } else {
            l.errors
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!(
            "| {name} | {} | {:.0} | {:.2} | {:.2} | {:.1} | {errors} |",
            l.count, l.per_sec, l.p50_ms, l.p99_ms, l.max_ms
        );
    }
    if let Some((d, status)) = &r.rematch {
        println!(
            "rematch triggered at half time: {:.2} s, {status}",
            d.as_secs_f64()
        );
    }
    if !r.scheduled.is_empty() {
        let s: Vec<String> = r
            .scheduled
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        println!(
            "scheduled rematches (every 2 min, auto-approved): {}",
            s.join(", ")
        );
    }
    if let Some((d, outcome)) = &r.import {
        println!(
            "import of a second municipality at a quarter: {:.2} s, {outcome}",
            d.as_secs_f64()
        );
    }
    println!(
        "lost writes: {} of {} teachers written (each must hold its last acknowledged value)",
        r.lost_writes, r.written_teachers
    );
}
