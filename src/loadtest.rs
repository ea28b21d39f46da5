//! `peerlift loadtest`: many concurrent clients against a local server with auth on, for a
//! bounded time, with a nightly rematch triggered in the middle; prints throughput, latency
//! percentiles and errors.
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
    let config = crate::config::Config {
        data_dir: data.clone(),
        scheduler: false,
        ..crate::config::Config::default()
    };
    let (addr, stop, server) = crate::bench::start_server(config).await?;
    let target = |token: &str| Target {
        addr: addr.clone(),
        token: Some(token.to_string()),
        ..Target::default()
    };
    let admin_conn = connect_to(&target(&admin)).await.map_err(|e| err(&e))?;
    progress("importing, matching, scheduling");
    let pool = prepare(admin_conn.clone(), &csv).await?;

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
        "running {} readers and {} writers for {} s; a rematch at half time",
        o.readers, o.writers, o.seconds
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
        writers.push(tokio::spawn(async move {
            writer(conn, pool, stop, seed, i).await
        }));
    }
    let started = Instant::now();
    let half = Duration::from_secs(o.seconds) / 2;
    tokio::time::sleep(half).await;
    let t = Instant::now();
    let rematch = pb::rematch_service_client::RematchServiceClient::new(admin_conn.clone())
        .trigger_rematch(pb::TriggerRematchRequest {
            municipality_id: pool.muni.clone(),
        })
        .await;
    let rematch = Some(match rematch {
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
    for h in writers {
        writes.merge(h.await.map_err(|e| err(&e))?);
    }
    let _ = stop.send(());
    server.await.map_err(|e| err(&e))?.map_err(|e| err(&e))?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Report {
        seconds,
        teachers: pool.teachers.len(),
        reads: line(reads, seconds),
        writes: line(writes, seconds),
        rematch,
    })
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
/// acknowledged, audited, idempotent write that also feeds the next matching).
async fn writer(conn: Conn, pool: Pool, stop: Arc<AtomicBool>, seed: u64, me: usize) -> Samples {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Samples::default();
    let mut teachers = pb::teacher_service_client::TeacherServiceClient::new(conn);
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let Some(t) = pick(&mut rng, &pool.teachers).cloned() else {
            break;
        };
        n += 1;
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
            })
            .await
            .map(|_| ());
        out.record(start, r);
    }
    out
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
}
