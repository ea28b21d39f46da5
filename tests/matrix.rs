//! The authorisation matrix: every RPC, called with no token, a revoked token, a token of
//! another municipality and each role, gets exactly the outcome README's table documents, and a
//! refused call writes nothing. The expected table below is written out by hand from README
//! (not derived from the server's own table), so a drift on either side fails here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;

use common::*;
use peerlift::client::{Bearer, Conn};
use peerlift_api::auth::Caller;
use peerlift_api::pb;
use peerlift_api::services::access::{create_token, NewToken};
use peerlift_domain::access::Role;
use prost::Message;
use tonic::service::interceptor::InterceptedService;
use tonic::Code;

const M: &str = "kirovsky";
const REGION: &str = "Leningrad region";
const OTHER: &str = "other";
/// The curator of the session's school, and an event that school is invited to.
const CURATOR: &str = "matrix-curator";
const EVENT: &str = "matrix-festival";
/// The route of the session's mentee (a plan of that school).
const ROUTE: &str = "matrix-route";

/// Ids in the fixture that school-gated calls need.
#[derive(Debug, Clone)]
struct Ids {
    school: String,
    teacher: String,
    session: String,
    mentorship: String,
}

/// Who calls. Letters in the expected table: A admin, C coordinator of M, R coordinator of
/// M's region, M methodologist of M, S school token of the session's school, U curator of
/// that school (and of no other), I integration of M granted sessions:write and
/// reports:read, O coordinator of another municipality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    NoToken,
    Revoked,
    Letter(char),
}

/// The documented outcome: which callers may make each call on M's data.
fn allowed(rpc: &str) -> &'static str {
    match rpc {
        "CreateMunicipality" | "DeleteMunicipality" => "A",
        "GetMunicipality" => "ACRMSU",
        "ListMunicipalities" => "ACRMO",
        "UpdateMunicipality" => "ACR",
        "CreateSchool" | "UpdateSchool" | "DeleteSchool" => "ACR",
        "GetSchool" => "ACRMSU",
        "ListSchools" => "ACRM",
        "CreateTeacher" | "UpdateTeacher" | "DeleteTeacher" | "EraseTeacher" => "ACR",
        "GetTeacher" | "ListTeachers" => "ACRMSU",
        "CreateMentorProfile"
        | "GetMentorProfile"
        | "ListMentorProfiles"
        | "UpdateMentorProfile"
        | "DeleteMentorProfile" => "ACRM",
        "CreateDiagnostic" | "GetDiagnostic" | "ListDiagnostics" | "UpdateDiagnostic"
        | "DeleteDiagnostic" => "ACRM",
        "ListCatalog" => "ACRMSU",
        "CreateCatalogEntry" | "DeleteCatalogEntry" => "ACRM",
        "Import" => "ACR",
        "RunMatching"
        | "GetMatchRun"
        | "ListMatchRuns"
        | "ListMatchRunPairs"
        | "ListMatchRunUnmatched"
        | "ListMatchRunChanges"
        | "ExportMatchProblem"
        | "SuggestPeerPartnerships" => "ACRM",
        "ApproveMatchRun" | "RejectMatchRun" => "ACR",
        "ListMentorships" | "GetMentorship" | "CreateMentorship" | "UpdateMentorship"
        | "LockMentorship" | "UnlockMentorship" | "EndMentorship" | "VetoPair" | "ListVetoes" => {
            "ACRM"
        }
        "GetNetwork" => "ACRM",
        "CreateSession"
        | "UpdateSession"
        | "CancelSession"
        | "GetScheduleSettings"
        | "UpdateScheduleSettings"
        | "ProposeSchedule"
        | "GetScheduleProposal"
        | "AcceptSchedule" => "ACRMI",
        "GetSession" | "RecordSession" | "ListSessions" => "ACRMISU",
        "GetTeacherProgress"
        | "GetMentorshipProgress"
        | "GetMentorProgress"
        | "CoverageReport"
        | "MentorLoadReport"
        | "SessionsReport"
        | "ProgressReport"
        | "OutcomesReport"
        | "MonitoringReport"
        | "RenderPartnershipOrder"
        | "RenderDocument"
        | "ExportPseudonymised" => "ACRMI",
        "CreateProgramme"
        | "UpdateProgramme"
        | "DeleteProgramme"
        | "PutStudentResults"
        | "DraftRoutes"
        | "RecordSignedDocument" => "ACRM",
        "GetProgramme"
        | "ListProgrammes"
        | "GetProgrammeIndicators"
        | "ListStudentResults"
        | "ListSignedDocuments" => "ACRM",
        "CreatePlan" | "GetPlan" | "ListPlans" | "UpdatePlan" | "DeletePlan" => "ACRMSU",
        "GetSchoolProgress" => "ACRMISU",
        "GetRematchPolicy" | "ListRematchRecords" => "ACRM",
        "UpdateRematchPolicy" | "TriggerRematch" => "ACR",
        "CreateToken" | "ListTokens" | "RevokeToken" => "A",
        "ListAudit" => "ACR",
        "CreateCurator" | "UpdateCurator" | "DeleteCurator" => "ACR",
        "GetCurator" | "ListCurators" | "GetCuratorView" => "ACRMU",
        "CreateEvent" | "UpdateEvent" | "DeleteEvent" => "ACRM",
        "GetEvent" | "ListEvents" | "RegisterForEvent" => "ACRMSU",
        "CreateAssociation"
        | "GetAssociation"
        | "ListAssociations"
        | "UpdateAssociation"
        | "DeleteAssociation"
        | "JoinAssociation"
        | "LeaveAssociation"
        | "RecommendAssociations"
        | "ParticipationReport" => "ACRM",
        "CreatePlatform"
        | "UpdatePlatform"
        | "DeletePlatform"
        | "RecordManagementDiagnostic"
        | "DeleteManagementDiagnostic" => "ACR",
        "GetPlatform" | "ListPlatforms" | "ListManagementDiagnostics" => "ACRM",
        other => panic!("no documented outcome for {other}"),
    }
}

