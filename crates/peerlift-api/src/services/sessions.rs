//! Sessions: create, edit, cancel, record, list; scheduling settings; schedule proposals.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, DateTime};
use jiff::{Timestamp, ToSpan};
use peerlift_domain::{
    Catalog, CatalogKind, Feedback, MatchKind, Mentorship, Meta, Mode, Municipality,
    ScheduleProposal, ScheduleSettings, School, Session, SessionStatus, Teacher, UnplacedSession,
    Violations,
};
use peerlift_match::schedule::{self, Busy};
use peerlift_store::{key, prefix, Store, TreeId};
use prost::Message;
use tonic::{Request, Response, Status};

use super::{check_id, required, under};
use crate::auth::Admit;
use crate::auth::Caller;
use crate::convert::parse_date;
use crate::convert_sessions::{
    feedback_from_pb, frequencies_from_pb, proposal_to_pb, session_input_from_pb,
    session_status_from_pb, session_to_pb, settings_from_pb, settings_to_pb, SessionInput,
};
use crate::error::{ApiError, ApiResult};
use crate::pb;
use crate::pb::session_service_server::SessionService;
use crate::state::{self, check_etag, index_walk, page, page_size, today, walk, AppState};

/// Longest horizon a proposal may cover.
pub const MAX_WEEKS: u32 = 26;

#[derive(Debug, Clone)]
pub struct SessionApi {
    pub state: AppState,
}

fn not_found(kind: &'static str, id: &str) -> ApiError {
    ApiError::NotFound {
        kind,
        id: id.to_string(),
    }
}

/// The settings in force: stored, or the defaults (second: whether stored).
pub fn load_settings(s: &Store, muni: &str, now: Timestamp) -> ApiResult<(ScheduleSettings, bool)> {
    Ok(match s.get::<ScheduleSettings>(&key(&[muni]))? {
        Some(st) => (st, true),
        None => (ScheduleSettings::defaults(muni, now), false),
    })
}

/// "Now" as wall-clock time in the municipality.
fn local_now(m: &Municipality, now: Timestamp) -> DateTime {
    let tz = jiff::tz::TimeZone::get(&m.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    now.to_zoned(tz).datetime()
}

/// What the service looks up about a mentorship's people and places.
struct Places<'a> {
    store: &'a Store,
    muni: &'a str,
    teachers: BTreeMap<String, Option<Teacher>>,
    schools: BTreeMap<String, Option<School>>,
}

impl<'a> Places<'a> {
    fn new(store: &'a Store, muni: &'a str) -> Places<'a> {
        Places {
            store,
            muni,
            teachers: BTreeMap::new(),
            schools: BTreeMap::new(),
        }
    }

    fn teacher(&mut self, id: &str) -> ApiResult<Option<&Teacher>> {
        if !self.teachers.contains_key(id) {
            let t = self.store.get::<Teacher>(&key(&[self.muni, id]))?;
            self.teachers.insert(id.to_string(), t);
        }
        Ok(self.teachers.get(id).and_then(Option::as_ref))
    }

    fn school(&mut self, id: &str) -> ApiResult<Option<&School>> {
        if !self.schools.contains_key(id) {
            let s = self.store.get::<School>(&key(&[self.muni, id]))?;
            self.schools.insert(id.to_string(), s);
        }
        Ok(self.schools.get(id).and_then(Option::as_ref))
    }

    /// The school a participant belongs to (a teacher's school, or the school itself).
    fn school_of(&mut self, kind: MatchKind, id: &str) -> ApiResult<Option<String>> {
        if kind.is_schools() {
            Ok(self.school(id)?.map(|s| s.id.clone()))
        } else {
            Ok(self.teacher(id)?.map(|t| t.school_id.clone()))
        }
    }

    /// Where an in-person session of a mentorship happens by default: at the mentee's school
    /// for pairs and partnerships (the mentor visits lessons there), at the mentor's school for
    /// groups and internship platforms (the group comes to the leader).
    fn venue(&mut self, m: &Mentorship) -> ApiResult<Option<String>> {
        match m.kind {
            MatchKind::TeacherPairs | MatchKind::SchoolPartnerships => {
                self.school_of(m.kind, &m.mentee_id)
            }
            MatchKind::TeacherGroups | MatchKind::SchoolDirections | MatchKind::SchoolGroups => {
                if m.mentor_municipality_id.is_empty() {
                    self.school_of(m.kind, &m.mentor_id)
                } else {
                    Ok(None)
                }
            }
        }
    }

    /// The schools concerned by a session: the participants' schools and the venue.
    fn schools_concerned(
        &mut self,
        m: &Mentorship,
        mentees: &[String],
        venue: &str,
    ) -> ApiResult<Vec<String>> {
        let mut out = BTreeSet::new();
        if m.mentor_municipality_id.is_empty() {
            if let Some(s) = self.school_of(m.kind, &m.mentor_id)? {
                out.insert(s);
            }
        }
        for id in mentees {
            if let Some(s) = self.school_of(m.kind, id)? {
                out.insert(s);
            }
        }
        if !venue.is_empty() {
            out.insert(venue.to_string());
        }
        Ok(out.into_iter().collect())
    }

    /// Minutes between two schools by the settings' speed (0 when a location is unknown).
    fn travel(&mut self, st: &ScheduleSettings, a: &str, b: &str) -> ApiResult<u16> {
        let pa = self.school(a)?.and_then(|s| s.location);
        let pb = self.school(b)?.and_then(|s| s.location);
        Ok(match (pa, pb) {
            (Some(pa), Some(pb)) => st.travel_minutes(peerlift_match::graph::distance_km(
                (pa.lat, pa.lon),
                (pb.lat, pb.lon),
            )),
            _ => st.travel_buffer_minutes,
        })
    }

    /// The travel table of the scheduler for a set of venue schools.
    fn travel_table(
        &mut self,
        st: &ScheduleSettings,
        venues: &BTreeSet<String>,
    ) -> ApiResult<BTreeMap<(String, String), u16>> {
        let list: Vec<&String> = venues.iter().collect();
        let mut out = BTreeMap::new();
        for (i, a) in list.iter().enumerate() {
            for b in &list[i + 1..] {
                out.insert(((*a).clone(), (*b).clone()), self.travel(st, a, b)?);
            }
        }
        Ok(out)
    }
}

