//! Progress: what re-diagnosis says about a teacher, a mentorship, a mentor and a school.
//!
//! Everything here is derived from the diagnostics and never stored, so a progress figure or a
//! graduation mark can't disagree with the diagnostics it came from: importing a corrected round
//! corrects them too. The nightly rematch reads the same [`mentorship_progress`].

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::matching::{Basis, MatchKind, Mentorship};
use crate::model::{Diagnostic, Level, School, SchoolStatus, Teacher};
use crate::phrase::Phrase;

/// Level as a number of steps from A: improvement is a positive difference.
pub fn rank(l: Level) -> i32 {
    match l {
        Level::A => 0,
        Level::B => 1,
        Level::C => 2,
        Level::D => 3,
    }
}

/// A and B are the deficits a programme works on; C and D count as closed.
pub fn is_deficit(l: Level) -> bool {
    matches!(l, Level::A | Level::B)
}

/// The change of one teacher in one subject between two diagnostics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub teacher_id: String,
    pub subject: String,
    pub from_date: Date,
    pub from_level: Level,
    pub to_date: Date,
    pub to_level: Level,
    /// Level steps gained (A -> C is 2; negative when worse).
    pub level_steps: i32,
    /// Competence area -> score change, for areas scored in both rounds.
    pub area_deltas: BTreeMap<String, f64>,
    /// An A or B deficit fell to C or D.
    pub closed: bool,
}

impl Change {
    pub fn between(a: &Diagnostic, b: &Diagnostic) -> Change {
        let area_deltas = b
            .scores
            .iter()
            .filter_map(|(area, to)| a.scores.get(area).map(|from| (area.clone(), to - from)))
            .collect();
        Change {
            teacher_id: b.teacher_id.clone(),
            subject: b.subject.clone(),
            from_date: a.date,
            from_level: a.level,
            to_date: b.date,
            to_level: b.level,
            level_steps: rank(b.level) - rank(a.level),
            area_deltas,
            closed: is_deficit(a.level) && !is_deficit(b.level),
        }
    }

    /// Mean score change over the areas scored in both rounds.
    pub fn mean_area_delta(&self) -> Option<f64> {
        mean(self.area_deltas.values().copied())
    }
}

/// The mean of some numbers; None when there are none.
pub fn mean(xs: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (mut sum, mut n) = (0.0, 0u32);
    for x in xs {
        sum += x;
        n += 1;
    }
    (n > 0).then(|| sum / f64::from(n))
}

/// Averages of a set of changes.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Summary {
    /// Teacher-subject changes counted.
    pub changes: u32,
    pub mean_level_steps: Option<f64>,
    pub mean_area_delta: Option<f64>,
    /// Changes with at least one level gained.
    pub improved: u32,
    /// A/B deficits closed to C/D.
    pub closed: u32,
    /// Changes that started from an A/B deficit (the denominator of "closed").
    pub deficits: u32,
}

impl Summary {
    pub fn of<'a>(changes: impl IntoIterator<Item = &'a Change>) -> Summary {
        let changes: Vec<&Change> = changes.into_iter().collect();
        Summary {
            changes: changes.len() as u32,
            mean_level_steps: mean(changes.iter().map(|c| f64::from(c.level_steps))),
            mean_area_delta: mean(changes.iter().filter_map(|c| c.mean_area_delta())),
            improved: changes.iter().filter(|c| c.level_steps > 0).count() as u32,
            closed: changes.iter().filter(|c| c.closed).count() as u32,
            deficits: changes.iter().filter(|c| is_deficit(c.from_level)).count() as u32,
        }
    }
}

/// Diagnostics indexed by teacher and subject, each list in date order.
#[derive(Debug, Default)]
pub struct History<'a> {
    by: BTreeMap<&'a str, BTreeMap<&'a str, Vec<&'a Diagnostic>>>,
}

impl<'a> History<'a> {
    pub fn new(diagnostics: impl IntoIterator<Item = &'a Diagnostic>) -> History<'a> {
        let mut by: BTreeMap<&str, BTreeMap<&str, Vec<&Diagnostic>>> = BTreeMap::new();
        for d in diagnostics {
            by.entry(d.teacher_id.as_str())
                .or_default()
                .entry(d.subject.as_str())
                .or_default()
                .push(d);
        }
        for list in by.values_mut().flat_map(|m| m.values_mut()) {
            list.sort_by(|a, b| a.date.cmp(&b.date).then(a.id.cmp(&b.id)));
        }
        History { by }
    }

    pub fn rounds(&self, teacher: &str, subject: &str) -> &[&'a Diagnostic] {
        self.by
            .get(teacher)
            .and_then(|m| m.get(subject))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    pub fn latest(&self, teacher: &str, subject: &str) -> Option<&'a Diagnostic> {
        self.rounds(teacher, subject).last().copied()
    }

    /// The subjects a teacher was diagnosed in.
    pub fn subjects_of(&self, teacher: &str) -> Vec<&'a str> {
        self.by
            .get(teacher)
            .map(|m| m.keys().copied().collect())
            .unwrap_or_default()
    }

