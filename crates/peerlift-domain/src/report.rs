//! The reports a methodology office reads: coverage, mentor load, sessions, progress of
//! mentored against not mentored teachers, and the programme outcomes (DOMAIN.md).
//!
//! Pure functions over records, so the API, the CLI and the tests compute a figure one way.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::matching::Mentorship;
use crate::model::{Level, MentorProfile, School, SchoolStatus, Teacher};
use crate::progress::{is_deficit, Change, History, Summary};
use crate::sessions::{Session, SessionStatus};

/// A/B demands of one school in one subject and how many have a mentor.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CoverageRow {
    pub school_id: String,
    pub subject: String,
    pub demands_a: u32,
    pub demands_b: u32,
    pub covered_a: u32,
    pub covered_b: u32,
}

/// The teacher-subjects an active teacher pair or group works on.
fn mentored_now(mentorships: &[Mentorship]) -> BTreeSet<(&str, &str)> {
    mentorships
        .iter()
        .filter(|m| m.is_active() && !m.kind.is_schools())
        .flat_map(|m| {
            m.mentees()
                .into_iter()
                .map(move |t| (t, m.subject.as_str()))
        })
        .collect()
}

/// A demand is an active teacher whose latest diagnostic in a subject is A or B; it is
/// covered when an active teacher pair or group works on it. Rows in (school, subject) order,
/// only where there is a demand.
pub fn coverage(
    teachers: &[Teacher],
    history: &History<'_>,
    mentorships: &[Mentorship],
) -> Vec<CoverageRow> {
    let covered = mentored_now(mentorships);
    let mut rows: BTreeMap<(&str, &str), CoverageRow> = BTreeMap::new();
    for t in teachers.iter().filter(|t| t.active) {
        for subject in history.subjects_of(t.id.as_str()) {
            let Some(d) = history.latest(&t.id, subject) else {
                continue;
            };
            if !is_deficit(d.level) {
                continue;
            }
            let row = rows
                .entry((t.school_id.as_str(), subject))
                .or_insert_with(|| CoverageRow {
                    school_id: t.school_id.clone(),
                    subject: subject.to_string(),
                    ..CoverageRow::default()
                });
            let is_covered = covered.contains(&(t.id.as_str(), subject));
            if d.level == Level::A {
                row.demands_a += 1;
                row.covered_a += u32::from(is_covered);
            } else {
                row.demands_b += 1;
                row.covered_b += u32::from(is_covered);
            }
        }
    }
    rows.into_values().collect()
}

/// One mentor's load.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LoadRow {
    pub mentor_id: String,
    pub school_id: String,
    /// From the mentor profile (0 without one).
    pub capacity: u32,
    /// Mentee teachers in active pairs and groups.
    pub mentees: u32,
    pub mentorships: u32,
    pub sessions_held: u32,
    /// Sessions still planned.
    pub sessions_planned: u32,
}

/// Every teacher with a mentor profile or an active teacher mentorship as mentor, in id order.
pub fn mentor_load(
    teachers: &[Teacher],
    profiles: &[MentorProfile],
    mentorships: &[Mentorship],
    sessions: &[Session],
) -> Vec<LoadRow> {
    let school_of: BTreeMap<&str, &str> = teachers
        .iter()
        .map(|t| (t.id.as_str(), t.school_id.as_str()))
        .collect();
    let mut rows: BTreeMap<&str, LoadRow> = BTreeMap::new();
    let row = |rows: &mut BTreeMap<&str, LoadRow>, id: &str| -> LoadRow {
        rows.remove(id).unwrap_or_else(|| LoadRow {
            mentor_id: id.to_string(),
            school_id: school_of.get(id).copied().unwrap_or_default().to_string(),
            ..LoadRow::default()
        })
    };
    for p in profiles {
        let mut r = row(&mut rows, &p.teacher_id);
        r.capacity = p.capacity;
        rows.insert(p.teacher_id.as_str(), r);
    }
    let mut local_teacher_kind = BTreeSet::new();
    for m in mentorships {
        if m.kind.is_schools() || !m.mentor_municipality_id.is_empty() {
            continue;
        }
        local_teacher_kind.insert(m.id.as_str());
        if !m.is_active() {
            continue;
        }
        let mut r = row(&mut rows, &m.mentor_id);
        r.mentorships += 1;
        r.mentees += m.mentees().len() as u32;
        rows.insert(m.mentor_id.as_str(), r);
    }
    for s in sessions {
        if !local_teacher_kind.contains(s.mentorship_id.as_str()) {
            continue;
        }
        if let Some(r) = rows.get_mut(s.mentor_id.as_str()) {
            match s.status {
                SessionStatus::Held => r.sessions_held += 1,
                SessionStatus::Planned => r.sessions_planned += 1,
                _ => {}
            }
        }
    }
    rows.into_values().collect()
}

