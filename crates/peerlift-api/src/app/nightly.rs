//! The nightly rematch job: which slots are due, running one (single-flight, idempotent per
//! municipality and slot, atomic, bounded in time), and recovering from a crash.
//!
//! A slot's record (`RematchRecord`, keyed by municipality and slot) is written as Running
//! before the work starts, and the result (runs stored, approval applied, record Succeeded) is
//! one store transaction. So a crash mid-run applies nothing and leaves the record Running;
//! [`recover`] marks such records failed at start-up, and they are retried.

use std::time::{Duration, Instant};

use jiff::civil::DateTime;
use jiff::Timestamp;
use peerlift_domain::{
    KindOutcome, MatchRun, RematchPolicy, RematchRecord, RematchStatus, Trigger,
};
use peerlift_store::{key, prefix, Store};

use crate::app::runs::{apply_run, load_scope, new_run_id, run_record, scope_municipalities};
use crate::caller::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::{self, write_audited, AppState, Running};

/// How an attempt cut short by a stop is marked.
pub const INTERRUPTED: &str = "interrupted";

/// Attempts per slot before it is left failed for the office to look at.
pub const MAX_ATTEMPTS: usize = 3;

/// A slot is "scheduled" (rather than a catch-up) when it runs within this of its time.
const ON_TIME: Duration = Duration::from_secs(5 * 60);

/// Removes the municipality from the running set when the run ends, however it ends.
struct Flight {
    running: Running,
    municipality: String,
}

impl Drop for Flight {
    fn drop(&mut self) {
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.municipality);
    }
}

/// The policy in force (stored, or the disabled default).
pub fn load_policy(s: &Store, muni: &str, now: Timestamp) -> ApiResult<(RematchPolicy, bool)> {
    Ok(match s.get::<RematchPolicy>(&key(&[muni]))? {
        Some(p) => (p, true),
        None => (RematchPolicy::defaults(muni, now), false),
    })
}

/// The time zone of a scope: the municipality's, or a region's first municipality's.
pub fn scope_zone(s: &Store, scope: &str) -> ApiResult<jiff::tz::TimeZone> {
    let first = scope_municipalities(s, scope)?
        .into_iter()
        .next()
        .unwrap_or_default();
    let m = state::municipality(s, &first)?;
    Ok(jiff::tz::TimeZone::get(&m.time_zone).unwrap_or(jiff::tz::TimeZone::UTC))
}

fn slot_key(t: DateTime) -> String {
    t.strftime("%Y-%m-%dT%H:%M").to_string()
}

/// Marks attempts left Running by a process that stopped (crash, kill) as failed; returns the
/// (municipality, slot) of each, to be retried.
pub fn recover(store: &Store, now: Timestamp) -> ApiResult<Vec<(String, String)>> {
    let caller = Caller::system("scheduler");
    write_audited(store, &caller, "", "RecoverRematch", "", now, |s, b| {
        let mut out = Vec::new();
        for r in s.scan::<RematchRecord>(&[], None) {
            let mut r = r?;
            if r.status != RematchStatus::Running {
                continue;
            }
            r.fail(
                format!("{INTERRUPTED}: the server stopped during the run; nothing was applied"),
                None,
                now,
            );
            b.put(&r)?;
            tracing::warn!(municipality = %r.municipality_id, slot = %r.slot, "rematch interrupted by a stop; marked failed");
            out.push((r.municipality_id.clone(), r.slot.clone()));
        }
        Ok(out)
    })
}

