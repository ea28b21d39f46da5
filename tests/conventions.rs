//! What an integrator used to Google's API conventions expects: reflection that carries the
//! protos' comments and the error detail types, refusals with machine-readable details.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use peerlift::client::Bearer;
use peerlift_api::auth::Caller;
use peerlift_api::pb;
use peerlift_api::services::access::{create_token, NewToken};
use peerlift_domain::access::Role;
use prost::Message;
use tonic::service::interceptor::InterceptedService;
use tonic::Code;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_types::StatusExt;

/// The descriptors of the file defining `symbol`, as reflection serves them.
async fn file_of(s: &TestServer, symbol: &str) -> Option<Vec<prost_types::FileDescriptorProto>> {
    let ask = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::FileContainingSymbol(symbol.into())),
    };
    let mut stream = s
        .reflection()
        .server_reflection_info(tokio_stream::iter(vec![ask]))
        .await
        .unwrap()
        .into_inner();
    let answer = stream.message().await.ok()??;
    match answer.message_response? {
        MessageResponse::FileDescriptorResponse(f) => Some(
            f.file_descriptor_proto
                .iter()
                .map(|b| prost_types::FileDescriptorProto::decode(b.as_slice()).unwrap())
                .collect(),
        ),
        _ => None,
    }
}

/// A client built from reflection alone sees the protos' comments (units, formats) and can
/// decode every error detail the API sends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflection_carries_comments_and_error_details() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    let files = file_of(&s, "peerlift.v1.RematchService").await.unwrap();
    let rematch = files
        .iter()
        .find(|f| f.name() == "peerlift/v1/rematch_service.proto")
        .expect("the service's own file");
    let comments: Vec<&str> = rematch
        .source_code_info
        .as_ref()
        .map(|i| {
            i.location
                .iter()
                .map(|l| l.leading_comments())
                .filter(|c| !c.is_empty())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        comments.iter().any(|c| c.contains("Cron expression")),
        "no comments in reflection: {comments:?}"
    );
    for detail in [
        "google.rpc.BadRequest",
        "google.rpc.ErrorInfo",
        "google.rpc.PreconditionFailure",
    ] {
        assert!(
            file_of(&s, detail).await.is_some(),
            "{detail} is not served"
        );
    }
    s.stop().await;
}

/// An unknown name gets an `error_response` and the stream goes on answering: a client
/// exploring the API by reflection does not lose its stream to one wrong name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflection_answers_unknown_names_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    let ask = |m: MessageRequest| ServerReflectionRequest {
        host: String::new(),
        message_request: Some(m),
    };
    let mut stream = s
        .reflection()
        .server_reflection_info(tokio_stream::iter(vec![
            ask(MessageRequest::FileContainingSymbol(
                "peerlift.v1.Nope".into(),
            )),
            ask(MessageRequest::FileByFilename("no/such.proto".into())),
            ask(MessageRequest::FileContainingSymbol(
                "peerlift.v1.SchoolService.GetSchool".into(),
            )),
        ]))
        .await
        .unwrap()
        .into_inner();
    for expected_missing in ["peerlift.v1.Nope", "no/such.proto"] {
        let r = stream.message().await.unwrap().unwrap();
        match r.message_response {
            Some(MessageResponse::ErrorResponse(e)) => {
                assert_eq!(e.error_code, Code::NotFound as i32);
                assert!(e.error_message.contains(expected_missing), "{e:?}");
            }
            other => panic!("expected an error_response, got {other:?}"),
        }
    }
    let r = stream.message().await.unwrap().unwrap();
    let Some(MessageResponse::FileDescriptorResponse(files)) = r.message_response else {
        panic!("the stream stopped answering after an unknown name");
    };
    // The file and its imports: enough to build a client from one answer.
    let names: Vec<String> = files
        .file_descriptor_proto
        .iter()
        .map(|b| {
            prost_types::FileDescriptorProto::decode(b.as_slice())
                .unwrap()
                .name()
                .to_string()
        })
        .collect();
    assert!(
        names.contains(&"peerlift/v1/school_service.proto".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"peerlift/v1/resources.proto".to_string()),
        "{names:?}"
    );
    s.stop().await;
}

