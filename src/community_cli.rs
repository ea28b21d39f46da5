//! Client side of the office's network beyond mentorships: what `peerlift curators` and
//! `peerlift events` send and print.

use peerlift_api::pb;
use peerlift_api::pb::curator_service_client::CuratorServiceClient;

use crate::cli::community::CuratorArgs;
use crate::client::{ClientError, Conn};
use crate::i18n::{s, t, tr};
use crate::table::Table;

/// Creates the curator, or changes the options given of the stored one.
pub async fn save_curator(ch: Conn, a: &CuratorArgs, create: bool) -> Result<(), ClientError> {
    let muni = a.scope.municipality.clone();
    let mut client = CuratorServiceClient::new(ch);
    let mut c = if create {
        pb::Curator {
            municipality_id: muni.clone(),
            id: a.id.clone(),
            ..Default::default()
        }
    } else {
        client
            .get_curator(pb::GetCuratorRequest {
                municipality_id: muni.clone(),
                curator_id: a.id.clone(),
            })
            .await?
            .into_inner()
    };
    if let Some(x) = &a.name {
        c.full_name = x.clone();
    }
    if let Some(x) = &a.position {
        c.position = x.clone();
    }
    if let Some(x) = &a.teacher {
        c.teacher_id = x.clone();
    }
    if let Some(x) = &a.contact {
        c.contact = x.clone();
    }
    if create || !a.schools.is_empty() {
        c.schools = a.schools.clone();
    }
    if create || !a.directions.is_empty() {
        c.directions = a.directions.clone();
    }
    let request_id = String::new();
    let out = if create {
        client
            .create_curator(pb::CreateCuratorRequest {
                municipality_id: muni,
                curator: Some(c),
                request_id,
            })
            .await?
    } else {
        client
            .update_curator(pb::UpdateCuratorRequest {
                municipality_id: muni,
                curator: Some(c),
                request_id,
            })
            .await?
    }
    .into_inner();
    if crate::output::json() {
        crate::output::print(&out, "peerlift.v1.Curator");
        return Ok(());
    }
    println!(
        "{}",
        tr(
            "curator-saved",
            &[
                ("id", s(&out.id)),
                ("name", s(&out.full_name)),
                ("schools", s(out.schools.join(", "))),
            ],
        )
    );
    Ok(())
}

pub async fn list_curators(ch: Conn, muni: String, school: String) -> Result<(), ClientError> {
    let client = CuratorServiceClient::new(ch);
    let all = crate::client::every_page(|page_token| {
        let mut client = client.clone();
        let req = pb::ListCuratorsRequest {
            municipality_id: muni.clone(),
            page_size: 1000,
            page_token,
            school_id: school.clone(),
            direction: String::new(),
        };
        async move {
            let r = client.list_curators(req).await?.into_inner();
            Ok((r.curators, r.next_page_token))
        }
    })
    .await?;
    if crate::output::json() {
        crate::output::print_list(&all, "peerlift.v1.Curator");
        return Ok(());
    }
    let mut table = Table::new(&["id", "full name", "position", "schools", "directions"]);
    for c in &all {
        table.row(vec![
            c.id.clone(),
            c.full_name.clone(),
            c.position.clone(),
            c.schools.join(", "),
            c.directions.join(", "),
        ]);
    }
    print!("{}", table.render());
    Ok(())
}

