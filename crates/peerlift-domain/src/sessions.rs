//! Mentoring sessions, the municipality's scheduling settings and schedule proposals.
//!
//! A session belongs to a mentorship (pair, group or school partnership). Times are civil
//! (wall-clock) times in the municipality's time zone: offices plan "Thursday 14:00", and a
//! civil time keeps meaning that across daylight-saving changes; the iCalendar export attaches
//! the zone.

use std::collections::BTreeSet;

use jiff::civil::{Date, DateTime};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::phrase::Phrase;

use crate::ids::check_id;
use crate::matching::MatchKind;
use crate::model::{coded_enum, Meta, Mode, Weekday, Window};
use crate::validate::{text, Violations};

coded_enum!(
    /// The forms of mentoring work the seeds describe.
    SessionKind {
        /// A mentor visits a lesson and analyses it with the teacher (the weekly core of a pair).
        LessonVisit = "lesson_visit",
        OpenLesson = "open_lesson",
        TrialLesson = "trial_lesson",
        MasterClass = "master_class",
        /// Seminar-practicum.
        Seminar = "seminar",
        Workshop = "workshop",
        Meetup = "meetup",
        RoundTable = "round_table",
        Festival = "festival",
        CreativeLab = "creative_lab",
        Consultation = "consultation",
        VideoCall = "video_call",
    }
);

coded_enum!(
    SessionStatus {
        Planned = "planned",
        Held = "held",
        Cancelled = "cancelled",
        /// It was due and did not happen (nobody cancelled it in time).
        Missed = "missed",
    }
);

/// Longest session the service accepts (a festival day).
pub const MAX_SESSION_MINUTES: u16 = 8 * 60;

/// A civil time as sortable text, minutes precision ("2026-11-26T14:00").
pub fn start_key(t: DateTime) -> String {
    t.strftime("%Y-%m-%dT%H:%M").to_string()
}

/// One item of the mentee's feedback checklist ("the analysis named concrete next steps").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    pub item: String,
    pub done: bool,
}

/// What the participants said about a held session.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Feedback {
    /// The mentee's rating, 1 (useless) to 5 (very useful); 0 when not given.
    pub rating: u8,
    pub checklist: Vec<ChecklistItem>,
    /// The mentee's reflection.
    pub mentee_comment: String,
    /// The mentor's notes (what was done, what to work on next).
    pub mentor_notes: String,
}

impl Feedback {
    pub fn validate(&self, v: &mut Violations, field: &str) {
        if self.rating > 5 {
            v.add(format!("{field}.rating"), "must be 1 to 5 (0: not given)");
        }
        if self.checklist.len() > 50 {
            v.add(format!("{field}.checklist"), "at most 50 items");
        }
        for (i, c) in self.checklist.iter().enumerate() {
            text(
                v,
                &format!("{field}.checklist[{i}].item"),
                &c.item,
                true,
                300,
            );
        }
        text(
            v,
            &format!("{field}.mentee_comment"),
            &self.mentee_comment,
            false,
            4000,
        );
        text(
            v,
            &format!("{field}.mentor_notes"),
            &self.mentor_notes,
            false,
            4000,
        );
    }
}

/// A mentoring session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub municipality_id: String,
    pub id: String,
    pub mentorship_id: String,
    pub kind: SessionKind,
    /// Wall-clock start in the municipality's time zone.
    pub start: DateTime,
    pub duration_minutes: u16,
    pub mode: Mode,
    /// Where an in-person session happens; empty for online sessions.
    pub school_id: String,
    /// Room, address or call link.
    pub place: String,
    /// Copied from the mentorship, so the calendar of a person is one index scan.
    pub mentor_id: String,
    /// The mentees expected: the mentorship's mentees or some of them (a group session).
    pub mentee_ids: Vec<String>,
    /// Schools concerned (the participants' schools and the venue); service-maintained, for
    /// "sessions of a school".
    pub schools: Vec<String>,
    /// The deficits or directions addressed: subject, competence-area or direction codes.
    pub topics: Vec<String>,
    /// Lesson plans, links, handouts.
    pub materials: Vec<String>,
    pub status: SessionStatus,
    /// Who came, when held (participant ids).
    pub attended: Vec<String>,
    pub feedback: Option<Feedback>,
    /// Why it was cancelled or missed.
    pub status_reason: String,
    /// The schedule proposal it was accepted from; empty when made by hand.
    pub proposal_id: String,
    pub meta: Meta,
}

