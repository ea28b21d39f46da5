//! Conversions of the programme year: programmes, student results, indicators, plans and
//! signed documents. Only the wire is checked here; the app layer validates records with their
//! references, so one answer names every bad field.

use peerlift_domain::plans::Settled;
use peerlift_domain::programme::IndicatorRow;
use peerlift_domain::{
    Assessment, DocumentKind, Indicator, ItemKind, ItemStatus, Plan, PlanItem, PlanKind, Programme,
    ProgrammeLevel, SignedDocument, Stage, StudentResult, Target, Violations,
};

use crate::convert::{
    check_municipality, enum_from_pb, enum_to_pb, parse_date, placeholder_meta, required_enum, ts,
};
use crate::pb;

fn opt_date(v: &mut Violations, field: &str, s: &str) -> Option<jiff::civil::Date> {
    if s.is_empty() {
        None
    } else {
        parse_date(v, field, s)
    }
}

fn date_str(d: Option<jiff::civil::Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

pub fn programme_to_pb(p: &Programme) -> pb::Programme {
    pb::Programme {
        municipality_id: p.municipality_id.clone(),
        id: p.id.clone(),
        title: p.title.clone(),
        goal: p.goal.clone(),
        level: enum_to_pb(ProgrammeLevel::ALL, &p.level),
        school_id: p.school_id.clone(),
        stages: p
            .stages
            .iter()
            .map(|s| pb::Stage {
                name: s.name.clone(),
                start: s.start.to_string(),
                end: s.end.to_string(),
            })
            .collect(),
        targets: p
            .targets
            .iter()
            .map(|t| pb::Target {
                indicator: enum_to_pb(Indicator::ALL, &t.indicator),
                school_year: t.school_year.clone(),
                value: t.value,
                assessment: t.assessment.map_or(0, |a| enum_to_pb(Assessment::ALL, &a)),
                subject: t.subject.clone(),
            })
            .collect(),
        etag: p.meta.etag(),
        create_time: Some(ts(p.meta.create_time)),
        update_time: Some(ts(p.meta.update_time)),
    }
}

pub fn programme_from_pb(scope: &str, p: pb::Programme) -> Result<Programme, Violations> {
    let mut v = Violations::new();
    check_municipality(&mut v, &p.municipality_id, scope);
    let level = if p.level == 0 {
        Some(if scope.starts_with("region:") {
            ProgrammeLevel::Region
        } else {
            ProgrammeLevel::Municipality
        })
    } else {
        required_enum(&mut v, "level", ProgrammeLevel::ALL, p.level)
    };
    let mut stages = Vec::new();
    for (i, s) in p.stages.into_iter().enumerate() {
        let start = parse_date(&mut v, &format!("stages[{i}].start"), &s.start);
        let end = parse_date(&mut v, &format!("stages[{i}].end"), &s.end);
        if let (Some(start), Some(end)) = (start, end) {
            stages.push(Stage {
                name: s.name,
                start,
                end,
            });
        }
    }
    let mut targets = Vec::new();
    for (i, t) in p.targets.into_iter().enumerate() {
        let indicator = required_enum(
            &mut v,
            &format!("targets[{i}].indicator"),
            Indicator::ALL,
            t.indicator,
        );
        let assessment = match t.assessment {
            0 => None,
            x => {
                let a = enum_from_pb(Assessment::ALL, x);
                if a.is_none() {
                    v.add(
                        format!("targets[{i}].assessment"),
                        format!("{x} is not a known value"),
                    );
                }
                a
            }
        };
        if let Some(indicator) = indicator {
            targets.push(Target {
                indicator,
                school_year: t.school_year,
                value: t.value,
                assessment,
                subject: t.subject,
            });
        }
    }
    let Some(level) = level else { return Err(v) };
    let out = Programme {
        municipality_id: scope.to_string(),
        id: p.id,
        title: p.title,
        goal: p.goal,
        level,
        school_id: p.school_id,
        stages,
        targets,
        meta: placeholder_meta(),
    };
    v.into_result().map(|()| out)
}

pub fn indicator_row_to_pb(r: &IndicatorRow) -> pb::IndicatorRow {
    pb::IndicatorRow {
        indicator: enum_to_pb(Indicator::ALL, &r.indicator),
        assessment: r.assessment.map_or(0, |a| enum_to_pb(Assessment::ALL, &a)),
        subject: r.subject.clone(),
        school_year: r.school_year.clone(),
        value: r.value.map(|v| v.value),
        n: r.value.map_or(0, |v| v.n),
        target: r.target,
        met: r.met(),
    }
}

pub fn result_to_pb(r: &StudentResult) -> pb::StudentResult {
    pb::StudentResult {
        school_id: r.school_id.clone(),
        assessment: enum_to_pb(Assessment::ALL, &r.assessment),
        subject: r.subject.clone(),
        grade: u32::from(r.grade),
        year: i32::from(r.year),
        participants: r.participants,
        positive_percent: r.positive_percent,
        quality_percent: r.quality_percent,
        mean: r.mean,
        source: r.source.clone(),
    }
}

pub fn result_from_pb(
    v: &mut Violations,
    field: &str,
    scope: &str,
    r: pb::StudentResult,
) -> Option<StudentResult> {
    let assessment = required_enum(
        v,
        &format!("{field}.assessment"),
        Assessment::ALL,
        r.assessment,
    )?;
    Some(StudentResult {
        municipality_id: scope.to_string(),
        school_id: r.school_id,
        assessment,
        subject: r.subject,
        // Out-of-range values become 0 and fail validation with the field named.
        grade: u8::try_from(r.grade).unwrap_or(0),
        year: i16::try_from(r.year).unwrap_or(0),
        participants: r.participants,
        positive_percent: r.positive_percent,
        quality_percent: r.quality_percent,
        mean: r.mean,
        source: r.source,
        meta: placeholder_meta(),
    })
}

pub fn plan_to_pb(p: &Plan, settled: &[Settled]) -> pb::Plan {
    pb::Plan {
        municipality_id: p.municipality_id.clone(),
        id: p.id.clone(),
        kind: enum_to_pb(PlanKind::ALL, &p.kind),
        title: p.title.clone(),
        school_id: p.school_id.clone(),
        teacher_id: p.teacher_id.clone(),
        programme_id: p.programme_id.clone(),
        items: settled
            .iter()
            .map(|s| {
                let x = &s.item;
                pb::PlanItem {
                    id: x.id.clone(),
                    kind: enum_to_pb(ItemKind::ALL, &x.kind),
                    what: x.what.clone(),
                    responsible: x.responsible.clone(),
                    due: date_str(x.due),
                    status: enum_to_pb(ItemStatus::ALL, &x.status),
                    done_on: date_str(x.done_on),
                    evidence: x.evidence.clone(),
                    link: x.link.clone(),
                    automatic: s.automatic,
                    overdue: s.overdue,
                }
            })
            .collect(),
        overdue_items: u32::try_from(settled.iter().filter(|s| s.overdue).count())
            .unwrap_or(u32::MAX),
        etag: p.meta.etag(),
        create_time: Some(ts(p.meta.create_time)),
        update_time: Some(ts(p.meta.update_time)),
    }
}

/// The plan a request gives, and the ids of its items sent back with `automatic` set: their
/// status, date and evidence are what the service computed, not the office's, and are not
/// stored as such (see `services::programme`).
pub fn plan_from_pb(
    scope: &str,
    p: pb::Plan,
) -> Result<(Plan, std::collections::BTreeSet<String>), Violations> {
    let mut v = Violations::new();
    let mut automatic = std::collections::BTreeSet::new();
    check_municipality(&mut v, &p.municipality_id, scope);
    let kind = required_enum(&mut v, "kind", PlanKind::ALL, p.kind);
    let mut items = Vec::new();
    for (i, x) in p.items.into_iter().enumerate() {
        let f = |n: &str| format!("items[{i}].{n}");
        let kind = if x.kind == 0 {
            Some(ItemKind::Task)
        } else {
            required_enum(&mut v, &f("kind"), ItemKind::ALL, x.kind)
        };
        let status = if x.status == 0 {
            Some(ItemStatus::Planned)
        } else {
            required_enum(&mut v, &f("status"), ItemStatus::ALL, x.status)
        };
        let due = opt_date(&mut v, &f("due"), &x.due);
        let done_on = opt_date(&mut v, &f("done_on"), &x.done_on);
        if x.automatic {
            automatic.insert(x.id.clone());
        }
        if let (Some(kind), Some(status)) = (kind, status) {
            items.push(PlanItem {
                id: x.id,
                kind,
                what: x.what,
                responsible: x.responsible,
                due,
                status,
                done_on,
                evidence: x.evidence,
                link: x.link,
            });
        }
    }
    let Some(kind) = kind else { return Err(v) };
    let out = Plan {
        municipality_id: scope.to_string(),
        id: p.id,
        kind,
        title: p.title,
        school_id: p.school_id,
        teacher_id: p.teacher_id,
        programme_id: p.programme_id,
        items,
        meta: placeholder_meta(),
    };
    v.into_result().map(|()| (out, automatic))
}

pub fn signed_to_pb(d: &SignedDocument) -> pb::SignedDocument {
    pb::SignedDocument {
        municipality_id: d.municipality_id.clone(),
        id: d.id.clone(),
        kind: enum_to_pb(DocumentKind::ALL, &d.kind),
        number: d.number.clone(),
        date: d.date.to_string(),
        title: d.title.clone(),
        subject: d.subject.clone(),
        school_year: d.school_year.clone(),
        mentorship_ids: d.mentorship_ids.clone(),
        etag: d.meta.etag(),
    }
}
