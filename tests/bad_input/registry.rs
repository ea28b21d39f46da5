//! Refusals of the registry: municipalities, schools, teachers, mentor profiles and
//! diagnostics, as created, updated, read and listed.

use peerlift_api::pb;
use tonic::Code;

use crate::common::cases::Cases;
use crate::common::*;
use crate::{bad_request_ids, create_profile, hex, mb, profile, world, JUNK_TOKEN, LIMIT, M};

fn create_school(m: &str, school: pb::School) -> pb::CreateSchoolRequest {
    pb::CreateSchoolRequest {
        municipality_id: m.into(),
        school: Some(school),
        request_id: String::new(),
    }
}

fn create_teacher(m: &str, t: pb::Teacher) -> pb::CreateTeacherRequest {
    pb::CreateTeacherRequest {
        municipality_id: m.into(),
        teacher: Some(t),
        request_id: String::new(),
    }
}

fn teacher_msg(id: &str, school: &str) -> pb::Teacher {
    pb::Teacher {
        id: id.into(),
        school_id: school.into(),
        full_name: format!("Teacher {id}"),
        subjects: vec!["mathematics".into()],
        ..Default::default()
    }
}

fn diagnostic() -> pb::Diagnostic {
    pb::Diagnostic {
        teacher_id: "t2".into(),
        subject: "mathematics".into(),
        date: "2023-02-03".into(),
        level: pb::Level::B as i32,
        ..Default::default()
    }
}

fn create_diagnostic(d: pb::Diagnostic) -> pb::CreateDiagnosticRequest {
    pb::CreateDiagnosticRequest {
        municipality_id: M.into(),
        diagnostic: Some(d),
        request_id: String::new(),
    }
}

/// A school request over the server's 16 MiB limit is refused unread, OUT_OF_RANGE, and the
/// server serves on; one just under the limit is read, and refused by validation without echoing
/// the value.
#[tokio::test]
async fn a_school_over_the_size_limit_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    world(&s).await;
    let mut c = Cases::new(&s);
    let big = "x".repeat(LIMIT + 1024);
    // The client's own limit is raised, so the message really goes out.
    let mut schools = s.schools().max_encoding_message_size(4 * LIMIT);
    c.refused(
        "CreateSchool with a 16 MiB name",
        schools
            .create_school(create_school(
                M,
                pb::School {
                    name: big.clone(),
                    ..school_msg("huge", pb::SchoolStatus::Stable)
                },
            ))
            .await,
        Code::OutOfRange,
        &[],
        &["too large"],
    );
    // Just under the limit it is read, and refused by validation, without echoing the value.
    let almost = "x".repeat(LIMIT - 4096);
    c.invalid(
        "CreateSchool with a name just under the limit",
        schools
            .create_school(create_school(
                M,
                pb::School {
                    name: almost,
                    ..school_msg("huge", pb::SchoolStatus::Stable)
                },
            ))
            .await,
        &["school.name"],
    );
    c.finish();
    // The server is still serving.
    s.schools()
        .get_school(pb::GetSchoolRequest {
            municipality_id: M.into(),
            school_id: "lead".into(),
        })
        .await
        .unwrap();
    s.stop().await;
}