pub async fn curator_view(ch: Conn, muni: String, id: String) -> Result<(), ClientError> {
    let v = CuratorServiceClient::new(ch)
        .get_curator_view(pb::GetCuratorViewRequest {
            municipality_id: muni,
            curator_id: id,
        })
        .await?
        .into_inner();
    if crate::output::json() {
        crate::output::print(&v, "peerlift.v1.CuratorView");
        return Ok(());
    }
    let c = v.curator.unwrap_or_default();
    println!(
        "{}",
        tr(
            "curator-view-head",
            &[
                ("name", s(&c.full_name)),
                ("position", s(&c.position)),
                ("count", s(v.schools.len().to_string())),
            ],
        )
    );
    let mut table = Table::new(&[
        "school",
        "name",
        "status",
        "mentorships",
        "held",
        "open",
        "changes",
        "improved",
    ]);
    for x in &v.schools {
        let school = x.school.clone().unwrap_or_default();
        let status = pb::SchoolStatus::try_from(school.status)
            .map(|st| {
                t(&format!(
                    "status-{}",
                    st.as_str_name()
                        .trim_start_matches("SCHOOL_STATUS_")
                        .to_ascii_lowercase()
                        .replace('_', "-")
                ))
            })
            .unwrap_or_default();
        let sessions = x.sessions.unwrap_or_default();
        let progress = x.progress.unwrap_or_default();
        table.row(vec![
            school.id.clone(),
            school.name.clone(),
            status,
            x.mentorships.len().to_string(),
            sessions.held.to_string(),
            sessions.open.to_string(),
            progress.changes.to_string(),
            progress.improved.to_string(),
        ]);
    }
    print!("{}", table.render());
    if !v.missing_schools.is_empty() {
        println!(
            "{}",
            tr(
                "curator-missing-schools",
                &[("schools", s(v.missing_schools.join(", ")))],
            )
        );
    }
    Ok(())
}

pub async fn remove_curator(ch: Conn, muni: String, id: String) -> Result<(), ClientError> {
    let mut client = CuratorServiceClient::new(ch);
    let cur = client
        .get_curator(pb::GetCuratorRequest {
            municipality_id: muni.clone(),
            curator_id: id.clone(),
        })
        .await?
        .into_inner();
    client
        .delete_curator(pb::DeleteCuratorRequest {
            municipality_id: muni,
            curator_id: id.clone(),
            etag: cur.etag,
            request_id: String::new(),
        })
        .await?;
    println!("{}", tr("curator-removed", &[("id", s(&id))]));
    Ok(())
}

use peerlift_api::pb::event_service_client::EventServiceClient;

use crate::cli::community::EventArgs;
use crate::sessions_cli::{event_kind_name, Filter};

fn organiser_of(given: &str) -> Result<(pb::OrganiserKind, String), ClientError> {
    let (kind, id) = given.split_once(':').unwrap_or((given, ""));
    let k = match kind {
        "office" => pb::OrganiserKind::Office,
        "platform" => pb::OrganiserKind::Platform,
        "association" => pb::OrganiserKind::Association,
        "school" => pb::OrganiserKind::School,
        _ => {
            return Err(ClientError::Usage(tr(
                "usage-organiser",
                &[("value", s(kind))],
            )))
        }
    };
    Ok((k, id.to_string()))
}

pub async fn add_event(ch: Conn, a: &EventArgs) -> Result<(), ClientError> {
    let (organiser, organiser_id) = organiser_of(&a.organiser)?;
    let e = pb::Event {
        municipality_id: a.scope.municipality.clone(),
        id: a.id.clone(),
        kind: a.kind.clone(),
        title: a.title.clone(),
        start: a.start.clone(),
        duration_minutes: a.minutes,
        mode: if a.host.is_empty() {
            pb::Mode::Online
        } else {
            pb::Mode::InPerson
        } as i32,
        host_school_id: a.host.clone(),
        place: a.place.clone(),
        organiser: organiser as i32,
        organiser_id,
        directions: a.directions.clone(),
        topics: a.topics.clone(),
        invited_schools: a.invite_schools.clone(),
        invited_teachers: a.invite_teachers.clone(),
        leaders: a.leaders.clone(),
        capacity: a.capacity,
        ..Default::default()
    };
    let out = EventServiceClient::new(ch)
        .create_event(pb::CreateEventRequest {
            municipality_id: a.scope.municipality.clone(),
            event: Some(e),
            request_id: String::new(),
        })
        .await?
        .into_inner();
    print_event(&out);
    Ok(())
}

fn print_event(e: &pb::Event) {
    if crate::output::json() {
        crate::output::print(e, "peerlift.v1.Event");
        return;
    }
    println!(
        "{}",
        tr(
            "event-saved",
            &[
                ("id", s(&e.id)),
                ("kind", s(event_kind_name(&e.kind))),
                ("title", s(&e.title)),
                ("start", s(&e.start)),
                ("invited", s(e.invited_count.to_string())),
                ("registered", s(e.registered.len().to_string())),
                ("attended", s(e.attended.len().to_string())),
            ],
        )
    );
}

