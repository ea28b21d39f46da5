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
