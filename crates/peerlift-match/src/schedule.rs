//! Session scheduling (the core of the sessions capability): place the sessions each active
//! mentorship is due over a horizon of weeks, inside weekly availability windows, never
//! double-booking a mentor or a mentee, leaving travel time between schools for in-person
//! sessions of one mentor, skipping non-working days, and saying why a session could not be
//! placed.
//!
//! Pure and deterministic: requests are handled in id order, days in date order, start times
//! in 15-minute steps, the first feasible slot wins.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, DateTime, Time};
use jiff::ToSpan;
use peerlift_domain::{Mode, Phrase, Weekday, Window};

/// Start times are tried on this grid (minutes).
pub const STEP_MINUTES: u16 = 15;

/// One mentorship's due sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub mentorship_id: String,
    pub mentor: String,
    pub mentees: Vec<String>,
    pub mode: Mode,
    /// Where an in-person session happens (usually the mentee's school, for lesson visits).
    pub school: Option<String>,
    pub duration_minutes: u16,
    /// Sessions per due week.
    pub per_week: u16,
    /// Due every this many weeks (1: weekly).
    pub every_weeks: u16,
}

/// A session already in the calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Busy {
    pub people: Vec<String>,
    pub start: DateTime,
    pub end: DateTime,
    pub mode: Mode,
    pub school: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Input {
    pub start: Date,
    pub weeks: u16,
    pub non_working: BTreeSet<Date>,
    /// Weekly windows of each person, on top of `default_windows`.
    pub windows: BTreeMap<String, Vec<Window>>,
    /// The municipality's methodical day(s): when everyone is free for mentoring work.
    pub default_windows: Vec<Window>,
    /// Sessions a mentorship already has in a week (keyed by the week's Monday): they count
    /// towards what is due, so proposing twice does not double a mentorship's sessions.
    pub already: BTreeMap<(String, Date), u16>,
    pub requests: Vec<Request>,
    pub busy: Vec<Busy>,
    /// Travel minutes between two schools (symmetric); missing pairs count as 0.
    pub travel: BTreeMap<(String, String), u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub mentorship_id: String,
    pub start: DateTime,
    pub end: DateTime,
    pub mode: Mode,
    pub school: Option<String>,
    pub people: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unplaced {
    pub mentorship_id: String,
    /// The Monday of the week the session was due.
    pub week: Date,
    pub reason: Phrase,
}

fn weekday_of(d: Date) -> Weekday {
    match d.weekday() {
        jiff::civil::Weekday::Monday => Weekday::Monday,
        jiff::civil::Weekday::Tuesday => Weekday::Tuesday,
        jiff::civil::Weekday::Wednesday => Weekday::Wednesday,
        jiff::civil::Weekday::Thursday => Weekday::Thursday,
        jiff::civil::Weekday::Friday => Weekday::Friday,
        jiff::civil::Weekday::Saturday => Weekday::Saturday,
        jiff::civil::Weekday::Sunday => Weekday::Sunday,
    }
}

fn at(d: Date, minute: u16) -> DateTime {
    let t = Time::new((minute / 60) as i8, (minute % 60) as i8, 0, 0).unwrap_or(Time::midnight());
    d.to_datetime(t)
}

/// Minutes between two schools.
fn travel(input: &Input, a: &Option<String>, b: &Option<String>) -> i64 {
    match (a, b) {
        (Some(a), Some(b)) if a != b => {
            let k = if a < b {
                (a.clone(), b.clone())
            } else {
                (b.clone(), a.clone())
            };
            i64::from(input.travel.get(&k).copied().unwrap_or(0))
        }
        _ => 0,
    }
}

/// The windows a person is free in on a weekday: the methodical day and their own windows.
pub fn windows_of<'a>(input: &'a Input, person: &str, day: Weekday) -> Vec<&'a Window> {
    input
        .default_windows
        .iter()
        .chain(input.windows.get(person).into_iter().flatten())
        .filter(|w| w.weekday == day)
        .collect()
}

