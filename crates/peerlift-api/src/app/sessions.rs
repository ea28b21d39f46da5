//! Sessions as use cases: where a session takes place, building one from a client's input,
//! booking without clashes (people and travel between schools), changing, cancelling and
//! recording it, the scheduling settings, and proposing and accepting a schedule.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, DateTime};
use jiff::{Timestamp, ToSpan};
use peerlift_domain::{
    Catalog, CatalogKind, Feedback, Frequency, MatchKind, Mentorship, Meta, Mode, Municipality,
    ScheduleProposal, ScheduleSettings, School, Session, SessionKind, SessionStatus, Teacher,
    UnplacedSession, Violations,
};
use peerlift_match::schedule::{self, Busy};
use peerlift_store::{key, prefix, Batch, Store, TreeId};

use crate::app::check_id;
use crate::caller::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::{self, check_etag, index_walk, page, today, walk};

/// Longest horizon a proposal may cover.
pub const MAX_WEEKS: u32 = 26;

fn not_found(kind: &'static str, id: &str) -> ApiError {
    ApiError::NotFound {
        kind,
        id: id.to_string(),
    }
}

/// Re-roots a record's violations under the request field that carried it.
fn under(prefix: &'static str) -> impl Fn(Violations) -> ApiError {
    move |v| ApiError::Invalid(v.prefixed(prefix))
}

/// A session as a client gives it: what is not given is taken from its mentorship and the
/// form's frequency.
#[derive(Debug, Clone)]
pub struct SessionInput {
    pub id: String,
    pub mentorship_id: String,
    pub kind: Option<SessionKind>,
    pub start: Option<DateTime>,
    pub duration_minutes: Option<u16>,
    pub mode: Option<Mode>,
    pub school_id: String,
    pub place: String,
    pub mentee_ids: Vec<String>,
    pub topics: Vec<String>,
    pub materials: Vec<String>,
    pub etag: String,
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
            MatchKind::TeacherGroups
            | MatchKind::SchoolDirections
            | MatchKind::SchoolGroups
            | MatchKind::ManagementPlatforms => {
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
pub(crate) fn sessions_on(
    s: &Store,
    muni: &str,
    people: &[&str],
    day: Date,
) -> ApiResult<Vec<Session>> {
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

pub(crate) fn busy_of(x: &Session) -> Busy {
    Busy {
        people: x.participants().into_iter().map(String::from).collect(),
        start: x.start,
        end: x.end(),
        mode: x.mode,
        school: (!x.school_id.is_empty()).then(|| x.school_id.clone()),
    }
}

/// Minutes between each two of `venues` by the settings' speed.
pub(crate) fn travel_table(
    s: &Store,
    muni: &str,
    settings: &ScheduleSettings,
    venues: &BTreeSet<String>,
) -> ApiResult<BTreeMap<(String, String), u16>> {
    Places::new(s, muni).travel_table(settings, venues)
}

/// Why `candidate` can't be booked, if it can't: someone is busy (a session, or a municipal
/// event they lead or registered for), or a participant can't travel from one school to the
/// other in time.
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
    let events = super::events::busy_on(s, muni, &people, candidate.start.date(), "")?;
    let mut calendar: Vec<Busy> = existing.iter().map(busy_of).collect();
    calendar.extend(also.iter().cloned());
    calendar.extend(events.iter().map(|(_, b)| b.clone()));
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
                .or_else(|| {
                    events
                        .iter()
                        .find(|(_, b)| {
                            schedule::clash(&input, std::slice::from_ref(b), &mine).is_some()
                        })
                        .map(|(e, _)| format!("event {} at {}", e.id, e.start_key()))
                })
                .unwrap_or_else(|| "another session of this request".into());
            Some(if travel_only {
                format!("too close to {other} at another school: not enough travel time")
            } else {
                format!("a participant is already booked: {other}")
            })
        }
    })
}

/// Computes a proposal: the due sessions of the chosen active mentorships, placed by
/// [`schedule::propose`] around the sessions already in the calendar.
/// The id that names the newest record of its kind (proposals; runs in the CLI).
pub const LATEST: &str = "latest";

/// Most mentorships one proposal may name: a region's network, with room to spare.
const MAX_ASKED_MENTORSHIPS: usize = 10_000;

