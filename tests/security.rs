//! What an adversarial trial broke, each as a specification: an import held to the grants of
//! the calls it stands for, a municipality's region an admin's to change, no id that reads as
//! a scope, region writes in their members' audit logs, region tokens on their own region,
//! revocation at once for open streams, shutdown not held by health watchers, unreadable
//! requests the caller's fault, and the bounds every list and id must keep.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use peerlift::client::{Bearer, Conn};
use peerlift_api::auth::Caller;
use peerlift_api::pb;
use peerlift_api::services::access::{create_token, NewToken};
use peerlift_domain::access::Role;
use tonic::service::interceptor::InterceptedService;
use tonic::Code;

const M: &str = "kirovsky";
const M2: &str = "kirovsky-b";
const REGION: &str = "Leningrad region";

fn conn(s: &TestServer, secret: &str) -> Conn {
    InterceptedService::new(s.channel.clone(), Bearer::new(secret).unwrap())
}

/// The example imported as M and, with its own id, as M2 (same region); then an admin token
/// made on the store and a server with auth on.
async fn region_of_two(dir: &std::path::Path) -> (TestServer, Conn) {
    let s = TestServer::start_in(dir).await;
    import_files(&s, M, true, false, example_files())
        .await
        .unwrap();
    let mut second = example_files();
    second[0].2 = String::from_utf8(second[0].2.clone())
        .unwrap()
        .replace("kirovsky,", &format!("{M2},"))
        .into_bytes();
    import_files(&s, M2, true, false, second).await.unwrap();
    s.stop().await;
    let store = peerlift_store::Store::open(dir).unwrap();
    let (_, admin) = create_token(
        &store,
        &Caller::system("bootstrap"),
        NewToken::parse(Some(Role::Admin), "all", &[], "admin", 0).unwrap(),
        [9u8; 32],
        jiff::Timestamp::now(),
    )
    .unwrap();
    store.flush().unwrap();
    drop(store);
    let s = TestServer::start_with(dir, |c| peerlift::config::Config {
        insecure_no_auth: false,
        rate_limit_per_token: 0.0,
        scheduler: false,
        ..c
    })
    .await;
    let admin = conn(&s, &admin);
    (s, admin)
}

async fn token(
    admin: &Conn,
    role: pb::Role,
    scope: &str,
    grants: &[&str],
) -> Result<(String, String), tonic::Status> {
    let out = pb::token_service_client::TokenServiceClient::new(admin.clone())
        .create_token(pb::CreateTokenRequest {
            role: role as i32,
            scope: scope.into(),
            grants: grants.iter().map(|g| g.to_string()).collect(),
            label: format!("security {scope}"),
            expires_in_days: 0,
        })
        .await?
        .into_inner();
    Ok((out.token.unwrap().id, out.secret))
}

async fn import_as(
    c: &Conn,
    municipality: &str,
    files: Vec<ImportFile>,
) -> Result<pb::ImportReport, tonic::Status> {
    let mut msgs = vec![pb::ImportRequest {
        item: Some(pb::import_request::Item::Start(pb::ImportStart {
            municipality_id: municipality.into(),
            strict: false,
            dry_run: false,
            ..Default::default()
        })),
    }];
    for (kind, name, data) in files {
        msgs.push(pb::ImportRequest {
            item: Some(pb::import_request::Item::Chunk(pb::ImportChunk {
                kind: kind as i32,
                file_name: name,
                data,
            })),
        });
    }
    pb::import_service_client::ImportServiceClient::new(c.clone())
        .import(tokio_stream::iter(msgs))
        .await
        .map(|r| r.into_inner())
}

fn municipality_csv(id: &str, region: &str) -> ImportFile {
    (
        pb::ImportFileKind::Municipality,
        "municipality.csv".into(),
        format!("id,name,region,time_zone\n{id},Renamed,{region},Asia/Tokyo\n").into_bytes(),
    )
}