/// Enum values out of range in schools (status, kind, flags, risk profile, list filters),
/// mentor profiles (modes, weekdays) and diagnostics (level) are named, with the value.
#[tokio::test]
async fn registry_enum_values_out_of_range_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    world(&s).await;
    let mut c = Cases::new(&s);
    let sch = |f: &dyn Fn(&mut pb::School)| {
        let mut x = school_msg("s9", pb::SchoolStatus::Stable);
        f(&mut x);
        create_school(M, x)
    };
    let mut schools = s.schools();
    c.refused(
        "school status 99",
        schools.create_school(sch(&|x| x.status = 99)).await,
        Code::InvalidArgument,
        &["school.status"],
        &["99"],
    );
    c.refused(
        "school kind 99",
        schools.create_school(sch(&|x| x.kind = 99)).await,
        Code::InvalidArgument,
        &["school.kind"],
        &["99"],
    );
    c.refused(
        "school kind -3",
        schools.create_school(sch(&|x| x.kind = -3)).await,
        Code::InvalidArgument,
        &["school.kind"],
        &["-3"],
    );
    c.invalid(
        "school status unset",
        schools.create_school(sch(&|x| x.status = 0)).await,
        &["school.status"],
    );
    c.invalid(
        "school flag 99",
        schools.create_school(sch(&|x| x.flags = vec![1, 99])).await,
        &["school.flags[1]"],
    );
    c.invalid(
        "risk factor and significance 99",
        schools
            .create_school(sch(&|x| {
                x.risk_profile = vec![pb::RiskFactorValue {
                    factor: 99,
                    significance: 99,
                }]
            }))
            .await,
        &[
            "school.risk_profile[0].factor",
            "school.risk_profile[0].significance",
        ],
    );
    c.invalid(
        "update of a school to status 99",
        schools
            .update_school(pb::UpdateSchoolRequest {
                municipality_id: M.into(),
                school: Some(pb::School {
                    status: 99,
                    ..school_msg("lead", pb::SchoolStatus::Leader)
                }),
                request_id: String::new(),
                update_mask: None,
            })
            .await,
        &["school.status"],
    );
    let list = |f: &dyn Fn(&mut pb::ListSchoolsRequest)| {
        let mut r = pb::ListSchoolsRequest {
            municipality_id: M.into(),
            ..Default::default()
        };
        f(&mut r);
        r
    };
    c.invalid(
        "school list by status 99",
        schools.list_schools(list(&|r| r.statuses = vec![99])).await,
        &["statuses[0]"],
    );
    c.invalid(
        "school list by kind 99",
        schools.list_schools(list(&|r| r.kind = 99)).await,
        &["kind"],
    );
    c.invalid(
        "school list by flag 99",
        schools.list_schools(list(&|r| r.flag = 99)).await,
        &["flag"],
    );
    c.invalid(
        "mentor profile mode 99 and weekday 99",
        s.profiles()
            .create_mentor_profile(create_profile(pb::MentorProfile {
                modes: vec![99],
                availability: vec![pb::AvailabilityWindow {
                    weekday: 99,
                    start_minute: 840,
                    end_minute: 900,
                }],
                ..profile(2)
            }))
            .await,
        &[
            "mentor_profile.modes[0]",
            "mentor_profile.availability[0].weekday",
        ],
    );
    c.invalid(
        "diagnostic level 99",
        s.diagnostics()
            .create_diagnostic(create_diagnostic(pb::Diagnostic {
                level: 99,
                ..diagnostic()
            }))
            .await,
        &["diagnostic.level"],
    );
    c.finish();
    s.stop().await;
}

