//! Conversions for sessions, scheduling and reports.

use jiff::civil::{Date, DateTime};
use peerlift_domain::progress::{Change, MentorshipProgress, Summary};
use peerlift_domain::report::{CoverageRow, LoadRow, ProgressRow, SessionCounts};
use peerlift_domain::{
    ChecklistItem, Feedback, Frequency, Level, Mode, ScheduleProposal, ScheduleSettings, Session,
    SessionKind, SessionStatus, StatusChange, UnplacedSession, Violations,
};

use crate::app::sessions::SessionInput;
use crate::convert::{
    enum_from_pb, enum_to_pb, parse_date, required_enum, ts, window_to_pb, windows_from_pb,
};
use crate::convert_match::kind_to_pb;
use crate::pb;
use peerlift_text::{say, Lang};

pub fn session_kind_to_pb(k: SessionKind) -> i32 {
    enum_to_pb(SessionKind::ALL, &k)
}

pub fn session_status_to_pb(s: SessionStatus) -> i32 {
    enum_to_pb(SessionStatus::ALL, &s)
}

pub fn session_status_from_pb(v: i32) -> Option<SessionStatus> {
    enum_from_pb(SessionStatus::ALL, v)
}

/// "2026-11-26T14:00" (seconds allowed but must be zero); no offset: it is municipality time.
pub fn parse_start(v: &mut Violations, field: &str, s: &str) -> Option<DateTime> {
    // jiff's civil parser accepts and drops an offset or zone ("14:00+03:00", "[Europe/Paris]"):
    // a client that sent one meant another clock, so it is refused rather than read as local.
    let zoned = s
        .find(['T', 't', ' '])
        .is_some_and(|i| s[i..].contains(['+', '-', 'Z', 'z', '[']));
    match s.parse::<DateTime>() {
        Ok(t) if !zoned && t.second() == 0 && t.subsec_nanosecond() == 0 => Some(t),
        _ => {
            v.add(
                field,
                format!("'{s}' is not a start time like 2026-11-26T14:00 (municipality time, no offset)"),
            );
            None
        }
    }
}

pub fn feedback_to_pb(f: &Feedback) -> pb::Feedback {
    pb::Feedback {
        rating: u32::from(f.rating),
        checklist: f
            .checklist
            .iter()
            .map(|c| pb::ChecklistItem {
                item: c.item.clone(),
                done: c.done,
            })
            .collect(),
        mentee_comment: f.mentee_comment.clone(),
        mentor_notes: f.mentor_notes.clone(),
    }
}

pub fn feedback_from_pb(v: &mut Violations, f: pb::Feedback) -> Feedback {
    if f.rating > 5 {
        v.add("feedback.rating", "must be 1 to 5 (0: not given)");
    }
    Feedback {
        rating: u8::try_from(f.rating.min(5)).unwrap_or(5),
        checklist: f
            .checklist
            .into_iter()
            .map(|c| ChecklistItem {
                item: c.item,
                done: c.done,
            })
            .collect(),
        mentee_comment: f.mentee_comment,
        mentor_notes: f.mentor_notes,
    }
}

pub fn session_to_pb(s: &Session) -> pb::Session {
    pb::Session {
        municipality_id: s.municipality_id.clone(),
        id: s.id.clone(),
        mentorship_id: s.mentorship_id.clone(),
        kind: session_kind_to_pb(s.kind),
        start: s.start_key(),
        duration_minutes: u32::from(s.duration_minutes),
        mode: enum_to_pb(Mode::ALL, &s.mode),
        school_id: s.school_id.clone(),
        place: s.place.clone(),
        mentor_id: s.mentor_id.clone(),
        mentee_ids: s.mentee_ids.clone(),
        schools: s.schools.clone(),
        topics: s.topics.clone(),
        materials: s.materials.clone(),
        status: session_status_to_pb(s.status),
        attended: s.attended.clone(),
        feedback: s.feedback.as_ref().map(feedback_to_pb),
        status_reason: s.status_reason.clone(),
        proposal_id: s.proposal_id.clone(),
        etag: s.meta.etag(),
        create_time: Some(ts(s.meta.create_time)),
        update_time: Some(ts(s.meta.update_time)),
    }
}

