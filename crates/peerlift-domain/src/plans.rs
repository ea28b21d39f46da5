//! Roadmaps and individual educational routes (issue 17 §2, §3): dated items with a status.
//!
//! Both are lists of what is to be done, by whom, by when, with evidence: a roadmap is an
//! office's or a school's (seed 003: orders No 94 and No 305 approve municipal roadmaps; seed
//! 001: school roadmaps in a regional system), a route (ИОМ, seed 000) is one teacher's. Items
//! linked to what the product tracks complete themselves: a deficit item when the re-diagnosis
//! shows the deficit closed, an event item when the event is held (and, on a route, the teacher
//! came), a session item when the session is held, a mentorship item when it ends. The stored
//! status is the office's; [`settle`] gives the effective one, computed at every read, so it is
//! never stale.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::associations::Association;
use crate::events::{Event, EventStatus};
use crate::ids::check_id;
use crate::meta::{Meta, Versioned};
use crate::model::coded_enum;
use crate::progress::{is_deficit, History};
use crate::validate::{text, Violations};
use crate::{Mentorship, MentorshipStatus, Session, SessionStatus};

coded_enum!(
    PlanKind {
        /// A municipality's or a school's roadmap.
        Roadmap = "roadmap",
        /// A teacher's individual educational route (ИОМ).
        Route = "route",
    }
);

coded_enum!(
    /// What an item is, and what `link` names.
    ItemKind {
        /// Anything else; `link` empty.
        Task = "task",
        /// A deficit to close; `link`: the subject.
        Deficit = "deficit",
        /// Mentoring (pair, group, partnership); `link`: the mentorship.
        Mentorship = "mentorship",
        /// Work in an association; `link`: the association.
        Association = "association",
        /// A course of further training; `link`: the course's name or code, free.
        Course = "course",
        /// A municipal event; `link`: the event.
        Event = "event",
        /// A session of a mentorship; `link`: the session.
        Session = "session",
    }
);

coded_enum!(
    ItemStatus {
        Planned = "planned",
        InProgress = "in_progress",
        Done = "done",
        Cancelled = "cancelled",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanItem {
    /// Unique within the plan ("1", "2.3", "festival").
    pub id: String,
    pub kind: ItemKind,
    pub what: String,
    /// The person, school or office answerable for it.
    pub responsible: String,
    pub due: Option<Date>,
    pub status: ItemStatus,
    /// When it was done.
    pub done_on: Option<Date>,
    /// What shows it done (an order, a link, a report).
    pub evidence: String,
    /// See [`ItemKind`].
    pub link: String,
}

/// Most items one plan holds: a municipal roadmap of a year has a few dozen.
pub const MAX_ITEMS: usize = 300;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub municipality_id: String,
    pub id: String,
    pub kind: PlanKind,
    pub title: String,
    /// A school's roadmap, or the route's teacher's school; empty for a municipal roadmap.
    pub school_id: String,
    /// A route's teacher; empty for a roadmap.
    pub teacher_id: String,
    /// The programme it serves, if any.
    pub programme_id: String,
    pub items: Vec<PlanItem>,
    pub meta: Meta,
}

impl Plan {
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        crate::ids::check_new_id(&mut v, "id", &self.id);
        text(&mut v, "title", &self.title, true, 300);
        match self.kind {
            PlanKind::Route => {
                check_id(&mut v, "teacher_id", &self.teacher_id);
            }
            PlanKind::Roadmap if !self.teacher_id.is_empty() => {
                v.add("teacher_id", "a roadmap is a municipality's or a school's: leave teacher_id empty (a teacher's plan is a route)");
            }
            PlanKind::Roadmap => {}
        }
        if !self.school_id.is_empty() {
            check_id(&mut v, "school_id", &self.school_id);
        }
        if !self.programme_id.is_empty() {
            check_id(&mut v, "programme_id", &self.programme_id);
        }
        if self.items.len() > MAX_ITEMS {
            v.add("items", format!("at most {MAX_ITEMS} items"));
        }
        let mut seen = BTreeSet::new();
        for (i, x) in self.items.iter().enumerate() {
            let f = |n: &str| format!("items[{i}].{n}");
            text(&mut v, &f("id"), &x.id, true, 40);
            if !seen.insert(x.id.as_str()) {
                v.add(f("id"), format!("'{}' is used by an earlier item", x.id));
            }
            text(&mut v, &f("what"), &x.what, true, 1000);
            text(&mut v, &f("responsible"), &x.responsible, false, 300);
            text(&mut v, &f("evidence"), &x.evidence, false, 1000);
            text(&mut v, &f("link"), &x.link, false, 200);
            let needs_link = !matches!(x.kind, ItemKind::Task | ItemKind::Course);
            if needs_link && x.link.is_empty() {
                v.add(
                    f("link"),
                    format!(
                        "a {} item names its {}",
                        x.kind.code(),
                        match x.kind {
                            ItemKind::Deficit => "subject",
                            _ => x.kind.code(),
                        }
                    ),
                );
            }
            if x.kind == ItemKind::Deficit && self.kind != PlanKind::Route {
                v.add(
                    f("kind"),
                    "deficit items belong to a teacher's route (a roadmap has no teacher)",
                );
            }
            if x.status == ItemStatus::Done && x.done_on.is_none() && x.kind == ItemKind::Course {
                v.add(
                    f("done_on"),
                    "a completed course says when it was completed",
                );
            }
        }
        v.into_result()
    }

    /// The items as [`settle`]d against what the product tracks.
    pub fn settled(&self, f: &Tracked<'_>) -> Vec<Settled> {
        self.items.iter().map(|x| settle(self, x, f)).collect()
    }
}

