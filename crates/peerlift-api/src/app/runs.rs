//! Match runs as use cases: the scope's snapshot, computing a run, storing it, approving and
//! rejecting it, reading its lists a page at a time, and rebuilding its problem for an export.
//! Domain values in and out; the gRPC handlers convert.

use peerlift_domain::{
    Diagnostic, Level, MatchKind, MatchRun, MentorProfile, Mentorship, MentorshipStatus, Meta,
    Municipality, Origin, Phrase, ProposedPair, RunStatus, School, Teacher, Unmatched, Veto,
};
use peerlift_match::{RunOptions, Snapshot, SolvedProblem};
use peerlift_store::{key, prefix, Store};

use crate::error::{ApiError, ApiResult};
use crate::paging::{offset_token, page_of, walk_print};
use crate::state::{self, today};

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
        platforms: s
            .scan::<peerlift_domain::Platform>(&p, None)
            .collect::<Result<_, _>>()?,
        management: s
            .scan::<peerlift_domain::ManagementDiagnostic>(&p, None)
            .collect::<Result<_, _>>()?,
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
        all.platforms.extend(snap.platforms);
        all.management.extend(snap.management);
        gens.push((m, g));
    }
    Ok((all, gens))
}

pub fn not_found(id: &str) -> ApiError {
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
pub fn inline_problem(problem: &SolvedProblem) -> ApiResult<String> {
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
        let why = Phrase::new("ended-by-run")
            .text("run", &run.id)
            .phrase("reason", e.reason.clone());
        ms.end(end, why, now);
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
            end_reason: Phrase::default(),
            origin: Origin::Run(run.id.clone()),
            score: p.score,
            members: p.members.clone(),
            charter: Default::default(),
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
pub fn check_note(note: &str) -> ApiResult<()> {
    let mut v = peerlift_domain::Violations::new();
    // Checked trimmed: surrounding whitespace was always accepted and stays so.
    peerlift_domain::check_reason(&mut v, "note", note.trim(), false);
    v.into_result().map_err(ApiError::Invalid)
}

/// A stored run of a scope.
pub fn stored_run(s: &Store, scope: &str, run_id: &str) -> ApiResult<std::sync::Arc<MatchRun>> {
    scope_municipalities(s, scope)?;
    crate::app::check_id("run_id", run_id)?;
    // A run's pages, unmatched demands and changes are read call after call: decoded once.
    s.get_shared::<MatchRun>(&key(&[scope, run_id]))?
        .ok_or_else(|| not_found(run_id))
}

/// Which entries of a run's list to show (None / empty: all).
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    /// The mentee's municipality (a region's run).
    pub municipality: String,
    /// The mentee's school, or the mentor's (pairs).
    pub school: String,
    pub subject: String,
    pub level: Option<Level>,
    pub change: Option<ChangeKind>,
}

impl RunFilter {
    /// The fingerprint page tokens of a walk over `list` of run `run_id` with this filter
    /// carry: the inline tokens and the list calls compute it here alone, so they agree.
    fn print(&self, run_id: &str, list: &str) -> u64 {
        walk_print(&[
            run_id,
            list,
            &self.municipality,
            &self.school,
            &self.subject,
            self.level.map(Level::letter).unwrap_or(""),
            self.change.map(ChangeKind::code).unwrap_or(""),
        ])
    }
}

const WALK_PAIRS: &str = "pairs";
const WALK_UNMATCHED: &str = "unmatched";
const WALK_CHANGES: &str = "changes";

/// How many entries of each list a run's message carries before the rest is paged: 1000 pairs
/// with their terms are about half a megabyte, under the 4 MiB most gRPC clients accept.
pub const INLINE: usize = 1000;

/// Page tokens of a run's inline lists, when they were cut.
#[derive(Debug, Default, Clone)]
pub struct RunTokens {
    pub pairs: String,
    pub unmatched: String,
    pub changes: String,
}

/// The tokens a run's inline lists end with, when they were cut: the next page of pairs and of
/// unmatched demands (unfiltered), and the whole diff from its start (the inline diff is not a
/// prefix of the list).
pub fn inline_tokens(run: &MatchRun) -> RunTokens {
    let all = RunFilter::default();
    let cut_changes = run.diff.kept.len() > INLINE
        || run.diff.ended.len() > INLINE
        || run.diff.added.iter().any(|&i| i as usize >= INLINE);
    RunTokens {
        pairs: if run.pairs.len() > INLINE {
            offset_token(INLINE, all.print(&run.id, WALK_PAIRS))
        } else {
            String::new()
        },
        unmatched: if run.unmatched.len() > INLINE {
            offset_token(INLINE, all.print(&run.id, WALK_UNMATCHED))
        } else {
            String::new()
        },
        changes: if cut_changes {
            offset_token(0, all.print(&run.id, WALK_CHANGES))
        } else {
            String::new()
        },
    }
}

/// One page of a list: the items, the next token (empty at the end), how many match in all.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: String,
    pub total: u64,
}

