//! Management internship platforms and management diagnostics: the rules that need the store.

use peerlift_domain::{ManagementDiagnostic, Platform, School, SchoolStatus, Teacher, Violations};
use peerlift_store::{key, prefix, Store};

use crate::error::{ApiError, ApiResult};
use crate::state;

pub fn not_found(id: &str) -> ApiError {
    ApiError::NotFound {
        kind: "platform",
        id: id.to_string(),
    }
}

fn under(field: &str, v: Violations) -> ApiError {
    ApiError::Invalid(if field.is_empty() {
        v
    } else {
        v.prefixed(field)
    })
}

/// A platform runs at a leader school of its municipality, on a system direction that school
/// has no other active platform on; its curator, if named, exists.
pub fn check(s: &Store, p: &Platform, field: &str) -> ApiResult<()> {
    let muni = p.municipality_id.as_str();
    let catalog = state::catalog(s, muni)?;
    let mut v = match p.validate(&catalog) {
        Ok(()) => Violations::new(),
        Err(v) => v,
    };
    let valid = peerlift_domain::ids::is_valid_id;
    if valid(&p.school_id) {
        match s.get::<School>(&key(&[muni, &p.school_id]))? {
            None => v.add(
                "school_id",
                format!("no school '{}' in municipality '{muni}'", p.school_id),
            ),
            Some(x) if x.status != SchoolStatus::Leader => v.add(
                "school_id",
                format!(
                    "{} is not a leader school (status {}): platforms are fixed to leaders",
                    x.id,
                    x.status.code()
                ),
            ),
            Some(_) => {}
        }
    }
    if !p.curator_id.is_empty()
        && valid(&p.curator_id)
        && !s.contains::<peerlift_domain::Curator>(&key(&[muni, &p.curator_id]))?
    {
        v.add(
            "curator_id",
            format!("no curator '{}' in municipality '{muni}'", p.curator_id),
        );
    }
    if p.active {
        for x in s.scan::<Platform>(&prefix(&[muni]), None) {
            let x = x?;
            if x.id != p.id && x.active && x.school_id == p.school_id && x.direction == p.direction
            {
                v.add(
                    "direction",
                    format!(
                        "{} already runs platform {} on {}",
                        p.school_id, x.id, p.direction
                    ),
                );
            }
        }
    }
    v.into_result().map_err(|v| under(field, v))
}

/// A management diagnostic is of an administrator (director or deputy) of the school it
/// names.
pub fn check_diagnostic(s: &Store, d: &ManagementDiagnostic, field: &str) -> ApiResult<()> {
    let muni = d.municipality_id.as_str();
    let catalog = state::catalog(s, muni)?;
    let mut v = match d.validate(&catalog) {
        Ok(()) => Violations::new(),
        Err(v) => v,
    };
    let valid = peerlift_domain::ids::is_valid_id;
    if valid(&d.teacher_id) {
        match s.get::<Teacher>(&key(&[muni, &d.teacher_id]))? {
            None => v.add(
                "teacher_id",
                format!("no teacher '{}' in municipality '{muni}'", d.teacher_id),
            ),
            Some(t) if t.school_id != d.school_id => v.add(
                "teacher_id",
                format!("{} works at {}, not {}", t.id, t.school_id, d.school_id),
            ),
            Some(t) if !t.position.is_administrator() => v.add(
                "teacher_id",
                format!(
                    "{} is a {}: management diagnostics are of directors and deputies (set the teacher's position)",
                    t.id,
                    t.position.code()
                ),
            ),
            Some(_) => {}
        }
    }
    v.into_result().map_err(|v| under(field, v))
}