/// The Monday of a date's week.
pub fn monday_of(d: Date) -> Date {
    d.checked_sub((d.weekday().to_monday_zero_offset() as i64).days())
        .unwrap_or(d)
}

/// Places every request's sessions over the horizon.
pub fn propose(input: &Input) -> (Vec<Placed>, Vec<Unplaced>) {
    let mut calendar: Vec<Busy> = input.busy.clone();
    let mut placed = Vec::new();
    let mut unplaced = Vec::new();
    let mut requests: Vec<&Request> = input.requests.iter().collect();
    requests.sort_by(|a, b| a.mentorship_id.cmp(&b.mentorship_id));
    // Weeks start on the Monday of the start date's week; days before `start` are skipped.
    let first_monday = monday_of(input.start);
    for w in 0..input.weeks {
        let Ok(monday) = first_monday.checked_add((i64::from(w) * 7).days()) else {
            break;
        };
        for r in &requests {
            if r.every_weeks == 0 || w % r.every_weeks != 0 {
                continue;
            }
            let mut people = vec![r.mentor.clone()];
            people.extend(r.mentees.iter().cloned());
            let have = input
                .already
                .get(&(r.mentorship_id.clone(), monday))
                .copied()
                .unwrap_or(0);
            let mut days_used: Vec<Date> = Vec::new();
            for _ in have..r.per_week.max(1) {
                // Several sessions a week go to different days when the windows allow.
                let attempt = place_one(input, &calendar, r, &people, monday, &days_used)
                    .or_else(|_| place_one(input, &calendar, r, &people, monday, &[]));
                match attempt {
                    Ok(p) => {
                        days_used.push(p.start.date());
                        calendar.push(Busy {
                            people: p.people.clone(),
                            start: p.start,
                            end: p.end,
                            mode: p.mode,
                            school: p.school.clone(),
                        });
                        placed.push(p);
                    }
                    Err(reason) => unplaced.push(Unplaced {
                        mentorship_id: r.mentorship_id.clone(),
                        week: monday,
                        reason,
                    }),
                }
            }
        }
    }
    (placed, unplaced)
}