fn page(matching: Vec<usize>, size: i32, token: &str, print: u64) -> ApiResult<Page<usize>> {
    let (items, next, total) = page_of(matching, size, token, print)?;
    Ok(Page { items, next, total })
}

/// A page of a run's pairs: (index in the run, whether the run adds it).
pub fn pairs_page(
    run: &MatchRun,
    f: &RunFilter,
    size: i32,
    token: &str,
) -> ApiResult<Page<(usize, bool)>> {
    let keep = |p: &ProposedPair| {
        (f.municipality.is_empty() || p.municipality_id == f.municipality)
            && (f.school.is_empty()
                || p.mentee_school_id == f.school
                || p.mentor_school_id == f.school)
            && (f.subject.is_empty() || p.subject == f.subject)
            && f.level.is_none_or(|l| p.level == Some(l))
    };
    let matching = (0..run.pairs.len())
        .filter(|&i| keep(&run.pairs[i]))
        .collect();
    let p = page(matching, size, token, f.print(&run.id, WALK_PAIRS))?;
    let added: std::collections::HashSet<u32> = run.diff.added.iter().copied().collect();
    Ok(Page {
        items: p
            .items
            .into_iter()
            .map(|i| (i, added.contains(&(i as u32))))
            .collect(),
        next: p.next,
        total: p.total,
    })
}

/// A page of a run's unmatched demands (indexes into `run.unmatched`).
pub fn unmatched_page(
    run: &MatchRun,
    f: &RunFilter,
    size: i32,
    token: &str,
) -> ApiResult<Page<usize>> {
    let keep = |u: &Unmatched| {
        (f.municipality.is_empty() || u.municipality_id == f.municipality)
            && (f.school.is_empty() || u.school_id == f.school)
            && (f.subject.is_empty() || u.subject == f.subject)
            && f.level.is_none_or(|l| u.level == Some(l))
    };
    let matching = (0..run.unmatched.len())
        .filter(|&i| keep(&run.unmatched[i]))
        .collect();
    page(matching, size, token, f.print(&run.id, WALK_UNMATCHED))
}

/// The kinds of entry of a run's diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Kept,
    Added,
    Ended,
}

impl ChangeKind {
    fn code(self) -> &'static str {
        match self {
            ChangeKind::Kept => "kept",
            ChangeKind::Added => "added",
            ChangeKind::Ended => "ended",
        }
    }
}

/// One entry of a run's diff, as one list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    pub municipality_id: String,
    /// Kept and ended: the mentorship.
    pub mentorship_id: String,
    pub mentee_id: String,
    pub subject: String,
    pub mentor_id: String,
    /// Ended: why.
    pub reason: Phrase,
    /// Added: the pair's index in the run.
    pub pair_index: u32,
}