/// A date range `[from, to)` whose end comes before its start selects nothing: that is a
/// mistake in the request (swapped dates), not an empty answer. Shared with the reports.
pub(crate) fn check_range(v: &mut Violations, from: Option<Date>, to: Option<Date>) {
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            v.add("to", format!("{t} is before from ({f}): swap them?"));
        }
    }
}

/// The optional `from`/`to` dates of a list or report (empty: unbounded), parsed and checked
/// in order; problems go to `v` under `from` and `to`.
pub(crate) fn date_range(v: &mut Violations, from: &str, to: &str) -> (Option<Date>, Option<Date>) {
    let from = (!from.is_empty())
        .then(|| parse_date(v, "from", from))
        .flatten();
    let to = (!to.is_empty()).then(|| parse_date(v, "to", to)).flatten();
    check_range(v, from, to);
    (from, to)
}

/// Checks that a code names something a session can address: a subject, a competence area or
/// a direction.
fn check_topics(v: &mut Violations, catalog: &Catalog, topics: &[String]) {
    for (i, t) in topics.iter().enumerate() {
        let known = [
            CatalogKind::Subject,
            CatalogKind::CompetenceArea,
            CatalogKind::Direction,
        ]
        .iter()
        .any(|k| catalog.contains(*k, t));
        if !known {
            v.add(
                format!("topics[{i}]"),
                format!("'{t}' is not a subject, competence area or direction code"),
            );
        }
    }
}

/// Builds a session from a client's input and the mentorship it belongs to; every bad field
/// is reported at once.
fn build_session(
    s: &Store,
    muni: &Municipality,
    input: SessionInput,
    id: String,
    now: Timestamp,
) -> ApiResult<Session> {
    check_id("session.mentorship_id", &input.mentorship_id)?;
    let m = s
        .get::<Mentorship>(&key(&[&muni.id, &input.mentorship_id]))?
        .ok_or_else(|| not_found("mentorship", &input.mentorship_id))?;
    if !m.is_active() {
        return Err(ApiError::FailedPrecondition(format!(
            "mentorship {} has ended: it takes no new sessions",
            m.id
        )));
    }
    let (settings, _) = load_settings(s, &muni.id, now)?;
    let freq = settings.frequency(m.kind);
    let catalog = state::catalog(s, &muni.id)?;
    let mut places = Places::new(s, &muni.id);
    let mut v = Violations::new();
    let all_mentees: Vec<String> = m.mentees().into_iter().map(String::from).collect();
    let mentee_ids = if input.mentee_ids.is_empty() {
        all_mentees.clone()
    } else {
        for (i, id) in input.mentee_ids.iter().enumerate() {
            if !all_mentees.contains(id) {
                v.add(
                    format!("mentee_ids[{i}]"),
                    format!("'{id}' is not a mentee of mentorship {}", m.id),
                );
            }
        }
        input.mentee_ids.clone()
    };
    let mode = input.mode.unwrap_or(m.mode);
    if mode == Mode::InPerson && !m.mentor_municipality_id.is_empty() {
        v.add(
            "mode",
            "the mentor works in another municipality: this mentorship meets online",
        );
    }
    let school_id = if !input.school_id.is_empty() {
        if places.school(&input.school_id)?.is_none() {
            v.add(
                "school_id",
                format!("school '{}' does not exist", input.school_id),
            );
        }
        input.school_id.clone()
    } else if mode == Mode::InPerson {
        places.venue(&m)?.unwrap_or_default()
    } else {
        String::new()
    };
    let topics = if input.topics.is_empty() && !m.subject.is_empty() {
        vec![m.subject.clone()]
    } else {
        input.topics.clone()
    };
    check_topics(&mut v, &catalog, &topics);
    let start = input.start.unwrap_or_default();
    if start.date() < m.started_on {
        v.add(
            "start",
            format!("is before mentorship {} began ({})", m.id, m.started_on),
        );
    }
    let schools = places.schools_concerned(&m, &mentee_ids, &school_id)?;
    let session = Session {
        municipality_id: muni.id.clone(),
        id,
        mentorship_id: m.id.clone(),
        kind: input.kind.unwrap_or(freq.session_kind),
        start,
        duration_minutes: input.duration_minutes.unwrap_or(freq.duration_minutes),
        mode,
        school_id,
        place: input.place,
        mentor_id: m.mentor_id.clone(),
        mentee_ids,
        schools,
        topics,
        materials: input.materials,
        status: SessionStatus::Planned,
        attended: vec![],
        feedback: None,
        status_reason: String::new(),
        proposal_id: String::new(),
        meta: Meta::new(now),
    };
    // Relations first, then the record's own rules: every bad field in one answer.
    if let Err(e) = session.validate() {
        v.0.extend(e.0);
    }
    v.into_result().map_err(under("session"))?;
    Ok(session)
}

