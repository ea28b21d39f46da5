//! CLI commands for sessions, schedules, progress and reports.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::client::Conn;
use jiff::civil::DateTime;
use jiff::Timestamp;
use peerlift_api::pb;
use peerlift_api::pb::municipality_service_client::MunicipalityServiceClient;
use peerlift_api::pb::report_service_client::ReportServiceClient;
use peerlift_api::pb::school_service_client::SchoolServiceClient;
use peerlift_api::pb::session_service_client::SessionServiceClient;

use crate::client::{enum_code, level_name, ClientError};
use crate::i18n::{self, n, s, tr};
use crate::ics;
use crate::svg::{bar_chart, Series};
use crate::table::Table;

fn kind_name(k: i32) -> String {
    enum_code(
        pb::SessionKind::try_from(k).ok().map(|x| x.as_str_name()),
        "SESSION_KIND_",
    )
}

fn status_name(s: i32) -> String {
    enum_code(
        pb::SessionStatus::try_from(s).ok().map(|x| x.as_str_name()),
        "SESSION_STATUS_",
    )
}

/// Two decimals, never "-0.00" (a mean of tiny losses rounds to zero, not below it).
fn opt(x: Option<f64>) -> String {
    x.map(fixed2).unwrap_or_else(|| "-".into())
}

fn fixed2(x: f64) -> String {
    let s = format!("{x:.2}");
    if s == "-0.00" {
        "0.00".into()
    } else {
        s
    }
}

fn pct(part: u32, whole: u32) -> String {
    if whole == 0 {
        "-".into()
    } else {
        format!("{:.0}%", f64::from(part) * 100.0 / f64::from(whole))
    }
}

/// Which sessions a schedule shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub teacher: String,
    pub school: String,
    pub mentorship: String,
    pub from: String,
    pub to: String,
}

async fn all_sessions(
    c: &mut SessionServiceClient<Conn>,
    municipality: &str,
    f: &Filter,
) -> Result<Vec<pb::Session>, ClientError> {
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let r = c
            .list_sessions(pb::ListSessionsRequest {
                municipality_id: municipality.to_string(),
                page_size: 1000,
                page_token: token,
                mentorship_id: f.mentorship.clone(),
                participant_id: f.teacher.clone(),
                school_id: f.school.clone(),
                from: f.from.clone(),
                to: f.to.clone(),
                ..Default::default()
            })
            .await?
            .into_inner();
        out.extend(r.sessions);
        if r.next_page_token.is_empty() {
            return Ok(out);
        }
        token = r.next_page_token;
    }
}

