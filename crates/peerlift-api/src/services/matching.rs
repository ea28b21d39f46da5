//! Match runs: snapshot the scope, run the exact matcher off the async threads, store the
//! proposal; approve applies its whole diff in one transaction.

use peerlift_domain::{
    Diagnostic, MatchKind, MatchRun, MentorProfile, Mentorship, MentorshipStatus, Meta,
    Municipality, Origin, School, Teacher, Veto,
};
use peerlift_match::{RunOptions, Snapshot, SolvedProblem};
use peerlift_store::{key, prefix, Store};
use prost::Message;
use tonic::{Request, Response, Status};

use super::check_id;
use crate::auth::Admit;
use crate::convert_match::{
    ended_to_pb, mentorship_to_pb, optional_kind, policy_from_pb, required_kind, run_pair_to_pb,
    run_status_from_pb, run_to_pb, unmatched_to_pb, weights_from_pb, RunTokens, INLINE,
};
use crate::error::{ApiError, ApiResult};
use crate::paging::{offset_token, page_of, walk_print};
use crate::pb;
use crate::pb::matching_service_server::MatchingService;
use crate::state::{self, page_size, today, AppState};

#[derive(Debug, Clone)]
pub struct MatchingApi {
    pub state: AppState,
}

/// Reads everything a run of one municipality needs, and the generation it corresponds to.
/// Reads don't take the write lock, so a write may slip in between; the generation is read
/// before and after, and the read repeated until they agree. Under a steady stream of writes
/// (the load test writes hundreds a second) they may never agree: then the read is made once
/// more under the write lock, which holds writers back for its few milliseconds. (Inside a
/// write, which already holds the lock, no write can slip in, so the first read agrees and
/// the lock is never taken twice.)
pub fn load_snapshot(s: &Store, municipality_id: &str) -> ApiResult<(Snapshot, u64)> {
    for _ in 0..3 {
        let before = s.generation(municipality_id)?;
        let snap = read_snapshot(s, municipality_id)?;
        if s.generation(municipality_id)? == before {
            return Ok((snap, before));
        }
    }
    tracing::debug!(
        municipality = municipality_id,
        "busy municipality: reading its snapshot under the write lock"
    );
    let _writers_wait = s.lock();
    let generation = s.generation(municipality_id)?;
    Ok((read_snapshot(s, municipality_id)?, generation))
}

fn read_snapshot(s: &Store, municipality_id: &str) -> ApiResult<Snapshot> {
    let p = prefix(&[municipality_id]);
    Ok(Snapshot {
        schools: s.scan::<School>(&p, None).collect::<Result<_, _>>()?,
        teachers: s.scan::<Teacher>(&p, None).collect::<Result<_, _>>()?,
        profiles: s
            .scan::<MentorProfile>(&p, None)
            .collect::<Result<_, _>>()?,
        diagnostics: s.scan::<Diagnostic>(&p, None).collect::<Result<_, _>>()?,
        mentorships: s
            .scan::<Mentorship>(&p, None)
            .filter(|m| m.as_ref().map(|m| m.is_active()).unwrap_or(true))
            .collect::<Result<_, _>>()?,
        vetoes: s.scan::<Veto>(&p, None).collect::<Result<_, _>>()?,
        pinned: Default::default(),
    })
}

/// The prefix of a region's scope: `region:<region name>` stands for every municipality of
/// that region in match-run calls.
pub const REGION_SCOPE: &str = "region:";

/// The municipalities a scope covers: one municipality, or every municipality of a region.
pub fn scope_municipalities(s: &Store, scope: &str) -> ApiResult<Vec<String>> {
    match scope.strip_prefix(REGION_SCOPE) {
        Some(region) => {
            let ids: Vec<String> = s
                .scan::<Municipality>(&[], None)
                .filter_map(|m| match m {
                    Ok(m) if m.region == region => Some(Ok(m.id)),
                    Ok(_) => None,
                    Err(e) => Some(Err(e)),
                })
                .collect::<Result<_, _>>()?;
            if ids.is_empty() {
                return Err(ApiError::NotFound {
                    kind: "region",
                    id: region.to_string(),
                });
            }
            Ok(ids)
        }
        None => Ok(vec![state::municipality(s, scope)?.id]),
    }
}

