//! The programme year (issue 17): checking programmes, results and plans against the registry,
//! computing indicators and the network's yearly monitoring, settling plans, drafting routes.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use peerlift_domain::associations::school_year_range;
use peerlift_domain::plans::{self, RouteSources, Settled, Tracked};
use peerlift_domain::programme::{self, Facts, IndicatorRow};
use peerlift_domain::progress::{is_deficit, History};
use peerlift_domain::{
    Association, CatalogKind, Diagnostic, Event, EventStatus, ItemKind, ItemStatus, Mentorship,
    Plan, PlanKind, Programme, ProgrammeLevel, School, SchoolStatus, Session, StudentResult,
    Teacher, Violations,
};
use peerlift_store::{key, Store};

use super::all_of;
use crate::error::{ApiError, ApiResult};
use crate::state;

pub fn programme_not_found(id: &str) -> ApiError {
    ApiError::NotFound {
        kind: "programme",
        id: id.to_string(),
    }
}

pub fn plan_not_found(id: &str) -> ApiError {
    ApiError::NotFound {
        kind: "plan",
        id: id.to_string(),
    }
}

fn invalid_under(v: Violations, field: &str) -> ApiError {
    ApiError::Invalid(if field.is_empty() {
        v
    } else {
        v.prefixed(field)
    })
}

fn school_exists(s: &Store, muni: &str, id: &str) -> ApiResult<bool> {
    Ok(peerlift_domain::ids::is_valid_id(id) && s.contains::<School>(&key(&[muni, id]))?)
}

/// The address a programme is kept under: a municipality, or a region with at least one
/// municipality (`region:NAME`).
pub fn programme_scope(s: &Store, scope: &str) -> ApiResult<String> {
    super::runs::scope_municipalities(s, scope)?;
    Ok(scope.to_string())
}

/// A programme is deleted only while no plan serves it (a referential rule, as for schools
/// with teachers): the plans would otherwise name what is gone and refuse every edit.
pub fn check_unused(s: &Store, scope: &str, programme_id: &str) -> ApiResult<()> {
    if scope.starts_with("region:") {
        return Ok(());
    }
    let serving: Vec<String> = all_of::<Plan>(s, scope)?
        .into_iter()
        .filter(|p| p.programme_id == programme_id)
        .map(|p| p.id)
        .collect();
    if serving.is_empty() {
        return Ok(());
    }
    Err(ApiError::FailedPrecondition(format!(
        "programme '{programme_id}' is served by {} plan(s) ({}{}): clear their programme_id first",
        serving.len(),
        serving
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join(", "),
        if serving.len() > 5 { ", ..." } else { "" }
    )))
}

/// Today in a scope: the municipality's, or the first municipality's of a region.
pub fn scope_today(s: &Store, scope: &str, now: jiff::Timestamp) -> ApiResult<Date> {
    let first = super::runs::scope_municipalities(s, scope)?;
    let m = state::municipality(s, first.first().map_or(scope, String::as_str))?;
    Ok(state::today(&m, now))
}

/// A programme is valid and its school (a school's programme) exists.
pub fn check_programme(s: &Store, p: &Programme, field: &str) -> ApiResult<()> {
    let catalog = state::catalog(s, &p.municipality_id)?;
    let mut v = p.validate(&catalog).err().unwrap_or_default();
    if p.level == ProgrammeLevel::School
        && peerlift_domain::ids::is_valid_id(&p.school_id)
        && !school_exists(s, &p.municipality_id, &p.school_id)?
    {
        v.add(
            "school_id",
            format!(
                "no school '{}' in municipality '{}'",
                p.school_id, p.municipality_id
            ),
        );
    }
    v.into_result().map_err(|v| invalid_under(v, field))
}

