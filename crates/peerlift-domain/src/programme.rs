//! The programme year (issue 17): a programme's goal, stages and target indicators, the
//! student results programmes are judged by, the indicators computed from what the product
//! holds, and the register of signed documents.
//!
//! Seed 000 (Krasulino) aims at "не менее 80% положительных отметок" in VPR and OGE-2023; seed
//! 003 (Kirovsky) runs a preparatory, a practical and a generalising stage and approves each
//! step by an order of its committee. Results are not diagnostics of teachers: they are the
//! students' marks per school, subject, grade, assessment and year, in the shape offices
//! receive them (participants, share of positive marks, quality share, mean).

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::associations::{school_year_range, Association};
use crate::catalog::{Catalog, CatalogKind};
use crate::events::{Event, EventStatus};
use crate::ids::check_id;
use crate::meta::{Meta, Versioned};
use crate::model::{coded_enum, School, SchoolStatus, Teacher};
use crate::progress::{is_deficit, History};
use crate::validate::{text, Violations};
use crate::{parse_school_year, Mentorship, Session, SessionStatus};

coded_enum!(
    /// Whose programme it is.
    ProgrammeLevel {
        /// The municipality's (the office's) programme: indicators over all its schools.
        Municipality = "municipality",
        /// One school's programme (`school_id`): indicators over that school.
        School = "school",
        /// A region's programme, kept under the region's address (`region:NAME`): indicators
        /// over every school of the region's municipalities.
        Region = "region",
    }
);

coded_enum!(
    /// What a programme's target measures; each is computed from the data the product holds,
    /// by school year.
    Indicator {
        /// Share of positive marks (3, 4, 5) in the student results, weighted by participants.
        PositiveShare = "positive_share",
        /// Share of 4 and 5 in the student results, weighted by participants.
        QualityShare = "quality_share",
        /// Schools on the low-result list at the end of the school year (fewer is better).
        LowResultSchools = "low_result_schools",
        /// Of the A/B deficits re-diagnosed during the year, the share that closed to C/D.
        DeficitsClosed = "deficits_closed",
        /// Share of the teachers who took part in the network during the year (a mentorship,
        /// an association, or a held event they came to).
        Participation = "participation",
        /// Of the sessions planned in the year (not cancelled), the share held.
        SessionsHeld = "sessions_held",
        /// Of the teachers with an A-level deficit re-diagnosed during the year, the share whose
        /// every such deficit closed to C/D (seed 000: systemic deficits are the ones to close).
        ADeficitsClosed = "a_deficits_closed",
    }
);

impl Indicator {
    /// Whether a lower value meets the target (a count of low-result schools).
    pub fn lower_is_better(self) -> bool {
        self == Indicator::LowResultSchools
    }

    /// Whether the value is a percentage (else a count).
    pub fn is_percent(self) -> bool {
        self != Indicator::LowResultSchools
    }

    /// Whether the indicator reads student results (and so takes an assessment and subject).
    pub fn reads_results(self) -> bool {
        matches!(self, Indicator::PositiveShare | Indicator::QualityShare)
    }
}

coded_enum!(
    /// The assessments whose results offices receive.
    Assessment {
        /// ВПР: all-Russian verification works (grades 4-11).
        Vpr = "vpr",
        /// ОГЭ: the main state exam (grade 9).
        Oge = "oge",
        /// ЕГЭ: the unified state exam (grade 11).
        Ege = "ege",
        /// НИКО: national studies of education quality.
        Niko = "niko",
        /// The region's own assessment.
        Regional = "regional",
    }
);

/// One stage of a programme (seed 003: preparatory, practical, generalising).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    pub name: String,
    pub start: Date,
    pub end: Date,
}

/// A target: the value an indicator should reach in a school year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub indicator: Indicator,
    /// "2022-2023": the value is judged on that school year.
    pub school_year: String,
    pub value: f64,
    /// Results indicators only: one assessment (None: every assessment).
    pub assessment: Option<Assessment>,
    /// Results indicators only: one subject (empty: every subject).
    pub subject: String,
}

