//! Explicit conversions between protobuf messages and domain records.
//!
//! `*_to_pb` cannot fail. `*_from_pb` checks what the wire allows but the domain type cannot
//! express (unset enums, out-of-range numbers, unparsable dates) and then runs the domain's own
//! validation, returning every violation with its path relative to the resource.
//!
//! Enums map by position: protobuf value `n` is the domain's `ALL[n - 1]`. Both sides list the
//! variants in the same order, which the tests below check by name.

use std::collections::BTreeSet;

use jiff::civil::Date;
use jiff::Timestamp;
use peerlift_domain::{
    Catalog, CatalogKind, Diagnostic, GeoPoint, Level, MentorProfile, Meta, Mode, Municipality,
    RiskFactor, RiskProfile, School, SchoolFlag, SchoolKind, SchoolStatus, Significance,
    StaffPosition, Teacher, Violations, Weekday, Window,
};

use crate::pb;

pub fn ts(t: Timestamp) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.as_second(),
        nanos: t.subsec_nanosecond(),
    }
}

/// Domain enum -> protobuf value.
pub fn enum_to_pb<T: PartialEq>(all: &[T], x: &T) -> i32 {
    all.iter()
        .position(|y| y == x)
        .map(|i| i as i32 + 1)
        .unwrap_or(0)
}

/// Protobuf value -> domain enum; None for UNSPECIFIED and unknown values.
pub fn enum_from_pb<T: Copy>(all: &[T], v: i32) -> Option<T> {
    if v >= 1 {
        all.get((v - 1) as usize).copied()
    } else {
        None
    }
}

pub fn required_enum<T: Copy>(v: &mut Violations, field: &str, all: &[T], value: i32) -> Option<T> {
    let out = enum_from_pb(all, value);
    if out.is_none() {
        if value == 0 {
            v.add(field, "must be set");
        } else {
            v.add(field, format!("{value} is not a known value"));
        }
    }
    out
}

/// Parses an ISO date; records a violation on failure.
pub fn parse_date(v: &mut Violations, field: &str, s: &str) -> Option<Date> {
    match s.parse::<Date>() {
        // jiff also reads a date-time as its date ("2023-01-01T10:00"), silently dropping the
        // time the client meant: only the plain date is accepted.
        Ok(d) if d.to_string() == s => Some(d),
        _ => {
            v.add(field, format!("'{s}' is not a date like 2023-09-01"));
            None
        }
    }
}

/// A resource in a request may repeat the request's municipality, but not name another.
pub(crate) fn check_municipality(v: &mut Violations, given: &str, scope: &str) {
    if !given.is_empty() && given != scope {
        v.add(
            "municipality_id",
            format!("is '{given}' but the request is for '{scope}'; leave it empty"),
        );
    }
}

pub(crate) fn placeholder_meta() -> Meta {
    Meta::new(Timestamp::UNIX_EPOCH)
}

// ---- municipality ----

pub fn municipality_to_pb(m: &Municipality) -> pb::Municipality {
    pb::Municipality {
        id: m.id.clone(),
        name: m.name.clone(),
        region: m.region.clone(),
        time_zone: m.time_zone.clone(),
        etag: m.meta.etag(),
        create_time: Some(ts(m.meta.create_time)),
        update_time: Some(ts(m.meta.update_time)),
    }
}

pub fn municipality_from_pb(m: pb::Municipality) -> Result<Municipality, Violations> {
    let out = Municipality {
        id: m.id,
        name: m.name,
        region: m.region,
        time_zone: if m.time_zone.is_empty() {
            peerlift_domain::csvfmt::DEFAULT_TIME_ZONE.to_string()
        } else {
            m.time_zone
        },
        meta: placeholder_meta(),
    };
    let mut v = Violations::new();
    if let Err(e) = out.validate() {
        v.extend(e);
    }
    if v.is_empty() && jiff::tz::TimeZone::get(&out.time_zone).is_err() {
        v.add(
            "time_zone",
            format!("'{}' is not a known IANA time zone", out.time_zone),
        );
    }
    v.into_result()?;
    Ok(out)
}

