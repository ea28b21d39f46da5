//! Professional associations and network communities (seed 004, Sayansk): open groups of
//! teachers by subject or pedagogical problem, city- or region-wide, led by named teachers,
//! with members from any school and municipality (kindergartens included), online and in
//! person. A resource of the network, not a mentorship: teachers join and leave, the office
//! reports participation by school year, and the matcher may suggest one to a teacher whose
//! deficit matches its theme.

use std::collections::BTreeSet;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, CatalogKind};
use crate::ids::check_id;
use crate::matching::parse_school_year;
use crate::meta::{Meta, Versioned};
use crate::model::{coded_enum, Mode};
use crate::validate::{text, Violations};

coded_enum!(
    AssociationKind {
        /// A city (or district) professional association of teachers of a subject.
        Association = "association",
        /// A network community around a pedagogical problem.
        Community = "community",
        /// An association of kindergarten teachers.
        Kindergarten = "kindergarten",
    }
);

coded_enum!(
    /// How far it reaches.
    Reach {
        City = "city",
        Region = "region",
    }
);

/// Most members one association holds: Sayansk's whole city (582 teachers) several times over.
pub const MAX_MEMBERS: usize = 5000;

/// A teacher's membership: of any municipality, from a day, until a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub municipality_id: String,
    pub teacher_id: String,
    pub joined_on: Date,
    pub left_on: Option<Date>,
    /// Leads the association (seed 004: each is led by a named teacher).
    pub leader: bool,
}