/// Most stages and targets one programme holds.
pub const MAX_STAGES: usize = 20;
pub const MAX_TARGETS: usize = 100;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Programme {
    pub municipality_id: String,
    pub id: String,
    pub title: String,
    /// The goal in the office's words ("не менее 80% положительных отметок по ВПР и ОГЭ").
    pub goal: String,
    pub level: ProgrammeLevel,
    /// The school of a school's programme; empty otherwise.
    pub school_id: String,
    pub stages: Vec<Stage>,
    pub targets: Vec<Target>,
    pub meta: Meta,
}

impl Programme {
    pub fn validate(&self, catalog: &Catalog) -> Result<(), Violations> {
        let mut v = Violations::new();
        crate::ids::check_new_id(&mut v, "id", &self.id);
        text(&mut v, "title", &self.title, true, 300);
        text(&mut v, "goal", &self.goal, false, 2000);
        let regional = self.municipality_id.starts_with("region:");
        match self.level {
            ProgrammeLevel::School => check_id(&mut v, "school_id", &self.school_id),
            ProgrammeLevel::Municipality | ProgrammeLevel::Region if !self.school_id.is_empty() => {
                v.add(
                    "school_id",
                    "only a school's programme names a school (set level to school)",
                )
            }
            _ => {}
        }
        if regional != (self.level == ProgrammeLevel::Region) {
            v.add(
                "level",
                if regional {
                    "a programme kept under a region's address is the region's: leave level unset or REGION"
                } else {
                    "a region's programme is kept under the region's address: call with municipality_id region:NAME"
                },
            );
        }
        if self.stages.len() > MAX_STAGES {
            v.add("stages", format!("at most {MAX_STAGES} stages"));
        }
        for (i, s) in self.stages.iter().enumerate() {
            text(&mut v, &format!("stages[{i}].name"), &s.name, true, 200);
            // A programme spans years the office plans, not centuries: its indicators are
            // computed for every school year its stages cover.
            for (f, d) in [("start", s.start), ("end", s.end)] {
                if !(2000..=2100).contains(&d.year()) {
                    v.add(
                        format!("stages[{i}].{f}"),
                        "must be a date from 2000 to 2100",
                    );
                }
            }
            if s.end < s.start {
                v.add(
                    format!("stages[{i}].end"),
                    format!("{} is before the start {}", s.end, s.start),
                );
            }
        }
        if self.targets.len() > MAX_TARGETS {
            v.add("targets", format!("at most {MAX_TARGETS} targets"));
        }
        let mut seen = BTreeSet::new();
        for (i, t) in self.targets.iter().enumerate() {
            let f = |x: &str| format!("targets[{i}].{x}");
            if parse_school_year(&t.school_year).is_none() {
                v.add(
                    f("school_year"),
                    format!("'{}' is not a school year like 2022-2023", t.school_year),
                );
            }
            if parse_school_year(&t.school_year).is_some_and(|(a, _)| !(2000..=2100).contains(&a)) {
                v.add(
                    f("school_year"),
                    "must be a school year from 2000-2001 to 2100-2101",
                );
            }
            if !t.value.is_finite() || t.value < 0.0 {
                v.add(f("value"), "must be a number of 0 or more");
            } else if t.indicator.is_percent() && t.value > 100.0 {
                v.add(f("value"), "a share is at most 100 (percent)");
            }
            if !t.indicator.reads_results() && (t.assessment.is_some() || !t.subject.is_empty()) {
                v.add(
                    f("indicator"),
                    format!(
                        "{} does not read student results: leave assessment and subject empty",
                        t.indicator.code()
                    ),
                );
            }
            if !t.subject.is_empty() {
                catalog.check(&mut v, &f("subject"), CatalogKind::Subject, &t.subject);
            }
            let key = (
                t.indicator,
                t.school_year.clone(),
                t.assessment,
                t.subject.clone(),
            );
            if !seen.insert(key) {
                v.add(
                    f("indicator"),
                    "the same indicator, year, assessment and subject is targeted twice",
                );
            }
        }
        v.into_result()
    }