/// Every result line is valid and names a school of the municipality; every bad line is named
/// (`results[i].field`, `i` the line's place in the request), in one answer with `v` (what the
/// wire conversion found).
pub fn check_results(
    s: &Store,
    muni: &str,
    rows: &[(usize, StudentResult)],
    mut v: Violations,
) -> ApiResult<()> {
    let catalog = state::catalog(s, muni)?;
    let mut seen = BTreeMap::new();
    for (i, r) in rows {
        let f = format!("results[{i}]");
        if let Err(e) = r.validate(&catalog) {
            v.extend(e.prefixed(&f));
        }
        if peerlift_domain::ids::is_valid_id(&r.school_id) && !school_exists(s, muni, &r.school_id)?
        {
            v.add(
                format!("{f}.school_id"),
                format!("no school '{}' in municipality '{muni}'", r.school_id),
            );
        }
        use peerlift_store::Record;
        if let Some(j) = seen.insert(r.key(), *i) {
            v.add(
                f,
                format!("the same school, assessment, subject, grade and year as results[{j}]"),
            );
        }
    }
    v.into_result().map_err(ApiError::Invalid)
}

/// A plan is valid and what it names exists: the route's teacher (whose school it takes), the
/// roadmap's school, the programme, and what each item links to.
pub fn check_plan(s: &Store, p: &mut Plan, field: &str) -> ApiResult<()> {
    let muni = p.municipality_id.clone();
    let mut v = p.validate().err().unwrap_or_default();
    let valid = peerlift_domain::ids::is_valid_id;
    if p.kind == PlanKind::Route && valid(&p.teacher_id) {
        match s.get::<Teacher>(&key(&[&muni, &p.teacher_id]))? {
            Some(t) => {
                if !p.school_id.is_empty() && p.school_id != t.school_id {
                    v.add(
                        "school_id",
                        format!(
                            "teacher '{}' works at '{}', not '{}' (leave school_id empty)",
                            t.id, t.school_id, p.school_id
                        ),
                    );
                }
                p.school_id = t.school_id;
            }
            None => v.add(
                "teacher_id",
                format!("no teacher '{}' in municipality '{muni}'", p.teacher_id),
            ),
        }
    } else if !p.school_id.is_empty()
        && valid(&p.school_id)
        && !school_exists(s, &muni, &p.school_id)?
    {
        v.add(
            "school_id",
            format!("no school '{}' in municipality '{muni}'", p.school_id),
        );
    }
    if !p.programme_id.is_empty()
        && valid(&p.programme_id)
        && !s.contains::<Programme>(&key(&[&muni, &p.programme_id]))?
    {
        v.add(
            "programme_id",
            format!("no programme '{}' in municipality '{muni}'", p.programme_id),
        );
    }
    let catalog = state::catalog(s, &muni)?;
    for (i, x) in p.items.iter().enumerate() {
        if x.link.is_empty() || !valid(&x.link) && x.kind != ItemKind::Deficit {
            if !x.link.is_empty() && !matches!(x.kind, ItemKind::Task | ItemKind::Course) {
                v.add(
                    format!("items[{i}].link"),
                    format!("'{}' is not an id", x.link),
                );
            }
            continue;
        }
        let k = key(&[&muni, &x.link]);
        let (found, what) = match x.kind {
            ItemKind::Task | ItemKind::Course => (true, ""),
            ItemKind::Deficit => (catalog.contains(CatalogKind::Subject, &x.link), "subject"),
            ItemKind::Mentorship => (s.contains::<Mentorship>(&k)?, "mentorship"),
            ItemKind::Association => (s.contains::<Association>(&k)?, "association"),
            ItemKind::Event => (s.contains::<Event>(&k)?, "event"),
            ItemKind::Session => (s.contains::<Session>(&k)?, "session"),
        };
        if !found {
            v.add(
                format!("items[{i}].link"),
                format!("no {what} '{}' in municipality '{muni}'", x.link),
            );
        }
    }
    v.into_result().map_err(|v| invalid_under(v, field))
}

/// What plans settle against, loaded once per call.
#[derive(Debug)]
pub struct TrackedData {
    diagnostics: Vec<Diagnostic>,
    events: Vec<Event>,
    sessions: Vec<Session>,
    mentorships: Vec<Mentorship>,
    pub today: Date,
}

impl TrackedData {
    pub fn load(s: &Store, muni: &str, today: Date) -> ApiResult<TrackedData> {
        Ok(TrackedData {
            diagnostics: all_of(s, muni)?,
            events: all_of(s, muni)?,
            sessions: all_of(s, muni)?,
            mentorships: all_of(s, muni)?,
            today,
        })
    }