    /// Every (teacher, subject) with its rounds.
    pub fn all(&self) -> impl Iterator<Item = (&'a str, &'a str, &[&'a Diagnostic])> + '_ {
        self.by
            .iter()
            .flat_map(|(t, m)| m.iter().map(|(s, l)| (*t, *s, l.as_slice())))
    }

    /// The latest diagnostic against the one before it: what the newest round changed.
    pub fn last_change(&self, teacher: &str, subject: &str) -> Option<Change> {
        match self.rounds(teacher, subject) {
            [.., a, b] => Some(Change::between(a, b)),
            _ => None,
        }
    }

    /// The change since `since`: from the latest diagnostic on or before it (else the first
    /// one) to the latest one after that. None until there is a later round.
    pub fn change_since(&self, teacher: &str, subject: &str, since: Date) -> Option<Change> {
        let rounds = self.rounds(teacher, subject);
        let base = rounds.iter().rposition(|d| d.date <= since).unwrap_or(0);
        let last = rounds.len().checked_sub(1)?;
        (last > base).then(|| Change::between(rounds[base], rounds[last]))
    }
}

/// The registry around the diagnostics that progress needs.
#[derive(Debug, Default)]
pub struct World<'a> {
    pub history: History<'a>,
    pub schools: BTreeMap<&'a str, &'a School>,
    pub teachers_by_school: BTreeMap<&'a str, Vec<&'a Teacher>>,
}

impl<'a> World<'a> {
    pub fn new(
        diagnostics: impl IntoIterator<Item = &'a Diagnostic>,
        schools: impl IntoIterator<Item = &'a School>,
        teachers: impl IntoIterator<Item = &'a Teacher>,
    ) -> World<'a> {
        let mut teachers_by_school: BTreeMap<&str, Vec<&Teacher>> = BTreeMap::new();
        for t in teachers {
            teachers_by_school
                .entry(t.school_id.as_str())
                .or_default()
                .push(t);
        }
        World {
            history: History::new(diagnostics),
            schools: schools.into_iter().map(|s| (s.id.as_str(), s)).collect(),
            teachers_by_school,
        }
    }
}

/// A mentorship's effect so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MentorshipProgress {
    pub mentorship_id: String,
    /// Each mentee teacher's change since the mentorship began (the teachers of the mentee
    /// schools, for school partnerships).
    pub changes: Vec<Change>,
    /// Mentee teacher-subjects without a re-diagnosis since the start.
    pub awaiting: u32,
    pub summary: Summary,
    /// Ready to end: the deficit it was made for is closed (see [`graduation`]).
    pub graduated: bool,
    /// The date of the diagnostic (or status change) that closed it.
    pub graduated_on: Option<Date>,
    pub graduation_reason: Phrase,
}

/// The teacher-subjects a mentorship works on.
fn targets<'a>(m: &'a Mentorship, w: &World<'a>) -> Vec<(&'a str, Vec<&'a str>)> {
    match m.kind {
        MatchKind::TeacherPairs | MatchKind::TeacherGroups => m
            .mentees()
            .into_iter()
            .map(|t| (t, vec![m.subject.as_str()]))
            .collect(),
        MatchKind::SchoolPartnerships | MatchKind::SchoolDirections | MatchKind::SchoolGroups => {
            let mut out = Vec::new();
            for school in m.mentees() {
                for t in w.teachers_by_school.get(school).into_iter().flatten() {
                    if !t.active {
                        continue;
                    }
                    let subjects = if m.subject.is_empty() {
                        w.history.subjects_of(t.id.as_str())
                    } else {
                        vec![m.subject.as_str()]
                    };
                    out.push((t.id.as_str(), subjects));
                }
            }
            out
        }
        // A management internship works on the team's management, which management
        // diagnostics measure, not the teachers' subjects.
        MatchKind::ManagementPlatforms => Vec::new(),
    }
}