impl Session {
    /// Clears the free text a departed teacher wrote or is named in (their feedback text, the
    /// reason given for a cancellation or absence); ratings, attendance and checklists stay,
    /// so the anonymous history still counts. Returns whether anything changed.
    pub fn erase_text_of(&mut self, teacher_id: &str) -> bool {
        let before = self.clone();
        let is_mentor = self.mentor_id == teacher_id;
        let is_mentee = self.mentee_ids.iter().any(|m| m == teacher_id);
        if !is_mentor && !is_mentee {
            return false;
        }
        if let Some(f) = &mut self.feedback {
            if is_mentor {
                f.mentor_notes.clear();
            }
            if is_mentee {
                f.mentee_comment.clear();
            }
        }
        self.status_reason.clear();
        *self != before
    }

    pub fn end(&self) -> DateTime {
        self.start
            .checked_add(jiff::SignedDuration::from_mins(i64::from(
                self.duration_minutes,
            )))
            .unwrap_or(self.start)
    }

    /// The start as sortable text ("2026-11-26T14:00"): index keys order sessions by it.
    pub fn start_key(&self) -> String {
        start_key(self.start)
    }

    /// Mentor first, then the mentees.
    pub fn participants(&self) -> Vec<&str> {
        std::iter::once(self.mentor_id.as_str())
            .chain(self.mentee_ids.iter().map(String::as_str))
            .collect()
    }

    /// Counts towards "sessions planned" (everything not cancelled).
    pub fn is_scheduled(&self) -> bool {
        self.status != SessionStatus::Cancelled
    }

    /// Checks what a client sets; relations (mentorship, participants) are checked by the API
    /// against the store.
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        crate::ids::check_new_id(&mut v, "id", &self.id);
        check_id(&mut v, "mentorship_id", &self.mentorship_id);
        if self.duration_minutes == 0 || self.duration_minutes > MAX_SESSION_MINUTES {
            v.add(
                "duration_minutes",
                format!("must be between 1 and {MAX_SESSION_MINUTES}"),
            );
        }
        let start_minute = i32::from(self.start.hour()) * 60 + i32::from(self.start.minute());
        if start_minute + i32::from(self.duration_minutes) > 24 * 60 {
            v.add(
                "duration_minutes",
                "a session must end on the day it starts",
            );
        }
        match self.mode {
            Mode::InPerson if self.school_id.is_empty() && self.place.is_empty() => {
                v.add("place", "an in-person session needs a school or a place")
            }
            _ => {}
        }
        if !self.school_id.is_empty() {
            check_id(&mut v, "school_id", &self.school_id);
        }
        text(&mut v, "place", &self.place, false, 300);
        if self.topics.len() > 20 {
            v.add("topics", "at most 20 topics");
        }
        if self.materials.len() > 50 {
            v.add("materials", "at most 50 materials");
        }
        for (i, m) in self.materials.iter().enumerate() {
            text(&mut v, &format!("materials[{i}]"), m, true, 1000);
        }
        // A group has at most a few dozen members; a list past that, or with an id twice,
        // is a client's mistake (and, unbounded, a way to grow a record without end).
        distinct_ids(&mut v, "mentee_ids", &self.mentee_ids, MAX_SESSION_PEOPLE);
        distinct_ids(&mut v, "attended", &self.attended, MAX_SESSION_PEOPLE + 1);
        let participants = self.participants();
        for (i, a) in self
            .attended
            .iter()
            .enumerate()
            .take(MAX_SESSION_PEOPLE + 1)
        {
            if !participants.contains(&a.as_str()) {
                v.add(
                    format!("attended[{i}]"),
                    format!("'{a}' is not a participant of the session"),
                );
            }
        }
        if let Some(f) = &self.feedback {
            f.validate(&mut v, "feedback");
        }
        text(&mut v, "status_reason", &self.status_reason, false, 500);
        v.into_result()
    }
}

/// How often a form of mentorship meets, and in what kind of session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frequency {
    pub form: MatchKind,
    pub session_kind: SessionKind,
    pub duration_minutes: u16,
    /// Sessions per due week.
    pub per_week: u16,
    /// Due every this many weeks (1: weekly).
    pub every_weeks: u16,
}