fn schools_csv(rows: &str) -> ImportFile {
    let header = String::from_utf8(example_files()[1].2.clone())
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    (
        pb::ImportFileKind::Schools,
        "schools.csv".into(),
        format!("{header}\n{rows}\n").into_bytes(),
    )
}

/// A school row with every column after `kind` empty but the status and the platforms.
fn school_row(id: &str, platforms: &str) -> String {
    // id,name,kind,status,status_since,locality,lat,lon,flags,programme_tags,partner_capacity,
    // platforms, then ten risk columns.
    format!("{id},New school,sosh,leader,2020-09-01,Kirovsk,,,,,,{platforms},,,,,,,,,,")
}

async fn update_municipality(
    c: &Conn,
    m: pb::Municipality,
) -> Result<pb::Municipality, tonic::Status> {
    pb::municipality_service_client::MunicipalityServiceClient::new(c.clone())
        .update_municipality(pb::UpdateMunicipalityRequest {
            municipality: Some(m),
            request_id: String::new(),
            update_mask: None,
        })
        .await
        .map(|r| r.into_inner())
}

async fn municipality_of(c: &Conn, id: &str) -> pb::Municipality {
    pb::municipality_service_client::MunicipalityServiceClient::new(c.clone())
        .get_municipality(pb::GetMunicipalityRequest {
            municipality_id: id.into(),
        })
        .await
        .unwrap()
        .into_inner()
}