/// The municipality of the scope a teacher or school id belongs to, preferring `first` (the
/// mentee's): ids are unique within a municipality only.
fn region_home<R: peerlift_store::Record>(
    s: &Store,
    scope: &[String],
    first: &str,
    id: &str,
) -> ApiResult<String> {
    if s.contains::<R>(&key(&[first, id]))? {
        return Ok(first.to_string());
    }
    for m in scope {
        if s.contains::<R>(&key(&[m, id]))? {
            return Ok(m.clone());
        }
    }
    Ok(first.to_string())
}

/// Reads a whole scope: the union of its municipalities' snapshots, with each generation.
pub fn load_scope(s: &Store, scope: &str) -> ApiResult<(Snapshot, Vec<(String, u64)>)> {
    let mut all = Snapshot::default();
    let mut gens = Vec::new();
    for m in scope_municipalities(s, scope)? {
        let (snap, g) = load_snapshot(s, &m)?;
        all.schools.extend(snap.schools);
        all.teachers.extend(snap.teachers);
        all.profiles.extend(snap.profiles);
        all.diagnostics.extend(snap.diagnostics);
        all.mentorships.extend(snap.mentorships);
        all.vetoes.extend(snap.vetoes);
        gens.push((m, g));
    }
    Ok((all, gens))
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound {
        kind: "match run",
        id: id.to_string(),
    }
}

/// Computes a run (no storing): the matcher on a snapshot, turned into a run record, with the
/// whole solved problem when `keep_problem` (for an export).
pub fn compute_run(
    s: &Store,
    municipality_id: &str,
    kind: MatchKind,
    weights: peerlift_domain::Weights,
    policy: peerlift_domain::Policy,
    now: jiff::Timestamp,
    keep_problem: bool,
) -> ApiResult<(MatchRun, Option<SolvedProblem>)> {
    let (snap, generations) = load_scope(s, municipality_id)?;
    let out = peerlift_match::run_with(kind, &snap, &weights, &policy, RunOptions { keep_problem })
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    drop(snap);
    tracing::info!(
        municipality = municipality_id,
        kind = kind.code(),
        demands = out.size.demands,
        suppliers = out.size.suppliers,
        arcs = out.size.arcs,
        pruned_arcs = out.size.pruned_arcs,
        pairs = out.pairs.len(),
        objective = out.objective,
        optimal = out.certificate.optimal,
        "match run computed"
    );
    let mut out = out;
    let problem = out.problem.take();
    let run = run_record(
        municipality_id,
        kind,
        generations,
        weights,
        policy,
        out,
        now,
        String::new(),
    );
    Ok((run, problem))
}

/// A proposed run record from a matcher outcome (RunMatching and the nightly rematch).
#[allow(clippy::too_many_arguments)]
pub fn run_record(
    scope: &str,
    kind: MatchKind,
    generations: Vec<(String, u64)>,
    weights: peerlift_domain::Weights,
    policy: peerlift_domain::Policy,
    out: peerlift_match::MatchOutcome,
    now: jiff::Timestamp,
    note: String,
) -> MatchRun {
    let result = peerlift_domain::RunResult {
        size: out.size,
        objective: out.objective,
        coverage: out.coverage,
        pairs: out.pairs,
        unmatched: out.unmatched,
        diff: out.diff,
        certificate: out.certificate,
        timings_ms: out
            .timings
            .iter()
            .map(|(k, d)| (k.clone(), d.as_millis() as u64))
            .collect(),
    };
    MatchRun::proposal(scope, kind, generations, weights, policy, result, note, now)
}

/// The largest problem RunMatching returns inline (`include_problem`); larger ones are read
/// with the streamed ExportMatchProblem.
const INLINE_PROBLEM_BYTES: usize = 3 << 20;