pub fn session_input_from_pb(scope: &str, s: pb::Session) -> Result<SessionInput, Violations> {
    let mut v = Violations::new();
    if !s.municipality_id.is_empty() && s.municipality_id != scope {
        v.add(
            "municipality_id",
            format!(
                "names '{}', but the request is for '{scope}'",
                s.municipality_id
            ),
        );
    }
    let kind = match s.kind {
        0 => None,
        k => {
            let out = enum_from_pb(SessionKind::ALL, k);
            if out.is_none() {
                v.add("kind", format!("{k} is not a known value"));
            }
            out
        }
    };
    let mode = match s.mode {
        0 => None,
        m => {
            let out = enum_from_pb(Mode::ALL, m);
            if out.is_none() {
                v.add("mode", format!("{m} is not a known value"));
            }
            out
        }
    };
    let start = if s.start.is_empty() {
        v.add("start", "must be set, e.g. 2026-11-26T14:00");
        None
    } else {
        parse_start(&mut v, "start", &s.start)
    };
    let duration_minutes = match s.duration_minutes {
        0 => None,
        d => match u16::try_from(d) {
            Ok(d) => Some(d),
            Err(_) => {
                v.add("duration_minutes", "is too long");
                None
            }
        },
    };
    if s.status != 0 {
        v.add(
            "status",
            "is output only: use CancelSession or RecordSession",
        );
    }
    v.into_result()?;
    Ok(SessionInput {
        id: s.id,
        mentorship_id: s.mentorship_id,
        kind,
        start,
        duration_minutes,
        mode,
        school_id: s.school_id,
        place: s.place,
        mentee_ids: s.mentee_ids,
        topics: s.topics,
        materials: s.materials,
        etag: s.etag,
    })
}

pub fn frequency_to_pb(f: &Frequency) -> pb::Frequency {
    pb::Frequency {
        form: kind_to_pb(f.form),
        session_kind: session_kind_to_pb(f.session_kind),
        duration_minutes: u32::from(f.duration_minutes),
        per_week: u32::from(f.per_week),
        every_weeks: u32::from(f.every_weeks),
    }
}

pub fn frequencies_from_pb(
    v: &mut Violations,
    name: &str,
    list: &[pb::Frequency],
) -> Vec<Frequency> {
    let mut out = Vec::new();
    for (i, f) in list.iter().enumerate() {
        let field = format!("{name}[{i}]");
        let form = crate::convert_match::kind_from_pb(f.form);
        if form.is_none() {
            v.add(format!("{field}.form"), "must be set to a known form");
        }
        let kind = required_enum(
            v,
            &format!("{field}.session_kind"),
            SessionKind::ALL,
            f.session_kind,
        );
        let small = |v: &mut Violations, part: &str, x: u32| -> u16 {
            u16::try_from(x).unwrap_or_else(|_| {
                v.add(format!("{field}.{part}"), "is too large");
                0
            })
        };
        let duration_minutes = small(v, "duration_minutes", f.duration_minutes);
        let per_week = small(v, "per_week", f.per_week);
        let every_weeks = small(v, "every_weeks", f.every_weeks);
        if let (Some(form), Some(session_kind)) = (form, kind) {
            out.push(Frequency {
                form,
                session_kind,
                duration_minutes,
                per_week,
                every_weeks,
            });
        }
    }
    out
}

pub fn settings_to_pb(s: &ScheduleSettings, stored: bool) -> pb::ScheduleSettings {
    pb::ScheduleSettings {
        municipality_id: s.municipality_id.clone(),
        methodical_days: s.methodical_days.iter().map(window_to_pb).collect(),
        non_working_days: s.non_working_days.iter().map(Date::to_string).collect(),
        travel_speed_kmh: u32::from(s.travel_speed_kmh),
        travel_buffer_minutes: u32::from(s.travel_buffer_minutes),
        frequencies: s.frequencies.iter().map(frequency_to_pb).collect(),
        etag: if stored { s.meta.etag() } else { String::new() },
        update_time: stored.then(|| ts(s.meta.update_time)),
    }
}

/// Settings from the wire onto `base` (which carries the municipality and meta).
pub fn settings_from_pb(
    base: &ScheduleSettings,
    p: pb::ScheduleSettings,
) -> Result<ScheduleSettings, Violations> {
    let mut v = Violations::new();
    let methodical_days = windows_from_pb(&mut v, "methodical_days", &p.methodical_days);
    let mut non_working_days = std::collections::BTreeSet::new();
    for (i, d) in p.non_working_days.iter().enumerate() {
        if let Some(d) = parse_date(&mut v, &format!("non_working_days[{i}]"), d) {
            non_working_days.insert(d);
        }
    }
    let frequencies = frequencies_from_pb(&mut v, "frequencies", &p.frequencies);
    let small = |v: &mut Violations, field: &str, x: u32| -> u16 {
        u16::try_from(x).unwrap_or_else(|_| {
            v.add(field, "is too large");
            0
        })
    };
    let travel_speed_kmh = small(&mut v, "travel_speed_kmh", p.travel_speed_kmh);
    let travel_buffer_minutes = small(&mut v, "travel_buffer_minutes", p.travel_buffer_minutes);
    v.into_result()?;
    let s = ScheduleSettings {
        municipality_id: base.municipality_id.clone(),
        methodical_days,
        non_working_days,
        travel_speed_kmh,
        travel_buffer_minutes,
        frequencies,
        meta: base.meta.clone(),
    };
    s.validate()?;
    Ok(s)
}

pub fn unplaced_to_pb(u: &UnplacedSession, lang: Lang) -> pb::UnplacedSession {
    pb::UnplacedSession {
        mentorship_id: u.mentorship_id.clone(),
        week: u.week.to_string(),
        reason: say(lang, &u.reason),
    }
}