    /// The school years the programme's stages and targets span, in order.
    pub fn school_years(&self) -> Vec<String> {
        let mut out = BTreeSet::new();
        for s in &self.stages {
            let mut d = s.start;
            while d <= s.end {
                out.insert(crate::school_year_of(d));
                d = match Date::new(d.year() + 1, d.month(), 1) {
                    Ok(x) => x,
                    Err(_) => break,
                };
            }
            out.insert(crate::school_year_of(s.end));
        }
        out.extend(self.targets.iter().map(|t| t.school_year.clone()));
        out.into_iter().collect()
    }
}

impl Versioned for Programme {
    fn meta(&self) -> &Meta {
        &self.meta
    }
    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }
    fn content_eq(&self, other: &Self) -> bool {
        let mut a = self.clone();
        a.meta = other.meta.clone();
        &a == other
    }
}

/// One line of a results table: a school's students in one subject, grade, assessment and year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudentResult {
    pub municipality_id: String,
    pub school_id: String,
    pub assessment: Assessment,
    pub subject: String,
    /// 1-11.
    pub grade: u8,
    /// The calendar year the assessment was written (VPR and OGE are written in spring: 2023
    /// belongs to the school year 2022-2023).
    pub year: i16,
    pub participants: u32,
    /// Share of marks 3-5, in percent.
    pub positive_percent: f64,
    /// Share of marks 4-5, in percent.
    pub quality_percent: f64,
    /// Mean mark or score; None when the table gives none.
    pub mean: Option<f64>,
    /// Where the table came from ("ФИС ОКО, ВПР-2023").
    pub source: String,
    pub meta: Meta,
}

/// Most result lines one call may put.
pub const MAX_RESULTS_PER_CALL: usize = 5000;

impl StudentResult {
    pub fn validate(&self, catalog: &Catalog) -> Result<(), Violations> {
        let mut v = Violations::new();
        check_id(&mut v, "school_id", &self.school_id);
        catalog.check(&mut v, "subject", CatalogKind::Subject, &self.subject);
        if !(1..=11).contains(&self.grade) {
            v.add("grade", "must be 1 to 11");
        }
        if !(2000..=2100).contains(&self.year) {
            v.add("year", "must be a year like 2023");
        }
        for (f, x) in [
            ("positive_percent", self.positive_percent),
            ("quality_percent", self.quality_percent),
        ] {
            if !(0.0..=100.0).contains(&x) {
                v.add(f, "must be a percentage, 0 to 100");
            }
        }
        if self.quality_percent > self.positive_percent + 1e-9 {
            v.add(
                "quality_percent",
                "marks 4-5 are positive marks: the quality share cannot exceed the positive share",
            );
        }
        if self.mean.is_some_and(|m| !m.is_finite() || m < 0.0) {
            v.add("mean", "must be a number of 0 or more");
        }
        text(&mut v, "source", &self.source, false, 300);
        v.into_result()
    }

    /// The school year it belongs to: the one ending in its calendar year.
    pub fn school_year(&self) -> String {
        format!("{}-{}", self.year - 1, self.year)
    }

    /// The shares from a table of marks: how many students got 2, 3, 4 and 5.
    pub fn shares_from_marks(marks: [u32; 4]) -> Option<(u32, f64, f64, f64)> {
        let total: u64 = marks.iter().map(|x| u64::from(*x)).sum();
        // No school has a billion students; a sum past u32 is a typo, not a table.
        let total = u32::try_from(total).ok().filter(|t| *t > 0)?;
        let t = f64::from(total);
        let positive =
            (f64::from(marks[1]) + f64::from(marks[2]) + f64::from(marks[3])) * 100.0 / t;
        let quality = (f64::from(marks[2]) + f64::from(marks[3])) * 100.0 / t;
        let mean = (2.0 * f64::from(marks[0])
            + 3.0 * f64::from(marks[1])
            + 4.0 * f64::from(marks[2])
            + 5.0 * f64::from(marks[3]))
            / t;
        Some((total, positive, quality, mean))
    }
}

