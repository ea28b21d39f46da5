//! `update_mask` (AIP-134): an Update changes only the fields its mask names.
//!
//! Without a mask (or with `*`) an Update replaces the whole resource, as it always did. With
//! one, the stored resource is read, the named fields are taken from the request, and the
//! result goes through the same conversion and rules as a whole replacement, so a partial
//! update can never store what a full one could not. Identity fields (ids, the
//! municipality) and the etag always come from the request.

use prost_types::FieldMask;

use crate::error::{ApiError, ApiResult};
use crate::pb;

/// A field a mask may name, and how to copy it.
pub type Field<T> = (&'static str, fn(&mut T, &T));

macro_rules! fields {
    ($t:ty: $($f:ident),* $(,)?) => {
        &[$((stringify!($f), (|c: &mut $t, g: &$t| c.$f = g.$f.clone()) as fn(&mut $t, &$t))),*]
    };
}

pub const MUNICIPALITY: &[Field<pb::Municipality>] =
    fields!(pb::Municipality: name, region, time_zone);
pub const SCHOOL: &[Field<pb::School>] = fields!(pb::School:
    name, kind, status, flags, programme_tags, locality, location, risk_profile,
    partner_capacity, platforms, status_since);
pub const TEACHER: &[Field<pb::Teacher>] =
    fields!(pb::Teacher: school_id, full_name, subjects, active, accepts_online, position);
pub const MENTOR_PROFILE: &[Field<pb::MentorProfile>] = fields!(pb::MentorProfile:
    subjects, directions, capacity, modes, availability);
pub const DIAGNOSTIC: &[Field<pb::Diagnostic>] =
    fields!(pb::Diagnostic: teacher_id, subject, date, level, scores, source);
pub const SESSION: &[Field<pb::Session>] = fields!(pb::Session:
    kind, start, duration_minutes, mode, school_id, place, mentee_ids, topics, materials);
pub const SCHEDULE_SETTINGS: &[Field<pb::ScheduleSettings>] = fields!(pb::ScheduleSettings:
    methodical_days, non_working_days, frequencies, travel_speed_kmh, travel_buffer_minutes);
pub const REMATCH_POLICY: &[Field<pb::RematchPolicy>] = fields!(pb::RematchPolicy:
    enabled, schedule, kinds, churn_budget, auto_approve, weights, policy, max_minutes);

/// Whether a request's mask asks for a partial update.
pub fn partial(mask: Option<&FieldMask>) -> Option<&FieldMask> {
    mask.filter(|m| !m.paths.is_empty() && !m.paths.iter().any(|p| p == "*"))
}

/// `stored` with the fields `mask` names taken from `given`; `identity` copies what always
/// comes from the request (ids, etag).
pub fn merge<T>(
    stored: T,
    given: T,
    mask: &FieldMask,
    fields: &[Field<T>],
    identity: fn(&mut T, &T),
) -> ApiResult<T> {
    let mut out = stored;
    let mut bad = peerlift_domain::Violations::new();
    for (i, path) in mask.paths.iter().enumerate() {
        match fields.iter().find(|(name, _)| name == path) {
            Some((_, copy)) => copy(&mut out, &given),
            None => bad.add(
                format!("update_mask.paths[{i}]"),
                format!(
                    "'{path}' is not a field this update may change (it may change: {})",
                    fields
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        }
    }
    bad.into_result().map_err(ApiError::Invalid)?;
    identity(&mut out, &given);
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn only_masked_fields_change_and_unknown_paths_are_named() {
        let stored = pb::Teacher {
            id: "t1".into(),
            school_id: "s1".into(),
            full_name: "Old".into(),
            subjects: vec!["mathematics".into()],
            etag: "3".into(),
            ..Default::default()
        };
        let given = pb::Teacher {
            id: "t1".into(),
            full_name: "New".into(),
            etag: "3".into(),
            ..Default::default()
        };
        let mask = FieldMask {
            paths: vec!["full_name".into()],
        };
        let out = merge(stored.clone(), given.clone(), &mask, TEACHER, |o, g| {
            o.etag = g.etag.clone()
        })
        .unwrap();
        assert_eq!(
            (
                out.full_name.as_str(),
                out.school_id.as_str(),
                out.subjects.len()
            ),
            ("New", "s1", 1)
        );
        let bad = FieldMask {
            paths: vec!["full_name".into(), "id".into()],
        };
        let err = merge(stored, given, &bad, TEACHER, |_, _| {}).unwrap_err();
        assert!(matches!(err, ApiError::Invalid(v) if v.0[0].field == "update_mask.paths[1]"));
        assert!(partial(Some(&FieldMask {
            paths: vec!["*".into()]
        }))
        .is_none());
    }
}