impl Versioned for Plan {
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

/// What items are settled against.
#[derive(Debug, Clone, Copy)]
pub struct Tracked<'a> {
    pub history: &'a History<'a>,
    pub events: &'a BTreeMap<&'a str, &'a Event>,
    pub sessions: &'a BTreeMap<&'a str, &'a Session>,
    pub mentorships: &'a BTreeMap<&'a str, &'a Mentorship>,
    pub today: Date,
}

/// An item with its effective status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    pub item: PlanItem,
    /// Done by what the product tracks (not by the office's hand).
    pub automatic: bool,
    /// Due before today and neither done nor cancelled.
    pub overdue: bool,
}

/// The effective status of one item: the office's, or done when what it links to says so.
pub fn settle(plan: &Plan, x: &PlanItem, f: &Tracked<'_>) -> Settled {
    let mut item = x.clone();
    let mut automatic = false;
    if !matches!(x.status, ItemStatus::Done | ItemStatus::Cancelled) {
        let done: Option<(Date, String)> = match x.kind {
            ItemKind::Deficit => {
                let rounds = f.history.rounds(&plan.teacher_id, &x.link);
                let first_deficit = rounds.iter().position(|d| is_deficit(d.level));
                first_deficit.and_then(|i| {
                    rounds[i + 1..]
                        .last()
                        .filter(|d| !is_deficit(d.level))
                        .map(|d| {
                            (
                                d.date,
                                format!(
                                    "diagnostic of {}: level {}",
                                    d.date,
                                    d.level.code().to_uppercase()
                                ),
                            )
                        })
                })
            }
            ItemKind::Event => f.events.get(x.link.as_str()).and_then(|e| {
                let came = plan.kind == PlanKind::Roadmap
                    || e.attended.iter().any(|t| t == &plan.teacher_id);
                (e.status == EventStatus::Held && came)
                    .then(|| (e.start.date(), format!("event '{}' held", e.title)))
            }),
            ItemKind::Session => f.sessions.get(x.link.as_str()).and_then(|s| {
                (s.status == SessionStatus::Held)
                    .then(|| (s.start.date(), format!("session {} held", s.id)))
            }),
            ItemKind::Mentorship => f.mentorships.get(x.link.as_str()).and_then(|m| {
                (m.status == MentorshipStatus::Ended)
                    .then_some(m.ended_on)
                    .flatten()
                    .map(|d| (d, format!("mentorship {} ended", m.id)))
            }),
            ItemKind::Task | ItemKind::Course | ItemKind::Association => None,
        };
        if let Some((date, evidence)) = done {
            item.status = ItemStatus::Done;
            item.done_on = Some(date);
            if item.evidence.is_empty() {
                item.evidence = evidence;
            }
            automatic = true;
        }
    }
    let overdue = !matches!(item.status, ItemStatus::Done | ItemStatus::Cancelled)
        && item.due.is_some_and(|d| d < f.today);
    Settled {
        item,
        automatic,
        overdue,
    }
}

/// The last day of the school year `today` falls in (31 August).
pub fn school_year_end(today: Date) -> Date {
    let y = if today.month() >= 9 {
        today.year() + 1
    } else {
        today.year()
    };
    Date::new(y, 8, 31).unwrap_or(today)
}

/// What a route is drafted from.
#[derive(Clone, Copy)]
pub struct RouteSources<'a> {
    pub history: &'a History<'a>,
    pub mentorships: &'a [Mentorship],
    pub associations: &'a [Association],
    pub events: &'a [Event],
    pub today: Date,
    /// A subject's name as the route is written (the catalogue's, in the office's language).
    pub subject_name: &'a dyn Fn(&str) -> String,
}