/// A page of a run's diff, as one list: kept, then added, then ended.
pub fn changes_page(
    run: &MatchRun,
    f: &RunFilter,
    size: i32,
    token: &str,
) -> ApiResult<Page<Change>> {
    let scope_muni = if run.municipality_id.starts_with(REGION_SCOPE) {
        ""
    } else {
        run.municipality_id.as_str()
    };
    let mut all: Vec<Change> = Vec::new();
    for (i, id) in run.diff.kept.iter().enumerate() {
        let muni = run
            .diff
            .kept_municipality
            .get(i)
            .filter(|m| !m.is_empty())
            .map(String::as_str)
            .unwrap_or(scope_muni);
        all.push(Change {
            kind: ChangeKind::Kept,
            municipality_id: muni.to_string(),
            mentorship_id: id.clone(),
            mentee_id: String::new(),
            subject: String::new(),
            mentor_id: String::new(),
            reason: Phrase::default(),
            pair_index: 0,
        });
    }
    for &i in &run.diff.added {
        if let Some(p) = run.pairs.get(i as usize) {
            all.push(Change {
                kind: ChangeKind::Added,
                municipality_id: p.municipality_id.clone(),
                mentorship_id: String::new(),
                mentee_id: p.mentee_id.clone(),
                subject: p.subject.clone(),
                mentor_id: p.mentor_id.clone(),
                reason: Phrase::default(),
                pair_index: i,
            });
        }
    }
    for e in &run.diff.ended {
        all.push(Change {
            kind: ChangeKind::Ended,
            municipality_id: e.municipality_id.clone(),
            mentorship_id: e.mentorship_id.clone(),
            mentee_id: e.mentee_id.clone(),
            subject: e.subject.clone(),
            mentor_id: e.mentor_id.clone(),
            reason: e.reason.clone(),
            pair_index: 0,
        });
    }
    let keep = |c: &Change| {
        f.change.is_none_or(|x| c.kind == x)
            && (f.municipality.is_empty() || c.municipality_id == f.municipality)
            && (f.subject.is_empty() || c.subject == f.subject)
    };
    let matching = (0..all.len()).filter(|&i| keep(&all[i])).collect();
    let p = page(matching, size, token, f.print(&run.id, WALK_CHANGES))?;
    Ok(Page {
        items: p.items.into_iter().map(|i| all[i].clone()).collect(),
        next: p.next,
        total: p.total,
    })
}

/// The scope a request names: a municipality, or (with `region` set and no municipality)
/// `region:<name>`.
pub fn scope_of(municipality_id: &str, region: &str) -> ApiResult<String> {
    match (region.is_empty(), municipality_id.is_empty()) {
        (true, _) => Ok(municipality_id.to_string()),
        (false, true) => Ok(format!("{REGION_SCOPE}{region}")),
        (false, false) => Err(ApiError::invalid(
            "region",
            "name a municipality or a region, not both",
        )),
    }
}

/// The effective date of an approval: empty for today, or a plain date (jiff would also read a
/// date-time and drop its time).
pub fn effective_date(d: &str) -> ApiResult<Option<jiff::civil::Date>> {
    match d {
        "" => Ok(None),
        d => d
            .parse::<jiff::civil::Date>()
            .ok()
            .filter(|x| x.to_string() == d)
            .map(Some)
            .ok_or_else(|| {
                ApiError::invalid("effective_date", "must be a date such as 2022-11-01")
            }),
    }
}

/// Keeps a computed proposal: gives it its id and puts it in the batch.
pub fn store_run(s: &Store, b: &mut peerlift_store::Batch, run: &mut MatchRun) -> ApiResult<()> {
    run.id = new_run_id(s)?;
    b.put(&*run)?;
    Ok(())
}

/// Approves a stored proposal (see [`apply_run`]): the run, and the mentorships created and
/// ended.
pub fn approve(
    s: &Store,
    b: &mut peerlift_store::Batch,
    scope: &str,
    run_id: &str,
    effective: Option<jiff::civil::Date>,
    note: &str,
    now: jiff::Timestamp,
) -> ApiResult<(MatchRun, Vec<Mentorship>, Vec<Mentorship>)> {
    let mut run = s
        .get::<MatchRun>(&key(&[scope, run_id]))?
        .ok_or_else(|| not_found(run_id))?;
    let (created, ended) = apply_run(s, b, &mut run, effective, note.trim(), now)?;
    Ok((run, created, ended))
}

/// Rejects a stored proposal.
pub fn reject(
    s: &Store,
    b: &mut peerlift_store::Batch,
    scope: &str,
    run_id: &str,
    note: &str,
    now: jiff::Timestamp,
) -> ApiResult<MatchRun> {
    scope_municipalities(s, scope)?;
    let mut run = s
        .get::<MatchRun>(&key(&[scope, run_id]))?
        .ok_or_else(|| not_found(run_id))?;
    run.reject(note.trim(), now)
        .map_err(ApiError::FailedPrecondition)?;
    b.put(&run)?;
    Ok(run)
}

