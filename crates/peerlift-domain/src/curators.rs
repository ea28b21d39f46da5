//! Curators: the people an office assigns to look after schools.
//!
//! Seed 001 says every low-result school has its curator ("за каждой школой закреплены
//! кураторы"); seed 002 has curators per direction of its internship platforms. A curator is
//! usually a methodologist of the office, so the record names a person, not a token: the
//! `curator` role's scope points at this record and follows it when the office reassigns
//! schools, without reissuing the token.

use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, CatalogKind};
use crate::ids::check_id;
use crate::meta::{Meta, Versioned};
use crate::validate::{text, Violations};

/// Most schools one curator may hold: seed 001's curators hold a handful; a bound keeps one
/// record (and the scope check that reads it on every call) small.
pub const MAX_CURATED_SCHOOLS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Curator {
    pub municipality_id: String,
    pub id: String,
    pub full_name: String,
    /// What the person is, as the office writes it ("методист ИМЦ").
    pub position: String,
    /// The teacher record when the curator is also a teacher of the registry; empty otherwise.
    pub teacher_id: String,
    /// Schools of the municipality the curator looks after, in the office's order.
    pub schools: Vec<String>,
    /// Directions the curator looks after (mentoring directions or system directions).
    pub directions: Vec<String>,
    /// E-mail or phone, for the office's lists.
    pub contact: String,
    pub meta: Meta,
}

impl Curator {
    pub fn validate(&self, catalog: &Catalog) -> Result<(), Violations> {
        let mut v = Violations::new();
        crate::ids::check_new_id(&mut v, "id", &self.id);
        text(&mut v, "full_name", &self.full_name, true, 200);
        text(&mut v, "position", &self.position, false, 200);
        text(&mut v, "contact", &self.contact, false, 200);
        if !self.teacher_id.is_empty() {
            check_id(&mut v, "teacher_id", &self.teacher_id);
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, s) in self.schools.iter().enumerate() {
            let f = format!("schools[{i}]");
            check_id(&mut v, &f, s);
            if !seen.insert(s) {
                v.add(f, format!("'{s}' is listed twice"));
            }
        }
        if self.schools.len() > MAX_CURATED_SCHOOLS {
            v.add(
                "schools",
                format!("at most {MAX_CURATED_SCHOOLS} schools per curator"),
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, d) in self.directions.iter().enumerate() {
            let f = format!("directions[{i}]");
            if !(catalog.contains(CatalogKind::Direction, d)
                || catalog.contains(CatalogKind::SystemDirection, d))
            {
                catalog.check(&mut v, &f, CatalogKind::Direction, d);
            }
            if !seen.insert(d) {
                v.add(f, format!("'{d}' is listed twice"));
            }
        }
        if self.schools.is_empty() && self.directions.is_empty() {
            v.add(
                "schools",
                "a curator looks after at least one school or one direction",
            );
        }
        v.into_result()
    }

    pub fn same_content(&self, other: &Curator) -> bool {
        let mut a = self.clone();
        a.meta = other.meta.clone();
        &a == other
    }

    /// Whether the curator looks after this school.
    pub fn curates(&self, school_id: &str) -> bool {
        self.schools.iter().any(|s| s == school_id)
    }
}

impl Versioned for Curator {
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