/// Sessions by status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SessionCounts {
    /// Everything not cancelled: what was planned to happen.
    pub scheduled: u32,
    /// Not yet recorded (still planned).
    pub open: u32,
    pub held: u32,
    pub missed: u32,
    pub cancelled: u32,
}

impl SessionCounts {
    pub fn add(&mut self, s: &Session) {
        match s.status {
            SessionStatus::Planned => self.open += 1,
            SessionStatus::Held => self.held += 1,
            SessionStatus::Missed => self.missed += 1,
            SessionStatus::Cancelled => self.cancelled += 1,
        }
        if s.is_scheduled() {
            self.scheduled += 1;
        }
    }

    /// Held out of those that were due and recorded (held + missed).
    pub fn held_rate(&self) -> Option<f64> {
        let due = self.held + self.missed;
        (due > 0).then(|| f64::from(self.held) / f64::from(due))
    }
}

/// Session counts by mentorship and by school, for sessions starting in `[from, to)`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SessionsReport {
    pub by_mentorship: Vec<(String, SessionCounts)>,
    pub by_school: Vec<(String, SessionCounts)>,
    pub total: SessionCounts,
}

pub fn sessions_report(
    sessions: &[Session],
    from: Option<Date>,
    to: Option<Date>,
) -> SessionsReport {
    let mut by_m: BTreeMap<&str, SessionCounts> = BTreeMap::new();
    let mut by_s: BTreeMap<&str, SessionCounts> = BTreeMap::new();
    let mut total = SessionCounts::default();
    for s in sessions {
        let d = s.start.date();
        if from.is_some_and(|f| d < f) || to.is_some_and(|t| d >= t) {
            continue;
        }
        by_m.entry(s.mentorship_id.as_str()).or_default().add(s);
        for school in &s.schools {
            by_s.entry(school.as_str()).or_default().add(s);
        }
        total.add(s);
    }
    SessionsReport {
        by_mentorship: by_m.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        by_school: by_s.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        total,
    }
}

/// Progress of one subject's teachers in the latest round, mentored or not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgressRow {
    /// A subject code, or "all".
    pub subject: String,
    pub mentored: bool,
    pub summary: Summary,
}

/// Whether a teacher had a mentor in a subject at some time between two rounds.
fn was_mentored(mentorships: &[Mentorship], c: &Change) -> bool {
    mentorships.iter().any(|m| {
        !m.kind.is_schools()
            && m.subject == c.subject
            && m.mentees().contains(&c.teacher_id.as_str())
            && m.started_on < c.to_date
            && m.ended_on.is_none_or(|e| e > c.from_date)
    })
}

/// The latest change of every teacher-subject with two rounds, grouped by subject and by
/// whether the teacher was mentored in the subject between the rounds; "all" rows last.
pub fn progress_report(history: &History<'_>, mentorships: &[Mentorship]) -> Vec<ProgressRow> {
    let mut groups: BTreeMap<(String, bool), Vec<Change>> = BTreeMap::new();
    for (teacher, subject, _) in history.all() {
        if let Some(c) = history.last_change(teacher, subject) {
            let mentored = was_mentored(mentorships, &c);
            groups
                .entry(("all".to_string(), mentored))
                .or_default()
                .push(c.clone());
            groups
                .entry((subject.to_string(), mentored))
                .or_default()
                .push(c);
        }
    }
    let mut rows: Vec<ProgressRow> = groups
        .iter()
        .filter(|((s, _), _)| s != "all")
        .chain(groups.iter().filter(|((s, _), _)| s == "all"))
        .map(|((subject, mentored), changes)| ProgressRow {
            subject: subject.clone(),
            mentored: *mentored,
            summary: Summary::of(changes),
        })
        .collect();
    rows.dedup();
    rows
}

