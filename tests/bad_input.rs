//! The bad-input suite: end to end against a real server, each case sends one bad request and
//! checks that it is refused the right way:
//!
//! - the exact gRPC code (INVALID_ARGUMENT for bad fields, NOT_FOUND for an unknown resource
//!   the call addresses, FAILED_PRECONDITION where the state forbids it, OUT_OF_RANGE for a
//!   message over the server's 16 MiB limit);
//! - for INVALID_ARGUMENT, exactly the offending fields in the `BadRequest` details;
//! - a clear message: not empty, naming the field or the id, and short (a 1 MB value is never
//!   echoed back);
//! - nothing written: the store's snapshot is the same before and after.
//!
//! A reference to another record inside a request body (a teacher's `school_id`, a profile's
//! `teacher_id`, a hand-made mentorship's `mentee_id`) is INVALID_ARGUMENT naming that field,
//! as everywhere in the API; NOT_FOUND is for the resource a call addresses (the municipality
//! of the call, the teacher of GetTeacher, the mentorship a session is created under).
//!
//! Cases are tables: every failing case of a test is reported together, by name.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fmt::Debug;

use common::*;
use peerlift_api::pb;
use peerlift_api::pb::matching_service_client::MatchingServiceClient;
use peerlift_api::pb::mentorship_service_client::MentorshipServiceClient;
use peerlift_api::pb::report_service_client::ReportServiceClient;
use peerlift_api::pb::session_service_client::SessionServiceClient;
use tonic::transport::Channel;
use tonic::{Code, Status};

const M: &str = "m";
/// The server's request limit (src/server.rs).
const LIMIT: usize = 16 * 1024 * 1024;
/// Longest message a refusal may carry: enough to explain, too short to echo a huge value.
const MAX_MESSAGE: usize = 2_000;

fn mb() -> String {
    "x".repeat(1024 * 1024)
}

fn mentorships(s: &TestServer) -> MentorshipServiceClient<Channel> {
    MentorshipServiceClient::new(s.channel.clone())
}
fn matching(s: &TestServer) -> MatchingServiceClient<Channel> {
    MatchingServiceClient::new(s.channel.clone())
}
fn sessions(s: &TestServer) -> SessionServiceClient<Channel> {
    SessionServiceClient::new(s.channel.clone())
}
fn reports(s: &TestServer) -> ReportServiceClient<Channel> {
    ReportServiceClient::new(s.channel.clone())
}

/// Collects the verdicts of a table of refused calls against one server.
struct Cases<'a> {
    s: &'a TestServer,
    before: String,
    failures: Vec<String>,
    count: usize,
}