/// The problem as JSON, or FAILED_PRECONDITION when it is too large to return inline.
fn inline_problem(problem: &SolvedProblem) -> ApiResult<String> {
    struct Capped(Vec<u8>);
    impl std::io::Write for Capped {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            if self.0.len() + b.len() > INLINE_PROBLEM_BYTES {
                return Err(std::io::Error::other("too large"));
            }
            self.0.extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut out = Capped(Vec::new());
    if problem.write_json(&mut out).is_err() {
        return Err(ApiError::FailedPrecondition(format!(
            "the problem has {} arcs, more than a response carries (3 MiB of JSON): read it with \
             ExportMatchProblem, which streams it (peerlift match --export-problem FILE does)",
            problem.problem.arc_count()
        )));
    }
    String::from_utf8(out.0).map_err(|e| ApiError::Internal(e.to_string()))
}

/// Run ids sort by creation: a zero-padded counter.
pub fn new_run_id(s: &Store) -> ApiResult<String> {
    Ok(format!("run-{:010}", s.generate_id()?))
}

/// Applies a proposed run in the caller's batch: ends its ended mentorships, creates its added
/// pairs (dated `effective`, default today in each mentee's municipality) and marks it
/// approved. Refused when the run is not a proposal or the registry changed since it was
/// computed. Shared by `ApproveMatchRun` and the nightly rematch's auto-approval.
pub fn apply_run(
    s: &Store,
    b: &mut peerlift_store::Batch,
    run: &mut MatchRun,
    effective: Option<jiff::civil::Date>,
    note: &str,
    now: jiff::Timestamp,
) -> ApiResult<(Vec<Mentorship>, Vec<Mentorship>)> {
    let scope_list = scope_municipalities(s, &run.municipality_id)?;
    run.approve(note, now)
        .map_err(ApiError::FailedPrecondition)?;
    for (muni, then) in &run.generations {
        let current = s.generation(muni)?;
        if current != *then {
            return Err(ApiError::FailedPrecondition(format!(
                    "the registry of {muni} changed since run {} was computed (state {then} then, {current} now): run the matching again",
                    run.id
                )));
        }
    }
    // Dates are the mentee municipality's "today".
    let mut days: std::collections::HashMap<String, jiff::civil::Date> =
        std::collections::HashMap::new();
    let mut today_in = |muni: &str| -> ApiResult<jiff::civil::Date> {
        if let Some(d) = effective {
            return Ok(d);
        }
        if let Some(d) = days.get(muni) {
            return Ok(*d);
        }
        let m = state::municipality(s, muni)?;
        let d = today(&m, now);
        days.insert(muni.to_string(), d);
        Ok(d)
    };
    let mut ended = Vec::new();
    for e in &run.diff.ended {
        let Some(mut ms) = s.get::<Mentorship>(&key(&[&e.municipality_id, &e.mentorship_id]))?
        else {
            continue;
        };
        let end = today_in(&e.municipality_id)?;
        // An effective date is the caller's: it must not end a mentorship before it began
        // (that would store an end before the start). Without one, "today" can only be
        // earlier when the mentorship was approved with a future date; the end is then
        // clamped to its start rather than failing a nightly run the caller did not date.
        if effective.is_some() && end < ms.started_on {
            return Err(ApiError::invalid(
                "effective_date",
                format!(
                    "is {end}, but run {} ends mentorship {}, which began on {}: use a date on or after it",
                    run.id, ms.id, ms.started_on
                ),
            ));
        }
        ms.end(end, format!("run {}: {}", run.id, e.reason), now);
        b.put(&ms)?;
        ended.push(ms);
    }
    let mut created = Vec::new();
    for &i in &run.diff.added {
        let Some(p) = run.pairs.get(i as usize) else {
            continue;
        };
        if p.locked {
            continue;
        }
        let muni = if p.municipality_id.is_empty() {
            run.municipality_id.clone()
        } else {
            p.municipality_id.clone()
        };
        // In a region's run the mentor may work in another municipality: record
        // it, and advance that municipality's state too (its mentor's load changed).
        let mentor_muni = if run.kind.is_schools() {
            region_home::<School>(s, &scope_list, &muni, &p.mentor_id)?
        } else {
            region_home::<Teacher>(s, &scope_list, &muni, &p.mentor_id)?
        };
        if mentor_muni != muni {
            b.touch_municipality(&mentor_muni);
        }
        let ms = Mentorship {
            municipality_id: muni.clone(),
            id: format!("ms-{:010}", s.generate_id()?),
            kind: run.kind,
            mentee_id: p.mentee_id.clone(),
            mentor_id: p.mentor_id.clone(),
            mentor_municipality_id: if mentor_muni == muni {
                String::new()
            } else {
                mentor_muni.clone()
            },
            subject: p.subject.clone(),
            mode: p.mode,
            partnership_type: p.partnership_type,
            locked: false,
            status: MentorshipStatus::Active,
            started_on: today_in(&muni)?,
            ended_on: None,
            end_reason: String::new(),
            origin: Origin::Run(run.id.clone()),
            score: p.score,
            members: p.members.clone(),
            meta: Meta::new(now),
        };
        b.put(&ms)?;
        created.push(ms);
    }
    b.put(&*run)?;
    tracing::info!(run = %run.id, created = created.len(), ended = ended.len(), "match run approved");
    Ok((created, ended))
}

/// The optional note of an approval or rejection is stored with the run: bounded like any
/// typed text.
fn check_note(note: &str) -> ApiResult<()> {
    let mut v = peerlift_domain::Violations::new();
    // Checked trimmed: surrounding whitespace was always accepted and stays so.
    peerlift_domain::check_reason(&mut v, "note", note.trim(), false);
    v.into_result().map_err(ApiError::Invalid)
}

/// A stored run of a scope.
fn stored_run(s: &Store, scope: &str, run_id: &str) -> ApiResult<MatchRun> {
    scope_municipalities(s, scope)?;
    check_id("run_id", run_id)?;
    s.get::<MatchRun>(&key(&[scope, run_id]))?
        .ok_or_else(|| not_found(run_id))
}

/// The filters of a walk over one of a run's lists (empty / 0: not filtered).
#[derive(Debug, Default, Clone, Copy)]
struct Walk<'a> {
    list: &'a str,
    municipality: &'a str,
    school: &'a str,
    subject: &'a str,
    level: i32,
    change: i32,
}

