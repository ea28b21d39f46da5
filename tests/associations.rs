//! Issue 16, associations: a Sayansk-like city (seed 004) runs its model through professional
//! associations and network communities with members from another town (Tulun). The
//! participation report reproduces seed 004's rates by school year (58% -> 74% -> 87% ->
//! 95.7% of 608 teachers, 582 in the last year), counts each association's members by
//! municipality and its events; a teacher with a deficit in an association's subject is
//! offered it, with the reason, in the caller's language.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use peerlift_api::pb;
use peerlift_api::pb::association_service_client::AssociationServiceClient;
use tonic::Code;

const SAYANSK: &str = "sayansk";
const TULUN: &str = "tulun";
const TEACHERS: usize = 608;

fn files(id: &str, teachers: usize) -> Vec<ImportFile> {
    let muni = format!("id,name,region,time_zone\n{id},{id} city,Irkutsk region,Asia/Irkutsk\n");
    let schools = format!(
        "id,name,kind,status\n{id}-school,{id} school No1,sosh,stable\n\
         {id}-kindergarten,{id} kindergarten No1,kindergarten,stable\n"
    );
    let mut t = String::from("id,school_id,full_name,subjects,active,accepts_online\n");
    for i in 0..teachers {
        // Every tenth works at the kindergarten (seed 004 counts its teachers too).
        let school = if i % 10 == 9 {
            "kindergarten"
        } else {
            "school"
        };
        t.push_str(&format!(
            "{id}-t{i:04},{id}-{school},Teacher {i},mathematics,true,true\n"
        ));
    }
    vec![
        (
            pb::ImportFileKind::Municipality,
            "municipality.csv".into(),
            muni.into_bytes(),
        ),
        (
            pb::ImportFileKind::Schools,
            "schools.csv".into(),
            schools.into_bytes(),
        ),
        (
            pb::ImportFileKind::Teachers,
            "teachers.csv".into(),
            t.into_bytes(),
        ),
    ]
}

fn member(m: &str, t: String, joined: &str, leader: bool) -> pb::AssociationMember {
    pb::AssociationMember {
        municipality_id: m.into(),
        teacher_id: t,
        joined_on: joined.into(),
        left_on: String::new(),
        leader,
    }
}

