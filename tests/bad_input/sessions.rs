//! Refusals of the session service: sessions (booked, recorded, cancelled, listed), the
//! schedule settings, and schedule proposals and their acceptance.

use peerlift_api::pb;
use tonic::Code;

use crate::common::cases::Cases;
use crate::common::*;
use crate::{bad_reasons, bad_request_ids, hex, mb, world, JUNK_TOKEN, M};

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

fn list_sessions(from: &str, to: &str) -> pb::ListSessionsRequest {
    pb::ListSessionsRequest {
        municipality_id: M.into(),
        from: from.into(),
        to: to.into(),
        ..Default::default()
    }
}

/// Books `session(ms)`: the planned session the cases record, cancel and rate.
async fn plan(s: &TestServer, ms: &pb::Mentorship) -> pb::Session {
    s.sessions()
        .create_session(create_session(session(&ms.id)))
        .await
        .unwrap()
        .into_inner()
}

/// A session kind or mode out of range, a recorded outcome that is not one, a list filtered by
/// a status out of range, and schedule frequencies of a form or session kind out of range are
/// refused naming the field.
#[tokio::test]
async fn session_and_schedule_enum_values_out_of_range_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    let ms = world(&s).await;
    let planned = plan(&s, &ms).await;
    let mut c = Cases::new(&s);
    c.invalid(
        "session kind 99 and mode 99",
        s.sessions()
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
            s.sessions()
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
        s.sessions()
            .list_sessions(pb::ListSessionsRequest {
                status: 99,
                ..list_sessions("", "")
            })
            .await,
        &["status"],
    );
    c.invalid(
        "schedule frequency of form 99 and session kind 99",
        s.sessions()
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
                update_mask: None,
            })
            .await,
        &[
            "settings.frequencies[0].form",
            "settings.frequencies[0].session_kind",
        ],
    );
    c.finish();
    s.stop().await;
}