/// The figures a municipality reports for its programme (DOMAIN.md, "Outcomes"). Exam results
/// (VPR, OGE) are not kept by peerlift and are not part of it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Outcomes {
    /// Schools that were on the low-result list at some point.
    pub schools_low_results_ever: u32,
    pub schools_low_results_now: u32,
    pub schools_left_low_results: Vec<String>,
    /// Latest rounds: A/B deficits at the previous round and how many closed to C/D.
    pub deficits_rediagnosed: u32,
    pub deficits_closed: u32,
    pub sessions: SessionCounts,
    pub teachers_active: u32,
    /// Active teachers who are a mentor or a mentee in an active teacher pair or group.
    pub teachers_participating: u32,
    /// Active teachers with a latest A/B deficit, and how many of them have a mentor in it.
    pub teachers_with_deficit: u32,
    pub teachers_with_deficit_mentored: u32,
}

pub fn outcomes(
    schools: &[School],
    teachers: &[Teacher],
    history: &History<'_>,
    mentorships: &[Mentorship],
    sessions: &[Session],
) -> Outcomes {
    let mut o = Outcomes::default();
    for s in schools {
        let ever = s
            .status_history
            .iter()
            .any(|c| c.status == SchoolStatus::LowResults)
            || s.status == SchoolStatus::LowResults;
        if ever {
            o.schools_low_results_ever += 1;
            if s.status == SchoolStatus::LowResults {
                o.schools_low_results_now += 1;
            } else {
                o.schools_left_low_results.push(s.id.clone());
            }
        }
    }
    for (teacher, subject, _) in history.all() {
        if let Some(c) = history.last_change(teacher, subject) {
            if is_deficit(c.from_level) {
                o.deficits_rediagnosed += 1;
                o.deficits_closed += u32::from(c.closed);
            }
        }
    }
    for s in sessions {
        o.sessions.add(s);
    }
    let covered = mentored_now(mentorships);
    let mut participants: BTreeSet<&str> = covered.iter().map(|(t, _)| *t).collect();
    for m in mentorships {
        if m.is_active() && !m.kind.is_schools() && m.mentor_municipality_id.is_empty() {
            participants.insert(m.mentor_id.as_str());
        }
    }
    for t in teachers.iter().filter(|t| t.active) {
        o.teachers_active += 1;
        o.teachers_participating += u32::from(participants.contains(t.id.as_str()));
        let deficits: Vec<&str> = history
            .subjects_of(t.id.as_str())
            .into_iter()
            .filter(|s| {
                history
                    .latest(&t.id, s)
                    .is_some_and(|d| is_deficit(d.level))
            })
            .collect();
        if !deficits.is_empty() {
            o.teachers_with_deficit += 1;
            if deficits
                .iter()
                .any(|s| covered.contains(&(t.id.as_str(), *s)))
            {
                o.teachers_with_deficit_mentored += 1;
            }
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Diagnostic, Meta};
    use crate::progress::tests::pair;
    use jiff::civil::date;
    use jiff::Timestamp;

    fn teacher(id: &str, school: &str) -> Teacher {
        Teacher {
            municipality_id: "m".into(),
            id: id.into(),
            school_id: school.into(),
            full_name: id.into(),
            subjects: vec!["math".into()],
            active: true,
            accepts_online: true,
            position: Default::default(),
            meta: Meta::new(Timestamp::UNIX_EPOCH),
        }
    }

    fn diag(teacher: &str, d: Date, level: Level) -> Diagnostic {
        Diagnostic {
            municipality_id: "m".into(),
            id: Diagnostic::derived_id(teacher, "math", d),
            teacher_id: teacher.into(),
            subject: "math".into(),
            date: d,
            level,
            scores: Default::default(),
            source: String::new(),
            meta: Meta::new(Timestamp::UNIX_EPOCH),
        }
    }

    #[test]
    fn coverage_counts_latest_deficits_and_active_mentors() {
        let teachers = vec![
            teacher("t1", "s1"),
            teacher("t2", "s1"),
            teacher("t3", "s2"),
        ];
        let d = vec![
            diag("t1", date(2022, 10, 1), Level::A),
            diag("t2", date(2022, 10, 1), Level::B),
            // t3 was A but is C now: no demand.
            diag("t3", date(2022, 10, 1), Level::A),
            diag("t3", date(2023, 4, 1), Level::C),
        ];
        let h = History::new(&d);
        let ms = vec![pair("t1", "math", date(2022, 11, 1))];
        let rows = coverage(&teachers, &h, &ms);
        assert_eq!(
            rows,
            [CoverageRow {
                school_id: "s1".into(),
                subject: "math".into(),
                demands_a: 1,
                demands_b: 1,
                covered_a: 1,
                covered_b: 0,
            }]
        );
    }

    #[test]
    fn progress_separates_mentored_from_not_mentored() {
        let d = vec![
            diag("t1", date(2022, 10, 1), Level::A),
            diag("t1", date(2023, 4, 1), Level::C),
            diag("t2", date(2022, 10, 1), Level::B),
            diag("t2", date(2023, 4, 1), Level::B),
        ];
        let h = History::new(&d);
        let ms = vec![pair("t1", "math", date(2022, 11, 1))];
        let rows = progress_report(&h, &ms);
        let find = |s: &str, m: bool| {
            rows.iter()
                .find(|r| r.subject == s && r.mentored == m)
                .map(|r| r.summary)
                .unwrap()
        };
        assert_eq!(find("math", true).closed, 1);
        assert_eq!(find("math", true).mean_level_steps, Some(2.0));
        assert_eq!(find("math", false).mean_level_steps, Some(0.0));
        assert_eq!(find("all", false).changes, 1);
        assert_eq!(rows.last().map(|r| r.subject.as_str()), Some("all"));
        let o = outcomes(
            &[],
            &[teacher("t1", "s1"), teacher("t2", "s1")],
            &h,
            &ms,
            &[],
        );
        assert_eq!((o.deficits_rediagnosed, o.deficits_closed), (2, 1));
        assert_eq!(
            (o.teachers_with_deficit, o.teachers_with_deficit_mentored),
            (1, 0)
        );
        assert_eq!(o.teachers_participating, 1);
    }
}

/// Teachers by level in one subject (seed 001's table of deficits: 232 teachers by subject,
/// A/B/C/D), from each active teacher's latest diagnostic in the subject.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LevelCounts {
    /// Empty in the total.
    pub subject: String,
    pub a: u32,
    pub b: u32,
    pub c: u32,
    pub d: u32,
}