/// Names, ids and other texts of the registry that are empty, blank, 1 MB long or hold
/// control characters are refused, each naming its field (a list of thousands of bad entries
/// details the first ones and counts the rest); a 1 MB etag is a stale one.
#[tokio::test]
async fn registry_texts_that_are_empty_huge_or_hold_control_characters_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    world(&s).await;
    let mut c = Cases::new(&s);
    let big = mb();

    let muni = |f: &dyn Fn(&mut pb::Municipality)| {
        let mut x = pb::Municipality {
            id: "m2".into(),
            name: "Second".into(),
            ..Default::default()
        };
        f(&mut x);
        pb::CreateMunicipalityRequest {
            municipality: Some(x),
            request_id: String::new(),
        }
    };
    let mut munis = s.municipalities();
    for (case, name) in [
        ("empty", String::new()),
        ("blank", "   ".to_string()),
        ("1 MB", big.clone()),
        ("bell character", "Bad\u{7}name".to_string()),
        ("escape sequence", "\u{1b}[31mred".to_string()),
        ("NUL", "a\0b".to_string()),
    ] {
        c.invalid(
            &format!("municipality name: {case}"),
            munis
                .create_municipality(muni(&|x| x.name = name.clone()))
                .await,
            &["municipality.name"],
        );
    }
    for (case, id) in [
        ("1 MB", big.clone()),
        ("NUL", "a\0b".to_string()),
        ("slash", "a/b".to_string()),
        ("non-ASCII", "район".to_string()),
    ] {
        c.invalid(
            &format!("municipality id: {case}"),
            munis
                .create_municipality(muni(&|x| x.id = id.clone()))
                .await,
            &["municipality.id"],
        );
    }

    let sch = |f: &dyn Fn(&mut pb::School)| {
        let mut x = school_msg("s9", pb::SchoolStatus::Stable);
        f(&mut x);
        create_school(M, x)
    };
    let mut schools = s.schools();
    for (case, name) in [
        ("empty", String::new()),
        ("1 MB", big.clone()),
        ("newline", "line\nbreak".to_string()),
        ("leading space", " School".to_string()),
    ] {
        c.invalid(
            &format!("school name: {case}"),
            schools.create_school(sch(&|x| x.name = name.clone())).await,
            &["school.name"],
        );
    }
    c.invalid(
        "school locality: 1 MB",
        schools
            .create_school(sch(&|x| x.locality = big.clone()))
            .await,
        &["school.locality"],
    );
    c.invalid(
        "school id: 1 MB",
        schools.create_school(sch(&|x| x.id = big.clone())).await,
        &["school.id"],
    );
    c.invalid(
        "school programme tag: 1 MB",
        schools
            .create_school(sch(&|x| x.programme_tags = vec![big.clone()]))
            .await,
        &["school.programme_tags[0]"],
    );

    let mut teachers = s.teachers();
    for (case, name) in [
        ("empty", String::new()),
        ("1 MB", big.clone()),
        ("tab", "Ivan\tPetrov".to_string()),
    ] {
        c.invalid(
            &format!("teacher name: {case}"),
            teachers
                .create_teacher(create_teacher(
                    M,
                    pb::Teacher {
                        full_name: name.clone(),
                        ..teacher_msg("t9", "lead")
                    },
                ))
                .await,
            &["teacher.full_name"],
        );
    }
    c.invalid(
        "teacher subject: 1 MB",
        teachers
            .create_teacher(create_teacher(
                M,
                pb::Teacher {
                    subjects: vec![big.clone()],
                    ..teacher_msg("t9", "lead")
                },
            ))
            .await,
        &["teacher.subjects[0]"],
    );
    // Thousands of bad entries: the first ones are detailed, the rest counted.
    let many: Vec<String> = (0..5000).map(|i| format!("no_such_subject_{i}")).collect();
    let shown: Vec<String> = (0..16).map(|i| format!("teacher.subjects[{i}]")).collect();
    let shown: Vec<&str> = shown.iter().map(String::as_str).collect();
    c.refused(
        "teacher with 5000 unknown subjects",
        teachers
            .create_teacher(create_teacher(
                M,
                pb::Teacher {
                    subjects: many,
                    ..teacher_msg("t9", "lead")
                },
            ))
            .await,
        Code::InvalidArgument,
        &shown[..],
        &["more)"],
    );
    c.refused(
        "school update with a 1 MB etag",
        schools
            .update_school(pb::UpdateSchoolRequest {
                municipality_id: M.into(),
                school: Some(pb::School {
                    etag: big.clone(),
                    name: "Renamed".into(),
                    ..school_msg("lead", pb::SchoolStatus::Leader)
                }),
                request_id: String::new(),
                update_mask: None,
            })
            .await,
        Code::Aborted,
        &[],
        &["lead", "changed by someone else"],
    );
    c.invalid(
        "teacher update, name 1 MB",
        teachers
            .update_teacher(pb::UpdateTeacherRequest {
                municipality_id: M.into(),
                teacher: Some(pb::Teacher {
                    full_name: big.clone(),
                    ..teacher_msg("t1", "lead")
                }),
                request_id: String::new(),
                update_mask: None,
            })
            .await,
        &["teacher.full_name"],
    );
    c.invalid(
        "diagnostic source: 1 MB",
        s.diagnostics()
            .create_diagnostic(create_diagnostic(pb::Diagnostic {
                source: big.clone(),
                ..diagnostic()
            }))
            .await,
        &["diagnostic.source"],
    );
    c.invalid(
        "diagnostic date: 1 MB",
        s.diagnostics()
            .create_diagnostic(create_diagnostic(pb::Diagnostic {
                date: big.clone(),
                ..diagnostic()
            }))
            .await,
        &["diagnostic.date"],
    );
    c.finish();
    s.stop().await;
}

