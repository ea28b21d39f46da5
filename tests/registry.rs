//! End-to-end tests of the registry API against a real server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;

use common::cases::Cases;
use common::*;
use peerlift_api::pb;
use tonic::Code;

#[tokio::test]
async fn health_is_serving_and_reflection_lists_every_service() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;

    let mut health = s.health();
    for service in ["", "peerlift.v1.SchoolService", "peerlift.v1.ImportService"] {
        let r = health
            .check(tonic_health::pb::HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            r.status,
            tonic_health::pb::health_check_response::ServingStatus::Serving as i32,
            "{service}"
        );
    }

    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    let mut refl = s.reflection();
    let ask = |m: MessageRequest| ServerReflectionRequest {
        host: String::new(),
        message_request: Some(m),
    };
    let mut stream = refl
        .server_reflection_info(tokio_stream::iter(vec![
            ask(MessageRequest::ListServices(String::new())),
            ask(MessageRequest::FileContainingSymbol(
                "peerlift.v1.TeacherService".into(),
            )),
        ]))
        .await
        .unwrap()
        .into_inner();
    let first = stream.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = first.message_response else {
        panic!("expected a service list, got {first:?}");
    };
    let names: BTreeSet<String> = list.service.into_iter().map(|s| s.name).collect();
    for expected in peerlift::server::SERVICES {
        assert!(
            names.contains(*expected),
            "{expected} missing from {names:?}"
        );
    }
    assert!(names.contains("grpc.health.v1.Health"), "{names:?}");
    // And the other way: every peerlift service served has its health status.
    for name in names.iter().filter(|n| n.starts_with("peerlift.")) {
        assert!(
            peerlift::server::SERVICES.contains(&name.as_str()),
            "{name} is served but has no health status (server::SERVICES)"
        );
    }
    let second = stream.message().await.unwrap().unwrap();
    let Some(MessageResponse::FileDescriptorResponse(files)) = second.message_response else {
        panic!("expected descriptors, got {second:?}");
    };
    assert!(!files.file_descriptor_proto.is_empty());
    s.stop().await;
}