/// What is due at `now`: for each municipality with an enabled policy, its latest slot at or
/// before now (not older than the policy), unless that slot succeeded or failed too often.
pub fn due(store: &Store, now: Timestamp) -> ApiResult<Vec<(String, String, Trigger)>> {
    let mut out = Vec::new();
    for p in store.scan::<RematchPolicy>(&[], None) {
        let p = p?;
        if !p.enabled {
            continue;
        }
        let Ok(tz) = scope_zone(store, &p.municipality_id) else {
            continue;
        };
        let Ok(cron) = p.cron() else { continue };
        let local = now.to_zoned(tz.clone()).datetime();
        let Some(slot) = cron.latest_at_or_before(local) else {
            continue;
        };
        let Ok(slot_time) = tz.to_timestamp(slot) else {
            continue;
        };
        if slot_time < p.meta.update_time {
            continue; // the slot came before the policy was set: not missed
        }
        let sk = slot_key(slot);
        let trigger = match store.get::<RematchRecord>(&key(&[&p.municipality_id, &sk]))? {
            Some(r) if r.status != RematchStatus::Failed => continue,
            Some(r) if r.attempts.len() >= MAX_ATTEMPTS => continue,
            Some(_) => Trigger::Retry,
            None => {
                let late = now.duration_since(slot_time);
                if late.as_secs() as u64 <= ON_TIME.as_secs() {
                    Trigger::Scheduled
                } else {
                    Trigger::CatchUp
                }
            }
        };
        out.push((p.municipality_id.clone(), sk, trigger));
    }
    Ok(out)
}

/// Runs every due slot at `now` (one after another); returns their records.
pub async fn tick(state: &AppState, now: Timestamp) -> Vec<ApiResult<RematchRecord>> {
    let store = state.store.clone();
    let due = match tokio::task::spawn_blocking(move || due(&store, now)).await {
        Ok(Ok(d)) => d,
        Ok(Err(e)) => return vec![Err(e)],
        Err(e) => return vec![Err(ApiError::Internal(e.to_string()))],
    };
    let mut out = Vec::new();
    for (muni, slot, trigger) in due {
        out.push(run_slot(state, &Caller::system("scheduler"), &muni, &slot, trigger).await);
    }
    out
}

/// The slot name of a manual trigger at `now` (the API adds a unique suffix).
pub fn manual_slot(tz: &jiff::tz::TimeZone, now: Timestamp) -> String {
    format!("manual-{}", slot_key(now.to_zoned(tz.clone()).datetime()))
}

/// Runs one slot now: single-flight per municipality (in this process; across processes the
/// store admits one server), idempotent (a succeeded slot is returned as it is), atomic.
pub async fn run_slot(
    state: &AppState,
    caller: &Caller,
    muni: &str,
    slot: &str,
    trigger: Trigger,
) -> ApiResult<RematchRecord> {
    let _flight = {
        let mut running = state
            .rematch_running
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if !running.insert(muni.to_string()) {
            return Err(ApiError::FailedPrecondition(format!(
                "a rematch of {muni} is already running"
            )));
        }
        Flight {
            running: state.rematch_running.clone(),
            municipality: muni.to_string(),
        }
    };
    let started = Instant::now();
    let now = (state.clock)();
    let (m_id, s_id) = (muni.to_string(), slot.to_string());
    let store = state.store.clone();
    let who = caller.clone();
    let method = if trigger == Trigger::Manual {
        "TriggerRematch"
    } else {
        "NightlyRematch"
    };
    // Open the attempt (flushed), or return the slot's result if it already succeeded.
    let opened = tokio::task::spawn_blocking(move || {
        write_audited(&store, &who, &m_id, method, &s_id, now, |s, b| {
            scope_municipalities(s, &m_id)?;
            let k = key(&[&m_id, &s_id]);
            let mut r = match s.get::<RematchRecord>(&k)? {
                Some(r) if r.status == RematchStatus::Succeeded => return Ok(Err(r)),
                Some(r) => r,
                None => RematchRecord::new(&m_id, &s_id, now),
            };
            r.open_attempt(trigger, now)
                .map_err(ApiError::FailedPrecondition)?;
            b.put(&r)?;
            Ok(Ok(r))
        })
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    let record = match opened {
        Ok(r) => r,
        Err(done) => return Ok(done),
    };
    tracing::info!(
        municipality = muni,
        slot,
        ?trigger,
        attempt = record.attempts.len(),
        "rematch started"
    );
    let store = state.store.clone();
    let (m_id, s_id) = (muni.to_string(), slot.to_string());
    let limit = {
        let store = store.clone();
        let m = m_id.clone();
        tokio::task::spawn_blocking(move || load_policy(&store, &m, now).map(|p| p.0.max_minutes))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))??
    };
    let who = caller.clone();
    let work = tokio::task::spawn_blocking(move || {
        compute_and_apply(&store, &who, method, &m_id, &s_id, now, started)
    });
    let result = match tokio::time::timeout(Duration::from_secs(u64::from(limit) * 60), work).await
    {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => Err(ApiError::Internal(format!("rematch task failed: {e}"))),
        Err(_) => Err(ApiError::Internal(format!(
            "took longer than {limit} minutes (max_minutes); nothing was applied"
        ))),
    };
    match result {
        Ok(r) => {
            tracing::info!(
                municipality = muni,
                slot,
                duration_ms = r.duration_ms,
                "rematch succeeded"
            );
            Ok(r)
        }
        Err(e) => {
            let message = e.to_string();
            tracing::error!(municipality = muni, slot, error = %message, "rematch failed");
            let store = state.store.clone();
            let (m_id, s_id) = (muni.to_string(), slot.to_string());
            let failed_at = (state.clock)();
            let elapsed = started.elapsed().as_millis() as u64;
            let who = caller.clone();
            tokio::task::spawn_blocking(move || {
                write_audited(&store, &who, &m_id, method, &s_id, failed_at, |s, b| {
                    let k = key(&[&m_id, &s_id]);
                    let Some(mut r) = s.get::<RematchRecord>(&k)? else {
                        return Err(e);
                    };
                    r.fail(message.clone(), Some(elapsed), failed_at);
                    b.put(&r)?;
                    Ok(r)
                })
            })
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
        }
    }
}

