//! Professional associations and network communities: their members across municipalities,
//! joining and leaving, the participation report by school year and the recommendations.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use jiff::Timestamp;
use peerlift_domain::associations::{self, school_year_range, Member, Reach};
use peerlift_domain::progress::History;
use peerlift_domain::{
    Association, Diagnostic, Event, EventStatus, Municipality, OrganiserKind, Phrase, Teacher,
    Violations,
};
use peerlift_store::{key, prefix, Store};

use super::all_of;
use crate::error::{ApiError, ApiResult};
use crate::state;

pub fn not_found(id: &str) -> ApiError {
    ApiError::NotFound {
        kind: "association",
        id: id.to_string(),
    }
}

/// Municipalities other than its keeper that an association's members come from: the caller's
/// scope must cover each.
pub fn member_municipalities(a: &Association) -> BTreeSet<String> {
    a.members
        .iter()
        .map(|m| m.municipality_id.clone())
        .filter(|m| *m != a.municipality_id)
        .collect()
}

/// The association is valid and each member is a teacher of the municipality it names.
pub fn check(s: &Store, a: &Association, field: &str) -> ApiResult<()> {
    let catalog = state::catalog(s, &a.municipality_id)?;
    let mut v = match a.validate(&catalog) {
        Ok(()) => Violations::new(),
        Err(v) => v,
    };
    let valid = peerlift_domain::ids::is_valid_id;
    for (i, m) in a.members.iter().enumerate() {
        if valid(&m.municipality_id)
            && valid(&m.teacher_id)
            && !s.contains::<Teacher>(&key(&[&m.municipality_id, &m.teacher_id]))?
        {
            v.add(
                format!("members[{i}].teacher_id"),
                format!(
                    "no teacher '{}' in municipality '{}'",
                    m.teacher_id, m.municipality_id
                ),
            );
        }
    }
    v.into_result().map_err(|v| {
        ApiError::Invalid(if field.is_empty() {
            v
        } else {
            v.prefixed(field)
        })
    })
}

/// A teacher joins on `on` (or rejoins: a new membership after the one that ended).
pub fn join(
    s: &Store,
    a: &mut Association,
    member_municipality: &str,
    teacher: &str,
    on: Date,
    leader: bool,
) -> ApiResult<()> {
    if !s.contains::<Teacher>(&key(&[member_municipality, teacher]))? {
        return Err(ApiError::NotFound {
            kind: "teacher",
            id: teacher.to_string(),
        });
    }
    let existing = a
        .members
        .iter_mut()
        .find(|m| m.municipality_id == member_municipality && m.teacher_id == teacher);
    match existing {
        Some(m) if m.left_on.is_none() => {
            if m.leader == leader {
                return Err(ApiError::FailedPrecondition(format!(
                    "{teacher} is already a member of {} since {}",
                    a.id, m.joined_on
                )));
            }
            m.leader = leader;
        }
        Some(m) => {
            // One membership per teacher: rejoining reopens it from the new day.
            m.joined_on = on;
            m.left_on = None;
            m.leader = leader;
        }
        None => a.members.push(Member {
            municipality_id: member_municipality.to_string(),
            teacher_id: teacher.to_string(),
            joined_on: on,
            left_on: None,
            leader,
        }),
    }
    Ok(())
}

/// A current member leaves on `on`.
pub fn leave(
    a: &mut Association,
    member_municipality: &str,
    teacher: &str,
    on: Date,
) -> ApiResult<()> {
    let m = a
        .members
        .iter_mut()
        .find(|m| {
            m.municipality_id == member_municipality
                && m.teacher_id == teacher
                && m.left_on.is_none()
        })
        .ok_or_else(|| {
            ApiError::FailedPrecondition(format!("{teacher} is not a current member of {}", a.id))
        })?;
    if on < m.joined_on {
        return Err(ApiError::invalid(
            "on",
            format!("before the day {teacher} joined ({})", m.joined_on),
        ));
    }
    m.left_on = Some(on);
    Ok(())
}

/// Associations a teacher may take part in: its municipality's, and region-wide ones of the
/// other municipalities of its region.
fn open_to(s: &Store, m: &Municipality) -> ApiResult<Vec<Association>> {
    let mut out = Vec::new();
    for x in s.scan::<Municipality>(&[], None) {
        let x = x?;
        let own = x.id == m.id;
        if !own && (m.region.is_empty() || x.region != m.region) {
            continue;
        }
        for a in s.scan::<Association>(&prefix(&[&x.id]), None) {
            let a = a?;
            if own || a.reach == Reach::Region {
                out.push(a);
            }
        }
    }
    Ok(out)
}