impl<'a> Cases<'a> {
    /// Takes the snapshot every case is compared with.
    fn new(s: &'a TestServer) -> Cases<'a> {
        Cases {
            s,
            before: s.snapshot(),
            failures: Vec::new(),
            count: 0,
        }
    }

    /// Checks one refused call: `code`, exactly `fields` in the BadRequest details (none for
    /// other codes), a short message naming each of `mentions`, and an unchanged store.
    fn refused<T: Debug>(
        &mut self,
        case: &str,
        got: Result<T, Status>,
        code: Code,
        fields: &[&str],
        mentions: &[&str],
    ) {
        self.count += 1;
        let mut problems = Vec::new();
        match got {
            Ok(v) => {
                let mut shown = format!("{v:?}");
                shown.truncate(300);
                problems.push(format!("was accepted: {shown}"));
            }
            Err(e) => {
                let msg = e.message();
                if e.code() != code {
                    problems.push(format!("code {:?}, expected {code:?}", e.code()));
                }
                if msg.trim().is_empty() {
                    problems.push("empty message".into());
                }
                if msg.len() > MAX_MESSAGE {
                    problems.push(format!("message of {} bytes", msg.len()));
                }
                // A field may carry two violations (too long and crossing midnight): once is
                // enough here.
                let mut got_fields = bad_fields(&e);
                got_fields.sort();
                got_fields.dedup();
                let mut want: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
                want.sort();
                if got_fields != want {
                    problems.push(format!("fields {got_fields:?}, expected {want:?}"));
                }
                // A message shortened by the server ('…') names the first fields only; the
                // details name them all.
                let named: &[&str] = if msg.contains('…') { &[] } else { fields };
                for m in mentions.iter().chain(named) {
                    if !msg.contains(m) {
                        problems.push(format!("message does not mention '{m}'"));
                    }
                }
                if !problems.is_empty() {
                    let mut shown = msg.to_string();
                    shown.truncate(300);
                    problems.push(format!("message: {shown:?}"));
                }
            }
        }
        let now = self.s.snapshot();
        if now != self.before {
            problems.push("the store changed".into());
            self.before = now;
        }
        if !problems.is_empty() {
            self.failures
                .push(format!("{case}:\n    {}", problems.join("\n    ")));
        }
    }

    /// INVALID_ARGUMENT naming exactly `fields`.
    fn invalid<T: Debug>(&mut self, case: &str, got: Result<T, Status>, fields: &[&str]) {
        self.refused(case, got, Code::InvalidArgument, fields, &[]);
    }

    /// NOT_FOUND naming the id.
    fn not_found<T: Debug>(&mut self, case: &str, got: Result<T, Status>, id: &str) {
        self.refused(case, got, Code::NotFound, &[], &[id]);
    }

    fn finish(self) {
        assert!(
            self.failures.is_empty(),
            "{} of {} cases failed:\n{}",
            self.failures.len(),
            self.count,
            self.failures.join("\n")
        );
    }
}

/// A municipality `m` with a leader school `lead` (teacher `t1`), a low-results school `low`
/// (teacher `t2`), and the two schools' hand-made partnership (returned).
async fn world(s: &TestServer) -> pb::Mentorship {
    municipality(s, M).await;
    school(s, M, "lead", pb::SchoolStatus::Leader).await;
    school(s, M, "low", pb::SchoolStatus::LowResults).await;
    teacher(s, M, "lead", "t1", &["mathematics"]).await;
    teacher(s, M, "low", "t2", &["mathematics"]).await;
    mentorships(s)
        .create_mentorship(partnership("low", "lead", "set up by the test"))
        .await
        .expect("partnership")
        .into_inner()
}

fn partnership(mentee: &str, mentor: &str, reason: &str) -> pb::CreateMentorshipRequest {
    pb::CreateMentorshipRequest {
        municipality_id: M.into(),
        kind: pb::MatchKind::SchoolPartnerships as i32,
        mentee_id: mentee.into(),
        mentor_id: mentor.into(),
        reason: reason.into(),
        ..Default::default()
    }
}

fn teacher_pair(mentee: &str, mentor: &str) -> pb::CreateMentorshipRequest {
    pb::CreateMentorshipRequest {
        municipality_id: M.into(),
        kind: pb::MatchKind::TeacherPairs as i32,
        mentee_id: mentee.into(),
        mentor_id: mentor.into(),
        subject: "mathematics".into(),
        reason: "asked for by the school".into(),
        ..Default::default()
    }
}

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

fn profile(capacity: u32) -> pb::MentorProfile {
    pb::MentorProfile {
        teacher_id: "t1".into(),
        subjects: vec!["mathematics".into()],
        capacity,
        modes: vec![pb::Mode::InPerson as i32],
        ..Default::default()
    }
}

fn create_profile(p: pb::MentorProfile) -> pb::CreateMentorProfileRequest {
    pb::CreateMentorProfileRequest {
        municipality_id: M.into(),
        mentor_profile: Some(p),
        request_id: String::new(),
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

/// A session of mentorship `ms` far enough ahead to be after its start.
fn session(ms: &str) -> pb::Session {
    pb::Session {
        mentorship_id: ms.into(),
        start: "2099-01-15T14:00".into(),
        ..Default::default()
    }
}

fn create_session(x: pb::Session) -> pb::CreateSessionRequest {
    pb::CreateSessionRequest {
        municipality_id: M.into(),
        session: Some(x),
        request_id: String::new(),
    }
}

fn run_request(kind: pb::MatchKind) -> pb::RunMatchingRequest {
    pb::RunMatchingRequest {
        municipality_id: M.into(),
        kind: kind as i32,
        ..Default::default()
    }
}

fn report(from: &str, to: &str) -> pb::ReportRequest {
    pb::ReportRequest {
        municipality_id: M.into(),
        from: from.into(),
        to: to.into(),
    }
}

fn list_sessions(from: &str, to: &str) -> pb::ListSessionsRequest {
    pb::ListSessionsRequest {
        municipality_id: M.into(),
        from: from.into(),
        to: to.into(),
        ..Default::default()
    }
}

/// An import stream of raw messages (so kinds and sizes the helper would not send can be).
async fn import_raw(
    s: &TestServer,
    msgs: Vec<pb::ImportRequest>,
) -> Result<pb::ImportReport, Status> {
    s.importer()
        .max_encoding_message_size(4 * LIMIT)
        .import(tokio_stream::iter(msgs))
        .await
        .map(|r| r.into_inner())
}

fn start_msg(m: &str, strict: bool) -> pb::ImportRequest {
    pb::ImportRequest {
        item: Some(pb::import_request::Item::Start(pb::ImportStart {
            municipality_id: m.into(),
            strict,
            dry_run: false,
        })),
    }
}

fn chunk_msg(kind: i32, name: &str, data: Vec<u8>) -> pb::ImportRequest {
    pb::ImportRequest {
        item: Some(pb::import_request::Item::Chunk(pb::ImportChunk {
            kind,
            file_name: name.into(),
            data,
        })),
    }
}

// ---- (1) oversized messages ----

#[tokio::test]
async fn messages_over_the_size_limit_are_refused_unread() {
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
    c.refused(
        "Import with a 16 MiB chunk",
        import_raw(
            &s,
            vec![
                start_msg(M, true),
                chunk_msg(
                    pb::ImportFileKind::Schools as i32,
                    "schools.csv",
                    big.clone().into_bytes(),
                ),
            ],
        )
        .await,
        Code::OutOfRange,
        &[],
        &["too large"],
    );
    c.refused(
        "Import with a 16 MiB chunk after a small one of the same file",
        import_raw(
            &s,
            vec![
                start_msg(M, true),
                chunk_msg(
                    pb::ImportFileKind::Schools as i32,
                    "schools.csv",
                    b"id,name,kind,status\ns1,S,sosh,stable\n".to_vec(),
                ),
                chunk_msg(
                    pb::ImportFileKind::Schools as i32,
                    "schools.csv",
                    big.clone().into_bytes(),
                ),
            ],
        )
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

// ---- (2) enum values out of range ----

#[tokio::test]
async fn enum_values_out_of_range_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    let ms = world(&s).await;
    let planned = sessions(&s)
        .create_session(create_session(session(&ms.id)))
        .await
        .unwrap()
        .into_inner();
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
    c.refused(
        "match kind 99",
        matching(&s)
            .run_matching(pb::RunMatchingRequest {
                kind: 99,
                ..run_request(pb::MatchKind::TeacherPairs)
            })
            .await,
        Code::InvalidArgument,
        &["kind"],
        &["99"],
    );
    c.refused(
        "match kind unset",
        matching(&s)
            .run_matching(pb::RunMatchingRequest {
                kind: 0,
                ..run_request(pb::MatchKind::TeacherPairs)
            })
            .await,
        Code::InvalidArgument,
        &["kind"],
        &["must be set"],
    );
    c.invalid(
        "policy level 99 and group capacity 99",
        matching(&s)
            .run_matching(pb::RunMatchingRequest {
                policy: Some(pb::Policy {
                    levels: vec![99],
                    group_capacity: 99,
                    ..Default::default()
                }),
                ..run_request(pb::MatchKind::TeacherPairs)
            })
            .await,
        &["policy.levels[0]", "policy.group_capacity"],
    );
    c.invalid(
        "run list by kind 99",
        matching(&s)
            .list_match_runs(pb::ListMatchRunsRequest {
                municipality_id: M.into(),
                kind: 99,
                ..Default::default()
            })
            .await,
        &["kind"],
    );
    c.invalid(
        "run list by status 99",
        matching(&s)
            .list_match_runs(pb::ListMatchRunsRequest {
                municipality_id: M.into(),
                status: 99,
                ..Default::default()
            })
            .await,
        &["status"],
    );
    c.refused(
        "hand-made mentorship of kind 99",
        mentorships(&s)
            .create_mentorship(pb::CreateMentorshipRequest {
                kind: 99,
                ..teacher_pair("t2", "t1")
            })
            .await,
        Code::InvalidArgument,
        &["kind"],
        &["99"],
    );
    c.refused(
        "veto of kind 99",
        mentorships(&s)
            .veto_pair(pb::VetoPairRequest {
                municipality_id: M.into(),
                kind: 99,
                mentee_id: "t2".into(),
                mentor_id: "t1".into(),
                ..Default::default()
            })
            .await,
        Code::InvalidArgument,
        &["kind"],
        &["99"],
    );
    c.invalid(
        "mentorship list by kind 99",
        mentorships(&s)
            .list_mentorships(pb::ListMentorshipsRequest {
                municipality_id: M.into(),
                kind: 99,
                ..Default::default()
            })
            .await,
        &["kind"],
    );
    c.invalid(
        "mentorship list by status 99",
        mentorships(&s)
            .list_mentorships(pb::ListMentorshipsRequest {
                municipality_id: M.into(),
                status: 99,
                ..Default::default()
            })
            .await,
        &["status"],
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
    c.invalid(
        "session kind 99 and mode 99",
        sessions(&s)
            .create_session(create_session(pb::Session {
                kind: 99,
                mode: 99,
                ..session(&ms.id)
            }))
            .await,
        &["session.kind", "session.mode"],
    );
    for outcome in [99, pb::SessionStatus::Planned as i32, 0] {
        c.invalid(
            &format!("session recorded with outcome {outcome}"),
            sessions(&s)
                .record_session(pb::RecordSessionRequest {
                    municipality_id: M.into(),
                    session_id: planned.id.clone(),
                    outcome,
                    ..Default::default()
                })
                .await,
            &["outcome"],
        );
    }
    c.invalid(
        "session list by status 99",
        sessions(&s)
            .list_sessions(pb::ListSessionsRequest {
                status: 99,
                ..list_sessions("", "")
            })
            .await,
        &["status"],
    );
    c.invalid(
        "schedule frequency of form 99 and session kind 99",
        sessions(&s)
            .update_schedule_settings(pb::UpdateScheduleSettingsRequest {
                settings: Some(pb::ScheduleSettings {
                    municipality_id: M.into(),
                    frequencies: vec![pb::Frequency {
                        form: 99,
                        session_kind: 99,
                        duration_minutes: 60,
                        per_week: 1,
                        every_weeks: 1,
                    }],
                    ..Default::default()
                }),
                request_id: String::new(),
            })
            .await,
        &[
            "settings.frequencies[0].form",
            "settings.frequencies[0].session_kind",
        ],
    );
    c.invalid(
        "import file of kind 99",
        import_raw(
            &s,
            vec![
                start_msg(M, true),
                chunk_msg(99, "schools.csv", b"id,name,kind,status\n".to_vec()),
            ],
        )
        .await,
        &["chunk.kind"],
    );
    c.finish();
    s.stop().await;
}

// ---- (3) empty, huge and control-character strings ----

#[tokio::test]
async fn empty_huge_and_control_character_strings_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    let ms = world(&s).await;
    let planned = sessions(&s)
        .create_session(create_session(session(&ms.id)))
        .await
        .unwrap()
        .into_inner();
    let run = matching(&s)
        .run_matching(run_request(pb::MatchKind::SchoolPartnerships))
        .await
        .unwrap()
        .into_inner()
        .run
        .unwrap();
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

    for (case, reason) in [
        ("empty", String::new()),
        ("1 MB", big.clone()),
        ("NUL", "why\0not".to_string()),
    ] {
        c.invalid(
            &format!("hand-made mentorship reason: {case}"),
            mentorships(&s)
                .create_mentorship(partnership("low", "lead", &reason))
                .await,
            &["reason"],
        );
        c.invalid(
            &format!("end of a mentorship, reason: {case}"),
            mentorships(&s)
                .end_mentorship(pb::EndMentorshipRequest {
                    municipality_id: M.into(),
                    mentorship_id: ms.id.clone(),
                    reason: reason.clone(),
                    ..Default::default()
                })
                .await,
            &["reason"],
        );
        c.invalid(
            &format!("cancelled session, reason: {case}"),
            sessions(&s)
                .cancel_session(pb::CancelSessionRequest {
                    municipality_id: M.into(),
                    session_id: planned.id.clone(),
                    reason: reason.clone(),
                    ..Default::default()
                })
                .await,
            &["reason"],
        );
        c.invalid(
            &format!("missed session, reason: {case}"),
            sessions(&s)
                .record_session(pb::RecordSessionRequest {
                    municipality_id: M.into(),
                    session_id: planned.id.clone(),
                    outcome: pb::SessionStatus::Missed as i32,
                    reason: reason.clone(),
                    ..Default::default()
                })
                .await,
            &["reason"],
        );
    }
    c.invalid(
        "veto reason: 1 MB",
        mentorships(&s)
            .veto_pair(pb::VetoPairRequest {
                municipality_id: M.into(),
                kind: pb::MatchKind::SchoolPartnerships as i32,
                mentee_id: "low".into(),
                mentor_id: "lead".into(),
                reason: big.clone(),
                request_id: String::new(),
            })
            .await,
        &["reason"],
    );
    c.invalid(
        "approval note: 1 MB",
        matching(&s)
            .approve_match_run(pb::ApproveMatchRunRequest {
                municipality_id: M.into(),
                run_id: run.id.clone(),
                note: big.clone(),
                ..Default::default()
            })
            .await,
        &["note"],
    );
    c.invalid(
        "rejection note: 1 MB",
        matching(&s)
            .reject_match_run(pb::RejectMatchRunRequest {
                municipality_id: M.into(),
                run_id: run.id.clone(),
                note: big.clone(),
                request_id: String::new(),
            })
            .await,
        &["note"],
    );

    let ses = |f: &dyn Fn(&mut pb::Session)| {
        let mut x = session(&ms.id);
        f(&mut x);
        create_session(x)
    };
    c.invalid(
        "session place: 1 MB",
        sessions(&s)
            .create_session(ses(&|x| x.place = big.clone()))
            .await,
        &["session.place"],
    );
    c.invalid(
        "session material: 1 MB",
        sessions(&s)
            .create_session(ses(&|x| x.materials = vec![big.clone()]))
            .await,
        &["session.materials[0]"],
    );
    c.invalid(
        "session start: 1 MB",
        sessions(&s)
            .create_session(ses(&|x| x.start = big.clone()))
            .await,
        &["session.start"],
    );
    c.invalid(
        "session start: empty",
        sessions(&s)
            .create_session(ses(&|x| x.start = String::new()))
            .await,
        &["session.start"],
    );
    c.invalid(
        "session mentee: 1 MB",
        sessions(&s)
            .create_session(ses(&|x| x.mentee_ids = vec![big.clone()]))
            .await,
        &["session.mentee_ids[0]"],
    );
    c.invalid(
        "session topic: 1 MB",
        sessions(&s)
            .create_session(ses(&|x| x.topics = vec![big.clone()]))
            .await,
        &["session.topics[0]"],
    );
    c.invalid(
        "session mentorship id: empty",
        sessions(&s)
            .create_session(ses(&|x| x.mentorship_id = String::new()))
            .await,
        &["session.mentorship_id"],
    );
    c.invalid(
        "feedback rating 9 with a 1 MB comment",
        sessions(&s)
            .record_session(pb::RecordSessionRequest {
                municipality_id: M.into(),
                session_id: planned.id.clone(),
                outcome: pb::SessionStatus::Held as i32,
                feedback: Some(pb::Feedback {
                    rating: 9,
                    mentee_comment: big.clone(),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await,
        &["feedback.rating"],
    );
    c.invalid(
        "import file name: 300 characters",
        import_raw(
            &s,
            vec![
                start_msg(M, true),
                chunk_msg(
                    pb::ImportFileKind::Schools as i32,
                    &"f".repeat(300),
                    b"id,name,kind,status\n".to_vec(),
                ),
            ],
        )
        .await,
        &["chunk.file_name"],
    );
    c.invalid(
        "import of municipality id: 1 MB",
        import_raw(&s, vec![start_msg(&big, true)]).await,
        &["municipality_id"],
    );
    c.finish();
    s.stop().await;
}

// ---- (4) invalid UTF-8 in a strict import ----

#[tokio::test]
async fn invalid_utf8_in_a_strict_import_commits_nothing_and_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    let before = s.snapshot();
    let corrupt = |name: &str, line: usize, cell: usize| -> Vec<ImportFile> {
        example_files()
            .into_iter()
            .map(|(k, n, data)| {
                if n != name {
                    return (k, n, data);
                }
                let text = String::from_utf8(data).unwrap();
                let mut out = Vec::new();
                for (i, row) in text.split_inclusive('\n').enumerate() {
                    if i + 1 == line {
                        // A Latin-1 byte in the middle of the `cell`th cell.
                        let mut cells: Vec<Vec<u8>> =
                            row.split(',').map(|c| c.as_bytes().to_vec()).collect();
                        cells[cell - 1].splice(0..0, [b'A', 0xff, 0xfe, b'Z']);
                        out.extend(cells.join(&b','));
                    } else {
                        out.extend_from_slice(row.as_bytes());
                    }
                }
                (k, n, out)
            })
            .collect()
    };
    let mut failures = Vec::new();
    for (file, line, cell, rows_counted) in [
        ("teachers.csv", 3, 3, true),
        ("schools.csv", 5, 2, true),
        ("diagnostics.csv", 40, 6, true),
        // A header that is not UTF-8 makes the whole file unreadable.
        ("teachers.csv", 1, 1, false),
    ] {
        let case = format!("{file} line {line} cell {cell}");
        let report =
            match import_files(&s, "kirovsky", true, false, corrupt(file, line, cell)).await {
                Ok(r) => r,
                Err(e) => {
                    failures.push(format!("{case}: the import failed: {e:?}"));
                    continue;
                }
            };
        if report.committed {
            failures.push(format!("{case}: a strict import with errors committed"));
        }
        let named = report.errors.iter().any(|e| {
            e.file_name == file
                && e.line == line as u64
                && e.field == format!("#{cell}")
                && e.reason.contains("UTF-8")
        });
        if !named {
            failures.push(format!(
                "{case}: no error names the file, line and cell: {:?}",
                report.errors.iter().take(5).collect::<Vec<_>>()
            ));
        }
        let rejected = report
            .files
            .iter()
            .find(|f| f.file_name == file)
            .and_then(|f| f.counts)
            .map(|c| c.rejected)
            .unwrap_or_default();
        if rows_counted && rejected == 0 {
            failures.push(format!("{case}: no row of {file} counted as rejected"));
        }
        if s.snapshot() != before {
            failures.push(format!("{case}: the store changed"));
            break;
        }
    }
    // Without its municipality row nothing else can be imported: the call fails, naming the
    // row that was rejected.
    match import_files(
        &s,
        "kirovsky",
        true,
        false,
        corrupt("municipality.csv", 2, 2),
    )
    .await
    {
        Err(e)
            if e.code() == Code::FailedPrecondition
                && ["municipality.csv line 2", "#2", "UTF-8", "schools.csv"]
                    .iter()
                    .all(|m| e.message().contains(m)) => {}
        other => failures.push(format!("municipality row not UTF-8: {other:?}")),
    }
    if s.snapshot() != before {
        failures.push("municipality row not UTF-8: the store changed".into());
    }
    // A multi-byte character cut at the very end of the last file.
    let mut files = example_files();
    let last = files.last_mut().unwrap();
    last.2
        .extend_from_slice(b",t1,mathematics,2023-01-01,A,\xd0");
    match import_files(&s, "kirovsky", true, false, files).await {
        Ok(r) if !r.committed && r.errors.iter().any(|e| e.reason.contains("UTF-8")) => {}
        other => failures.push(format!("truncated character at the end: {other:?}")),
    }
    if s.snapshot() != before {
        failures.push("truncated character at the end: the store changed".into());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // And the framing of the stream itself.
    let mut c = Cases::new(&s);
    c.invalid(
        "an import that does not start with ImportStart",
        import_raw(
            &s,
            vec![chunk_msg(
                pb::ImportFileKind::Schools as i32,
                "schools.csv",
                b"id,name,kind,status\n".to_vec(),
            )],
        )
        .await,
        &["start"],
    );
    c.invalid(
        "an import with two ImportStart",
        import_raw(&s, vec![start_msg(M, true), start_msg(M, true)]).await,
        &["start"],
    );
    c.refused(
        "schools into a municipality that does not exist",
        import_raw(
            &s,
            vec![
                start_msg("atlantis", true),
                chunk_msg(
                    pb::ImportFileKind::Schools as i32,
                    "schools.csv",
                    b"id,name,kind,status\ns1,S,sosh,stable\n".to_vec(),
                ),
            ],
        )
        .await,
        Code::NotFound,
        &[],
        &["atlantis"],
    );
    c.finish();
    s.stop().await;
}

// ---- (5) unknown ids ----

#[tokio::test]
async fn unknown_ids_are_not_found_or_named_references() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    let ms = world(&s).await;
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
    c.not_found(
        "session of an unknown mentorship",
        sessions(&s)
            .create_session(create_session(session("ms-404")))
            .await,
        "ms-404",
    );
    c.refused(
        "session at an unknown school",
        sessions(&s)
            .create_session(create_session(pb::Session {
                school_id: "nope".into(),
                ..session(&ms.id)
            }))
            .await,
        Code::InvalidArgument,
        &["session.school_id"],
        &["nope"],
    );
    for id in ["ses-404"] {
        c.not_found(
            "get of an unknown session",
            sessions(&s)
                .get_session(pb::GetSessionRequest {
                    municipality_id: M.into(),
                    session_id: id.into(),
                })
                .await,
            id,
        );
        c.not_found(
            "cancel of an unknown session",
            sessions(&s)
                .cancel_session(pb::CancelSessionRequest {
                    municipality_id: M.into(),
                    session_id: id.into(),
                    reason: "ill".into(),
                    ..Default::default()
                })
                .await,
            id,
        );
    }
    c.not_found(
        "sessions of an unknown municipality",
        sessions(&s)
            .list_sessions(pb::ListSessionsRequest {
                municipality_id: "atlantis".into(),
                ..Default::default()
            })
            .await,
        "atlantis",
    );
    c.not_found(
        "get of an unknown mentorship",
        mentorships(&s)
            .get_mentorship(pb::GetMentorshipRequest {
                municipality_id: M.into(),
                mentorship_id: "ms-404".into(),
            })
            .await,
        "ms-404",
    );
    c.not_found(
        "end of an unknown mentorship",
        mentorships(&s)
            .end_mentorship(pb::EndMentorshipRequest {
                municipality_id: M.into(),
                mentorship_id: "ms-404".into(),
                reason: "done".into(),
                ..Default::default()
            })
            .await,
        "ms-404",
    );
    c.not_found(
        "lock of an unknown mentorship",
        mentorships(&s)
            .lock_mentorship(pb::LockMentorshipRequest {
                municipality_id: M.into(),
                mentorship_id: "ms-404".into(),
                ..Default::default()
            })
            .await,
        "ms-404",
    );
    c.refused(
        "teacher pair with an unknown mentee",
        mentorships(&s)
            .create_mentorship(teacher_pair("ghost", "t1"))
            .await,
        Code::InvalidArgument,
        &["mentee_id"],
        &["ghost"],
    );
    c.refused(
        "teacher pair with an unknown mentor",
        mentorships(&s)
            .create_mentorship(teacher_pair("t2", "ghost"))
            .await,
        Code::InvalidArgument,
        &["mentor_id"],
        &["ghost"],
    );
    c.refused(
        "partnership with an unknown school",
        mentorships(&s)
            .create_mentorship(partnership("nope", "lead", "why"))
            .await,
        Code::InvalidArgument,
        &["mentee_id"],
        &["nope"],
    );
    c.not_found(
        "approval of an unknown run",
        matching(&s)
            .approve_match_run(pb::ApproveMatchRunRequest {
                municipality_id: M.into(),
                run_id: "run-404".into(),
                ..Default::default()
            })
            .await,
        "run-404",
    );
    c.not_found(
        "rejection of an unknown run",
        matching(&s)
            .reject_match_run(pb::RejectMatchRunRequest {
                municipality_id: M.into(),
                run_id: "run-404".into(),
                ..Default::default()
            })
            .await,
        "run-404",
    );
    c.not_found(
        "matching in an unknown municipality",
        matching(&s)
            .run_matching(pb::RunMatchingRequest {
                municipality_id: "atlantis".into(),
                ..run_request(pb::MatchKind::TeacherPairs)
            })
            .await,
        "atlantis",
    );
    c.not_found(
        "acceptance of an unknown schedule proposal",
        sessions(&s)
            .accept_schedule(pb::AcceptScheduleRequest {
                municipality_id: M.into(),
                proposal_id: "sp-404".into(),
                ..Default::default()
            })
            .await,
        "sp-404",
    );
    c.not_found(
        "progress of an unknown teacher",
        reports(&s)
            .get_teacher_progress(pb::GetTeacherProgressRequest {
                municipality_id: M.into(),
                teacher_id: "ghost".into(),
            })
            .await,
        "ghost",
    );
    c.not_found(
        "progress of an unknown mentorship",
        reports(&s)
            .get_mentorship_progress(pb::GetMentorshipProgressRequest {
                municipality_id: M.into(),
                mentorship_id: "ms-404".into(),
            })
            .await,
        "ms-404",
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

// ---- (6) cycles ----

#[tokio::test]
async fn a_mentorship_of_one_with_itself_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    world(&s).await;
    // t1 could mentor mathematics, so only the cycle is wrong.
    s.profiles()
        .create_mentor_profile(create_profile(profile(2)))
        .await
        .unwrap();
    let mut c = Cases::new(&s);
    c.invalid(
        "teacher pair: mentor is the mentee",
        mentorships(&s)
            .create_mentorship(teacher_pair("t1", "t1"))
            .await,
        &["mentor_id"],
    );
    c.invalid(
        "school partnership: a school with itself",
        mentorships(&s)
            .create_mentorship(partnership("low", "low", "why"))
            .await,
        &["mentor_id"],
    );
    c.invalid(
        "school directions: a leader with itself",
        mentorships(&s)
            .create_mentorship(pb::CreateMentorshipRequest {
                kind: pb::MatchKind::SchoolDirections as i32,
                subject: "mathematics".into(),
                ..partnership("lead", "lead", "why")
            })
            .await,
        &["mentor_id"],
    );
    c.invalid(
        "veto of a teacher with themselves",
        mentorships(&s)
            .veto_pair(pb::VetoPairRequest {
                municipality_id: M.into(),
                kind: pb::MatchKind::TeacherPairs as i32,
                mentee_id: "t1".into(),
                mentor_id: "t1".into(),
                ..Default::default()
            })
            .await,
        &["mentor_id"],
    );
    c.finish();
    s.stop().await;
}

// ---- (7) negative and absurd capacities and sizes ----

#[tokio::test]
async fn absurd_capacities_and_sizes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    let ms = world(&s).await;
    let planned = sessions(&s)
        .create_session(create_session(session(&ms.id)))
        .await
        .unwrap()
        .into_inner();
    let proposal = sessions(&s)
        .propose_schedule(pb::ProposeScheduleRequest {
            municipality_id: M.into(),
            from: "2099-01-05".into(),
            weeks: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
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
    let policy = |p: pb::Policy| pb::RunMatchingRequest {
        policy: Some(p),
        ..run_request(pb::MatchKind::TeacherPairs)
    };
    for (case, p, field) in [
        (
            "max candidates 0",
            pb::Policy {
                max_candidates: Some(0),
                ..Default::default()
            },
            "policy.max_candidates",
        ),
        (
            "max candidates 4294967295",
            pb::Policy {
                max_candidates: Some(u32::MAX),
                ..Default::default()
            },
            "policy.max_candidates",
        ),
        (
            "default partner capacity 4294967295",
            pb::Policy {
                default_partner_capacity: Some(u32::MAX),
                ..Default::default()
            },
            "policy.default_partner_capacity",
        ),
        (
            "default platform capacity 0",
            pb::Policy {
                default_platform_capacity: Some(0),
                ..Default::default()
            },
            "policy.default_platform_capacity",
        ),
        (
            "travel limit 4294967295 km",
            pb::Policy {
                travel_limit_km: Some(u32::MAX),
                ..Default::default()
            },
            "policy.travel_limit_km",
        ),
        (
            "group sizes 10..2",
            pb::Policy {
                group_min_size: Some(10),
                group_max_size: Some(2),
                ..Default::default()
            },
            "policy.group_max_size",
        ),
        (
            "group size 0",
            pb::Policy {
                group_min_size: Some(0),
                ..Default::default()
            },
            "policy.group_max_size",
        ),
        (
            "strength 101%",
            pb::Policy {
                platform_min_strength_pct: Some(101),
                ..Default::default()
            },
            "policy.platform_min_strength_pct",
        ),
    ] {
        c.invalid(
            &format!("policy: {case}"),
            matching(&s).run_matching(policy(p)).await,
            &[field],
        );
    }
    for w in [i64::MIN, -1_000_001, i64::MAX] {
        c.invalid(
            &format!("weight {w}"),
            matching(&s)
                .run_matching(pb::RunMatchingRequest {
                    weights: Some(pb::Weights {
                        severity_a: Some(w),
                        ..Default::default()
                    }),
                    ..run_request(pb::MatchKind::TeacherPairs)
                })
                .await,
            &["weights.severity_a"],
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
        c.invalid(
            &format!("session page size {size}"),
            sessions(&s)
                .list_sessions(pb::ListSessionsRequest {
                    page_size: size,
                    ..list_sessions("", "")
                })
                .await,
            &["page_size"],
        );
    }
    for weeks in [27, u32::MAX] {
        c.invalid(
            &format!("proposal of {weeks} weeks"),
            sessions(&s)
                .propose_schedule(pb::ProposeScheduleRequest {
                    municipality_id: M.into(),
                    weeks,
                    ..Default::default()
                })
                .await,
            &["weeks"],
        );
    }
    let freq = |f: &dyn Fn(&mut pb::Frequency)| {
        let mut x = pb::Frequency {
            form: pb::MatchKind::SchoolPartnerships as i32,
            session_kind: pb::SessionKind::Seminar as i32,
            duration_minutes: 90,
            per_week: 1,
            every_weeks: 1,
        };
        f(&mut x);
        x
    };
    c.invalid(
        "proposal with 70000 sessions a week",
        sessions(&s)
            .propose_schedule(pb::ProposeScheduleRequest {
                municipality_id: M.into(),
                frequencies: vec![freq(&|x| x.per_week = 70_000)],
                ..Default::default()
            })
            .await,
        &["frequencies[0].per_week"],
    );
    let settings = |f: &dyn Fn(&mut pb::ScheduleSettings)| {
        let mut x = pb::ScheduleSettings {
            municipality_id: M.into(),
            ..Default::default()
        };
        f(&mut x);
        pb::UpdateScheduleSettingsRequest {
            settings: Some(x),
            request_id: String::new(),
        }
    };
    c.invalid(
        "travel speed 4294967295 km/h",
        sessions(&s)
            .update_schedule_settings(settings(&|x| x.travel_speed_kmh = u32::MAX))
            .await,
        &["settings.travel_speed_kmh"],
    );
    c.invalid(
        "methodical day starting at minute 5000",
        sessions(&s)
            .update_schedule_settings(settings(&|x| {
                x.methodical_days = vec![pb::AvailabilityWindow {
                    weekday: pb::Weekday::Thursday as i32,
                    start_minute: 5000,
                    end_minute: 5060,
                }]
            }))
            .await,
        &[
            "settings.methodical_days[0].start_minute",
            "settings.methodical_days[0].end_minute",
        ],
    );
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
    for d in [70_000, 1_000] {
        c.invalid(
            &format!("session of {d} minutes"),
            sessions(&s)
                .create_session(create_session(pb::Session {
                    duration_minutes: d,
                    ..session(&ms.id)
                }))
                .await,
            &["session.duration_minutes"],
        );
    }
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
    c.invalid(
        "feedback rating 4294967295",
        sessions(&s)
            .record_session(pb::RecordSessionRequest {
                municipality_id: M.into(),
                session_id: planned.id.clone(),
                outcome: pb::SessionStatus::Held as i32,
                feedback: Some(pb::Feedback {
                    rating: u32::MAX,
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await,
        &["feedback.rating"],
    );
    c.invalid(
        "acceptance of proposal item 4294967295",
        sessions(&s)
            .accept_schedule(pb::AcceptScheduleRequest {
                municipality_id: M.into(),
                proposal_id: proposal.id.clone(),
                items: vec![u32::MAX],
                request_id: String::new(),
            })
            .await,
        &["items[0]"],
    );
    c.finish();
    s.stop().await;
}

// ---- (8) dates out of order ----

#[tokio::test]
async fn dates_out_of_order_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    let ms = world(&s).await;
    let mut c = Cases::new(&s);

    // Ranges [from, to) whose end is before their start.
    c.refused(
        "session list from after to",
        sessions(&s)
            .list_sessions(list_sessions("2023-02-01", "2023-01-01"))
            .await,
        Code::InvalidArgument,
        &["to"],
        &["2023-02-01", "2023-01-01"],
    );
    c.refused(
        "sessions report from after to",
        reports(&s)
            .sessions_report(report("2023-02-01", "2023-01-01"))
            .await,
        Code::InvalidArgument,
        &["to"],
        &["2023-02-01", "2023-01-01"],
    );
    c.refused(
        "outcomes report from after to",
        reports(&s)
            .outcomes_report(report("2023-02-01", "2023-01-01"))
            .await,
        Code::InvalidArgument,
        &["to"],
        &["2023-02-01"],
    );
    c.refused(
        "mentor load report from after to",
        reports(&s)
            .mentor_load_report(report("2023-02-01", "2023-01-01"))
            .await,
        Code::InvalidArgument,
        &["to"],
        &["2023-02-01"],
    );
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
        "session list from an impossible date",
        sessions(&s)
            .list_sessions(list_sessions("2023-13-01", "yesterday"))
            .await,
        &["from", "to"],
    );
    for d in ["2023-01-01T10:00", "2023-01-01+03:00", "01.02.2023", ""] {
        if d.is_empty() {
            continue;
        }
        c.invalid(
            &format!("sessions report from {d}"),
            reports(&s).sessions_report(report(d, "")).await,
            &["from"],
        );
    }
    c.invalid(
        "sessions report from February 30th",
        reports(&s).sessions_report(report("2023-02-30", "")).await,
        &["from"],
    );

    // A session's end is its start plus a duration (unsigned), so it cannot come first; the
    // closest a client can get is a session running past midnight.
    let ses = |start: &str, minutes: u32| {
        create_session(pb::Session {
            start: start.into(),
            duration_minutes: minutes,
            ..session(&ms.id)
        })
    };
    c.invalid(
        "session running past midnight",
        sessions(&s)
            .create_session(ses("2099-01-15T23:30", 60))
            .await,
        &["session.duration_minutes"],
    );
    c.invalid(
        "session before its mentorship began",
        sessions(&s)
            .create_session(ses("2000-01-06T14:00", 60))
            .await,
        &["session.start"],
    );
    for start in [
        "2099-02-30T14:00",
        "2099-01-15T25:00",
        "2099-01-15T14:00:30",
        "2099-01-15T14:00+03:00",
        "2099-01-15T11:00Z",
    ] {
        c.invalid(
            &format!("session start {start}"),
            sessions(&s).create_session(ses(start, 60)).await,
            &["session.start"],
        );
    }
    c.invalid(
        "a proposal whose horizon runs past the year 9999",
        sessions(&s)
            .propose_schedule(pb::ProposeScheduleRequest {
                municipality_id: M.into(),
                from: "9999-12-20".into(),
                weeks: 26,
                ..Default::default()
            })
            .await,
        &["weeks"],
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
            })
            .await,
        &["school.status_since"],
    );
    c.invalid(
        "non-working day 2023-13-45",
        sessions(&s)
            .update_schedule_settings(pb::UpdateScheduleSettingsRequest {
                settings: Some(pb::ScheduleSettings {
                    municipality_id: M.into(),
                    non_working_days: vec!["2023-13-45".into()],
                    ..Default::default()
                }),
                request_id: String::new(),
            })
            .await,
        &["settings.non_working_days[0]"],
    );
    c.finish();

    // A mentorship's end before its start: the school no longer needs help, so a run ends the
    // partnership; approving it as of a date before the partnership began is refused.
    s.schools()
        .update_school(pb::UpdateSchoolRequest {
            municipality_id: M.into(),
            school: Some(school_msg("low", pb::SchoolStatus::Stable)),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let run = matching(&s)
        .run_matching(run_request(pb::MatchKind::SchoolPartnerships))
        .await
        .unwrap()
        .into_inner()
        .run
        .unwrap();
    let ended: Vec<&str> = run
        .diff
        .iter()
        .flat_map(|d| d.ended.iter().map(|e| e.mentorship_id.as_str()))
        .collect();
    assert_eq!(ended, [ms.id.as_str()], "{run:?}");
    let mut c = Cases::new(&s);
    c.refused(
        "approval that ends a mentorship before it began",
        matching(&s)
            .approve_match_run(pb::ApproveMatchRunRequest {
                municipality_id: M.into(),
                run_id: run.id.clone(),
                effective_date: "2000-01-01".into(),
                ..Default::default()
            })
            .await,
        Code::InvalidArgument,
        &["effective_date"],
        &[ms.id.as_str(), ms.started_on.as_str()],
    );
    c.invalid(
        "approval as of February 30th",
        matching(&s)
            .approve_match_run(pb::ApproveMatchRunRequest {
                municipality_id: M.into(),
                run_id: run.id.clone(),
                effective_date: "2023-02-30".into(),
                ..Default::default()
            })
            .await,
        &["effective_date"],
    );
    c.finish();
    // On the day it began, the approval goes through and the end is not before the start.
    let approved = matching(&s)
        .approve_match_run(pb::ApproveMatchRunRequest {
            municipality_id: M.into(),
            run_id: run.id.clone(),
            effective_date: ms.started_on.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let e = &approved.ended[0];
    assert!(e.ended_on >= e.started_on, "{e:?}");
    s.stop().await;
}

// ---- (9) malformed page tokens and request ids ----

#[tokio::test]
async fn malformed_page_tokens_and_request_ids_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    let ms = world(&s).await;
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
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
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
    let junk = "zz-not-a-token".to_string();
    c.invalid(
        "teacher list by school, junk token",
        s.teachers()
            .list_teachers(pb::ListTeachersRequest {
                municipality_id: M.into(),
                school_id: "lead".into(),
                page_token: junk.clone(),
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
                page_token: junk.clone(),
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
                page_token: junk.clone(),
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
                page_token: junk.clone(),
                ..Default::default()
            })
            .await,
        &["page_token"],
    );
    c.invalid(
        "mentorship list, junk token",
        mentorships(&s)
            .list_mentorships(pb::ListMentorshipsRequest {
                municipality_id: M.into(),
                page_token: junk.clone(),
                ..Default::default()
            })
            .await,
        &["page_token"],
    );
    c.invalid(
        "session list, junk token",
        sessions(&s)
            .list_sessions(pb::ListSessionsRequest {
                page_token: junk.clone(),
                ..list_sessions("", "")
            })
            .await,
        &["page_token"],
    );
    c.invalid(
        "session list by mentorship, a token of the whole list",
        sessions(&s)
            .list_sessions(pb::ListSessionsRequest {
                mentorship_id: ms.id.clone(),
                page_token: format!("04{}", hex(b"m\0")),
                ..list_sessions("", "")
            })
            .await,
        &["page_token"],
    );
    c.invalid(
        "match run list, unknown run as token",
        matching(&s)
            .list_match_runs(pb::ListMatchRunsRequest {
                municipality_id: M.into(),
                page_token: "run-404".into(),
                ..Default::default()
            })
            .await,
        &["page_token"],
    );

    for (case, rid) in [
        ("129 characters", "r".repeat(129)),
        ("1 MB", mb()),
        ("a space", "req 1".to_string()),
        ("non-ASCII", "запрос-1".to_string()),
        ("NUL", "req\u{0}1".to_string()),
        ("newline", "req\n1".to_string()),
    ] {
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
        c.invalid(
            &format!("create mentorship, request id: {case}"),
            mentorships(&s)
                .create_mentorship(pb::CreateMentorshipRequest {
                    request_id: rid.clone(),
                    ..partnership("s1", "lead", "why")
                })
                .await,
            &["request_id"],
        );
        c.invalid(
            &format!("create session, request id: {case}"),
            sessions(&s)
                .create_session(pb::CreateSessionRequest {
                    request_id: rid.clone(),
                    ..create_session(session(&ms.id))
                })
                .await,
            &["request_id"],
        );
        c.invalid(
            &format!("run matching, request id: {case}"),
            matching(&s)
                .run_matching(pb::RunMatchingRequest {
                    request_id: rid.clone(),
                    ..run_request(pb::MatchKind::SchoolPartnerships)
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