/// The work of one attempt: every kind of the policy, stably; then one transaction stores the
/// runs, applies them when the policy auto-approves, and marks the slot succeeded.
///
/// The runs are computed outside the write lock, against the registry's generations. If a
/// write changed the registry meanwhile (a busy office, an integration syncing all night),
/// applying them would be refused, and under a steady stream of writes every attempt would
/// be: so the second computation runs inside the write lock, where nothing can change, and
/// writers wait for it (seconds for a municipality; this is the nightly job).
fn compute_and_apply(
    store: &Store,
    caller: &Caller,
    method: &str,
    muni: &str,
    slot: &str,
    now: Timestamp,
    started: Instant,
) -> ApiResult<RematchRecord> {
    let (policy, _) = load_policy(store, muni, now)?;
    let runs = compute_runs(store, &policy, muni, slot, now)?;
    // Fault injection (tests): the registry changes between computing and applying.
    fail::fail_point!("rematch-computed");
    let first = write_audited(store, caller, muni, method, slot, now, |s, b| {
        for (run, _) in &runs {
            for (m, then) in &run.generations {
                if policy.auto_approve && s.generation(m)? != *then {
                    // Nothing is written: the batch stays empty.
                    return Ok(None);
                }
            }
        }
        store_runs(s, b, &policy, muni, slot, runs, started, now).map(Some)
    })?;
    if let Some(record) = first {
        return Ok(record);
    }
    tracing::info!(municipality = %muni, slot, "the registry changed during the rematch; computing it again under the write lock");
    write_audited(store, caller, muni, method, slot, now, |s, b| {
        let runs = compute_runs(s, &policy, muni, slot, now)?;
        store_runs(s, b, &policy, muni, slot, runs, started, now)
    })
}

/// One run per kind of the policy, from the scope as it is now.
fn compute_runs(
    store: &Store,
    policy: &RematchPolicy,
    muni: &str,
    slot: &str,
    now: Timestamp,
) -> ApiResult<Vec<(MatchRun, KindOutcome)>> {
    let mut runs: Vec<(MatchRun, KindOutcome)> = Vec::new();
    for kind in &policy.kinds {
        let (snap, generations) = load_scope(store, muni)?;
        let active = snap
            .mentorships
            .iter()
            .filter(|m| m.is_active() && m.kind == *kind)
            .count();
        let budget = policy.churn_budget.allowed(active);
        let r = peerlift_match::rematch::stable_rematch(
            *kind,
            &snap,
            &policy.weights,
            &policy.policy,
            budget,
        )
        .map_err(|e| ApiError::Internal(e.to_string()))?;
        let out = r.outcome;
        let outcome = KindOutcome {
            kind: *kind,
            run_id: String::new(),
            applied: false,
            demands: out.size.demands,
            arcs: out.size.arcs,
            objective: r.objective,
            fresh_objective: r.fresh_objective,
            forced_ends: r.forced_ends,
            gain_ends: r.gain_ends,
            budget: r.budget,
            fresh_ends: r.fresh_ends,
            added: out.diff.added.len() as u32,
            covered_before: active as u64,
            covered_after: out.pairs.len() as u64,
            demands_total: out.size.demands + out.size.locked,
        };
        let run = run_record(
            muni,
            *kind,
            generations,
            policy.weights,
            policy.policy.clone(),
            out,
            now,
            format!("nightly rematch {slot}"),
        );
        runs.push((run, outcome));
    }
    Ok(runs)
}