/// The municipality a registry call addresses, and the teacher of GetTeacher, UpdateTeacher and
/// DeleteTeacher, are NOT_FOUND when unknown; an unknown school or teacher referred to inside a
/// body is INVALID_ARGUMENT naming that field; a call without a municipality names
/// `municipality_id`.
#[tokio::test]
async fn unknown_registry_ids_are_not_found_or_named_references() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    world(&s).await;
    let mut c = Cases::new(&s);

    c.not_found(
        "school in an unknown municipality",
        s.schools()
            .create_school(create_school(
                "atlantis",
                school_msg("s9", pb::SchoolStatus::Stable),
            ))
            .await,
        "atlantis",
    );
    c.refused(
        "school in a municipality with a 1 MB id",
        s.schools()
            .create_school(create_school(
                &mb(),
                school_msg("s9", pb::SchoolStatus::Stable),
            ))
            .await,
        Code::NotFound,
        &[],
        &["municipality 'xxx", "' not found"],
    );
    c.not_found(
        "teacher in an unknown municipality",
        s.teachers()
            .create_teacher(create_teacher("atlantis", teacher_msg("t9", "lead")))
            .await,
        "atlantis",
    );
    c.refused(
        "teacher at an unknown school",
        s.teachers()
            .create_teacher(create_teacher(M, teacher_msg("t9", "nope")))
            .await,
        Code::InvalidArgument,
        &["teacher.school_id"],
        &["nope"],
    );
    c.refused(
        "teacher moved to an unknown school",
        s.teachers()
            .update_teacher(pb::UpdateTeacherRequest {
                municipality_id: M.into(),
                teacher: Some(teacher_msg("t1", "nope")),
                request_id: String::new(),
                update_mask: None,
            })
            .await,
        Code::InvalidArgument,
        &["teacher.school_id"],
        &["nope"],
    );
    c.not_found(
        "get of an unknown teacher",
        s.teachers()
            .get_teacher(pb::GetTeacherRequest {
                municipality_id: M.into(),
                teacher_id: "ghost".into(),
            })
            .await,
        "ghost",
    );
    c.not_found(
        "update of an unknown teacher",
        s.teachers()
            .update_teacher(pb::UpdateTeacherRequest {
                municipality_id: M.into(),
                teacher: Some(teacher_msg("ghost", "lead")),
                request_id: String::new(),
                update_mask: None,
            })
            .await,
        "ghost",
    );
    c.not_found(
        "delete of an unknown teacher",
        s.teachers()
            .delete_teacher(pb::DeleteTeacherRequest {
                municipality_id: M.into(),
                teacher_id: "ghost".into(),
                ..Default::default()
            })
            .await,
        "ghost",
    );
    c.not_found(
        "get of a teacher in an unknown municipality",
        s.teachers()
            .get_teacher(pb::GetTeacherRequest {
                municipality_id: "atlantis".into(),
                teacher_id: "t1".into(),
            })
            .await,
        "atlantis",
    );
    c.refused(
        "mentor profile of an unknown teacher",
        s.profiles()
            .create_mentor_profile(create_profile(pb::MentorProfile {
                teacher_id: "ghost".into(),
                ..profile(2)
            }))
            .await,
        Code::InvalidArgument,
        &["mentor_profile.teacher_id"],
        &["ghost"],
    );
    c.refused(
        "diagnostic of an unknown teacher",
        s.diagnostics()
            .create_diagnostic(create_diagnostic(pb::Diagnostic {
                teacher_id: "ghost".into(),
                ..diagnostic()
            }))
            .await,
        Code::InvalidArgument,
        &["diagnostic.teacher_id"],
        &["ghost"],
    );
    c.refused(
        "a call without a municipality",
        s.schools()
            .create_school(create_school(
                "",
                school_msg("s9", pb::SchoolStatus::Stable),
            ))
            .await,
        Code::InvalidArgument,
        &["municipality_id"],
        &[],
    );
    c.finish();
    s.stop().await;
}