// ---- school ----

pub fn school_to_pb(s: &School) -> pb::School {
    pb::School {
        municipality_id: s.municipality_id.clone(),
        id: s.id.clone(),
        name: s.name.clone(),
        kind: enum_to_pb(SchoolKind::ALL, &s.kind),
        status: enum_to_pb(SchoolStatus::ALL, &s.status),
        flags: s
            .flags
            .iter()
            .map(|f| enum_to_pb(SchoolFlag::ALL, f))
            .collect(),
        programme_tags: s.programme_tags.iter().cloned().collect(),
        locality: s.locality.clone(),
        location: s.location.map(|p| pb::GeoPoint {
            lat: p.lat,
            lon: p.lon,
        }),
        risk_profile: RiskFactor::ALL
            .iter()
            .zip(s.risk_profile.0.iter())
            .map(|(f, sig)| pb::RiskFactorValue {
                factor: enum_to_pb(RiskFactor::ALL, f),
                significance: enum_to_pb(Significance::ALL, sig),
            })
            .collect(),
        partner_capacity: s.partner_capacity,
        platforms: s.platforms.clone().into_iter().collect(),
        curator_ids: Vec::new(),
        status_history: s
            .status_history
            .iter()
            .map(|h| pb::StatusChange {
                status: enum_to_pb(SchoolStatus::ALL, &h.status),
                since: h.since.to_string(),
            })
            .collect(),
        status_since: String::new(),
        etag: s.meta.etag(),
        create_time: Some(ts(s.meta.create_time)),
        update_time: Some(ts(s.meta.update_time)),
    }
}

/// A school from a request, with the optional date its status took effect.
pub fn school_from_pb(scope: &str, s: pb::School) -> Result<(School, Option<Date>), Violations> {
    let mut v = Violations::new();
    check_municipality(&mut v, &s.municipality_id, scope);
    let kind = required_enum(&mut v, "kind", SchoolKind::ALL, s.kind);
    let status = required_enum(&mut v, "status", SchoolStatus::ALL, s.status);
    let mut flags = BTreeSet::new();
    for (i, f) in s.flags.iter().enumerate() {
        if let Some(f) = required_enum(&mut v, &format!("flags[{i}]"), SchoolFlag::ALL, *f) {
            flags.insert(f);
        }
    }
    let mut risk = RiskProfile::default();
    let mut seen = BTreeSet::new();
    for (i, r) in s.risk_profile.iter().enumerate() {
        let field = format!("risk_profile[{i}]");
        let factor = required_enum(
            &mut v,
            &format!("{field}.factor"),
            RiskFactor::ALL,
            r.factor,
        );
        let sig = required_enum(
            &mut v,
            &format!("{field}.significance"),
            Significance::ALL,
            r.significance,
        );
        if let (Some(f), Some(sig)) = (factor, sig) {
            if !seen.insert(f) {
                v.add(
                    format!("{field}.factor"),
                    format!("{} is listed twice", f.code()),
                );
            }
            let idx = RiskFactor::ALL.iter().position(|x| *x == f).unwrap_or(0);
            risk.0[idx] = sig;
        }
    }
    let since = if s.status_since.is_empty() {
        None
    } else {
        parse_date(&mut v, "status_since", &s.status_since)
    };
    let mut tags = BTreeSet::new();
    for (i, t) in s.programme_tags.into_iter().enumerate() {
        if !tags.insert(t.clone()) {
            v.add(
                format!("programme_tags[{i}]"),
                format!("'{t}' is listed twice"),
            );
        }
    }
    // Placeholders for unset enums let the rest be validated too: one round trip names every
    // bad field. They never escape, since `v` already holds the enum's violation.
    let school = School {
        municipality_id: scope.to_string(),
        id: s.id,
        name: s.name,
        kind: kind.unwrap_or(SchoolKind::Other),
        status: status.unwrap_or(SchoolStatus::Stable),
        flags,
        programme_tags: tags,
        locality: s.locality,
        location: s.location.map(|p| GeoPoint {
            lat: p.lat,
            lon: p.lon,
        }),
        risk_profile: risk,
        partner_capacity: s.partner_capacity,
        platforms: s.platforms.into_iter().collect(),
        status_history: Vec::new(),
        meta: placeholder_meta(),
    };
    if let Err(e) = school.validate() {
        v.extend(e);
    }
    v.into_result()?;
    Ok((school, since))
}