/// Defects 1 and 2: an import writes only what the equivalent single calls may; a
/// municipality's region is an admin's to change, by call and by import.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_is_held_to_the_grants_of_the_calls_it_stands_for() {
    let dir = tempfile::tempdir().unwrap();
    let (s, admin) = region_of_two(dir.path()).await;

    // An integration granted only import:write.
    let (_, only_import) = token(
        &admin,
        pb::Role::Integration,
        &format!("municipality:{M}"),
        &["import:write"],
    )
    .await
    .unwrap();
    let integ = conn(&s, &only_import);
    let before = s.snapshot();
    for files in [
        vec![municipality_csv(M, "Another region")],
        vec![schools_csv(&school_row("new-school", ""))],
    ] {
        let err = import_as(&integ, M, files).await.unwrap_err();
        assert_eq!(err.code(), Code::PermissionDenied, "{err:?}");
        assert!(err.message().contains(":write grant"), "{}", err.message());
    }
    // The same token's single calls are refused too: the import is held to them.
    let err = pb::school_service_client::SchoolServiceClient::new(integ.clone())
        .create_school(pb::CreateSchoolRequest {
            municipality_id: M.into(),
            school: Some(school_msg("new-school", pb::SchoolStatus::Leader)),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    assert!(s.snapshot() == before, "a refused import wrote something");

    // Granted schools:write as well, the schools file goes in.
    let (_, with_schools) = token(
        &admin,
        pb::Role::Integration,
        &format!("municipality:{M}"),
        &["import:write", "schools:write"],
    )
    .await
    .unwrap();
    let report = import_as(
        &conn(&s, &with_schools),
        M,
        vec![schools_csv(&school_row("new-school", ""))],
    )
    .await
    .unwrap();
    assert_eq!(report.total.unwrap().created, 1);

    // A coordinator may rename its municipality, not move it to another region: by call...
    let (_, coord) = token(
        &admin,
        pb::Role::Coordinator,
        &format!("municipality:{M}"),
        &[],
    )
    .await
    .unwrap();
    let coord = conn(&s, &coord);
    let cur = municipality_of(&coord, M).await;
    let moved = pb::Municipality {
        region: "Another region".into(),
        ..cur.clone()
    };
    let err = update_municipality(&coord, moved).await.unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied, "{err:?}");
    // ...or by import.
    let err = import_as(&coord, M, vec![municipality_csv(M, "Another region")])
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied, "{err:?}");
    assert_eq!(municipality_of(&admin, M).await.region, REGION);
    let renamed = update_municipality(
        &coord,
        pb::Municipality {
            name: "Kirovsky district".into(),
            ..cur
        },
    )
    .await
    .unwrap();
    assert_eq!(renamed.name, "Kirovsky district");
    // An admin may move it, and the move is in the audit log.
    let moved = update_municipality(
        &admin,
        pb::Municipality {
            region: "Another region".into(),
            ..renamed
        },
    )
    .await
    .unwrap();
    assert_eq!(moved.region, "Another region");
    let log = pb::audit_service_client::AuditServiceClient::new(admin.clone())
        .list_audit(pb::ListAuditRequest {
            municipality_id: M.into(),
            page_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(log
        .entries
        .iter()
        .any(|e| e.method == "UpdateMunicipality" && e.role == "admin"));
    s.stop().await;
}

/// Defects 3 and 9 (tokens): no id reads as a scope address, and a token is made only for a
/// scope that exists and says exactly one thing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scopes_name_exactly_what_exists() {
    let dir = tempfile::tempdir().unwrap();
    let (s, admin) = region_of_two(dir.path()).await;
    for id in ["region:north", "Region:north", "municipality:x", "school:y"] {
        let err = pb::municipality_service_client::MunicipalityServiceClient::new(admin.clone())
            .create_municipality(pb::CreateMunicipalityRequest {
                municipality: Some(pb::Municipality {
                    id: id.into(),
                    name: "North".into(),
                    region: "north".into(),
                    time_zone: "Europe/Moscow".into(),
                    ..Default::default()
                }),
                request_id: String::new(),
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{id}: {err:?}");
        assert_eq!(bad_fields(&err), ["municipality.id"], "{id}");
    }
    for scope in [
        "municipality:region:north",
        "municipality:a,b",
        "municipality:ghost",
        "school:kirovsky/ghost",
        "region:Nowhere",
    ] {
        let err = token(&admin, pb::Role::Coordinator, scope, &[]).await;
        let err = match err {
            Err(e) => e,
            Ok(_) if scope.starts_with("school:") => unreachable!(),
            Ok(_) => panic!("a token for {scope} was made"),
        };
        assert_eq!(err.code(), Code::InvalidArgument, "{scope}: {err:?}");
        assert_eq!(bad_fields(&err), ["scope"], "{scope}");
    }
    let school = token(&admin, pb::Role::School, "school:kirovsky/ghost", &[])
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&school), ["scope"]);
    // What exists gets its token.
    token(
        &admin,
        pb::Role::Coordinator,
        &format!("region:{REGION}"),
        &[],
    )
    .await
    .unwrap();
    token(
        &admin,
        pb::Role::School,
        "school:kirovsky/putilovo-oosh",
        &[],
    )
    .await
    .unwrap();
    s.stop().await;
}