/// Capacities (mentor, partner, platform: unsigned on the wire, so "negative" is huge),
/// locations off the globe, page sizes, availability windows ending before they start and
/// absurd diagnostic scores are refused, each naming its field.
#[tokio::test]
async fn absurd_registry_capacities_locations_and_sizes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    world(&s).await;
    let mut c = Cases::new(&s);

    // Capacities are unsigned on the wire: "negative" arrives as a huge number.
    for cap in [31, 1_000, u32::MAX] {
        c.invalid(
            &format!("mentor capacity {cap}"),
            s.profiles()
                .create_mentor_profile(create_profile(profile(cap)))
                .await,
            &["mentor_profile.capacity"],
        );
    }
    let sch = |f: &dyn Fn(&mut pb::School)| {
        let mut x = school_msg("s9", pb::SchoolStatus::Leader);
        f(&mut x);
        create_school(M, x)
    };
    for cap in [51, u32::MAX] {
        c.invalid(
            &format!("partner capacity {cap}"),
            s.schools()
                .create_school(sch(&|x| x.partner_capacity = Some(cap)))
                .await,
            &["school.partner_capacity"],
        );
    }
    for cap in [0, 51, u32::MAX] {
        c.invalid(
            &format!("platform capacity {cap}"),
            s.schools()
                .create_school(sch(&|x| {
                    x.platforms = [("mathematics".to_string(), cap)].into()
                }))
                .await,
            &["school.platforms[mathematics]"],
        );
    }
    for (case, lat, lon, fields) in [
        ("latitude 1000", 1000.0, 30.0, &["school.location.lat"][..]),
        (
            "longitude -inf",
            59.0,
            f64::NEG_INFINITY,
            &["school.location.lon"],
        ),
        (
            "NaN",
            f64::NAN,
            f64::NAN,
            &["school.location.lat", "school.location.lon"],
        ),
    ] {
        c.invalid(
            &format!("school location: {case}"),
            s.schools()
                .create_school(sch(&|x| x.location = Some(pb::GeoPoint { lat, lon })))
                .await,
            fields,
        );
    }
    for size in [-1, 1001, i32::MIN, i32::MAX] {
        c.invalid(
            &format!("page size {size}"),
            s.schools()
                .list_schools(pb::ListSchoolsRequest {
                    municipality_id: M.into(),
                    page_size: size,
                    ..Default::default()
                })
                .await,
            &["page_size"],
        );
    }
    c.invalid(
        "availability window ending before it starts",
        s.profiles()
            .create_mentor_profile(create_profile(pb::MentorProfile {
                availability: vec![pb::AvailabilityWindow {
                    weekday: pb::Weekday::Thursday as i32,
                    start_minute: 900,
                    end_minute: 840,
                }],
                ..profile(2)
            }))
            .await,
        &["mentor_profile.availability[0]"],
    );
    c.invalid(
        "diagnostic score 1e308",
        s.diagnostics()
            .create_diagnostic(create_diagnostic(pb::Diagnostic {
                scores: [("digital".to_string(), 1e308)].into(),
                ..diagnostic()
            }))
            .await,
        &["diagnostic.scores[digital]"],
    );
    c.finish();
    s.stop().await;
}

/// A diagnostics range whose end comes before its start, and a school status since a day that
/// does not exist, are refused naming the field.
#[tokio::test]
async fn impossible_registry_dates_and_ranges_out_of_order_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    world(&s).await;
    let mut c = Cases::new(&s);

    c.invalid(
        "diagnostics listed from after to",
        s.diagnostics()
            .list_diagnostics(pb::ListDiagnosticsRequest {
                municipality_id: M.into(),
                date_from: "2023-02-01".into(),
                date_to: "2023-01-01".into(),
                ..Default::default()
            })
            .await,
        &["date_to"],
    );
    c.invalid(
        "status since February 30th",
        s.schools()
            .update_school(pb::UpdateSchoolRequest {
                municipality_id: M.into(),
                school: Some(pb::School {
                    status_since: "2023-02-30".into(),
                    ..school_msg("lead", pb::SchoolStatus::Leader)
                }),
                request_id: String::new(),
                update_mask: None,
            })
            .await,
        &["school.status_since"],
    );
    c.finish();
    s.stop().await;
}