/// Calls one RPC on M's data with requests that, when let in, fail or succeed harmlessly
/// (unknown ids, stale etags, dry runs), so the fixture stays the same for every caller.
async fn call(conn: &Conn, rpc: &str, ids: &Ids) -> Result<(), tonic::Status> {
    macro_rules! c {
        ($module:ident :: $client:ident . $method:ident ( $req:expr )) => {
            pb::$module::$client::new(conn.clone())
                .$method($req)
                .await
                .map(|_| ())
        };
    }
    let m = || M.to_string();
    let stale = || "stale".to_string();
    match rpc {
        "CreateMunicipality" => c!(municipality_service_client::MunicipalityServiceClient
            .create_municipality(pb::CreateMunicipalityRequest {
                municipality: None,
                request_id: String::new()
            })),
        "GetMunicipality" => c!(municipality_service_client::MunicipalityServiceClient
            .get_municipality(pb::GetMunicipalityRequest {
                municipality_id: m()
            })),
        "ListMunicipalities" => c!(municipality_service_client::MunicipalityServiceClient
            .list_municipalities(pb::ListMunicipalitiesRequest::default())),
        "UpdateMunicipality" => c!(municipality_service_client::MunicipalityServiceClient
            .update_municipality(pb::UpdateMunicipalityRequest {
                municipality: Some(pb::Municipality {
                    id: m(),
                    name: "Renamed".into(),
                    region: REGION.into(),
                    etag: stale(),
                    ..Default::default()
                }),
                request_id: String::new(),
                update_mask: None,
            })),
        "DeleteMunicipality" => c!(municipality_service_client::MunicipalityServiceClient
            .delete_municipality(pb::DeleteMunicipalityRequest {
                municipality_id: m(),
                etag: stale(),
                ..Default::default()
            })),
        "CreateSchool" => c!(school_service_client::SchoolServiceClient.create_school(
            pb::CreateSchoolRequest {
                municipality_id: m(),
                school: None,
                request_id: String::new()
            }
        )),
        "GetSchool" => c!(school_service_client::SchoolServiceClient.get_school(
            pb::GetSchoolRequest {
                municipality_id: m(),
                school_id: ids.school.clone()
            }
        )),
        "ListSchools" => c!(school_service_client::SchoolServiceClient.list_schools(
            pb::ListSchoolsRequest {
                municipality_id: m(),
                ..Default::default()
            }
        )),
        "UpdateSchool" => c!(school_service_client::SchoolServiceClient.update_school(
            pb::UpdateSchoolRequest {
                municipality_id: m(),
                school: None,
                ..Default::default()
            }
        )),
        "DeleteSchool" => c!(school_service_client::SchoolServiceClient.delete_school(
            pb::DeleteSchoolRequest {
                municipality_id: m(),
                school_id: "no-such-school".into(),
                ..Default::default()
            }
        )),
        "CreateTeacher" => c!(teacher_service_client::TeacherServiceClient.create_teacher(
            pb::CreateTeacherRequest {
                municipality_id: m(),
                teacher: None,
                request_id: String::new()
            }
        )),
        "GetTeacher" => c!(teacher_service_client::TeacherServiceClient.get_teacher(
            pb::GetTeacherRequest {
                municipality_id: m(),
                teacher_id: ids.teacher.clone()
            }
        )),
        "ListTeachers" => c!(teacher_service_client::TeacherServiceClient.list_teachers(
            pb::ListTeachersRequest {
                municipality_id: m(),
                school_id: ids.school.clone(),
                ..Default::default()
            }
        )),
        "UpdateTeacher" => c!(teacher_service_client::TeacherServiceClient.update_teacher(
            pb::UpdateTeacherRequest {
                municipality_id: m(),
                teacher: None,
                ..Default::default()
            }
        )),
        "DeleteTeacher" => c!(teacher_service_client::TeacherServiceClient.delete_teacher(
            pb::DeleteTeacherRequest {
                municipality_id: m(),
                teacher_id: "no-such-teacher".into(),
                ..Default::default()
            }
        )),
        "EraseTeacher" => c!(teacher_service_client::TeacherServiceClient.erase_teacher(
            pb::EraseTeacherRequest {
                municipality_id: m(),
                teacher_id: "no-such-teacher".into(),
                ..Default::default()
            }
        )),
        "CreateMentorProfile" => c!(mentor_profile_service_client::MentorProfileServiceClient
            .create_mentor_profile(pb::CreateMentorProfileRequest {
                municipality_id: m(),
                ..Default::default()
            })),
        "GetMentorProfile" => c!(mentor_profile_service_client::MentorProfileServiceClient
            .get_mentor_profile(pb::GetMentorProfileRequest {
                municipality_id: m(),
                teacher_id: ids.teacher.clone()
            })),
        "ListMentorProfiles" => c!(mentor_profile_service_client::MentorProfileServiceClient
            .list_mentor_profiles(pb::ListMentorProfilesRequest {
                municipality_id: m(),
                ..Default::default()
            })),
        "UpdateMentorProfile" => c!(mentor_profile_service_client::MentorProfileServiceClient
            .update_mentor_profile(pb::UpdateMentorProfileRequest {
                municipality_id: m(),
                ..Default::default()
            })),
        "DeleteMentorProfile" => c!(mentor_profile_service_client::MentorProfileServiceClient
            .delete_mentor_profile(pb::DeleteMentorProfileRequest {
                municipality_id: m(),
                teacher_id: "no-such-teacher".into(),
                ..Default::default()
            })),
        "CreateDiagnostic" => c!(diagnostic_service_client::DiagnosticServiceClient
            .create_diagnostic(pb::CreateDiagnosticRequest {
                municipality_id: m(),
                ..Default::default()
            })),
        "GetDiagnostic" => c!(
            diagnostic_service_client::DiagnosticServiceClient.get_diagnostic(
                pb::GetDiagnosticRequest {
                    municipality_id: m(),
                    diagnostic_id: "no-such-diagnostic".into()
                }
            )
        ),
        "ListDiagnostics" => c!(diagnostic_service_client::DiagnosticServiceClient
            .list_diagnostics(pb::ListDiagnosticsRequest {
                municipality_id: m(),
                ..Default::default()
            })),
        "UpdateDiagnostic" => c!(diagnostic_service_client::DiagnosticServiceClient
            .update_diagnostic(pb::UpdateDiagnosticRequest {
                municipality_id: m(),
                ..Default::default()
            })),
        "DeleteDiagnostic" => c!(diagnostic_service_client::DiagnosticServiceClient
            .delete_diagnostic(pb::DeleteDiagnosticRequest {
                municipality_id: m(),
                diagnostic_id: "no-such-diagnostic".into(),
                ..Default::default()
            })),
        "ListCatalog" => c!(catalog_service_client::CatalogServiceClient.list_catalog(
            pb::ListCatalogRequest {
                municipality_id: m(),
                ..Default::default()
            }
        )),
        "CreateCatalogEntry" => c!(catalog_service_client::CatalogServiceClient
            .create_catalog_entry(pb::CreateCatalogEntryRequest {
                municipality_id: m(),
                ..Default::default()
            })),
        "DeleteCatalogEntry" => c!(catalog_service_client::CatalogServiceClient
            .delete_catalog_entry(pb::DeleteCatalogEntryRequest {
                municipality_id: m(),
                code: "no-such-code".into(),
                ..Default::default()
            })),
        "Import" => {
            let start = pb::ImportRequest {
                item: Some(pb::import_request::Item::Start(pb::ImportStart {
                    municipality_id: m(),
                    strict: true,
                    dry_run: true,
                    ..Default::default()
                })),
            };
            c!(import_service_client::ImportServiceClient.import(tokio_stream::iter(vec![start])))
        }
        "RunMatching" => c!(matching_service_client::MatchingServiceClient.run_matching(
            pb::RunMatchingRequest {
                municipality_id: m(),
                kind: pb::MatchKind::TeacherPairs as i32,
                dry_run: true,
                ..Default::default()
            }
        )),
        "GetMatchRun" => c!(
            matching_service_client::MatchingServiceClient.get_match_run(pb::GetMatchRunRequest {
                municipality_id: m(),
                run_id: "no-such-run".into(),
            })
        ),
        "ListMatchRunPairs" => c!(matching_service_client::MatchingServiceClient
            .list_match_run_pairs(pb::ListMatchRunPairsRequest {
                municipality_id: m(),
                run_id: "no-such-run".into(),
                ..Default::default()
            })),
        "ListMatchRunUnmatched" => c!(matching_service_client::MatchingServiceClient
            .list_match_run_unmatched(pb::ListMatchRunUnmatchedRequest {
                municipality_id: m(),
                run_id: "no-such-run".into(),
                ..Default::default()
            })),
        "ListMatchRunChanges" => c!(matching_service_client::MatchingServiceClient
            .list_match_run_changes(pb::ListMatchRunChangesRequest {
                municipality_id: m(),
                run_id: "no-such-run".into(),
                ..Default::default()
            })),
        "ExportMatchProblem" => c!(matching_service_client::MatchingServiceClient
            .export_match_problem(pb::ExportMatchProblemRequest {
                municipality_id: m(),
                run_id: "no-such-run".into(),
                ..Default::default()
            })),
        "ListMatchRuns" => c!(
            matching_service_client::MatchingServiceClient.list_match_runs(
                pb::ListMatchRunsRequest {
                    municipality_id: m(),
                    ..Default::default()
                }
            )
        ),
        "ApproveMatchRun" => c!(
            matching_service_client::MatchingServiceClient.approve_match_run(
                pb::ApproveMatchRunRequest {
                    municipality_id: m(),
                    run_id: "no-such-run".into(),
                    ..Default::default()
                }
            )
        ),
        "RejectMatchRun" => c!(
            matching_service_client::MatchingServiceClient.reject_match_run(
                pb::RejectMatchRunRequest {
                    municipality_id: m(),
                    run_id: "no-such-run".into(),
                    ..Default::default()
                }
            )
        ),
        "ListMentorships" => c!(mentorship_service_client::MentorshipServiceClient
            .list_mentorships(pb::ListMentorshipsRequest {
                municipality_id: m(),
                ..Default::default()
            })),
        "GetMentorship" => c!(
            mentorship_service_client::MentorshipServiceClient.get_mentorship(
                pb::GetMentorshipRequest {
                    municipality_id: m(),
                    mentorship_id: ids.mentorship.clone()
                }
            )
        ),
        "CreateMentorship" => c!(mentorship_service_client::MentorshipServiceClient
            .create_mentorship(pb::CreateMentorshipRequest {
                municipality_id: m(),
                mentee_id: "no-such-teacher".into(),
                mentor_id: "no-such-teacher".into(),
                ..Default::default()
            })),
        "UpdateMentorship" => c!(mentorship_service_client::MentorshipServiceClient
            .update_mentorship(pb::UpdateMentorshipRequest {
                municipality_id: m(),
                mentorship_id: ids.mentorship.clone(),
                etag: stale(),
                ..Default::default()
            })),
        "LockMentorship" => c!(
            mentorship_service_client::MentorshipServiceClient.lock_mentorship(
                pb::LockMentorshipRequest {
                    municipality_id: m(),
                    mentorship_id: ids.mentorship.clone(),
                    etag: stale(),
                    ..Default::default()
                }
            )
        ),
        "UnlockMentorship" => c!(mentorship_service_client::MentorshipServiceClient
            .unlock_mentorship(pb::UnlockMentorshipRequest {
                municipality_id: m(),
                mentorship_id: ids.mentorship.clone(),
                etag: stale(),
                ..Default::default()
            })),
        "EndMentorship" => c!(
            mentorship_service_client::MentorshipServiceClient.end_mentorship(
                pb::EndMentorshipRequest {
                    municipality_id: m(),
                    mentorship_id: ids.mentorship.clone(),
                    etag: stale(),
                    reason: "test".into(),
                    ..Default::default()
                }
            )
        ),
        "VetoPair" => c!(
            mentorship_service_client::MentorshipServiceClient.veto_pair(pb::VetoPairRequest {
                municipality_id: m(),
                mentee_id: "no-such-teacher".into(),
                mentor_id: "no-such-teacher".into(),
                ..Default::default()
            })
        ),
        "ListVetoes" => c!(
            mentorship_service_client::MentorshipServiceClient.list_vetoes(pb::ListVetoesRequest {
                municipality_id: m(),
            })
        ),
        "GetNetwork" => c!(network_service_client::NetworkServiceClient.get_network(
            pb::GetNetworkRequest {
                municipality_id: m(),
                ..Default::default()
            }
        )),
        "CreateSession" => c!(session_service_client::SessionServiceClient.create_session(
            pb::CreateSessionRequest {
                municipality_id: m(),
                session: None,
                request_id: String::new()
            }
        )),
        "GetSession" => c!(session_service_client::SessionServiceClient.get_session(
            pb::GetSessionRequest {
                municipality_id: m(),
                session_id: ids.session.clone()
            }
        )),
        "UpdateSession" => c!(session_service_client::SessionServiceClient.update_session(
            pb::UpdateSessionRequest {
                municipality_id: m(),
                session: None,
                request_id: String::new(),
                update_mask: None,
            }
        )),
        "CancelSession" => c!(session_service_client::SessionServiceClient.cancel_session(
            pb::CancelSessionRequest {
                municipality_id: m(),
                session_id: ids.session.clone(),
                etag: stale(),
                reason: "test".into(),
                ..Default::default()
            }
        )),
        "RecordSession" => c!(session_service_client::SessionServiceClient.record_session(
            pb::RecordSessionRequest {
                municipality_id: m(),
                session_id: ids.session.clone(),
                etag: stale(),
                outcome: pb::SessionStatus::Held as i32,
                ..Default::default()
            }
        )),
        "ListSessions" => c!(session_service_client::SessionServiceClient.list_sessions(
            pb::ListSessionsRequest {
                municipality_id: m(),
                school_id: ids.school.clone(),
                ..Default::default()
            }
        )),
        "GetScheduleSettings" => c!(session_service_client::SessionServiceClient
            .get_schedule_settings(pb::GetScheduleSettingsRequest {
                municipality_id: m()
            })),
        "UpdateScheduleSettings" => c!(session_service_client::SessionServiceClient
            .update_schedule_settings(pb::UpdateScheduleSettingsRequest {
                settings: Some(pb::ScheduleSettings {
                    municipality_id: m(),
                    etag: stale(),
                    ..Default::default()
                }),
                request_id: String::new(),
                update_mask: None,
            })),
        "ProposeSchedule" => c!(
            session_service_client::SessionServiceClient.propose_schedule(
                pb::ProposeScheduleRequest {
                    municipality_id: m(),
                    from: "not a date".into(),
                    ..Default::default()
                }
            )
        ),
        "GetScheduleProposal" => c!(session_service_client::SessionServiceClient
            .get_schedule_proposal(pb::GetScheduleProposalRequest {
                municipality_id: m(),
                proposal_id: "no-such-proposal".into()
            })),
        "AcceptSchedule" => c!(
            session_service_client::SessionServiceClient.accept_schedule(
                pb::AcceptScheduleRequest {
                    municipality_id: m(),
                    proposal_id: "no-such-proposal".into(),
                    ..Default::default()
                }
            )
        ),
        "GetTeacherProgress" => c!(report_service_client::ReportServiceClient
            .get_teacher_progress(pb::GetTeacherProgressRequest {
                municipality_id: m(),
                teacher_id: ids.teacher.clone()
            })),
        "GetMentorshipProgress" => c!(report_service_client::ReportServiceClient
            .get_mentorship_progress(pb::GetMentorshipProgressRequest {
                municipality_id: m(),
                mentorship_id: ids.mentorship.clone()
            })),
        "GetMentorProgress" => c!(
            report_service_client::ReportServiceClient.get_mentor_progress(
                pb::GetMentorProgressRequest {
                    municipality_id: m(),
                    mentor_id: ids.teacher.clone()
                }
            )
        ),
        "GetSchoolProgress" => c!(
            report_service_client::ReportServiceClient.get_school_progress(
                pb::GetSchoolProgressRequest {
                    municipality_id: m(),
                    school_id: ids.school.clone()
                }
            )
        ),
        "CoverageReport" => c!(report_service_client::ReportServiceClient.coverage_report(
            pb::ReportRequest {
                municipality_id: m(),
                ..Default::default()
            }
        )),
        "MentorLoadReport" => c!(
            report_service_client::ReportServiceClient.mentor_load_report(pb::ReportRequest {
                municipality_id: m(),
                ..Default::default()
            })
        ),
        "SessionsReport" => c!(report_service_client::ReportServiceClient.sessions_report(
            pb::ReportRequest {
                municipality_id: m(),
                ..Default::default()
            }
        )),
        "ProgressReport" => c!(report_service_client::ReportServiceClient.progress_report(
            pb::ReportRequest {
                municipality_id: m(),
                ..Default::default()
            }
        )),
        "OutcomesReport" => c!(report_service_client::ReportServiceClient.outcomes_report(
            pb::ReportRequest {
                municipality_id: m(),
                ..Default::default()
            }
        )),
        "MonitoringReport" => c!(
            report_service_client::ReportServiceClient.monitoring_report(pb::ReportRequest {
                municipality_id: m(),
                ..Default::default()
            })
        ),
        "RenderPartnershipOrder" => c!(document_service_client::DocumentServiceClient
            .render_partnership_order(pb::RenderPartnershipOrderRequest {
                municipality_id: m(),
                school_year: "2022-2023".into(),
                order: None,
            })),
        "RenderDocument" => c!(
            document_service_client::DocumentServiceClient.render_document(
                pb::RenderDocumentRequest {
                    municipality_id: m(),
                    kind: pb::DocumentKind::PartnershipOrder as i32,
                    subject: "2022-2023".into(),
                    ..Default::default()
                }
            )
        ),
        "RecordSignedDocument" => c!(document_service_client::DocumentServiceClient
            .record_signed_document(pb::RecordSignedDocumentRequest {
                municipality_id: m(),
                document: None,
                request_id: String::new(),
            })),
        "ListSignedDocuments" => c!(document_service_client::DocumentServiceClient
            .list_signed_documents(pb::ListSignedDocumentsRequest {
                municipality_id: m(),
                ..Default::default()
            })),
        "CreateProgramme" => c!(
            programme_service_client::ProgrammeServiceClient.create_programme(
                pb::CreateProgrammeRequest {
                    municipality_id: m(),
                    programme: None,
                    request_id: String::new(),
                }
            )
        ),
        "GetProgramme" => c!(
            programme_service_client::ProgrammeServiceClient.get_programme(
                pb::GetProgrammeRequest {
                    municipality_id: m(),
                    programme_id: "nowhere".into(),
                }
            )
        ),
        "ListProgrammes" => c!(
            programme_service_client::ProgrammeServiceClient.list_programmes(
                pb::ListProgrammesRequest {
                    municipality_id: m(),
                    ..Default::default()
                }
            )
        ),
        "UpdateProgramme" => c!(
            programme_service_client::ProgrammeServiceClient.update_programme(
                pb::UpdateProgrammeRequest {
                    municipality_id: m(),
                    programme: None,
                    request_id: String::new(),
                }
            )
        ),
        "DeleteProgramme" => c!(
            programme_service_client::ProgrammeServiceClient.delete_programme(
                pb::DeleteProgrammeRequest {
                    municipality_id: m(),
                    programme_id: "nowhere".into(),
                    etag: stale(),
                    request_id: String::new(),
                }
            )
        ),
        "GetProgrammeIndicators" => c!(programme_service_client::ProgrammeServiceClient
            .get_programme_indicators(pb::GetProgrammeIndicatorsRequest {
                municipality_id: m(),
                programme_id: "nowhere".into(),
            })),
        "PutStudentResults" => c!(programme_service_client::ProgrammeServiceClient
            .put_student_results(pb::PutStudentResultsRequest {
                municipality_id: m(),
                results: vec![pb::StudentResult::default()],
                request_id: String::new(),
            })),
        "ListStudentResults" => c!(programme_service_client::ProgrammeServiceClient
            .list_student_results(pb::ListStudentResultsRequest {
                municipality_id: m(),
                ..Default::default()
            })),
        "DraftRoutes" => c!(
            programme_service_client::ProgrammeServiceClient.draft_routes(pb::DraftRoutesRequest {
                municipality_id: m(),
                teacher_ids: vec!["nobody".into()],
                ..Default::default()
            })
        ),
        "CreatePlan" => c!(
            programme_service_client::ProgrammeServiceClient.create_plan(pb::CreatePlanRequest {
                municipality_id: m(),
                plan: None,
                ..Default::default()
            })
        ),
        "GetPlan" => c!(programme_service_client::ProgrammeServiceClient.get_plan(
            pb::GetPlanRequest {
                municipality_id: m(),
                plan_id: ROUTE.into(),
            }
        )),
        "ListPlans" => c!(programme_service_client::ProgrammeServiceClient.list_plans(
            pb::ListPlansRequest {
                municipality_id: m(),
                ..Default::default()
            }
        )),
        "UpdatePlan" => c!(
            programme_service_client::ProgrammeServiceClient.update_plan(pb::UpdatePlanRequest {
                municipality_id: m(),
                plan: None,
                request_id: String::new(),
            })
        ),
        "DeletePlan" => c!(
            programme_service_client::ProgrammeServiceClient.delete_plan(pb::DeletePlanRequest {
                municipality_id: m(),
                plan_id: ROUTE.into(),
                etag: stale(),
                request_id: String::new(),
            })
        ),
        "ExportPseudonymised" => c!(report_service_client::ReportServiceClient
            .export_pseudonymised(pb::ReportRequest {
                municipality_id: m(),
                ..Default::default()
            })),
        "CreateCurator" => c!(curator_service_client::CuratorServiceClient.create_curator(
            pb::CreateCuratorRequest {
                municipality_id: m(),
                curator: None,
                request_id: String::new()
            }
        )),
        "GetCurator" => c!(curator_service_client::CuratorServiceClient.get_curator(
            pb::GetCuratorRequest {
                municipality_id: m(),
                curator_id: CURATOR.into()
            }
        )),
        "ListCurators" => c!(curator_service_client::CuratorServiceClient.list_curators(
            pb::ListCuratorsRequest {
                municipality_id: m(),
                ..Default::default()
            }
        )),
        "UpdateCurator" => c!(curator_service_client::CuratorServiceClient.update_curator(
            pb::UpdateCuratorRequest {
                municipality_id: m(),
                curator: None,
                request_id: String::new()
            }
        )),
        "DeleteCurator" => c!(curator_service_client::CuratorServiceClient.delete_curator(
            pb::DeleteCuratorRequest {
                municipality_id: m(),
                curator_id: CURATOR.into(),
                etag: stale(),
                request_id: String::new()
            }
        )),
        "GetCuratorView" => c!(
            curator_service_client::CuratorServiceClient.get_curator_view(
                pb::GetCuratorViewRequest {
                    municipality_id: m(),
                    curator_id: CURATOR.into()
                }
            )
        ),
        "CreateEvent" => c!(event_service_client::EventServiceClient.create_event(
            pb::CreateEventRequest {
                municipality_id: m(),
                event: None,
                request_id: String::new()
            }
        )),
        "GetEvent" => c!(
            event_service_client::EventServiceClient.get_event(pb::GetEventRequest {
                municipality_id: m(),
                event_id: EVENT.into()
            })
        ),
        "ListEvents" => c!(event_service_client::EventServiceClient.list_events(
            pb::ListEventsRequest {
                municipality_id: m(),
                school_id: ids.school.clone(),
                ..Default::default()
            }
        )),
        "UpdateEvent" => c!(event_service_client::EventServiceClient.update_event(
            pb::UpdateEventRequest {
                municipality_id: m(),
                event: None,
                request_id: String::new()
            }
        )),
        "DeleteEvent" => c!(event_service_client::EventServiceClient.delete_event(
            pb::DeleteEventRequest {
                municipality_id: m(),
                event_id: EVENT.into(),
                etag: stale(),
                request_id: String::new()
            }
        )),
        "RegisterForEvent" => c!(event_service_client::EventServiceClient.register_for_event(
            pb::RegisterForEventRequest {
                municipality_id: m(),
                event_id: EVENT.into(),
                teacher_id: ids.teacher.clone(),
                // Not registered: taking nothing back writes nothing.
                withdraw: true,
                ..Default::default()
            }
        )),
        "CreateAssociation" => c!(association_service_client::AssociationServiceClient
            .create_association(pb::CreateAssociationRequest {
                municipality_id: m(),
                association: None,
                request_id: String::new()
            })),
        "GetAssociation" => c!(association_service_client::AssociationServiceClient
            .get_association(pb::GetAssociationRequest {
                municipality_id: m(),
                association_id: "no-such-association".into()
            })),
        "ListAssociations" => c!(association_service_client::AssociationServiceClient
            .list_associations(pb::ListAssociationsRequest {
                municipality_id: m(),
                ..Default::default()
            })),
        "UpdateAssociation" => c!(association_service_client::AssociationServiceClient
            .update_association(pb::UpdateAssociationRequest {
                municipality_id: m(),
                association: None,
                request_id: String::new()
            })),
        "DeleteAssociation" => c!(association_service_client::AssociationServiceClient
            .delete_association(pb::DeleteAssociationRequest {
                municipality_id: m(),
                association_id: "no-such-association".into(),
                etag: stale(),
                request_id: String::new()
            })),
        "JoinAssociation" => c!(association_service_client::AssociationServiceClient
            .join_association(pb::JoinAssociationRequest {
                municipality_id: m(),
                association_id: "no-such-association".into(),
                teacher_id: ids.teacher.clone(),
                ..Default::default()
            })),
        "LeaveAssociation" => c!(association_service_client::AssociationServiceClient
            .leave_association(pb::LeaveAssociationRequest {
                municipality_id: m(),
                association_id: "no-such-association".into(),
                teacher_id: ids.teacher.clone(),
                ..Default::default()
            })),
        "RecommendAssociations" => c!(association_service_client::AssociationServiceClient
            .recommend_associations(pb::RecommendAssociationsRequest {
                municipality_id: m(),
                teacher_id: ids.teacher.clone()
            })),
        "ParticipationReport" => c!(association_service_client::AssociationServiceClient
            .participation_report(pb::ParticipationReportRequest {
                municipality_id: m(),
                school_years: vec![]
            })),
        "CreatePlatform" => c!(
            platform_service_client::PlatformServiceClient.create_platform(
                pb::CreatePlatformRequest {
                    municipality_id: m(),
                    platform: None,
                    request_id: String::new()
                }
            )
        ),
        "GetPlatform" => c!(platform_service_client::PlatformServiceClient.get_platform(
            pb::GetPlatformRequest {
                municipality_id: m(),
                platform_id: "no-such-platform".into()
            }
        )),
        "ListPlatforms" => c!(
            platform_service_client::PlatformServiceClient.list_platforms(
                pb::ListPlatformsRequest {
                    municipality_id: m(),
                    ..Default::default()
                }
            )
        ),
        "UpdatePlatform" => c!(
            platform_service_client::PlatformServiceClient.update_platform(
                pb::UpdatePlatformRequest {
                    municipality_id: m(),
                    platform: None,
                    request_id: String::new()
                }
            )
        ),
        "DeletePlatform" => c!(
            platform_service_client::PlatformServiceClient.delete_platform(
                pb::DeletePlatformRequest {
                    municipality_id: m(),
                    platform_id: "no-such-platform".into(),
                    etag: stale(),
                    request_id: String::new()
                }
            )
        ),
        "RecordManagementDiagnostic" => c!(platform_service_client::PlatformServiceClient
            .record_management_diagnostic(pb::RecordManagementDiagnosticRequest {
                municipality_id: m(),
                diagnostic: None,
                request_id: String::new()
            })),
        "ListManagementDiagnostics" => c!(platform_service_client::PlatformServiceClient
            .list_management_diagnostics(pb::ListManagementDiagnosticsRequest {
                municipality_id: m(),
                school_id: ids.school.clone()
            })),
        "DeleteManagementDiagnostic" => c!(platform_service_client::PlatformServiceClient
            .delete_management_diagnostic(pb::DeleteManagementDiagnosticRequest {
                municipality_id: m(),
                diagnostic_id: "no-such-diagnostic".into(),
                etag: stale(),
                request_id: String::new()
            })),
        "SuggestPeerPartnerships" => c!(matching_service_client::MatchingServiceClient
            .suggest_peer_partnerships(pb::SuggestPeerPartnershipsRequest {
                municipality_id: m(),
                ..Default::default()
            })),
        "GetRematchPolicy" => c!(
            rematch_service_client::RematchServiceClient.get_rematch_policy(
                pb::GetRematchPolicyRequest {
                    municipality_id: m()
                }
            )
        ),
        "UpdateRematchPolicy" => c!(rematch_service_client::RematchServiceClient
            .update_rematch_policy(pb::UpdateRematchPolicyRequest {
                policy: Some(pb::RematchPolicy {
                    municipality_id: m(),
                    schedule: "not cron".into(),
                    ..Default::default()
                }),
                request_id: String::new(),
                update_mask: None,
            })),
        "TriggerRematch" => c!(
            rematch_service_client::RematchServiceClient.trigger_rematch(
                pb::TriggerRematchRequest {
                    municipality_id: m()
                }
            )
        ),
        "ListRematchRecords" => c!(rematch_service_client::RematchServiceClient
            .list_rematch_records(pb::ListRematchRecordsRequest {
                municipality_id: m(),
                ..Default::default()
            })),
        "CreateToken" => c!(token_service_client::TokenServiceClient.create_token(
            pb::CreateTokenRequest {
                role: pb::Role::Unspecified as i32,
                ..Default::default()
            }
        )),
        "ListTokens" => {
            c!(token_service_client::TokenServiceClient.list_tokens(pb::ListTokensRequest {}))
        }
        "RevokeToken" => c!(token_service_client::TokenServiceClient.revoke_token(
            pb::RevokeTokenRequest {
                token_id: "tok-999999".into()
            }
        )),
        "ListAudit" => c!(audit_service_client::AuditServiceClient.list_audit(
            pb::ListAuditRequest {
                municipality_id: m(),
                ..Default::default()
            }
        )),
        other => panic!("no call for {other}"),
    }
}

