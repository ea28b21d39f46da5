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

/// A diagnosis of one administrator's management competences (seed 002: "диагностика
/// управленческих команд"): a share mastered, 0 to 1, per system direction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManagementDiagnostic {
    pub municipality_id: String,
    pub id: String,
    pub school_id: String,
    /// The administrator (a director or deputy of the school).
    pub teacher_id: String,
    pub date: jiff::civil::Date,
    /// System-direction code -> share mastered.
    pub scores: std::collections::BTreeMap<String, f64>,
    /// Who produced it ("Krymsk methodology centre, autumn 2022").
    pub source: String,
    pub meta: Meta,
}

/// A direction whose share mastered by the management team is below this is a difficulty a
/// platform can help with.
pub const DIFFICULTY_BELOW: f64 = 0.5;
/// Below this, the difficulty is severe: covering it comes first (as A-level deficits do).
pub const SEVERE_BELOW: f64 = 0.25;

impl ManagementDiagnostic {
    /// The id the service gives one when the client supplies none: one per administrator and
    /// date, so re-recording a round is idempotent.
    pub fn derived_id(teacher_id: &str, date: jiff::civil::Date) -> String {
        format!("{teacher_id}.management.{date}")
    }

    pub fn validate(&self, catalog: &Catalog) -> Result<(), Violations> {
        let mut v = Violations::new();
        crate::ids::check_new_id(&mut v, "id", &self.id);
        check_id(&mut v, "school_id", &self.school_id);
        check_id(&mut v, "teacher_id", &self.teacher_id);
        text(&mut v, "source", &self.source, false, 300);
        if self.scores.is_empty() {
            v.add("scores", "score at least one system direction");
        }
        for (d, s) in &self.scores {
            let f = format!("scores[{d}]");
            catalog.check(&mut v, &f, CatalogKind::SystemDirection, d);
            if !(s.is_finite() && (0.0..=1.0).contains(s)) {
                v.add(f, "score must be between 0 and 1");
            }
        }
        v.into_result()
    }
}

impl Versioned for ManagementDiagnostic {
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

/// A school's management difficulties: for each system direction, the lowest share any of its
/// administrators' latest diagnostics gives, where that is below [`DIFFICULTY_BELOW`].
pub fn difficulties<'a>(
    school_id: &str,
    diagnostics: impl IntoIterator<Item = &'a ManagementDiagnostic>,
) -> std::collections::BTreeMap<String, f64> {
    let mut latest: std::collections::BTreeMap<&str, &ManagementDiagnostic> = Default::default();
    for d in diagnostics {
        if d.school_id != school_id {
            continue;
        }
        let e = latest.entry(d.teacher_id.as_str()).or_insert(d);
        if (d.date, &d.id) > (e.date, &e.id) {
            *e = d;
        }
    }
    let mut out: std::collections::BTreeMap<String, f64> = Default::default();
    for d in latest.values() {
        for (dir, s) in &d.scores {
            let e = out.entry(dir.clone()).or_insert(*s);
            *e = e.min(*s);
        }
    }
    out.retain(|_, s| *s < DIFFICULTY_BELOW);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag(teacher: &str, date: &str, scores: &[(&str, f64)]) -> ManagementDiagnostic {
        ManagementDiagnostic {
            municipality_id: "krymsk".into(),
            id: format!("{teacher}.{date}"),
            school_id: "s1".into(),
            teacher_id: teacher.into(),
            date: date.parse().unwrap_or_default(),
            scores: scores.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            source: String::new(),
            meta: Meta::new(jiff::Timestamp::UNIX_EPOCH),
        }
    }

    #[test]
    fn a_teams_difficulty_is_its_weakest_latest_score_below_half() {
        let ds = [
            // The director's older round does not count once re-diagnosed.
            diag("dir", "2021-10-01", &[("sys_low_results", 0.1)]),
            diag(
                "dir",
                "2022-10-01",
                &[("sys_low_results", 0.6), ("sys_talents", 0.4)],
            ),
            diag(
                "dep",
                "2022-10-05",
                &[("sys_low_results", 0.3), ("sys_talents", 0.45)],
            ),
        ];
        let got = difficulties("s1", &ds);
        assert_eq!(
            got.into_iter().collect::<Vec<_>>(),
            [
                ("sys_low_results".to_string(), 0.3),
                ("sys_talents".to_string(), 0.4)
            ]
        );
        assert!(difficulties("other", &ds).is_empty());
    }
}