/// A school list refuses any page token it did not issue (not hex, odd, huge, another list's,
/// another municipality's, an unknown walk); the other registry lists refuse junk tokens;
/// malformed request ids are refused, and so is a request id reused for another request.
#[tokio::test]
async fn malformed_registry_page_tokens_and_request_ids_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    world(&s).await;
    for id in ["s1", "s2", "s3"] {
        school(&s, M, id, pb::SchoolStatus::Stable).await;
    }
    // Real tokens of other lists, to pass where they don't belong.
    let teachers_token = s
        .teachers()
        .list_teachers(pb::ListTeachersRequest {
            municipality_id: M.into(),
            page_size: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .next_page_token;
    assert!(!teachers_token.is_empty());
    let mut c = Cases::new(&s);
    for (case, token) in [
        ("not hex", "zz".to_string()),
        ("odd length", "abc".to_string()),
        ("non-ASCII", "жж".to_string()),
        ("spaces", "01 2".to_string()),
        ("10,000 zeros", "0".repeat(10_000)),
        ("1 MB", "ab".repeat(512 * 1024)),
        ("another list's token", teachers_token.clone()),
        ("an unknown walk", format!("7f{}", hex(b"m\0s1"))),
        ("another municipality", format!("01{}", hex(b"other\0s1"))),
        ("a prefix of this one", format!("01{}", hex(b"m"))),
    ] {
        c.invalid(
            &format!("school list, token: {case}"),
            s.schools()
                .list_schools(pb::ListSchoolsRequest {
                    municipality_id: M.into(),
                    page_size: 1,
                    page_token: token.clone(),
                    ..Default::default()
                })
                .await,
            &["page_token"],
        );
    }
    c.invalid(
        "teacher list by school, junk token",
        s.teachers()
            .list_teachers(pb::ListTeachersRequest {
                municipality_id: M.into(),
                school_id: "lead".into(),
                page_token: JUNK_TOKEN.into(),
                ..Default::default()
            })
            .await,
        &["page_token"],
    );
    c.invalid(
        "teacher list by school, a token of the whole list",
        s.teachers()
            .list_teachers(pb::ListTeachersRequest {
                municipality_id: M.into(),
                school_id: "lead".into(),
                page_token: teachers_token.clone(),
                ..Default::default()
            })
            .await,
        &["page_token"],
    );
    c.invalid(
        "municipality list, junk token",
        s.municipalities()
            .list_municipalities(pb::ListMunicipalitiesRequest {
                page_token: JUNK_TOKEN.into(),
                ..Default::default()
            })
            .await,
        &["page_token"],
    );
    c.invalid(
        "mentor profile list, junk token",
        s.profiles()
            .list_mentor_profiles(pb::ListMentorProfilesRequest {
                municipality_id: M.into(),
                page_token: JUNK_TOKEN.into(),
                ..Default::default()
            })
            .await,
        &["page_token"],
    );
    c.invalid(
        "diagnostic list, junk token",
        s.diagnostics()
            .list_diagnostics(pb::ListDiagnosticsRequest {
                municipality_id: M.into(),
                page_token: JUNK_TOKEN.into(),
                ..Default::default()
            })
            .await,
        &["page_token"],
    );
    for (case, rid) in bad_request_ids() {
        c.invalid(
            &format!("create school, request id: {case}"),
            s.schools()
                .create_school(pb::CreateSchoolRequest {
                    request_id: rid.clone(),
                    ..create_school(M, school_msg("s9", pb::SchoolStatus::Stable))
                })
                .await,
            &["request_id"],
        );
    }
    c.finish();

    // The longest valid id is accepted; reusing it for another request is refused.
    let rid = "r".repeat(128);
    s.schools()
        .create_school(pb::CreateSchoolRequest {
            request_id: rid.clone(),
            ..create_school(M, school_msg("s9", pb::SchoolStatus::Stable))
        })
        .await
        .unwrap();
    let mut c = Cases::new(&s);
    c.invalid(
        "a request id reused for another request",
        s.schools()
            .create_school(pb::CreateSchoolRequest {
                request_id: rid.clone(),
                ..create_school(M, school_msg("s10", pb::SchoolStatus::Stable))
            })
            .await,
        &["request_id"],
    );
    c.finish();
    s.stop().await;
}
