//! Refusals of the mentorship service: hand-made pairs and partnerships, their end and lock,
//! vetoes and the list of mentorships.

use peerlift_api::pb;
use tonic::Code;

use crate::common::cases::Cases;
use crate::common::*;
use crate::{
    bad_reasons, bad_request_ids, create_profile, mb, partnership, profile, world, JUNK_TOKEN, M,
};

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

/// A hand-made mentorship or a veto of a kind out of range is refused naming `kind` and the
/// value; so are mentorship lists filtered by a kind or status out of range.
#[tokio::test]
async fn mentorship_enum_values_out_of_range_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    world(&s).await;
    let mut c = Cases::new(&s);
    c.refused(
        "hand-made mentorship of kind 99",
        s.mentorships()
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
        s.mentorships()
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
        s.mentorships()
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
        s.mentorships()
            .list_mentorships(pb::ListMentorshipsRequest {
                municipality_id: M.into(),
                status: 99,
                ..Default::default()
            })
            .await,
        &["status"],
    );
    c.finish();
    s.stop().await;
}

/// The reason of a hand-made mentorship, of its end and of a veto must be there, short and
/// free of control characters.
#[tokio::test]
async fn mentorship_and_veto_reasons_must_be_present_short_and_plain() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    let ms = world(&s).await;
    let mut c = Cases::new(&s);
    let big = mb();
    for (case, reason) in bad_reasons() {
        c.invalid(
            &format!("hand-made mentorship reason: {case}"),
            s.mentorships()
                .create_mentorship(partnership("low", "lead", &reason))
                .await,
            &["reason"],
        );
        c.invalid(
            &format!("end of a mentorship, reason: {case}"),
            s.mentorships()
                .end_mentorship(pb::EndMentorshipRequest {
                    municipality_id: M.into(),
                    mentorship_id: ms.id.clone(),
                    reason: reason.clone(),
                    ..Default::default()
                })
                .await,
            &["reason"],
        );
    }
    c.invalid(
        "veto reason: 1 MB",
        s.mentorships()
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
    c.finish();
    s.stop().await;
}

/// Getting, ending or locking an unknown mentorship is NOT_FOUND naming the id; an unknown
/// mentee, mentor or school in a hand-made pair is INVALID_ARGUMENT naming that field.
#[tokio::test]
async fn unknown_mentorships_and_pair_members_are_not_found_or_named() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    world(&s).await;
    let mut c = Cases::new(&s);
    c.not_found(
        "get of an unknown mentorship",
        s.mentorships()
            .get_mentorship(pb::GetMentorshipRequest {
                municipality_id: M.into(),
                mentorship_id: "ms-404".into(),
            })
            .await,
        "ms-404",
    );
    c.not_found(
        "end of an unknown mentorship",
        s.mentorships()
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
        s.mentorships()
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
        s.mentorships()
            .create_mentorship(teacher_pair("ghost", "t1"))
            .await,
        Code::InvalidArgument,
        &["mentee_id"],
        &["ghost"],
    );
    c.refused(
        "teacher pair with an unknown mentor",
        s.mentorships()
            .create_mentorship(teacher_pair("t2", "ghost"))
            .await,
        Code::InvalidArgument,
        &["mentor_id"],
        &["ghost"],
    );
    c.refused(
        "partnership with an unknown school",
        s.mentorships()
            .create_mentorship(partnership("nope", "lead", "why"))
            .await,
        Code::InvalidArgument,
        &["mentee_id"],
        &["nope"],
    );
    c.finish();
    s.stop().await;
}

/// No one mentors themselves: a teacher pair, a school partnership, a school direction or a
/// veto of one with itself is refused naming `mentor_id`.
#[tokio::test]
async fn a_mentorship_or_veto_of_one_with_itself_is_refused() {
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
        s.mentorships()
            .create_mentorship(teacher_pair("t1", "t1"))
            .await,
        &["mentor_id"],
    );
    c.invalid(
        "school partnership: a school with itself",
        s.mentorships()
            .create_mentorship(partnership("low", "low", "why"))
            .await,
        &["mentor_id"],
    );
    c.invalid(
        "school directions: a leader with itself",
        s.mentorships()
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
        s.mentorships()
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

/// The mentorship list refuses a page token it did not issue, and CreateMentorship a malformed
/// request id.
#[tokio::test]
async fn malformed_mentorship_page_tokens_and_request_ids_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    world(&s).await;
    // A school to pair with `lead`, so only the request id is wrong.
    school(&s, M, "s1", pb::SchoolStatus::Stable).await;
    let mut c = Cases::new(&s);
    c.invalid(
        "mentorship list, junk token",
        s.mentorships()
            .list_mentorships(pb::ListMentorshipsRequest {
                municipality_id: M.into(),
                page_token: JUNK_TOKEN.into(),
                ..Default::default()
            })
            .await,
        &["page_token"],
    );
    for (case, rid) in bad_request_ids() {
        c.invalid(
            &format!("create mentorship, request id: {case}"),
            s.mentorships()
                .create_mentorship(pb::CreateMentorshipRequest {
                    request_id: rid.clone(),
                    ..partnership("s1", "lead", "why")
                })
                .await,
            &["request_id"],
        );
    }
    c.finish();
    s.stop().await;
}