/// What the indicators are computed from: one municipality's data.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub schools: &'a [School],
    pub teachers: &'a [Teacher],
    pub history: &'a History<'a>,
    pub mentorships: &'a [Mentorship],
    pub sessions: &'a [Session],
    pub events: &'a [Event],
    pub associations: &'a [Association],
    pub results: &'a [StudentResult],
    /// Years that have not begun have no value; the current year's is as of today.
    pub today: Date,
}

/// An indicator's value in one school year and what it rests on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Value {
    pub value: f64,
    /// What the value is computed over: students (results), schools, deficits, teachers or
    /// sessions.
    pub n: u32,
}

/// A school's status on a day, from its status history (the current status when the history
/// starts later).
pub fn status_on(s: &School, day: Date) -> SchoolStatus {
    s.status_history
        .iter()
        .rev()
        .find(|c| c.since <= day)
        .or_else(|| s.status_history.first())
        .map_or(s.status, |c| c.status)
}

/// The teachers of `municipality` who took part in the network during [from, to): in a teacher
/// mentorship active on a day of it, a member of an association, or at a held event.
pub fn network_teachers<'a>(f: &Facts<'a>, from: Date, to: Date) -> BTreeSet<&'a str> {
    let mut out = BTreeSet::new();
    for m in f.mentorships.iter().filter(|m| !m.kind.is_schools()) {
        if m.started_on >= to || m.ended_on.is_some_and(|e| e < from) {
            continue;
        }
        out.insert(m.mentee_id.as_str());
        if m.mentor_municipality_id.is_empty() {
            out.insert(m.mentor_id.as_str());
        }
        out.extend(m.members.iter().map(String::as_str));
    }
    for a in f.associations {
        for x in a.members.iter().filter(|x| x.during(from, to)) {
            out.insert(x.teacher_id.as_str());
        }
    }
    for e in f
        .events
        .iter()
        .filter(|e| e.status == EventStatus::Held && e.start.date() >= from && e.start.date() < to)
    {
        out.extend(e.attended.iter().map(String::as_str));
    }
    let known: BTreeSet<&str> = f.teachers.iter().map(|t| t.id.as_str()).collect();
    out.retain(|t| known.contains(t));
    out
}