/// A page of a scope's runs, newest first, filtered by kind and status; the token is the last
/// id shown. Runs are few (a handful a night), so they are read whole.
pub fn list_runs(
    s: &Store,
    scope: &str,
    kind: Option<MatchKind>,
    status: Option<RunStatus>,
    size: usize,
    token: &str,
) -> ApiResult<(Vec<MatchRun>, String)> {
    scope_municipalities(s, scope)?;
    let mut all: Vec<MatchRun> = s
        .scan::<MatchRun>(&prefix(&[scope]), None)
        .collect::<Result<_, _>>()?;
    all.reverse();
    let start = if token.is_empty() {
        0
    } else {
        all.iter()
            .position(|x| x.id == token)
            .map(|i| i + 1)
            .ok_or_else(|| {
                ApiError::invalid("page_token", "is not a page token of this list call")
            })?
    };
    let keep: Vec<MatchRun> = all[start..]
        .iter()
        .filter(|x| kind.is_none_or(|k| x.kind == k) && status.is_none_or(|st| x.status == st))
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
}

/// Whose problem an export rebuilds.
#[derive(Debug, Clone)]
pub enum ProblemOf {
    /// A stored run's: recomputed from the registry, which must not have changed since.
    Run { scope: String, run_id: String },
    /// What a run with these settings would solve now.
    Settings {
        scope: String,
        kind: MatchKind,
        weights: peerlift_domain::Weights,
        policy: Box<peerlift_domain::Policy>,
    },
}