/// Refusals say, in details a program reads, why: the grant an integration lacks, a scope
/// left, a state that forbids the call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_carry_machine_readable_details() {
    let dir = tempfile::tempdir().unwrap();
    let s = kirovsky_server(dir.path()).await;
    // A school with teachers cannot be deleted: a precondition, with its details.
    let err = s
        .schools()
        .delete_school(pb::DeleteSchoolRequest {
            municipality_id: "kirovsky".into(),
            school_id: "putilovo-oosh".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition, "{err:?}");
    let pf = err
        .get_details_precondition_failure()
        .expect("PreconditionFailure");
    assert_eq!(pf.violations.len(), 1);
    assert!(!pf.violations[0].description.is_empty());
    s.stop().await;

    let store = peerlift_store::Store::open(dir.path()).unwrap();
    let new = NewToken::parse(
        Some(Role::Integration),
        "municipality:kirovsky",
        &["sessions:write".to_string()],
        "attendance",
        0,
    )
    .unwrap();
    let (_, secret) = create_token(
        &store,
        &Caller::system("bootstrap"),
        new,
        [3u8; 32],
        jiff::Timestamp::now(),
    )
    .unwrap();
    store.flush().unwrap();
    drop(store);
    let s = TestServer::start_with(dir.path(), |c| peerlift::config::Config {
        insecure_no_auth: false,
        ..c
    })
    .await;
    let conn = InterceptedService::new(s.channel.clone(), Bearer::new(&secret).unwrap());
    let err = pb::school_service_client::SchoolServiceClient::new(conn.clone())
        .create_school(pb::CreateSchoolRequest {
            municipality_id: "kirovsky".into(),
            school: Some(school_msg("new", pb::SchoolStatus::Stable)),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    assert!(
        err.message().starts_with("an integration token"),
        "{}",
        err.message()
    );
    let info = err.get_details_error_info().expect("ErrorInfo");
    assert_eq!(info.reason, "GRANT_MISSING");
    assert_eq!(info.domain, "peerlift");
    assert_eq!(
        info.metadata.get("missing_grant").map(String::as_str),
        Some("schools:write")
    );
    // Outside its scope: another reason, same code.
    let err = pb::session_service_client::SessionServiceClient::new(conn)
        .list_sessions(pb::ListSessionsRequest {
            municipality_id: "elsewhere".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    assert_eq!(
        err.get_details_error_info().expect("ErrorInfo").reason,
        "OUTSIDE_SCOPE"
    );
    s.stop().await;
}

/// Page tokens are opaque (nothing of the store's keys shows) and bound to the filters that
/// issued them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_tokens_are_opaque_and_bound_to_their_filters() {
    let dir = tempfile::tempdir().unwrap();
    let s = kirovsky_server(dir.path()).await;
    let list = |subject: &str, token: &str| pb::ListTeachersRequest {
        municipality_id: "kirovsky".into(),
        subject: subject.into(),
        page_size: 3,
        page_token: token.into(),
        ..Default::default()
    };
    let first = s
        .teachers()
        .list_teachers(list("mathematics", ""))
        .await
        .unwrap()
        .into_inner();
    let token = first.next_page_token;
    assert!(!token.is_empty());
    let kirovsky_hex: String = "kirovsky".bytes().map(|b| format!("{b:02x}")).collect();
    assert!(
        !token.contains(&kirovsky_hex),
        "the token shows a store key: {token}"
    );
    let next = s
        .teachers()
        .list_teachers(list("mathematics", &token))
        .await
        .unwrap()
        .into_inner();
    assert!(next
        .teachers
        .iter()
        .all(|t| !first.teachers.iter().any(|f| f.id == t.id)));
    let err = s
        .teachers()
        .list_teachers(list("history", &token))
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&err), ["page_token"], "{err:?}");
    s.stop().await;
}

/// One sign convention: costs are positive weights the scorer subtracts; a negative cost, as
/// a reader of an explanation's "-8" might send, is refused with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn costs_are_positive_weights_and_negative_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = kirovsky_server(dir.path()).await;
    let run = |w: pb::Weights| pb::RunMatchingRequest {
        municipality_id: "kirovsky".into(),
        kind: pb::MatchKind::TeacherPairs as i32,
        weights: Some(w),
        dry_run: true,
        ..Default::default()
    };
    let err = s
        .matching()
        .run_matching(run(pb::Weights {
            travel_per_km: Some(-8),
            online_penalty: Some(-150),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(
        bad_fields(&err),
        ["weights.travel_per_km", "weights.online_penalty"],
        "{err:?}"
    );
    let ok = s
        .matching()
        .run_matching(run(pb::Weights::default()))
        .await
        .unwrap()
        .into_inner()
        .run
        .unwrap();
    let used = ok.weights.unwrap();
    assert_eq!(
        (used.travel_per_km, used.online_penalty),
        (Some(8), Some(150))
    );
    s.stop().await;
}

/// Explanations in answers are said in the caller's language (`accept-language`), English
/// without one; score terms keep a stable code in every language; the stored run is the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explanations_speak_the_callers_language() {
    let dir = tempfile::tempdir().unwrap();
    let s = kirovsky_server(dir.path()).await;
    let stored = s
        .matching()
        .run_matching(pb::RunMatchingRequest {
            municipality_id: "kirovsky".into(),
            kind: pb::MatchKind::TeacherPairs as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .run
        .unwrap();
    let get = |lang: Option<&'static str>| {
        let mut req = tonic::Request::new(pb::GetMatchRunRequest {
            municipality_id: "kirovsky".into(),
            run_id: stored.id.clone(),
        });
        if let Some(l) = lang {
            req.metadata_mut()
                .insert("accept-language", l.parse().unwrap());
        }
        let mut c = s.matching();
        async move { c.get_match_run(req).await.unwrap().into_inner() }
    };
    let (en, ru, ru_first) = (
        get(None).await,
        get(Some("ru")).await,
        get(Some("de, ru-RU;q=0.9, en;q=0.5")).await,
    );
    let statement = |r: &pb::MatchRun| r.certificate.clone().unwrap().statement;
    assert!(statement(&en).starts_with("optimal:"), "{}", statement(&en));
    assert!(
        statement(&ru).starts_with("оптимально:"),
        "{}",
        statement(&ru)
    );
    assert_eq!(statement(&ru), statement(&ru_first));
    let terms = |r: &pb::MatchRun| r.pairs[0].terms.clone();
    let (te, tr) = (terms(&en), terms(&ru));
    assert_eq!(
        te.iter().map(|t| (&t.code, t.points)).collect::<Vec<_>>(),
        tr.iter().map(|t| (&t.code, t.points)).collect::<Vec<_>>()
    );
    assert!(
        te.iter()
            .any(|t| t.code == "severity" && t.name.starts_with("severity (")),
        "{te:?}"
    );
    assert!(
        tr.iter()
            .any(|t| t.code == "severity" && t.name.starts_with("острота дефицита")),
        "{tr:?}"
    );
    // The reasons of unmatched demands, too.
    let why = |r: &pb::MatchRun| {
        r.unmatched
            .iter()
            .map(|u| u.no_candidate_reason.clone())
            .find(|w| !w.is_empty())
            .unwrap_or_default()
    };
    if !why(&en).is_empty() {
        assert!(
            why(&ru).chars().any(|c| ('а'..='я').contains(&c)),
            "{}",
            why(&ru)
        );
        assert_ne!(why(&en), why(&ru));
    }
    // The built-in catalogue: named in the caller's language, with both names.
    let mut req = tonic::Request::new(pb::ListCatalogRequest {
        municipality_id: "kirovsky".into(),
        kind: pb::CatalogKind::Subject as i32,
    });
    req.metadata_mut()
        .insert("accept-language", "ru-RU".parse().unwrap());
    let entries = s
        .catalog()
        .list_catalog(req)
        .await
        .unwrap()
        .into_inner()
        .entries;
    let maths = entries.iter().find(|e| e.code == "mathematics").unwrap();
    assert!(maths.builtin);
    assert_eq!(maths.name, "Математика");
    assert_eq!(
        maths.names.get("en").map(String::as_str),
        Some("Mathematics")
    );
    assert_eq!(
        maths.names.get("ru").map(String::as_str),
        Some("Математика")
    );
    s.stop().await;
}

/// Every violation a request has, in one answer: a mentor profile with five problems names
/// all five; a teacher with no name and an unknown school names both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_violation_in_one_answer() {
    let dir = tempfile::tempdir().unwrap();
    let s = kirovsky_server(dir.path()).await;
    let err = s
        .profiles()
        .create_mentor_profile(pb::CreateMentorProfileRequest {
            municipality_id: "kirovsky".into(),
            mentor_profile: Some(pb::MentorProfile {
                teacher_id: "putilovo-oosh-t001".into(),
                subjects: vec!["astrology".into()],
                capacity: 99,
                modes: vec![],
                availability: vec![
                    pb::AvailabilityWindow {
                        weekday: 0,
                        start_minute: 600,
                        end_minute: 660,
                    },
                    pb::AvailabilityWindow {
                        weekday: pb::Weekday::Tuesday as i32,
                        start_minute: 900,
                        end_minute: 840,
                    },
                ],
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    let mut fields = bad_fields(&err);
    fields.sort();
    assert_eq!(
        fields,
        [
            "mentor_profile.availability[0].weekday",
            "mentor_profile.availability[1]",
            "mentor_profile.capacity",
            "mentor_profile.modes",
            "mentor_profile.subjects[0]",
        ],
        "{err:?}"
    );
    let err = s
        .teachers()
        .create_teacher(pb::CreateTeacherRequest {
            municipality_id: "kirovsky".into(),
            teacher: Some(pb::Teacher {
                id: "t-new".into(),
                school_id: "no-such-school".into(),
                full_name: String::new(),
                subjects: vec!["mathematics".into()],
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    let mut fields = bad_fields(&err);
    fields.sort();
    assert_eq!(
        fields,
        ["teacher.full_name", "teacher.school_id"],
        "{err:?}"
    );
    s.stop().await;
}

/// `update_mask` (AIP-134): only the named fields change; without a mask an update still
/// replaces the whole resource; a path the update may not change is named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_take_a_field_mask() {
    let dir = tempfile::tempdir().unwrap();
    let s = kirovsky_server(dir.path()).await;
    let id = "putilovo-oosh-t001";
    let before = s
        .teachers()
        .get_teacher(pb::GetTeacherRequest {
            municipality_id: "kirovsky".into(),
            teacher_id: id.into(),
        })
        .await
        .unwrap()
        .into_inner();
    let update = |paths: &[&str]| pb::UpdateTeacherRequest {
        municipality_id: "kirovsky".into(),
        teacher: Some(pb::Teacher {
            id: id.into(),
            full_name: "Иванова Мария Петровна".into(),
            ..Default::default()
        }),
        request_id: String::new(),
        update_mask: (!paths.is_empty()).then(|| prost_types::FieldMask {
            paths: paths.iter().map(|p| p.to_string()).collect(),
        }),
    };
    let after = s
        .teachers()
        .update_teacher(update(&["full_name"]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after.full_name, "Иванова Мария Петровна");
    assert_eq!(
        (&after.school_id, &after.subjects, after.active),
        (&before.school_id, &before.subjects, before.active)
    );
    // Without a mask: the whole resource, as before.
    let err = s.teachers().update_teacher(update(&[])).await.unwrap_err();
    assert!(
        bad_fields(&err).contains(&"teacher.school_id".to_string()),
        "{err:?}"
    );
    let err = s
        .teachers()
        .update_teacher(update(&["full_name", "id"]))
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&err), ["update_mask.paths[1]"], "{err:?}");
    // The singletons too: a policy's `enabled` alone, its schedule and kinds kept.
    let mut rematch = s.rematch();
    let before = change_rematch_policy(&mut rematch, "kirovsky", |p| {
        p.schedule = "30 3 * * *".into();
    })
    .await;
    let after = rematch
        .update_rematch_policy(pb::UpdateRematchPolicyRequest {
            policy: Some(pb::RematchPolicy {
                municipality_id: "kirovsky".into(),
                enabled: true,
                ..Default::default()
            }),
            request_id: String::new(),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["enabled".into()],
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(after.enabled);
    assert_eq!(
        (&after.schedule, &after.kinds),
        (&before.schedule, &before.kinds)
    );
    s.stop().await;
}
