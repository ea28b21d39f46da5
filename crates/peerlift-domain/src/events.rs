//! Municipal events: what a whole network does together.
//!
//! Most of what seeds 001-003 ran were events across many schools: a festival of open lessons,
//! cycles of master classes, seminar-practicums, creative laboratories, round tables,
//! webinars, business games, an auction of pedagogical ideas (seed 002: 21 events at 19
//! schools). An event is not a session of one mentorship: it has an organiser, invited schools
//! and people, registration and attendance, and it takes its leaders' and registered people's
//! time, so the scheduler must see it.

use std::collections::BTreeSet;

use jiff::civil::DateTime;
use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, CatalogKind};
use crate::ids::check_id;
use crate::meta::{Meta, Versioned};
use crate::model::{coded_enum, Mode};
use crate::sessions::{start_key, MAX_SESSION_MINUTES};
use crate::validate::{text, Violations};

coded_enum!(
    /// Who organises an event.
    OrganiserKind {
        /// The municipal methodology office.
        Office = "office",
        /// An internship platform of a leader school (`organiser_id`: the platform).
        Platform = "platform",
        /// A professional association or network community (`organiser_id`: it).
        Association = "association",
        /// A school (`organiser_id`: the school).
        School = "school",
    }
);

coded_enum!(
    EventStatus {
        Planned = "planned",
        Held = "held",
        Cancelled = "cancelled",
    }
);

/// Most people one event's lists may hold (invited, registered, attended): a city festival
/// with every teacher of a large municipality.
pub const MAX_EVENT_PEOPLE: usize = 5000;
/// Most invited schools: every school of a region's largest municipality.
pub const MAX_EVENT_SCHOOLS: usize = 1000;

/// What one participant said about an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventFeedback {
    pub teacher_id: String,
    /// 1 (useless) to 5 (very useful).
    pub rating: u8,
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub municipality_id: String,
    pub id: String,
    /// An event kind of the catalogue (`open_lessons_festival`, `master_class`, ...).
    pub kind: String,
    pub title: String,
    /// Wall-clock start in the municipality's time zone.
    pub start: DateTime,
    pub duration_minutes: u16,
    pub mode: Mode,
    /// The school that hosts it; empty for an online event.
    pub host_school_id: String,
    /// Room, address or call link.
    pub place: String,
    pub organiser: OrganiserKind,
    /// The platform, association or school that organises it; empty for the office.
    pub organiser_id: String,
    /// Mentoring or system directions addressed.
    pub directions: Vec<String>,
    /// Deficits addressed: subject or competence-area codes.
    pub topics: Vec<String>,
    /// Schools invited: every active teacher of each is invited.
    pub invited_schools: Vec<String>,
    /// Teachers invited by name (of any invited school or not).
    pub invited_teachers: Vec<String>,
    /// Teachers who lead it (give the open lesson, the master class): their time is taken.
    pub leaders: Vec<String>,
    /// Teachers registered to come: their time is taken.
    pub registered: Vec<String>,
    /// Places for registration; `None`: no limit.
    pub capacity: Option<u32>,
    pub status: EventStatus,
    /// Who came, once held.
    pub attended: Vec<String>,
    /// Programmes, presentations, recordings.
    pub materials: Vec<String>,
    pub feedback: Vec<EventFeedback>,
    /// Why it was cancelled.
    pub status_reason: String,
    pub meta: Meta,
}

fn ids(v: &mut Violations, field: &str, list: &[String], max: usize) {
    let mut seen = BTreeSet::new();
    for (i, id) in list.iter().enumerate().take(max) {
        let f = format!("{field}[{i}]");
        check_id(v, &f, id);
        if !seen.insert(id) {
            v.add(f, format!("'{id}' is listed twice"));
        }
    }
    if list.len() > max {
        v.add(field, format!("at most {max} entries"));
    }
}

