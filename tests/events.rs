//! Issue 16, municipal events: a festival of open lessons with all ten Kirovsky schools shows
//! in every invited teacher's calendar (the API and the iCalendar export), takes its leaders'
//! and registered teachers' time (no session is booked over it, and it is not booked over a
//! session), takes registrations up to its places, and, once held, counts in the sessions and
//! outcomes reports beside the sessions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use peerlift_api::pb;
use peerlift_api::pb::event_service_client::EventServiceClient;
use tonic::Code;

const M: &str = "kirovsky";
const FESTIVAL: &str = "festival-2030";

async fn teachers(s: &TestServer) -> Vec<pb::Teacher> {
    s.teachers()
        .list_teachers(pb::ListTeachersRequest {
            municipality_id: M.into(),
            page_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .teachers
}

async fn schools(s: &TestServer) -> Vec<String> {
    s.schools()
        .list_schools(pb::ListSchoolsRequest {
            municipality_id: M.into(),
            page_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .schools
        .into_iter()
        .map(|x| x.id)
        .collect()
}

#[tokio::test]
async fn a_festival_of_ten_schools_reaches_every_calendar_and_the_reports() {
    let dir = tempfile::tempdir().unwrap();
    let s = kirovsky_server(dir.path()).await;
    let schools = schools(&s).await;
    assert_eq!(schools.len(), 10);
    let pairs = match_and_approve(&s, M, pb::MatchKind::TeacherPairs, "").await;
    let mentor = pairs[0].mentor_id.clone();
    let mentee = pairs[0].mentee_id.clone();
    // The mentor has a session on the festival's morning.
    let session = online_session(&s, M, &pairs[0].id, "2030-03-14T10:30").await;

    // Led by the mentor at that time: refused, naming the session.
    let mut add = vec![
        "events",
        "add",
        FESTIVAL,
        "-m",
        M,
        "--kind",
        "open_lessons_festival",
        "--title",
        "Фестиваль открытых уроков",
        "--start",
        "2030-03-14T10:00",
        "--minutes",
        "240",
        "--host",
        "kirovsk-sosh-2",
        "--topic",
        "primary_school",
        "--direction",
        "teaching_methodology",
        "--leader",
        &mentor,
        "--capacity",
        "3",
        "--addr",
        &s.addr,
    ];
    for school in &schools {
        add.push("--invite-school");
        add.push(school);
    }
    let (code, out, err) = cli(&add).await;
    assert_ne!(code, 0, "{out}");
    assert!(
        err.contains(&mentor) && err.contains(&session.id),
        "the refusal names who is busy and with what: {err}"
    );
    // The session moves; the festival is planned.
    s.sessions()
        .cancel_session(pb::CancelSessionRequest {
            municipality_id: M.into(),
            session_id: session.id.clone(),
            etag: session.etag.clone(),
            reason: "the festival".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let (code, out, err) = cli(&add).await;
    assert_eq!(code, 0, "{out}{err}");
    let everyone: Vec<pb::Teacher> = teachers(&s).await;
    let active = everyone.iter().filter(|t| t.active.unwrap_or(true)).count();
    assert!(out.contains(&format!("{active} invited")), "{out}");

    // Every invited teacher sees it in their calendar.
    let mut events = EventServiceClient::new(s.channel.clone());
    for t in everyone.iter().filter(|t| t.active.unwrap_or(true)) {
        let listed = events
            .list_events(pb::ListEventsRequest {
                municipality_id: M.into(),
                teacher_id: t.id.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .events;
        assert_eq!(
            listed.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
            [FESTIVAL],
            "{}",
            t.id
        );
    }
    // And in the iCalendar export of one teacher of each school.
    for school in &schools {
        let t = everyone
            .iter()
            .find(|t| &t.school_id == school && t.active.unwrap_or(true))
            .unwrap();
        let (code, ics, err) = cli(&[
            "schedule",
            "-m",
            M,
            "--teacher",
            &t.id,
            "--ics",
            "--addr",
            &s.addr,
        ])
        .await;
        assert_eq!(code, 0, "{err}");
        assert!(
            ics.contains(&format!("UID:event.{FESTIVAL}.{M}@peerlift")),
            "{school}: {ics}"
        );
        assert!(ics.contains("Festival of open lessons"), "{ics}");
    }

    // Its leader cannot be booked over it.
    let e = s
        .sessions()
        .create_session(pb::CreateSessionRequest {
            municipality_id: M.into(),
            session: Some(pb::Session {
                mentorship_id: pairs[0].id.clone(),
                start: "2030-03-14T12:00".into(),
                duration_minutes: 45,
                mode: pb::Mode::Online as i32,
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition, "{e:?}");
    assert!(e.message().contains(FESTIVAL), "{e:?}");

    // Registration: invited teachers up to the three places; the mentee of that pair, once
    // registered, is busy too.
    let others: Vec<&pb::Teacher> = everyone
        .iter()
        .filter(|t| t.id != mentor && t.id != mentee && t.active.unwrap_or(true))
        .take(3)
        .collect();
    let (code, out, err) = cli(&[
        "events", "register", FESTIVAL, &mentee, "-m", M, "--addr", &s.addr,
    ])
    .await;
    assert_eq!(code, 0, "{out}{err}");
    for t in &others[..2] {
        let (code, out, err) = cli(&[
            "events", "register", FESTIVAL, &t.id, "-m", M, "--addr", &s.addr,
        ])
        .await;
        assert_eq!(code, 0, "{out}{err}");
    }
    let (code, out, err) = cli(&[
        "events",
        "register",
        FESTIVAL,
        &others[2].id,
        "-m",
        M,
        "--addr",
        &s.addr,
    ])
    .await;
    assert_ne!(code, 0, "{out}");
    assert!(err.contains("full"), "{err}");

    // Held: who came counts in the reports, beside the sessions.
    let (code, out, err) = cli(&[
        "events",
        "record",
        FESTIVAL,
        "-m",
        M,
        "--attended",
        &mentee,
        "--attended",
        &others[0].id,
        "--material",
        "https://example.org/programme.pdf",
        "--addr",
        &s.addr,
    ])
    .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("2 attended"), "{out}");
    let rep = s
        .reports()
        .sessions_report(pb::ReportRequest {
            municipality_id: M.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let ev = rep.events.unwrap();
    assert_eq!((ev.scheduled, ev.held, ev.attendances), (1, 1, 2));
    let mentee_school = &everyone.iter().find(|t| t.id == mentee).unwrap().school_id;
    let other_school = &others[0].school_id;
    let expected: std::collections::BTreeSet<&str> = [
        "kirovsk-sosh-2",
        mentee_school.as_str(),
        other_school.as_str(),
    ]
    .into_iter()
    .collect();
    assert_eq!(ev.schools_reached as usize, expected.len());
    assert_eq!(rep.events_by_kind[0].kind, "open_lessons_festival");
    let outcomes = s
        .reports()
        .outcomes_report(pb::ReportRequest {
            municipality_id: M.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(outcomes.teachers_at_events, 2);
    let (code, out, err) = cli(&["report", "outcomes", "-m", M, "--addr", &s.addr]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("municipal events held of planned"), "{out}");
    assert!(out.contains("teachers who came to an event"), "{out}");
    // A held event is kept: its attendance counts.
    let festival = events
        .get_event(pb::GetEventRequest {
            municipality_id: M.into(),
            event_id: FESTIVAL.into(),
        })
        .await
        .unwrap()
        .into_inner();
    let e = events
        .delete_event(pb::DeleteEventRequest {
            municipality_id: M.into(),
            event_id: FESTIVAL.into(),
            etag: festival.etag,
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition, "{e:?}");
    s.stop().await;
}

#[tokio::test]
async fn a_bad_event_is_refused_with_every_field_named() {
    let dir = tempfile::tempdir().unwrap();
    let s = kirovsky_server(dir.path()).await;
    let e = EventServiceClient::new(s.channel.clone())
        .create_event(pb::CreateEventRequest {
            municipality_id: M.into(),
            event: Some(pb::Event {
                id: "bad".into(),
                kind: "picnic".into(),
                title: "".into(),
                start: "2030-03-14T10:00".into(),
                duration_minutes: 0,
                mode: pb::Mode::InPerson as i32,
                invited_schools: vec!["atlantis".into()],
                organiser: pb::OrganiserKind::Association as i32,
                organiser_id: "no-such-association".into(),
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument, "{e:?}");
    let mut fields = bad_fields(&e);
    fields.sort();
    assert_eq!(
        fields,
        [
            "event.duration_minutes",
            "event.host_school_id",
            "event.invited_schools[0]",
            "event.kind",
            "event.organiser_id",
            "event.title"
        ],
        "{e:?}"
    );
    s.stop().await;
}