pub fn proposal_to_pb(p: &ScheduleProposal, lang: Lang) -> pb::ScheduleProposal {
    pb::ScheduleProposal {
        municipality_id: p.municipality_id.clone(),
        id: p.id.clone(),
        from: p.from.to_string(),
        weeks: u32::from(p.weeks),
        items: p
            .items
            .iter()
            .enumerate()
            .map(|(i, s)| pb::ProposedSession {
                index: i as u32,
                session: Some(session_to_pb(s)),
                accepted: p.accepted.get(i).copied().unwrap_or(false),
            })
            .collect(),
        unplaced: p.unplaced.iter().map(|u| unplaced_to_pb(u, lang)).collect(),
        create_time: Some(ts(p.create_time)),
    }
}

// ---- progress and reports ----

fn level_to_pb(l: Level) -> i32 {
    enum_to_pb(Level::ALL, &l)
}

pub fn change_to_pb(c: &Change) -> pb::ProgressChange {
    pb::ProgressChange {
        teacher_id: c.teacher_id.clone(),
        subject: c.subject.clone(),
        from_date: c.from_date.to_string(),
        from_level: level_to_pb(c.from_level),
        to_date: c.to_date.to_string(),
        to_level: level_to_pb(c.to_level),
        level_steps: c.level_steps,
        area_deltas: c.area_deltas.clone().into_iter().collect(),
        closed: c.closed,
    }
}

pub fn summary_to_pb(s: &Summary) -> pb::ProgressSummary {
    pb::ProgressSummary {
        changes: s.changes,
        mean_level_steps: s.mean_level_steps,
        mean_area_delta: s.mean_area_delta,
        improved: s.improved,
        closed: s.closed,
        deficits: s.deficits,
    }
}

pub fn mentorship_progress_to_pb(p: &MentorshipProgress, lang: Lang) -> pb::MentorshipProgress {
    pb::MentorshipProgress {
        mentorship_id: p.mentorship_id.clone(),
        changes: p.changes.iter().map(change_to_pb).collect(),
        awaiting: p.awaiting,
        summary: Some(summary_to_pb(&p.summary)),
        graduated: p.graduated,
        graduated_on: p.graduated_on.map(|d| d.to_string()).unwrap_or_default(),
        graduation_reason: say(lang, &p.graduation_reason),
    }
}

pub fn status_change_to_pb(c: &StatusChange) -> pb::StatusChange {
    pb::StatusChange {
        status: enum_to_pb(peerlift_domain::SchoolStatus::ALL, &c.status),
        since: c.since.to_string(),
    }
}

pub fn coverage_row_to_pb(r: &CoverageRow) -> pb::CoverageReportRow {
    pb::CoverageReportRow {
        school_id: r.school_id.clone(),
        subject: r.subject.clone(),
        demands_a: r.demands_a,
        demands_b: r.demands_b,
        covered_a: r.covered_a,
        covered_b: r.covered_b,
    }
}

pub fn load_row_to_pb(r: &LoadRow) -> pb::LoadRow {
    pb::LoadRow {
        mentor_id: r.mentor_id.clone(),
        school_id: r.school_id.clone(),
        capacity: r.capacity,
        mentees: r.mentees,
        mentorships: r.mentorships,
        sessions_held: r.sessions_held,
        sessions_planned: r.sessions_planned,
    }
}

pub fn counts_to_pb(c: &SessionCounts) -> pb::SessionCounts {
    pb::SessionCounts {
        scheduled: c.scheduled,
        open: c.open,
        held: c.held,
        missed: c.missed,
        cancelled: c.cancelled,
    }
}

pub fn progress_row_to_pb(r: &ProgressRow) -> pb::ProgressRow {
    pb::ProgressRow {
        subject: r.subject.clone(),
        mentored: r.mentored,
        summary: Some(summary_to_pb(&r.summary)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_line_up_with_the_protos() {
        for (i, k) in SessionKind::ALL.iter().enumerate() {
            let name = pb::SessionKind::try_from(i as i32 + 1)
                .unwrap()
                .as_str_name()
                .trim_start_matches("SESSION_KIND_")
                .to_ascii_lowercase();
            assert_eq!(name, k.code());
        }
        for (i, s) in SessionStatus::ALL.iter().enumerate() {
            let name = pb::SessionStatus::try_from(i as i32 + 1)
                .unwrap()
                .as_str_name()
                .trim_start_matches("SESSION_STATUS_")
                .to_ascii_lowercase();
            assert_eq!(name, s.code());
        }
    }

    #[test]
    fn start_times_are_civil_minutes() {
        let mut v = Violations::new();
        assert!(parse_start(&mut v, "start", "2026-11-26T14:00").is_some());
        assert!(parse_start(&mut v, "start", "2026-11-26T14:00:00").is_some());
        assert!(v.is_empty());
        assert!(parse_start(&mut v, "start", "2026-11-26T14:00:30").is_none());
        assert!(parse_start(&mut v, "start", "2026-11-26T14:00Z").is_none());
        assert!(parse_start(&mut v, "start", "thursday").is_none());
        assert_eq!(v.0.len(), 3);
    }
}