    /// Runs `f` with what items settle against, built once (a list settles many plans).
    pub fn with<T>(&self, f: impl FnOnce(&Tracked<'_>) -> T) -> T {
        with_tracked(
            &self.diagnostics,
            &self.events,
            &self.sessions,
            &self.mentorships,
            self.today,
            f,
        )
    }

    /// Settles every plan's items.
    pub fn settle(&self, plans: &[Plan]) -> Vec<Vec<Settled>> {
        self.with(|t| plans.iter().map(|p| p.settled(t)).collect())
    }
}

/// Runs `f` with what items settle against, built once from these records (borrowed: the
/// callers hold them already).
fn with_tracked<T>(
    diagnostics: &[Diagnostic],
    events: &[Event],
    sessions: &[Session],
    mentorships: &[Mentorship],
    today: Date,
    f: impl FnOnce(&Tracked<'_>) -> T,
) -> T {
    let history = History::new(diagnostics);
    let events = events.iter().map(|e| (e.id.as_str(), e)).collect();
    let sessions = sessions.iter().map(|e| (e.id.as_str(), e)).collect();
    let mentorships = mentorships.iter().map(|e| (e.id.as_str(), e)).collect();
    f(&Tracked {
        history: &history,
        events: &events,
        sessions: &sessions,
        mentorships: &mentorships,
        today,
    })
}

/// Everything indicators and the yearly monitoring read, loaded once.
#[derive(Debug)]
pub struct Data {
    pub schools: Vec<School>,
    pub teachers: Vec<Teacher>,
    pub diagnostics: Vec<Diagnostic>,
    pub mentorships: Vec<Mentorship>,
    pub sessions: Vec<Session>,
    pub events: Vec<Event>,
    pub associations: Vec<Association>,
    pub results: Vec<StudentResult>,
    pub plans: Vec<Plan>,
}

impl Data {
    /// A municipality's data, or every municipality's of a region (`region:NAME`).
    pub fn load_scope(s: &Store, scope: &str) -> ApiResult<Data> {
        let mut all: Option<Data> = None;
        for m in super::runs::scope_municipalities(s, scope)? {
            let d = Data::load(s, &m)?;
            match all.as_mut() {
                None => all = Some(d),
                Some(a) => {
                    a.schools.extend(d.schools);
                    a.teachers.extend(d.teachers);
                    a.diagnostics.extend(d.diagnostics);
                    a.mentorships.extend(d.mentorships);
                    a.sessions.extend(d.sessions);
                    a.events.extend(d.events);
                    a.associations.extend(d.associations);
                    a.results.extend(d.results);
                    a.plans.extend(d.plans);
                }
            }
        }
        all.ok_or_else(|| ApiError::NotFound {
            kind: "municipality",
            id: scope.to_string(),
        })
    }

    pub fn load(s: &Store, muni: &str) -> ApiResult<Data> {
        state::municipality(s, muni)?;
        Ok(Data {
            schools: all_of(s, muni)?,
            teachers: all_of::<Teacher>(s, muni)?
                .into_iter()
                .filter(|t| t.active)
                .collect(),
            diagnostics: all_of(s, muni)?,
            mentorships: all_of(s, muni)?,
            sessions: all_of(s, muni)?,
            events: all_of(s, muni)?,
            associations: all_of(s, muni)?,
            results: all_of(s, muni)?,
            plans: all_of(s, muni)?,
        })
    }

    fn with_facts<T>(&self, today: Date, f: impl FnOnce(&Facts<'_>) -> T) -> T {
        let history = History::new(&self.diagnostics);
        f(&Facts {
            today,
            schools: &self.schools,
            teachers: &self.teachers,
            history: &history,
            mentorships: &self.mentorships,
            sessions: &self.sessions,
            events: &self.events,
            associations: &self.associations,
            results: &self.results,
        })
    }

    /// Overdue items over every plan.
    pub fn overdue_items(&self, today: Date) -> u32 {
        let n = with_tracked(
            &self.diagnostics,
            &self.events,
            &self.sessions,
            &self.mentorships,
            today,
            |t| {
                self.plans
                    .iter()
                    .flat_map(|p| p.settled(t))
                    .filter(|x| x.overdue)
                    .count()
            },
        );
        u32::try_from(n).unwrap_or(u32::MAX)
    }
}

/// A programme's indicators.
pub fn indicators(
    s: &Store,
    muni: &str,
    programme_id: &str,
    today: Date,
) -> ApiResult<(Programme, Vec<IndicatorRow>)> {
    let data = Data::load_scope(s, muni)?;
    let p = s
        .get::<Programme>(&key(&[muni, programme_id]))?
        .ok_or_else(|| programme_not_found(programme_id))?;
    let rows = data.with_facts(today, |f| programme::indicators(&p, f));
    Ok((p, rows))
}

/// One school year of the network (the monitoring's by-year table).
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkYear {
    pub school_year: String,
    pub teachers: u32,
    pub participating: u32,
    pub courses_planned: u32,
    pub courses_completed: u32,
    pub events_planned: u32,
    pub events_held: u32,
    pub schools_left: Vec<String>,
}

fn n(x: usize) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}

/// The network by school year, from the first year anything happened (a mentorship, event,
/// membership, status change, course) to the year of `today`.
pub fn network_by_year(d: &Data, today: Date) -> Vec<NetworkYear> {
    let mut first = today;
    let mut consider = |x: Date| first = first.min(x);
    d.mentorships.iter().for_each(|m| consider(m.started_on));
    d.events.iter().for_each(|e| consider(e.start.date()));
    d.associations
        .iter()
        .flat_map(|a| a.members.iter())
        .for_each(|m| consider(m.joined_on));
    d.schools
        .iter()
        .flat_map(|s| s.status_history.iter().skip(1))
        .for_each(|c| consider(c.since));
    let courses: Vec<(&plans::PlanItem, &Plan)> = d
        .plans
        .iter()
        .filter(|p| p.kind == PlanKind::Route)
        .flat_map(|p| p.items.iter().map(move |x| (x, p)))
        .filter(|(x, _)| x.kind == ItemKind::Course)
        .collect();
    courses
        .iter()
        .filter_map(|(x, _)| x.due.or(x.done_on))
        .for_each(&mut consider);
    // Records dated before 2000 are typos, not the network's history.
    let first = first.max(Date::new(2000, 9, 1).unwrap_or(first));
    let first_year = peerlift_domain::school_year_of(first);
    let last_year = peerlift_domain::school_year_of(today);
    let mut out = Vec::new();
    let mut year = first_year;
    while let Some((from, to)) = school_year_range(&year) {
        let participating = d.with_facts(today, |f| {
            let known: BTreeSet<&str> = d.teachers.iter().map(|t| t.id.as_str()).collect();
            programme::network_teachers(f, from, to)
                .into_iter()
                .filter(|t| known.contains(t))
                .count()
        });
        let in_year = |x: Option<Date>| x.is_some_and(|x| x >= from && x < to);
        let planned: Vec<_> = courses
            .iter()
            .filter(|(x, _)| x.status != ItemStatus::Cancelled && in_year(x.due.or(x.done_on)))
            .collect();
        let events: Vec<&Event> = d
            .events
            .iter()
            .filter(|e| e.status != EventStatus::Cancelled && in_year(Some(e.start.date())))
            .collect();
        let mut left: Vec<String> = d
            .schools
            .iter()
            .filter(|s| {
                s.status_history.windows(2).any(|w| {
                    w[0].status == SchoolStatus::LowResults
                        && w[1].status != SchoolStatus::LowResults
                        && in_year(Some(w[1].since))
                })
            })
            .map(|s| s.id.clone())
            .collect();
        left.sort();
        out.push(NetworkYear {
            school_year: year.clone(),
            teachers: n(d.teachers.len()),
            participating: n(participating),
            courses_planned: n(planned.len()),
            courses_completed: n(planned
                .iter()
                .filter(|(x, _)| x.status == ItemStatus::Done)
                .count()),
            events_planned: n(events.len()),
            events_held: n(events
                .iter()
                .filter(|e| e.status == EventStatus::Held)
                .count()),
            schools_left: left,
        });
        if year == last_year {
            break;
        }
        year = peerlift_domain::school_year_of(to);
    }
    out
}

/// One measure for the network and the rest (the outcomes report).
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub measure: &'static str,
    pub school_year: String,
    pub network: Option<f64>,
    pub network_n: u32,
    pub outside: Option<f64>,
    pub outside_n: u32,
}

/// The network's schools and teachers against the others, in each school year with student
/// results (positive share by school) or re-diagnoses (deficits closed).
pub fn network_vs_outside(d: &Data, today: Date) -> Vec<Comparison> {
    let mut years: BTreeSet<String> = d.results.iter().map(StudentResult::school_year).collect();
    let history = History::new(&d.diagnostics);
    for (_, _, rounds) in history.all() {
        for w in rounds.windows(2) {
            years.insert(peerlift_domain::school_year_of(w[1].date));
        }
    }
    let school_of: BTreeMap<&str, &str> = d
        .teachers
        .iter()
        .map(|t| (t.id.as_str(), t.school_id.as_str()))
        .collect();
    let mut out = Vec::new();
    for year in years {
        let Some((from, to)) = school_year_range(&year) else {
            continue;
        };
        let teachers = d.with_facts(today, |f| {
            programme::network_teachers(f, from, to)
                .into_iter()
                .map(str::to_string)
                .collect::<BTreeSet<String>>()
        });
        let mut schools: BTreeSet<String> = teachers
            .iter()
            .filter_map(|t| school_of.get(t.as_str()).map(|s| s.to_string()))
            .collect();
        for m in d.mentorships.iter().filter(|m| {
            m.kind.is_schools() && m.started_on < to && m.ended_on.is_none_or(|e| e >= from)
        }) {
            schools.insert(m.mentee_id.clone());
            if m.mentor_municipality_id.is_empty() {
                schools.insert(m.mentor_id.clone());
            }
            schools.extend(m.members.iter().cloned());
        }
        // Positive share by school: each school's own share (weighted by its participants),
        // averaged over the schools of each side.
        let mut by_school: BTreeMap<&str, (f64, u32)> = BTreeMap::new();
        for r in d.results.iter().filter(|r| r.school_year() == year) {
            let e = by_school.entry(r.school_id.as_str()).or_default();
            e.0 += r.positive_percent * f64::from(r.participants);
            e.1 = e.1.saturating_add(r.participants);
        }
        if !by_school.is_empty() {
            let side = |inside: bool| {
                let shares: Vec<f64> = by_school
                    .iter()
                    .filter(|(s, (_, n))| *n > 0 && schools.contains(**s) == inside)
                    .map(|(_, (w, n))| w / f64::from(*n))
                    .collect();
                (
                    peerlift_domain::progress::mean(shares.iter().copied()),
                    n(shares.len()),
                )
            };
            let ((a, an), (b, bn)) = (side(true), side(false));
            out.push(Comparison {
                measure: "positive_share",
                school_year: year.clone(),
                network: a,
                network_n: an,
                outside: b,
                outside_n: bn,
            });
        }
        let mut counts = [(0u32, 0u32); 2];
        for (teacher, _, rounds) in history.all() {
            if !school_of.contains_key(teacher) {
                continue;
            }
            let side = usize::from(!teachers.contains(teacher));
            for w in rounds.windows(2) {
                if w[1].date >= from && w[1].date < to && is_deficit(w[0].level) {
                    counts[side].1 += 1;
                    counts[side].0 += u32::from(!is_deficit(w[1].level));
                }
            }
        }
        if counts[0].1 + counts[1].1 > 0 {
            let pct = |(c, n): (u32, u32)| (n > 0).then(|| f64::from(c) * 100.0 / f64::from(n));
            out.push(Comparison {
                measure: "deficits_closed",
                school_year: year.clone(),
                network: pct(counts[0]),
                network_n: counts[0].1,
                outside: pct(counts[1]),
                outside_n: counts[1].1,
            });
        }
    }
    out
}

/// Routes drafted for `teacher_ids` (empty: every active teacher with a latest A/B deficit).
#[derive(Debug)]
pub struct Drafted {
    pub created: Vec<Plan>,
    pub replaced: Vec<Plan>,
    pub skipped: Vec<String>,
}

/// The id of a teacher's route.
pub fn route_id(teacher_id: &str) -> String {
    format!("route-{teacher_id}")
}

pub fn draft_routes(
    s: &Store,
    muni: &str,
    teacher_ids: &[String],
    programme_id: &str,
    replace: bool,
    today: Date,
    meta: peerlift_domain::Meta,
) -> ApiResult<Drafted> {
    let d = Data::load(s, muni)?;
    if !programme_id.is_empty() && !s.contains::<Programme>(&key(&[muni, programme_id]))? {
        return Err(ApiError::invalid(
            "programme_id",
            format!("no programme '{programme_id}' in municipality '{muni}'"),
        ));
    }
    let history = History::new(&d.diagnostics);
    let teachers: Vec<&Teacher> = if teacher_ids.is_empty() {
        d.teachers
            .iter()
            .filter(|t| {
                history.subjects_of(&t.id).iter().any(|s| {
                    history
                        .latest(&t.id, s)
                        .is_some_and(|x| is_deficit(x.level))
                })
            })
            .collect()
    } else {
        let mut v = Violations::new();
        let mut out = Vec::new();
        for (i, id) in teacher_ids.iter().enumerate() {
            match d.teachers.iter().find(|t| &t.id == id) {
                Some(t) => out.push(t),
                None => v.add(
                    format!("teacher_ids[{i}]"),
                    format!("no active teacher '{id}' in municipality '{muni}'"),
                ),
            }
        }
        v.into_result().map_err(ApiError::Invalid)?;
        out
    };
    let src = RouteSources {
        history: &history,
        mentorships: &d.mentorships,
        associations: &d.associations,
        events: &d.events,
        today,
        subject_name: &|code: &str| {
            peerlift_text::catalog_name(
                peerlift_text::Lang::Ru,
                peerlift_domain::CatalogKind::Subject,
                code,
            )
            .unwrap_or_else(|| code.to_string())
        },
    };
    let mut out = Drafted {
        created: Vec::new(),
        replaced: Vec::new(),
        skipped: Vec::new(),
    };
    for t in teachers {
        let id = route_id(&t.id);
        if !peerlift_domain::ids::is_valid_id(&id) {
            return Err(ApiError::invalid(
                "teacher_ids",
                format!("teacher id '{}' is too long to name its route '{id}'", t.id),
            ));
        }
        let existing = s.get::<Plan>(&key(&[muni, &id]))?;
        if let Some(x) = existing
            .as_ref()
            .filter(|x| x.kind != PlanKind::Route || x.teacher_id != t.id)
        {
            return Err(ApiError::FailedPrecondition(format!(
                "plan '{}' exists and is not teacher '{}''s route ({}): rename it, then draft again",
                x.id,
                t.id,
                x.kind.code()
            )));
        }
        if existing.is_some() && !replace {
            out.skipped.push(t.id.clone());
            continue;
        }
        let plan = Plan {
            municipality_id: muni.to_string(),
            id,
            kind: PlanKind::Route,
            // No name here: a teacher's name lives in the registry only (erasing a teacher
            // erases it); documents look it up when drafted.
            title: "Индивидуальный образовательный маршрут педагога".to_string(),
            school_id: t.school_id.clone(),
            teacher_id: t.id.clone(),
            programme_id: programme_id.to_string(),
            items: plans::draft_route(t, &src),
            meta: match &existing {
                Some(cur) => cur.meta.next(meta.update_time),
                None => meta.clone(),
            },
        };
        if existing.is_some() {
            out.replaced.push(plan);
        } else {
            out.created.push(plan);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::app::testing::{kirovsky, now, MUNICIPALITY};

    #[test]
    fn routes_are_drafted_for_every_teacher_with_a_deficit() {
        let (_d, s) = kirovsky();
        let today = Date::new(2022, 10, 1).unwrap();
        let meta = peerlift_domain::Meta::new(now());
        let drafted = draft_routes(&s, MUNICIPALITY, &[], "", false, today, meta).unwrap();
        assert!(!drafted.created.is_empty());
        let diagnostics: Vec<Diagnostic> = all_of(&s, MUNICIPALITY).unwrap();
        let h = History::new(&diagnostics);
        for p in &drafted.created {
            let deficits: Vec<&str> = p
                .items
                .iter()
                .filter(|x| x.kind == ItemKind::Deficit)
                .map(|x| x.link.as_str())
                .collect();
            let expected: Vec<&str> = h
                .subjects_of(&p.teacher_id)
                .into_iter()
                .filter(|s| {
                    h.latest(&p.teacher_id, s)
                        .is_some_and(|x| is_deficit(x.level))
                })
                .collect();
            assert_eq!(deficits, expected, "route of {}", p.teacher_id);
            assert!(p.validate().is_ok());
        }
    }
}
