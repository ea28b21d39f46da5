//! Internship platforms for management teams (seed 002, Krymsk): fixed to a leader school by
//! the office's order, each on one *system direction* of a school's management ("Система
//! работы школ с низкими образовательными результатами", ...), with a programme and a
//! capacity. A school's management team (its director and deputies) is matched to platforms
//! by the difficulties its management diagnostics found, in the same pipeline as every other
//! kind (`MatchKind::ManagementPlatforms`).

use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, CatalogKind};
use crate::ids::check_id;
use crate::matching::{parse_school_year, Order};
use crate::meta::{Meta, Versioned};
use crate::validate::{text, Violations};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Platform {
    pub municipality_id: String,
    pub id: String,
    /// The leader school that runs it.
    pub school_id: String,
    /// A system direction of the catalogue.
    pub direction: String,
    pub name: String,
    /// What the management teams do there (or a link to it).
    pub programme: String,
    /// How many schools' management teams it takes at once.
    pub capacity: u32,
    /// The curator of its direction, if assigned.
    pub curator_id: String,
    /// The order that fixed it to its school.
    pub order: Option<Order>,
    pub school_year: String,
    /// Inactive platforms keep their history but take no new teams.
    pub active: bool,
    pub meta: Meta,
}

impl Platform {
    pub fn validate(&self, catalog: &Catalog) -> Result<(), Violations> {
        let mut v = Violations::new();
        crate::ids::check_new_id(&mut v, "id", &self.id);
        check_id(&mut v, "school_id", &self.school_id);
        catalog.check(
            &mut v,
            "direction",
            CatalogKind::SystemDirection,
            &self.direction,
        );
        text(&mut v, "name", &self.name, true, 300);
        text(&mut v, "programme", &self.programme, false, 2000);
        if self.capacity == 0 || self.capacity > 100 {
            v.add("capacity", "must be 1 to 100 schools");
        }
        if !self.curator_id.is_empty() {
            check_id(&mut v, "curator_id", &self.curator_id);
        }
        if let Some(o) = &self.order {
            text(&mut v, "order.number", &o.number, true, 50);
        }
        if !self.school_year.is_empty() && parse_school_year(&self.school_year).is_none() {
            v.add(
                "school_year",
                "a school year reads 2020-2021 (two consecutive years)",
            );
        }
        v.into_result()
    }

    pub fn same_content(&self, other: &Platform) -> bool {
        let mut a = self.clone();
        a.meta = other.meta.clone();
        &a == other
    }
}

impl Versioned for Platform {
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