impl std::fmt::Debug for RouteSources<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RouteSources")
            .field("today", &self.today)
            .finish_non_exhaustive()
    }
}

fn date_ru(d: Date) -> String {
    format!("{:02}.{:02}.{}", d.day(), d.month(), d.year())
}

/// The items of a teacher's route drafted from the latest diagnostic and the network: a
/// deficit item per subject whose latest level is A or B (due at the end of the school year),
/// a mentorship item per active mentorship the teacher is mentored in (a pair or group; for a
/// member of the management team, the internship platform its school goes to), an association
/// item per current membership, and an event item per planned event from today on that the
/// teacher is invited or registered to, or that addresses one of the deficits.
pub fn draft_route(teacher: &crate::Teacher, src: &RouteSources<'_>) -> Vec<PlanItem> {
    let teacher_id = teacher.id.as_str();
    let end = school_year_end(src.today);
    let mut items = Vec::new();
    let mut next = 1;
    let mut push = |kind, what: String, link: String, due, responsible: String| {
        items.push(PlanItem {
            id: next.to_string(),
            kind,
            what,
            responsible,
            due,
            status: ItemStatus::Planned,
            done_on: None,
            evidence: String::new(),
            link,
        });
        next += 1;
    };
    let mut deficits = Vec::new();
    for subject in src.history.subjects_of(teacher_id) {
        if let Some(d) = src.history.latest(teacher_id, subject) {
            if is_deficit(d.level) {
                deficits.push(subject.to_string());
                push(
                    ItemKind::Deficit,
                    format!(
                        "Устранить дефицит уровня {}: {} (диагностика {})",
                        d.level.code().to_uppercase(),
                        (src.subject_name)(subject),
                        date_ru(d.date)
                    ),
                    subject.to_string(),
                    Some(end),
                    String::new(),
                );
            }
        }
    }
    let team = teacher.position.is_administrator();
    for m in src.mentorships.iter().filter(|m| {
        m.is_active()
            && if m.kind == crate::MatchKind::ManagementPlatforms {
                team && m.mentee_id == teacher.school_id
            } else {
                !m.kind.is_schools()
                    && (m.mentee_id == teacher_id || m.members.iter().any(|x| x == teacher_id))
            }
    }) {
        let what = if m.kind == crate::MatchKind::ManagementPlatforms {
            format!(
                "Стажировочная площадка управленческой команды: {}",
                m.subject
            )
        } else if m.subject.is_empty() {
            "Наставничество".to_string()
        } else {
            format!("Наставничество: {}", (src.subject_name)(&m.subject))
        };
        push(
            ItemKind::Mentorship,
            what,
            m.id.clone(),
            m.ended_on.or(Some(end)),
            m.mentor_id.clone(),
        );
    }
    for a in src.associations {
        if a.members
            .iter()
            .any(|x| x.teacher_id == teacher_id && x.left_on.is_none())
        {
            push(
                ItemKind::Association,
                format!("Работа в объединении «{}»", a.name),
                a.id.clone(),
                Some(end),
                String::new(),
            );
        }
    }
    let mut events: Vec<&Event> = src
        .events
        .iter()
        .filter(|e| {
            e.status == EventStatus::Planned
                && e.start.date() >= src.today
                && (e.invited_teachers.iter().any(|t| t == teacher_id)
                    || e.registered.iter().any(|t| t == teacher_id)
                    || e.topics.iter().any(|t| deficits.contains(t)))
        })
        .collect();
    events.sort_by_key(|e| (e.start, e.id.clone()));
    for e in events {
        push(
            ItemKind::Event,
            format!("Участие: {}", e.title),
            e.id.clone(),
            Some(e.start.date()),
            String::new(),
        );
    }
    items
}