impl Event {
    pub fn validate(&self, catalog: &Catalog) -> Result<(), Violations> {
        let mut v = Violations::new();
        crate::ids::check_new_id(&mut v, "id", &self.id);
        catalog.check(&mut v, "kind", CatalogKind::EventKind, &self.kind);
        text(&mut v, "title", &self.title, true, 300);
        text(&mut v, "place", &self.place, false, 500);
        text(&mut v, "status_reason", &self.status_reason, false, 500);
        if self.duration_minutes == 0 || self.duration_minutes > MAX_SESSION_MINUTES {
            v.add(
                "duration_minutes",
                format!("must be 1 to {MAX_SESSION_MINUTES}"),
            );
        }
        match (self.mode, self.host_school_id.is_empty()) {
            (Mode::Online, false) => v.add(
                "host_school_id",
                "an online event has no host school (leave it empty)",
            ),
            (Mode::Online, true) => {}
            (_, true) => v.add(
                "host_school_id",
                "an in-person event has a host school (or make it online)",
            ),
            (_, false) => check_id(&mut v, "host_school_id", &self.host_school_id),
        }
        match (self.organiser, self.organiser_id.is_empty()) {
            (OrganiserKind::Office, false) => {
                v.add("organiser_id", "the office needs no id (leave it empty)")
            }
            (OrganiserKind::Office, true) => {}
            (_, true) => v.add(
                "organiser_id",
                "name the platform, association or school that organises it",
            ),
            (_, false) => check_id(&mut v, "organiser_id", &self.organiser_id),
        }
        for (i, d) in self.directions.iter().enumerate() {
            let f = format!("directions[{i}]");
            if !(catalog.contains(CatalogKind::Direction, d)
                || catalog.contains(CatalogKind::SystemDirection, d))
            {
                catalog.check(&mut v, &f, CatalogKind::Direction, d);
            }
        }
        for (i, t) in self.topics.iter().enumerate() {
            let f = format!("topics[{i}]");
            if !(catalog.contains(CatalogKind::Subject, t)
                || catalog.contains(CatalogKind::CompetenceArea, t))
            {
                catalog.check(&mut v, &f, CatalogKind::Subject, t);
            }
        }
        if self.directions.len() > 32 {
            v.add("directions", "at most 32 entries");
        }
        if self.topics.len() > 32 {
            v.add("topics", "at most 32 entries");
        }
        ids(
            &mut v,
            "invited_schools",
            &self.invited_schools,
            MAX_EVENT_SCHOOLS,
        );
        ids(
            &mut v,
            "invited_teachers",
            &self.invited_teachers,
            MAX_EVENT_PEOPLE,
        );
        ids(&mut v, "leaders", &self.leaders, 100);
        ids(&mut v, "registered", &self.registered, MAX_EVENT_PEOPLE);
        ids(&mut v, "attended", &self.attended, MAX_EVENT_PEOPLE);
        if self.invited_schools.is_empty() && self.invited_teachers.is_empty() {
            v.add(
                "invited_schools",
                "invite at least one school or one teacher",
            );
        }
        if let Some(c) = self.capacity {
            if c == 0 {
                v.add("capacity", "must be at least 1 (unset: no limit)");
            } else if self.registered.len() > c as usize {
                v.add(
                    "registered",
                    format!(
                        "{} registered, more than the {c} places",
                        self.registered.len()
                    ),
                );
            }
        }
        if self.status != EventStatus::Held && !self.attended.is_empty() {
            v.add("attended", "attendance is recorded once the event is held");
        }
        for (i, f) in self.feedback.iter().enumerate() {
            let field = format!("feedback[{i}]");
            check_id(&mut v, &format!("{field}.teacher_id"), &f.teacher_id);
            if !(1..=5).contains(&f.rating) {
                v.add(format!("{field}.rating"), "must be 1 to 5");
            }
            text(&mut v, &format!("{field}.comment"), &f.comment, false, 2000);
            if !self.attended.contains(&f.teacher_id) {
                v.add(
                    format!("{field}.teacher_id"),
                    "feedback comes from someone who attended",
                );
            }
        }
        for (i, m) in self.materials.iter().enumerate() {
            text(&mut v, &format!("materials[{i}]"), m, true, 1000);
        }
        if self.materials.len() > 50 {
            v.add("materials", "at most 50 entries");
        }
        v.into_result()
    }

    pub fn end(&self) -> DateTime {
        self.start
            .checked_add(jiff::SignedDuration::from_mins(i64::from(
                self.duration_minutes,
            )))
            .unwrap_or(self.start)
    }

    pub fn start_key(&self) -> String {
        start_key(self.start)
    }

    /// The people whose time it takes: its leaders and those registered.
    pub fn busy_people(&self) -> impl Iterator<Item = &str> {
        self.leaders
            .iter()
            .chain(&self.registered)
            .map(String::as_str)
    }

    /// Whether it takes a place in calendars (not cancelled).
    pub fn is_scheduled(&self) -> bool {
        self.status != EventStatus::Cancelled
    }

    /// Whether `teacher` (of `school`) is invited: by name, by their school, or as a leader.
    pub fn invites(&self, teacher: &str, school: &str) -> bool {
        self.invited_teachers.iter().any(|t| t == teacher)
            || self.invited_schools.iter().any(|s| s == school)
            || self.leaders.iter().any(|t| t == teacher)
    }

    pub fn same_content(&self, other: &Event) -> bool {
        let mut a = self.clone();
        a.meta = other.meta.clone();
        &a == other
    }
}

impl Versioned for Event {
    fn meta(&self) -> &Meta {
        &self.meta
    }
    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }
    fn content_eq(&self, other: &Self) -> bool {
        self.same_content(other)
    }
}
