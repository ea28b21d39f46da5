//! Municipal events: checking one against the registry and against the calendars of the
//! people it takes, registration, and who is invited.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use peerlift_domain::{
    Event, EventStatus, Mode, OrganiserKind, ScheduleSettings, School, Session, Teacher, Violations,
};
use peerlift_match::schedule::{self, Busy};
use peerlift_store::{key, prefix, Store};

use super::sessions::{busy_of, sessions_on, travel_table};
use crate::error::{ApiError, ApiResult};
use crate::state;

pub fn not_found(id: &str) -> ApiError {
    ApiError::NotFound {
        kind: "event",
        id: id.to_string(),
    }
}

/// The event is valid and everything it names exists in its municipality: schools, teachers,
/// its organiser. Every bad field in one answer, under `field`.
pub fn check(s: &Store, e: &Event, field: &str) -> ApiResult<()> {
    let muni = e.municipality_id.as_str();
    let catalog = state::catalog(s, muni)?;
    let mut v = match e.validate(&catalog) {
        Ok(()) => Violations::new(),
        Err(v) => v,
    };
    let valid = peerlift_domain::ids::is_valid_id;
    let school = |id: &str| s.contains::<School>(&key(&[muni, id]));
    if !e.host_school_id.is_empty() && valid(&e.host_school_id) && !school(&e.host_school_id)? {
        v.add(
            "host_school_id",
            format!("no school '{}' in municipality '{muni}'", e.host_school_id),
        );
    }
    for (i, id) in e.invited_schools.iter().enumerate() {
        if valid(id) && !school(id)? {
            v.add(
                format!("invited_schools[{i}]"),
                format!("no school '{id}' in municipality '{muni}'"),
            );
        }
    }
    for (list, name) in [
        (&e.invited_teachers, "invited_teachers"),
        (&e.leaders, "leaders"),
        (&e.registered, "registered"),
        (&e.attended, "attended"),
    ] {
        for (i, id) in list.iter().enumerate() {
            if valid(id) && !s.contains::<Teacher>(&key(&[muni, id]))? {
                v.add(
                    format!("{name}[{i}]"),
                    format!("no teacher '{id}' in municipality '{muni}'"),
                );
            }
        }
    }
    if valid(&e.organiser_id) {
        let exists = match e.organiser {
            OrganiserKind::Office => true,
            OrganiserKind::School => school(&e.organiser_id)?,
            OrganiserKind::Platform => {
                s.contains::<peerlift_domain::Platform>(&key(&[muni, &e.organiser_id]))?
            }
            OrganiserKind::Association => {
                s.contains::<peerlift_domain::Association>(&key(&[muni, &e.organiser_id]))?
            }
        };
        if !exists {
            v.add(
                "organiser_id",
                format!(
                    "no {} '{}' in municipality '{muni}'",
                    e.organiser.code(),
                    e.organiser_id
                ),
            );
        }
    }
    v.into_result().map_err(|v| {
        ApiError::Invalid(if field.is_empty() {
            v
        } else {
            v.prefixed(field)
        })
    })
}

/// Scheduled events of a municipality on `day` that take the time of any of `people`, as the
/// scheduler's busy entries (each with only the people it takes).
pub fn busy_on(
    s: &Store,
    muni: &str,
    people: &[&str],
    day: Date,
    except: &str,
) -> ApiResult<Vec<(Event, Busy)>> {
    let mut out = Vec::new();
    for e in s.scan::<Event>(&prefix(&[muni]), None) {
        let e = e?;
        if e.id == except || !e.is_scheduled() || e.start.date() != day {
            continue;
        }
        let taken: Vec<String> = e
            .busy_people()
            .filter(|p| people.contains(p))
            .map(String::from)
            .collect();
        if taken.is_empty() {
            continue;
        }
        let b = event_busy(&e, taken);
        out.push((e, b));
    }
    Ok(out)
}

pub(crate) fn event_busy(e: &Event, people: Vec<String>) -> Busy {
    Busy {
        people,
        start: e.start,
        end: e.end(),
        mode: e.mode,
        school: (e.mode == Mode::InPerson).then(|| e.host_school_id.clone()),
    }
}

