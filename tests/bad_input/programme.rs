//! Refusals of the programme year: programmes with impossible stages or targets, result lines,
//! plans that name what does not exist, documents of nothing, signatures without a number.

use pb::programme_service_client::ProgrammeServiceClient;
use peerlift_api::pb;
use tonic::Code;

use crate::common::cases::Cases;
use crate::common::*;
use crate::{mb, world, M};

fn programme(change: impl FnOnce(&mut pb::Programme)) -> pb::CreateProgrammeRequest {
    let mut p = pb::Programme {
        id: "rip".into(),
        title: "Программа".into(),
        stages: vec![pb::Stage {
            name: "практический".into(),
            start: "2021-10-13".into(),
            end: "2022-08-31".into(),
        }],
        targets: vec![pb::Target {
            indicator: pb::Indicator::PositiveShare as i32,
            school_year: "2022-2023".into(),
            value: 80.0,
            assessment: pb::Assessment::Oge as i32,
            subject: "mathematics".into(),
        }],
        ..Default::default()
    };
    change(&mut p);
    pb::CreateProgrammeRequest {
        municipality_id: M.into(),
        programme: Some(p),
        request_id: String::new(),
    }
}

/// Each bad field of a programme is named; an unknown programme is NOT_FOUND.
#[tokio::test]
async fn programmes_with_impossible_stages_or_targets_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    world(&s).await;
    let mut p = ProgrammeServiceClient::new(s.channel.clone());
    let mut c = Cases::new(&s);
    let cases: Vec<(&str, pb::CreateProgrammeRequest, &[&str])> = vec![
        (
            "no title",
            programme(|p| p.title.clear()),
            &["programme.title"],
        ),
        (
            "a 1 MB goal",
            programme(|p| p.goal = mb()),
            &["programme.goal"],
        ),
        (
            "a stage ending before it starts",
            programme(|p| p.stages[0].end = "2021-01-01".into()),
            &["programme.stages[0].end"],
        ),
        (
            "a stage date that is not a date",
            programme(|p| p.stages[0].start = "13.10.2021".into()),
            &["programme.stages[0].start"],
        ),
        (
            "a target year that is not a school year",
            programme(|p| p.targets[0].school_year = "2023".into()),
            &["programme.targets[0].school_year"],
        ),
        (
            "a share over 100",
            programme(|p| p.targets[0].value = 180.0),
            &["programme.targets[0].value"],
        ),
        (
            "an assessment on an indicator that reads no results",
            programme(|p| p.targets[0].indicator = pb::Indicator::Participation as i32),
            &["programme.targets[0].indicator"],
        ),
        (
            "an unknown subject",
            programme(|p| p.targets[0].subject = "alchemy".into()),
            &["programme.targets[0].subject"],
        ),
        (
            "the same target twice",
            programme(|p| p.targets.push(p.targets[0].clone())),
            &["programme.targets[1].indicator"],
        ),
        (
            "a school's programme without its school",
            programme(|p| p.level = pb::ProgrammeLevel::School as i32),
            &["programme.school_id"],
        ),
        (
            "a school's programme of an unknown school",
            programme(|p| {
                p.level = pb::ProgrammeLevel::School as i32;
                p.school_id = "nowhere".into();
            }),
            &["programme.school_id"],
        ),
        (
            "no indicator",
            programme(|p| p.targets[0].indicator = 0),
            &["programme.targets[0].indicator"],
        ),
    ];
    for (name, req, fields) in cases {
        c.invalid(name, p.create_programme(req).await, fields);
    }
    c.not_found(
        "indicators of an unknown programme",
        p.get_programme_indicators(pb::GetProgrammeIndicatorsRequest {
            municipality_id: M.into(),
            programme_id: "ghost".into(),
        })
        .await,
        "ghost",
    );
    c.finish();
    s.stop().await;
}

fn line(change: impl FnOnce(&mut pb::StudentResult)) -> pb::StudentResult {
    let mut r = pb::StudentResult {
        school_id: "low".into(),
        assessment: pb::Assessment::Vpr as i32,
        subject: "mathematics".into(),
        grade: 5,
        year: 2023,
        participants: 20,
        positive_percent: 80.0,
        quality_percent: 40.0,
        ..Default::default()
    };
    change(&mut r);
    r
}

/// Every bad result line is named in one answer, and none is written.
#[tokio::test]
async fn result_lines_are_checked_each_and_all() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    world(&s).await;
    let mut p = ProgrammeServiceClient::new(s.channel.clone());
    let mut c = Cases::new(&s);
    let put = |results: Vec<pb::StudentResult>| pb::PutStudentResultsRequest {
        municipality_id: M.into(),
        results,
        request_id: String::new(),
    };
    c.invalid(
        "lines with a grade 12, a share over 100, no assessment, the same line twice",
        p.put_student_results(put(vec![
            line(|r| r.grade = 12),
            line(|r| {
                r.grade = 6;
                r.positive_percent = 120.0;
            }),
            line(|r| r.assessment = 0),
            line(|_| {}),
            line(|_| {}),
        ]))
        .await,
        &[
            "results[0].grade",
            "results[1].positive_percent",
            "results[2].assessment",
            "results[4]",
        ],
    );
    c.invalid(
        "more lines than one call takes",
        p.put_student_results(put(vec![line(|_| {}); 5001])).await,
        &["results"],
    );
    c.finish();
    s.stop().await;
}