fn write_out(out: &Option<PathBuf>, text: &str) -> Result<(), ClientError> {
    match out {
        Some(path) => std::fs::write(path, text).map_err(|source| ClientError::Io {
            path: path.display().to_string(),
            source,
        }),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

/// The municipal events a teacher is invited to or a school hosts or is invited to (none for
/// a mentorship's schedule).
async fn all_events(
    channel: &Conn,
    municipality: &str,
    f: &Filter,
) -> Result<Vec<pb::Event>, ClientError> {
    if f.teacher.is_empty() && f.school.is_empty() {
        return Ok(Vec::new());
    }
    let client = peerlift_api::pb::event_service_client::EventServiceClient::new(channel.clone());
    crate::client::every_page(|page_token| {
        let mut client = client.clone();
        let req = pb::ListEventsRequest {
            municipality_id: municipality.to_string(),
            page_size: 1000,
            page_token,
            teacher_id: f.teacher.clone(),
            school_id: if f.teacher.is_empty() {
                f.school.clone()
            } else {
                String::new()
            },
            from: f.from.clone(),
            to: f.to.clone(),
            ..Default::default()
        };
        async move {
            let r = client.list_events(req).await?.into_inner();
            Ok((r.events, r.next_page_token))
        }
    })
    .await
}

fn event_status_name(s: i32) -> String {
    enum_code(
        pb::EventStatus::try_from(s).ok().map(|x| x.as_str_name()),
        "EVENT_STATUS_",
    )
}

/// An event kind as a person reads it: the catalogue's name in the language in use, else the
/// code (a municipality's own kinds).
pub fn event_kind_name(code: &str) -> String {
    let id = format!("event-{code}");
    let name = i18n::t(&id);
    if name == id {
        code.to_string()
    } else {
        name
    }
}

/// A person's, a school's or a mentorship's sessions, and the municipal events of the person
/// or school: a table, or iCalendar with `ics`.
pub async fn schedule(
    channel: Conn,
    municipality: String,
    f: Filter,
    ics_out: bool,
    out: Option<PathBuf>,
) -> Result<(), ClientError> {
    let mut c = SessionServiceClient::new(channel.clone());
    let sessions = all_sessions(&mut c, &municipality, &f).await?;
    let municipal_events = all_events(&channel, &municipality, &f).await?;
    if crate::output::json() && !ics_out {
        crate::output::print_list(&sessions, "peerlift.v1.Session");
        if !municipal_events.is_empty() {
            crate::output::print_list(&municipal_events, "peerlift.v1.Event");
        }
        return Ok(());
    }
    if !ics_out {
        let mut t = Table::new(&[
            "id",
            "start",
            "min",
            "kind",
            "mentorship",
            "mentor",
            "mentees",
            "where",
            "status",
        ]);
        for s in &sessions {
            t.row(vec![
                s.id.clone(),
                s.start.clone(),
                s.duration_minutes.to_string(),
                kind_name(s.kind),
                s.mentorship_id.clone(),
                s.mentor_id.clone(),
                s.mentee_ids.join(" "),
                if s.school_id.is_empty() {
                    "online".into()
                } else {
                    s.school_id.clone()
                },
                status_name(s.status),
            ]);
        }
        let mut text = t.render();
        if !municipal_events.is_empty() {
            let mut e = Table::new(&["event", "start", "min", "kind", "title", "where", "status"]);
            for x in &municipal_events {
                e.row(vec![
                    x.id.clone(),
                    x.start.clone(),
                    x.duration_minutes.to_string(),
                    event_kind_name(&x.kind),
                    x.title.clone(),
                    if x.host_school_id.is_empty() {
                        "online".into()
                    } else {
                        x.host_school_id.clone()
                    },
                    event_status_name(x.status),
                ]);
            }
            text.push_str(&format!("\n{}\n{}", i18n::t("schedule-events"), e.render()));
        }
        return write_out(&out, &text);
    }
    let text = ics_of(channel, &municipality, &f, sessions, municipal_events).await?;
    write_out(&out, &text)
}

/// A person's, a school's or a mentorship's sessions and municipal events as iCalendar (the
/// CLI's `--ics` and the console's feed).
pub async fn ics_feed(
    channel: Conn,
    municipality: &str,
    f: &Filter,
) -> Result<String, ClientError> {
    let mut c = SessionServiceClient::new(channel.clone());
    let sessions = all_sessions(&mut c, municipality, f).await?;
    let municipal_events = all_events(&channel, municipality, f).await?;
    ics_of(channel, municipality, f, sessions, municipal_events).await
}

async fn ics_of(
    channel: Conn,
    municipality: &str,
    f: &Filter,
    sessions: Vec<pb::Session>,
    municipal_events: Vec<pb::Event>,
) -> Result<String, ClientError> {
    let municipality = municipality.to_string();
    let f = f.clone();
    let muni = MunicipalityServiceClient::new(channel.clone())
        .get_municipality(pb::GetMunicipalityRequest {
            municipality_id: municipality.clone(),
        })
        .await?
        .into_inner();
    let tz = jiff::tz::TimeZone::get(&muni.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let mut schools = SchoolServiceClient::new(channel.clone());
    let mut teachers = peerlift_api::pb::teacher_service_client::TeacherServiceClient::new(channel);
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut people: BTreeMap<String, String> = BTreeMap::new();
    let mut events = Vec::new();
    // Cancelled sessions stay in the file, marked so, and calendars that had them drop them.
    for s in &sessions {
        for id in std::iter::once(&s.mentor_id).chain(s.mentee_ids.iter()) {
            if id.is_empty() || people.contains_key(id) {
                continue;
            }
            let name = teachers
                .get_teacher(pb::GetTeacherRequest {
                    municipality_id: municipality.clone(),
                    teacher_id: id.clone(),
                })
                .await
                .map(|r| r.into_inner().full_name)
                .unwrap_or_else(|_| id.clone());
            people.insert(id.clone(), name);
        }
        let person = |id: &String| ics::Person {
            name: people.get(id).cloned().unwrap_or_else(|| id.clone()),
            uri: format!("urn:peerlift:teacher:{municipality}:{id}"),
        };
        if !s.school_id.is_empty() && !names.contains_key(&s.school_id) {
            let name = schools
                .get_school(pb::GetSchoolRequest {
                    municipality_id: municipality.clone(),
                    school_id: s.school_id.clone(),
                })
                .await
                .map(|r| r.into_inner().name)
                .unwrap_or_else(|_| s.school_id.clone());
            names.insert(s.school_id.clone(), name);
        }
        let Ok(start) = s.start.parse::<DateTime>() else {
            continue;
        };
        let end = start
            .checked_add(jiff::SignedDuration::from_mins(i64::from(
                s.duration_minutes,
            )))
            .unwrap_or(start);
        let topics = if s.topics.is_empty() {
            String::new()
        } else {
            format!(": {}", s.topics.join(", "))
        };
        let mentor = person(&s.mentor_id);
        events.push(ics::Event {
            uid: format!("{}.{}@peerlift", s.id, municipality),
            sequence: s.etag.parse::<u32>().unwrap_or(1).saturating_sub(1),
            start,
            end,
            summary: format!(
                "{}{topics} ({})",
                i18n::t(&format!(
                    "session-kind-{}",
                    kind_name(s.kind).replace('_', "-")
                )),
                mentor.name
            ),
            location: if s.school_id.is_empty() {
                if s.place.is_empty() {
                    "online".into()
                } else {
                    s.place.clone()
                }
            } else {
                let name = names.get(&s.school_id).cloned().unwrap_or_default();
                if s.place.is_empty() {
                    name
                } else {
                    format!("{name}, {}", s.place)
                }
            },
            description: tr(
                "ics-description",
                &[
                    ("mentorship", i18n::s(&s.mentorship_id)),
                    ("mentor", i18n::s(&mentor.name)),
                    (
                        "mentees",
                        i18n::s(
                            s.mentee_ids
                                .iter()
                                .map(|m| person(m).name)
                                .collect::<Vec<_>>()
                                .join(", "),
                        ),
                    ),
                    ("status", i18n::s(status_name(s.status))),
                ],
            ),
            attendees: s.mentee_ids.iter().map(person).collect(),
            organizer: Some(mentor),
            cancelled: s.status == pb::SessionStatus::Cancelled as i32,
        });
    }
    for x in &municipal_events {
        let Ok(start) = x.start.parse::<DateTime>() else {
            continue;
        };
        let end = start
            .checked_add(jiff::SignedDuration::from_mins(i64::from(
                x.duration_minutes,
            )))
            .unwrap_or(start);
        if !x.host_school_id.is_empty() && !names.contains_key(&x.host_school_id) {
            let name = schools
                .get_school(pb::GetSchoolRequest {
                    municipality_id: municipality.clone(),
                    school_id: x.host_school_id.clone(),
                })
                .await
                .map(|r| r.into_inner().name)
                .unwrap_or_else(|_| x.host_school_id.clone());
            names.insert(x.host_school_id.clone(), name);
        }
        let venue = names.get(&x.host_school_id).cloned().unwrap_or_default();
        events.push(ics::Event {
            uid: format!("event.{}.{}@peerlift", x.id, municipality),
            sequence: x.etag.parse::<u32>().unwrap_or(1).saturating_sub(1),
            start,
            end,
            summary: format!("{}: {}", event_kind_name(&x.kind), x.title),
            location: match (venue.is_empty(), x.place.is_empty()) {
                (true, true) => "online".into(),
                (true, false) => x.place.clone(),
                (false, true) => venue,
                (false, false) => format!("{venue}, {}", x.place),
            },
            description: tr(
                "ics-event-description",
                &[
                    ("kind", i18n::s(event_kind_name(&x.kind))),
                    ("invited", i18n::s(x.invited_count.to_string())),
                    ("status", i18n::s(event_status_name(x.status))),
                ],
            ),
            organizer: None,
            attendees: Vec::new(),
            cancelled: x.status == pb::EventStatus::Cancelled as i32,
        });
    }
    let who = [&f.teacher, &f.school, &f.mentorship]
        .into_iter()
        .find(|x| !x.is_empty())
        .cloned()
        .unwrap_or_else(|| muni.name.clone());
    Ok(ics::calendar(
        &format!("peerlift: {who}"),
        &tz,
        Timestamp::now(),
        &events,
    ))
}

pub async fn propose(
    channel: Conn,
    municipality: String,
    from: String,
    weeks: u32,
    school: String,
) -> Result<(), ClientError> {
    let mut c = SessionServiceClient::new(channel);
    let p = c
        .propose_schedule(pb::ProposeScheduleRequest {
            municipality_id: municipality.clone(),
            from,
            weeks,
            school_id: school,
            ..Default::default()
        })
        .await?
        .into_inner();
    if crate::output::json() {
        crate::output::print(&p, "peerlift.v1.ScheduleProposal");
        return Ok(());
    }
    let mut t = Table::new(&["item", "start", "min", "kind", "mentorship", "where"]);
    for i in &p.items {
        let Some(s) = &i.session else { continue };
        t.row(vec![
            i.index.to_string(),
            s.start.clone(),
            s.duration_minutes.to_string(),
            kind_name(s.kind),
            s.mentorship_id.clone(),
            if s.school_id.is_empty() {
                "online".into()
            } else {
                s.school_id.clone()
            },
        ]);
    }
    print!("{}", t.render());
    if !p.unplaced.is_empty() {
        // One line per reason and week, not one per mentorship: 71 mentorships kept off a
        // holiday are one fact.
        println!("\n{}", i18n::t("proposal-not-placed"));
        let mut grouped: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for x in &p.unplaced {
            grouped
                .entry((x.week.clone(), x.reason.clone()))
                .or_default()
                .push(x.mentorship_id.clone());
        }
        let mut u = Table::new(&["week of", "reason", "mentorships"]);
        for ((week, reason), ids) in grouped {
            let which = if ids.len() <= 3 {
                ids.join(", ")
            } else {
                format!("{} ({}, … )", ids.len(), ids[..2].join(", "))
            };
            u.row(vec![week, reason, which]);
        }
        print!("{}", u.render());
    }
    println!(
        "\n{}",
        tr(
            "proposal-summary",
            &[
                ("id", s(&p.id)),
                ("placed", n(p.items.len() as u32)),
                ("unplaced", n(p.unplaced.len() as u32)),
                ("weeks", n(p.weeks)),
                ("from", s(&p.from)),
            ],
        )
    );
    println!(
        "{}",
        tr(
            "proposal-accept-hint",
            &[("municipality", s(&municipality)), ("id", s(&p.id))],
        )
    );
    Ok(())
}

pub async fn accept(
    channel: Conn,
    municipality: String,
    proposal: String,
    items: Vec<u32>,
) -> Result<(), ClientError> {
    let mut c = SessionServiceClient::new(channel);
    // `latest`: the newest proposal, resolved first, so the request id names the real one.
    let proposal = if proposal == "latest" {
        c.get_schedule_proposal(pb::GetScheduleProposalRequest {
            municipality_id: municipality.clone(),
            proposal_id: proposal,
        })
        .await?
        .into_inner()
        .id
    } else {
        proposal
    };
    let r = c
        .accept_schedule(pb::AcceptScheduleRequest {
            municipality_id: municipality,
            proposal_id: proposal.clone(),
            request_id: format!(
                "accept-{proposal}-{}",
                items
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(".")
            ),
            items,
        })
        .await?
        .into_inner();
    if crate::output::json() {
        crate::output::print(&r, "peerlift.v1.AcceptScheduleResponse");
        return Ok(());
    }
    println!(
        "{}",
        tr(
            "accepted",
            &[
                ("id", s(&proposal)),
                ("created", n(r.created.len() as u32)),
                ("before", n(r.already_accepted)),
            ],
        )
    );
    Ok(())
}

/// Shows the settings, or changes the given parts.
pub async fn settings(
    channel: Conn,
    municipality: String,
    methodical_days: Vec<String>,
    non_working: Vec<String>,
    speed: Option<u32>,
) -> Result<(), ClientError> {
    let mut c = SessionServiceClient::new(channel);
    let mut s = c
        .get_schedule_settings(pb::GetScheduleSettingsRequest {
            municipality_id: municipality.clone(),
        })
        .await?
        .into_inner();
    if !methodical_days.is_empty() || !non_working.is_empty() || speed.is_some() {
        if !methodical_days.is_empty() {
            let mut list = Vec::new();
            for w in &methodical_days {
                let w = peerlift_domain::Window::parse(w).map_err(|e| {
                    ClientError::Usage(crate::i18n::tr(
                        "usage-methodical-day",
                        &[
                            ("window", crate::i18n::s(w.as_str())),
                            ("error", crate::i18n::s(e.to_string())),
                        ],
                    ))
                })?;
                list.push(pb::AvailabilityWindow {
                    weekday: peerlift_domain::Weekday::ALL
                        .iter()
                        .position(|d| *d == w.weekday)
                        .map(|i| i as i32 + 1)
                        .unwrap_or(0),
                    start_minute: u32::from(w.start_minute),
                    end_minute: u32::from(w.end_minute),
                });
            }
            s.methodical_days = list;
        }
        s.non_working_days.extend(non_working);
        if let Some(v) = speed {
            s.travel_speed_kmh = v;
        }
        s = c
            .update_schedule_settings(pb::UpdateScheduleSettingsRequest {
                settings: Some(s),
                request_id: String::new(),
                update_mask: None,
            })
            .await?
            .into_inner();
    }
    let days: Vec<String> = s
        .methodical_days
        .iter()
        .map(|w| {
            let day = pb::Weekday::try_from(w.weekday)
                .map(|d| d.as_str_name().trim_start_matches("WEEKDAY_")[..3].to_lowercase())
                .unwrap_or_default();
            format!(
                "{day} {:02}:{:02}-{:02}:{:02}",
                w.start_minute / 60,
                w.start_minute % 60,
                w.end_minute / 60,
                w.end_minute % 60
            )
        })
        .collect();
    println!(
        "{}",
        tr("settings-methodical", &[("days", i18n::s(days.join(", ")))])
    );
    println!(
        "{}",
        tr(
            "settings-non-working",
            &[("days", i18n::s(s.non_working_days.join(", ")))]
        )
    );
    println!(
        "{}",
        tr(
            "settings-travel",
            &[
                ("speed", n(s.travel_speed_kmh)),
                ("buffer", n(s.travel_buffer_minutes)),
            ],
        )
    );
    let mut t = Table::new(&["form", "session", "minutes", "per week", "every weeks"]);
    for f in &s.frequencies {
        t.row(vec![
            pb::MatchKind::try_from(f.form)
                .map(|k| {
                    k.as_str_name()
                        .trim_start_matches("MATCH_KIND_")
                        .to_lowercase()
                })
                .unwrap_or_default(),
            kind_name(f.session_kind),
            f.duration_minutes.to_string(),
            f.per_week.to_string(),
            f.every_weeks.to_string(),
        ]);
    }
    print!("{}", t.render());
    if s.etag.is_empty() {
        println!("{}", i18n::t("settings-defaults"));
    }
    Ok(())
}

/// What `peerlift sessions record` says happened.
#[derive(Debug, Clone, Default)]
pub struct Record {
    pub held: bool,
    pub attended: Vec<String>,
    pub rating: u32,
    /// "item" (done) or "item=no".
    pub checks: Vec<String>,
    pub comment: String,
    pub notes: String,
    pub reason: String,
}

pub async fn record(
    channel: Conn,
    municipality: String,
    session: String,
    r: Record,
) -> Result<(), ClientError> {
    let mut c = SessionServiceClient::new(channel);
    let mut checklist = Vec::new();
    for x in &r.checks {
        let (item, done) = match x.rsplit_once('=') {
            None => (x.as_str(), true),
            Some((item, v)) => match v.trim() {
                "yes" | "true" | "1" | "done" => (item, true),
                "no" | "false" | "0" => (item, false),
                other => {
                    return Err(ClientError::Usage(crate::i18n::tr(
                        "usage-check",
                        &[
                            ("item", crate::i18n::s(x.as_str())),
                            ("value", crate::i18n::s(other)),
                        ],
                    )))
                }
            },
        };
        checklist.push(pb::ChecklistItem {
            item: item.to_string(),
            done,
        });
    }
    let feedback = r.held.then_some(pb::Feedback {
        rating: r.rating,
        checklist,
        mentee_comment: r.comment,
        mentor_notes: r.notes,
    });
    let s = c
        .record_session(pb::RecordSessionRequest {
            municipality_id: municipality,
            session_id: session,
            outcome: if r.held {
                pb::SessionStatus::Held as i32
            } else {
                pb::SessionStatus::Missed as i32
            },
            attended: r.attended,
            feedback,
            reason: r.reason,
            ..Default::default()
        })
        .await?
        .into_inner();
    if crate::output::json() {
        crate::output::print(&s, "peerlift.v1.Session");
        return Ok(());
    }
    println!("{} {} ({})", s.id, status_name(s.status), s.start);
    Ok(())
}

pub async fn cancel(
    channel: Conn,
    municipality: String,
    session: String,
    reason: String,
) -> Result<(), ClientError> {
    let mut c = SessionServiceClient::new(channel);
    let s = c
        .cancel_session(pb::CancelSessionRequest {
            municipality_id: municipality,
            session_id: session,
            reason,
            ..Default::default()
        })
        .await?
        .into_inner();
    if crate::output::json() {
        crate::output::print(&s, "peerlift.v1.Session");
        return Ok(());
    }
    println!("{} {}", s.id, status_name(s.status));
    Ok(())
}

pub async fn create(
    channel: Conn,
    municipality: String,
    mentorship: String,
    start: String,
    minutes: u32,
    place: String,
) -> Result<(), ClientError> {
    let mut c = SessionServiceClient::new(channel);
    let s = c
        .create_session(pb::CreateSessionRequest {
            municipality_id: municipality,
            session: Some(pb::Session {
                mentorship_id: mentorship,
                start,
                duration_minutes: minutes,
                place,
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await?
        .into_inner();
    println!(
        "{}",
        tr(
            "session-created",
            &[
                ("id", i18n::s(&s.id)),
                ("start", i18n::s(&s.start)),
                ("minutes", n(s.duration_minutes)),
                ("kind", i18n::s(kind_name(s.kind))),
            ],
        )
    );
    Ok(())
}

fn change_rows(t: &mut Table, changes: &[pb::ProgressChange]) {
    for c in changes {
        t.row(vec![
            c.teacher_id.clone(),
            c.subject.clone(),
            format!("{} {}", c.from_date, level_name(c.from_level)),
            format!("{} {}", c.to_date, level_name(c.to_level)),
            format!("{:+}", c.level_steps),
            {
                let n = c.area_deltas.len();
                if n == 0 {
                    "-".into()
                } else {
                    let mean = c.area_deltas.values().sum::<f64>() / n as f64;
                    let s = format!("{mean:+.2}");
                    if s == "-0.00" || s == "+0.00" {
                        "0.00".into()
                    } else {
                        s
                    }
                }
            },
            if c.closed {
                "closed".into()
            } else {
                "open".into()
            },
        ]);
    }
}

fn change_table() -> Table {
    Table::new(&[
        "teacher",
        "subject",
        "from",
        "to",
        "levels",
        "mean area score change",
        "deficit",
    ])
}

fn summary_line(s: Option<pb::ProgressSummary>) -> String {
    let s = s.unwrap_or_default();
    tr(
        "progress-summary",
        &[
            ("changes", n(s.changes)),
            ("levels", i18n::s(opt(s.mean_level_steps))),
            ("areas", i18n::s(opt(s.mean_area_delta))),
            ("improved", n(s.improved)),
            ("closed", n(s.closed)),
            ("deficits", n(s.deficits)),
        ],
    )
}

/// What `peerlift progress` is about.
#[derive(Debug, Clone)]
pub enum ProgressOf {
    Mentorship(String),
    Mentor(String),
    School(String),
    Teacher(String),
}

pub async fn progress(
    channel: Conn,
    municipality: String,
    of: ProgressOf,
) -> Result<(), ClientError> {
    let mut c = ReportServiceClient::new(channel);
    match of {
        ProgressOf::Mentorship(id) => {
            let p = c
                .get_mentorship_progress(pb::GetMentorshipProgressRequest {
                    municipality_id: municipality,
                    mentorship_id: id,
                })
                .await?
                .into_inner();
            if crate::output::json() {
                crate::output::print(&p, "peerlift.v1.MentorshipProgress");
                return Ok(());
            }
            let mut t = change_table();
            change_rows(&mut t, &p.changes);
            print!("{}", t.render());
            println!("{}", summary_line(p.summary));
            if p.awaiting > 0 {
                println!("{}", tr("progress-awaiting", &[("count", n(p.awaiting))]));
            }
            if p.graduated {
                println!(
                    "{}",
                    tr(
                        "progress-graduated",
                        &[
                            ("date", i18n::s(&p.graduated_on)),
                            ("reason", i18n::s(&p.graduation_reason)),
                        ],
                    )
                );
            }
        }
        ProgressOf::Mentor(id) => {
            let p = c
                .get_mentor_progress(pb::GetMentorProgressRequest {
                    municipality_id: municipality,
                    mentor_id: id,
                })
                .await?
                .into_inner();
            if crate::output::json() {
                crate::output::print(&p, "peerlift.v1.MentorProgress");
                return Ok(());
            }
            let mut t = change_table();
            for m in &p.mentorships {
                change_rows(&mut t, &m.changes);
            }
            print!("{}", t.render());
            println!(
                "{} mentorships; {}",
                p.mentorships.len(),
                summary_line(p.summary)
            );
        }
        ProgressOf::School(id) => {
            let p = c
                .get_school_progress(pb::GetSchoolProgressRequest {
                    municipality_id: municipality,
                    school_id: id,
                })
                .await?
                .into_inner();
            if crate::output::json() {
                crate::output::print(&p, "peerlift.v1.SchoolProgress");
                return Ok(());
            }
            let mut t = change_table();
            change_rows(&mut t, &p.changes);
            print!("{}", t.render());
            println!("{}", summary_line(p.summary));
            let history: Vec<String> = p
                .status_history
                .iter()
                .map(|h| {
                    let st = pb::SchoolStatus::try_from(h.status)
                        .map(|s| {
                            s.as_str_name()
                                .trim_start_matches("SCHOOL_STATUS_")
                                .to_lowercase()
                        })
                        .unwrap_or_default();
                    format!("{st} since {}", h.since)
                })
                .collect();
            println!(
                "{}",
                tr(
                    "progress-history",
                    &[("history", i18n::s(history.join(" -> ")))]
                )
            );
            if p.left_low_results {
                println!("{}", i18n::t("progress-left-list"));
            }
        }
        ProgressOf::Teacher(id) => {
            let p = c
                .get_teacher_progress(pb::GetTeacherProgressRequest {
                    municipality_id: municipality,
                    teacher_id: id,
                })
                .await?
                .into_inner();
            if crate::output::json() {
                crate::output::print(&p, "peerlift.v1.TeacherProgress");
                return Ok(());
            }
            let mut t = Table::new(&["subject", "rounds", "latest change"]);
            for s in &p.subjects {
                t.row(vec![
                    s.subject.clone(),
                    s.rounds
                        .iter()
                        .map(|r| format!("{} {}", r.date, level_name(r.level)))
                        .collect::<Vec<_>>()
                        .join(", "),
                    s.last_change
                        .as_ref()
                        .map(|c| format!("{:+} levels", c.level_steps))
                        .unwrap_or_else(|| "-".into()),
                ]);
            }
            print!("{}", t.render());
        }
    }
    Ok(())
}

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportKind {
    Coverage,
    Load,
    Sessions,
    Progress,
    Outcomes,
    /// Teachers by level per subject (seed 001's table of deficits).
    Deficits,
    /// The share of teachers at a sufficient level per competence area and school year.
    Areas,
    /// The network by school year: participation, courses, events, schools leaving the list.
    Network,
}

/// How to show a report.
#[derive(Debug, Clone, Default)]
pub struct ReportOut {
    pub csv: bool,
    pub svg: Option<PathBuf>,
    pub from: String,
    pub to: String,
}

/// A report as a table (screen or CSV) and, where it helps, a chart.
#[derive(Debug)]
pub struct Rendered {
    pub table: Table,
    pub notes: Vec<String>,
    pub chart: Option<String>,
    /// The report's response as the API sends it (`--output json`).
    pub json: serde_json::Value,
}

const GREY: &str = "#9e9e9e";
const GREEN: &str = "#2e7d32";
const BLUE: &str = "#1565c0";
const ORANGE: &str = "#ef6c00";
const RED: &str = "#c62828";

/// The report's table with its columns in the language in use.
fn table(columns: &[&str]) -> Table {
    let names: Vec<String> = columns.iter().map(|c| i18n::t(c)).collect();
    Table::new(&names.iter().map(String::as_str).collect::<Vec<_>>())
}

/// A message (the report code names its own `t`, the table, as people write it).
fn t_(id: &str) -> String {
    i18n::t(id)
}

/// What a chart calls things: the catalogue's subject names, schools' and teachers' names,
/// each looked up once (ids are for programs; a chart is for people).
struct Names {
    channel: Conn,
    municipality: String,
    subjects: BTreeMap<String, String>,
    cache: BTreeMap<String, String>,
}

impl Names {
    async fn new(channel: Conn, municipality: &str) -> Names {
        let subjects =
            peerlift_api::pb::catalog_service_client::CatalogServiceClient::new(channel.clone())
                .list_catalog(pb::ListCatalogRequest {
                    municipality_id: municipality.to_string(),
                    kind: pb::CatalogKind::Subject as i32,
                })
                .await
                .map(|r| {
                    r.into_inner()
                        .entries
                        .into_iter()
                        .map(|e| (e.code, e.name))
                        .collect()
                })
                .unwrap_or_default();
        Names {
            channel,
            municipality: municipality.to_string(),
            subjects,
            cache: BTreeMap::new(),
        }
    }

    /// A built-in subject in the language in use; a municipality's own by its own name.
    fn subject(&self, code: &str) -> String {
        let id = format!("subject-{code}");
        let builtin = i18n::t(&id);
        if builtin != id {
            return builtin;
        }
        self.subjects
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }

    async fn school(&mut self, id: &str) -> String {
        if let Some(n) = self.cache.get(id) {
            return n.clone();
        }
        let name = SchoolServiceClient::new(self.channel.clone())
            .get_school(pb::GetSchoolRequest {
                municipality_id: self.municipality.clone(),
                school_id: id.to_string(),
            })
            .await
            .map(|r| r.into_inner().name)
            .unwrap_or_else(|_| id.to_string());
        self.cache.insert(id.to_string(), name.clone());
        name
    }

    async fn teacher(&mut self, id: &str) -> String {
        if let Some(n) = self.cache.get(id) {
            return n.clone();
        }
        let name = peerlift_api::pb::teacher_service_client::TeacherServiceClient::new(
            self.channel.clone(),
        )
        .get_teacher(pb::GetTeacherRequest {
            municipality_id: self.municipality.clone(),
            teacher_id: id.to_string(),
        })
        .await
        .map(|r| r.into_inner().full_name)
        .unwrap_or_else(|_| id.to_string());
        self.cache.insert(id.to_string(), name.clone());
        name
    }
}

pub async fn build_report(
    channel: Conn,
    municipality: String,
    kind: ReportKind,
    from: String,
    to: String,
) -> Result<Rendered, ClientError> {
    let mut names = Names::new(channel.clone(), &municipality).await;
    let mut c = ReportServiceClient::new(channel);
    let req = pb::ReportRequest {
        municipality_id: municipality.clone(),
        from,
        to,
    };
    Ok(match kind {
        ReportKind::Coverage => {
            let r = c.coverage_report(req).await?.into_inner();
            let json = crate::output::value(&r, "peerlift.v1.CoverageReportResponse");
            let mut t = table(&[
                "col-school",
                "col-subject",
                "col-a",
                "col-a-covered",
                "col-b",
                "col-b-covered",
                "col-coverage",
            ]);
            let total = r.total.clone().unwrap_or_default();
            for row in r
                .rows
                .iter()
                .chain(&r.by_subject)
                .chain(std::iter::once(&total))
            {
                let school = if row.school_id.is_empty() {
                    t_("all")
                } else {
                    row.school_id.clone()
                };
                let subject = if row.subject.is_empty() {
                    t_("all")
                } else {
                    names.subject(&row.subject)
                };
                t.row(vec![
                    school,
                    subject,
                    row.demands_a.to_string(),
                    row.covered_a.to_string(),
                    row.demands_b.to_string(),
                    row.covered_b.to_string(),
                    pct(row.covered_a + row.covered_b, row.demands_a + row.demands_b),
                ]);
            }
            let cats: Vec<String> = r
                .by_subject
                .iter()
                .map(|x| names.subject(&x.subject))
                .collect();
            let series = vec![
                Series {
                    name: t_("series-a-demands"),
                    colour: RED,
                    values: r
                        .by_subject
                        .iter()
                        .map(|x| f64::from(x.demands_a))
                        .collect(),
                },
                Series {
                    name: t_("series-a-mentored"),
                    colour: GREEN,
                    values: r
                        .by_subject
                        .iter()
                        .map(|x| f64::from(x.covered_a))
                        .collect(),
                },
                Series {
                    name: t_("series-b-demands"),
                    colour: ORANGE,
                    values: r
                        .by_subject
                        .iter()
                        .map(|x| f64::from(x.demands_b))
                        .collect(),
                },
                Series {
                    name: t_("series-b-mentored"),
                    colour: BLUE,
                    values: r
                        .by_subject
                        .iter()
                        .map(|x| f64::from(x.covered_b))
                        .collect(),
                },
            ];
            Rendered {
                json,
                table: t,
                notes: vec![tr(
                    "coverage-note",
                    &[
                        ("covered", n(total.covered_a + total.covered_b)),
                        ("demands", n(total.demands_a + total.demands_b)),
                    ],
                )],
                chart: Some(bar_chart(
                    &tr("coverage-title", &[("municipality", s(&municipality))]),
                    &t_("coverage-axis"),
                    &cats,
                    &series,
                )),
            }
        }
        ReportKind::Load => {
            let r = c.mentor_load_report(req).await?.into_inner();
            let json = crate::output::value(&r, "peerlift.v1.MentorLoadReportResponse");
            let mut t = table(&[
                "col-mentor",
                "col-school",
                "col-capacity",
                "col-mentees",
                "col-mentorships",
                "col-held",
                "col-planned",
            ]);
            for x in &r.rows {
                t.row(vec![
                    x.mentor_id.clone(),
                    x.school_id.clone(),
                    x.capacity.to_string(),
                    x.mentees.to_string(),
                    x.mentorships.to_string(),
                    x.sessions_held.to_string(),
                    x.sessions_planned.to_string(),
                ]);
            }
            let busy: Vec<&pb::LoadRow> = r.rows.iter().filter(|x| x.mentees > 0).collect();
            let over = r.rows.iter().filter(|x| x.mentees > x.capacity).count();
            Rendered {
                json,
                table: t,
                notes: vec![tr(
                    "load-note",
                    &[
                        ("mentors", n(r.rows.len() as u32)),
                        ("busy", n(busy.len() as u32)),
                        ("over", n(over as u32)),
                    ],
                )],
                chart: Some(bar_chart(
                    &tr("load-title", &[("municipality", s(&municipality))]),
                    &t_("load-axis"),
                    &{
                        let mut cats = Vec::new();
                        for x in &busy {
                            let who = names.teacher(&x.mentor_id).await;
                            let school = names.school(&x.school_id).await;
                            cats.push(format!("{who} ({school})"));
                        }
                        cats
                    },
                    &[
                        Series {
                            name: t_("col-capacity"),
                            colour: GREY,
                            values: busy.iter().map(|x| f64::from(x.capacity)).collect(),
                        },
                        Series {
                            name: t_("col-mentees"),
                            colour: BLUE,
                            values: busy.iter().map(|x| f64::from(x.mentees)).collect(),
                        },
                    ],
                )),
            }
        }
        ReportKind::Sessions => {
            let r = c.sessions_report(req).await?.into_inner();
            let json = crate::output::value(&r, "peerlift.v1.SessionsReportResponse");
            let mut t = table(&[
                "col-by",
                "col-id",
                "col-scheduled",
                "col-held",
                "col-missed",
                "col-open",
                "col-cancelled",
                "col-held-rate",
            ]);
            let row = |t: &mut Table, by: &str, x: &pb::SessionCountRow| {
                let c = x.counts.unwrap_or_default();
                t.row(vec![
                    by.into(),
                    x.key.clone(),
                    c.scheduled.to_string(),
                    c.held.to_string(),
                    c.missed.to_string(),
                    c.open.to_string(),
                    c.cancelled.to_string(),
                    pct(c.held, c.held + c.missed),
                ]);
            };
            for x in &r.by_mentorship {
                row(&mut t, &t_("row-mentorship"), x);
            }
            for x in &r.by_school {
                row(&mut t, &t_("row-school"), x);
            }
            let total = pb::SessionCountRow {
                key: t_("all"),
                counts: r.total,
            };
            row(&mut t, &t_("row-total"), &total);
            // The network's events beside its sessions: held vs planned, by kind.
            for x in &r.events_by_kind {
                let c = x.counts.unwrap_or_default();
                t.row(vec![
                    t_("row-event"),
                    event_kind_name(&x.kind),
                    c.scheduled.to_string(),
                    c.held.to_string(),
                    "-".into(),
                    c.open.to_string(),
                    c.cancelled.to_string(),
                    pct(c.held, c.scheduled - c.open),
                ]);
            }
            let ev = r.events.unwrap_or_default();
            let mut notes = vec![];
            if ev.scheduled + ev.cancelled > 0 {
                notes.push(tr(
                    "sessions-events-note",
                    &[
                        ("held", n(ev.held)),
                        ("planned", n(ev.scheduled)),
                        ("attendances", n(ev.attendances)),
                        ("schools", n(ev.schools_reached)),
                    ],
                ));
            }
            let mut cats: Vec<String> = Vec::new();
            for x in &r.by_school {
                cats.push(names.school(&x.key).await);
            }
            let series = |name: &str, colour, f: fn(&pb::SessionCounts) -> u32| Series {
                name: name.into(),
                colour,
                values: r
                    .by_school
                    .iter()
                    .map(|x| f64::from(f(&x.counts.unwrap_or_default())))
                    .collect(),
            };
            Rendered {
                json,
                table: t,
                notes,
                chart: Some(bar_chart(
                    &tr("sessions-title", &[("municipality", s(&municipality))]),
                    &t_("sessions-axis"),
                    &cats,
                    &[
                        series(&t_("col-scheduled"), GREY, |c| c.scheduled),
                        series(&t_("col-held"), GREEN, |c| c.held),
                        series(&t_("col-missed"), RED, |c| c.missed),
                    ],
                )),
            }
        }
        ReportKind::Progress => {
            let r = c.progress_report(req).await?.into_inner();
            let json = crate::output::value(&r, "peerlift.v1.ProgressReportResponse");
            let mut t = table(&[
                "col-subject",
                "col-mentored",
                "col-teachers",
                "col-mean-levels",
                "col-mean-areas",
                "col-improved",
                "col-closed",
                "col-of-deficits",
            ]);
            for x in &r.rows {
                let s = x.summary.unwrap_or_default();
                t.row(vec![
                    if x.subject == "all" {
                        t_("all")
                    } else {
                        names.subject(&x.subject)
                    },
                    t_(if x.mentored { "yes" } else { "no" }),
                    s.changes.to_string(),
                    opt(s.mean_level_steps),
                    opt(s.mean_area_delta),
                    s.improved.to_string(),
                    s.closed.to_string(),
                    s.deficits.to_string(),
                ]);
            }
            let mut subjects: Vec<String> = r
                .rows
                .iter()
                .filter(|x| x.subject != "all")
                .map(|x| x.subject.clone())
                .collect();
            subjects.dedup();
            // Each row says how many teachers its means rest on: "1.0" from one teacher is
            // not "1.0" from thirty.
            let count_of = |subj: &String, mentored: bool| {
                r.rows
                    .iter()
                    .find(|x| &x.subject == subj && x.mentored == mentored)
                    .and_then(|x| x.summary)
                    .map_or(0, |x| x.changes)
            };
            let labels: Vec<String> = subjects
                .iter()
                .map(|subj| {
                    tr(
                        "progress-row",
                        &[
                            ("subject", i18n::s(names.subject(subj))),
                            ("mentored", n(count_of(subj, true))),
                            ("not", n(count_of(subj, false))),
                        ],
                    )
                })
                .collect();
            let values = |mentored: bool| -> Vec<f64> {
                subjects
                    .iter()
                    .map(|s| {
                        r.rows
                            .iter()
                            .find(|x| &x.subject == s && x.mentored == mentored)
                            .and_then(|x| x.summary.and_then(|s| s.mean_level_steps))
                            .unwrap_or(0.0)
                    })
                    .collect()
            };
            Rendered {
                json,
                table: t,
                notes: vec![],
                chart: Some(bar_chart(
                    &tr("progress-title", &[("municipality", s(&municipality))]),
                    &t_("progress-axis"),
                    &labels,
                    &[
                        Series {
                            name: t_("series-mentored"),
                            colour: GREEN,
                            values: values(true),
                        },
                        Series {
                            name: t_("series-not-mentored"),
                            colour: GREY,
                            values: values(false),
                        },
                    ],
                )),
            }
        }
        ReportKind::Deficits => {
            let r = c.monitoring_report(req).await?.into_inner();
            let json = crate::output::value(&r, "peerlift.v1.MonitoringReportResponse");
            let mut t = table(&[
                "col-subject",
                "col-teachers",
                "col-a",
                "col-b",
                "col-c",
                "col-d",
                "col-ab-share",
            ]);
            let row = |t: &mut Table, name: String, x: &pb::LevelCountRow| {
                t.row(vec![
                    name,
                    x.teachers.to_string(),
                    x.a.to_string(),
                    x.b.to_string(),
                    x.c.to_string(),
                    x.d.to_string(),
                    pct(x.a + x.b, x.teachers),
                ]);
            };
            for x in &r.deficits_by_subject {
                row(&mut t, names.subject(&x.subject), x);
            }
            let total = r.deficits_total.clone().unwrap_or_default();
            row(&mut t, t_("row-total-teachers"), &total);
            let cats: Vec<String> = r
                .deficits_by_subject
                .iter()
                .map(|x| names.subject(&x.subject))
                .collect();
            let series = |name: &str, colour, f: fn(&pb::LevelCountRow) -> u32| Series {
                name: name.into(),
                colour,
                values: r
                    .deficits_by_subject
                    .iter()
                    .map(|x| f64::from(f(x)))
                    .collect(),
            };
            Rendered {
                json,
                table: t,
                notes: vec![t_("deficits-note")],
                chart: Some(bar_chart(
                    &tr("deficits-title", &[("municipality", s(&municipality))]),
                    &t_("deficits-axis"),
                    &cats,
                    &[
                        series("A", RED, |x| x.a),
                        series("B", ORANGE, |x| x.b),
                        series("C", BLUE, |x| x.c),
                        series("D", GREEN, |x| x.d),
                    ],
                )),
            }
        }
        ReportKind::Network => {
            let r = c.monitoring_report(req).await?.into_inner();
            let json = crate::output::value(&r, "peerlift.v1.MonitoringReportResponse");
            let mut t = table(&[
                "col-year",
                "col-teachers",
                "col-participating",
                "col-share",
                "col-courses",
                "col-events",
                "col-left-list",
            ]);
            for y in &r.network_by_year {
                t.row(vec![
                    y.school_year.clone(),
                    y.teachers.to_string(),
                    y.participating.to_string(),
                    pct(y.participating, y.teachers),
                    tr(
                        "x-of-y",
                        &[
                            ("part", n(y.courses_completed)),
                            ("whole", n(y.courses_planned)),
                        ],
                    ),
                    tr(
                        "x-of-y",
                        &[("part", n(y.events_held)), ("whole", n(y.events_planned))],
                    ),
                    if y.schools_left_low_results.is_empty() {
                        "0".into()
                    } else {
                        format!(
                            "{} ({})",
                            y.schools_left_low_results.len(),
                            y.schools_left_low_results.join(", ")
                        )
                    },
                ]);
            }
            let years: Vec<String> = r
                .network_by_year
                .iter()
                .map(|y| y.school_year.clone())
                .collect();
            let share = |part: u32, whole: u32| {
                if whole == 0 {
                    0.0
                } else {
                    f64::from(part) * 100.0 / f64::from(whole)
                }
            };
            let mut series = vec![Series {
                name: t_("series-participation"),
                colour: GREEN,
                values: r
                    .network_by_year
                    .iter()
                    .map(|y| share(y.participating, y.teachers))
                    .collect(),
            }];
            // Events held of planned, where any were planned: "0 of 0" is not a zero.
            if r.network_by_year.iter().any(|y| y.events_planned > 0) {
                series.push(Series {
                    name: t_("series-events-held"),
                    colour: BLUE,
                    values: r
                        .network_by_year
                        .iter()
                        .map(|y| share(y.events_held, y.events_planned))
                        .collect(),
                });
            }
            Rendered {
                json,
                table: t,
                notes: vec![t_("network-note")],
                chart: Some(bar_chart(
                    &tr("network-title", &[("municipality", s(&municipality))]),
                    &t_("network-axis"),
                    &years,
                    &series,
                )),
            }
        }
        ReportKind::Areas => {
            let r = c.monitoring_report(req).await?.into_inner();
            let json = crate::output::value(&r, "peerlift.v1.MonitoringReportResponse");
            let mut t = table(&[
                "col-area",
                "col-year",
                "col-teachers",
                "col-sufficient",
                "col-share",
            ]);
            let area_name = |code: &str| {
                let id = format!("area-{code}");
                let n = i18n::t(&id);
                if n == id {
                    code.to_string()
                } else {
                    n
                }
            };
            for x in &r.areas_by_year {
                t.row(vec![
                    area_name(&x.area),
                    x.school_year.clone(),
                    x.teachers.to_string(),
                    x.sufficient.to_string(),
                    x.percent
                        .map(|p| format!("{p:.0}%"))
                        .unwrap_or_else(|| "-".into()),
                ]);
            }
            let mut areas: Vec<String> = r.areas_by_year.iter().map(|x| x.area.clone()).collect();
            areas.dedup();
            let mut years: Vec<String> = r
                .areas_by_year
                .iter()
                .map(|x| x.school_year.clone())
                .collect();
            years.sort();
            years.dedup();
            let palette = [GREY, BLUE, GREEN, ORANGE, RED];
            let series: Vec<Series> = years
                .iter()
                .enumerate()
                .map(|(i, y)| Series {
                    name: y.clone(),
                    colour: palette[i % palette.len()],
                    values: areas
                        .iter()
                        .map(|a| {
                            r.areas_by_year
                                .iter()
                                .find(|x| &x.area == a && &x.school_year == y)
                                .and_then(|x| x.percent)
                                .unwrap_or(0.0)
                        })
                        .collect(),
                })
                .collect();
            let cats: Vec<String> = areas.iter().map(|a| area_name(a)).collect();
            Rendered {
                json,
                table: t,
                notes: vec![t_("areas-note")],
                chart: Some(bar_chart(
                    &tr("areas-title", &[("municipality", s(&municipality))]),
                    &t_("areas-axis"),
                    &cats,
                    &series,
                )),
            }
        }
        ReportKind::Outcomes => {
            let o = c.outcomes_report(req).await?.into_inner();
            let json = crate::output::value(&o, "peerlift.v1.OutcomesReportResponse");
            let s = o.sessions.unwrap_or_default();
            // A share says what it is a share of: "33%" alone is not a figure.
            let mut t = table(&["col-outcome", "col-value", "col-share", "col-share-of"]);
            let mut of = vec![
                String::new(),
                t_("of-schools-ever"),
                t_("of-rediagnosed"),
                t_("of-planned"),
                t_("of-held-or-missed"),
                t_("of-active"),
                t_("of-with-deficit"),
                t_("of-events-planned"),
                t_("of-active"),
            ]
            .into_iter();
            let mut row = |name: &str, value: String, share: String| {
                let whole = of.next().unwrap_or_default();
                let whole = if share.is_empty() {
                    String::new()
                } else {
                    whole
                };
                t.row(vec![name.into(), value, share, whole]);
            };
            row(
                &t_("out-low-results"),
                format!(
                    "{} / {}",
                    o.schools_low_results_ever, o.schools_low_results_now
                ),
                String::new(),
            );
            row(
                &t_("out-left"),
                o.schools_left_low_results.len().to_string(),
                pct(
                    o.schools_left_low_results.len() as u32,
                    o.schools_low_results_ever,
                ),
            );
            row(
                &t_("out-closed"),
                tr(
                    "x-of-y",
                    &[
                        ("part", n(o.deficits_closed)),
                        ("whole", n(o.deficits_rediagnosed)),
                    ],
                ),
                pct(o.deficits_closed, o.deficits_rediagnosed),
            );
            row(
                &t_("out-held"),
                tr("x-of-y", &[("part", n(s.held)), ("whole", n(s.scheduled))]),
                pct(s.held, s.scheduled),
            );
            row(
                &t_("out-missed"),
                s.missed.to_string(),
                pct(s.missed, s.held + s.missed),
            );
            row(
                &t_("out-taking-part"),
                tr(
                    "x-of-y",
                    &[
                        ("part", n(o.teachers_participating)),
                        ("whole", n(o.teachers_active)),
                    ],
                ),
                pct(o.teachers_participating, o.teachers_active),
            );
            row(
                &t_("out-with-mentor"),
                tr(
                    "x-of-y",
                    &[
                        ("part", n(o.teachers_with_deficit_mentored)),
                        ("whole", n(o.teachers_with_deficit)),
                    ],
                ),
                pct(o.teachers_with_deficit_mentored, o.teachers_with_deficit),
            );
            let ev = o.events.unwrap_or_default();
            row(
                &t_("out-events-held"),
                tr(
                    "x-of-y",
                    &[("part", n(ev.held)), ("whole", n(ev.scheduled))],
                ),
                pct(ev.held, ev.scheduled),
            );
            row(
                &t_("out-at-events"),
                tr(
                    "x-of-y",
                    &[
                        ("part", n(o.teachers_at_events)),
                        ("whole", n(o.teachers_active)),
                    ],
                ),
                pct(o.teachers_at_events, o.teachers_active),
            );
            // Pairs without an A/B deficit are their own lines: they are not deficits covered.
            for b in &o.mentorships_by_basis {
                row(
                    &t_(&format!("out-basis-{}", b.basis.replace('_', "-"))),
                    b.mentorships.to_string(),
                    String::new(),
                );
            }
            row(
                &t_("out-plan-overdue"),
                o.plan_items_overdue.to_string(),
                String::new(),
            );
            // The network against the rest: each side's figure with what it rests on.
            for c in &o.network_vs_outside {
                let side = |v: Option<f64>, count: u32| {
                    tr(
                        "side-value",
                        &[
                            (
                                "value",
                                i18n::s(v.map_or_else(|| "-".into(), |v| format!("{v:.1}%"))),
                            ),
                            ("n", n(count)),
                        ],
                    )
                };
                row(
                    &tr(
                        &format!("out-compare-{}", c.measure.replace('_', "-")),
                        &[("year", i18n::s(c.school_year.clone()))],
                    ),
                    tr(
                        "network-vs-outside",
                        &[
                            ("network", i18n::s(side(c.network, c.network_n))),
                            ("outside", i18n::s(side(c.outside, c.outside_n))),
                        ],
                    ),
                    String::new(),
                );
            }
            let mut notes = vec![];
            if !o.schools_left_low_results.is_empty() {
                notes.push(tr(
                    "out-left-note",
                    &[("schools", i18n::s(o.schools_left_low_results.join(", ")))],
                ));
            }
            notes.push(t_("out-exams-note"));
            Rendered {
                json,
                table: t,
                notes,
                chart: None,
            }
        }
    })
}

pub async fn report(
    channel: Conn,
    municipality: String,
    kind: ReportKind,
    out: ReportOut,
) -> Result<(), ClientError> {
    let r = build_report(channel, municipality, kind, out.from, out.to).await?;
    if crate::output::json() {
        println!(
            "{}",
            serde_json::to_string_pretty(&r.json).unwrap_or_default()
        );
        return Ok(());
    }
    if let Some(path) = &out.svg {
        let chart = r
            .chart
            .as_ref()
            .ok_or_else(|| ClientError::Usage(crate::i18n::t("usage-outcomes-no-chart")))?;
        write_out(&Some(path.clone()), chart)?;
        eprintln!(
            "{}",
            tr("wrote", &[("path", s(path.display().to_string()))])
        );
    }
    if out.csv {
        print!("{}", r.table.to_csv());
    } else {
        print!("{}", r.table.render());
        for n in &r.notes {
            println!("{n}");
        }
    }
    Ok(())
}