/// The reasons of a cancelled or missed session must be there, short and free of control
/// characters; a session's place, materials, start, mentees, topics and mentorship, and the
/// feedback on it, are refused when empty or 1 MB long, naming the field.
#[tokio::test]
async fn session_texts_must_be_present_short_and_plain() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    let ms = world(&s).await;
    let planned = plan(&s, &ms).await;
    let mut c = Cases::new(&s);
    let big = mb();
    for (case, reason) in bad_reasons() {
        c.invalid(
            &format!("cancelled session, reason: {case}"),
            s.sessions()
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
            s.sessions()
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
    let ses = |f: &dyn Fn(&mut pb::Session)| {
        let mut x = session(&ms.id);
        f(&mut x);
        create_session(x)
    };
    c.invalid(
        "session place: 1 MB",
        s.sessions()
            .create_session(ses(&|x| x.place = big.clone()))
            .await,
        &["session.place"],
    );
    c.invalid(
        "session material: 1 MB",
        s.sessions()
            .create_session(ses(&|x| x.materials = vec![big.clone()]))
            .await,
        &["session.materials[0]"],
    );
    c.invalid(
        "session start: 1 MB",
        s.sessions()
            .create_session(ses(&|x| x.start = big.clone()))
            .await,
        &["session.start"],
    );
    c.invalid(
        "session start: empty",
        s.sessions()
            .create_session(ses(&|x| x.start = String::new()))
            .await,
        &["session.start"],
    );
    c.invalid(
        "session mentee: 1 MB",
        s.sessions()
            .create_session(ses(&|x| x.mentee_ids = vec![big.clone()]))
            .await,
        &["session.mentee_ids[0]"],
    );
    c.invalid(
        "session topic: 1 MB",
        s.sessions()
            .create_session(ses(&|x| x.topics = vec![big.clone()]))
            .await,
        &["session.topics[0]"],
    );
    c.invalid(
        "session mentorship id: empty",
        s.sessions()
            .create_session(ses(&|x| x.mentorship_id = String::new()))
            .await,
        &["session.mentorship_id"],
    );
    c.invalid(
        "feedback rating 9 with a 1 MB comment",
        s.sessions()
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
    c.finish();
    s.stop().await;
}

/// A session of an unknown mentorship, an unknown session, the sessions of an unknown
/// municipality and an unknown schedule proposal are NOT_FOUND naming the id; an unknown school
/// inside a session is INVALID_ARGUMENT naming `session.school_id`.
#[tokio::test]
async fn unknown_sessions_mentorships_and_proposals_are_not_found_or_named() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    let ms = world(&s).await;
    let mut c = Cases::new(&s);
    c.not_found(
        "session of an unknown mentorship",
        s.sessions()
            .create_session(create_session(session("ms-404")))
            .await,
        "ms-404",
    );
    c.refused(
        "session at an unknown school",
        s.sessions()
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
            s.sessions()
                .get_session(pb::GetSessionRequest {
                    municipality_id: M.into(),
                    session_id: id.into(),
                })
                .await,
            id,
        );
        c.not_found(
            "cancel of an unknown session",
            s.sessions()
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
        s.sessions()
            .list_sessions(pb::ListSessionsRequest {
                municipality_id: "atlantis".into(),
                ..Default::default()
            })
            .await,
        "atlantis",
    );
    c.not_found(
        "acceptance of an unknown schedule proposal",
        s.sessions()
            .accept_schedule(pb::AcceptScheduleRequest {
                municipality_id: M.into(),
                proposal_id: "sp-404".into(),
                ..Default::default()
            })
            .await,
        "sp-404",
    );
    c.finish();
    s.stop().await;
}

/// Absurd sizes are refused naming the field: page sizes, proposals of too many weeks or
/// sessions a week, travel speeds, methodical days past the end of the day, sessions of
/// hours on end, feedback ratings and proposal items beyond the proposal.
#[tokio::test]
async fn absurd_session_and_schedule_sizes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    let ms = world(&s).await;
    let planned = plan(&s, &ms).await;
    let proposal = s
        .sessions()
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

    for size in [-1, 1001, i32::MIN, i32::MAX] {
        c.invalid(
            &format!("session page size {size}"),
            s.sessions()
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
            s.sessions()
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
        s.sessions()
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
            update_mask: None,
        }
    };
    c.invalid(
        "travel speed 4294967295 km/h",
        s.sessions()
            .update_schedule_settings(settings(&|x| x.travel_speed_kmh = u32::MAX))
            .await,
        &["settings.travel_speed_kmh"],
    );
    c.invalid(
        "methodical day starting at minute 5000",
        s.sessions()
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
    for d in [70_000, 1_000] {
        c.invalid(
            &format!("session of {d} minutes"),
            s.sessions()
                .create_session(create_session(pb::Session {
                    duration_minutes: d,
                    ..session(&ms.id)
                }))
                .await,
            &["session.duration_minutes"],
        );
    }
    c.invalid(
        "feedback rating 4294967295",
        s.sessions()
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
        s.sessions()
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

/// A session list whose end comes before its start or whose dates do not exist is refused; so
/// are a session running past midnight or starting before its mentorship began or at a time
/// that is not a local minute, a proposal whose horizon runs past the year 9999, and a
/// non-working day that does not exist.
#[tokio::test]
async fn session_dates_out_of_order_or_impossible_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    let ms = world(&s).await;
    let mut c = Cases::new(&s);

    // Ranges [from, to) whose end is before their start.
    c.refused(
        "session list from after to",
        s.sessions()
            .list_sessions(list_sessions("2023-02-01", "2023-01-01"))
            .await,
        Code::InvalidArgument,
        &["to"],
        &["2023-02-01", "2023-01-01"],
    );
    c.invalid(
        "session list from an impossible date",
        s.sessions()
            .list_sessions(list_sessions("2023-13-01", "yesterday"))
            .await,
        &["from", "to"],
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
        s.sessions()
            .create_session(ses("2099-01-15T23:30", 60))
            .await,
        &["session.duration_minutes"],
    );
    c.invalid(
        "session before its mentorship began",
        s.sessions()
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
            s.sessions().create_session(ses(start, 60)).await,
            &["session.start"],
        );
    }
    c.invalid(
        "a proposal whose horizon runs past the year 9999",
        s.sessions()
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
        "non-working day 2023-13-45",
        s.sessions()
            .update_schedule_settings(pb::UpdateScheduleSettingsRequest {
                settings: Some(pb::ScheduleSettings {
                    municipality_id: M.into(),
                    non_working_days: vec!["2023-13-45".into()],
                    ..Default::default()
                }),
                request_id: String::new(),
                update_mask: None,
            })
            .await,
        &["settings.non_working_days[0]"],
    );
    c.finish();
    s.stop().await;
}

/// The session list refuses a page token it did not issue (another walk's among them), and
/// CreateSession a malformed request id.
#[tokio::test]
async fn malformed_session_page_tokens_and_request_ids_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    let ms = world(&s).await;
    let mut c = Cases::new(&s);
    c.invalid(
        "session list, junk token",
        s.sessions()
            .list_sessions(pb::ListSessionsRequest {
                page_token: JUNK_TOKEN.into(),
                ..list_sessions("", "")
            })
            .await,
        &["page_token"],
    );
    c.invalid(
        "session list by mentorship, a token of the whole list",
        s.sessions()
            .list_sessions(pb::ListSessionsRequest {
                mentorship_id: ms.id.clone(),
                page_token: format!("04{}", hex(b"m\0")),
                ..list_sessions("", "")
            })
            .await,
        &["page_token"],
    );
    for (case, rid) in bad_request_ids() {
        c.invalid(
            &format!("create session, request id: {case}"),
            s.sessions()
                .create_session(pb::CreateSessionRequest {
                    request_id: rid.clone(),
                    ..create_session(session(&ms.id))
                })
                .await,
            &["request_id"],
        );
    }
    c.finish();
    s.stop().await;
}