impl Walk<'_> {
    /// The fingerprint page tokens of this walk over run `run_id` carry: the inline tokens and
    /// the list calls compute it here alone, so they always agree.
    fn print(&self, run_id: &str) -> u64 {
        walk_print(&[
            run_id,
            self.list,
            self.municipality,
            self.school,
            self.subject,
            &self.level.to_string(),
            &self.change.to_string(),
        ])
    }
}

const WALK_PAIRS: &str = "pairs";
const WALK_UNMATCHED: &str = "unmatched";
const WALK_CHANGES: &str = "changes";

/// The tokens a run's inline lists end with, when they were cut: the next page of pairs and of
/// unmatched demands (unfiltered), and the whole diff from its start.
fn inline_tokens(run: &MatchRun) -> RunTokens {
    let print = |list: &str| {
        Walk {
            list,
            ..Walk::default()
        }
        .print(&run.id)
    };
    let cut_changes = run.diff.kept.len() > INLINE
        || run.diff.ended.len() > INLINE
        || run.diff.added.iter().any(|&i| i as usize >= INLINE);
    RunTokens {
        pairs: if run.pairs.len() > INLINE {
            offset_token(INLINE, print(WALK_PAIRS))
        } else {
            String::new()
        },
        unmatched: if run.unmatched.len() > INLINE {
            offset_token(INLINE, print(WALK_UNMATCHED))
        } else {
            String::new()
        },
        changes: if cut_changes {
            offset_token(0, print(WALK_CHANGES))
        } else {
            String::new()
        },
    }
}

/// The level filter of a list request (0: any).
fn level_filter(v: i32) -> ApiResult<Option<peerlift_domain::Level>> {
    match v {
        0 => Ok(None),
        x => crate::convert::enum_from_pb(peerlift_domain::Level::ALL, x)
            .map(Some)
            .ok_or_else(|| ApiError::invalid("level", "unknown level")),
    }
}

/// Writes JSON text into 1 MiB chunks of a server stream; a client that went away stops it.
struct ChunkWriter {
    tx: tokio::sync::mpsc::Sender<Result<pb::ExportMatchProblemChunk, Status>>,
    buf: Vec<u8>,
}

const CHUNK: usize = 1 << 20;

impl std::io::Write for ChunkWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        while !self.buf.is_empty() {
            let rest = if self.buf.len() > CHUNK {
                self.buf.split_off(CHUNK)
            } else {
                Vec::new()
            };
            let data = std::mem::replace(&mut self.buf, rest);
            self.tx
                .blocking_send(Ok(pb::ExportMatchProblemChunk { data }))
                .map_err(|_| std::io::Error::other("the client stopped reading"))?;
        }
        Ok(())
    }
}

#[tonic::async_trait]
impl MatchingService for MatchingApi {
    type ExportMatchProblemStream =
        tokio_stream::wrappers::ReceiverStream<Result<pb::ExportMatchProblemChunk, Status>>;