/// Every RPC of the compiled protos, by method name.
fn every_rpc() -> Vec<String> {
    let fds = prost_types::FileDescriptorSet::decode(pb::FILE_DESCRIPTOR_SET).unwrap();
    let mut out = BTreeSet::new();
    for f in &fds.file {
        for s in &f.service {
            for m in &s.method {
                out.insert(m.name().to_string());
            }
        }
    }
    out.into_iter().collect()
}

fn with_token(s: &TestServer, secret: Option<&str>) -> Conn {
    let bearer = match secret {
        Some(t) => Bearer::new(t).unwrap(),
        None => Bearer::default(),
    };
    InterceptedService::new(s.channel.clone(), bearer)
}

/// The Kirovsky example with approved pairs and one session, made with auth off; returns the
/// ids the school-gated calls use.
async fn fixture(dir: &std::path::Path) -> Ids {
    let s = TestServer::start_in(dir).await;
    import_files(&s, M, true, false, example_files())
        .await
        .unwrap();
    s.municipalities()
        .create_municipality(pb::CreateMunicipalityRequest {
            municipality: Some(pb::Municipality {
                id: OTHER.into(),
                name: "Another district".into(),
                region: "Another region".into(),
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let created = match_and_approve(&s, M, pb::MatchKind::TeacherPairs, "").await;
    let ms = created.first().expect("a pair").clone();
    let session = online_session(&s, M, &ms.id, "2030-03-05T15:00").await;
    let mentee = ms.mentee_id.clone();
    let teacher = s
        .teachers()
        .get_teacher(pb::GetTeacherRequest {
            municipality_id: M.into(),
            teacher_id: mentee.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    pb::curator_service_client::CuratorServiceClient::new(s.channel.clone())
        .create_curator(pb::CreateCuratorRequest {
            municipality_id: M.into(),
            curator: Some(pb::Curator {
                id: CURATOR.into(),
                full_name: "Matrix Curator".into(),
                schools: vec![teacher.school_id.clone()],
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap();
    pb::event_service_client::EventServiceClient::new(s.channel.clone())
        .create_event(pb::CreateEventRequest {
            municipality_id: M.into(),
            event: Some(pb::Event {
                id: EVENT.into(),
                kind: "webinar".into(),
                title: "Matrix webinar".into(),
                start: "2030-03-06T15:00".into(),
                duration_minutes: 60,
                mode: pb::Mode::Online as i32,
                invited_schools: vec![teacher.school_id.clone()],
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap();
    pb::programme_service_client::ProgrammeServiceClient::new(s.channel.clone())
        .create_plan(pb::CreatePlanRequest {
            municipality_id: M.into(),
            plan: Some(pb::Plan {
                id: ROUTE.into(),
                kind: pb::PlanKind::Route as i32,
                title: "Matrix route".into(),
                teacher_id: mentee.clone(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    s.stop().await;
    Ids {
        school: teacher.school_id,
        teacher: mentee,
        session: session.id,
        mentorship: ms.id,
    }
}

/// A token made on the store directly (the bootstrap path).
fn bootstrap_admin(dir: &std::path::Path) -> String {
    let store = peerlift_store::Store::open(dir).unwrap();
    let new = NewToken::parse(Some(Role::Admin), "all", &[], "matrix admin", 0).unwrap();
    let (_, secret) = create_token(
        &store,
        &Caller::system("bootstrap"),
        new,
        [42u8; 32],
        jiff::Timestamp::now(),
    )
    .unwrap();
    store.flush().unwrap();
    secret
}

async fn token(admin: &Conn, role: pb::Role, scope: &str, grants: &[&str]) -> (String, String) {
    let out = pb::token_service_client::TokenServiceClient::new(admin.clone())
        .create_token(pb::CreateTokenRequest {
            role: role as i32,
            scope: scope.into(),
            grants: grants.iter().map(|g| g.to_string()).collect(),
            label: format!("matrix {scope}"),
            expires_in_days: 0,
        })
        .await
        .unwrap()
        .into_inner();
    (out.token.unwrap().id, out.secret)
}

async fn auth_server(dir: &std::path::Path) -> TestServer {
    TestServer::start_with(dir, |c| peerlift::config::Config {
        insecure_no_auth: false,
        // The matrix makes hundreds of calls at once; the rate limit has its own test.
        rate_limit_per_token: 0.0,
        scheduler: false,
        ..c
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rpc_gets_the_documented_outcome_for_every_caller() {
    let dir = tempfile::tempdir().unwrap();
    let ids = fixture(dir.path()).await;
    let admin_secret = bootstrap_admin(dir.path());
    let s = auth_server(dir.path()).await;
    let admin = with_token(&s, Some(&admin_secret));

    let school_scope = format!("school:{M}/{}", ids.school);
    let mut callers: Vec<(Who, Conn)> = vec![
        (Who::NoToken, with_token(&s, None)),
        (Who::Letter('A'), admin.clone()),
    ];
    for (letter, role, scope, grants) in [
        (
            'C',
            pb::Role::Coordinator,
            format!("municipality:{M}"),
            vec![],
        ),
        (
            'R',
            pb::Role::Coordinator,
            format!("region:{REGION}"),
            vec![],
        ),
        (
            'M',
            pb::Role::Methodologist,
            format!("municipality:{M}"),
            vec![],
        ),
        ('S', pb::Role::School, school_scope.clone(), vec![]),
        (
            'U',
            pb::Role::Curator,
            format!("curator:{M}/{CURATOR}"),
            vec![],
        ),
        (
            'I',
            pb::Role::Integration,
            format!("municipality:{M}"),
            vec!["sessions:write", "reports:read"],
        ),
        (
            'O',
            pb::Role::Coordinator,
            format!("municipality:{OTHER}"),
            vec![],
        ),
    ] {
        let (_, secret) = token(&admin, role, &scope, &grants).await;
        callers.push((Who::Letter(letter), with_token(&s, Some(&secret))));
    }
    // A revoked admin token is worth nothing, at once.
    let (revoked_id, revoked_secret) = token(&admin, pb::Role::Admin, "all", &[]).await;
    pb::token_service_client::TokenServiceClient::new(admin.clone())
        .revoke_token(pb::RevokeTokenRequest {
            token_id: revoked_id,
        })
        .await
        .unwrap();
    callers.push((Who::Revoked, with_token(&s, Some(&revoked_secret))));

    let rpcs = every_rpc();
    assert!(rpcs.len() >= 70, "{rpcs:?}");
    let mut checked = 0;
    for rpc in &rpcs {
        let letters = allowed(rpc);
        for (who, conn) in &callers {
            let refused = match who {
                Who::NoToken | Who::Revoked => true,
                Who::Letter(l) => !letters.contains(*l),
            };
            let before = refused.then(|| s.snapshot());
            let got = call(conn, rpc, &ids).await;
            let code = got.as_ref().err().map(|e| e.code()).unwrap_or(Code::Ok);
            let detail = got
                .as_ref()
                .err()
                .map(|e| e.message().to_string())
                .unwrap_or_default();
            match who {
                Who::NoToken | Who::Revoked => {
                    assert_eq!(code, Code::Unauthenticated, "{rpc} by {who:?}: {detail}")
                }
                Who::Letter(l) if letters.contains(*l) => assert!(
                    !matches!(code, Code::PermissionDenied | Code::Unauthenticated),
                    "{rpc} by {l} should be let in, got {code:?}: {detail}"
                ),
                Who::Letter(l) => {
                    assert_eq!(code, Code::PermissionDenied, "{rpc} by {l}: {detail}")
                }
            }
            if let Some(before) = before {
                assert!(
                    before == s.snapshot(),
                    "{rpc} by {who:?} was refused but wrote"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, rpcs.len() * callers.len());
    s.stop().await;
}

/// A caller outside the scope cannot tell an existing resource from a missing one: same code,
/// same message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_say_nothing_about_existence() {
    let dir = tempfile::tempdir().unwrap();
    let ids = fixture(dir.path()).await;
    let admin_secret = bootstrap_admin(dir.path());
    let s = auth_server(dir.path()).await;
    let admin = with_token(&s, Some(&admin_secret));
    let (_, other) = token(&admin, pb::Role::Coordinator, "region:Another region", &[]).await;
    let other = with_token(&s, Some(&other));
    let get_school = |conn: Conn, m: &str, school: &str| {
        let req = pb::GetSchoolRequest {
            municipality_id: m.into(),
            school_id: school.into(),
        };
        async move {
            pb::school_service_client::SchoolServiceClient::new(conn)
                .get_school(req)
                .await
                .unwrap_err()
        }
    };
    let a = get_school(other.clone(), M, &ids.school).await;
    let b = get_school(other.clone(), M, "no-such-school").await;
    let c = get_school(other.clone(), "no-such-municipality", "x").await;
    for e in [&a, &b, &c] {
        assert_eq!(e.code(), Code::PermissionDenied);
        assert_eq!(e.message(), a.message());
    }
    // The admin sees the difference.
    let missing = get_school(admin.clone(), M, "no-such-school").await;
    assert_eq!(missing.code(), Code::NotFound);

    // A school token: another school's teacher and a missing teacher look the same.
    let (_, school) = token(
        &admin,
        pb::Role::School,
        &format!("school:{M}/{}", ids.school),
        &[],
    )
    .await;
    let school = with_token(&s, Some(&school));
    let teachers = s
        .teachers()
        .list_teachers(pb::ListTeachersRequest {
            municipality_id: M.into(),
            page_size: 1000,
            ..Default::default()
        })
        .await;
    // The plain channel carries no token: refused.
    assert_eq!(teachers.unwrap_err().code(), Code::Unauthenticated);
    let all = pb::teacher_service_client::TeacherServiceClient::new(admin.clone())
        .list_teachers(pb::ListTeachersRequest {
            municipality_id: M.into(),
            page_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .teachers;
    let elsewhere = all
        .iter()
        .find(|t| t.school_id != ids.school)
        .expect("a teacher of another school");
    let get_teacher = |id: String| {
        let conn = school.clone();
        async move {
            pb::teacher_service_client::TeacherServiceClient::new(conn)
                .get_teacher(pb::GetTeacherRequest {
                    municipality_id: M.into(),
                    teacher_id: id,
                })
                .await
        }
    };
    assert!(get_teacher(ids.teacher.clone()).await.is_ok());
    let x = get_teacher(elsewhere.id.clone()).await.unwrap_err();
    let y = get_teacher("no-such-teacher".into()).await.unwrap_err();
    assert_eq!(x.code(), Code::PermissionDenied);
    assert_eq!((x.code(), x.message()), (y.code(), y.message()));
    // And the list of municipalities shows a scoped caller only its own.
    let listed = pb::municipality_service_client::MunicipalityServiceClient::new(other)
        .list_municipalities(pb::ListMunicipalitiesRequest::default())
        .await
        .unwrap()
        .into_inner()
        .municipalities;
    assert_eq!(
        listed.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        [OTHER]
    );
    s.stop().await;
}