fn place(
    s: &Store,
    m: &Municipality,
    settings: &ScheduleSettings,
    from: Date,
    weeks: u16,
    r: &ScheduleAsk,
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
        if r.mentorship_ids.len() > MAX_ASKED_MENTORSHIPS {
            return Err(ApiError::invalid(
                "mentorship_ids",
                format!("at most {MAX_ASKED_MENTORSHIPS}; leave it empty for every active one"),
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, id) in r.mentorship_ids.iter().enumerate() {
            let field = format!("mentorship_ids[{i}]");
            let mut bad_id = Violations::new();
            peerlift_domain::ids::check_id(&mut bad_id, &field, id);
            if !bad_id.is_empty() {
                v.extend(bad_id);
                continue;
            }
            if !seen.insert(id.as_str()) {
                v.add(field, format!("mentorship {id} is listed twice"));
                continue;
            }
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
    // Municipal events take their leaders' and registered people's time too.
    for e in s.scan::<peerlift_domain::Event>(&pre, None) {
        let e = e?;
        if !e.is_scheduled() || e.start < start_of(first) || e.start >= start_of(horizon_end) {
            continue;
        }
        let b = super::events::event_busy(&e, e.busy_people().map(String::from).collect());
        venues.extend(b.school.clone());
        input.busy.push(b);
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

/// Creates a session in the batch: built from the input and its mentorship, refused when it
/// clashes with a booked session or its id is taken.
pub fn create(
    s: &Store,
    b: &mut Batch,
    municipality_id: &str,
    input: SessionInput,
    now: Timestamp,
) -> ApiResult<Session> {
    if !input.id.is_empty() {
        check_id("session.id", &input.id)?;
    }
    let m = state::municipality(s, municipality_id)?;
    let id = if input.id.is_empty() {
        format!("ses-{:010}", s.generate_id()?)
    } else {
        input.id.clone()
    };
    if s.contains::<Session>(&key(&[&m.id, &id]))? {
        return Err(ApiError::AlreadyExists {
            kind: "session",
            id,
        });
    }
    let session = build_session(s, &m, input, id, now)?;
    let (settings, _) = load_settings(s, &m.id, now)?;
    if let Some(problem) = booking_problem(s, &m.id, &settings, &session, &[])? {
        return Err(ApiError::FailedPrecondition(format!(
            "cannot book {}: {problem}",
            session.start_key()
        )));
    }
    b.put(&session)?;
    Ok(session)
}

/// A stored session the caller may see (a school-bound caller sees its schools' sessions
/// only; others' are reported as not found, as if absent).
pub fn get(
    s: &Store,
    caller: &Caller,
    municipality_id: &str,
    session_id: &str,
) -> ApiResult<Session> {
    check_id("session_id", session_id)?;
    state::municipality(s, municipality_id)?;
    let found = s.get::<Session>(&key(&[municipality_id, session_id]))?;
    caller.gate_school(
        found
            .iter()
            .flat_map(|x| x.schools.iter().map(String::as_str)),
        found.is_some(),
    )?;
    found.ok_or_else(|| not_found("session", session_id))
}

/// A change to one planned (or held) session.
#[derive(Debug, Clone)]
pub enum SessionChange {
    /// New contents: rebuilt from the input like a new session, and booked again.
    Update(SessionInput),
    /// Cancelled, for this reason (checked by [`required_reason`]).
    Cancel(String),
    /// What happened: held (with who attended, empty for everyone, and feedback) or missed
    /// (with why).
    Record {
        outcome: SessionStatus,
        attended: Vec<String>,
        reason: String,
        feedback: Option<Feedback>,
    },
}

/// A reason the record stores (a cancellation's, a missed session's): required, bounded like
/// any typed text, checked under the request's own field name before anything is read.
pub fn required_reason(v: &mut Violations, field: &str, reason: &str, why: &str) -> String {
    if reason.trim().is_empty() {
        v.add(field, why);
    } else {
        peerlift_domain::check_reason(v, field, reason.trim(), true);
    }
    reason.trim().to_string()
}

/// Applies a change to a stored session the caller may see, whose etag matches (any, when
/// `etag` is empty); an unchanged record is not rewritten.
#[allow(clippy::too_many_arguments)]
pub fn modify(
    s: &Store,
    b: &mut Batch,
    caller: &Caller,
    municipality_id: &str,
    session_id: &str,
    etag: &str,
    change: SessionChange,
    now: Timestamp,
) -> ApiResult<Session> {
    let m = state::municipality(s, municipality_id)?;
    let mut x = get(s, caller, municipality_id, session_id)?;
    check_etag("session", &x.id, etag, &x.meta)?;
    let before = x.clone();
    match change {
        SessionChange::Update(input) => update(s, &m, &mut x, input, now)?,
        SessionChange::Cancel(reason) => cancel(&mut x, reason)?,
        SessionChange::Record {
            outcome,
            attended,
            reason,
            feedback,
        } => record(
            &mut x,
            outcome,
            attended,
            reason,
            feedback,
            local_now(&m, now),
        )?,
    }
    if x != before {
        x.meta = before.meta.next(now);
        b.put(&x)?;
    }
    Ok(x)
}

fn update(
    s: &Store,
    m: &Municipality,
    x: &mut Session,
    mut input: SessionInput,
    now: Timestamp,
) -> ApiResult<()> {
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
}

/// Only a planned session is cancelled.
fn cancel(x: &mut Session, reason: String) -> ApiResult<()> {
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
}

/// A planned session is recorded once it has started (`local_now` in its municipality); a held
/// one may be recorded as held again (to correct attendance or feedback).
fn record(
    x: &mut Session,
    outcome: SessionStatus,
    attended: Vec<String>,
    reason: String,
    feedback: Option<Feedback>,
    local_now: DateTime,
) -> ApiResult<()> {
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
    if x.start > local_now {
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
        x.feedback = None;
    }
    x.validate().map_err(ApiError::Invalid)
}

/// Which sessions a list shows: at most one of the ids, dates `[from, to)`, a status.
#[derive(Debug, Clone, Default)]
pub struct SessionQuery {
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub status: Option<SessionStatus>,
    pub mentorship_id: String,
    pub mentor_id: String,
    pub mentee_id: String,
    pub participant_id: String,
    pub school_id: String,
}

impl SessionQuery {
    /// Each id selects an index to walk: only one may be given.
    pub fn check(&self, v: &mut Violations) {
        let set: Vec<&str> = [
            ("mentorship_id", &self.mentorship_id),
            ("mentor_id", &self.mentor_id),
            ("mentee_id", &self.mentee_id),
            ("participant_id", &self.participant_id),
            ("school_id", &self.school_id),
        ]
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
    }
}

/// A page of a municipality's sessions in start order, walked along the index the query's id
/// selects.
pub fn list(
    s: &Store,
    muni: &str,
    q: &SessionQuery,
    size: usize,
    token: &str,
) -> ApiResult<(Vec<Session>, String)> {
    state::municipality(s, muni)?;
    let person = [&q.mentor_id, &q.mentee_id, &q.participant_id]
        .into_iter()
        .find(|x| !x.is_empty());
    let (tag, tree, pre) = if !q.mentorship_id.is_empty() {
        (
            walk::SESSIONS_BY_MENTORSHIP,
            TreeId::SessionsByMentorship,
            prefix(&[muni, &q.mentorship_id]),
        )
    } else if let Some(p) = person {
        (
            walk::SESSIONS_BY_PARTICIPANT,
            TreeId::SessionsByParticipant,
            prefix(&[muni, p]),
        )
    } else if !q.school_id.is_empty() {
        (
            walk::SESSIONS_BY_SCHOOL,
            TreeId::SessionsBySchool,
            prefix(&[muni, &q.school_id]),
        )
    } else {
        (
            walk::SESSIONS_BY_START,
            TreeId::SessionsByStart,
            prefix(&[muni]),
        )
    };
    let w = state::Walk::new(tag, q);
    let token = state::decode_token(token, w, &pre)?;
    // The index is in start order: begin at `from`, stop at `to`.
    let after = token.or_else(|| {
        q.from.map(|f| {
            let mut k = pre.clone();
            k.extend_from_slice(f.to_string().as_bytes());
            k
        })
    });
    let iter =
        index_walk::<Session>(s, tree, &pre, after.as_deref(), muni).take_while(|x| match x {
            Ok((_, x)) => q.to.is_none_or(|t| x.start.date() < t),
            Err(_) => true,
        });
    page(iter, size, w, |x: &Session| {
        q.status.is_none_or(|st| x.status == st)
            && (q.mentor_id.is_empty() || x.mentor_id == q.mentor_id)
            && (q.mentee_id.is_empty() || x.mentee_ids.contains(&q.mentee_id))
    })
}

/// The settings in force of an existing municipality, and whether they are stored.
pub fn settings(s: &Store, muni: &str, now: Timestamp) -> ApiResult<(ScheduleSettings, bool)> {
    state::municipality(s, muni)?;
    load_settings(s, muni, now)
}

/// The settings an update starts from, when the etag matches the stored ones (defaults, never
/// stored, take any etag).
pub fn settings_to_update(
    s: &Store,
    muni: &str,
    etag: &str,
    now: Timestamp,
) -> ApiResult<(ScheduleSettings, bool)> {
    let (current, stored) = settings(s, muni, now)?;
    if stored {
        check_etag("schedule settings", muni, etag, &current.meta)?;
    }
    Ok((current, stored))
}

/// Stores updated settings, their version following the ones they replace.
pub fn save_settings(
    b: &mut Batch,
    mut next: ScheduleSettings,
    current: &ScheduleSettings,
    stored: bool,
    now: Timestamp,
) -> ApiResult<ScheduleSettings> {
    next.meta = if stored {
        current.meta.next(now)
    } else {
        Meta::new(now)
    };
    b.put(&next)?;
    Ok(next)
}

/// What a schedule proposal covers.
#[derive(Debug, Clone, Default)]
pub struct ScheduleAsk {
    /// First day (default: today in the municipality).
    pub from: Option<Date>,
    /// Weeks from `from`, 1 to [`MAX_WEEKS`].
    pub weeks: u16,
    /// Frequencies that replace the settings' for their form, for this proposal only.
    pub overrides: Vec<Frequency>,
    /// Only these mentorships (default: every active one).
    pub mentorship_ids: Vec<String>,
    /// Only the mentorships concerning this school.
    pub school_id: String,
}

/// Computes a schedule proposal (not stored): a read, so the scheduler runs without holding
/// the write lock. Nothing is booked until a proposal is accepted, and acceptance checks every
/// item against the calendar as it is then.
pub fn propose(
    s: &Store,
    muni: &str,
    ask: &ScheduleAsk,
    now: Timestamp,
) -> ApiResult<ScheduleProposal> {
    let m = state::municipality(s, muni)?;
    let (mut settings, _) = load_settings(s, muni, now)?;
    for f in &ask.overrides {
        settings.frequencies.retain(|x| x.form != f.form);
        settings.frequencies.push(*f);
    }
    settings.validate().map_err(under("frequencies"))?;
    let from = ask.from.unwrap_or_else(|| today(&m, now));
    let started = std::time::Instant::now();
    let proposal = place(s, &m, &settings, from, ask.weeks, ask, now)?;
    tracing::info!(
        municipality = %muni,
        proposal = %proposal.id,
        placed = proposal.items.len(),
        unplaced = proposal.unplaced.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "schedule proposed"
    );
    Ok(proposal)
}

/// The horizon a request asks for in weeks: 0 means the default (6); more than
/// [`MAX_WEEKS`] is named in `v`.
pub fn weeks(v: &mut Violations, requested: u32) -> u16 {
    match requested {
        0 => 6,
        w if w <= MAX_WEEKS => w as u16,
        _ => {
            v.add(
                "weeks",
                format!("must be between 1 and {MAX_WEEKS} (default 6)"),
            );
            6
        }
    }
}

/// A stored proposal.
/// One proposal; `latest` names the newest of the municipality (ids grow with time), so a
/// person or a script need not copy an id from the output of `propose`.
pub fn get_proposal(s: &Store, muni: &str, proposal_id: &str) -> ApiResult<ScheduleProposal> {
    check_id("proposal_id", proposal_id)?;
    state::municipality(s, muni)?;
    if proposal_id == LATEST {
        let mut newest: Option<ScheduleProposal> = None;
        for p in s.scan::<ScheduleProposal>(&prefix(&[muni]), None) {
            newest = Some(p?);
        }
        return newest.ok_or_else(|| not_found("schedule proposal", proposal_id));
    }
    s.get::<ScheduleProposal>(&key(&[muni, proposal_id]))?
        .ok_or_else(|| not_found("schedule proposal", proposal_id))
}

/// Books the chosen items of a proposal (all when `items` is empty): all of them or, when any
/// can no longer be booked, none, with every reason. Items accepted before are counted, not
/// booked twice. The sessions created and how many were already accepted.
pub fn accept(
    s: &Store,
    b: &mut Batch,
    muni: &str,
    proposal_id: &str,
    items: &[u32],
    now: Timestamp,
) -> ApiResult<(Vec<Session>, u32)> {
    let mut p = get_proposal(s, muni, proposal_id)?;
    let chosen: Vec<usize> = if items.is_empty() {
        (0..p.items.len()).collect()
    } else {
        let mut v = Violations::new();
        for (i, x) in items.iter().enumerate() {
            if *x as usize >= p.items.len() {
                v.add(
                    format!("items[{i}]"),
                    format!(
                        "the proposal has {} items (0-{})",
                        p.items.len(),
                        p.items.len().saturating_sub(1)
                    ),
                );
            }
        }
        v.into_result().map_err(ApiError::Invalid)?;
        let set: BTreeSet<usize> = items.iter().map(|x| *x as usize).collect();
        set.into_iter().collect()
    };
    let (settings, _) = load_settings(s, muni, now)?;
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
            .get::<Mentorship>(&key(&[muni, &x.mentorship_id]))?
            .is_some_and(|m| m.is_active());
        if !active {
            problems.push(format!(
                "item {i}: mentorship {} is no longer active",
                x.mentorship_id
            ));
            continue;
        }
        if s.contains::<Session>(&key(&[muni, &x.id]))? {
            already += 1;
            continue;
        }
        if let Some(why) = booking_problem(s, muni, &settings, &x, &taken)? {
            problems.push(format!(
                "item {i} ({} {}): {why}",
                x.mentorship_id,
                x.start_key()
            ));
            continue;
        }
        x.meta = Meta::new(now);
        taken.push(busy_of(&x));
        b.put(&x)?;
        if let Some(a) = p.accepted.get_mut(i) {
            *a = true;
        }
        created.push(x);
    }
    if !problems.is_empty() {
        return Err(ApiError::FailedPrecondition(format!(
            "{} of the chosen sessions can no longer be booked (accept the others by index, or propose again): {}",
            problems.len(),
            problems.join("; ")
        )));
    }
    b.put(&p)?;
    Ok((created, already))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::app::testing::{approved, kirovsky, now, MUNICIPALITY};

    /// The Kirovsky example with its teacher pairs approved: real mentorships to schedule.
    fn with_pairs() -> (tempfile::TempDir, Store, Vec<Mentorship>) {
        let (dir, s) = kirovsky();
        let created = approved(&s, MatchKind::TeacherPairs);
        assert!(!created.is_empty());
        (dir, s, created)
    }

    /// An in-person pair meets at the mentee's school; a group at its leader's; a mentor from
    /// another municipality has no default venue here.
    #[test]
    fn the_venue_follows_the_kind_of_mentorship() {
        let (_dir, s, created) = with_pairs();
        let mut places = Places::new(&s, MUNICIPALITY);
        let pair = &created[0];
        let mentee_school = places.school_of(pair.kind, &pair.mentee_id).unwrap();
        let mentor_school = places.school_of(pair.kind, &pair.mentor_id).unwrap();
        assert_eq!(places.venue(pair).unwrap(), mentee_school);
        let group = Mentorship {
            kind: MatchKind::TeacherGroups,
            ..pair.clone()
        };
        assert_eq!(places.venue(&group).unwrap(), mentor_school);
        let visiting = Mentorship {
            mentor_municipality_id: "elsewhere".into(),
            ..group
        };
        assert_eq!(places.venue(&visiting).unwrap(), None);
    }

    /// A proposal is computed by a read (nothing stored) and booked by accepting it; booking
    /// it again books nothing twice, and a session put in the way of an item refuses that
    /// item with the clash named.
    #[test]
    fn a_proposal_is_booked_once_and_around_the_calendar() {
        let (_dir, s, _) = with_pairs();
        let ask = ScheduleAsk {
            from: Some(jiff::civil::date(2023, 11, 20)),
            weeks: 2,
            ..ScheduleAsk::default()
        };
        let p = propose(&s, MUNICIPALITY, &ask, now()).unwrap();
        assert!(p.items.len() >= 2, "{} items", p.items.len());
        assert!(
            get_proposal(&s, MUNICIPALITY, &p.id).is_err(),
            "a proposal is stored by its caller"
        );
        s.write(|_, b| b.put(&p).map_err(ApiError::from)).unwrap();
        // Someone books the first item's slot by hand before the proposal is accepted.
        let first = &p.items[0];
        let input = SessionInput {
            id: String::new(),
            mentorship_id: first.mentorship_id.clone(),
            kind: None,
            start: Some(first.start),
            duration_minutes: None,
            mode: Some(first.mode),
            school_id: String::new(),
            place: String::new(),
            mentee_ids: vec![],
            topics: vec![],
            materials: vec![],
            etag: String::new(),
        };
        let booked = s
            .write(|s, b| create(s, b, MUNICIPALITY, input.clone(), now()))
            .unwrap();
        let clash = s.write(|s, b| create(s, b, MUNICIPALITY, input, now()));
        assert!(
            matches!(clash, Err(ApiError::FailedPrecondition(ref m)) if m.contains(&booked.id)),
            "{clash:?}"
        );
        let refused = s.write(|s, b| accept(s, b, MUNICIPALITY, &p.id, &[], now()));
        assert!(
            matches!(refused, Err(ApiError::FailedPrecondition(ref m)) if m.contains("item 0")),
            "{refused:?}"
        );
        let rest: Vec<u32> = (1..p.items.len() as u32).collect();
        let (created, already) = s
            .write(|s, b| accept(s, b, MUNICIPALITY, &p.id, &rest, now()))
            .unwrap();
        assert_eq!((created.len(), already), (rest.len(), 0));
        let (again, already) = s
            .write(|s, b| accept(s, b, MUNICIPALITY, &p.id, &rest, now()))
            .unwrap();
        assert_eq!((again.len(), already as usize), (0, rest.len()));
        let bad = s.write(|s, b| accept(s, b, MUNICIPALITY, &p.id, &[9999], now()));
        assert!(matches!(bad, Err(ApiError::Invalid(_))));
    }

    /// Cancelled and missed sessions take no attendance; only a started session is recorded;
    /// a held one may be recorded as held again but not as missed.
    #[test]
    fn a_session_is_recorded_once_it_has_started() {
        let (_dir, s, created) = with_pairs();
        let ms = &created[0];
        let start = jiff::civil::date(2023, 11, 21).at(15, 0, 0, 0);
        let input = SessionInput {
            id: "s1".into(),
            mentorship_id: ms.id.clone(),
            kind: None,
            start: Some(start),
            duration_minutes: Some(45),
            mode: Some(Mode::Online),
            school_id: String::new(),
            place: String::new(),
            mentee_ids: vec![],
            topics: vec![],
            materials: vec![],
            etag: String::new(),
        };
        let mut x = s
            .write(|s, b| create(s, b, MUNICIPALITY, input, now()))
            .unwrap();
        let held = || SessionChange::Record {
            outcome: SessionStatus::Held,
            attended: vec![],
            reason: String::new(),
            feedback: None,
        };
        let before_start = record(
            &mut x.clone(),
            SessionStatus::Held,
            vec![],
            String::new(),
            None,
            start - 1.minute(),
        );
        assert!(matches!(before_start, Err(ApiError::FailedPrecondition(_))));
        record(
            &mut x,
            SessionStatus::Held,
            vec![],
            String::new(),
            None,
            start,
        )
        .unwrap();
        assert_eq!(
            x.attended.len(),
            x.participants().len(),
            "everyone, when not said"
        );
        let missed = record(
            &mut x.clone(),
            SessionStatus::Missed,
            vec![],
            "ill".into(),
            None,
            start,
        );
        assert!(missed.is_err(), "a held session is not missed afterwards");
        assert!(cancel(&mut x.clone(), "late".into()).is_err());
        // Through the store: recorded with `now` long after the start.
        let later = jiff::Timestamp::constant(1_800_000_000, 0);
        let stored = s
            .write(|s, b| modify(s, b, &Caller::dev(), MUNICIPALITY, "s1", "", held(), later))
            .unwrap();
        assert_eq!(stored.status, SessionStatus::Held);
        let mut v = Violations::new();
        assert_eq!(required_reason(&mut v, "reason", "  ", "say why"), "");
        assert_eq!(v.0.len(), 1);
    }
}