#[tokio::test]
async fn crud_of_every_resource() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;

    // Municipality.
    let m = municipality(&s, "kirovsky").await;
    assert_eq!(m.time_zone, "Europe/Moscow");
    assert_eq!(m.etag, "1");
    let mut mm = s.municipalities();
    let mut renamed = m.clone();
    renamed.name = "Kirovsky district".into();
    let m2 = mm
        .update_municipality(pb::UpdateMunicipalityRequest {
            municipality: Some(renamed),
            request_id: String::new(),
            update_mask: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (m2.name.as_str(), m2.etag.as_str()),
        ("Kirovsky district", "2")
    );
    let got = mm
        .get_municipality(pb::GetMunicipalityRequest {
            municipality_id: "kirovsky".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got, m2);

    // School: create (generated id), get, list, update (status history), delete.
    let mut sc = s.schools();
    let created = sc
        .create_school(pb::CreateSchoolRequest {
            municipality_id: "kirovsky".into(),
            school: Some(pb::School {
                status_since: "2020-09-01".into(),
                risk_profile: vec![pb::RiskFactorValue {
                    factor: pb::RiskFactor::StaffShortage as i32,
                    significance: pb::Significance::High as i32,
                }],
                location: Some(pb::GeoPoint {
                    lat: 59.847,
                    lon: 31.385,
                }),
                ..school_msg("", pb::SchoolStatus::LowResults)
            }),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(created.id.starts_with("school-"), "{}", created.id);
    assert_eq!(created.status_history.len(), 1);
    assert_eq!(created.status_history[0].since, "2020-09-01");
    assert_eq!(created.risk_profile.len(), 10);
    let staff = created
        .risk_profile
        .iter()
        .find(|r| r.factor == pb::RiskFactor::StaffShortage as i32)
        .unwrap();
    assert_eq!(staff.significance, pb::Significance::High as i32);
    let mut better = created.clone();
    better.status = pb::SchoolStatus::Stable as i32;
    better.status_since = "2023-06-08".into();
    let updated = sc
        .update_school(pb::UpdateSchoolRequest {
            municipality_id: "kirovsky".into(),
            school: Some(better),
            request_id: String::new(),
            update_mask: None,
        })
        .await
        .unwrap()
        .into_inner();
    let history: Vec<(i32, &str)> = updated
        .status_history
        .iter()
        .map(|h| (h.status, h.since.as_str()))
        .collect();
    assert_eq!(
        history,
        [
            (pb::SchoolStatus::LowResults as i32, "2020-09-01"),
            (pb::SchoolStatus::Stable as i32, "2023-06-08")
        ]
    );
    let listed = sc
        .list_schools(pb::ListSchoolsRequest {
            municipality_id: "kirovsky".into(),
            statuses: vec![pb::SchoolStatus::Stable as i32],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.schools, vec![updated.clone()]);
    let none = sc
        .list_schools(pb::ListSchoolsRequest {
            municipality_id: "kirovsky".into(),
            statuses: vec![pb::SchoolStatus::LowResults as i32],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(none.schools.is_empty());

    // Teacher.
    let t = teacher(
        &s,
        "kirovsky",
        &created.id,
        "t1",
        &["mathematics", "physics"],
    )
    .await;
    assert_eq!(t.active, Some(true));
    let mut tc = s.teachers();
    let mut t_upd = t.clone();
    t_upd.subjects = vec!["mathematics".into()];
    t_upd.active = None; // unset: keep
    let t2 = tc
        .update_teacher(pb::UpdateTeacherRequest {
            municipality_id: "kirovsky".into(),
            teacher: Some(t_upd),
            request_id: String::new(),
            update_mask: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (t2.subjects.len(), t2.active, t2.etag.as_str()),
        (1, Some(true), "2")
    );

    // Mentor profile.
    let mut pc = s.profiles();
    let p = pc
        .create_mentor_profile(pb::CreateMentorProfileRequest {
            municipality_id: "kirovsky".into(),
            mentor_profile: Some(pb::MentorProfile {
                teacher_id: "t1".into(),
                subjects: vec!["mathematics".into()],
                directions: vec!["teaching_methodology".into()],
                capacity: 2,
                modes: vec![pb::Mode::Online as i32, pb::Mode::InPerson as i32],
                availability: vec![
                    pb::AvailabilityWindow {
                        weekday: pb::Weekday::Thursday as i32,
                        start_minute: 14 * 60,
                        end_minute: 17 * 60,
                    },
                    pb::AvailabilityWindow {
                        weekday: pb::Weekday::Monday as i32,
                        start_minute: 9 * 60,
                        end_minute: 10 * 60,
                    },
                ],
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    // Returned in canonical order.
    assert_eq!(p.availability[0].weekday, pb::Weekday::Monday as i32);
    assert_eq!(
        p.modes,
        vec![pb::Mode::InPerson as i32, pb::Mode::Online as i32]
    );
    let mut p_upd = p.clone();
    p_upd.capacity = 0;
    let p2 = pc
        .update_mentor_profile(pb::UpdateMentorProfileRequest {
            municipality_id: "kirovsky".into(),
            mentor_profile: Some(p_upd),
            request_id: String::new(),
            update_mask: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(p2.capacity, 0);
    let available = pc
        .list_mentor_profiles(pb::ListMentorProfilesRequest {
            municipality_id: "kirovsky".into(),
            available_only: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(available.mentor_profiles.is_empty());

    // Diagnostic (id derived), listed per teacher in date order.
    let mut dc = s.diagnostics();
    for (date, level) in [("2023-04-01", pb::Level::B), ("2022-10-14", pb::Level::A)] {
        dc.create_diagnostic(pb::CreateDiagnosticRequest {
            municipality_id: "kirovsky".into(),
            diagnostic: Some(pb::Diagnostic {
                teacher_id: "t1".into(),
                subject: "mathematics".into(),
                date: date.into(),
                level: level as i32,
                scores: [("digital".to_string(), 0.25)].into(),
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap();
    }
    let d = dc
        .list_diagnostics(pb::ListDiagnosticsRequest {
            municipality_id: "kirovsky".into(),
            teacher_id: "t1".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .diagnostics;
    let dates: Vec<&str> = d.iter().map(|x| x.date.as_str()).collect();
    assert_eq!(dates, ["2022-10-14", "2023-04-01"]);
    assert_eq!(d[0].id, "t1.mathematics.2022-10-14");
    let mut d_upd = d[0].clone();
    d_upd.level = pb::Level::C as i32;
    let d2 = dc
        .update_diagnostic(pb::UpdateDiagnosticRequest {
            municipality_id: "kirovsky".into(),
            diagnostic: Some(d_upd),
            request_id: String::new(),
            update_mask: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(d2.level, pb::Level::C as i32);
    dc.delete_diagnostic(pb::DeleteDiagnosticRequest {
        municipality_id: "kirovsky".into(),
        diagnostic_id: d2.id.clone(),
        ..Default::default()
    })
    .await
    .unwrap();
    let gone = dc
        .get_diagnostic(pb::GetDiagnosticRequest {
            municipality_id: "kirovsky".into(),
            diagnostic_id: d2.id,
        })
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Code::NotFound);

    // Catalogue: a municipality's own subject becomes usable.
    let mut cc = s.catalog();
    cc.create_catalog_entry(pb::CreateCatalogEntryRequest {
        municipality_id: "kirovsky".into(),
        entry: Some(pb::CatalogEntry {
            kind: pb::CatalogKind::Subject as i32,
            code: "astronomy".into(),
            name: "Astronomy".into(),
            builtin: false,
            ..Default::default()
        }),
        request_id: String::new(),
    })
    .await
    .unwrap();
    let subjects = cc
        .list_catalog(pb::ListCatalogRequest {
            municipality_id: "kirovsky".into(),
            kind: pb::CatalogKind::Subject as i32,
        })
        .await
        .unwrap()
        .into_inner()
        .entries;
    assert!(subjects.iter().any(|e| e.code == "astronomy" && !e.builtin));
    assert!(subjects
        .iter()
        .any(|e| e.code == "mathematics" && e.builtin));
    teacher(&s, "kirovsky", &created.id, "t2", &["astronomy"]).await;
    let in_use = cc
        .delete_catalog_entry(pb::DeleteCatalogEntryRequest {
            municipality_id: "kirovsky".into(),
            kind: pb::CatalogKind::Subject as i32,
            code: "astronomy".into(),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(in_use.code(), Code::FailedPrecondition);

    // Referential rules: a school with teachers stays; a teacher with history is deactivated;
    // one without is erased.
    let err = sc
        .delete_school(pb::DeleteSchoolRequest {
            municipality_id: "kirovsky".into(),
            school_id: created.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    let r = tc
        .delete_teacher(pb::DeleteTeacherRequest {
            municipality_id: "kirovsky".into(),
            teacher_id: "t1".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        r.outcome,
        pb::delete_teacher_response::Outcome::Deactivated as i32
    );
    assert_eq!(r.teacher.unwrap().active, Some(false));
    let r = tc
        .delete_teacher(pb::DeleteTeacherRequest {
            municipality_id: "kirovsky".into(),
            teacher_id: "t2".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        r.outcome,
        pb::delete_teacher_response::Outcome::Erased as i32
    );
    let active = tc
        .list_teachers(pb::ListTeachersRequest {
            municipality_id: "kirovsky".into(),
            active: Some(true),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(active.teachers.is_empty());
    // The profile goes; the deactivated teacher keeps the diagnostic history.
    pc.delete_mentor_profile(pb::DeleteMentorProfileRequest {
        municipality_id: "kirovsky".into(),
        teacher_id: "t1".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    let err = mm
        .delete_municipality(pb::DeleteMunicipalityRequest {
            municipality_id: "kirovsky".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    s.stop().await;
}

#[tokio::test]
async fn unknown_and_duplicate_ids() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    municipality(&s, "m").await;
    school(&s, "m", "s1", pb::SchoolStatus::Leader).await;
    let err = s
        .schools()
        .create_school(pb::CreateSchoolRequest {
            municipality_id: "m".into(),
            school: Some(school_msg("s1", pb::SchoolStatus::Leader)),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists);
    let err = s
        .schools()
        .get_school(pb::GetSchoolRequest {
            municipality_id: "m".into(),
            school_id: "nope".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = s
        .schools()
        .get_school(pb::GetSchoolRequest {
            municipality_id: "elsewhere".into(),
            school_id: "s1".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    assert!(err.message().contains("municipality"), "{}", err.message());
    s.stop().await;
}

#[tokio::test]
async fn paging_through_1000_teachers_returns_each_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    municipality(&s, "m").await;
    let mut schools = "id,name,kind,status\n".to_string();
    schools.push_str("a,School A,sosh,leader\nb,School B,oosh,low_results\n");
    let mut teachers = "id,school_id,full_name,subjects\n".to_string();
    for i in 0..1000 {
        let school = if i % 2 == 0 { "a" } else { "b" };
        teachers.push_str(&format!("t{i},{school},Teacher {i},mathematics\n"));
    }
    let report = import_files(
        &s,
        "m",
        true,
        false,
        vec![
            (
                pb::ImportFileKind::Schools,
                "schools.csv".into(),
                schools.into_bytes(),
            ),
            (
                pb::ImportFileKind::Teachers,
                "teachers.csv".into(),
                teachers.into_bytes(),
            ),
        ],
    )
    .await
    .unwrap();
    assert!(report.committed, "{report:?}");

    async fn walk(s: &TestServer, school: &str) -> (Vec<String>, usize) {
        let mut ids = Vec::new();
        let mut token = String::new();
        let mut pages = 0;
        loop {
            let r = s
                .teachers()
                .list_teachers(pb::ListTeachersRequest {
                    municipality_id: "m".into(),
                    page_size: 100,
                    page_token: token,
                    school_id: school.into(),
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner();
            assert!(r.teachers.len() <= 100);
            pages += 1;
            ids.extend(r.teachers.into_iter().map(|t| t.id));
            if r.next_page_token.is_empty() {
                return (ids, pages);
            }
            token = r.next_page_token;
        }
    }
    let (ids, pages) = walk(&s, "").await;
    assert_eq!(pages, 10);
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!((ids.len(), unique.len()), (1000, 1000));
    let expected: BTreeSet<String> = (0..1000).map(|i| format!("t{i}")).collect();
    assert_eq!(ids.iter().cloned().collect::<BTreeSet<_>>(), expected);
    // Through the school index too.
    let (ids, pages) = walk(&s, "b").await;
    assert_eq!((ids.len(), pages), (500, 5));
    assert!(ids
        .iter()
        .all(|id| id[1..].parse::<u32>().unwrap() % 2 == 1));
    // A token from another list is refused, not misread.
    let err = s
        .schools()
        .list_schools(pb::ListSchoolsRequest {
            municipality_id: "m".into(),
            page_token: "zz".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&err), ["page_token"]);
    s.stop().await;
}

#[tokio::test]
async fn a_retried_create_with_the_same_request_id_creates_once() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    municipality(&s, "m").await;
    school(&s, "m", "s1", pb::SchoolStatus::Leader).await;
    let req = pb::CreateTeacherRequest {
        municipality_id: "m".into(),
        teacher: Some(pb::Teacher {
            school_id: "s1".into(), // no id: the server generates one
            full_name: "Anna".into(),
            subjects: vec!["russian".into()],
            ..Default::default()
        }),
        request_id: "5f0c7a52-retry".into(),
    };
    let first = s
        .teachers()
        .create_teacher(req.clone())
        .await
        .unwrap()
        .into_inner();
    let second = s
        .teachers()
        .create_teacher(req.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first, second);
    let all = s
        .teachers()
        .list_teachers(pb::ListTeachersRequest {
            municipality_id: "m".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(all.teachers.len(), 1);
    // The same request id with other content is a client bug, not a retry.
    let mut other = req.clone();
    other.teacher.as_mut().unwrap().full_name = "Boris".into();
    let err = s.teachers().create_teacher(other).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(bad_fields(&err), ["request_id"]);
    // Survives a restart.
    s.stop().await;
    let s = TestServer::start_in(dir.path()).await;
    let third = s.teachers().create_teacher(req).await.unwrap().into_inner();
    assert_eq!(third, first);
    s.stop().await;
}

#[tokio::test]
async fn a_stale_etag_is_aborted() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    municipality(&s, "m").await;
    let v1 = school(&s, "m", "s1", pb::SchoolStatus::AtRisk).await;
    let mut a = v1.clone();
    a.name = "First writer".into();
    let v2 = s
        .schools()
        .update_school(pb::UpdateSchoolRequest {
            municipality_id: "m".into(),
            school: Some(a),
            request_id: String::new(),
            update_mask: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_ne!(v1.etag, v2.etag);
    let before = s.snapshot();
    let mut b = v1.clone();
    b.name = "Second writer, stale".into();
    let err = s
        .schools()
        .update_school(pb::UpdateSchoolRequest {
            municipality_id: "m".into(),
            school: Some(b),
            request_id: String::new(),
            update_mask: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Aborted);
    let err = s
        .schools()
        .delete_school(pb::DeleteSchoolRequest {
            municipality_id: "m".into(),
            school_id: "s1".into(),
            etag: v1.etag.clone(),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Aborted);
    assert_eq!(s.snapshot(), before);
    s.stop().await;
}

/// Each invalid field of a registry call is named in the BadRequest details, exactly once, and
/// a refused call writes nothing (the shared harness, `common::cases::Cases`).
#[tokio::test]
async fn each_invalid_field_is_named_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    municipality(&s, "m").await;
    let existing = school(&s, "m", "s1", pb::SchoolStatus::Leader).await;
    teacher(&s, "m", "s1", "t1", &["mathematics"]).await;
    let mut c = Cases::new(&s);

    let mut sc = s.schools();
    let create_school = |school: pb::School| pb::CreateSchoolRequest {
        municipality_id: "m".into(),
        school: Some(school),
        request_id: String::new(),
    };
    c.invalid_once_each(
        "school without a name",
        sc.create_school(create_school(pb::School {
            name: String::new(),
            ..school_msg("new", pb::SchoolStatus::Leader)
        }))
        .await,
        &["school.name"],
    );
    c.invalid_once_each(
        "school of kind 99 at latitude 95",
        sc.create_school(create_school(pb::School {
            kind: 99,
            location: Some(pb::GeoPoint {
                lat: 95.0,
                lon: 30.0,
            }),
            ..school_msg("new", pb::SchoolStatus::Leader)
        }))
        .await,
        &["school.kind", "school.location.lat"],
    );
    c.invalid_once_each(
        "school id with a slash, status since yesterday",
        sc.create_school(create_school(pb::School {
            id: "bad id/with slash".into(),
            status_since: "yesterday".into(),
            ..school_msg("x", pb::SchoolStatus::Leader)
        }))
        .await,
        &["school.status_since", "school.id"],
    );
    c.invalid_once_each(
        "school with a risk factor twice and 500 partners",
        sc.create_school(create_school(pb::School {
            risk_profile: vec![
                pb::RiskFactorValue {
                    factor: 1,
                    significance: 4,
                },
                pb::RiskFactorValue {
                    factor: 1,
                    significance: 0,
                },
            ],
            partner_capacity: Some(500),
            ..school_msg("new", pb::SchoolStatus::Leader)
        }))
        .await,
        &[
            "school.risk_profile[1].significance",
            "school.partner_capacity",
        ],
    );
    // An update that would be invalid leaves the old record in place.
    c.invalid_once_each(
        "school updated to no status",
        sc.update_school(pb::UpdateSchoolRequest {
            municipality_id: "m".into(),
            school: Some(pb::School {
                status: 0,
                ..existing.clone()
            }),
            request_id: String::new(),
            update_mask: None,
        })
        .await,
        &["school.status"],
    );
    let mut tc = s.teachers();
    c.invalid_once_each(
        "teacher with a misspelt and a repeated subject",
        tc.create_teacher(pb::CreateTeacherRequest {
            municipality_id: "m".into(),
            teacher: Some(pb::Teacher {
                id: "t9".into(),
                school_id: "s1".into(),
                full_name: "X".into(),
                subjects: vec!["mathematic".into(), "physics".into(), "physics".into()],
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await,
        &["teacher.subjects[0]", "teacher.subjects[2]"],
    );
    c.invalid_once_each(
        "teacher at an unknown school",
        tc.create_teacher(pb::CreateTeacherRequest {
            municipality_id: "m".into(),
            teacher: Some(pb::Teacher {
                id: "t9".into(),
                school_id: "no-such-school".into(),
                full_name: "X".into(),
                subjects: vec!["physics".into()],
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await,
        &["teacher.school_id"],
    );
    c.invalid_once_each(
        "mentor profile of capacity 99, no modes, overlapping windows",
        s.profiles()
            .create_mentor_profile(pb::CreateMentorProfileRequest {
                municipality_id: "m".into(),
                mentor_profile: Some(pb::MentorProfile {
                    teacher_id: "t1".into(),
                    subjects: vec!["mathematics".into()],
                    capacity: 99,
                    modes: vec![],
                    availability: vec![
                        pb::AvailabilityWindow {
                            weekday: 4,
                            start_minute: 840,
                            end_minute: 1020,
                        },
                        pb::AvailabilityWindow {
                            weekday: 4,
                            start_minute: 900,
                            end_minute: 960,
                        },
                    ],
                    ..Default::default()
                }),
                request_id: String::new(),
            })
            .await,
        &[
            "mentor_profile.capacity",
            "mentor_profile.modes",
            "mentor_profile.availability[1]",
        ],
    );
    c.invalid_once_each(
        "diagnostic of February 30th",
        s.diagnostics()
            .create_diagnostic(pb::CreateDiagnosticRequest {
                municipality_id: "m".into(),
                diagnostic: Some(pb::Diagnostic {
                    teacher_id: "t1".into(),
                    subject: "mathematics".into(),
                    date: "2023-02-30".into(),
                    level: 1,
                    ..Default::default()
                }),
                request_id: String::new(),
            })
            .await,
        &["diagnostic.date"],
    );
    c.invalid_once_each(
        "diagnostic without a level, a score over 1 and an unknown score",
        s.diagnostics()
            .create_diagnostic(pb::CreateDiagnosticRequest {
                municipality_id: "m".into(),
                diagnostic: Some(pb::Diagnostic {
                    teacher_id: "t1".into(),
                    subject: "mathematics".into(),
                    date: "2023-02-03".into(),
                    level: 0,
                    scores: [("digital".to_string(), 1.5), ("astrology".to_string(), 0.2)].into(),
                    ..Default::default()
                }),
                request_id: String::new(),
            })
            .await,
        &[
            "diagnostic.level",
            "diagnostic.scores[astrology]",
            "diagnostic.scores[digital]",
        ],
    );
    c.invalid_once_each(
        "diagnostic with a score over 1 and an unknown score",
        s.diagnostics()
            .create_diagnostic(pb::CreateDiagnosticRequest {
                municipality_id: "m".into(),
                diagnostic: Some(pb::Diagnostic {
                    teacher_id: "t1".into(),
                    subject: "mathematics".into(),
                    date: "2023-02-03".into(),
                    level: 2,
                    scores: [("digital".to_string(), 1.5), ("astrology".to_string(), 0.2)].into(),
                    ..Default::default()
                }),
                request_id: String::new(),
            })
            .await,
        &["diagnostic.scores[astrology]", "diagnostic.scores[digital]"],
    );
    c.invalid_once_each(
        "municipality on Mars",
        s.municipalities()
            .create_municipality(pb::CreateMunicipalityRequest {
                municipality: Some(pb::Municipality {
                    id: "x".into(),
                    name: "X".into(),
                    time_zone: "Mars/Olympus".into(),
                    ..Default::default()
                }),
                request_id: String::new(),
            })
            .await,
        &["municipality.time_zone"],
    );
    c.invalid_once_each(
        "teacher list of page size -5",
        s.teachers()
            .list_teachers(pb::ListTeachersRequest {
                municipality_id: "m".into(),
                page_size: -5,
                ..Default::default()
            })
            .await,
        &["page_size"],
    );
    c.finish();
    s.stop().await;
}

#[tokio::test]
async fn data_survive_a_restart_on_the_same_directory() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    municipality(&s, "m").await;
    school(&s, "m", "s1", pb::SchoolStatus::Leader).await;
    let t = teacher(&s, "m", "s1", "t1", &["russian"]).await;
    let before = s.snapshot();
    s.stop().await;

    let s = TestServer::start_in(dir.path()).await;
    assert_eq!(s.snapshot(), before);
    let got = s
        .teachers()
        .get_teacher(pb::GetTeacherRequest {
            municipality_id: "m".into(),
            teacher_id: "t1".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got, t);
    s.stop().await;
}