/// The value of `t`'s indicator in `school_year` over `schools` (None: every school), or None
/// when there is nothing to compute it from.
pub fn value(
    f: &Facts<'_>,
    indicator: Indicator,
    assessment: Option<Assessment>,
    subject: &str,
    school_year: &str,
    schools: Option<&BTreeSet<&str>>,
) -> Option<Value> {
    let (from, to) = school_year_range(school_year)?;
    if from > f.today {
        return None;
    }
    let in_scope = |school: &str| schools.is_none_or(|s| s.contains(school));
    let percent = |part: u32, n: u32| {
        (n > 0).then(|| Value {
            value: f64::from(part) * 100.0 / f64::from(n),
            n,
        })
    };
    match indicator {
        Indicator::PositiveShare | Indicator::QualityShare => {
            let mut weighted = 0.0;
            let mut n = 0u32;
            for r in f.results.iter().filter(|r| {
                in_scope(&r.school_id)
                    && r.school_year() == school_year
                    && assessment.is_none_or(|a| a == r.assessment)
                    && (subject.is_empty() || r.subject == subject)
            }) {
                let share = if indicator == Indicator::PositiveShare {
                    r.positive_percent
                } else {
                    r.quality_percent
                };
                weighted += share * f64::from(r.participants);
                n = n.saturating_add(r.participants);
            }
            (n > 0).then(|| Value {
                value: weighted / f64::from(n),
                n,
            })
        }
        Indicator::LowResultSchools => {
            // The end of the year, or today in a year not over yet.
            let last = to.yesterday().ok()?.min(f.today);
            let considered: Vec<&School> = f
                .schools
                .iter()
                .filter(|s| in_scope(&s.id))
                .filter(|s| s.status_history.first().is_none_or(|c| c.since <= last))
                .collect();
            let low = considered
                .iter()
                .filter(|s| status_on(s, last) == SchoolStatus::LowResults)
                .count();
            (!considered.is_empty()).then(|| Value {
                value: low as f64,
                n: u32::try_from(considered.len()).unwrap_or(u32::MAX),
            })
        }
        Indicator::DeficitsClosed => {
            let school_of: BTreeMap<&str, &str> = f
                .teachers
                .iter()
                .map(|t| (t.id.as_str(), t.school_id.as_str()))
                .collect();
            let (mut closed, mut n) = (0u32, 0u32);
            for (teacher, _, rounds) in f.history.all() {
                if !school_of.get(teacher).is_some_and(|s| in_scope(s)) {
                    continue;
                }
                for w in rounds.windows(2) {
                    let (a, b) = (w[0], w[1]);
                    if b.date >= from && b.date < to && is_deficit(a.level) {
                        n += 1;
                        closed += u32::from(!is_deficit(b.level));
                    }
                }
            }
            percent(closed, n)
        }
        Indicator::ADeficitsClosed => {
            let school_of: BTreeMap<&str, &str> = f
                .teachers
                .iter()
                .map(|t| (t.id.as_str(), t.school_id.as_str()))
                .collect();
            // Per teacher: (had an A re-diagnosed this year, every such A closed).
            let mut by_teacher: BTreeMap<&str, bool> = BTreeMap::new();
            for (teacher, _, rounds) in f.history.all() {
                if !school_of.get(teacher).is_some_and(|s| in_scope(s)) {
                    continue;
                }
                for w in rounds.windows(2) {
                    let (a, b) = (w[0], w[1]);
                    if b.date >= from && b.date < to && a.level == crate::Level::A {
                        let all = by_teacher.entry(teacher).or_insert(true);
                        *all &= !is_deficit(b.level);
                    }
                }
            }
            let closed = by_teacher.values().filter(|x| **x).count();
            percent(
                u32::try_from(closed).unwrap_or(u32::MAX),
                u32::try_from(by_teacher.len()).unwrap_or(u32::MAX),
            )
        }
        Indicator::Participation => {
            let teachers: BTreeSet<&str> = f
                .teachers
                .iter()
                .filter(|t| in_scope(&t.school_id))
                .map(|t| t.id.as_str())
                .collect();
            let took_part = network_teachers(f, from, to)
                .intersection(&teachers)
                .count();
            percent(
                u32::try_from(took_part).unwrap_or(u32::MAX),
                u32::try_from(teachers.len()).unwrap_or(u32::MAX),
            )
        }
        Indicator::SessionsHeld => {
            let (mut held, mut planned) = (0u32, 0u32);
            for s in f.sessions.iter().filter(|s| {
                s.start.date() >= from
                    && s.start.date() < to
                    && s.status != SessionStatus::Cancelled
                    && (schools.is_none() || s.schools.iter().any(|x| in_scope(x)))
            }) {
                planned += 1;
                held += u32::from(s.status == SessionStatus::Held);
            }
            percent(held, planned)
        }
    }
}

/// One line of a programme's indicators: a target (or a standard indicator without one) in one
/// school year.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorRow {
    pub indicator: Indicator,
    pub assessment: Option<Assessment>,
    pub subject: String,
    pub school_year: String,
    pub value: Option<Value>,
    pub target: Option<f64>,
}

impl IndicatorRow {
    /// Whether the value meets the target (None without either).
    pub fn met(&self) -> Option<bool> {
        let (v, t) = (self.value?, self.target?);
        Some(if self.indicator.lower_is_better() {
            v.value <= t + 1e-9
        } else {
            v.value + 1e-9 >= t
        })
    }
}

/// Every indicator the programme targets, and every standard indicator, in each school year the
/// programme spans: the value, what it rests on, and the target where one is set.
pub fn indicators(p: &Programme, f: &Facts<'_>) -> Vec<IndicatorRow> {
    let scope: Option<BTreeSet<&str>> = match p.level {
        ProgrammeLevel::School => Some(BTreeSet::from([p.school_id.as_str()])),
        ProgrammeLevel::Municipality | ProgrammeLevel::Region => None,
    };
    let mut lines: Vec<(Indicator, Option<Assessment>, String)> = Vec::new();
    for i in Indicator::ALL {
        lines.push((*i, None, String::new()));
    }
    for t in &p.targets {
        let l = (t.indicator, t.assessment, t.subject.clone());
        if !lines.contains(&l) {
            lines.push(l);
        }
    }
    lines.sort();
    let years = p.school_years();
    let mut out = Vec::new();
    for (indicator, assessment, subject) in lines {
        for y in &years {
            out.push(IndicatorRow {
                indicator,
                assessment,
                subject: subject.clone(),
                school_year: y.clone(),
                value: value(f, indicator, assessment, &subject, y, scope.as_ref()),
                target: p
                    .targets
                    .iter()
                    .find(|t| {
                        t.indicator == indicator
                            && t.assessment == assessment
                            && t.subject == subject
                            && &t.school_year == y
                    })
                    .map(|t| t.value),
            });
        }
    }
    out
}