// ---- teacher ----

pub fn teacher_to_pb(t: &Teacher) -> pb::Teacher {
    pb::Teacher {
        municipality_id: t.municipality_id.clone(),
        id: t.id.clone(),
        school_id: t.school_id.clone(),
        full_name: t.full_name.clone(),
        subjects: t.subjects.clone(),
        active: Some(t.active),
        accepts_online: Some(t.accepts_online),
        position: enum_to_pb(StaffPosition::ALL, &t.position),
        etag: t.meta.etag(),
        create_time: Some(ts(t.meta.create_time)),
        update_time: Some(ts(t.meta.update_time)),
    }
}

/// Optional booleans of a teacher request: None where the request left them unset.
#[derive(Debug, Clone, Copy)]
pub struct TeacherFlags {
    pub active: Option<bool>,
    pub accepts_online: Option<bool>,
    pub position: Option<StaffPosition>,
}

/// A teacher from a request, with which optional flags it set.
pub fn teacher_from_pb(
    scope: &str,
    catalog: &Catalog,
    t: pb::Teacher,
) -> Result<(Teacher, TeacherFlags), Violations> {
    let mut v = Violations::new();
    check_municipality(&mut v, &t.municipality_id, scope);
    let position = match t.position {
        0 => None,
        x => required_enum(&mut v, "position", StaffPosition::ALL, x),
    };
    let teacher = Teacher {
        municipality_id: scope.to_string(),
        id: t.id,
        school_id: t.school_id,
        full_name: t.full_name,
        subjects: t.subjects,
        active: t.active.unwrap_or(true),
        accepts_online: t.accepts_online.unwrap_or(true),
        position: position.unwrap_or_default(),
        meta: placeholder_meta(),
    };
    if let Err(e) = teacher.validate(catalog) {
        v.extend(e);
    }
    v.into_result()?;
    Ok((
        teacher,
        TeacherFlags {
            active: t.active,
            accepts_online: t.accepts_online,
            position,
        },
    ))
}

// ---- mentor profile ----

pub fn window_to_pb(w: &Window) -> pb::AvailabilityWindow {
    pb::AvailabilityWindow {
        weekday: enum_to_pb(Weekday::ALL, &w.weekday),
        start_minute: u32::from(w.start_minute),
        end_minute: u32::from(w.end_minute),
    }
}

/// Weekly windows from the wire; each bad one is named (`availability[2].weekday`).
pub fn windows_from_pb(
    v: &mut Violations,
    name: &str,
    list: &[pb::AvailabilityWindow],
) -> Vec<Window> {
    let mut out = Vec::new();
    for (i, w) in list.iter().enumerate() {
        let field = format!("{name}[{i}]");
        let day = required_enum(v, &format!("{field}.weekday"), Weekday::ALL, w.weekday);
        let minute = |v: &mut Violations, part: &str, x: u32| -> Option<u16> {
            if x > 24 * 60 {
                v.add(
                    format!("{field}.{part}"),
                    "must be a minute of the day, 0-1440",
                );
                None
            } else {
                u16::try_from(x).ok()
            }
        };
        let start = minute(v, "start_minute", w.start_minute);
        let end = minute(v, "end_minute", w.end_minute);
        if let (Some(s), Some(e)) = (start, end) {
            if e <= s {
                // Worded and named as the record's own rule, which `merge_violations` then
                // does not repeat.
                v.add(field.clone(), "must end after it starts, within one day");
            }
        }
        // Every window keeps its place, so what the record's own rules find later is named
        // at the index the client sent; a window with an unreadable part stands in as an
        // empty one, which overlaps nothing and whose complaints `merge_violations` drops.
        match (day, start, end) {
            (Some(weekday), Some(start_minute), Some(end_minute)) => out.push(Window {
                weekday,
                start_minute,
                end_minute,
            }),
            _ => out.push(Window {
                weekday: day.unwrap_or(Weekday::Sunday),
                start_minute: 0,
                end_minute: 0,
            }),
        }
    }
    out
}