impl Member {
    /// Whether the membership covers any day of [from, to).
    pub fn during(&self, from: Date, to: Date) -> bool {
        self.joined_on < to && self.left_on.is_none_or(|l| l >= from)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Association {
    /// The municipality that keeps the record (members may come from others).
    pub municipality_id: String,
    pub id: String,
    pub kind: AssociationKind,
    pub name: String,
    /// The subject it is about, if one (a subject code); empty for a problem community.
    pub subject: String,
    /// The competence areas its theme works on (codes): what a deficit must match for a
    /// recommendation.
    pub areas: Vec<String>,
    /// The pedagogical problem, in the office's words.
    pub problem: String,
    pub modes: BTreeSet<Mode>,
    pub reach: Reach,
    /// The school year it started, "2020-2021".
    pub since_year: String,
    pub members: Vec<Member>,
    pub meta: Meta,
}

impl Association {
    pub fn validate(&self, catalog: &Catalog) -> Result<(), Violations> {
        let mut v = Violations::new();
        crate::ids::check_new_id(&mut v, "id", &self.id);
        text(&mut v, "name", &self.name, true, 300);
        text(&mut v, "problem", &self.problem, false, 1000);
        if !self.subject.is_empty() {
            catalog.check(&mut v, "subject", CatalogKind::Subject, &self.subject);
        }
        let mut seen = BTreeSet::new();
        for (i, a) in self.areas.iter().enumerate() {
            let f = format!("areas[{i}]");
            catalog.check(&mut v, &f, CatalogKind::CompetenceArea, a);
            if !seen.insert(a) {
                v.add(f, format!("'{a}' is listed twice"));
            }
        }
        if self.subject.is_empty() && self.areas.is_empty() && self.problem.is_empty() {
            v.add(
                "subject",
                "an association has a theme: a subject, competence areas or a problem",
            );
        }
        if self.modes.is_empty() {
            v.add("modes", "online, in person or both");
        }
        if !self.since_year.is_empty() && parse_school_year(&self.since_year).is_none() {
            v.add(
                "since_year",
                "a school year reads 2020-2021 (two consecutive years)",
            );
        }
        let mut seen = BTreeSet::new();
        for (i, m) in self.members.iter().enumerate().take(MAX_MEMBERS) {
            let f = format!("members[{i}]");
            check_id(&mut v, &format!("{f}.municipality_id"), &m.municipality_id);
            check_id(&mut v, &format!("{f}.teacher_id"), &m.teacher_id);
            if m.left_on.is_some_and(|l| l < m.joined_on) {
                v.add(format!("{f}.left_on"), "must not be before joined_on");
            }
            if !seen.insert((&m.municipality_id, &m.teacher_id)) {
                v.add(
                    format!("{f}.teacher_id"),
                    format!("'{}' is a member twice", m.teacher_id),
                );
            }
        }
        if self.members.len() > MAX_MEMBERS {
            v.add("members", format!("at most {MAX_MEMBERS} members"));
        }
        if !self.members.iter().any(|m| m.leader && m.left_on.is_none()) {
            v.add(
                "members",
                "name its leader: a current member with leader set",
            );
        }
        v.into_result()
    }

    pub fn same_content(&self, other: &Association) -> bool {
        let mut a = self.clone();
        a.meta = other.meta.clone();
        &a == other
    }

    /// A current member (not left by `day`).
    pub fn is_member(&self, municipality_id: &str, teacher_id: &str, day: Date) -> bool {
        self.members.iter().any(|m| {
            m.municipality_id == municipality_id
                && m.teacher_id == teacher_id
                && m.joined_on <= day
                && m.left_on.is_none_or(|l| l > day)
        })
    }
}

impl Versioned for Association {
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

/// A competence area the latest diagnostics score below this is one an association on it can
/// help with (half the area mastered).
pub const WEAK_AREA_SCORE: f64 = 0.5;

/// Why an association suits a teacher, strongest first: the subject of an A/B deficit
/// (A before B), then a competence area scored below [`WEAK_AREA_SCORE`] (lowest first). Only
/// associations the teacher is not a current member of; a suggestion, never an assignment.
pub fn recommend<'a>(
    teacher: &crate::model::Teacher,
    history: &crate::progress::History<'_>,
    associations: &'a [Association],
    today: Date,
) -> Vec<(&'a Association, crate::phrase::Phrase)> {
    use crate::phrase::Phrase;
    use crate::progress::{is_deficit, rank};
    let latest: Vec<_> = history
        .subjects_of(&teacher.id)
        .into_iter()
        .filter_map(|s| history.latest(&teacher.id, s))
        .collect();
    // (strength: lower is stronger, association, why)
    let mut out: Vec<(i64, &Association, Phrase)> = Vec::new();
    for a in associations {
        if a.is_member(&teacher.municipality_id, &teacher.id, today) {
            continue;
        }
        let by_subject = latest
            .iter()
            .find(|d| !a.subject.is_empty() && d.subject == a.subject && is_deficit(d.level));
        if let Some(d) = by_subject {
            out.push((
                i64::from(rank(d.level)),
                a,
                Phrase::new("rec-subject")
                    .subject("subject", &d.subject)
                    .text("level", d.level.code().to_uppercase())
                    .text("date", d.date.to_string()),
            ));
            continue;
        }
        let weakest = a
            .areas
            .iter()
            .flat_map(|area| {
                latest
                    .iter()
                    .filter_map(move |d| d.scores.get(area).map(|s| (area, *s)))
            })
            .filter(|(_, s)| *s < WEAK_AREA_SCORE)
            .min_by(|x, y| x.1.total_cmp(&y.1));
        if let Some((area, score)) = weakest {
            out.push((
                100 + (score * 100.0).round() as i64,
                a,
                Phrase::new("rec-area")
                    .named("area", &format!("area-{area}"), area)
                    .num("percent", (score * 100.0).round() as i64),
            ));
        }
    }
    out.sort_by(|x, y| (x.0, &x.1.id).cmp(&(y.0, &y.1.id)));
    out.into_iter().map(|(_, a, p)| (a, p)).collect()
}

/// The first and last day of a school year "2021-2022": 1 September to 31 August, as the
/// half-open range [1 Sep 2021, 1 Sep 2022).
pub fn school_year_range(year: &str) -> Option<(Date, Date)> {
    let (a, b) = parse_school_year(year)?;
    Some((Date::new(a, 9, 1).ok()?, Date::new(b, 9, 1).ok()?))
}

/// One school year of a municipality's participation in associations (seed 004: 58% -> 74%
/// -> 87% -> 95.7% of Sayansk's teachers).
#[derive(Debug, Clone, PartialEq)]
pub struct YearParticipation {
    pub school_year: String,
    /// The municipality's teachers that year: today's active ones and every one who was a
    /// member during the year (the registry keeps today's staff, not each year's).
    pub teachers: u32,
    /// Of them, members of at least one association during the year.
    pub members: u32,
}

impl YearParticipation {
    pub fn percent(&self) -> Option<f64> {
        (self.teachers > 0).then(|| f64::from(self.members) * 100.0 / f64::from(self.teachers))
    }
}

/// Participation of `municipality_id`'s teachers by school year, over every association that
/// has members from it (whoever keeps it).
pub fn participation(
    municipality_id: &str,
    teachers: &[crate::model::Teacher],
    associations: &[Association],
    years: &[String],
) -> Vec<YearParticipation> {
    let mut out = Vec::new();
    for y in years {
        let Some((from, to)) = school_year_range(y) else {
            continue;
        };
        let members: BTreeSet<&str> = associations
            .iter()
            .flat_map(|a| &a.members)
            .filter(|m| m.municipality_id == municipality_id && m.during(from, to))
            .map(|m| m.teacher_id.as_str())
            .collect();
        let staff = teachers
            .iter()
            .filter(|t| t.active || members.contains(t.id.as_str()))
            .count() as u32;
        let counted = teachers
            .iter()
            .filter(|t| members.contains(t.id.as_str()))
            .count() as u32;
        out.push(YearParticipation {
            school_year: y.clone(),
            teachers: staff,
            members: counted,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Teacher;

    fn day(s: &str) -> Date {
        s.parse().unwrap_or_default()
    }

    fn teacher(id: &str, active: bool) -> Teacher {
        Teacher {
            municipality_id: "sayansk".into(),
            id: id.into(),
            school_id: "s1".into(),
            full_name: id.into(),
            subjects: vec!["mathematics".into()],
            active,
            accepts_online: true,
            position: Default::default(),
            meta: Meta::new(jiff::Timestamp::UNIX_EPOCH),
        }
    }

    fn member(m: &str, t: &str, joined: &str, left: Option<&str>) -> Member {
        Member {
            municipality_id: m.into(),
            teacher_id: t.into(),
            joined_on: day(joined),
            left_on: left.map(day),
            leader: false,
        }
    }

    #[test]
    fn participation_counts_members_of_each_year_over_that_years_staff() {
        let teachers: Vec<Teacher> = (0..10).map(|i| teacher(&format!("t{i}"), i != 9)).collect();
        let a = Association {
            municipality_id: "sayansk".into(),
            id: "math".into(),
            kind: AssociationKind::Association,
            name: "ГПО учителей математики".into(),
            subject: "mathematics".into(),
            areas: vec![],
            problem: String::new(),
            modes: [Mode::InPerson].into_iter().collect(),
            reach: Reach::City,
            since_year: "2020-2021".into(),
            members: vec![
                member("sayansk", "t0", "2020-09-01", None),
                member("sayansk", "t1", "2020-10-01", Some("2021-05-01")),
                // Inactive now, a member then: counted in that year's staff and members.
                member("sayansk", "t9", "2020-09-15", Some("2021-06-01")),
                member("sayansk", "t2", "2021-09-01", None),
                // Another town's teacher: not Sayansk's participation.
                member("tulun", "x1", "2020-09-01", None),
            ],
            meta: Meta::new(jiff::Timestamp::UNIX_EPOCH),
        };
        let rows = participation(
            "sayansk",
            &teachers,
            &[a],
            &["2020-2021".into(), "2021-2022".into(), "bad".into()],
        );
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].members, rows[0].teachers), (3, 10));
        assert_eq!((rows[1].members, rows[1].teachers), (2, 9));
        assert_eq!(rows[1].percent().map(|p| (p * 10.0).round()), Some(222.0));
    }
}