/// Stores the runs of a slot (applied when the policy auto-approves) and marks it succeeded.
#[allow(clippy::too_many_arguments)]
fn store_runs(
    s: &Store,
    b: &mut peerlift_store::Batch,
    policy: &RematchPolicy,
    muni: &str,
    slot: &str,
    runs: Vec<(MatchRun, KindOutcome)>,
    started: Instant,
    now: Timestamp,
) -> ApiResult<RematchRecord> {
    let k = key(&[muni, slot]);
    let mut record = s
        .get::<RematchRecord>(&k)?
        .ok_or_else(|| ApiError::Internal(format!("the record of slot {slot} vanished")))?;
    let mut outcomes = Vec::new();
    for (mut run, mut outcome) in runs {
        run.id = new_run_id(s)?;
        outcome.run_id = run.id.clone();
        if policy.auto_approve {
            let note = format!("nightly rematch {slot}, approved by policy");
            apply_run(s, b, &mut run, None, &note, now)?;
            outcome.applied = true;
        } else {
            b.put(&run)?;
        }
        outcomes.push(outcome);
    }
    record.succeed(outcomes, started.elapsed().as_millis() as u64, now);
    b.put(&record)?;
    Ok(record)
}

/// Failed slots whose last attempt was interrupted by a stop and that have attempts left.
pub fn interrupted_slots(store: &Store) -> ApiResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    for r in store.scan::<RematchRecord>(&[], None) {
        let r = r?;
        let interrupted = r
            .attempts
            .last()
            .is_some_and(|a| a.error.starts_with(INTERRUPTED));
        if r.status == RematchStatus::Failed && interrupted && r.attempts.len() < MAX_ATTEMPTS {
            out.push((r.municipality_id.clone(), r.slot.clone()));
        }
    }
    Ok(out)
}

/// Every record of a municipality, newest first.
pub fn history(store: &Store, muni: &str) -> ApiResult<Vec<RematchRecord>> {
    let mut all: Vec<RematchRecord> = store
        .scan::<RematchRecord>(&prefix(&[muni]), None)
        .collect::<Result<_, _>>()?;
    all.sort_by(|a, b| {
        let t = |r: &RematchRecord| r.attempts.first().map(|a| a.started);
        t(b).cmp(&t(a)).then(b.slot.cmp(&a.slot))
    });
    Ok(all)
}

/// The scheduler of `peerlift serve`: retries the slots a stop interrupted (see [`recover`]),
/// then every `every` runs the due slots, until `stop` resolves.
pub async fn run_scheduler(
    state: AppState,
    every: Duration,
    interrupted: Vec<(String, String)>,
    stop: impl std::future::Future<Output = ()>,
) {
    // What a stop interrupted, now or at an earlier start with the scheduler off.
    let store = state.store.clone();
    let mut retry = interrupted;
    if let Ok(Ok(more)) = tokio::task::spawn_blocking(move || interrupted_slots(&store)).await {
        for x in more {
            if !retry.contains(&x) {
                retry.push(x);
            }
        }
    }
    for (muni, slot) in retry {
        if let Err(e) = run_slot(
            &state,
            &Caller::system("scheduler"),
            &muni,
            &slot,
            Trigger::Retry,
        )
        .await
        {
            tracing::error!(municipality = %muni, slot = %slot, error = %e, "retry failed");
        }
    }
    tokio::pin!(stop);
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = &mut stop => return,
            _ = interval.tick() => {
                for r in tick(&state, (state.clock)()).await {
                    if let Err(e) = r {
                        tracing::error!(error = %e, "scheduled rematch failed");
                    }
                }
            }
        }
    }
}