/// Adds the record's own violations to those conversion found, except for fields already
/// named (an unknown mode also makes the list of modes empty: one complaint, not two).
pub fn merge_violations(v: &mut Violations, more: Violations) {
    for x in more.0 {
        let named = v.0.iter().any(|y| {
            y.field == x.field
                || y.field.starts_with(&format!("{}[", x.field))
                || y.field.starts_with(&format!("{}.", x.field))
        });
        if !named {
            v.0.push(x);
        }
    }
}

pub fn mentor_profile_to_pb(p: &MentorProfile) -> pb::MentorProfile {
    pb::MentorProfile {
        municipality_id: p.municipality_id.clone(),
        teacher_id: p.teacher_id.clone(),
        subjects: p.subjects.clone(),
        directions: p.directions.clone(),
        capacity: p.capacity,
        modes: p.modes.iter().map(|m| enum_to_pb(Mode::ALL, m)).collect(),
        availability: p.availability.iter().map(window_to_pb).collect(),
        etag: p.meta.etag(),
        create_time: Some(ts(p.meta.create_time)),
        update_time: Some(ts(p.meta.update_time)),
    }
}

pub fn mentor_profile_from_pb(
    scope: &str,
    catalog: &Catalog,
    p: pb::MentorProfile,
) -> Result<MentorProfile, Violations> {
    let mut v = Violations::new();
    check_municipality(&mut v, &p.municipality_id, scope);
    let mut modes = BTreeSet::new();
    for (i, m) in p.modes.iter().enumerate() {
        let field = format!("modes[{i}]");
        if let Some(m) = required_enum(&mut v, &field, Mode::ALL, *m) {
            if !modes.insert(m) {
                v.add(field, format!("{} is listed twice", m.code()));
            }
        }
    }
    // Every violation of the request in one answer: conversion goes on past a bad field.
    let availability = windows_from_pb(&mut v, "availability", &p.availability);
    let mut profile = MentorProfile {
        municipality_id: scope.to_string(),
        teacher_id: p.teacher_id,
        subjects: p.subjects,
        directions: p.directions,
        capacity: p.capacity,
        modes,
        availability,
        meta: placeholder_meta(),
    };
    if let Err(e) = profile.validate(catalog) {
        merge_violations(&mut v, e);
    }
    profile.normalise();
    v.into_result()?;
    Ok(profile)
}

// ---- diagnostic ----

pub fn diagnostic_to_pb(d: &Diagnostic) -> pb::Diagnostic {
    pb::Diagnostic {
        municipality_id: d.municipality_id.clone(),
        id: d.id.clone(),
        teacher_id: d.teacher_id.clone(),
        subject: d.subject.clone(),
        date: d.date.to_string(),
        level: enum_to_pb(Level::ALL, &d.level),
        scores: d.scores.clone(),
        source: d.source.clone(),
        etag: d.meta.etag(),
        create_time: Some(ts(d.meta.create_time)),
        update_time: Some(ts(d.meta.update_time)),
    }
}

pub fn diagnostic_from_pb(
    scope: &str,
    catalog: &Catalog,
    d: pb::Diagnostic,
) -> Result<Diagnostic, Violations> {
    let mut v = Violations::new();
    check_municipality(&mut v, &d.municipality_id, scope);
    let level = required_enum(&mut v, "level", Level::ALL, d.level);
    let date = if d.date.is_empty() {
        v.add("date", "must be set");
        None
    } else {
        parse_date(&mut v, "date", &d.date)
    };
    // As for schools: placeholders so the other fields are checked in the same round trip.
    let date_or_placeholder = date.unwrap_or(Date::constant(2000, 1, 1));
    let id = if d.id.is_empty() {
        Diagnostic::derived_id(&d.teacher_id, &d.subject, date_or_placeholder)
    } else {
        d.id
    };
    let diag = Diagnostic {
        municipality_id: scope.to_string(),
        id,
        teacher_id: d.teacher_id,
        subject: d.subject,
        date: date_or_placeholder,
        level: level.unwrap_or(Level::D),
        scores: d.scores,
        source: d.source,
        meta: placeholder_meta(),
    };
    if let Err(e) = diag.validate(catalog) {
        v.extend(e);
    }
    v.into_result()?;
    Ok(diag)
}