/// Why the event cannot take its leaders' and registered people's time, if it cannot: one of
/// them has a session or another event then (or too close to reach the host school).
pub fn booking_problem(
    s: &Store,
    settings: &ScheduleSettings,
    e: &Event,
) -> ApiResult<Option<String>> {
    if !e.is_scheduled() || e.status == EventStatus::Held {
        return Ok(None);
    }
    let muni = e.municipality_id.as_str();
    let people: Vec<&str> = e.busy_people().collect();
    let day = e.start.date();
    let sessions: Vec<Session> = sessions_on(s, muni, &people, day)?;
    let events = busy_on(s, muni, &people, day, &e.id)?;
    let mine = event_busy(e, people.iter().map(|p| p.to_string()).collect());
    let mut venues: BTreeSet<String> = BTreeSet::new();
    venues.extend(mine.school.clone());
    let mut calendar: Vec<(String, Busy)> = Vec::new();
    for x in &sessions {
        let b = busy_of(x);
        venues.extend(b.school.clone());
        calendar.push((format!("session {} at {}", x.id, x.start_key()), b));
    }
    for (x, b) in events {
        venues.extend(b.school.clone());
        calendar.push((format!("event {} at {}", x.id, x.start_key()), b));
    }
    let input = schedule::Input {
        travel: travel_table(s, muni, settings, &venues)?,
        ..schedule::Input::default()
    };
    for (what, b) in &calendar {
        if let Some(travel_only) = schedule::clash(&input, std::slice::from_ref(b), &mine) {
            let who = b
                .people
                .iter()
                .find(|p| mine.people.contains(p))
                .cloned()
                .unwrap_or_default();
            return Ok(Some(if travel_only {
                format!("{who} cannot reach the host school in time from {what}")
            } else {
                format!("{who} is already booked: {what}")
            }));
        }
    }
    Ok(None)
}

/// Every teacher invited to `e` (by name, by school, as a leader), active ones of invited
/// schools only, given the municipality's teachers.
pub fn invited<'a>(e: &Event, teachers: &'a [Teacher]) -> BTreeSet<&'a str> {
    teachers
        .iter()
        .filter(|t| {
            e.invited_teachers.contains(&t.id)
                || e.leaders.contains(&t.id)
                || (t.active && e.invited_schools.contains(&t.school_id))
        })
        .map(|t| t.id.as_str())
        .collect()
}

/// Registers `teacher` for `e` (or withdraws): the teacher must be invited, the event planned
/// and not full. The caller then checks the teacher's calendar.
pub fn register(s: &Store, e: &mut Event, teacher: &str, withdraw: bool) -> ApiResult<bool> {
    let muni = e.municipality_id.clone();
    let t = s
        .get::<Teacher>(&key(&[&muni, teacher]))?
        .ok_or_else(|| ApiError::NotFound {
            kind: "teacher",
            id: teacher.to_string(),
        })?;
    if e.status != EventStatus::Planned {
        return Err(ApiError::FailedPrecondition(format!(
            "event {} is {}: registration is open only while it is planned",
            e.id,
            e.status.code()
        )));
    }
    let already = e.registered.iter().any(|x| x == teacher);
    if withdraw {
        e.registered.retain(|x| x != teacher);
        return Ok(already);
    }
    if already {
        return Ok(false);
    }
    if !e.invites(&t.id, &t.school_id) {
        return Err(ApiError::FailedPrecondition(format!(
            "teacher {teacher} is not invited to event {}: invite the teacher or the school first",
            e.id
        )));
    }
    if e.capacity.is_some_and(|c| e.registered.len() >= c as usize) {
        return Err(ApiError::FailedPrecondition(format!(
            "event {} is full ({} places)",
            e.id,
            e.capacity.unwrap_or_default()
        )));
    }
    e.registered.push(teacher.to_string());
    Ok(true)
}

/// Events of a municipality counted for reports: planned (not cancelled), held, cancelled, and
/// attendance of the held ones.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct EventCounts {
    pub scheduled: u32,
    pub open: u32,
    pub held: u32,
    pub cancelled: u32,
    pub attendances: u32,
    pub schools_reached: u32,
}

/// Counts by kind and in total, for events starting in [from, to).
pub fn counts(
    events: &[Event],
    teachers: &[Teacher],
    from: Option<Date>,
    to: Option<Date>,
) -> (BTreeMap<String, EventCounts>, EventCounts) {
    let school_of: BTreeMap<&str, &str> = teachers
        .iter()
        .map(|t| (t.id.as_str(), t.school_id.as_str()))
        .collect();
    let mut by_kind: BTreeMap<String, EventCounts> = BTreeMap::new();
    let mut total = EventCounts::default();
    let mut reached: BTreeSet<&str> = BTreeSet::new();
    for e in events {
        let d = e.start.date();
        if from.is_some_and(|f| d < f) || to.is_some_and(|t| d >= t) {
            continue;
        }
        let k = by_kind.entry(e.kind.clone()).or_default();
        for c in [&mut *k, &mut total] {
            match e.status {
                EventStatus::Planned => {
                    c.scheduled += 1;
                    c.open += 1;
                }
                EventStatus::Held => {
                    c.scheduled += 1;
                    c.held += 1;
                    c.attendances += e.attended.len() as u32;
                }
                EventStatus::Cancelled => c.cancelled += 1,
            }
        }
        if e.status == EventStatus::Held {
            let mut here: BTreeSet<&str> = e
                .attended
                .iter()
                .filter_map(|t| school_of.get(t.as_str()).copied())
                .collect();
            if !e.host_school_id.is_empty() {
                here.insert(e.host_school_id.as_str());
            }
            k.schools_reached += here.len() as u32;
            reached.extend(here);
        }
    }
    total.schools_reached = reached.len() as u32;
    (by_kind, total)
}
