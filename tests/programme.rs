//! Issue 17, the programme year, through the server and the CLI: a programme's indicators
//! against its targets (computed here independently from the example's files), student
//! results by CSV and by API, routes that close with the re-diagnosis, roadmaps whose items
//! complete with their events and whose late items a curator sees, the monitoring by year, the
//! network against the rest, and the office's documents (checked by parsing their HTML).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::*;
use pb::programme_service_client::ProgrammeServiceClient;
use peerlift_api::pb;
use scraper::{Html, Selector};

const M: &str = "kirovsky";

fn example(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(dir)
}

/// The example's results.csv as (school, assessment, subject, grade, year, [marks 2..5]).
fn results_csv() -> Vec<(String, String, u32, [u32; 4])> {
    let mut r = csv::Reader::from_path(example("kirovsky").join("results.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|x| x == name).unwrap();
    let (school, assessment, year) = (col("school_id"), col("assessment"), col("year"));
    let marks = [
        col("marks_2"),
        col("marks_3"),
        col("marks_4"),
        col("marks_5"),
    ];
    r.records()
        .map(|x| {
            let x = x.unwrap();
            (
                x[school].to_string(),
                x[assessment].to_string(),
                x[year].parse().unwrap(),
                marks.map(|i| x[i].parse().unwrap()),
            )
        })
        .collect()
}

/// Share of marks 3-5 over `rows`, in percent, and the students it rests on.
fn positive(rows: &[&(String, String, u32, [u32; 4])]) -> (f64, u32) {
    let n: u32 = rows.iter().map(|r| r.3.iter().sum::<u32>()).sum();
    let good: u32 = rows.iter().map(|r| r.3[1] + r.3[2] + r.3[3]).sum();
    (f64::from(good) * 100.0 / f64::from(n), n)
}

/// Imports the example and its spring 2023 round with the CLI, as an office would.
async fn import_both_rounds(s: &TestServer) {
    for d in ["kirovsky", "kirovsky-2023"] {
        let (code, out, err) = cli(&[
            "import",
            &example(d).display().to_string(),
            "--addr",
            &s.addr,
        ])
        .await;
        assert_eq!(code, 0, "{out}{err}");
    }
}

async fn run(s: &TestServer, args: &[&str]) -> String {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["-m", M, "--addr", &s.addr]);
    let (code, out, err) = cli(&all).await;
    assert_eq!(code, 0, "peerlift {args:?}: {out}{err}");
    out
}

fn programmes(s: &TestServer) -> ProgrammeServiceClient<tonic::transport::Channel> {
    ProgrammeServiceClient::new(s.channel.clone())
}

async fn mentorships(s: &TestServer, kind: pb::MatchKind) -> Vec<pb::Mentorship> {
    s.mentorships()
        .list_mentorships(pb::ListMentorshipsRequest {
            municipality_id: M.into(),
            kind: kind as i32,
            page_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .mentorships
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_programme_year_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    import_both_rounds(&s).await;
    run(
        &s,
        &[
            "programme",
            "add",
            "rip",
            "--title",
            "Сетевое наставничество",
            "--goal",
            "не менее 80% положительных отметок",
            "--stage",
            "подготовительный:2020-12-01:2021-10-12",
            "--stage",
            "практический:2021-10-13:2022-08-31",
            "--stage",
            "обобщающий:2022-09-01:2023-05-31",
            "--target",
            "positive_share:2022-2023:80:oge",
            "--target",
            "positive_share:2021-2022:95:vpr",
            "--target",
            "low_result_schools:2023-2024:0",
        ],
    )
    .await;
    let csv_out = run(&s, &["programme", "show", "rip", "--csv"]).await;
    let mut rows: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut r = csv::Reader::from_reader(csv_out.as_bytes());
    for x in r.records() {
        let x = x.unwrap();
        rows.insert(
            (x[0].to_string(), x[1].to_string()),
            x.iter().map(str::to_string).collect(),
        );
    }
    let results = results_csv();
    for (label, assessment, year, target, school_year) in [
        ("positive marks, OGE", "oge", 2023, 80.0, "2022-2023"),
        ("positive marks, VPR", "vpr", 2022, 95.0, "2021-2022"),
    ] {
        let picked: Vec<_> = results
            .iter()
            .filter(|r| r.1 == assessment && r.2 == year)
            .collect();
        let (value, n) = positive(&picked);
        let row = &rows[&(label.to_string(), school_year.to_string())];
        assert_eq!(row[2], format!("{value:.1}%"), "{row:?}");
        assert_eq!(row[3], n.to_string(), "{row:?}");
        assert_eq!(row[4], format!("{target:.1}%"));
        assert_eq!(
            row[5],
            if value >= target { "yes" } else { "no" },
            "{row:?}"
        );
    }
    // Every low-result school of the example is stable from 2023-09-01: none left at the end
    // of 2023-2024, over the ten schools.
    let low = &rows[&(
        "schools on the low-result list".to_string(),
        "2023-2024".to_string(),
    )];
    assert_eq!(&low[2..6], ["0", "10", "0", "yes"], "{low:?}");

    // The 2021-22 order drafted again from the data: its annex lists exactly that year's list.
    let year_2021: BTreeSet<String> = mentorships(&s, pb::MatchKind::SchoolPartnerships)
        .await
        .into_iter()
        .filter(|m| m.charter.as_ref().unwrap().school_year == "2021-2022")
        .map(|m| m.id)
        .collect();
    assert_eq!(year_2021.len(), 6);
    let file = dir.path().join("order-263.html");
    run(
        &s,
        &[
            "documents",
            "render",
            "partnership-order",
            "2021-2022",
            "--number",
            "263",
            "--date",
            "2021-10-12",
            "--out",
            &file.display().to_string(),
        ],
    )
    .await;
    let html = Html::parse_document(&std::fs::read_to_string(&file).unwrap());
    let annex = Selector::parse("section.annex tbody tr").unwrap();
    let listed: BTreeSet<String> = html
        .select(&annex)
        .map(|r| r.value().attr("data-mentorship").unwrap().to_string())
        .collect();
    assert_eq!(listed, year_2021);
    let text: String = html.root_element().text().collect();
    assert!(text.contains("от 12.10.2021 № 263"), "{text}");

    // A new partnership approved by a signed order: the order is written into its charter and
    // the register says which order approved it.
    let fresh = s
        .mentorships()
        .create_mentorship(pb::CreateMentorshipRequest {
            municipality_id: M.into(),
            kind: pb::MatchKind::SchoolPartnerships as i32,
            mentee_id: "nazia-sosh".into(),
            mentor_id: "kirovsk-sosh-2".into(),
            reason: "the 2023-2024 list".into(),
            started_on: "2023-09-04".into(),
            school_year: "2023-2024".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let out = run(
        &s,
        &[
            "documents",
            "sign",
            "partnership-order",
            "2023-2024",
            "--number",
            "401",
            "--date",
            "2023-09-15",
        ],
    )
    .await;
    assert!(out.contains("1 partnerships listed"), "{out}");
    let got = s
        .mentorships()
        .get_mentorship(pb::GetMentorshipRequest {
            municipality_id: M.into(),
            mentorship_id: fresh.id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let order = got.charter.unwrap().order.unwrap();
    assert_eq!(
        (order.number.as_str(), order.date.as_str()),
        ("401", "2023-09-15")
    );
    let signed = run(&s, &["documents", "signed", "--mentorship", &fresh.id]).await;
    assert!(
        signed.contains("partnership-order-401-2023-09-15"),
        "{signed}"
    );
    assert!(!signed.contains("263"), "{signed}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_are_checked_whole_by_api_and_by_csv() {
    let dir = tempfile::tempdir().unwrap();
    let s = kirovsky_server(dir.path()).await;
    let line = |school: &str, positive: f64, quality: f64| pb::StudentResult {
        school_id: school.into(),
        assessment: pb::Assessment::Oge as i32,
        subject: "mathematics".into(),
        grade: 9,
        year: 2023,
        participants: 40,
        positive_percent: positive,
        quality_percent: quality,
        mean: Some(3.6),
        source: "ФИС ОКО".into(),
    };
    let put = |results: Vec<pb::StudentResult>| {
        let mut c = programmes(&s);
        async move {
            c.put_student_results(pb::PutStudentResultsRequest {
                municipality_id: M.into(),
                results,
                request_id: String::new(),
            })
            .await
        }
    };
    let e = put(vec![
        line("putilovo-oosh", 80.0, 40.0),
        line("nowhere", 70.0, 75.0),
    ])
    .await
    .unwrap_err();
    assert_eq!(
        bad_fields(&e),
        ["results[1].quality_percent", "results[1].school_id"],
        "{e:?}"
    );
    let list = || {
        let mut c = programmes(&s);
        async move {
            c.list_student_results(pb::ListStudentResultsRequest {
                municipality_id: M.into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .results
        }
    };
    assert!(list().await.is_empty(), "a refused call wrote");
    let r = put(vec![
        line("putilovo-oosh", 80.0, 40.0),
        line("shum-sosh", 70.0, 30.0),
    ])
    .await
    .unwrap()
    .into_inner();
    assert_eq!((r.created, r.updated, r.unchanged), (2, 0, 0));
    let r = put(vec![
        line("putilovo-oosh", 80.0, 40.0),
        line("shum-sosh", 72.5, 30.0),
    ])
    .await
    .unwrap()
    .into_inner();
    assert_eq!((r.created, r.updated, r.unchanged), (0, 1, 1));
    assert_eq!(list().await[1].positive_percent, 72.5);

    // The CSV: the marks table, Russian names of assessments, decimals with a comma; a row
    // with three of the four counts is refused by column, the others are written.
    let csv = "school_id,assessment,subject,grade,year,marks_2,marks_3,marks_4,marks_5,participants,positive_percent,quality_percent\n\
               nazia-sosh,ОГЭ,russian,9,2022,2,10,6,2,,,\n\
               nazia-sosh,ВПР,russian,5,2022,1,5,4,,,,\n\
               sukhovo-oosh,vpr,mathematics,6,2022,,,,,18,\"83,3\",\"38,9\"\n";
    let report = import_files(
        &s,
        M,
        false,
        false,
        vec![(
            pb::ImportFileKind::Results,
            "results.csv".into(),
            csv.as_bytes().to_vec(),
        )],
    )
    .await
    .unwrap();
    let fields: Vec<(&str, u64)> = report
        .errors
        .iter()
        .map(|e| (e.field.as_str(), e.line))
        .collect();
    assert_eq!(fields, [("marks_5", 3)], "{report:?}");
    let kept = list().await;
    let nazia = kept.iter().find(|r| r.school_id == "nazia-sosh").unwrap();
    assert_eq!(nazia.participants, 20);
    assert_eq!(nazia.assessment, pb::Assessment::Oge as i32);
    assert!((nazia.positive_percent - 90.0).abs() < 1e-9);
    assert!((nazia.quality_percent - 40.0).abs() < 1e-9);
    let sukhovo = kept.iter().find(|r| r.school_id == "sukhovo-oosh").unwrap();
    assert!((sukhovo.positive_percent - 83.3).abs() < 1e-9);
    assert_eq!(sukhovo.mean, None);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_close_with_the_rediagnosis_and_print_on_one_page() {
    let dir = tempfile::tempdir().unwrap();
    let (s, admin) = kirovsky_with_auth(dir.path()).await;
    let office = with_token(&s, &admin);
    let pairs = match_and_approve_as(&s, &office).await;
    let mut c = ProgrammeServiceClient::new(office.clone());
    let drafted = c
        .draft_routes(pb::DraftRoutesRequest {
            municipality_id: M.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!drafted.created.is_empty());
    // A mentee's route names the pair that works on its deficit.
    let pair = &pairs[0];
    let route = drafted
        .created
        .iter()
        .find(|p| p.teacher_id == pair.mentee_id)
        .expect("the mentee has a route");
    let linked: Vec<&str> = route
        .items
        .iter()
        .filter(|x| x.kind == pb::ItemKind::Mentorship as i32)
        .map(|x| x.link.as_str())
        .collect();
    assert!(linked.contains(&pair.id.as_str()), "{route:?}");
    let deficit = route
        .items
        .iter()
        .find(|x| x.kind == pb::ItemKind::Deficit as i32 && x.link == pair.subject)
        .expect("a deficit item in the pair's subject")
        .clone();
    assert_eq!(deficit.status, pb::ItemStatus::Planned as i32);

    // The re-diagnosis shows the deficit closed: the item is done, by the data, on that day.
    pb::diagnostic_service_client::DiagnosticServiceClient::new(office.clone())
        .create_diagnostic(pb::CreateDiagnosticRequest {
            municipality_id: M.into(),
            diagnostic: Some(pb::Diagnostic {
                teacher_id: pair.mentee_id.clone(),
                subject: pair.subject.clone(),
                date: "2023-04-14".into(),
                level: pb::Level::C as i32,
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let got = c
        .get_plan(pb::GetPlanRequest {
            municipality_id: M.into(),
            plan_id: route.id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let item = got.items.iter().find(|x| x.id == deficit.id).unwrap();
    assert_eq!(item.status, pb::ItemStatus::Done as i32, "{item:?}");
    assert!(item.automatic);
    assert_eq!(item.done_on, "2023-04-14");
    let others_open = got
        .items
        .iter()
        .filter(|x| x.id != deficit.id && x.kind == pb::ItemKind::Deficit as i32)
        .all(|x| x.status == pb::ItemStatus::Planned as i32);
    assert!(others_open, "{got:?}");

    // The school edits its teacher's route (a course); another school may not read it.
    let school = cli_token(
        &s,
        &admin,
        "school",
        &format!("school:{M}/{}", got.school_id),
    )
    .await;
    let mut by_school = ProgrammeServiceClient::new(with_token(&s, &school));
    let mut edited = got.clone();
    edited.items.push(pb::PlanItem {
        id: "course".into(),
        kind: pb::ItemKind::Course as i32,
        what: "Курсы повышения квалификации".into(),
        due: "2023-03-31".into(),
        status: pb::ItemStatus::Done as i32,
        done_on: "2023-03-20".into(),
        ..Default::default()
    });
    let saved = by_school
        .update_plan(pb::UpdatePlanRequest {
            municipality_id: M.into(),
            plan: Some(edited),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(saved.items.len(), got.items.len() + 1);
    // The plan went back with the item done by the data: it stays computed, not frozen. Taking
    // the re-diagnosis back reopens it.
    let reopened = {
        let mut d = pb::diagnostic_service_client::DiagnosticServiceClient::new(office.clone());
        d.delete_diagnostic(pb::DeleteDiagnosticRequest {
            municipality_id: M.into(),
            diagnostic_id: format!("{}.{}.2023-04-14", pair.mentee_id, pair.subject),
            ..Default::default()
        })
        .await
        .unwrap();
        c.get_plan(pb::GetPlanRequest {
            municipality_id: M.into(),
            plan_id: route.id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
    };
    let item = reopened.items.iter().find(|x| x.id == deficit.id).unwrap();
    assert_eq!(item.status, pb::ItemStatus::Planned as i32, "{item:?}");
    assert!(!item.automatic && item.done_on.is_empty());
    let other_school = if got.school_id == "putilovo-oosh" {
        "shum-sosh"
    } else {
        "putilovo-oosh"
    };
    let outsider = cli_token(&s, &admin, "school", &format!("school:{M}/{other_school}")).await;
    let e = ProgrammeServiceClient::new(with_token(&s, &outsider))
        .get_plan(pb::GetPlanRequest {
            municipality_id: M.into(),
            plan_id: route.id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::PermissionDenied);
    // A school token cannot tell another school's teacher from one who does not exist.
    let mut refusals = Vec::new();
    for teacher in [pair.mentee_id.as_str(), "nobody-at-all"] {
        let e = ProgrammeServiceClient::new(with_token(&s, &outsider))
            .create_plan(pb::CreatePlanRequest {
                municipality_id: M.into(),
                plan: Some(pb::Plan {
                    id: format!("probe-{teacher}"),
                    kind: pb::PlanKind::Route as i32,
                    title: "ИОМ".into(),
                    teacher_id: teacher.into(),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .unwrap_err();
        refusals.push((e.code(), e.message().to_string()));
    }
    assert_eq!(refusals[0], refusals[1]);
    assert_eq!(refusals[0].0, tonic::Code::PermissionDenied);

    // The route on one page: a row per item, the teacher named.
    let d = pb::document_service_client::DocumentServiceClient::new(office.clone())
        .render_document(pb::RenderDocumentRequest {
            municipality_id: M.into(),
            kind: pb::DocumentKind::Route as i32,
            subject: route.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let html = Html::parse_document(&d.html);
    let rows: Vec<String> = html
        .select(&Selector::parse("tbody tr").unwrap())
        .map(|r| r.value().attr("data-item").unwrap().to_string())
        .collect();
    let ids: Vec<String> = saved.items.iter().map(|x| x.id.clone()).collect();
    assert_eq!(rows, ids);
    let name = pb::teacher_service_client::TeacherServiceClient::new(office.clone())
        .get_teacher(pb::GetTeacherRequest {
            municipality_id: M.into(),
            teacher_id: pair.mentee_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .full_name;
    let text: String = html.root_element().text().collect();
    assert!(text.contains(&name), "{text}");
    assert!(d.html.contains("@page"), "print style");

    // Drafting again keeps what the office and the school wrote, unless asked to replace.
    let again = c
        .draft_routes(pb::DraftRoutesRequest {
            municipality_id: M.into(),
            teacher_ids: vec![pair.mentee_id.clone()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.skipped, std::slice::from_ref(&pair.mentee_id));
    assert!(again.created.is_empty() && again.replaced.is_empty());
    s.stop().await;
}

/// Runs a teacher-pairs matching with the office's token and approves it.
async fn match_and_approve_as(
    s: &TestServer,
    office: &peerlift::client::Conn,
) -> Vec<pb::Mentorship> {
    let mut c = pb::matching_service_client::MatchingServiceClient::new(office.clone());
    let run = c
        .run_matching(pb::RunMatchingRequest {
            municipality_id: M.into(),
            kind: pb::MatchKind::TeacherPairs as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .run
        .unwrap();
    let approved = c
        .approve_match_run(pb::ApproveMatchRunRequest {
            municipality_id: M.into(),
            run_id: run.id,
            effective_date: "2022-10-20".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let _ = s;
    approved.created
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roadmap_items_complete_with_their_events_and_late_ones_are_listed_for_the_curator() {
    let dir = tempfile::tempdir().unwrap();
    let (s, admin) = kirovsky_with_auth(dir.path()).await;
    let office = with_token(&s, &admin);
    let mut c = ProgrammeServiceClient::new(office.clone());
    let school = "putilovo-oosh";
    let roadmap = c
        .create_plan(pb::CreatePlanRequest {
            municipality_id: M.into(),
            plan: Some(pb::Plan {
                id: "roadmap-putilovo".into(),
                kind: pb::PlanKind::Roadmap as i32,
                title: "Дорожная карта школы на 2022-2023 учебный год".into(),
                school_id: school.into(),
                ..Default::default()
            }),
            template: "network-year:2022".into(),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(roadmap.items.len(), 8);
    // Every item of a past school year is late until it is done.
    assert_eq!(roadmap.overdue_items, 8);
    let mut events = pb::event_service_client::EventServiceClient::new(office.clone());
    let festival = events
        .create_event(pb::CreateEventRequest {
            municipality_id: M.into(),
            event: Some(pb::Event {
                id: "festival-2023".into(),
                kind: "open_lessons_festival".into(),
                title: "Фестиваль открытых уроков".into(),
                start: "2023-03-20T10:00".into(),
                duration_minutes: 240,
                mode: pb::Mode::InPerson as i32,
                host_school_id: "priladozhsky-sosh".into(),
                invited_schools: vec![school.into()],
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    // The festival item links to the event.
    let mut plan = roadmap.clone();
    let item = plan
        .items
        .iter_mut()
        .find(|x| x.what.starts_with("Фестиваль"))
        .unwrap();
    item.kind = pb::ItemKind::Event as i32;
    item.link = festival.id.clone();
    let festival_item = item.id.clone();
    let plan = c
        .update_plan(pb::UpdatePlanRequest {
            municipality_id: M.into(),
            plan: Some(plan),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(plan.overdue_items, 8);
    // Holding the event completes the item.
    let mut held = festival.clone();
    held.status = pb::EventStatus::Held as i32;
    events
        .update_event(pb::UpdateEventRequest {
            municipality_id: M.into(),
            event: Some(held),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let plan = c
        .get_plan(pb::GetPlanRequest {
            municipality_id: M.into(),
            plan_id: plan.id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let item = plan.items.iter().find(|x| x.id == festival_item).unwrap();
    assert_eq!(item.status, pb::ItemStatus::Done as i32, "{item:?}");
    assert!(item.automatic && !item.overdue);
    assert_eq!(item.done_on, "2023-03-20");
    assert_eq!(plan.overdue_items, 7);

    // The curator of the school finds the roadmap among the late ones; another curator does not.
    let curators = pb::curator_service_client::CuratorServiceClient::new(office.clone());
    for (id, schools) in [("ivanova", vec![school]), ("petrova", vec!["shum-sosh"])] {
        curators
            .clone()
            .create_curator(pb::CreateCuratorRequest {
                municipality_id: M.into(),
                curator: Some(pb::Curator {
                    id: id.into(),
                    full_name: id.into(),
                    schools: schools.into_iter().map(String::from).collect(),
                    ..Default::default()
                }),
                request_id: String::new(),
            })
            .await
            .unwrap();
    }
    let server = &s;
    let late = |who: String| async move {
        ProgrammeServiceClient::new(with_token(server, &who))
            .list_plans(pb::ListPlansRequest {
                municipality_id: M.into(),
                overdue_only: true,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .plans
            .into_iter()
            .map(|p| (p.id, p.overdue_items))
            .collect::<Vec<_>>()
    };
    let ivanova = cli_token(&s, &admin, "curator", &format!("curator:{M}/ivanova")).await;
    let petrova = cli_token(&s, &admin, "curator", &format!("curator:{M}/petrova")).await;
    assert_eq!(late(ivanova).await, [("roadmap-putilovo".to_string(), 7)]);
    assert!(late(petrova).await.is_empty());
    // The outcomes report counts the late items; the printed roadmap marks them.
    let o = pb::report_service_client::ReportServiceClient::new(office.clone())
        .outcomes_report(pb::ReportRequest {
            municipality_id: M.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(o.plan_items_overdue, 7);
    let d = pb::document_service_client::DocumentServiceClient::new(office.clone())
        .render_document(pb::RenderDocumentRequest {
            municipality_id: M.into(),
            kind: pb::DocumentKind::Roadmap as i32,
            subject: plan.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let html = Html::parse_document(&d.html);
    let late_rows = html.select(&Selector::parse("tr.overdue").unwrap()).count();
    assert_eq!(late_rows, 7);
    // The event's report lists who came; a planned event has none yet and is refused.
    let report = pb::document_service_client::DocumentServiceClient::new(office.clone())
        .render_document(pb::RenderDocumentRequest {
            municipality_id: M.into(),
            kind: pb::DocumentKind::EventReport as i32,
            subject: festival.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        report.title.contains("Фестиваль открытых уроков"),
        "{}",
        report.title
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_network_by_year_and_against_the_rest_with_counts() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    import_both_rounds(&s).await;
    let pairs = match_and_approve(&s, M, pb::MatchKind::TeacherPairs, "2022-10-20").await;
    let r = s
        .reports()
        .monitoring_report(pb::ReportRequest {
            municipality_id: M.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let year = |y: &str| {
        r.network_by_year
            .iter()
            .find(|x| x.school_year == y)
            .unwrap_or_else(|| panic!("no row for {y}: {:?}", r.network_by_year))
            .clone()
    };
    let in_pairs: BTreeSet<&str> = pairs
        .iter()
        .flat_map(|m| [m.mentee_id.as_str(), m.mentor_id.as_str()])
        .collect();
    let y = year("2022-2023");
    assert_eq!(y.participating as usize, in_pairs.len());
    assert_eq!(y.teachers, 303);
    // The schools that left the low-result list: low in schools.csv, stable in the 2023 file.
    let statuses = |path: PathBuf| -> BTreeMap<String, String> {
        let mut r = csv::Reader::from_path(path).unwrap();
        r.records()
            .map(|x| {
                let x = x.unwrap();
                (x[0].to_string(), x[3].to_string())
            })
            .collect()
    };
    let before = statuses(example("kirovsky").join("schools.csv"));
    let after = statuses(example("kirovsky-2023").join("schools-2023.csv"));
    let left: Vec<String> = before
        .iter()
        .filter(|(id, st)| *st == "low_results" && after[*id] != "low_results")
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(year("2023-2024").schools_left_low_results, left);
    assert!(year("2021-2022").schools_left_low_results.is_empty());

    // The network against the rest: positive marks by school, the schools of the year's
    // partnerships (and of the pairs' teachers) against the others, each with its n.
    let o = s
        .reports()
        .outcomes_report(pb::ReportRequest {
            municipality_id: M.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let c = o
        .network_vs_outside
        .iter()
        .find(|c| c.measure == "positive_share" && c.school_year == "2022-2023")
        .expect("a comparison for 2022-2023");
    let mut network: BTreeSet<String> = BTreeSet::new();
    let mut r = csv::Reader::from_path(example("kirovsky").join("partnerships.csv")).unwrap();
    for x in r.records() {
        let x = x.unwrap();
        network.insert(x[1].to_string());
        network.insert(x[2].to_string());
    }
    let teachers = s
        .teachers()
        .list_teachers(pb::ListTeachersRequest {
            municipality_id: M.into(),
            page_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .teachers;
    for t in teachers.iter().filter(|t| in_pairs.contains(t.id.as_str())) {
        network.insert(t.school_id.clone());
    }
    let results = results_csv();
    let share_of = |school: &str| {
        let rows: Vec<_> = results
            .iter()
            .filter(|r| r.0 == school && r.2 == 2023)
            .collect();
        positive(&rows).0
    };
    let schools: BTreeSet<&str> = results.iter().map(|r| r.0.as_str()).collect();
    let side = |inside: bool| {
        let shares: Vec<f64> = schools
            .iter()
            .filter(|x| network.contains(**x) == inside)
            .map(|x| share_of(x))
            .collect();
        (
            shares.iter().sum::<f64>() / shares.len() as f64,
            shares.len() as u32,
        )
    };
    let (a, an) = side(true);
    assert_eq!(c.network_n, an);
    assert!((c.network.unwrap() - a).abs() < 1e-6, "{c:?} vs {a}");
    let (b, bn) = side(false);
    assert_eq!(c.outside_n, bn);
    if bn > 0 {
        assert!((c.outside.unwrap() - b).abs() < 1e-6, "{c:?} vs {b}");
    }
    assert_eq!(an + bn, schools.len() as u32);
    // The CLI shows the same table, and draws it.
    let svg = dir.path().join("network.svg");
    let out = run(
        &s,
        &["report", "network", "--svg", &svg.display().to_string()],
    )
    .await;
    assert!(out.contains("2022-2023"), "{out}");
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
    s.stop().await;
}

/// The README's commands of "The programme year" and of the documents, run as written (each
/// file they write goes to a temporary directory) on the example with its pairs approved; the
/// example's script (`examples/kirovsky-programme-year.sh`) is made of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readmes_programme_year_commands_run_as_written() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let block_after = |heading: &str| -> String {
        let at = readme
            .find(heading)
            .unwrap_or_else(|| panic!("README has {heading}"));
        let rest = &readme[at..];
        let start = rest.find("```sh\n").unwrap() + 6;
        let end = rest[start..].find("```").unwrap();
        rest[start..start + end].to_string()
    };
    let script = block_after("## The programme year") + &block_after("### The office's documents");
    let commands: Vec<String> = script
        .replace("\\\n", " ")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    assert!(commands.len() >= 10, "{commands:?}");
    // The example's script is these commands (so the example and the README agree).
    let script = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/kirovsky-programme-year.sh"),
    )
    .unwrap();
    let scripted: Vec<String> = script
        .replace("\\\n", " ")
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("peerlift "))
        .map(str::to_string)
        .collect();
    assert!(scripted.len() >= 10, "{scripted:?}");
    for c in &scripted {
        assert!(
            commands.contains(c),
            "the example's script runs what README does not show: {c}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    import_both_rounds(&s).await;
    match_and_approve(&s, M, pb::MatchKind::TeacherPairs, "2022-10-20").await;
    for line in &commands {
        let words = split_shell(line);
        assert_eq!(words[0], "peerlift", "{line}");
        let args: Vec<String> = words[1..]
            .iter()
            .map(|w| {
                if w.ends_with(".svg") || w.ends_with(".html") {
                    dir.path().join(w).display().to_string()
                } else {
                    w.clone()
                }
            })
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) =
            cli_in(&[("LANG", "C.UTF-8"), ("PEERLIFT_ADDR", &s.addr)], &args).await;
        assert_eq!(code, 0, "{line}\n{out}{err}");
    }
    // What they made: the programme's chart, the routes, a signed order, the annual report.
    assert!(dir.path().join("rip.svg").exists());
    assert!(dir.path().join("report-2022-2023.html").exists());
    let routes = programmes(&s)
        .list_plans(pb::ListPlansRequest {
            municipality_id: M.into(),
            kind: pb::PlanKind::Route as i32,
            page_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .plans;
    assert!(!routes.is_empty());
    s.stop().await;
}

/// Splits a command line as a POSIX shell would for the README's commands: words separated by
/// spaces, double-quoted words kept whole.
fn split_shell(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let (mut quoted, mut started) = (false, false);
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                started = true;
            }
            ' ' if !quoted => {
                if started {
                    out.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            c => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        out.push(word);
    }
    out
}

/// A region's programme is kept under the region's address and its indicators read every
/// municipality of the region; a municipality cannot keep one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_regions_programme_reads_every_municipality_of_the_region() {
    let dir = tempfile::tempdir().unwrap();
    let s = kirovsky_server(dir.path()).await;
    let region = s
        .municipalities()
        .get_municipality(pb::GetMunicipalityRequest {
            municipality_id: M.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .region;
    s.municipalities()
        .create_municipality(pb::CreateMunicipalityRequest {
            municipality: Some(pb::Municipality {
                id: "volosovo".into(),
                name: "Volosovo district".into(),
                region: region.clone(),
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap();
    school(
        &s,
        "volosovo",
        "begunitsy-sosh",
        pb::SchoolStatus::LowResults,
    )
    .await;
    let result = |school: &str, participants: u32, positive: f64| pb::StudentResult {
        school_id: school.into(),
        assessment: pb::Assessment::Oge as i32,
        subject: "mathematics".into(),
        grade: 9,
        year: 2023,
        participants,
        positive_percent: positive,
        quality_percent: 30.0,
        ..Default::default()
    };
    for (m, line) in [
        (M, result("putilovo-oosh", 30, 70.0)),
        ("volosovo", result("begunitsy-sosh", 10, 90.0)),
    ] {
        programmes(&s)
            .put_student_results(pb::PutStudentResultsRequest {
                municipality_id: m.into(),
                results: vec![line],
                request_id: String::new(),
            })
            .await
            .unwrap();
    }
    let address = format!("region:{region}");
    let target = pb::Target {
        indicator: pb::Indicator::PositiveShare as i32,
        school_year: "2022-2023".into(),
        value: 80.0,
        assessment: pb::Assessment::Oge as i32,
        subject: "mathematics".into(),
    };
    let created = programmes(&s)
        .create_programme(pb::CreateProgrammeRequest {
            municipality_id: address.clone(),
            programme: Some(pb::Programme {
                id: "region-500".into(),
                title: "Региональная программа поддержки ШНОР".into(),
                targets: vec![target.clone()],
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.level, pb::ProgrammeLevel::Region as i32);
    let r = programmes(&s)
        .get_programme_indicators(pb::GetProgrammeIndicatorsRequest {
            municipality_id: address.clone(),
            programme_id: "region-500".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let row = r
        .rows
        .iter()
        .find(|x| x.target.is_some())
        .expect("the targeted line");
    // (30 x 70% + 10 x 90%) / 40 students.
    assert_eq!(row.n, 40);
    assert!((row.value.unwrap() - 75.0).abs() < 1e-9, "{row:?}");
    assert_eq!(row.met, Some(false));
    let listed = programmes(&s)
        .list_programmes(pb::ListProgrammesRequest {
            municipality_id: address,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .programmes;
    assert_eq!(listed.len(), 1);
    let e = programmes(&s)
        .create_programme(pb::CreateProgrammeRequest {
            municipality_id: M.into(),
            programme: Some(pb::Programme {
                id: "not-ours".into(),
                title: "Программа".into(),
                level: pb::ProgrammeLevel::Region as i32,
                targets: vec![target],
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&e), ["programme.level"], "{e:?}");
    s.stop().await;
}