pub fn catalog_kind_from_pb(v: i32) -> Option<CatalogKind> {
    enum_from_pb(&CatalogKind::ALL, v)
}

pub fn catalog_kind_to_pb(k: CatalogKind) -> i32 {
    enum_to_pb(&CatalogKind::ALL, &k)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `LowResults` -> `LOW_RESULTS`.
    fn screaming(name: &str) -> String {
        let mut out = String::new();
        for (i, c) in name.chars().enumerate() {
            if c.is_uppercase() && i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_uppercase());
        }
        out
    }

    fn same_order<T: std::fmt::Debug>(all: &[T], pb_name: impl Fn(i32) -> Option<String>) {
        for (i, x) in all.iter().enumerate() {
            let name = pb_name(i as i32 + 1).unwrap_or_default();
            assert!(
                name.ends_with(&screaming(&format!("{x:?}"))),
                "{name} vs {x:?}"
            );
        }
        assert!(
            pb_name(all.len() as i32 + 1).is_none(),
            "protobuf has more values"
        );
    }

    #[test]
    fn enums_map_by_name() {
        let n = |s: &str| Some(s.to_string());
        same_order(SchoolKind::ALL, |v| {
            pb::SchoolKind::try_from(v)
                .ok()
                .and_then(|x| n(x.as_str_name()))
        });
        same_order(SchoolStatus::ALL, |v| {
            pb::SchoolStatus::try_from(v)
                .ok()
                .and_then(|x| n(x.as_str_name()))
        });
        same_order(SchoolFlag::ALL, |v| {
            pb::SchoolFlag::try_from(v)
                .ok()
                .and_then(|x| n(x.as_str_name()))
        });
        same_order(Significance::ALL, |v| {
            pb::Significance::try_from(v)
                .ok()
                .and_then(|x| n(x.as_str_name()))
        });
        same_order(RiskFactor::ALL, |v| {
            pb::RiskFactor::try_from(v)
                .ok()
                .and_then(|x| n(x.as_str_name()))
        });
        same_order(Level::ALL, |v| {
            pb::Level::try_from(v).ok().and_then(|x| n(x.as_str_name()))
        });
        same_order(Mode::ALL, |v| {
            pb::Mode::try_from(v).ok().and_then(|x| n(x.as_str_name()))
        });
        same_order(Weekday::ALL, |v| {
            pb::Weekday::try_from(v)
                .ok()
                .and_then(|x| n(x.as_str_name()))
        });
        same_order(&CatalogKind::ALL, |v| {
            pb::CatalogKind::try_from(v)
                .ok()
                .and_then(|x| n(x.as_str_name()))
        });
    }

    #[test]
    fn unset_enums_are_named() {
        let err = school_from_pb(
            "m",
            pb::School {
                id: "s".into(),
                name: "S".into(),
                ..Default::default()
            },
        )
        .unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["kind", "status"]);
    }

    #[test]
    fn school_roundtrips_through_pb() {
        let (s, _) = school_from_pb(
            "m",
            pb::School {
                id: "s1".into(),
                name: "School".into(),
                kind: 2,
                status: 1,
                flags: vec![1],
                risk_profile: vec![pb::RiskFactorValue {
                    factor: 6,
                    significance: 4,
                }],
                location: Some(pb::GeoPoint {
                    lat: 59.9,
                    lon: 31.0,
                }),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(
            s.risk_profile.get(RiskFactor::LowMotivation),
            Significance::High
        );
        let (back, _) = school_from_pb("m", school_to_pb(&s)).unwrap();
        assert!(back.same_content(&s));
    }
}