/// The mentees' change since the mentorship began, and whether it has graduated.
pub fn mentorship_progress(m: &Mentorship, w: &World<'_>) -> MentorshipProgress {
    let mut changes = Vec::new();
    let mut awaiting = 0;
    for (teacher, subjects) in targets(m, w) {
        for subject in subjects {
            match w.history.change_since(teacher, subject, m.started_on) {
                Some(c) => changes.push(c),
                None => awaiting += 1,
            }
        }
    }
    let (graduated_on, graduation_reason) = graduation(m, w);
    MentorshipProgress {
        mentorship_id: m.id.clone(),
        summary: Summary::of(&changes),
        changes,
        awaiting,
        graduated: graduated_on.is_some(),
        graduated_on,
        graduation_reason,
    }
}

/// When a mentorship's purpose is met:
/// * a teacher pair: the mentee's deficit in the subject, re-diagnosed after the start, is C
///   or D;
/// * a teacher group: that holds for every member;
/// * a distributed-network direction: no active teacher of the school has an A/B deficit in
///   the subject any more, by diagnostics after the start;
/// * a school partnership or school group: every mentee school has left the low-result and
///   at-risk lists since the start.
pub fn graduation(m: &Mentorship, w: &World<'_>) -> (Option<Date>, Phrase) {
    match m.kind {
        // Its difficulty gone at re-diagnosis, the next run ends it (the demand is gone).
        MatchKind::ManagementPlatforms => (None, Phrase::default()),
        MatchKind::TeacherPairs | MatchKind::TeacherGroups => {
            // A young specialist's pair (or the office's own reason) is not about a diagnosed
            // level: the office says when it is done. Voluntary work on a C-level deficit is
            // done at D; a deficit pair when the deficit closes (C or D).
            let done = match m.charter.basis {
                Basis::Deficit => |l: Level| !is_deficit(l),
                Basis::Voluntary => |l: Level| l == Level::D,
                Basis::YoungSpecialist | Basis::Other => return (None, Phrase::default()),
            };
            let mut on = None;
            for t in m.mentees() {
                match w.history.latest(t, &m.subject) {
                    Some(d) if d.date > m.started_on && done(d.level) => {
                        on = on.max(Some(d.date));
                    }
                    _ => return (None, Phrase::default()),
                }
            }
            let why = Phrase::new(if m.charter.basis == Basis::Voluntary {
                "graduated-voluntary"
            } else if m.kind == MatchKind::TeacherPairs {
                "graduated-pair"
            } else {
                "graduated-group"
            })
            .subject("subject", &m.subject);
            (on, why)
        }
        MatchKind::SchoolDirections => {
            let mut on = None;
            let teachers = w.teachers_by_school.get(m.mentee_id.as_str());
            for t in teachers.into_iter().flatten().filter(|t| t.active) {
                if let Some(d) = w.history.latest(&t.id, &m.subject) {
                    if is_deficit(d.level) {
                        return (None, Phrase::default());
                    }
                    if d.date > m.started_on {
                        on = on.max(Some(d.date));
                    }
                }
            }
            (
                on,
                Phrase::new("graduated-direction").subject("subject", &m.subject),
            )
        }
        MatchKind::SchoolPartnerships | MatchKind::SchoolGroups => {
            let mut on = None;
            for id in m.mentees() {
                let Some(s) = w.schools.get(id) else {
                    return (None, Phrase::default());
                };
                if matches!(s.status, SchoolStatus::LowResults | SchoolStatus::AtRisk) {
                    return (None, Phrase::default());
                }
                let since = s.status_history.last().map(|c| c.since);
                match since {
                    Some(d) if d > m.started_on => on = on.max(Some(d)),
                    _ => return (None, Phrase::default()),
                }
            }
            (on, Phrase::new("graduated-school"))
        }
    }
}

/// A mentor's effect: the average change of all their mentees (every mentorship, active or
/// ended, counted from its own start).
pub fn mentor_summary(progress: &[MentorshipProgress]) -> Summary {
    Summary::of(progress.iter().flat_map(|p| p.changes.iter()))
}

/// A school's teachers' change in the latest round, and whether it left the low-result list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchoolProgress {
    pub school_id: String,
    /// Each teacher-subject's latest change (previous round -> latest round).
    pub changes: Vec<Change>,
    pub summary: Summary,
    /// The school was low-result at some point and is not any more.
    pub left_low_results: bool,
}