coded_enum!(
    /// The office's documents (issue 17 §5).
    DocumentKind {
        /// The order approving the list of network partnerships for a school year.
        PartnershipOrder = "partnership_order",
        /// An agreement on network cooperation between two schools.
        NetworkAgreement = "network_agreement",
        /// Addressed recommendations after a diagnostic round.
        Recommendations = "recommendations",
        /// The report on a held event.
        EventReport = "event_report",
        Roadmap = "roadmap",
        /// A teacher's individual educational route (ИОМ).
        Route = "route",
        /// A programme's annual report with its indicators.
        AnnualReport = "annual_report",
    }
);

/// A document the office signed: its number and date, what it is about, and the partnerships
/// it approved (a partnership order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedDocument {
    pub municipality_id: String,
    pub id: String,
    pub kind: DocumentKind,
    /// As the office writes it: "263", "354-р".
    pub number: String,
    pub date: Date,
    pub title: String,
    /// What the document is about: a school year, a mentorship, an event, a plan, a
    /// programme, a diagnostic round's school year.
    pub subject: String,
    /// The school year reported (annual reports); empty otherwise.
    pub school_year: String,
    /// The mentorships it lists: for a partnership order, those it approved.
    pub mentorship_ids: Vec<String>,
    pub meta: Meta,
}

impl SignedDocument {
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        crate::ids::check_new_id(&mut v, "id", &self.id);
        text(&mut v, "number", &self.number, true, 50);
        text(&mut v, "title", &self.title, true, 500);
        text(&mut v, "subject", &self.subject, true, 300);
        v.into_result()
    }

    /// The id a document gets when the office gives none: its kind, number and date, so that
    /// recording the same signature twice is one record.
    pub fn derived_id(kind: DocumentKind, number: &str, date: Date) -> String {
        // Letters outside ASCII keep their identity as code points ("263-р" and "263-п" are
        // two orders).
        let n: String = number
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase().to_string()
                } else if c.is_alphanumeric() {
                    format!("u{:x}", u32::from(c))
                } else {
                    "-".to_string()
                }
            })
            .collect();
        format!(
            "{}-{}-{date}",
            kind.code().replace('_', "-"),
            n.trim_matches('-')
        )
    }
}