pub async fn list_events(ch: Conn, muni: String, f: Filter) -> Result<(), ClientError> {
    let client = EventServiceClient::new(ch);
    let all = crate::client::every_page(|page_token| {
        let mut client = client.clone();
        let req = pb::ListEventsRequest {
            municipality_id: muni.clone(),
            page_size: 1000,
            page_token,
            teacher_id: f.teacher.clone(),
            school_id: f.school.clone(),
            from: f.from.clone(),
            to: f.to.clone(),
            ..Default::default()
        };
        async move {
            let r = client.list_events(req).await?.into_inner();
            Ok((r.events, r.next_page_token))
        }
    })
    .await?;
    if crate::output::json() {
        crate::output::print_list(&all, "peerlift.v1.Event");
        return Ok(());
    }
    let mut table = Table::new(&[
        "id",
        "start",
        "kind",
        "title",
        "where",
        "invited",
        "registered",
        "attended",
        "status",
    ]);
    for e in &all {
        table.row(vec![
            e.id.clone(),
            e.start.clone(),
            event_kind_name(&e.kind),
            e.title.clone(),
            if e.host_school_id.is_empty() {
                "online".into()
            } else {
                e.host_school_id.clone()
            },
            e.invited_count.to_string(),
            e.registered.len().to_string(),
            e.attended.len().to_string(),
            t(&format!(
                "event-status-{}",
                pb::EventStatus::try_from(e.status)
                    .map(|x| x
                        .as_str_name()
                        .trim_start_matches("EVENT_STATUS_")
                        .to_ascii_lowercase())
                    .unwrap_or_default()
            )),
        ]);
    }
    print!("{}", table.render());
    Ok(())
}

pub async fn register(
    ch: Conn,
    muni: String,
    event: String,
    teacher: String,
    withdraw: bool,
) -> Result<(), ClientError> {
    let out = EventServiceClient::new(ch)
        .register_for_event(pb::RegisterForEventRequest {
            municipality_id: muni,
            event_id: event,
            teacher_id: teacher,
            withdraw,
            request_id: String::new(),
        })
        .await?
        .into_inner();
    print_event(&out);
    Ok(())
}

/// Reads the event, lets `change` edit it, and stores it (with the etag read).
pub async fn change_event(
    ch: Conn,
    muni: String,
    event: String,
    change: impl FnOnce(&mut pb::Event),
) -> Result<(), ClientError> {
    let mut client = EventServiceClient::new(ch);
    let mut e = client
        .get_event(pb::GetEventRequest {
            municipality_id: muni.clone(),
            event_id: event,
        })
        .await?
        .into_inner();
    change(&mut e);
    let out = client
        .update_event(pb::UpdateEventRequest {
            municipality_id: muni,
            event: Some(e),
            request_id: String::new(),
        })
        .await?
        .into_inner();
    print_event(&out);
    Ok(())
}

use peerlift_api::pb::association_service_client::AssociationServiceClient;

use crate::cli::community::{AssociationArgs, MembershipArgs};