    async fn list_match_run_pairs(
        &self,
        req: Request<pb::ListMatchRunPairsRequest>,
    ) -> Result<Response<pb::ListMatchRunPairsResponse>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let level = level_filter(r.level)?;
        let out = self
            .state
            .read(move |s| {
                let run = stored_run(s, &r.municipality_id, &r.run_id)?;
                let print = Walk {
                    list: WALK_PAIRS,
                    municipality: &r.mentee_municipality_id,
                    school: &r.school_id,
                    subject: &r.subject,
                    level: r.level,
                    change: 0,
                }
                .print(&run.id);
                let matching: Vec<usize> = run
                    .pairs
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| {
                        (r.mentee_municipality_id.is_empty()
                            || p.municipality_id == r.mentee_municipality_id)
                            && (r.school_id.is_empty()
                                || p.mentee_school_id == r.school_id
                                || p.mentor_school_id == r.school_id)
                            && (r.subject.is_empty() || p.subject == r.subject)
                            && level.is_none_or(|l| p.level == Some(l))
                    })
                    .map(|(i, _)| i)
                    .collect();
                let (page, next, total) = page_of(matching, r.page_size, &r.page_token, print)?;
                let added: std::collections::HashSet<u32> =
                    run.diff.added.iter().copied().collect();
                Ok(pb::ListMatchRunPairsResponse {
                    pairs: page
                        .into_iter()
                        .map(|i| run_pair_to_pb(&run.pairs[i], i, added.contains(&(i as u32))))
                        .collect(),
                    next_page_token: next,
                    total_size: total,
                })
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn list_match_run_unmatched(
        &self,
        req: Request<pb::ListMatchRunUnmatchedRequest>,
    ) -> Result<Response<pb::ListMatchRunUnmatchedResponse>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let level = level_filter(r.level)?;
        let out = self
            .state
            .read(move |s| {
                let run = stored_run(s, &r.municipality_id, &r.run_id)?;
                let print = Walk {
                    list: WALK_UNMATCHED,
                    municipality: &r.mentee_municipality_id,
                    school: &r.school_id,
                    subject: &r.subject,
                    level: r.level,
                    change: 0,
                }
                .print(&run.id);
                let matching: Vec<usize> = run
                    .unmatched
                    .iter()
                    .enumerate()
                    .filter(|(_, u)| {
                        (r.mentee_municipality_id.is_empty()
                            || u.municipality_id == r.mentee_municipality_id)
                            && (r.school_id.is_empty() || u.school_id == r.school_id)
                            && (r.subject.is_empty() || u.subject == r.subject)
                            && level.is_none_or(|l| u.level == Some(l))
                    })
                    .map(|(i, _)| i)
                    .collect();
                let (page, next, total) = page_of(matching, r.page_size, &r.page_token, print)?;
                Ok(pb::ListMatchRunUnmatchedResponse {
                    unmatched: page
                        .into_iter()
                        .map(|i| unmatched_to_pb(&run.unmatched[i]))
                        .collect(),
                    next_page_token: next,
                    total_size: total,
                })
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn list_match_run_changes(
        &self,
        req: Request<pb::ListMatchRunChangesRequest>,
    ) -> Result<Response<pb::ListMatchRunChangesResponse>, Status> {
        use pb::run_change::Change;
        let (_caller, r) = self.state.admit(req).await?;
        let change = match r.change {
            0 => None,
            x => Some(
                Change::try_from(x).map_err(|_| ApiError::invalid("change", "unknown change"))?,
            ),
        };
        let out = self
            .state
            .read(move |s| {
                let run = stored_run(s, &r.municipality_id, &r.run_id)?;
                let print = Walk {
                    list: WALK_CHANGES,
                    municipality: &r.mentee_municipality_id,
                    school: "",
                    subject: &r.subject,
                    level: 0,
                    change: r.change,
                }
                .print(&run.id);
                // The diff as one list: kept, then added, then ended.
                let scope_muni = if run.municipality_id.starts_with(REGION_SCOPE) {
                    ""
                } else {
                    run.municipality_id.as_str()
                };
                let mut all: Vec<pb::RunChange> = Vec::new();
                for (i, id) in run.diff.kept.iter().enumerate() {
                    let muni = run
                        .diff
                        .kept_municipality
                        .get(i)
                        .filter(|m| !m.is_empty())
                        .map(String::as_str)
                        .unwrap_or(scope_muni);
                    all.push(pb::RunChange {
                        change: Change::Kept as i32,
                        municipality_id: muni.to_string(),
                        mentorship_id: id.clone(),
                        ..Default::default()
                    });
                }
                for &i in &run.diff.added {
                    if let Some(p) = run.pairs.get(i as usize) {
                        all.push(pb::RunChange {
                            change: Change::Added as i32,
                            municipality_id: p.municipality_id.clone(),
                            mentee_id: p.mentee_id.clone(),
                            subject: p.subject.clone(),
                            mentor_id: p.mentor_id.clone(),
                            pair_index: i,
                            ..Default::default()
                        });
                    }
                }
                for e in &run.diff.ended {
                    let e = ended_to_pb(e);
                    all.push(pb::RunChange {
                        change: Change::Ended as i32,
                        municipality_id: e.municipality_id,
                        mentorship_id: e.mentorship_id,
                        mentee_id: e.mentee_id,
                        subject: e.subject,
                        mentor_id: e.mentor_id,
                        reason: e.reason,
                        pair_index: 0,
                    });
                }
                let matching: Vec<usize> = all
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| {
                        change.is_none_or(|x| c.change == x as i32)
                            && (r.mentee_municipality_id.is_empty()
                                || c.municipality_id == r.mentee_municipality_id)
                            && (r.subject.is_empty() || c.subject == r.subject)
                    })
                    .map(|(i, _)| i)
                    .collect();
                let (page, next, total) = page_of(matching, r.page_size, &r.page_token, print)?;
                Ok(pb::ListMatchRunChangesResponse {
                    changes: page.into_iter().map(|i| all[i].clone()).collect(),
                    next_page_token: next,
                    total_size: total,
                })
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn export_match_problem(
        &self,
        req: Request<pb::ExportMatchProblemRequest>,
    ) -> Result<Response<Self::ExportMatchProblemStream>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let now = (self.state.clock)();
        // What to compute: a stored run's problem, or one of the given settings.
        let spec = if r.run_id.is_empty() {
            let kind = required_kind("kind", r.kind)?;
            let scope = match (r.region.is_empty(), r.municipality_id.is_empty()) {
                (true, _) => r.municipality_id.clone(),
                (false, true) => format!("{REGION_SCOPE}{}", r.region),
                (false, false) => {
                    return Err(ApiError::invalid(
                        "region",
                        "name a municipality or a region, not both",
                    )
                    .into())
                }
            };
            let weights = weights_from_pb(r.weights).map_err(ApiError::Invalid)?;
            let policy = policy_from_pb(r.policy).map_err(ApiError::Invalid)?;
            Err((scope, kind, weights, policy))
        } else {
            check_id("run_id", &r.run_id)?;
            Ok((r.municipality_id.clone(), r.run_id.clone()))
        };
        let problem = self
            .state
            .read(move |s| match spec {
                Err((scope, kind, weights, policy)) => {
                    let (_, problem) = compute_run(s, &scope, kind, weights, policy, now, true)?;
                    problem.ok_or_else(|| ApiError::Internal("no problem kept".into()))
                }
                Ok((scope, run_id)) => {
                    let run = stored_run(s, &scope, &run_id)?;
                    let (again, problem) = compute_run(
                        s,
                        &scope,
                        run.kind,
                        run.weights,
                        run.policy.clone(),
                        now,
                        true,
                    )?;
                    if again.generations != run.generations {
                        return Err(ApiError::FailedPrecondition(format!(
                            "the registry changed since run {run_id} was computed, so its problem \
                             can no longer be rebuilt: run the matching again and export that run"
                        )));
                    }
                    if again.objective != run.objective || again.pairs.len() != run.pairs.len() {
                        return Err(ApiError::FailedPrecondition(format!(
                            "run {run_id} was not made from the registry alone (the nightly \
                             rematch keeps last night's pairs), so its problem cannot be rebuilt: \
                             export a run made by RunMatching"
                        )));
                    }
                    problem.ok_or_else(|| ApiError::Internal("no problem kept".into()))
                }
            })
            .await?;
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tokio::task::spawn_blocking(move || {
            let mut w = ChunkWriter {
                tx: tx.clone(),
                buf: Vec::with_capacity(CHUNK + 4096),
            };
            let written = problem
                .write_json(&mut w)
                .and_then(|()| std::io::Write::flush(&mut w));
            if let Err(e) = written {
                tracing::debug!(error = %e, "problem export stopped");
                let _ = tx.blocking_send(Err(Status::aborted(format!("the export stopped: {e}"))));
            }
        });
        Ok(Response::new(tokio_stream::wrappers::ReceiverStream::new(
            rx,
        )))
    }

    async fn run_matching(
        &self,
        req: Request<pb::RunMatchingRequest>,
    ) -> Result<Response<pb::RunMatchingResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let kind = required_kind("kind", r.kind)?;
        // A region's run: every municipality of the region in one snapshot; pairs across
        // municipalities are online only (the matcher's rule).
        let scope = match (r.region.is_empty(), r.municipality_id.is_empty()) {
            (true, _) => r.municipality_id.clone(),
            (false, true) => format!("{REGION_SCOPE}{}", r.region),
            (false, false) => {
                return Err(ApiError::invalid(
                    "region",
                    "name a municipality or a region, not both",
                )
                .into())
            }
        };
        let weights = weights_from_pb(r.weights).map_err(ApiError::Invalid)?;
        let policy = policy_from_pb(r.policy.clone()).map_err(ApiError::Invalid)?;
        if !r.dry_run {
            let bytes = r.encode_to_vec();
            if let Some(done) = self
                .state
                .replay::<pb::RunMatchingResponse>(&scope, "RunMatching", &r.request_id, &bytes)
                .await?
            {
                return Ok(Response::new(done));
            }
        }
        let muni = scope.clone();
        let now = (self.state.clock)();
        let include = r.include_problem;
        let (mut run, problem) = self
            .state
            .read(move |s| compute_run(s, &muni, kind, weights, policy, now, include))
            .await?;
        let problem_json = match &problem {
            Some(p) => inline_problem(p)?,
            None => String::new(),
        };
        drop(problem);
        if r.dry_run {
            // A dry run is not stored: its inline lists cannot be paged further.
            return Ok(Response::new(pb::RunMatchingResponse {
                run: Some(run_to_pb(&run, true, true, &RunTokens::default())),
                problem_json,
            }));
        }
        let bytes = r.encode_to_vec();
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "RunMatching",
                &r.request_id,
                bytes,
                move |s, b, _| {
                    run.id = new_run_id(s)?;
                    b.put(&run)?;
                    Ok(pb::RunMatchingResponse {
                        run: Some(run_to_pb(&run, true, false, &inline_tokens(&run))),
                        problem_json,
                    })
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn get_match_run(
        &self,
        req: Request<pb::GetMatchRunRequest>,
    ) -> Result<Response<pb::MatchRun>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let run = self
            .state
            .read(move |s| stored_run(s, &r.municipality_id, &r.run_id))
            .await?;
        Ok(Response::new(run_to_pb(
            &run,
            true,
            false,
            &inline_tokens(&run),
        )))
    }

    async fn list_match_runs(
        &self,
        req: Request<pb::ListMatchRunsRequest>,
    ) -> Result<Response<pb::ListMatchRunsResponse>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let size = page_size(r.page_size)?;
        let kind = optional_kind("kind", r.kind)?;
        let status = match r.status {
            0 => None,
            x => Some(
                run_status_from_pb(x)
                    .ok_or_else(|| ApiError::invalid("status", "not a stored run status"))?,
            ),
        };
        let (runs, next) = self
            .state
            .read(move |s| {
                scope_municipalities(s, &r.municipality_id)?;
                // Newest first: runs are few (a handful a night), so read them all and page
                // over the reversed list; the token is the last id shown.
                let mut all: Vec<MatchRun> = s
                    .scan::<MatchRun>(&prefix(&[&r.municipality_id]), None)
                    .collect::<Result<_, _>>()?;
                all.reverse();
                let start = if r.page_token.is_empty() {
                    0
                } else {
                    all.iter()
                        .position(|x| x.id == r.page_token)
                        .map(|i| i + 1)
                        .ok_or_else(|| {
                            ApiError::invalid("page_token", "is not a page token of this list call")
                        })?
                };
                let keep: Vec<MatchRun> = all[start..]
                    .iter()
                    .filter(|x| {
                        kind.is_none_or(|k| x.kind == k) && status.is_none_or(|st| x.status == st)
                    })
                    .take(size + 1)
                    .cloned()
                    .collect();
                let more = keep.len() > size;
                let page: Vec<MatchRun> = keep.into_iter().take(size).collect();
                let next = if more {
                    page.last().map(|x| x.id.clone()).unwrap_or_default()
                } else {
                    String::new()
                };
                Ok((page, next))
            })
            .await?;
        Ok(Response::new(pb::ListMatchRunsResponse {
            runs: runs
                .iter()
                .map(|x| run_to_pb(x, false, false, &RunTokens::default()))
                .collect(),
            next_page_token: next,
        }))
    }

    async fn approve_match_run(
        &self,
        req: Request<pb::ApproveMatchRunRequest>,
    ) -> Result<Response<pb::ApproveMatchRunResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        check_id("run_id", &r.run_id)?;
        check_note(&r.note)?;
        let effective = match r.effective_date.as_str() {
            "" => None,
            // Only a plain date (jiff would also read a date-time and drop its time).
            d => Some(
                d.parse::<jiff::civil::Date>()
                    .ok()
                    .filter(|x| x.to_string() == d)
                    .ok_or_else(|| {
                        ApiError::invalid("effective_date", "must be a date such as 2022-11-01")
                    })?,
            ),
        };
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "ApproveMatchRun",
                &rid,
                bytes,
                move |s, b, now| {
                    let mut run = s
                        .get::<MatchRun>(&key(&[&r.municipality_id, &r.run_id]))?
                        .ok_or_else(|| not_found(&r.run_id))?;
                    let (created, ended) = apply_run(s, b, &mut run, effective, &r.note, now)?;
                    Ok(pb::ApproveMatchRunResponse {
                        run: Some(run_to_pb(&run, false, false, &RunTokens::default())),
                        created: created.iter().take(INLINE).map(mentorship_to_pb).collect(),
                        ended: ended.iter().take(INLINE).map(mentorship_to_pb).collect(),
                        created_count: created.len() as u64,
                        ended_count: ended.len() as u64,
                    })
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn reject_match_run(
        &self,
        req: Request<pb::RejectMatchRunRequest>,
    ) -> Result<Response<pb::MatchRun>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        check_id("run_id", &r.run_id)?;
        check_note(&r.note)?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "RejectMatchRun",
                &rid,
                bytes,
                move |s, b, now| {
                    scope_municipalities(s, &r.municipality_id)?;
                    let mut run = s
                        .get::<MatchRun>(&key(&[&r.municipality_id, &r.run_id]))?
                        .ok_or_else(|| not_found(&r.run_id))?;
                    run.reject(&r.note, now)
                        .map_err(ApiError::FailedPrecondition)?;
                    b.put(&run)?;
                    Ok(run_to_pb(&run, false, false, &RunTokens::default()))
                },
            )
            .await?;
        Ok(Response::new(out))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::paging::offset_from;

    /// The tokens a run's inline lists end with are accepted by the list calls without filters
    /// (and refused with one), at the offset after the inline page.
    #[test]
    fn inline_tokens_are_the_list_calls_tokens() {
        let pair = peerlift_domain::ProposedPair {
            municipality_id: "m".into(),
            mentee_id: "t".into(),
            mentee_school_id: "s".into(),
            subject: "mathematics".into(),
            level: None,
            mentor_id: "u".into(),
            mentor_school_id: "s".into(),
            mode: peerlift_domain::Mode::Online,
            score: 1,
            terms: vec![],
            locked: false,
            partnership_type: None,
            type_reason: String::new(),
            members: vec![],
            cohesion_pct: None,
        };
        let mut run = peerlift_domain::MatchRun {
            municipality_id: "m".into(),
            id: "run-1".into(),
            kind: MatchKind::TeacherPairs,
            status: peerlift_domain::RunStatus::Proposed,
            generation: 0,
            generations: vec![],
            weights: Default::default(),
            policy: Default::default(),
            size: Default::default(),
            objective: 0,
            coverage: Default::default(),
            pairs: vec![pair; INLINE + 5],
            unmatched: vec![],
            diff: Default::default(),
            certificate: Default::default(),
            timings_ms: vec![],
            decided_time: None,
            decision_note: String::new(),
            meta: Meta::new(jiff::Timestamp::UNIX_EPOCH),
        };
        run.diff.ended = vec![];
        let t = inline_tokens(&run);
        assert!(t.unmatched.is_empty() && t.changes.is_empty());
        let plain = Walk {
            list: WALK_PAIRS,
            ..Walk::default()
        };
        assert_eq!(offset_from(&t.pairs, plain.print("run-1")).unwrap(), INLINE);
        let filtered = Walk {
            subject: "mathematics",
            ..plain
        };
        assert!(offset_from(&t.pairs, filtered.print("run-1")).is_err());
        assert!(offset_from(&t.pairs, plain.print("run-2")).is_err());
    }
}
