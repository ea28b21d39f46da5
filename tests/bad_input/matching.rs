//! Refusals of the matching service: match kinds, policies and weights of a run, and the
//! approval, rejection and listing of runs.

use peerlift_api::pb;
use tonic::Code;

use crate::common::cases::Cases;
use crate::common::*;
use crate::{bad_request_ids, mb, world, M};

fn run_request(kind: pb::MatchKind) -> pb::RunMatchingRequest {
    pb::RunMatchingRequest {
        municipality_id: M.into(),
        kind: kind as i32,
        ..Default::default()
    }
}

/// A match kind out of range or unset, policy levels and group capacities out of range, and run
/// lists filtered by a kind or status out of range are refused naming the field.
#[tokio::test]
async fn match_enum_values_out_of_range_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    world(&s).await;
    let mut c = Cases::new(&s);
    c.refused(
        "match kind 99",
        s.matching()
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
        s.matching()
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
        s.matching()
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
        s.matching()
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
        s.matching()
            .list_match_runs(pb::ListMatchRunsRequest {
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

/// A 1 MB note on the approval or the rejection of a run is refused naming `note`.
#[tokio::test]
async fn approval_and_rejection_notes_of_1_mb_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    world(&s).await;
    let run = s
        .matching()
        .run_matching(run_request(pb::MatchKind::SchoolPartnerships))
        .await
        .unwrap()
        .into_inner()
        .run
        .unwrap();
    let mut c = Cases::new(&s);
    let big = mb();
    c.invalid(
        "approval note: 1 MB",
        s.matching()
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
        s.matching()
            .reject_match_run(pb::RejectMatchRunRequest {
                municipality_id: M.into(),
                run_id: run.id.clone(),
                note: big.clone(),
                request_id: String::new(),
            })
            .await,
        &["note"],
    );
    c.finish();
    s.stop().await;
}

/// Approving or rejecting an unknown run, and matching in an unknown municipality, are
/// NOT_FOUND naming the id.
#[tokio::test]
async fn unknown_runs_and_municipalities_are_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    world(&s).await;
    let mut c = Cases::new(&s);
    c.not_found(
        "approval of an unknown run",
        s.matching()
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
        s.matching()
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
        s.matching()
            .run_matching(pb::RunMatchingRequest {
                municipality_id: "atlantis".into(),
                ..run_request(pb::MatchKind::TeacherPairs)
            })
            .await,
        "atlantis",
    );
    c.finish();
    s.stop().await;
}

/// Absurd policies (candidate counts, capacities, travel limits, group sizes out of order,
/// strengths over 100%) and weights beyond a million either way are refused naming the field.
#[tokio::test]
async fn absurd_policies_and_weights_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    world(&s).await;
    let mut c = Cases::new(&s);
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
            s.matching().run_matching(policy(p)).await,
            &[field],
        );
    }
    for w in [i64::MIN, -1_000_001, i64::MAX] {
        c.invalid(
            &format!("weight {w}"),
            s.matching()
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
    c.finish();
    s.stop().await;
}

/// An approval that would end a mentorship before it began, or as of a day that does not
/// exist, is refused naming `effective_date`; on the day the mentorship began it goes through.
#[tokio::test]
async fn an_approval_may_not_end_a_mentorship_before_it_began() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    let ms = world(&s).await;

    // A mentorship's end before its start: the leader takes no partner any more, so a run ends
    // the partnership; approving it as of a date before the partnership began is refused.
    s.schools()
        .update_school(pb::UpdateSchoolRequest {
            municipality_id: M.into(),
            school: Some(pb::School {
                partner_capacity: Some(0),
                ..school_msg("lead", pb::SchoolStatus::Leader)
            }),
            request_id: String::new(),
            update_mask: None,
        })
        .await
        .unwrap();
    let run = s
        .matching()
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
        s.matching()
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
        s.matching()
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
    let approved = s
        .matching()
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

/// A run list refuses a page token it did not issue, and RunMatching a malformed request id.
#[tokio::test]
async fn malformed_run_page_tokens_and_request_ids_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    world(&s).await;
    let mut c = Cases::new(&s);
    c.invalid(
        "match run list, unknown run as token",
        s.matching()
            .list_match_runs(pb::ListMatchRunsRequest {
                municipality_id: M.into(),
                page_token: "run-404".into(),
                ..Default::default()
            })
            .await,
        &["page_token"],
    );
    for (case, rid) in bad_request_ids() {
        c.invalid(
            &format!("run matching, request id: {case}"),
            s.matching()
                .run_matching(pb::RunMatchingRequest {
                    request_id: rid.clone(),
                    ..run_request(pb::MatchKind::SchoolPartnerships)
                })
                .await,
            &["request_id"],
        );
    }
    c.finish();
    s.stop().await;
}