/// The sessions (not cancelled) of some people on some day, from the participant index.
fn sessions_on(s: &Store, muni: &str, people: &[&str], day: Date) -> ApiResult<Vec<Session>> {
    let day_key = day.to_string();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for p in people {
        let pre = prefix(&[muni, p]);
        let start = key(&[muni, p, &day_key]);
        for k in s.scan_index(TreeId::SessionsByParticipant, &pre, Some(&start)) {
            let k = k?;
            let parts = peerlift_store::split_key(&k);
            if !parts.get(2).is_some_and(|t| t.starts_with(&day_key)) {
                break;
            }
            let id = parts.last().cloned().unwrap_or_default();
            if !seen.insert(id.clone()) {
                continue;
            }
            if let Some(x) = s.get::<Session>(&key(&[muni, &id]))? {
                if x.is_scheduled() {
                    out.push(x);
                }
            }
        }
    }
    Ok(out)
}

fn busy_of(x: &Session) -> Busy {
    Busy {
        people: x.participants().into_iter().map(String::from).collect(),
        start: x.start,
        end: x.end(),
        mode: x.mode,
        school: (!x.school_id.is_empty()).then(|| x.school_id.clone()),
    }
}

/// Why `candidate` can't be booked, if it can't: someone is busy, or a participant can't
/// travel from one school to the other in time.
fn booking_problem(
    s: &Store,
    muni: &str,
    settings: &ScheduleSettings,
    candidate: &Session,
    also: &[Busy],
) -> ApiResult<Option<String>> {
    let people = candidate.participants();
    let existing: Vec<Session> = sessions_on(s, muni, &people, candidate.start.date())?
        .into_iter()
        .filter(|x| x.id != candidate.id)
        .collect();
    let mut calendar: Vec<Busy> = existing.iter().map(busy_of).collect();
    calendar.extend(also.iter().cloned());
    let mine = busy_of(candidate);
    let mut venues: BTreeSet<String> = calendar.iter().filter_map(|b| b.school.clone()).collect();
    venues.extend(mine.school.clone());
    let mut places = Places::new(s, muni);
    let input = schedule::Input {
        travel: places.travel_table(settings, &venues)?,
        ..schedule::Input::default()
    };
    Ok(match schedule::clash(&input, &calendar, &mine) {
        None => None,
        Some(travel_only) => {
            let other = existing
                .iter()
                .find(|x| {
                    x.participants().iter().any(|p| people.contains(p))
                        && schedule::clash(&input, &[busy_of(x)], &mine).is_some()
                })
                .map(|x| format!("session {} at {}", x.id, x.start_key()))
                .unwrap_or_else(|| "another session of this request".into());
            Some(if travel_only {
                format!("too close to {other} at another school: not enough travel time")
            } else {
                format!("a participant is already booked: {other}")
            })
        }
    })
}

