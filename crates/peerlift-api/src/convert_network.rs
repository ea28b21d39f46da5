//! Conversions of the network's other resources: curators (and the curator's view),
//! municipal events, associations, management platforms and diagnostics.

use peerlift_domain::{
    Association, AssociationKind, Curator, Event, EventFeedback, EventStatus, ManagementDiagnostic,
    Member, Mode, Order, OrganiserKind, Platform, Reach, Violations,
};
use peerlift_text::Lang;

use crate::app::curators::{CuratedSchool, View};
use crate::convert::{enum_to_pb, placeholder_meta, required_enum, school_to_pb, ts};
use crate::convert_match::mentorship_to_pb;
use crate::convert_sessions::{counts_to_pb, parse_start, summary_to_pb};
use crate::pb;

pub fn curator_to_pb(c: &Curator) -> pb::Curator {
    pb::Curator {
        municipality_id: c.municipality_id.clone(),
        id: c.id.clone(),
        full_name: c.full_name.clone(),
        position: c.position.clone(),
        teacher_id: c.teacher_id.clone(),
        schools: c.schools.clone(),
        directions: c.directions.clone(),
        contact: c.contact.clone(),
        etag: c.meta.etag(),
        create_time: Some(ts(c.meta.create_time)),
        update_time: Some(ts(c.meta.update_time)),
    }
}

/// The record a request gives. Only the wire is checked here: the app layer validates the
/// record and its references together (`app::curators::check`), so one answer names every
/// bad field.
pub fn curator_from_pb(scope: &str, c: pb::Curator) -> Result<Curator, Violations> {
    let mut v = Violations::new();
    crate::convert::check_municipality(&mut v, &c.municipality_id, scope);
    let out = Curator {
        municipality_id: scope.to_string(),
        id: c.id,
        full_name: c.full_name,
        position: c.position,
        teacher_id: c.teacher_id,
        schools: c.schools,
        directions: c.directions,
        contact: c.contact,
        meta: placeholder_meta(),
    };
    v.into_result().map(|()| out)
}

fn curated_to_pb(c: &CuratedSchool, lang: Lang) -> pb::CuratedSchool {
    let mut school = school_to_pb(&c.school);
    school.curator_ids = c.curator_ids.clone();
    pb::CuratedSchool {
        school: Some(school),
        curator_ids: c.curator_ids.clone(),
        mentorships: c
            .mentorships
            .iter()
            .map(|m| mentorship_to_pb(m, lang))
            .collect(),
        sessions: Some(counts_to_pb(&c.sessions)),
        progress: Some(summary_to_pb(&c.progress)),
        left_low_results: c.left_low_results,
    }
}

pub fn view_to_pb(v: &View, lang: Lang) -> pb::CuratorView {
    pb::CuratorView {
        curator: Some(curator_to_pb(&v.curator)),
        schools: v.schools.iter().map(|c| curated_to_pb(c, lang)).collect(),
        missing_schools: v.missing.clone(),
    }
}

pub fn event_to_pb(e: &Event, invited_count: u32) -> pb::Event {
    pb::Event {
        municipality_id: e.municipality_id.clone(),
        id: e.id.clone(),
        kind: e.kind.clone(),
        title: e.title.clone(),
        start: e.start_key(),
        duration_minutes: u32::from(e.duration_minutes),
        mode: enum_to_pb(Mode::ALL, &e.mode),
        host_school_id: e.host_school_id.clone(),
        place: e.place.clone(),
        organiser: enum_to_pb(OrganiserKind::ALL, &e.organiser),
        organiser_id: e.organiser_id.clone(),
        directions: e.directions.clone(),
        topics: e.topics.clone(),
        invited_schools: e.invited_schools.clone(),
        invited_teachers: e.invited_teachers.clone(),
        leaders: e.leaders.clone(),
        registered: e.registered.clone(),
        capacity: e.capacity,
        status: enum_to_pb(EventStatus::ALL, &e.status),
        attended: e.attended.clone(),
        materials: e.materials.clone(),
        feedback: e
            .feedback
            .iter()
            .map(|f| pb::EventFeedback {
                teacher_id: f.teacher_id.clone(),
                rating: u32::from(f.rating),
                comment: f.comment.clone(),
            })
            .collect(),
        status_reason: e.status_reason.clone(),
        invited_count,
        etag: e.meta.etag(),
        create_time: Some(ts(e.meta.create_time)),
        update_time: Some(ts(e.meta.update_time)),
    }
}