impl Frequency {
    /// The defaults: a weekly lesson visit with analysis for a pair (DOMAIN.md: "a mentor
    /// visits once a week"), a fortnightly workshop for a group, a monthly meeting of partner
    /// schools, a fortnightly master class at an internship platform.
    pub fn defaults() -> Vec<Frequency> {
        let f = |form, session_kind, duration_minutes, every_weeks| Frequency {
            form,
            session_kind,
            duration_minutes,
            per_week: 1,
            every_weeks,
        };
        vec![
            f(MatchKind::TeacherPairs, SessionKind::LessonVisit, 90, 1),
            f(MatchKind::TeacherGroups, SessionKind::Workshop, 90, 2),
            f(MatchKind::SchoolPartnerships, SessionKind::Meetup, 120, 4),
            f(MatchKind::SchoolDirections, SessionKind::MasterClass, 90, 2),
            f(MatchKind::SchoolGroups, SessionKind::Seminar, 120, 4),
        ]
    }

    fn validate(&self, v: &mut Violations, field: &str) {
        if self.duration_minutes == 0 || self.duration_minutes > MAX_SESSION_MINUTES {
            v.add(
                format!("{field}.duration_minutes"),
                format!("must be between 1 and {MAX_SESSION_MINUTES}"),
            );
        }
        if self.per_week == 0 || self.per_week > 7 {
            v.add(format!("{field}.per_week"), "must be between 1 and 7");
        }
        if self.every_weeks == 0 || self.every_weeks > 52 {
            v.add(format!("{field}.every_weeks"), "must be between 1 and 52");
        }
    }
}

/// A municipality's scheduling rules. Absent from the store means [`ScheduleSettings::defaults`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleSettings {
    pub municipality_id: String,
    /// The municipality-wide methodical day(s): every teacher is free for mentoring work then
    /// (Labinsk: Thursdays). A person's own windows add to it.
    pub methodical_days: Vec<Window>,
    /// Holidays, vacations, exam days: nothing is scheduled on them.
    pub non_working_days: BTreeSet<Date>,
    /// Average door-to-door speed between schools, for travel time.
    pub travel_speed_kmh: u16,
    /// Minutes added to every trip between two different schools (parking, finding the room).
    pub travel_buffer_minutes: u16,
    /// One entry per form; forms without one use the default.
    pub frequencies: Vec<Frequency>,
    pub meta: Meta,
}

impl ScheduleSettings {
    pub fn defaults(municipality_id: &str, now: Timestamp) -> ScheduleSettings {
        ScheduleSettings {
            municipality_id: municipality_id.to_string(),
            methodical_days: vec![Window {
                weekday: Weekday::Thursday,
                start_minute: 13 * 60,
                end_minute: 17 * 60,
            }],
            non_working_days: BTreeSet::new(),
            travel_speed_kmh: 30,
            travel_buffer_minutes: 10,
            frequencies: Frequency::defaults(),
            meta: Meta::new(now),
        }
    }

    /// The frequency in force for a form.
    pub fn frequency(&self, form: MatchKind) -> Frequency {
        self.frequencies
            .iter()
            .find(|f| f.form == form)
            .copied()
            .or_else(|| Frequency::defaults().into_iter().find(|f| f.form == form))
            .unwrap_or(Frequency {
                form,
                session_kind: SessionKind::Meetup,
                duration_minutes: 90,
                per_week: 1,
                every_weeks: 4,
            })
    }

    /// Minutes to travel `km` kilometres between two different schools.
    pub fn travel_minutes(&self, km: f64) -> u16 {
        let speed = f64::from(self.travel_speed_kmh.max(1));
        let minutes = (km.max(0.0) / speed * 60.0).ceil() + f64::from(self.travel_buffer_minutes);
        minutes.min(f64::from(u16::MAX)) as u16
    }

    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        for (i, w) in self.methodical_days.iter().enumerate() {
            if w.start_minute >= w.end_minute || w.end_minute > 24 * 60 {
                v.add(
                    format!("methodical_days[{i}]"),
                    "must end after it starts, within one day",
                );
            }
        }
        if self.methodical_days.len() > 14 {
            v.add("methodical_days", "at most 14 windows");
        }
        if self.non_working_days.len() > 400 {
            v.add("non_working_days", "at most 400 days");
        }
        if self.travel_speed_kmh == 0 || self.travel_speed_kmh > 200 {
            v.add("travel_speed_kmh", "must be between 1 and 200");
        }
        if self.travel_buffer_minutes > 240 {
            v.add("travel_buffer_minutes", "must be at most 240");
        }
        let mut seen = BTreeSet::new();
        for (i, f) in self.frequencies.iter().enumerate() {
            let field = format!("frequencies[{i}]");
            if !seen.insert(f.form) {
                v.add(
                    format!("{field}.form"),
                    format!("{} is given twice", f.form.code()),
                );
            }
            f.validate(&mut v, &field);
        }
        v.into_result()
    }
}