/// Defects 4 and 5: a region's token reaches its region's network and nightly rematch, and
/// not another region's; an approved region run is in each member municipality's audit log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_region_is_one_scope_for_its_tokens_and_its_members_logs() {
    let dir = tempfile::tempdir().unwrap();
    let (s, admin) = region_of_two(dir.path()).await;
    let scope = format!("region:{REGION}");
    let (_, regional) = token(&admin, pb::Role::Coordinator, &scope, &[])
        .await
        .unwrap();
    let regional = conn(&s, &regional);

    // A region run, approved by the region's coordinator.
    let mut matching = pb::matching_service_client::MatchingServiceClient::new(regional.clone());
    let run = matching
        .run_matching(pb::RunMatchingRequest {
            region: REGION.into(),
            kind: pb::MatchKind::TeacherPairs as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .run
        .unwrap();
    let approved = matching
        .approve_match_run(pb::ApproveMatchRunRequest {
            municipality_id: scope.clone(),
            run_id: run.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let created_in = |m: &str| {
        approved
            .created
            .iter()
            .filter(|x| x.municipality_id == m)
            .count() as u64
    };
    assert!(
        created_in(M) > 0 && created_in(M2) > 0,
        "the run pairs in both"
    );

    // Each member's coordinator sees the approval in its own log, with its own records.
    for m in [M, M2] {
        let (_, local) = token(
            &admin,
            pb::Role::Coordinator,
            &format!("municipality:{m}"),
            &[],
        )
        .await
        .unwrap();
        let log = pb::audit_service_client::AuditServiceClient::new(conn(&s, &local))
            .list_audit(pb::ListAuditRequest {
                municipality_id: m.into(),
                page_size: 1000,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        let entry = log
            .entries
            .iter()
            .find(|e| e.method == "ApproveMatchRun")
            .unwrap_or_else(|| panic!("{m}'s log has no ApproveMatchRun: {:?}", log.entries));
        assert!(entry.change_count >= created_in(m), "{entry:?}");
        assert!(
            entry.changes.iter().all(|c| c.split('/').nth(1) == Some(m)),
            "{m}'s entry lists another's records: {:?}",
            entry.changes
        );
    }

    // The region's network and rematch, for the region's token.
    pb::network_service_client::NetworkServiceClient::new(regional.clone())
        .get_network(pb::GetNetworkRequest {
            municipality_id: scope.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut rematch = pb::rematch_service_client::RematchServiceClient::new(regional.clone());
    change_rematch_policy(&mut rematch, &scope, |p| p.enabled = true).await;
    rematch
        .trigger_rematch(pb::TriggerRematchRequest {
            municipality_id: scope.clone(),
        })
        .await
        .unwrap();
    rematch
        .list_rematch_records(pb::ListRematchRecordsRequest {
            municipality_id: scope.clone(),
            limit: 10,
        })
        .await
        .unwrap();

    // Another region's coordinator gets none of it.
    pb::municipality_service_client::MunicipalityServiceClient::new(admin.clone())
        .create_municipality(pb::CreateMunicipalityRequest {
            municipality: Some(pb::Municipality {
                id: "far".into(),
                name: "Far".into(),
                region: "Far region".into(),
                time_zone: "Asia/Tokyo".into(),
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let (_, far) = token(&admin, pb::Role::Coordinator, "region:Far region", &[])
        .await
        .unwrap();
    let far = conn(&s, &far);
    let err = pb::network_service_client::NetworkServiceClient::new(far.clone())
        .get_network(pb::GetNetworkRequest {
            municipality_id: scope.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = pb::rematch_service_client::RematchServiceClient::new(far)
        .trigger_rematch(pb::TriggerRematchRequest {
            municipality_id: scope.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    s.stop().await;
}

/// Defect 6: a revoked token's open import stops at once; what it sends after the
/// revocation is not written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_stops_an_open_import() {
    let dir = tempfile::tempdir().unwrap();
    let (s, admin) = region_of_two(dir.path()).await;
    let (id, secret) = token(
        &admin,
        pb::Role::Integration,
        &format!("municipality:{M}"),
        &["import:write", "schools:write"],
    )
    .await
    .unwrap();
    let integ = conn(&s, &secret);
    let (tx, rx) = tokio::sync::mpsc::channel::<pb::ImportRequest>(4);
    let chunk = |data: String| pb::ImportRequest {
        item: Some(pb::import_request::Item::Chunk(pb::ImportChunk {
            kind: pb::ImportFileKind::Schools as i32,
            file_name: "schools.csv".into(),
            data: data.into_bytes(),
        })),
    };
    tx.send(pb::ImportRequest {
        item: Some(pb::import_request::Item::Start(pb::ImportStart {
            municipality_id: M.into(),
            strict: false,
            dry_run: false,
            ..Default::default()
        })),
    })
    .await
    .unwrap();
    let header = String::from_utf8(schools_csv("").2).unwrap();
    tx.send(chunk(
        format!("{}{}\n", header.trim_end(), "\n") + &school_row("before", "") + "\n",
    ))
    .await
    .unwrap();
    let import = tokio::spawn({
        let integ = integ.clone();
        async move {
            pb::import_service_client::ImportServiceClient::new(integ)
                .import(tokio_stream::wrappers::ReceiverStream::new(rx))
                .await
        }
    });
    // The revocation is made while the import holds the store.
    for _ in 0..5_000 {
        if s.store.writer_busy() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    assert!(s.store.writer_busy(), "the import never started");
    let revoke = tokio::spawn({
        let admin = admin.clone();
        async move {
            pb::token_service_client::TokenServiceClient::new(admin)
                .revoke_token(pb::RevokeTokenRequest { token_id: id })
                .await
        }
    });
    // It is in force before its record can be written: new calls of the token are refused.
    let mut refused = false;
    for _ in 0..500 {
        let got = pb::school_service_client::SchoolServiceClient::new(integ.clone())
            .list_schools(pb::ListSchoolsRequest {
                municipality_id: M.into(),
                ..Default::default()
            })
            .await;
        if matches!(&got, Err(e) if e.code() == Code::Unauthenticated) {
            refused = true;
            break;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(
        refused,
        "the revoked token still works while its import is open"
    );
    // A row sent after the revocation is not imported, and the stream is told why.
    tx.send(chunk(school_row("after", "") + "\n")).await.ok();
    drop(tx);
    let err = import.await.unwrap().unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated, "{err:?}");
    revoke.await.unwrap().unwrap();
    let schools = pb::school_service_client::SchoolServiceClient::new(admin.clone())
        .list_schools(pb::ListSchoolsRequest {
            municipality_id: M.into(),
            page_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .schools;
    assert!(
        !schools.iter().any(|x| x.id == "after"),
        "a row sent after the revocation was imported"
    );
    s.stop().await;
}

/// Defect 7: a client watching health does not hold the server's stop: it sees NOT_SERVING
/// and the end of its stream, and the server stops long before its grace period.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_watchers_do_not_hold_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_with(dir.path(), |c| peerlift::config::Config {
        shutdown_grace_secs: 120,
        ..c
    })
    .await;
    let mut watch = s
        .health()
        .watch(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let first = watch.message().await.unwrap().unwrap();
    assert_eq!(
        first.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
    // A bound far above a normal stop (milliseconds) and far below the grace period.
    tokio::time::timeout(std::time::Duration::from_secs(60), s.stop())
        .await
        .expect("an idle health watcher held the stop");
    let mut statuses = Vec::new();
    while let Ok(Some(m)) = watch.message().await {
        statuses.push(m.status);
    }
    assert_eq!(
        statuses,
        [tonic_health::pb::health_check_response::ServingStatus::NotServing as i32]
    );
}

/// Defect 8: a body that is not the call's message is the caller's fault.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_requests_are_invalid_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    municipality(&s, M).await;
    // A Duration's field 1 is a varint; every request below has a string there.
    for path in [
        "/peerlift.v1.SchoolService/GetSchool",
        "/peerlift.v1.MunicipalityService/GetMunicipality",
        "/peerlift.v1.MatchingService/RunMatching",
    ] {
        let mut grpc = tonic::client::Grpc::new(s.channel.clone());
        grpc.ready().await.unwrap();
        let got = grpc
            .unary::<_, prost_types::Duration, _>(
                tonic::Request::new(prost_types::Duration {
                    seconds: 5,
                    nanos: 0,
                }),
                tonic::codegen::http::uri::PathAndQuery::from_static(path),
                tonic_prost::ProstCodec::default(),
            )
            .await
            .unwrap_err();
        assert_eq!(got.code(), Code::InvalidArgument, "{path}: {got:?}");
        assert!(
            got.message().contains("not a readable message"),
            "{}",
            got.message()
        );
    }
    s.stop().await;
}

/// Defect 9: vetoes name parties that exist; a school's platforms are known subjects, and few;
/// preferred pairs are ids, and few: by call and by import.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_and_ids_that_reach_the_store_are_checked_and_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    import_files(&s, M, true, false, example_files())
        .await
        .unwrap();
    let before = s.snapshot();
    let teachers = s
        .teachers()
        .list_teachers(pb::ListTeachersRequest {
            municipality_id: M.into(),
            page_size: 2,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .teachers;
    let known = teachers[0].id.clone();
    for (mentee, mentor, field) in [
        ("ghost", known.as_str(), "mentee_id"),
        (known.as_str(), "ghost", "mentor_id"),
    ] {
        let err = s
            .mentorships()
            .veto_pair(pb::VetoPairRequest {
                municipality_id: M.into(),
                kind: pb::MatchKind::TeacherPairs as i32,
                mentee_id: mentee.into(),
                mentor_id: mentor.into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(bad_fields(&err), [field], "{err:?}");
    }

    let platforms = |codes: Vec<String>| pb::School {
        platforms: codes.into_iter().map(|c| (c, 1)).collect(),
        ..school_msg("platformed", pb::SchoolStatus::Leader)
    };
    for (case, codes) in [
        ("unknown subject", vec!["astrology".to_string()]),
        (
            "20,000 entries",
            (0..20_000).map(|i| format!("s{i}")).collect(),
        ),
    ] {
        let err = s
            .schools()
            .create_school(pb::CreateSchoolRequest {
                municipality_id: M.into(),
                school: Some(platforms(codes)),
                request_id: String::new(),
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{case}");
        assert!(
            bad_fields(&err)
                .iter()
                .all(|f| f.starts_with("school.platforms")),
            "{case}: {:?}",
            bad_fields(&err)
        );
    }
    let report = import_files(
        &s,
        M,
        false,
        false,
        vec![schools_csv(&school_row("platformed", "astrology:2"))],
    )
    .await
    .unwrap();
    assert_eq!(report.total.unwrap().rejected, 1);
    assert_eq!(report.errors[0].field, "platforms", "{:?}", report.errors);

    let bad_prefs = [
        (
            "NUL",
            vec![pb::PreferredPair {
                mentee_id: "a\0b".into(),
                mentor_id: known.clone(),
            }],
        ),
        (
            "ESC",
            vec![pb::PreferredPair {
                mentee_id: known.clone(),
                mentor_id: "a\u{1b}[31m".into(),
            }],
        ),
        (
            "1 MB",
            vec![pb::PreferredPair {
                mentee_id: "x".repeat(1 << 20),
                mentor_id: known.clone(),
            }],
        ),
        (
            "too many",
            (0..10_001)
                .map(|i| pb::PreferredPair {
                    mentee_id: format!("t{i}"),
                    mentor_id: known.clone(),
                })
                .collect(),
        ),
    ];
    for (case, prefs) in bad_prefs {
        let policy = pb::Policy {
            preferences: prefs,
            ..Default::default()
        };
        let err = s
            .matching()
            .run_matching(pb::RunMatchingRequest {
                municipality_id: M.into(),
                kind: pb::MatchKind::TeacherPairs as i32,
                policy: Some(policy.clone()),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "RunMatching {case}");
        assert!(
            bad_fields(&err)[0].starts_with("policy.preferences"),
            "{case}: {:?}",
            bad_fields(&err)
        );
        let err = s
            .rematch()
            .update_rematch_policy(pb::UpdateRematchPolicyRequest {
                policy: Some(pb::RematchPolicy {
                    municipality_id: M.into(),
                    policy: Some(policy),
                    ..Default::default()
                }),
                request_id: String::new(),
                update_mask: None,
            })
            .await
            .unwrap_err();
        assert_eq!(
            err.code(),
            Code::InvalidArgument,
            "UpdateRematchPolicy {case}"
        );
    }
    // Tokens: a label is text, a service is granted once.
    let mut tokens = pb::token_service_client::TokenServiceClient::new(s.conn());
    for (case, label, grants, field) in [
        (
            "ESC in label",
            "a\u{1b}[31mb",
            vec!["sessions:write"],
            "label",
        ),
        (
            "a grant twice",
            "ok",
            vec!["sessions:write", "sessions:read"],
            "grants[1]",
        ),
    ] {
        let err = tokens
            .create_token(pb::CreateTokenRequest {
                role: pb::Role::Integration as i32,
                scope: format!("municipality:{M}"),
                grants: grants.into_iter().map(String::from).collect(),
                label: label.into(),
                expires_in_days: 0,
            })
            .await
            .unwrap_err();
        assert_eq!(bad_fields(&err), [field], "{case}: {err:?}");
    }
    // A schedule is a short cron line.
    let err = s
        .rematch()
        .update_rematch_policy(pb::UpdateRematchPolicyRequest {
            policy: Some(pb::RematchPolicy {
                municipality_id: M.into(),
                schedule: format!("{}0 2 * * *", "0,".repeat(5000)),
                ..Default::default()
            }),
            request_id: String::new(),
            update_mask: None,
        })
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&err), ["policy.schedule"], "{err:?}");
    // A proposal names mentorships by id, each once.
    for (ids, field) in [
        (vec!["a\0b".to_string()], "mentorship_ids[0]"),
        (
            vec!["m1".to_string(), "m1".to_string()],
            "mentorship_ids[0]",
        ),
    ] {
        let err = s
            .sessions()
            .propose_schedule(pb::ProposeScheduleRequest {
                municipality_id: M.into(),
                from: "2026-09-07".into(),
                weeks: 1,
                mentorship_ids: ids,
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
        assert!(
            bad_fields(&err)
                .iter()
                .any(|f| f.starts_with("mentorship_ids")),
            "{field}: {err:?}"
        );
    }
    assert!(s.snapshot() == before, "a refused call wrote something");
    s.stop().await;
}

fn verify(dir: &std::path::Path) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_peerlift"))
        .args(["audit", "verify", "--data-dir"])
        .arg(dir)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// The audit log is tamper-evident: `peerlift audit verify` proves it as written, and names
/// an entry changed or removed behind the server's back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_finds_a_changed_or_removed_entry() {
    use peerlift_domain::access::AuditEntry;
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(dir.path()).await;
    import_files(&s, M, true, false, example_files())
        .await
        .unwrap();
    match_and_approve(&s, M, pb::MatchKind::TeacherPairs, "").await;
    school(&s, M, "late-school", pb::SchoolStatus::Leader).await;
    s.stop().await;

    let (ok, out) = verify(dir.path());
    assert!(ok, "{out}");
    assert!(out.contains("audit chain intact"), "{out}");

    let store = peerlift_store::Store::open(dir.path()).unwrap();
    let (mut entries, _) = store.audit_chain().unwrap();
    entries.sort_by_key(|e| e.seq);
    assert!(entries.len() >= 3);
    let middle = entries[entries.len() / 2].clone();
    // Changed: the same entry, another method.
    store
        .write(|_, b| {
            b.put(&AuditEntry {
                method: "Nothing".into(),
                ..middle.clone()
            })
        })
        .unwrap();
    drop(store);
    let (ok, out) = verify(dir.path());
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!("entry {}", middle.seq)) && out.contains("changed"),
        "{out}"
    );

    // Put back, then removed.
    let store = peerlift_store::Store::open(dir.path()).unwrap();
    store.write(|_, b| b.put(&middle)).unwrap();
    drop(store);
    assert!(verify(dir.path()).0);
    let store = peerlift_store::Store::open(dir.path()).unwrap();
    store
        .write(|_, b| {
            b.delete::<AuditEntry>(peerlift_store::Record::key(&middle));
            Ok::<_, peerlift_store::StoreError>(())
        })
        .unwrap();
    drop(store);
    let (ok, out) = verify(dir.path());
    assert!(!ok, "{out}");
    assert!(out.contains("was removed"), "{out}");
}