impl LevelCounts {
    pub fn teachers(&self) -> u32 {
        self.a + self.b + self.c + self.d
    }

    fn add(&mut self, l: Level) {
        match l {
            Level::A => self.a += 1,
            Level::B => self.b += 1,
            Level::C => self.c += 1,
            Level::D => self.d += 1,
        }
    }
}

/// Deficits by subject and in total (a teacher diagnosed in two subjects counts in each, once
/// in the total by their weakest level).
pub fn deficits_by_subject(
    teachers: &[Teacher],
    h: &History<'_>,
) -> (Vec<LevelCounts>, LevelCounts) {
    let mut by: BTreeMap<&str, LevelCounts> = BTreeMap::new();
    let mut total = LevelCounts::default();
    for t in teachers.iter().filter(|t| t.active) {
        let mut weakest: Option<Level> = None;
        for subject in h.subjects_of(&t.id) {
            let Some(d) = h.latest(&t.id, subject) else {
                continue;
            };
            by.entry(subject)
                .or_insert_with(|| LevelCounts {
                    subject: subject.to_string(),
                    ..LevelCounts::default()
                })
                .add(d.level);
            weakest = Some(weakest.map_or(d.level, |w| w.min(d.level)));
        }
        if let Some(l) = weakest {
            total.add(l);
        }
    }
    (by.into_values().collect(), total)
}

/// A competence area is at a sufficient level when its score is at least this (seed 004's
/// table counts teachers at a sufficient level per area).
pub const SUFFICIENT_AREA_SCORE: f64 = 0.5;

/// One competence area in one school year: how many teachers were scored, how many at a
/// sufficient level.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AreaYear {
    pub area: String,
    pub school_year: String,
    pub teachers: u32,
    pub sufficient: u32,
}