/// A session the scheduler could not place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnplacedSession {
    pub mentorship_id: String,
    /// The Monday of the week it was due.
    pub week: Date,
    pub reason: Phrase,
}

/// A proposed schedule, kept so the office can accept it (wholly or in part) later. Items
/// carry the ids their sessions get on acceptance, so accepting twice creates nothing twice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleProposal {
    pub municipality_id: String,
    pub id: String,
    pub from: Date,
    pub weeks: u16,
    /// The proposed sessions (status planned, `proposal_id` set).
    pub items: Vec<Session>,
    /// Per item: accepted already.
    pub accepted: Vec<bool>,
    pub unplaced: Vec<UnplacedSession>,
    pub create_time: Timestamp,
}

/// Most mentees (and so attendees, with the mentor) one session may have.
pub const MAX_SESSION_PEOPLE: usize = 100;

/// Ids of a list: each once, at most `max` of them.
fn distinct_ids(v: &mut Violations, field: &str, ids: &[String], max: usize) {
    if ids.len() > max {
        v.add(field, format!("at most {max} entries"));
        return;
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, id) in ids.iter().enumerate() {
        if !seen.insert(id.as_str()) {
            v.add(format!("{field}[{i}]"), format!("'{id}' is listed twice"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn session() -> Session {
        Session {
            municipality_id: "m".into(),
            id: "s1".into(),
            mentorship_id: "ms1".into(),
            kind: SessionKind::LessonVisit,
            start: date(2026, 11, 26).at(14, 0, 0, 0),
            duration_minutes: 90,
            mode: Mode::InPerson,
            school_id: "sch1".into(),
            place: String::new(),
            mentor_id: "t1".into(),
            mentee_ids: vec!["t2".into()],
            schools: vec![],
            topics: vec!["math".into()],
            materials: vec![],
            status: SessionStatus::Planned,
            attended: vec![],
            feedback: None,
            status_reason: String::new(),
            proposal_id: String::new(),
            meta: Meta::new(Timestamp::UNIX_EPOCH),
        }
    }

    #[test]
    fn a_valid_session_passes_and_its_end_follows_the_duration() {
        let s = session();
        assert_eq!(s.validate(), Ok(()));
        assert_eq!(s.end(), date(2026, 11, 26).at(15, 30, 0, 0));
        assert_eq!(s.participants(), ["t1", "t2"]);
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut s = session();
        s.duration_minutes = 0;
        s.school_id.clear();
        s.attended = vec!["stranger".into()];
        s.feedback = Some(Feedback {
            rating: 9,
            ..Feedback::default()
        });
        let fields: Vec<String> = s
            .validate()
            .unwrap_err()
            .0
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(
            fields,
            [
                "duration_minutes",
                "place",
                "attended[0]",
                "feedback.rating"
            ]
        );
    }

    #[test]
    fn sessions_may_not_run_past_midnight() {
        let mut s = session();
        s.start = date(2026, 11, 26).at(23, 0, 0, 0);
        assert!(s.validate().is_err());
    }

    #[test]
    fn settings_fall_back_to_default_frequencies_and_compute_travel() {
        let mut st = ScheduleSettings::defaults("m", Timestamp::UNIX_EPOCH);
        st.frequencies.clear();
        assert_eq!(
            st.frequency(MatchKind::TeacherPairs).session_kind,
            SessionKind::LessonVisit
        );
        // 15 km at 30 km/h = 30 minutes, plus the 10-minute buffer.
        assert_eq!(st.travel_minutes(15.0), 40);
        st.frequencies = vec![Frequency::defaults()[0], Frequency::defaults()[0]];
        let err = st.validate().unwrap_err();
        assert_eq!(err.0[0].field, "frequencies[1].form");
    }
}