impl SessionApi {
    /// Loads, checks and rewrites one session under the write lock.
    async fn modify<Req: Message + Send + 'static>(
        &self,
        caller: &Caller,
        method: &'static str,
        (muni, session_id, etag, request_id): (String, String, String, String),
        req: Req,
        change: impl FnOnce(&Store, &Municipality, &mut Session, Timestamp) -> ApiResult<()>
            + Send
            + 'static,
    ) -> ApiResult<pb::Session> {
        check_id("session_id", &session_id)?;
        let bytes = req.encode_to_vec();
        let scope = muni.clone();
        let gate = caller.clone();
        self.state
            .write(
                caller,
                &scope,
                method,
                &request_id,
                bytes,
                move |s, b, now| {
                    let m = state::municipality(s, &muni)?;
                    let found = s.get::<Session>(&key(&[&muni, &session_id]))?;
                    gate.gate_school(
                        found
                            .iter()
                            .flat_map(|x| x.schools.iter().map(String::as_str)),
                        found.is_some(),
                    )?;
                    let mut x = found.ok_or_else(|| not_found("session", &session_id))?;
                    check_etag("session", &x.id, &etag, &x.meta)?;
                    let before = x.clone();
                    change(s, &m, &mut x, now)?;
                    if x != before {
                        x.meta = before.meta.next(now);
                        b.put(&x)?;
                    }
                    Ok(session_to_pb(&x))
                },
            )
            .await
    }
}