/// The event a request gives: the wire is checked here (times, enums, ratings), the record
/// and its references by the app layer.
pub fn event_from_pb(scope: &str, e: pb::Event) -> Result<Event, Violations> {
    let mut v = Violations::new();
    crate::convert::check_municipality(&mut v, &e.municipality_id, scope);
    let start = parse_start(&mut v, "start", &e.start);
    let mode = required_enum(&mut v, "mode", Mode::ALL, e.mode);
    let organiser = if e.organiser == 0 {
        Some(OrganiserKind::Office)
    } else {
        required_enum(&mut v, "organiser", OrganiserKind::ALL, e.organiser)
    };
    let status = if e.status == 0 {
        Some(EventStatus::Planned)
    } else {
        required_enum(&mut v, "status", EventStatus::ALL, e.status)
    };
    let duration = u16::try_from(e.duration_minutes).unwrap_or(u16::MAX);
    let mut feedback = Vec::new();
    for (i, f) in e.feedback.into_iter().enumerate() {
        let rating = u8::try_from(f.rating).unwrap_or(u8::MAX);
        if rating == u8::MAX {
            v.add(format!("feedback[{i}].rating"), "must be 1 to 5");
        }
        feedback.push(EventFeedback {
            teacher_id: f.teacher_id,
            rating,
            comment: f.comment,
        });
    }
    let (Some(start), Some(mode), Some(organiser), Some(status)) = (start, mode, organiser, status)
    else {
        return Err(v);
    };
    let out = Event {
        municipality_id: scope.to_string(),
        id: e.id,
        kind: e.kind,
        title: e.title,
        start,
        duration_minutes: duration,
        mode,
        host_school_id: e.host_school_id,
        place: e.place,
        organiser,
        organiser_id: e.organiser_id,
        directions: e.directions,
        topics: e.topics,
        invited_schools: e.invited_schools,
        invited_teachers: e.invited_teachers,
        leaders: e.leaders,
        registered: e.registered,
        capacity: e.capacity,
        status,
        attended: e.attended,
        materials: e.materials,
        feedback,
        status_reason: e.status_reason,
        meta: placeholder_meta(),
    };
    v.into_result().map(|()| out)
}

pub fn association_to_pb(a: &Association, today: jiff::civil::Date) -> pb::Association {
    pb::Association {
        municipality_id: a.municipality_id.clone(),
        id: a.id.clone(),
        kind: enum_to_pb(AssociationKind::ALL, &a.kind),
        name: a.name.clone(),
        subject: a.subject.clone(),
        areas: a.areas.clone(),
        problem: a.problem.clone(),
        modes: a.modes.iter().map(|m| enum_to_pb(Mode::ALL, m)).collect(),
        reach: enum_to_pb(Reach::ALL, &a.reach),
        since_year: a.since_year.clone(),
        members: a
            .members
            .iter()
            .map(|m| pb::AssociationMember {
                municipality_id: m.municipality_id.clone(),
                teacher_id: m.teacher_id.clone(),
                joined_on: m.joined_on.to_string(),
                left_on: m.left_on.map(|d| d.to_string()).unwrap_or_default(),
                leader: m.leader,
            })
            .collect(),
        member_count: a
            .members
            .iter()
            .filter(|m| m.joined_on <= today && m.left_on.is_none_or(|l| l > today))
            .count() as u32,
        etag: a.meta.etag(),
        create_time: Some(ts(a.meta.create_time)),
        update_time: Some(ts(a.meta.update_time)),
    }
}