/// A municipal roadmap for one school year from the cycle seed 003 ran (orders No 277, 263, 54,
/// 148, 283 and the annual analysis): monitoring of deficits, addressed recommendations, the
/// list of partnerships, schools' plans, a festival of open lessons and its report, the
/// re-measurement of indicators, the annual report. Dates fall in the school year starting in
/// `start_year`.
pub fn roadmap_template(start_year: i16) -> Vec<PlanItem> {
    let d = |y: i16, m: i8, day: i8| Date::new(y, m, day).ok();
    let next = start_year + 1;
    let rows: [(&str, &str, Option<Date>); 8] = [
        (
            "Мониторинг профессиональных дефицитов педагогов",
            "Методическая служба",
            d(start_year, 9, 30),
        ),
        (
            "Адресные рекомендации по итогам мониторинга",
            "Методическая служба",
            d(start_year, 10, 10),
        ),
        (
            "Приказ об утверждении перечня сетевых партнёрств на учебный год",
            "Комитет образования",
            d(start_year, 10, 15),
        ),
        (
            "Планы сетевого взаимодействия школ-партнёров",
            "Руководители образовательных организаций",
            d(start_year, 10, 31),
        ),
        (
            "Фестиваль открытых уроков",
            "Методическая служба",
            d(next, 3, 31),
        ),
        (
            "Отчёт о проведении фестиваля открытых уроков",
            "Методическая служба",
            d(next, 4, 30),
        ),
        (
            "Повторное измерение показателей мониторинга принятых мер",
            "Методическая служба",
            d(next, 5, 31),
        ),
        (
            "Аналитический отчёт о реализации программы за учебный год",
            "Комитет образования",
            d(next, 6, 30),
        ),
    ];
    rows.into_iter()
        .enumerate()
        .map(|(i, (what, who, due))| PlanItem {
            id: (i + 1).to_string(),
            kind: ItemKind::Task,
            what: what.to_string(),
            responsible: who.to_string(),
            due,
            status: ItemStatus::Planned,
            done_on: None,
            evidence: String::new(),
            link: String::new(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::model::{Diagnostic, Level};

    fn diag(level: Level, date: Date) -> Diagnostic {
        Diagnostic {
            municipality_id: "m".into(),
            id: format!("t1.math.{date}"),
            teacher_id: "t1".into(),
            subject: "math".into(),
            date,
            level,
            scores: Default::default(),
            source: String::new(),
            meta: Meta::new(jiff::Timestamp::UNIX_EPOCH),
        }
    }

    fn route(items: Vec<PlanItem>) -> Plan {
        Plan {
            municipality_id: "m".into(),
            id: "route-t1".into(),
            kind: PlanKind::Route,
            title: "ИОМ".into(),
            school_id: "s1".into(),
            teacher_id: "t1".into(),
            programme_id: String::new(),
            items,
            meta: Meta::new(jiff::Timestamp::UNIX_EPOCH),
        }
    }

    fn item(kind: ItemKind, link: &str, due: Option<Date>) -> PlanItem {
        PlanItem {
            id: "1".into(),
            kind,
            what: "x".into(),
            responsible: String::new(),
            due,
            status: ItemStatus::Planned,
            done_on: None,
            evidence: String::new(),
            link: link.into(),
        }
    }

    fn settle_with(diags: &[Diagnostic], p: &Plan, today: Date) -> Settled {
        let h = History::new(diags);
        let (e, s, m) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
        let f = Tracked {
            history: &h,
            events: &e,
            sessions: &s,
            mentorships: &m,
            today,
        };
        settle(p, &p.items[0], &f)
    }

    #[test]
    fn a_deficit_item_closes_when_the_rediagnosis_shows_it_closed() {
        let d1 = Date::new(2021, 9, 20).unwrap();
        let d2 = Date::new(2022, 5, 20).unwrap();
        let due = Date::new(2022, 8, 31).unwrap();
        let p = route(vec![item(ItemKind::Deficit, "math", Some(due))]);
        let open = settle_with(&[diag(Level::A, d1)], &p, d2);
        assert_eq!(open.item.status, ItemStatus::Planned);
        assert!(!open.overdue);
        let still = settle_with(&[diag(Level::A, d1), diag(Level::B, d2)], &p, d2);
        assert_eq!(still.item.status, ItemStatus::Planned);
        let closed = settle_with(&[diag(Level::A, d1), diag(Level::C, d2)], &p, d2);
        assert_eq!(closed.item.status, ItemStatus::Done);
        assert_eq!(closed.item.done_on, Some(d2));
        assert!(closed.automatic);
        let late = settle_with(&[diag(Level::A, d1)], &p, Date::new(2022, 9, 1).unwrap());
        assert!(late.overdue);
    }

    #[test]
    fn validation_names_each_bad_item() {
        let mut p = route(vec![
            item(ItemKind::Event, "", None),
            item(ItemKind::Task, "", None),
        ]);
        let Err(v) = p.validate() else {
            panic!("accepted an event item without its event and a repeated item id")
        };
        let fields: Vec<&str> = v.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(fields, ["items[0].link", "items[1].id"]);
        p.kind = PlanKind::Roadmap;
        p.items = vec![item(ItemKind::Deficit, "math", None)];
        assert!(p.validate().is_err());
    }

    #[test]
    fn the_template_falls_in_its_school_year() {
        let items = roadmap_template(2021);
        assert_eq!(items.len(), 8);
        for x in &items {
            let due = x.due.unwrap();
            assert!(
                due >= Date::new(2021, 9, 1).unwrap() && due <= Date::new(2022, 8, 31).unwrap()
            );
        }
    }
}