/// The associations that suit a teacher, with why.
pub fn recommend(
    s: &Store,
    municipality_id: &str,
    teacher_id: &str,
    now: Timestamp,
) -> ApiResult<Vec<(Association, Phrase)>> {
    let m = state::municipality(s, municipality_id)?;
    let t = s
        .get::<Teacher>(&key(&[municipality_id, teacher_id]))?
        .ok_or_else(|| ApiError::NotFound {
            kind: "teacher",
            id: teacher_id.to_string(),
        })?;
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    for k in s.scan_index(
        peerlift_store::TreeId::DiagnosticsByTeacher,
        &prefix(&[municipality_id, teacher_id]),
        None,
    ) {
        let k = k?;
        let id = peerlift_store::split_key(&k)
            .last()
            .cloned()
            .unwrap_or_default();
        if let Some(d) = s.get::<Diagnostic>(&key(&[municipality_id, &id]))? {
            diagnostics.push(d);
        }
    }
    let history = History::new(&diagnostics);
    let open = open_to(s, &m)?;
    let today = state::today(&m, now);
    Ok(associations::recommend(&t, &history, &open, today)
        .into_iter()
        .map(|(a, why)| (a.clone(), why))
        .collect())
}

/// One school year of the participation report.
#[derive(Debug)]
pub struct YearRow {
    pub participation: associations::YearParticipation,
    /// Events the municipality's associations held that year, and attendances at them.
    pub events_held: u32,
    pub attendances: u32,
}

/// One of the municipality's associations in the participation report.
#[derive(Debug)]
pub struct AssociationRow {
    pub association: Association,
    /// Current members by municipality, the keeper's first.
    pub members: Vec<(String, u32)>,
    pub events_held: u32,
    pub attendances: u32,
}

/// What the participation report says.
#[derive(Debug)]
pub struct Report {
    pub years: Vec<YearRow>,
    pub associations: Vec<AssociationRow>,
}

/// The municipality's participation by school year (default: every year from the first
/// membership of one of its teachers to the current one), and its own associations.
pub fn report(
    s: &Store,
    municipality_id: &str,
    years: &[String],
    now: Timestamp,
) -> ApiResult<Report> {
    let m = state::municipality(s, municipality_id)?;
    let mut v = Violations::new();
    for (i, y) in years.iter().enumerate() {
        if school_year_range(y).is_none() {
            v.add(
                format!("school_years[{i}]"),
                format!("'{y}' is not a school year like 2021-2022"),
            );
        }
    }
    v.into_result().map_err(ApiError::Invalid)?;
    let teachers: Vec<Teacher> = all_of(s, municipality_id)?;
    let everywhere: Vec<Association> =
        s.scan::<Association>(&[], None).collect::<Result<_, _>>()?;
    let mine: Vec<&Association> = everywhere
        .iter()
        .filter(|a| a.municipality_id == municipality_id)
        .collect();
    let events: Vec<Event> = all_of(s, municipality_id)?;
    let years: Vec<String> = if years.is_empty() {
        let first = everywhere
            .iter()
            .flat_map(|a| &a.members)
            .filter(|x| x.municipality_id == municipality_id)
            .map(|x| x.joined_on)
            .min();
        let today = state::today(&m, now);
        match first {
            None => Vec::new(),
            Some(first) => {
                let start = |d: Date| {
                    if d.month() >= 9 {
                        d.year()
                    } else {
                        d.year() - 1
                    }
                };
                (start(first)..=start(today))
                    .map(|y| format!("{y}-{}", y + 1))
                    .collect()
            }
        }
    } else {
        years.to_vec()
    };
    let own_ids: BTreeSet<&str> = mine.iter().map(|a| a.id.as_str()).collect();
    let by_association = |e: &&Event| {
        e.status == EventStatus::Held
            && e.organiser == OrganiserKind::Association
            && own_ids.contains(e.organiser_id.as_str())
    };
    let rows = associations::participation(municipality_id, &teachers, &everywhere, &years)
        .into_iter()
        .map(|p| {
            let (from, to) = school_year_range(&p.school_year).unwrap_or_default();
            let held: Vec<&Event> = events
                .iter()
                .filter(by_association)
                .filter(|e| e.start.date() >= from && e.start.date() < to)
                .collect();
            YearRow {
                participation: p,
                events_held: held.len() as u32,
                attendances: held.iter().map(|e| e.attended.len() as u32).sum(),
            }
        })
        .collect();
    let today = state::today(&m, now);
    let per = mine
        .into_iter()
        .map(|a| {
            let mut by: BTreeMap<&str, u32> = BTreeMap::new();
            for x in a
                .members
                .iter()
                .filter(|x| x.left_on.is_none_or(|l| l > today))
            {
                *by.entry(x.municipality_id.as_str()).or_default() += 1;
            }
            let mut counts: Vec<(String, u32)> = Vec::new();
            if let Some(n) = by.remove(a.municipality_id.as_str()) {
                counts.push((a.municipality_id.clone(), n));
            }
            counts.extend(by.into_iter().map(|(k, n)| (k.to_string(), n)));
            let held: Vec<&Event> = events
                .iter()
                .filter(|e| {
                    e.status == EventStatus::Held
                        && e.organiser == OrganiserKind::Association
                        && e.organiser_id == a.id
                })
                .collect();
            AssociationRow {
                association: a.clone(),
                members: counts,
                events_held: held.len() as u32,
                attendances: held.iter().map(|e| e.attended.len() as u32).sum(),
            }
        })
        .collect();
    Ok(Report {
        years: rows,
        associations: per,
    })
}