pub async fn add_association(ch: Conn, a: &AssociationArgs) -> Result<(), ClientError> {
    let kind = match a.kind.as_str() {
        "association" => pb::AssociationKind::Association,
        "community" => pb::AssociationKind::Community,
        "kindergarten" => pb::AssociationKind::Kindergarten,
        other => {
            return Err(ClientError::Usage(tr(
                "usage-association-kind",
                &[("value", s(other))],
            )))
        }
    };
    let reach = match a.reach.as_str() {
        "city" => pb::Reach::City,
        "region" => pb::Reach::Region,
        other => {
            return Err(ClientError::Usage(tr(
                "usage-reach",
                &[("value", s(other))],
            )))
        }
    };
    let mut modes = vec![pb::Mode::InPerson as i32];
    if a.online {
        modes.push(pb::Mode::Online as i32);
    }
    let since = if a.since.is_empty() {
        jiff::Zoned::now().date().to_string()
    } else {
        a.since.clone()
    };
    let out = AssociationServiceClient::new(ch)
        .create_association(pb::CreateAssociationRequest {
            municipality_id: a.scope.municipality.clone(),
            association: Some(pb::Association {
                id: a.id.clone(),
                kind: kind as i32,
                name: a.name.clone(),
                subject: a.subject.clone(),
                areas: a.areas.clone(),
                problem: a.problem.clone(),
                modes,
                reach: reach as i32,
                since_year: a.since_year.clone(),
                members: vec![pb::AssociationMember {
                    teacher_id: a.leader.clone(),
                    joined_on: since,
                    leader: true,
                    ..Default::default()
                }],
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await?
        .into_inner();
    print_association(&out);
    Ok(())
}

fn print_association(a: &pb::Association) {
    if crate::output::json() {
        crate::output::print(a, "peerlift.v1.Association");
        return;
    }
    println!(
        "{}",
        tr(
            "association-saved",
            &[
                ("id", s(&a.id)),
                ("name", s(&a.name)),
                ("members", s(a.member_count.to_string())),
            ],
        )
    );
}

pub async fn membership(ch: Conn, a: &MembershipArgs, join: bool) -> Result<(), ClientError> {
    let mut client = AssociationServiceClient::new(ch);
    let out = if join {
        client
            .join_association(pb::JoinAssociationRequest {
                municipality_id: a.scope.municipality.clone(),
                association_id: a.association.clone(),
                member_municipality_id: a.from_municipality.clone(),
                teacher_id: a.teacher.clone(),
                on: a.on.clone(),
                leader: a.leader,
                request_id: String::new(),
            })
            .await?
    } else {
        client
            .leave_association(pb::LeaveAssociationRequest {
                municipality_id: a.scope.municipality.clone(),
                association_id: a.association.clone(),
                member_municipality_id: a.from_municipality.clone(),
                teacher_id: a.teacher.clone(),
                on: a.on.clone(),
                request_id: String::new(),
            })
            .await?
    }
    .into_inner();
    print_association(&out);
    Ok(())
}

pub async fn list_associations(ch: Conn, muni: String) -> Result<(), ClientError> {
    let client = AssociationServiceClient::new(ch);
    let all = crate::client::every_page(|page_token| {
        let mut client = client.clone();
        let req = pb::ListAssociationsRequest {
            municipality_id: muni.clone(),
            page_size: 1000,
            page_token,
            ..Default::default()
        };
        async move {
            let r = client.list_associations(req).await?.into_inner();
            Ok((r.associations, r.next_page_token))
        }
    })
    .await?;
    if crate::output::json() {
        crate::output::print_list(&all, "peerlift.v1.Association");
        return Ok(());
    }
    let mut table = Table::new(&["id", "name", "kind", "subject", "leader", "members"]);
    for a in &all {
        let leaders: Vec<&str> = a
            .members
            .iter()
            .filter(|m| m.leader && m.left_on.is_empty())
            .map(|m| m.teacher_id.as_str())
            .collect();
        table.row(vec![
            a.id.clone(),
            a.name.clone(),
            t(&format!(
                "association-kind-{}",
                pb::AssociationKind::try_from(a.kind)
                    .map(|k| k
                        .as_str_name()
                        .trim_start_matches("ASSOCIATION_KIND_")
                        .to_ascii_lowercase())
                    .unwrap_or_default()
            )),
            a.subject.clone(),
            leaders.join(", "),
            a.member_count.to_string(),
        ]);
    }
    print!("{}", table.render());
    Ok(())
}

pub async fn participation(ch: Conn, muni: String, years: Vec<String>) -> Result<(), ClientError> {
    let r = AssociationServiceClient::new(ch)
        .participation_report(pb::ParticipationReportRequest {
            municipality_id: muni,
            school_years: years,
        })
        .await?
        .into_inner();
    if crate::output::json() {
        crate::output::print(&r, "peerlift.v1.ParticipationReportResponse");
        return Ok(());
    }
    let mut table = Table::new(&[
        "year",
        "teachers",
        "members",
        "share",
        "events held",
        "attendances",
    ]);
    for y in &r.years {
        table.row(vec![
            y.school_year.clone(),
            y.teachers.to_string(),
            y.members.to_string(),
            y.percent
                .map(|p| format!("{p:.1}%"))
                .unwrap_or_else(|| "-".into()),
            y.events_held.to_string(),
            y.event_attendances.to_string(),
        ]);
    }
    print!("{}", table.render());
    if !r.associations.is_empty() {
        println!();
        let mut per = Table::new(&["id", "name", "members", "events held", "attendances"]);
        for a in &r.associations {
            per.row(vec![
                a.association_id.clone(),
                a.name.clone(),
                a.members
                    .iter()
                    .map(|m| format!("{} {}", m.municipality_id, m.members))
                    .collect::<Vec<_>>()
                    .join(", "),
                a.events_held.to_string(),
                a.event_attendances.to_string(),
            ]);
        }
        print!("{}", per.render());
    }
    Ok(())
}

pub async fn recommend(ch: Conn, muni: String, teacher: String) -> Result<(), ClientError> {
    let r = AssociationServiceClient::new(ch)
        .recommend_associations(pb::RecommendAssociationsRequest {
            municipality_id: muni,
            teacher_id: teacher.clone(),
        })
        .await?
        .into_inner();
    if crate::output::json() {
        crate::output::print(&r, "peerlift.v1.RecommendAssociationsResponse");
        return Ok(());
    }
    if r.recommendations.is_empty() {
        println!("{}", tr("recommend-none", &[("teacher", s(&teacher))]));
        return Ok(());
    }
    let mut table = Table::new(&["id", "name", "reason"]);
    for x in &r.recommendations {
        let a = x.association.clone().unwrap_or_default();
        table.row(vec![a.id, a.name, x.reason.clone()]);
    }
    print!("{}", table.render());
    Ok(())
}

use peerlift_api::pb::platform_service_client::PlatformServiceClient;

use crate::cli::community::PlatformArgs;

/// A system direction as a person reads it: the catalogue's name, else the code.
fn direction_name(code: &str) -> String {
    let id = format!("sysdir-{code}");
    let name = t(&id);
    if name == id {
        code.to_string()
    } else {
        name
    }
}

pub async fn add_platform(ch: Conn, a: &PlatformArgs) -> Result<(), ClientError> {
    let order = (!a.order_number.is_empty()).then(|| pb::Order {
        number: a.order_number.clone(),
        date: a.order_date.clone(),
    });
    let p = PlatformServiceClient::new(ch)
        .create_platform(pb::CreatePlatformRequest {
            municipality_id: a.scope.municipality.clone(),
            platform: Some(pb::Platform {
                id: a.id.clone(),
                school_id: a.school.clone(),
                direction: a.direction.clone(),
                name: a.name.clone(),
                programme: a.programme.clone(),
                capacity: a.capacity,
                curator_id: a.curator.clone(),
                order,
                school_year: a.school_year.clone(),
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await?
        .into_inner();
    if crate::output::json() {
        crate::output::print(&p, "peerlift.v1.Platform");
        return Ok(());
    }
    println!(
        "{}",
        tr(
            "platform-saved",
            &[
                ("id", s(&p.id)),
                ("school", s(&p.school_id)),
                ("direction", s(direction_name(&p.direction))),
                ("capacity", s(p.capacity.to_string())),
            ],
        )
    );
    Ok(())
}

pub async fn list_platforms(ch: Conn, muni: String, direction: String) -> Result<(), ClientError> {
    let client = PlatformServiceClient::new(ch);
    let all = crate::client::every_page(|page_token| {
        let mut client = client.clone();
        let req = pb::ListPlatformsRequest {
            municipality_id: muni.clone(),
            page_size: 1000,
            page_token,
            direction: direction.clone(),
            school_id: String::new(),
        };
        async move {
            let r = client.list_platforms(req).await?.into_inner();
            Ok((r.platforms, r.next_page_token))
        }
    })
    .await?;
    if crate::output::json() {
        crate::output::print_list(&all, "peerlift.v1.Platform");
        return Ok(());
    }
    let mut table = Table::new(&["id", "school", "direction", "name", "capacity", "order"]);
    for p in &all {
        table.row(vec![
            p.id.clone(),
            p.school_id.clone(),
            direction_name(&p.direction),
            p.name.clone(),
            p.capacity.to_string(),
            p.order
                .as_ref()
                .map(|o| format!("№ {} {}", o.number, o.date))
                .unwrap_or_default(),
        ]);
    }
    print!("{}", table.render());
    Ok(())
}

pub async fn diagnose(
    ch: Conn,
    muni: String,
    teacher: String,
    school: String,
    date: String,
    scores: Vec<String>,
    source: String,
) -> Result<(), ClientError> {
    let mut parsed = std::collections::BTreeMap::new();
    for x in &scores {
        let Some((k, v)) = x.split_once('=') else {
            return Err(ClientError::Usage(tr("usage-score", &[("value", s(x))])));
        };
        let v: f64 = v
            .trim()
            .parse()
            .map_err(|_| ClientError::Usage(tr("usage-score", &[("value", s(x))])))?;
        parsed.insert(k.trim().to_string(), v);
    }
    let d = PlatformServiceClient::new(ch)
        .record_management_diagnostic(pb::RecordManagementDiagnosticRequest {
            municipality_id: muni,
            diagnostic: Some(pb::ManagementDiagnostic {
                school_id: school,
                teacher_id: teacher,
                date,
                scores: parsed,
                source,
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await?
        .into_inner();
    if crate::output::json() {
        crate::output::print(&d, "peerlift.v1.ManagementDiagnostic");
        return Ok(());
    }
    println!(
        "{}",
        tr(
            "management-recorded",
            &[("id", s(&d.id)), ("count", s(d.scores.len().to_string()))],
        )
    );
    Ok(())
}

pub async fn team(ch: Conn, muni: String, school: String) -> Result<(), ClientError> {
    let r = PlatformServiceClient::new(ch)
        .list_management_diagnostics(pb::ListManagementDiagnosticsRequest {
            municipality_id: muni,
            school_id: school.clone(),
        })
        .await?
        .into_inner();
    if crate::output::json() {
        crate::output::print(&r, "peerlift.v1.ListManagementDiagnosticsResponse");
        return Ok(());
    }
    if r.difficulties.is_empty() {
        println!(
            "{}",
            tr("management-no-difficulty", &[("school", s(&school))])
        );
        return Ok(());
    }
    let mut table = Table::new(&["direction", "share", "severe"]);
    for d in &r.difficulties {
        table.row(vec![
            direction_name(&d.direction),
            format!("{:.0}%", d.share * 100.0),
            t(if d.severe { "yes" } else { "no" }),
        ]);
    }
    print!("{}", table.render());
    Ok(())
}

/// Drafts the partnership order and writes its HTML to `out` (or standard output).
pub async fn partnership_order(
    ch: Conn,
    muni: String,
    year: String,
    number: String,
    date: String,
    out: Option<std::path::PathBuf>,
) -> Result<(), ClientError> {
    let order = (!number.is_empty() || !date.is_empty()).then_some(pb::Order { number, date });
    let d = peerlift_api::pb::document_service_client::DocumentServiceClient::new(ch)
        .render_partnership_order(pb::RenderPartnershipOrderRequest {
            municipality_id: muni,
            school_year: year,
            order,
        })
        .await?
        .into_inner();
    if crate::output::json() {
        crate::output::print(&d, "peerlift.v1.Document");
        return Ok(());
    }
    match out {
        Some(path) => {
            std::fs::write(&path, &d.html).map_err(|source| ClientError::Io {
                path: path.display().to_string(),
                source,
            })?;
            eprintln!(
                "{}",
                tr(
                    "document-written",
                    &[
                        ("path", s(path.display().to_string())),
                        ("count", s(d.mentorship_ids.len().to_string())),
                    ],
                )
            );
        }
        None => print!("{}", d.html),
    }
    Ok(())
}