fn plan(change: impl FnOnce(&mut pb::Plan)) -> pb::CreatePlanRequest {
    let mut p = pb::Plan {
        id: "route-t2".into(),
        kind: pb::PlanKind::Route as i32,
        title: "ИОМ".into(),
        teacher_id: "t2".into(),
        items: vec![pb::PlanItem {
            id: "1".into(),
            kind: pb::ItemKind::Deficit as i32,
            what: "Устранить дефицит".into(),
            link: "mathematics".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    change(&mut p);
    pb::CreatePlanRequest {
        municipality_id: M.into(),
        plan: Some(p),
        ..Default::default()
    }
}

/// A plan names what exists: its teacher, school, programme and what each item links to.
#[tokio::test]
async fn plans_that_name_what_does_not_exist_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    world(&s).await;
    let mut p = ProgrammeServiceClient::new(s.channel.clone());
    let mut c = Cases::new(&s);
    let cases: Vec<(&str, pb::CreatePlanRequest, &[&str])> = vec![
        (
            "a route of an unknown teacher",
            plan(|p| p.teacher_id = "ghost".into()),
            &["plan.teacher_id"],
        ),
        (
            "a route without a teacher",
            plan(|p| p.teacher_id.clear()),
            &["plan.teacher_id"],
        ),
        (
            "a route at another school than the teacher's",
            plan(|p| p.school_id = "lead".into()),
            &["plan.school_id"],
        ),
        (
            "an event item of an unknown event",
            plan(|p| {
                p.items[0].kind = pb::ItemKind::Event as i32;
                p.items[0].link = "festival".into();
            }),
            &["plan.items[0].link"],
        ),
        (
            "a deficit item of an unknown subject",
            plan(|p| p.items[0].link = "alchemy".into()),
            &["plan.items[0].link"],
        ),
        (
            "a due date that is not a date",
            plan(|p| p.items[0].due = "31.08.2023".into()),
            &["plan.items[0].due"],
        ),
        (
            "a deficit item in a roadmap",
            plan(|p| {
                p.kind = pb::PlanKind::Roadmap as i32;
                p.teacher_id.clear();
            }),
            &["plan.items[0].kind"],
        ),
        (
            "an unknown programme",
            plan(|p| p.programme_id = "ghost".into()),
            &["plan.programme_id"],
        ),
        (
            "two items with one id",
            plan(|p| p.items.push(p.items[0].clone())),
            &["plan.items[1].id"],
        ),
        (
            "a completed course without its date",
            plan(|p| {
                p.items[0].kind = pb::ItemKind::Course as i32;
                p.items[0].status = pb::ItemStatus::Done as i32;
            }),
            &["plan.items[0].done_on"],
        ),
    ];
    for (name, req, fields) in cases {
        c.invalid(name, p.create_plan(req).await, fields);
    }
    let mut roadmap = plan(|p| {
        p.kind = pb::PlanKind::Roadmap as i32;
        p.teacher_id.clear();
        p.items.clear();
    });
    roadmap.template = "network-year:twenty".into();
    c.invalid(
        "a template that is not one",
        p.create_plan(roadmap).await,
        &["template"],
    );
    c.invalid(
        "routes for an unknown teacher",
        p.draft_routes(pb::DraftRoutesRequest {
            municipality_id: M.into(),
            teacher_ids: vec!["t2".into(), "ghost".into()],
            ..Default::default()
        })
        .await,
        &["teacher_ids[1]"],
    );
    c.finish();
    // A plan named like a teacher's route that is not one is never overwritten by drafting;
    // a programme a plan serves is not deleted from under it.
    p.create_programme(programme(|_| {})).await.unwrap();
    p.create_plan(pb::CreatePlanRequest {
        municipality_id: M.into(),
        plan: Some(pb::Plan {
            id: "route-t2".into(),
            kind: pb::PlanKind::Roadmap as i32,
            title: "Дорожная карта".into(),
            programme_id: "rip".into(),
            ..Default::default()
        }),
        ..Default::default()
    })
    .await
    .unwrap();
    let mut c = Cases::new(&s);
    c.refused(
        "drafting over a roadmap named like the route",
        p.draft_routes(pb::DraftRoutesRequest {
            municipality_id: M.into(),
            teacher_ids: vec!["t2".into()],
            replace: true,
            ..Default::default()
        })
        .await,
        Code::FailedPrecondition,
        &[],
        &["route-t2", "roadmap"],
    );
    c.refused(
        "deleting a programme a plan serves",
        p.delete_programme(pb::DeleteProgrammeRequest {
            municipality_id: M.into(),
            programme_id: "rip".into(),
            ..Default::default()
        })
        .await,
        Code::FailedPrecondition,
        &[],
        &["rip", "route-t2"],
    );
    c.not_found(
        "an unknown plan",
        p.get_plan(pb::GetPlanRequest {
            municipality_id: M.into(),
            plan_id: "ghost".into(),
        })
        .await,
        "ghost",
    );
    c.finish();
    s.stop().await;
}

/// A document of nothing, or a signature without its number, is refused by field.
#[tokio::test]
async fn documents_of_nothing_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    world(&s).await;
    let mut d = pb::document_service_client::DocumentServiceClient::new(s.channel.clone());
    let mut c = Cases::new(&s);
    let render = |kind: pb::DocumentKind, subject: &str| pb::RenderDocumentRequest {
        municipality_id: M.into(),
        kind: kind as i32,
        subject: subject.into(),
        ..Default::default()
    };
    c.invalid(
        "no kind",
        d.render_document(pb::RenderDocumentRequest {
            municipality_id: M.into(),
            subject: "2022-2023".into(),
            ..Default::default()
        })
        .await,
        &["kind"],
    );
    c.invalid(
        "no subject",
        d.render_document(render(pb::DocumentKind::Roadmap, ""))
            .await,
        &["subject"],
    );
    for (name, kind, subject, field) in [
        (
            "an agreement of no partnership",
            pb::DocumentKind::NetworkAgreement,
            "ms-404",
            "subject",
        ),
        (
            "a report on no event",
            pb::DocumentKind::EventReport,
            "ghost",
            "subject",
        ),
        (
            "a roadmap that is not there",
            pb::DocumentKind::Roadmap,
            "ghost",
            "subject",
        ),
        (
            "recommendations of no school year",
            pb::DocumentKind::Recommendations,
            "2023",
            "school_year",
        ),
        (
            "an annual report of no programme",
            pb::DocumentKind::AnnualReport,
            "ghost",
            "school_year",
        ),
    ] {
        c.invalid(
            name,
            d.render_document(render(kind, subject)).await,
            &[field],
        );
    }
    c.invalid(
        "a signature without its number",
        d.record_signed_document(pb::RecordSignedDocumentRequest {
            municipality_id: M.into(),
            document: Some(pb::SignedDocument {
                kind: pb::DocumentKind::PartnershipOrder as i32,
                subject: "2022-2023".into(),
                date: "2022-10-18".into(),
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await,
        &["document.number"],
    );
    c.finish();
    // A report on an event not held yet says what to do first.
    pb::event_service_client::EventServiceClient::new(s.channel.clone())
        .create_event(pb::CreateEventRequest {
            municipality_id: M.into(),
            event: Some(pb::Event {
                id: "seminar".into(),
                kind: "webinar".into(),
                title: "Семинар".into(),
                start: "2030-03-06T15:00".into(),
                duration_minutes: 60,
                mode: pb::Mode::Online as i32,
                invited_schools: vec!["low".into()],
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let mut c = Cases::new(&s);
    c.refused(
        "a report on an event not held yet",
        d.render_document(render(pb::DocumentKind::EventReport, "seminar"))
            .await,
        Code::FailedPrecondition,
        &[],
        &["seminar", "held"],
    );
    c.finish();
    s.stop().await;
}

/// A school is deleted only without roadmaps or routes; its students' results go with it.
#[tokio::test]
async fn a_school_with_a_roadmap_is_not_deleted_and_its_results_go_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    world(&s).await;
    school(&s, M, "closing", pb::SchoolStatus::Stable).await;
    let mut p = ProgrammeServiceClient::new(s.channel.clone());
    p.put_student_results(pb::PutStudentResultsRequest {
        municipality_id: M.into(),
        results: vec![line(|r| r.school_id = "closing".into())],
        request_id: String::new(),
    })
    .await
    .unwrap();
    p.create_plan(pb::CreatePlanRequest {
        municipality_id: M.into(),
        plan: Some(pb::Plan {
            id: "closing-roadmap".into(),
            kind: pb::PlanKind::Roadmap as i32,
            title: "Дорожная карта".into(),
            school_id: "closing".into(),
            ..Default::default()
        }),
        ..Default::default()
    })
    .await
    .unwrap();
    let delete = || pb::DeleteSchoolRequest {
        municipality_id: M.into(),
        school_id: "closing".into(),
        ..Default::default()
    };
    let mut c = Cases::new(&s);
    c.refused(
        "a school with a roadmap",
        s.schools().delete_school(delete()).await,
        Code::FailedPrecondition,
        &[],
        &["closing", "closing-roadmap"],
    );
    c.finish();
    p.delete_plan(pb::DeletePlanRequest {
        municipality_id: M.into(),
        plan_id: "closing-roadmap".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    s.schools().delete_school(delete()).await.unwrap();
    let left = p
        .list_student_results(pb::ListStudentResultsRequest {
            municipality_id: M.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .results;
    assert!(left.is_empty(), "{left:?}");
    s.stop().await;
}