/// The whole problem (every arc, the assignment, the duals) of a run or of settings.
pub fn rebuild_problem(s: &Store, of: ProblemOf, now: jiff::Timestamp) -> ApiResult<SolvedProblem> {
    let kept =
        |p: Option<SolvedProblem>| p.ok_or_else(|| ApiError::Internal("no problem kept".into()));
    match of {
        ProblemOf::Settings {
            scope,
            kind,
            weights,
            policy,
        } => kept(compute_run(s, &scope, kind, weights, *policy, now, true)?.1),
        ProblemOf::Run { scope, run_id } => {
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
            kept(problem)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::paging::offset_from;

    fn pair(muni: &str, school: &str, subject: &str, level: Option<Level>) -> ProposedPair {
        ProposedPair {
            municipality_id: muni.into(),
            mentee_id: format!("{school}-t"),
            mentee_school_id: school.into(),
            subject: subject.into(),
            level,
            mentor_id: "u".into(),
            mentor_school_id: "lead".into(),
            mode: peerlift_domain::Mode::Online,
            score: 1,
            terms: vec![],
            locked: false,
            partnership_type: None,
            type_reason: Phrase::default(),
            members: vec![],
            cohesion_pct: None,
        }
    }

    fn run(pairs: Vec<ProposedPair>) -> MatchRun {
        MatchRun::proposal(
            "region:r",
            MatchKind::TeacherPairs,
            vec![],
            Default::default(),
            Default::default(),
            peerlift_domain::RunResult {
                size: Default::default(),
                objective: 0,
                coverage: Default::default(),
                pairs,
                unmatched: vec![],
                diff: Default::default(),
                certificate: Default::default(),
                timings_ms: vec![],
            },
            String::new(),
            jiff::Timestamp::UNIX_EPOCH,
        )
    }

    /// The tokens a run's inline lists end with are accepted by the list calls without filters
    /// (and refused with one), at the offset after the inline page.
    #[test]
    fn inline_tokens_are_the_list_calls_tokens() {
        let mut r = run(vec![pair("m", "s", "mathematics", None); INLINE + 5]);
        r.id = "run-1".into();
        let t = inline_tokens(&r);
        assert!(t.unmatched.is_empty() && t.changes.is_empty());
        let all = RunFilter::default();
        assert_eq!(
            offset_from(&t.pairs, all.print("run-1", WALK_PAIRS)).unwrap(),
            INLINE
        );
        let next = pairs_page(&r, &all, 100, &t.pairs).unwrap();
        assert_eq!(next.items.first().map(|x| x.0), Some(INLINE));
        assert_eq!((next.items.len(), next.next.as_str()), (5, ""));
        let maths = RunFilter {
            subject: "mathematics".into(),
            ..RunFilter::default()
        };
        assert!(pairs_page(&r, &maths, 100, &t.pairs).is_err());
        assert!(offset_from(&t.pairs, all.print("run-2", WALK_PAIRS)).is_err());
    }

    /// Filters select by the mentee's municipality, either school, subject and level; pages
    /// add up to the whole.
    #[test]
    fn pages_of_pairs_filter_and_add_up() {
        let mut r = run(vec![
            pair("m1", "a", "mathematics", Some(Level::A)),
            pair("m2", "b", "russian", Some(Level::B)),
            pair("m1", "c", "russian", Some(Level::A)),
        ]);
        r.id = "run-9".into();
        r.diff.added = vec![1];
        let f = |municipality: &str, school: &str, level: Option<Level>| RunFilter {
            municipality: municipality.into(),
            school: school.into(),
            level,
            ..RunFilter::default()
        };
        let got = |f: &RunFilter| pairs_page(&r, f, 0, "").unwrap().items;
        assert_eq!(got(&f("m1", "", None)), vec![(0, false), (2, false)]);
        assert_eq!(got(&f("", "b", None)), vec![(1, true)]);
        assert_eq!(
            got(&f("", "lead", None)).len(),
            3,
            "the mentor's school counts"
        );
        assert_eq!(
            got(&f("", "", Some(Level::A))),
            vec![(0, false), (2, false)]
        );
        let first = pairs_page(&r, &RunFilter::default(), 2, "").unwrap();
        let second = pairs_page(&r, &RunFilter::default(), 2, &first.next).unwrap();
        assert_eq!(
            (first.total, first.items.len(), second.items.len()),
            (3, 2, 1)
        );
        assert!(second.next.is_empty());
        let changes = changes_page(&r, &RunFilter::default(), 0, "").unwrap();
        assert_eq!(changes.items.len(), 1);
        assert_eq!(changes.items[0].kind, ChangeKind::Added);
    }

    #[test]
    fn a_scope_is_a_municipality_or_a_region() {
        assert_eq!(scope_of("m", "").unwrap(), "m");
        assert_eq!(scope_of("", "north").unwrap(), "region:north");
        assert!(scope_of("m", "north").is_err());
        assert_eq!(effective_date("").unwrap(), None);
        assert!(effective_date("2022-11-01").unwrap().is_some());
        assert!(effective_date("2022-11-01T10:00").is_err());
    }

    /// A run computed, stored and approved creates its added pairs as mentorships; a registry
    /// change between computing and approving refuses the approval and writes nothing.
    #[test]
    fn a_run_is_approved_only_while_its_registry_holds() {
        use crate::app::testing::{kirovsky, now, MUNICIPALITY};
        let (_dir, s) = kirovsky();
        let compute = || {
            compute_run(
                &s,
                MUNICIPALITY,
                MatchKind::TeacherPairs,
                Default::default(),
                Default::default(),
                now(),
                false,
            )
            .unwrap()
            .0
        };
        let mut run = compute();
        assert!(!run.pairs.is_empty() && run.certificate.optimal);
        s.write(|s, b| store_run(s, b, &mut run)).unwrap();
        let stale = {
            let mut r = compute();
            s.write(|s, b| store_run(s, b, &mut r)).unwrap();
            r
        };
        let (approved, created, ended) = s
            .write(|s, b| approve(s, b, MUNICIPALITY, &run.id, None, "ok", now()))
            .unwrap();
        assert_eq!(approved.status, RunStatus::Approved);
        assert_eq!(created.len(), run.diff.added.len());
        assert!(ended.is_empty());
        let stored: Vec<Mentorship> = s
            .scan::<Mentorship>(&prefix(&[MUNICIPALITY]), None)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(stored.len(), created.len());
        // The approval changed the registry: the other proposal is out of date.
        let e = s
            .write(|s, b| approve(s, b, MUNICIPALITY, &stale.id, None, "", now()))
            .unwrap_err();
        assert!(
            matches!(e, ApiError::FailedPrecondition(ref m) if m.contains("changed since")),
            "{e:?}"
        );
        assert_eq!(
            stored_run(&s, MUNICIPALITY, &stale.id).unwrap().status,
            RunStatus::Proposed
        );
        // Decided once.
        assert!(s
            .write(|s, b| reject(s, b, MUNICIPALITY, &run.id, "", now()))
            .is_err());
        let (runs, next) =
            list_runs(&s, MUNICIPALITY, None, Some(RunStatus::Proposed), 10, "").unwrap();
        assert_eq!(
            (runs.len(), runs[0].id.as_str(), next.as_str()),
            (1, stale.id.as_str(), "")
        );
    }
}