/// Per competence area and school year (seed 004's table). The scores belong to a teacher's
/// diagnostic round, not to one subject: a teacher's round in a school year is their latest
/// diagnostic date in it, and an area's score the mean of that date's diagnostics.
pub fn areas_by_year(
    teachers: &[Teacher],
    diagnostics: &[crate::model::Diagnostic],
) -> Vec<AreaYear> {
    let active: BTreeSet<&str> = teachers
        .iter()
        .filter(|t| t.active)
        .map(|t| t.id.as_str())
        .collect();
    // (teacher, year) -> the round's date.
    let mut round: BTreeMap<(&str, String), Date> = BTreeMap::new();
    for d in diagnostics
        .iter()
        .filter(|d| active.contains(d.teacher_id.as_str()))
    {
        let e = round
            .entry((
                d.teacher_id.as_str(),
                crate::matching::school_year_of(d.date),
            ))
            .or_insert(d.date);
        *e = (*e).max(d.date);
    }
    // (area, year) -> per teacher: the scores of the round.
    let mut scores: BTreeMap<(String, String), BTreeMap<&str, Vec<f64>>> = BTreeMap::new();
    for d in diagnostics
        .iter()
        .filter(|d| active.contains(d.teacher_id.as_str()))
    {
        let year = crate::matching::school_year_of(d.date);
        if round.get(&(d.teacher_id.as_str(), year.clone())) != Some(&d.date) {
            continue;
        }
        for (area, s) in &d.scores {
            scores
                .entry((area.clone(), year.clone()))
                .or_default()
                .entry(d.teacher_id.as_str())
                .or_default()
                .push(*s);
        }
    }
    scores
        .into_iter()
        .map(|((area, school_year), per)| {
            let sufficient = per
                .values()
                .filter(|v| v.iter().sum::<f64>() / v.len().max(1) as f64 >= SUFFICIENT_AREA_SCORE)
                .count() as u32;
            AreaYear {
                area,
                school_year,
                teachers: per.len() as u32,
                sufficient,
            }
        })
        .collect()
}

#[cfg(test)]
mod monitoring_tests {
    use super::*;
    use crate::meta::Meta;
    use crate::model::Diagnostic;

    fn teacher(id: &str) -> Teacher {
        Teacher {
            municipality_id: "m".into(),
            id: id.into(),
            school_id: "s".into(),
            full_name: id.into(),
            subjects: vec![],
            active: true,
            accepts_online: true,
            position: Default::default(),
            meta: Meta::new(jiff::Timestamp::UNIX_EPOCH),
        }
    }

    fn diag(t: &str, subject: &str, date: &str, level: Level, area: f64) -> Diagnostic {
        Diagnostic {
            municipality_id: "m".into(),
            id: format!("{t}.{subject}.{date}"),
            teacher_id: t.into(),
            subject: subject.into(),
            date: date.parse().unwrap_or_default(),
            level,
            scores: [("digital".to_string(), area)].into_iter().collect(),
            source: String::new(),
            meta: Meta::new(jiff::Timestamp::UNIX_EPOCH),
        }
    }

    #[test]
    fn deficits_count_latest_levels_and_areas_count_rounds_by_year() {
        let teachers = vec![teacher("t1"), teacher("t2")];
        let ds = vec![
            diag("t1", "mathematics", "2021-10-01", Level::A, 0.2),
            diag("t1", "mathematics", "2023-03-01", Level::C, 0.6),
            diag("t1", "physics", "2023-03-01", Level::B, 0.4),
            diag("t2", "mathematics", "2021-10-01", Level::D, 0.9),
        ];
        let h = History::new(&ds);
        let (rows, total) = deficits_by_subject(&teachers, &h);
        let math = rows.iter().find(|r| r.subject == "mathematics").unwrap();
        assert_eq!((math.a, math.b, math.c, math.d), (0, 0, 1, 1));
        // t1's weakest latest level is B (physics), t2's D.
        assert_eq!((total.b, total.d, total.teachers()), (1, 1, 2));
        let areas = areas_by_year(&teachers, &ds);
        let y21 = areas.iter().find(|a| a.school_year == "2021-2022").unwrap();
        assert_eq!((y21.teachers, y21.sufficient), (2, 1));
        // 2022-2023: t1's round of 2023-03-01 averages 0.6 and 0.4: sufficient.
        let y22 = areas.iter().find(|a| a.school_year == "2022-2023").unwrap();
        assert_eq!((y22.teachers, y22.sufficient), (1, 1));
    }
}