impl Versioned for SignedDocument {
    fn meta(&self) -> &Meta {
        &self.meta
    }
    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }
    fn content_eq(&self, other: &Self) -> bool {
        let mut a = self.clone();
        a.meta = other.meta.clone();
        &a == other
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn marks_give_the_shares_offices_report() {
        // 2 twos, 10 threes, 6 fours, 2 fives: 90% positive, 40% quality, mean 3.4.
        let (n, pos, q, mean) = StudentResult::shares_from_marks([2, 10, 6, 2]).unwrap();
        assert_eq!(n, 20);
        assert!((pos - 90.0).abs() < 1e-9);
        assert!((q - 40.0).abs() < 1e-9);
        assert!((mean - 3.4).abs() < 1e-9);
        assert!(StudentResult::shares_from_marks([0; 4]).is_none());
    }

    #[test]
    fn lower_is_better_only_for_counts_of_low_result_schools() {
        let row = |indicator, v: f64, t: f64| IndicatorRow {
            indicator,
            assessment: None,
            subject: String::new(),
            school_year: "2022-2023".into(),
            value: Some(Value { value: v, n: 10 }),
            target: Some(t),
        };
        assert_eq!(row(Indicator::PositiveShare, 81.0, 80.0).met(), Some(true));
        assert_eq!(row(Indicator::PositiveShare, 79.0, 80.0).met(), Some(false));
        assert_eq!(row(Indicator::LowResultSchools, 3.0, 4.0).met(), Some(true));
        assert_eq!(
            row(Indicator::LowResultSchools, 5.0, 4.0).met(),
            Some(false)
        );
    }

    fn diag(teacher: &str, subject: &str, level: crate::Level, date: Date) -> crate::Diagnostic {
        crate::Diagnostic {
            municipality_id: "m".into(),
            id: format!("{teacher}.{subject}.{date}"),
            teacher_id: teacher.into(),
            subject: subject.into(),
            date,
            level,
            scores: Default::default(),
            source: String::new(),
            meta: Meta::new(jiff::Timestamp::UNIX_EPOCH),
        }
    }

    fn teacher(id: &str) -> Teacher {
        Teacher {
            municipality_id: "m".into(),
            id: id.into(),
            school_id: "s1".into(),
            full_name: id.into(),
            subjects: vec!["mathematics".into()],
            active: true,
            accepts_online: true,
            position: Default::default(),
            meta: Meta::new(jiff::Timestamp::UNIX_EPOCH),
        }
    }

    #[test]
    fn a_level_closure_counts_teachers_whose_every_a_closed() {
        use crate::Level::{A, B, C};
        let d = |y, m, day| Date::new(y, m, day).unwrap();
        let diagnostics = vec![
            // t1: both A deficits closed in 2022-2023.
            diag("t1", "mathematics", A, d(2022, 10, 1)),
            diag("t1", "mathematics", C, d(2023, 4, 1)),
            diag("t1", "physics", A, d(2022, 10, 1)),
            diag("t1", "physics", C, d(2023, 4, 1)),
            // t2: one A closed, the other still B.
            diag("t2", "mathematics", A, d(2022, 10, 1)),
            diag("t2", "mathematics", C, d(2023, 4, 1)),
            diag("t2", "physics", A, d(2022, 10, 1)),
            diag("t2", "physics", B, d(2023, 4, 1)),
            // t3: a B deficit only: not counted.
            diag("t3", "mathematics", B, d(2022, 10, 1)),
            diag("t3", "mathematics", C, d(2023, 4, 1)),
        ];
        let history = History::new(&diagnostics);
        let teachers = [teacher("t1"), teacher("t2"), teacher("t3")];
        let f = Facts {
            schools: &[],
            teachers: &teachers,
            history: &history,
            mentorships: &[],
            sessions: &[],
            events: &[],
            associations: &[],
            results: &[],
            today: d(2024, 1, 10),
        };
        let v = value(&f, Indicator::ADeficitsClosed, None, "", "2022-2023", None).unwrap();
        assert_eq!(v.n, 2);
        assert!((v.value - 50.0).abs() < 1e-9);
        // A/B deficits: t1 2 of 2, t2 1 of 2, t3 1 of 1.
        let all = value(&f, Indicator::DeficitsClosed, None, "", "2022-2023", None).unwrap();
        assert_eq!(all.n, 5);
        assert!((all.value - 80.0).abs() < 1e-9);
        // A year that has not begun has no value.
        assert_eq!(
            value(&f, Indicator::ADeficitsClosed, None, "", "2024-2025", None),
            None
        );
    }

    #[test]
    fn a_document_id_is_derived_from_kind_number_and_date() {
        let d = Date::new(2021, 10, 12).unwrap();
        assert_eq!(
            SignedDocument::derived_id(DocumentKind::PartnershipOrder, "263", d),
            "partnership-order-263-2021-10-12"
        );
        assert_eq!(
            SignedDocument::derived_id(DocumentKind::PartnershipOrder, "263-р", d),
            "partnership-order-263-u440-2021-10-12"
        );
        assert_ne!(
            SignedDocument::derived_id(DocumentKind::PartnershipOrder, "263-р", d),
            SignedDocument::derived_id(DocumentKind::PartnershipOrder, "263-п", d)
        );
    }
}