#[tonic::async_trait]
impl SessionService for SessionApi {
    async fn create_session(
        &self,
        req: Request<pb::CreateSessionRequest>,
    ) -> Result<Response<pb::Session>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let muni = r.municipality_id.clone();
        let input = session_input_from_pb(&muni, required("session", r.session)?)
            .map_err(under("session"))?;
        if !input.id.is_empty() {
            check_id("session.id", &input.id)?;
        }
        let out = self
            .state
            .write(
                &caller,
                &muni.clone(),
                "CreateSession",
                &r.request_id.clone(),
                bytes,
                move |s, b, now| {
                    let m = state::municipality(s, &muni)?;
                    let id = if input.id.is_empty() {
                        format!("ses-{:010}", s.generate_id()?)
                    } else {
                        input.id.clone()
                    };
                    if s.contains::<Session>(&key(&[&muni, &id]))? {
                        return Err(ApiError::AlreadyExists {
                            kind: "session",
                            id,
                        });
                    }
                    let session = build_session(s, &m, input, id, now)?;
                    let (settings, _) = load_settings(s, &muni, now)?;
                    if let Some(problem) = booking_problem(s, &muni, &settings, &session, &[])? {
                        return Err(ApiError::FailedPrecondition(format!(
                            "cannot book {}: {problem}",
                            session.start_key()
                        )));
                    }
                    b.put(&session)?;
                    Ok(session_to_pb(&session))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn get_session(
        &self,
        req: Request<pb::GetSessionRequest>,
    ) -> Result<Response<pb::Session>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        check_id("session_id", &r.session_id)?;
        let x = self
            .state
            .read_now(move |s| {
                state::municipality(s, &r.municipality_id)?;
                let found = s.get::<Session>(&key(&[&r.municipality_id, &r.session_id]))?;
                caller.gate_school(
                    found
                        .iter()
                        .flat_map(|x| x.schools.iter().map(String::as_str)),
                    found.is_some(),
                )?;
                found.ok_or_else(|| not_found("session", &r.session_id))
            })
            .await?;
        Ok(Response::new(session_to_pb(&x)))
    }

    async fn update_session(
        &self,
        req: Request<pb::UpdateSessionRequest>,
    ) -> Result<Response<pb::Session>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let muni = r.municipality_id.clone();
        let given = required("session", r.session.clone())?;
        let input = session_input_from_pb(&muni, given).map_err(under("session"))?;
        check_id("session.id", &input.id)?;
        let ids = (
            muni,
            input.id.clone(),
            input.etag.clone(),
            r.request_id.clone(),
        );
        let out = self
            .modify(&caller, "UpdateSession", ids, r, move |s, m, x, now| {
                if x.status != SessionStatus::Planned {
                    return Err(ApiError::FailedPrecondition(format!(
                        "session {} is {}: only planned sessions can be changed",
                        x.id,
                        x.status.code()
                    )));
                }
                if input.mentorship_id != x.mentorship_id && !input.mentorship_id.is_empty() {
                    return Err(ApiError::invalid(
                        "session.mentorship_id",
                        "a session cannot move to another mentorship",
                    ));
                }
                let mut input = input;
                input.mentorship_id = x.mentorship_id.clone();
                let mut next = build_session(s, m, input, x.id.clone(), now)?;
                next.proposal_id = x.proposal_id.clone();
                next.meta = x.meta.clone();
                let (settings, _) = load_settings(s, &m.id, now)?;
                if let Some(problem) = booking_problem(s, &m.id, &settings, &next, &[])? {
                    return Err(ApiError::FailedPrecondition(format!(
                        "cannot move to {}: {problem}",
                        next.start_key()
                    )));
                }
                *x = next;
                Ok(())
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn cancel_session(
        &self,
        req: Request<pb::CancelSessionRequest>,
    ) -> Result<Response<pb::Session>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        if r.reason.trim().is_empty() {
            return Err(
                ApiError::invalid("reason", "must say why the session is cancelled").into(),
            );
        }
        // Checked here under the request's own field name (the record would call it
        // `status_reason`), before anything is read.
        let mut v = Violations::new();
        peerlift_domain::check_reason(&mut v, "reason", r.reason.trim(), true);
        v.into_result().map_err(ApiError::Invalid)?;
        let ids = (
            r.municipality_id.clone(),
            r.session_id.clone(),
            r.etag.clone(),
            r.request_id.clone(),
        );
        let reason = r.reason.trim().to_string();
        let out = self
            .modify(&caller, "CancelSession", ids, r, move |_, _, x, _| {
                if x.status != SessionStatus::Planned {
                    return Err(ApiError::FailedPrecondition(format!(
                        "session {} is {}: only planned sessions can be cancelled",
                        x.id,
                        x.status.code()
                    )));
                }
                x.status = SessionStatus::Cancelled;
                x.status_reason = reason;
                x.validate().map_err(ApiError::Invalid)
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn record_session(
        &self,
        req: Request<pb::RecordSessionRequest>,
    ) -> Result<Response<pb::Session>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let outcome = session_status_from_pb(r.outcome)
            .filter(|o| matches!(o, SessionStatus::Held | SessionStatus::Missed))
            .ok_or_else(|| ApiError::invalid("outcome", "must be HELD or MISSED"))?;
        let mut v = Violations::new();
        let feedback = r.feedback.clone().map(|f| feedback_from_pb(&mut v, f));
        if outcome == SessionStatus::Missed {
            if r.reason.trim().is_empty() {
                v.add("reason", "must say why the session did not take place");
            } else {
                peerlift_domain::check_reason(&mut v, "reason", r.reason.trim(), true);
            }
            if !r.attended.is_empty() {
                v.add("attended", "a missed session has no attendance");
            }
        }
        v.into_result().map_err(ApiError::Invalid)?;
        let ids = (
            r.municipality_id.clone(),
            r.session_id.clone(),
            r.etag.clone(),
            r.request_id.clone(),
        );
        let (attended, reason) = (r.attended.clone(), r.reason.trim().to_string());
        let out = self
            .modify(&caller, "RecordSession", ids, r, move |_, m, x, now| {
                let allowed = x.status == SessionStatus::Planned
                    || (x.status == SessionStatus::Held && outcome == SessionStatus::Held);
                if !allowed {
                    return Err(ApiError::FailedPrecondition(format!(
                        "session {} is {}: it cannot be recorded as {}",
                        x.id,
                        x.status.code(),
                        outcome.code()
                    )));
                }
                if x.start > local_now(m, now) {
                    return Err(ApiError::FailedPrecondition(format!(
                        "session {} starts at {}: it can be recorded once it has started",
                        x.id,
                        x.start_key()
                    )));
                }
                x.status = outcome;
                x.status_reason = reason;
                if outcome == SessionStatus::Held {
                    x.attended = if attended.is_empty() {
                        x.participants().into_iter().map(String::from).collect()
                    } else {
                        attended
                    };
                    if feedback.is_some() {
                        x.feedback = feedback;
                    }
                } else {
                    x.attended.clear();
                    x.feedback = None::<Feedback>;
                }
                x.validate().map_err(ApiError::Invalid)
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn list_sessions(
        &self,
        req: Request<pb::ListSessionsRequest>,
    ) -> Result<Response<pb::ListSessionsResponse>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let size = page_size(r.page_size)?;
        let mut v = Violations::new();
        let (from, to) = date_range(&mut v, &r.from, &r.to);
        let status = match r.status {
            0 => None,
            x => {
                let st = session_status_from_pb(x);
                if st.is_none() {
                    v.add("status", "unknown status");
                }
                st
            }
        };
        let filters = [
            ("mentorship_id", &r.mentorship_id),
            ("mentor_id", &r.mentor_id),
            ("mentee_id", &r.mentee_id),
            ("participant_id", &r.participant_id),
            ("school_id", &r.school_id),
        ];
        let set: Vec<&str> = filters
            .iter()
            .filter(|(_, x)| !x.is_empty())
            .map(|(n, _)| *n)
            .collect();
        if set.len() > 1 {
            v.add(
                set[1],
                format!("only one of mentorship_id, mentor_id, mentee_id, participant_id, school_id may be set ({} are)", set.join(", ")),
            );
        }
        v.into_result().map_err(ApiError::Invalid)?;
        let (items, next) =
            self.state
                .read_now(move |s| {
                    let muni = r.municipality_id.as_str();
                    state::municipality(s, muni)?;
                    let person = [&r.mentor_id, &r.mentee_id, &r.participant_id]
                        .into_iter()
                        .find(|x| !x.is_empty());
                    let (tag, tree, pre) = if !r.mentorship_id.is_empty() {
                        (
                            walk::SESSIONS_BY_MENTORSHIP,
                            TreeId::SessionsByMentorship,
                            prefix(&[muni, &r.mentorship_id]),
                        )
                    } else if let Some(p) = person {
                        (
                            walk::SESSIONS_BY_PARTICIPANT,
                            TreeId::SessionsByParticipant,
                            prefix(&[muni, p]),
                        )
                    } else if !r.school_id.is_empty() {
                        (
                            walk::SESSIONS_BY_SCHOOL,
                            TreeId::SessionsBySchool,
                            prefix(&[muni, &r.school_id]),
                        )
                    } else {
                        (
                            walk::SESSIONS_BY_START,
                            TreeId::SessionsByStart,
                            prefix(&[muni]),
                        )
                    };
                    let token = state::decode_token(&r.page_token, tag, &pre)?;
                    // The index is in start order: begin at `from`, stop at `to`.
                    let after = token.or_else(|| {
                        from.map(|f| {
                            let mut k = pre.clone();
                            k.extend_from_slice(f.to_string().as_bytes());
                            k
                        })
                    });
                    let iter = index_walk::<Session>(s, tree, &pre, after.as_deref(), muni)
                        .take_while(|x| match x {
                            Ok((_, x)) => to.is_none_or(|t| x.start.date() < t),
                            Err(_) => true,
                        });
                    page(iter, size, tag, |x: &Session| {
                        status.is_none_or(|st| x.status == st)
                            && (r.mentor_id.is_empty() || x.mentor_id == r.mentor_id)
                            && (r.mentee_id.is_empty() || x.mentee_ids.contains(&r.mentee_id))
                    })
                })
                .await?;
        Ok(Response::new(pb::ListSessionsResponse {
            sessions: items.iter().map(session_to_pb).collect(),
            next_page_token: next,
        }))
    }

    async fn get_schedule_settings(
        &self,
        req: Request<pb::GetScheduleSettingsRequest>,
    ) -> Result<Response<pb::ScheduleSettings>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let now = (self.state.clock)();
        let (st, stored) = self
            .state
            .read_now(move |s| {
                state::municipality(s, &r.municipality_id)?;
                load_settings(s, &r.municipality_id, now)
            })
            .await?;
        Ok(Response::new(settings_to_pb(&st, stored)))
    }

    async fn update_schedule_settings(
        &self,
        req: Request<pb::UpdateScheduleSettingsRequest>,
    ) -> Result<Response<pb::ScheduleSettings>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let given = required("settings", r.settings)?;
        let muni = given.municipality_id.clone();
        let out = self
            .state
            .write(
                &caller,
                &muni.clone(),
                "UpdateScheduleSettings",
                &r.request_id.clone(),
                bytes,
                move |s, b, now| {
                    state::municipality(s, &muni)?;
                    let (current, stored) = load_settings(s, &muni, now)?;
                    if stored {
                        check_etag("schedule settings", &muni, &given.etag, &current.meta)?;
                    }
                    let mut next = settings_from_pb(&current, given).map_err(under("settings"))?;
                    next.meta = if stored {
                        current.meta.next(now)
                    } else {
                        Meta::new(now)
                    };
                    b.put(&next)?;
                    Ok(settings_to_pb(&next, true))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn propose_schedule(
        &self,
        req: Request<pb::ProposeScheduleRequest>,
    ) -> Result<Response<pb::ScheduleProposal>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let mut v = Violations::new();
        let from = (!r.from.is_empty())
            .then(|| parse_date(&mut v, "from", &r.from))
            .flatten();
        let weeks = match r.weeks {
            0 => 6,
            w if w <= MAX_WEEKS => w as u16,
            _ => {
                v.add(
                    "weeks",
                    format!("must be between 1 and {MAX_WEEKS} (default 6)"),
                );
                6
            }
        };
        let overrides = frequencies_from_pb(&mut v, "frequencies", &r.frequencies);
        if !r.school_id.is_empty() {
            peerlift_domain::ids::check_id(&mut v, "school_id", &r.school_id);
        }
        v.into_result().map_err(ApiError::Invalid)?;
        let muni = r.municipality_id.clone();
        let started = std::time::Instant::now();
        let out = self
            .state
            .write(
                &caller,
                &muni.clone(),
                "ProposeSchedule",
                &r.request_id.clone(),
                bytes,
                move |s, b, now| {
                    let m = state::municipality(s, &muni)?;
                    let (mut settings, _) = load_settings(s, &muni, now)?;
                    for f in overrides {
                        settings.frequencies.retain(|x| x.form != f.form);
                        settings.frequencies.push(f);
                    }
                    settings.validate().map_err(under("frequencies"))?;
                    let from = from.unwrap_or_else(|| today(&m, now));
                    let proposal = propose(s, &m, &settings, from, weeks, &r, now)?;
                    tracing::info!(
                        municipality = %muni,
                        proposal = %proposal.id,
                        placed = proposal.items.len(),
                        unplaced = proposal.unplaced.len(),
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "schedule proposed"
                    );
                    b.put(&proposal)?;
                    Ok(proposal_to_pb(&proposal))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn get_schedule_proposal(
        &self,
        req: Request<pb::GetScheduleProposalRequest>,
    ) -> Result<Response<pb::ScheduleProposal>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        check_id("proposal_id", &r.proposal_id)?;
        let p = self
            .state
            .read_now(move |s| {
                state::municipality(s, &r.municipality_id)?;
                s.get::<ScheduleProposal>(&key(&[&r.municipality_id, &r.proposal_id]))?
                    .ok_or_else(|| not_found("schedule proposal", &r.proposal_id))
            })
            .await?;
        Ok(Response::new(proposal_to_pb(&p)))
    }

    async fn accept_schedule(
        &self,
        req: Request<pb::AcceptScheduleRequest>,
    ) -> Result<Response<pb::AcceptScheduleResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        check_id("proposal_id", &r.proposal_id)?;
        let bytes = r.encode_to_vec();
        let muni = r.municipality_id.clone();
        let out = self
            .state
            .write(&caller, &muni.clone(), "AcceptSchedule", &r.request_id.clone(), bytes, move |s, b, now| {
                state::municipality(s, &muni)?;
                let mut p = s
                    .get::<ScheduleProposal>(&key(&[&muni, &r.proposal_id]))?
                    .ok_or_else(|| not_found("schedule proposal", &r.proposal_id))?;
                let chosen: Vec<usize> = if r.items.is_empty() {
                    (0..p.items.len()).collect()
                } else {
                    let mut v = Violations::new();
                    for (i, x) in r.items.iter().enumerate() {
                        if *x as usize >= p.items.len() {
                            v.add(
                                format!("items[{i}]"),
                                format!("the proposal has {} items (0-{})", p.items.len(), p.items.len().saturating_sub(1)),
                            );
                        }
                    }
                    v.into_result().map_err(ApiError::Invalid)?;
                    let set: BTreeSet<usize> = r.items.iter().map(|x| *x as usize).collect();
                    set.into_iter().collect()
                };
                let (settings, _) = load_settings(s, &muni, now)?;
                let mut problems = Vec::new();
                let mut created = Vec::new();
                let mut already = 0u32;
                let mut taken: Vec<Busy> = Vec::new();
                for i in chosen {
                    if p.accepted.get(i).copied().unwrap_or(false) {
                        already += 1;
                        continue;
                    }
                    let mut x = p.items[i].clone();
                    let active = s
                        .get::<Mentorship>(&key(&[&muni, &x.mentorship_id]))?
                        .is_some_and(|m| m.is_active());
                    if !active {
                        problems.push(format!("item {i}: mentorship {} is no longer active", x.mentorship_id));
                        continue;
                    }
                    if s.contains::<Session>(&key(&[&muni, &x.id]))? {
                        already += 1;
                        continue;
                    }
                    if let Some(why) = booking_problem(s, &muni, &settings, &x, &taken)? {
                        problems.push(format!("item {i} ({} {}): {why}", x.mentorship_id, x.start_key()));
                        continue;
                    }
                    x.meta = Meta::new(now);
                    taken.push(busy_of(&x));
                    b.put(&x)?;
                    if let Some(a) = p.accepted.get_mut(i) {
                        *a = true;
                    }
                    created.push(session_to_pb(&x));
                }
                if !problems.is_empty() {
                    return Err(ApiError::FailedPrecondition(format!(
                        "{} of the chosen sessions can no longer be booked (accept the others by index, or propose again): {}",
                        problems.len(),
                        problems.join("; ")
                    )));
                }
                b.put(&p)?;
                Ok(pb::AcceptScheduleResponse {
                    created,
                    already_accepted: already,
                })
            })
            .await?;
        Ok(Response::new(out))
    }
}

/// Computes a proposal: the due sessions of the chosen active mentorships, placed by
/// [`schedule::propose`] around the sessions already in the calendar.
fn propose(
    s: &Store,
    m: &Municipality,
    settings: &ScheduleSettings,
    from: Date,
    weeks: u16,
    r: &pb::ProposeScheduleRequest,
    now: Timestamp,
) -> ApiResult<ScheduleProposal> {
    let muni = m.id.as_str();
    let mut places = Places::new(s, muni);
    let mut chosen: Vec<Mentorship> = Vec::new();
    if r.mentorship_ids.is_empty() {
        for x in s.scan::<Mentorship>(&prefix(&[muni]), None) {
            let x = x?;
            if x.is_active() {
                chosen.push(x);
            }
        }
    } else {
        let mut v = Violations::new();
        for (i, id) in r.mentorship_ids.iter().enumerate() {
            match s.get::<Mentorship>(&key(&[muni, id]))? {
                Some(x) if x.is_active() => chosen.push(x),
                Some(_) => v.add(
                    format!("mentorship_ids[{i}]"),
                    format!("mentorship {id} has ended"),
                ),
                None => v.add(
                    format!("mentorship_ids[{i}]"),
                    format!("mentorship {id} does not exist"),
                ),
            }
        }
        v.into_result().map_err(ApiError::Invalid)?;
    }
    if !r.school_id.is_empty() {
        if places.school(&r.school_id)?.is_none() {
            return Err(not_found("school", &r.school_id));
        }
        let mut kept = Vec::new();
        for x in chosen {
            let mentees: Vec<String> = x.mentees().into_iter().map(String::from).collect();
            if places
                .schools_concerned(&x, &mentees, "")?
                .contains(&r.school_id)
            {
                kept.push(x);
            }
        }
        chosen = kept;
    }
    let start_of = |d: Date| d.to_datetime(jiff::civil::Time::midnight());
    let horizon_end = from
        .checked_add((i64::from(weeks) * 7).days())
        .map_err(|e| ApiError::invalid("weeks", format!("the horizon is out of range: {e}")))?;
    let mut input = schedule::Input {
        start: from,
        weeks,
        non_working: settings.non_working_days.clone(),
        default_windows: settings.methodical_days.clone(),
        ..schedule::Input::default()
    };
    let mut venues = BTreeSet::new();
    let mut meta: BTreeMap<String, (Mentorship, String)> = BTreeMap::new();
    for x in chosen {
        let f = settings.frequency(x.kind);
        let venue = if x.mode == Mode::InPerson {
            places.venue(&x)?
        } else {
            None
        };
        venues.extend(venue.clone());
        if !x.kind.is_schools() && x.mentor_municipality_id.is_empty() {
            if let Some(p) = s.get::<peerlift_domain::MentorProfile>(&key(&[muni, &x.mentor_id]))? {
                input.windows.insert(x.mentor_id.clone(), p.availability);
            }
        }
        input.requests.push(schedule::Request {
            mentorship_id: x.id.clone(),
            mentor: x.mentor_id.clone(),
            mentees: x.mentees().into_iter().map(String::from).collect(),
            mode: x.mode,
            school: venue.clone(),
            duration_minutes: f.duration_minutes,
            per_week: f.per_week,
            every_weeks: f.every_weeks,
        });
        meta.insert(x.id.clone(), (x, venue.unwrap_or_default()));
    }
    // Sessions already booked in the horizon (its first week from its Monday) are busy time
    // and count towards what each mentorship is due.
    let first = schedule::monday_of(from);
    let pre = prefix(&[muni]);
    let mut after = pre.clone();
    after.extend_from_slice(first.to_string().as_bytes());
    for item in index_walk::<Session>(s, TreeId::SessionsByStart, &pre, Some(&after), muni) {
        let (_, x) = item?;
        if x.start >= start_of(horizon_end) {
            break;
        }
        if !x.is_scheduled() {
            continue;
        }
        *input
            .already
            .entry((x.mentorship_id.clone(), schedule::monday_of(x.start.date())))
            .or_default() += 1;
        venues.extend((!x.school_id.is_empty()).then(|| x.school_id.clone()));
        input.busy.push(busy_of(&x));
    }
    input.travel = places.travel_table(settings, &venues)?;
    let (placed, unplaced) = schedule::propose(&input);
    let id = format!("sp-{:010}", s.generate_id()?);
    let mut items = Vec::with_capacity(placed.len());
    for (i, p) in placed.into_iter().enumerate() {
        let Some((x, venue)) = meta.get(&p.mentorship_id) else {
            continue;
        };
        let f = settings.frequency(x.kind);
        let mentees: Vec<String> = x.mentees().into_iter().map(String::from).collect();
        let schools = places.schools_concerned(x, &mentees, venue)?;
        items.push(Session {
            municipality_id: muni.to_string(),
            id: format!("{id}-{i:04}"),
            mentorship_id: x.id.clone(),
            kind: f.session_kind,
            start: p.start,
            duration_minutes: f.duration_minutes,
            mode: x.mode,
            school_id: venue.clone(),
            place: String::new(),
            mentor_id: x.mentor_id.clone(),
            mentee_ids: mentees,
            schools,
            topics: if x.subject.is_empty() {
                vec![]
            } else {
                vec![x.subject.clone()]
            },
            materials: vec![],
            status: SessionStatus::Planned,
            attended: vec![],
            feedback: None,
            status_reason: String::new(),
            proposal_id: id.clone(),
            meta: Meta::new(now),
        });
    }
    Ok(ScheduleProposal {
        municipality_id: muni.to_string(),
        accepted: vec![false; items.len()],
        id,
        from,
        weeks,
        items,
        unplaced: unplaced
            .into_iter()
            .map(|u| UnplacedSession {
                mentorship_id: u.mentorship_id,
                week: u.week,
                reason: u.reason,
            })
            .collect(),
        create_time: now,
    })
}