pub fn school_progress(school: &School, w: &World<'_>) -> SchoolProgress {
    let mut changes = Vec::new();
    for t in w
        .teachers_by_school
        .get(school.id.as_str())
        .into_iter()
        .flatten()
    {
        for subject in w.history.subjects_of(t.id.as_str()) {
            if let Some(c) = w.history.last_change(&t.id, subject) {
                changes.push(c);
            }
        }
    }
    let was_low = school
        .status_history
        .iter()
        .any(|c| c.status == SchoolStatus::LowResults);
    SchoolProgress {
        school_id: school.id.clone(),
        summary: Summary::of(&changes),
        changes,
        left_low_results: was_low && school.status != SchoolStatus::LowResults,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::matching::{MentorshipStatus, Origin};
    use crate::model::{Meta, Mode};
    use jiff::civil::date;
    use jiff::Timestamp;

    fn diag(teacher: &str, subject: &str, d: Date, level: Level, score: f64) -> Diagnostic {
        Diagnostic {
            municipality_id: "m".into(),
            id: Diagnostic::derived_id(teacher, subject, d),
            teacher_id: teacher.into(),
            subject: subject.into(),
            date: d,
            level,
            scores: [("methodical".to_string(), score)].into(),
            source: String::new(),
            meta: Meta::new(Timestamp::UNIX_EPOCH),
        }
    }

    pub(crate) fn pair(mentee: &str, subject: &str, started: Date) -> Mentorship {
        Mentorship {
            municipality_id: "m".into(),
            id: format!("ms-{mentee}"),
            kind: MatchKind::TeacherPairs,
            mentee_id: mentee.into(),
            mentor_id: "mentor".into(),
            mentor_municipality_id: String::new(),
            subject: subject.into(),
            mode: Mode::InPerson,
            partnership_type: None,
            locked: false,
            status: MentorshipStatus::Active,
            started_on: started,
            ended_on: None,
            end_reason: Default::default(),
            origin: Origin::Manual("test".into()),
            score: 0,
            members: vec![],
            charter: Default::default(),
            meta: Meta::new(Timestamp::UNIX_EPOCH),
        }
    }

    #[test]
    fn a_pair_graduates_when_the_deficit_is_rediagnosed_at_c() {
        let d = vec![
            diag("t", "math", date(2022, 10, 14), Level::A, 0.3),
            diag("t", "math", date(2023, 4, 14), Level::C, 0.6),
        ];
        let w = World::new(&d, [], []);
        let p = mentorship_progress(&pair("t", "math", date(2022, 11, 1)), &w);
        assert_eq!(p.changes.len(), 1);
        assert_eq!(p.changes[0].level_steps, 2);
        assert!(p.changes[0].closed);
        assert!((p.summary.mean_area_delta.unwrap() - 0.3).abs() < 1e-9);
        assert!(p.graduated);
        assert_eq!(p.graduated_on, Some(date(2023, 4, 14)));
        // Started after the second round: nothing measured yet, nothing graduated.
        let later = mentorship_progress(&pair("t", "math", date(2023, 5, 1)), &w);
        assert_eq!((later.changes.len(), later.awaiting), (0, 1));
        assert!(!later.graduated);
    }

    #[test]
    fn a_deficit_that_stays_at_b_does_not_graduate() {
        let d = vec![
            diag("t", "math", date(2022, 10, 14), Level::A, 0.3),
            diag("t", "math", date(2023, 4, 14), Level::B, 0.4),
        ];
        let w = World::new(&d, [], []);
        let p = mentorship_progress(&pair("t", "math", date(2022, 11, 1)), &w);
        assert_eq!(p.summary.improved, 1);
        assert_eq!(p.summary.closed, 0);
        assert!(!p.graduated);
    }

    #[test]
    fn change_since_uses_the_last_round_before_the_start_as_baseline() {
        let d = vec![
            diag("t", "math", date(2021, 10, 1), Level::A, 0.1),
            diag("t", "math", date(2022, 10, 1), Level::B, 0.3),
            diag("t", "math", date(2023, 4, 1), Level::C, 0.5),
        ];
        let h = History::new(&d);
        let c = h.change_since("t", "math", date(2022, 11, 1)).unwrap();
        assert_eq!((c.from_level, c.to_level), (Level::B, Level::C));
        let first = h.change_since("t", "math", date(2020, 1, 1)).unwrap();
        assert_eq!(first.from_level, Level::A);
        assert_eq!(h.last_change("t", "math").unwrap().from_level, Level::B);
        assert_eq!(h.subjects_of("t"), ["math"]);
    }
}