fn place_one(
    input: &Input,
    calendar: &[Busy],
    r: &Request,
    people: &[String],
    monday: Date,
    avoid_days: &[Date],
) -> Result<Placed, Phrase> {
    let mut saw_working_day = false;
    let mut saw_common_window = false;
    let mut blocked_by_travel = false;
    // Non-working days that had a common window: the reason to name when nothing else had.
    let mut lost_to_holidays: Vec<Date> = Vec::new();
    // Participants whose other sessions took the slots.
    let mut booked: BTreeSet<String> = BTreeSet::new();
    for offset in 0..7i64 {
        let Ok(day) = monday.checked_add(offset.days()) else {
            continue;
        };
        if day < input.start {
            continue;
        }
        let common = common_windows(input, r, weekday_of(day));
        if input.non_working.contains(&day) {
            if !common.is_empty() {
                lost_to_holidays.push(day);
            }
            continue;
        }
        saw_working_day = true;
        if avoid_days.contains(&day) {
            continue;
        }
        for (ws, we) in common {
            if we - ws < r.duration_minutes {
                continue;
            }
            saw_common_window = true;
            let mut t = ws;
            while t + r.duration_minutes <= we {
                let (start, end) = (at(day, t), at(day, t + r.duration_minutes));
                match conflict(input, calendar, r, people, start, end) {
                    None => {
                        return Ok(Placed {
                            mentorship_id: r.mentorship_id.clone(),
                            start,
                            end,
                            mode: r.mode,
                            school: r.school.clone(),
                            people: people.to_vec(),
                        })
                    }
                    Some(true) => blocked_by_travel = true,
                    Some(false) => {
                        for b in calendar {
                            if b.start < end && start < b.end {
                                booked.extend(
                                    b.people.iter().filter(|p| people.contains(p)).cloned(),
                                );
                            }
                        }
                    }
                }
                t += STEP_MINUTES;
            }
        }
    }
    let days = |list: &[Date]| {
        list.iter()
            .map(|d| format!("{} {d}", weekday_of(*d).code()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Err(if !saw_common_window && !lost_to_holidays.is_empty() {
        Phrase::new("unplaced-holidays").text("days", days(&lost_to_holidays))
    } else if !saw_working_day {
        Phrase::new("unplaced-no-working-day")
    } else if !saw_common_window {
        Phrase::new("unplaced-no-window")
            .num("minutes", r.duration_minutes)
            .text("people", people.join(", "))
    } else if !booked.is_empty() {
        let who: Vec<String> = booked.into_iter().collect();
        Phrase::new(if blocked_by_travel {
            "unplaced-booked-or-travel"
        } else {
            "unplaced-booked"
        })
        .text("people", who.join(", "))
    } else {
        Phrase::new("unplaced-travel")
    })
}

/// The windows on a weekday when the mentor and every mentee are free, in time order.
fn common_windows(input: &Input, r: &Request, wd: Weekday) -> Vec<(u16, u16)> {
    let mut common: Vec<(u16, u16)> = windows_of(input, &r.mentor, wd)
        .iter()
        .map(|w| (w.start_minute, w.end_minute))
        .collect();
    for m in &r.mentees {
        let theirs: Vec<(u16, u16)> = windows_of(input, m, wd)
            .iter()
            .map(|w| (w.start_minute, w.end_minute))
            .collect();
        let mut next = Vec::new();
        for (a, b) in &common {
            for (c, d) in &theirs {
                let (s, e) = ((*a).max(*c), (*b).min(*d));
                if s < e {
                    next.push((s, e));
                }
            }
        }
        common = next;
    }
    // Own windows may overlap the methodical day: merge what overlaps or touches.
    common.sort_unstable();
    let mut merged: Vec<(u16, u16)> = Vec::with_capacity(common.len());
    for (s, e) in common {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// Whether the slot clashes: None = free; Some(true) = only travel time is short; Some(false)
/// = someone is booked. Anyone attending two in-person sessions at different schools on one
/// day needs the travel time between them.
fn conflict(
    input: &Input,
    calendar: &[Busy],
    r: &Request,
    people: &[String],
    start: DateTime,
    end: DateTime,
) -> Option<bool> {
    clash(
        input,
        calendar,
        &Busy {
            people: people.to_vec(),
            start,
            end,
            mode: r.mode,
            school: r.school.clone(),
        },
    )
}

/// Whether `candidate` clashes with the calendar (None: it fits; Some(true): only the travel
/// time to a neighbouring in-person session is short; Some(false): someone is booked). Only
/// `input.travel` is read, so accepting a stored proposal can re-check it against the sessions
/// created since.
pub fn clash(input: &Input, calendar: &[Busy], candidate: &Busy) -> Option<bool> {
    let (people, start, end) = (&candidate.people, candidate.start, candidate.end);
    let mut travel_only = false;
    for b in calendar {
        if !b.people.iter().any(|p| people.contains(p)) {
            continue;
        }
        if b.start < end && start < b.end {
            return Some(false);
        }
        if candidate.mode == Mode::InPerson
            && b.mode == Mode::InPerson
            && b.start.date() == start.date()
        {
            let gap = travel(input, &b.school, &candidate.school);
            let apart = if b.end <= start {
                (start - b.end).get_minutes()
            } else {
                (b.start - end).get_minutes()
            };
            if apart < gap {
                travel_only = true;
            }
        }
    }
    if travel_only {
        Some(true)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn thursday() -> Window {
        Window {
            weekday: Weekday::Thursday,
            start_minute: 14 * 60,
            end_minute: 17 * 60,
        }
    }

    #[test]
    fn a_weekly_visit_lands_on_the_methodical_day_and_skips_holidays() {
        let start = Date::constant(2026, 11, 23); // a Monday
        let input = Input {
            start,
            weeks: 3,
            non_working: [Date::constant(2026, 12, 3)].into(), // the second Thursday
            default_windows: vec![thursday()],
            requests: vec![Request {
                mentorship_id: "ms-1".into(),
                mentor: "m".into(),
                mentees: vec!["e".into()],
                mode: Mode::InPerson,
                school: Some("s".into()),
                duration_minutes: 45,
                per_week: 1,
                every_weeks: 1,
            }],
            ..Input::default()
        };
        let (placed, unplaced) = propose(&input);
        let days: Vec<Date> = placed.iter().map(|p| p.start.date()).collect();
        assert_eq!(
            days,
            [Date::constant(2026, 11, 26), Date::constant(2026, 12, 10)]
        );
        assert_eq!(unplaced.len(), 1);
        assert_eq!(unplaced[0].week, Date::constant(2026, 11, 30));
        assert_eq!(
            peerlift_text::english(&unplaced[0].reason),
            "the week's common availability falls on non-working days (thu 2026-12-03)"
        );
    }

    #[test]
    fn twice_a_week_uses_two_days_and_counts_sessions_already_planned() {
        let start = Date::constant(2026, 11, 23);
        let tuesday = Window {
            weekday: Weekday::Tuesday,
            ..thursday()
        };
        let mut input = Input {
            start,
            weeks: 2,
            default_windows: vec![tuesday, thursday()],
            requests: vec![Request {
                mentorship_id: "ms-1".into(),
                mentor: "m".into(),
                mentees: vec!["e".into()],
                mode: Mode::Online,
                school: None,
                duration_minutes: 60,
                per_week: 2,
                every_weeks: 1,
            }],
            ..Input::default()
        };
        input.already.insert(("ms-1".into(), start), 1);
        let (placed, unplaced) = propose(&input);
        assert!(unplaced.is_empty());
        let days: Vec<Date> = placed.iter().map(|p| p.start.date()).collect();
        // Week one had one already: one more; week two: Tuesday and Thursday.
        assert_eq!(
            days,
            [
                Date::constant(2026, 11, 24),
                Date::constant(2026, 12, 1),
                Date::constant(2026, 12, 3)
            ]
        );
    }

    /// Whether the windows (possibly overlapping or touching) cover [s, e] without a gap:
    /// walk minute by minute, independently of how the scheduler merges windows.
    fn covered(windows: &[&Window], s: u16, e: u16) -> bool {
        (s..e).all(|m| {
            windows
                .iter()
                .any(|w| w.start_minute <= m && m < w.end_minute)
        })
    }

    /// Random districts: schools, people with windows, pairs and groups.
    fn district() -> impl Strategy<Value = Input> {
        let windows = proptest::collection::vec((0usize..7, 8u16..18, 1u16..4), 1..4);
        let requests = proptest::collection::vec(
            (
                0usize..5,
                proptest::collection::vec(5usize..12, 1..3),
                any::<bool>(),
                0usize..4,
                30u16..120,
                1u16..3,
            ),
            1..10,
        );
        let holidays = proptest::collection::btree_set(0i64..28, 0..5);
        // Sessions already in the calendar: person, day, start hour, minutes, school.
        let busy = proptest::collection::vec(
            (
                0usize..12,
                0i64..28,
                8i8..18,
                30i64..120,
                proptest::option::of(0usize..4),
            ),
            0..8,
        );
        (
            proptest::collection::vec(windows, 12),
            requests,
            holidays,
            proptest::collection::vec(0u16..90, 6),
            busy,
        )
            .prop_map(|(wins, reqs, holidays, travel, busy)| {
                let start = Date::constant(2026, 11, 23);
                let mut input = Input {
                    start,
                    weeks: 4,
                    non_working: holidays
                        .into_iter()
                        .filter_map(|d| start.checked_add(d.days()).ok())
                        .collect(),
                    default_windows: vec![thursday()],
                    ..Input::default()
                };
                for (p, ws) in wins.iter().enumerate() {
                    let mut list: Vec<Window> = ws
                        .iter()
                        .map(|(d, h, len)| Window {
                            weekday: Weekday::ALL[*d],
                            start_minute: h * 60,
                            end_minute: (h + len) * 60,
                        })
                        .collect();
                    list.sort();
                    list.dedup_by(|a, b| a.weekday == b.weekday);
                    if p % 3 != 0 {
                        input.windows.insert(format!("p{p}"), list);
                    }
                }
                let schools = ["a", "b", "c", "d"];
                for (person, day, hour, minutes, school) in busy {
                    let Ok(d) = start.checked_add(day.days()) else {
                        continue;
                    };
                    let from = d.at(hour, 0, 0, 0);
                    input.busy.push(Busy {
                        people: vec![format!("p{person}")],
                        start: from,
                        end: from + jiff::SignedDuration::from_mins(minutes),
                        mode: if school.is_some() {
                            Mode::InPerson
                        } else {
                            Mode::Online
                        },
                        school: school.map(|i| schools[i].to_string()),
                    });
                }
                let mut k = 0;
                for i in 0..4 {
                    for j in i + 1..4 {
                        input
                            .travel
                            .insert((schools[i].to_string(), schools[j].to_string()), travel[k]);
                        k += 1;
                    }
                }
                for (i, (mentor, mentees, online, school, dur, per_week)) in
                    reqs.into_iter().enumerate()
                {
                    input.requests.push(Request {
                        mentorship_id: format!("ms-{i:02}"),
                        mentor: format!("p{mentor}"),
                        mentees: mentees.iter().map(|m| format!("p{m}")).collect(),
                        mode: if online { Mode::Online } else { Mode::InPerson },
                        school: (!online).then(|| schools[school].to_string()),
                        duration_minutes: dur,
                        per_week,
                        every_weeks: 1 + (i as u16 % 2),
                    });
                }
                input
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn schedules_never_double_book_and_keep_windows_holidays_and_travel(input in district()) {
            let (placed, unplaced) = propose(&input);
            for (i, p) in placed.iter().enumerate() {
                // Availability and working days.
                prop_assert!(!input.non_working.contains(&p.start.date()));
                prop_assert!(p.start.date() >= input.start);
                let wd = weekday_of(p.start.date());
                let (s, e) = (
                    (p.start.hour() as u16) * 60 + p.start.minute() as u16,
                    (p.end.hour() as u16) * 60 + p.end.minute() as u16,
                );
                for person in &p.people {
                    prop_assert!(covered(&windows_of(&input, person, wd), s, e), "{person} outside their windows: {p:?}");
                }
                // Against the sessions already booked, then against each other.
                let booked: Vec<Placed> = input.busy.iter().map(|b| Placed {
                    mentorship_id: String::new(),
                    start: b.start,
                    end: b.end,
                    mode: b.mode,
                    school: b.school.clone(),
                    people: b.people.clone(),
                }).collect();
                for q in placed[i + 1..].iter().chain(&booked) {
                    let shared = p.people.iter().any(|x| q.people.contains(x));
                    if shared {
                        prop_assert!(q.end <= p.start || p.end <= q.start, "double booking {p:?} {q:?}");
                    }
                    // Travel between in-person sessions at different schools on one day.
                    if shared && p.mode == Mode::InPerson && q.mode == Mode::InPerson
                        && p.start.date() == q.start.date()
                    {
                        let gap = travel(&input, &p.school, &q.school);
                        let apart = if p.end <= q.start { (q.start - p.end).get_minutes() } else { (p.start - q.end).get_minutes() };
                        prop_assert!(apart >= gap, "travel {gap} min, apart {apart}: {p:?} {q:?}");
                    }
                }
            }
            for u in &unplaced {
                prop_assert!(!u.reason.is_empty());
            }
            prop_assert_eq!(propose(&input), (placed, unplaced));
        }
    }
}