/// The association a request gives (the wire checked; the record by the app layer).
pub fn association_from_pb(scope: &str, a: pb::Association) -> Result<Association, Violations> {
    let mut v = Violations::new();
    crate::convert::check_municipality(&mut v, &a.municipality_id, scope);
    let kind = if a.kind == 0 {
        Some(AssociationKind::Association)
    } else {
        required_enum(&mut v, "kind", AssociationKind::ALL, a.kind)
    };
    let reach = if a.reach == 0 {
        Some(Reach::City)
    } else {
        required_enum(&mut v, "reach", Reach::ALL, a.reach)
    };
    let mut modes = std::collections::BTreeSet::new();
    for (i, m) in a.modes.iter().enumerate() {
        if let Some(m) = required_enum(&mut v, &format!("modes[{i}]"), Mode::ALL, *m) {
            modes.insert(m);
        }
    }
    let mut members = Vec::new();
    for (i, m) in a.members.into_iter().enumerate() {
        let f = format!("members[{i}]");
        let joined = crate::convert::parse_date(&mut v, &format!("{f}.joined_on"), &m.joined_on);
        let left = (!m.left_on.is_empty())
            .then(|| crate::convert::parse_date(&mut v, &format!("{f}.left_on"), &m.left_on))
            .flatten();
        if let Some(joined) = joined {
            members.push(Member {
                municipality_id: if m.municipality_id.is_empty() {
                    scope.to_string()
                } else {
                    m.municipality_id
                },
                teacher_id: m.teacher_id,
                joined_on: joined,
                left_on: left,
                leader: m.leader,
            });
        }
    }
    let (Some(kind), Some(reach)) = (kind, reach) else {
        return Err(v);
    };
    let out = Association {
        municipality_id: scope.to_string(),
        id: a.id,
        kind,
        name: a.name,
        subject: a.subject,
        areas: a.areas,
        problem: a.problem,
        modes,
        reach,
        since_year: a.since_year,
        members,
        meta: placeholder_meta(),
    };
    v.into_result().map(|()| out)
}

pub fn platform_to_pb(p: &Platform) -> pb::Platform {
    pb::Platform {
        municipality_id: p.municipality_id.clone(),
        id: p.id.clone(),
        school_id: p.school_id.clone(),
        direction: p.direction.clone(),
        name: p.name.clone(),
        programme: p.programme.clone(),
        capacity: p.capacity,
        curator_id: p.curator_id.clone(),
        order: p.order.as_ref().map(|o| pb::Order {
            number: o.number.clone(),
            date: o.date.to_string(),
        }),
        school_year: p.school_year.clone(),
        active: Some(p.active),
        etag: p.meta.etag(),
        create_time: Some(ts(p.meta.create_time)),
        update_time: Some(ts(p.meta.update_time)),
    }
}

pub fn platform_from_pb(scope: &str, p: pb::Platform) -> Result<Platform, Violations> {
    let mut v = Violations::new();
    crate::convert::check_municipality(&mut v, &p.municipality_id, scope);
    let order = p.order.and_then(|o| {
        crate::convert::parse_date(&mut v, "order.date", &o.date).map(|date| Order {
            number: o.number,
            date,
        })
    });
    let out = Platform {
        municipality_id: scope.to_string(),
        id: p.id,
        school_id: p.school_id,
        direction: p.direction,
        name: p.name,
        programme: p.programme,
        capacity: p.capacity,
        curator_id: p.curator_id,
        order,
        school_year: p.school_year,
        active: p.active.unwrap_or(true),
        meta: placeholder_meta(),
    };
    v.into_result().map(|()| out)
}

pub fn management_to_pb(d: &ManagementDiagnostic) -> pb::ManagementDiagnostic {
    pb::ManagementDiagnostic {
        municipality_id: d.municipality_id.clone(),
        id: d.id.clone(),
        school_id: d.school_id.clone(),
        teacher_id: d.teacher_id.clone(),
        date: d.date.to_string(),
        scores: d.scores.clone(),
        source: d.source.clone(),
        etag: d.meta.etag(),
        create_time: Some(ts(d.meta.create_time)),
        update_time: Some(ts(d.meta.update_time)),
    }
}

pub fn management_from_pb(
    scope: &str,
    d: pb::ManagementDiagnostic,
) -> Result<ManagementDiagnostic, Violations> {
    let mut v = Violations::new();
    crate::convert::check_municipality(&mut v, &d.municipality_id, scope);
    let date = crate::convert::parse_date(&mut v, "date", &d.date);
    let Some(date) = date else {
        return Err(v);
    };
    let id = if d.id.is_empty() {
        ManagementDiagnostic::derived_id(&d.teacher_id, date)
    } else {
        d.id
    };
    let out = ManagementDiagnostic {
        municipality_id: scope.to_string(),
        id,
        school_id: d.school_id,
        teacher_id: d.teacher_id,
        date,
        scores: d.scores,
        source: d.source,
        meta: placeholder_meta(),
    };
    v.into_result().map(|()| out)
}