#[tokio::test]
async fn a_sayansk_like_city_reports_its_participation_by_year() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    import_files(&s, SAYANSK, true, false, files(SAYANSK, TEACHERS))
        .await
        .unwrap();
    import_files(&s, TULUN, true, false, files(TULUN, 20))
        .await
        .unwrap();
    let mut c = AssociationServiceClient::new(s.channel.clone());

    // The mathematics association: members joining year by year up to seed 004's figures;
    // twelve of Tulun's teachers join in the third year.
    let joined = [
        (353, "2019-09-02"),
        (450, "2020-09-01"),
        (529, "2021-09-01"),
        (582, "2022-09-01"),
    ];
    let mut members = Vec::new();
    let mut from = 0;
    for (upto, day) in joined {
        for i in from..upto {
            members.push(member(SAYANSK, format!("{SAYANSK}-t{i:04}"), day, i == 0));
        }
        from = upto;
    }
    for i in 0..12 {
        members.push(member(
            TULUN,
            format!("{TULUN}-t{i:04}"),
            "2021-09-01",
            false,
        ));
    }
    c.create_association(pb::CreateAssociationRequest {
        municipality_id: SAYANSK.into(),
        association: Some(pb::Association {
            id: "gpo-math".into(),
            kind: pb::AssociationKind::Association as i32,
            name: "ГПО учителей математики".into(),
            subject: "mathematics".into(),
            modes: vec![pb::Mode::InPerson as i32, pb::Mode::Online as i32],
            reach: pb::Reach::Region as i32,
            since_year: "2019-2020".into(),
            members,
            ..Default::default()
        }),
        request_id: String::new(),
    })
    .await
    .unwrap();
    // A community founded and joined from the command line: a Tulun teacher joins it.
    let (code, out, err) = cli(&[
        "associations",
        "add",
        "inclusive",
        "-m",
        SAYANSK,
        "--name",
        "Сетевое сообщество по инклюзии",
        "--kind",
        "community",
        "--area",
        "inclusive",
        "--problem",
        "inclusive lessons",
        "--online",
        "--leader",
        "sayansk-t0100",
        "--since",
        "2022-09-01",
        "--addr",
        &s.addr,
    ])
    .await;
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = cli(&[
        "associations",
        "join",
        "inclusive",
        "tulun-t0019",
        "--from",
        TULUN,
        "-m",
        SAYANSK,
        "--on",
        "2022-10-01",
        "--addr",
        &s.addr,
    ])
    .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("2 current members"), "{out}");
    // The association held a seminar: it counts in its year.
    pb::event_service_client::EventServiceClient::new(s.channel.clone())
        .create_event(pb::CreateEventRequest {
            municipality_id: SAYANSK.into(),
            event: Some(pb::Event {
                id: "seminar-1".into(),
                kind: "seminar_practicum".into(),
                title: "Семинар ГПО".into(),
                start: "2022-11-10T15:00".into(),
                duration_minutes: 90,
                mode: pb::Mode::Online as i32,
                organiser: pb::OrganiserKind::Association as i32,
                organiser_id: "gpo-math".into(),
                invited_schools: vec![format!("{SAYANSK}-school")],
                status: pb::EventStatus::Held as i32,
                attended: (0..25).map(|i| format!("{SAYANSK}-t{i:04}")).collect(),
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap();

    let rep = c
        .participation_report(pb::ParticipationReportRequest {
            municipality_id: SAYANSK.into(),
            school_years: vec![],
        })
        .await
        .unwrap()
        .into_inner();
    let years: Vec<(&str, u32, u32)> = rep
        .years
        .iter()
        .map(|y| (y.school_year.as_str(), y.members, y.teachers))
        .collect();
    assert_eq!(
        &years[..4],
        [
            ("2019-2020", 353, 608),
            ("2020-2021", 450, 608),
            ("2021-2022", 529, 608),
            ("2022-2023", 582, 608)
        ]
    );
    let pct: Vec<String> = rep.years[..3]
        .iter()
        .map(|y| format!("{:.1}", y.percent.unwrap()))
        .collect();
    assert_eq!(pct, ["58.1", "74.0", "87.0"]);
    assert_eq!(
        (rep.years[3].events_held, rep.years[3].event_attendances),
        (1, 25)
    );
    let math = rep
        .associations
        .iter()
        .find(|a| a.association_id == "gpo-math")
        .unwrap();
    let by: Vec<(&str, u32)> = math
        .members
        .iter()
        .map(|m| (m.municipality_id.as_str(), m.members))
        .collect();
    assert_eq!(by, [(SAYANSK, 582), (TULUN, 12)]);
    // The same from the command line, as the office reads it.
    let (code, out, err) = cli(&[
        "associations",
        "participation",
        "-m",
        SAYANSK,
        "--year",
        "2021-2022",
        "--year",
        "2022-2023",
        "--addr",
        &s.addr,
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("87.0%") && out.contains("95.7%"), "{out}");
    assert!(out.contains("sayansk 582, tulun 12"), "{out}");

    // A teacher outside the association with a B in mathematics is offered it, and why.
    let outsider = format!("{SAYANSK}-t0605");
    s.diagnostics()
        .create_diagnostic(pb::CreateDiagnosticRequest {
            municipality_id: SAYANSK.into(),
            diagnostic: Some(pb::Diagnostic {
                teacher_id: outsider.clone(),
                subject: "mathematics".into(),
                date: "2022-10-14".into(),
                level: pb::Level::B as i32,
                scores: [("inclusive".to_string(), 0.2)].into_iter().collect(),
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let (code, out, err) = cli_in(
        &[("LANG", "ru_RU.UTF-8")],
        &[
            "associations",
            "recommend",
            &outsider,
            "-m",
            SAYANSK,
            "--addr",
            &s.addr,
        ],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[2].starts_with("gpo-math") && lines[2].contains("уровня B"),
        "{out}"
    );
    assert!(
        lines[3].starts_with("inclusive") && lines[3].contains("20%"),
        "{out}"
    );
    // A member is not offered what it is in.
    let r = c
        .recommend_associations(pb::RecommendAssociationsRequest {
            municipality_id: SAYANSK.into(),
            teacher_id: format!("{SAYANSK}-t0001"),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(r
        .recommendations
        .iter()
        .all(|x| x.association.as_ref().unwrap().id != "gpo-math"));

    // Leaving: the history stays, the member count drops.
    let (code, out, err) = cli(&[
        "associations",
        "leave",
        "inclusive",
        "tulun-t0019",
        "--from",
        TULUN,
        "-m",
        SAYANSK,
        "--on",
        "2023-05-01",
        "--addr",
        &s.addr,
    ])
    .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 current members"), "{out}");
    // An unknown member is named.
    let e = c
        .join_association(pb::JoinAssociationRequest {
            municipality_id: SAYANSK.into(),
            association_id: "inclusive".into(),
            member_municipality_id: TULUN.into(),
            teacher_id: "nobody".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NotFound, "{e:?}");
    s.stop().await;
}
