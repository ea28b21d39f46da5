//! Match runs: snapshot the scope, run the exact matcher off the async threads, store the
//! proposal; approve applies its whole diff in one transaction.

use peerlift_domain::{
    Diagnostic, MatchKind, MatchRun, MentorProfile, Mentorship, MentorshipStatus, Meta,
    Municipality, Origin, RunStatus, School, Teacher, Veto,
};
use peerlift_match::Snapshot;
use peerlift_store::{key, prefix, Store};
use prost::Message;
use tonic::{Request, Response, Status};

use super::check_id;
use crate::convert_match::{
    mentorship_to_pb, optional_kind, policy_from_pb, required_kind, run_status_from_pb, run_to_pb,
    weights_from_pb,
};
use crate::error::{ApiError, ApiResult};
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

/// Computes a run (no storing): the matcher on a snapshot, turned into a run record.
pub fn compute_run(
    s: &Store,
    municipality_id: &str,
    kind: MatchKind,
    weights: peerlift_domain::Weights,
    policy: peerlift_domain::Policy,
    now: jiff::Timestamp,
) -> ApiResult<(MatchRun, peerlift_match::ExportProblem)> {
    let (snap, generations) = load_scope(s, municipality_id)?;
    let generation = generations.iter().map(|(_, g)| g).sum();
    let out = peerlift_match::run(kind, &snap, &weights, &policy)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    tracing::info!(
        municipality = municipality_id,
        kind = kind.code(),
        demands = out.size.demands,
        suppliers = out.size.suppliers,
        arcs = out.size.arcs,
        pairs = out.pairs.len(),
        objective = out.objective,
        "match run computed"
    );
    let run = MatchRun {
        municipality_id: municipality_id.to_string(),
        id: String::new(),
        kind,
        status: RunStatus::Proposed,
        generation,
        generations,
        weights,
        policy,
        size: out.size,
        objective: out.objective,
        coverage: out.coverage,
        pairs: out.pairs,
        unmatched: out.unmatched,
        diff: out.diff,
        timings_ms: out
            .timings
            .iter()
            .map(|(k, d)| (k.clone(), d.as_millis() as u64))
            .collect(),
        decided_time: None,
        decision_note: String::new(),
        meta: Meta::new(now),
    };
    Ok((run, out.export))
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
    if run.status != RunStatus::Proposed {
        return Err(ApiError::FailedPrecondition(format!(
            "run {} is {:?}, not a proposal: it cannot be approved",
            run.id, run.status
        )));
    }
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
        ms.status = MentorshipStatus::Ended;
        ms.ended_on = Some(end.max(ms.started_on));
        ms.end_reason = format!("run {}: {}", run.id, e.reason);
        ms.meta = ms.meta.next(now);
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
    run.status = RunStatus::Approved;
    run.decided_time = Some(now);
    run.decision_note = note.to_string();
    run.meta = run.meta.next(now);
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

#[tonic::async_trait]
impl MatchingService for MatchingApi {
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
        let (mut run, export) = self
            .state
            .read(move |s| compute_run(s, &muni, kind, weights, policy, now))
            .await?;
        let problem_json = if include {
            serde_json::to_string(&export).map_err(|e| ApiError::Internal(e.to_string()))?
        } else {
            String::new()
        };
        if r.dry_run {
            return Ok(Response::new(pb::RunMatchingResponse {
                run: Some(run_to_pb(&run, true, true)),
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
                        run: Some(run_to_pb(&run, true, false)),
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
            .read(move |s| {
                scope_municipalities(s, &r.municipality_id)?;
                check_id("run_id", &r.run_id)?;
                s.get::<MatchRun>(&key(&[&r.municipality_id, &r.run_id]))?
                    .ok_or_else(|| not_found(&r.run_id))
            })
            .await?;
        Ok(Response::new(run_to_pb(&run, true, false)))
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
            runs: runs.iter().map(|x| run_to_pb(x, false, false)).collect(),
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
                        run: Some(run_to_pb(&run, false, false)),
                        created: created.iter().map(mentorship_to_pb).collect(),
                        ended: ended.iter().map(mentorship_to_pb).collect(),
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
                    if run.status != RunStatus::Proposed {
                        return Err(ApiError::FailedPrecondition(format!(
                            "run {} is {:?}, not a proposal",
                            run.id, run.status
                        )));
                    }
                    run.status = RunStatus::Rejected;
                    run.decided_time = Some(now);
                    run.decision_note = r.note.clone();
                    run.meta = run.meta.next(now);
                    b.put(&run)?;
                    Ok(run_to_pb(&run, false, false))
                },
            )
            .await?;
        Ok(Response::new(out))
    }
}
