//! The bad-input suite, one module per service: end to end against a real server, each case
//! sends one bad request and checks that it is refused the right way (the table-driven
//! harness is `common::cases::Cases`):
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
//! Each module reads as the specification of its service's refusals:
//!
//! - `registry`: municipalities, schools, teachers, mentor profiles and diagnostics;
//! - `import`: the bulk import stream (its framing, its chunks, invalid UTF-8 in the files);
//! - `matching`: match runs (kinds, policies, weights, approval and rejection);
//! - `mentorships`: hand-made pairs, ends, locks and vetoes;
//! - `sessions`: sessions, the schedule settings and schedule proposals;
//! - `reports`: reports and progress;
//! - `programme`: programmes, results, plans and documents.
//!
//! Cases are tables: every failing case of a test is reported together, by name. One test
//! binary (this directory), so the suite links once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../common/mod.rs"]
mod common;

mod import;
mod matching;
mod mentorships;
mod programme;
mod registry;
mod reports;
mod sessions;

use common::*;
use peerlift_api::pb;

/// The municipality every test works in.
const M: &str = "m";
/// The server's request limit (src/server.rs).
const LIMIT: usize = 16 * 1024 * 1024;
/// A page token no list ever issued.
const JUNK_TOKEN: &str = "zz-not-a-token";

fn mb() -> String {
    "x".repeat(1024 * 1024)
}

/// `bytes` in lower-case hex, as page tokens carry their keys.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Request ids every create refuses, by case name: too long, huge, or with a space, non-ASCII
/// or control characters.
fn bad_request_ids() -> Vec<(&'static str, String)> {
    vec![
        ("129 characters", "r".repeat(129)),
        ("1 MB", mb()),
        ("a space", "req 1".to_string()),
        ("non-ASCII", "запрос-1".to_string()),
        ("NUL", "req\u{0}1".to_string()),
        ("newline", "req\n1".to_string()),
    ]
}

/// Reasons (of a hand-made pair, an end, a cancellation, a missed session) every call refuses,
/// by case name.
fn bad_reasons() -> Vec<(&'static str, String)> {
    vec![
        ("empty", String::new()),
        ("1 MB", mb()),
        ("NUL", "why\0not".to_string()),
    ]
}

/// A municipality `m` with a leader school `lead` (teacher `t1`), a low-results school `low`
/// (teacher `t2`), and the two schools' hand-made partnership (returned).
async fn world(s: &TestServer) -> pb::Mentorship {
    municipality(s, M).await;
    school(s, M, "lead", pb::SchoolStatus::Leader).await;
    school(s, M, "low", pb::SchoolStatus::LowResults).await;
    teacher(s, M, "lead", "t1", &["mathematics"]).await;
    teacher(s, M, "low", "t2", &["mathematics"]).await;
    s.mentorships()
        .create_mentorship(partnership("low", "lead", "set up by the test"))
        .await
        .expect("partnership")
        .into_inner()
}

/// A hand-made partnership of school `mentee` with school `mentor` in `m`.
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

/// A mentor profile of `t1` for mathematics, in person, taking `capacity` mentees.
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
