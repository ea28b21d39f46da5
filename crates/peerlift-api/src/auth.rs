//! Authentication, authorisation and admission: who is calling, may they make this call, on
//! this resource, right now.
//!
//! Two steps, because tonic decodes a message only inside its service:
//! 1. [`AuthLayer`] sees every HTTP/2 request before any service does. It lets health (and
//!    reflection, when configured) through, reads the bearer token, refuses unknown, revoked
//!    and expired ones (UNAUTHENTICATED), classifies the RPC by its path with [`rpc_of`] and
//!    asks the domain policy whether the token's role may make such a call at all
//!    (PERMISSION_DENIED), applies the per-token rate limit and the global concurrency limit
//!    (RESOURCE_EXHAUSTED), and hands the [`Caller`] to the service in the request's
//!    extensions. Nothing is decoded, so a refused call costs no parsing.
//! 2. Every handler starts with [`AppState::admit`], which takes the caller out of the
//!    request and checks the resource the decoded message names ([`Scoped`]) against the
//!    token's scope before anything is read: a call outside the scope is PERMISSION_DENIED
//!    whether or not the resource exists. A handler without the layer in front finds no caller
//!    and refuses (UNAUTHENTICATED): deny by default.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, LazyLock, Mutex, RwLock};
use std::task::{Context, Poll};
use std::time::Instant;

use jiff::Timestamp;
use peerlift_domain::access::{allows, hash_secret, Op, Rpc, Scope, Service, Token};
use peerlift_domain::Municipality;
use peerlift_store::{key, Store};
use tokio::sync::Semaphore;
use tonic::Status;

use crate::caller::outside;
pub use crate::caller::Caller;
use crate::error::{ApiError, ApiResult};
use crate::pb;
use crate::state::AppState;

/// What a request message names, for the scope check.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// Installation-wide (the role table restricts these to admins, or the handler filters).
    Global,
    /// A municipality's data that school tokens may not read.
    Municipality(&'a str),
    /// A municipality's data every token of it may read (its own record, its catalogue).
    Shared(&'a str),
    /// A municipality's data about one school; school tokens only for their own.
    School(&'a str, &'a str),
    /// A resource whose school the handler checks with [`Caller::gate_school`].
    Gated(&'a str),
    /// A whole region.
    Region(&'a str),
}

/// Request messages name their target.
pub trait Scoped {
    fn target(&self) -> Target<'_>;
}

/// Matching calls address region-wide runs as municipality `region:<name>`.
fn muni_or_region(id: &str) -> Target<'_> {
    match id.strip_prefix("region:") {
        Some(r) => Target::Region(r),
        None => Target::Municipality(id),
    }
}

macro_rules! scoped {
    ($variant:ident: $($t:ident),+ $(,)?) => {
        $(impl Scoped for pb::$t {
            fn target(&self) -> Target<'_> {
                Target::$variant(&self.municipality_id)
            }
        })+
    };
}

scoped!(Municipality:
    CreateSchoolRequest, ListSchoolsRequest, UpdateSchoolRequest, DeleteSchoolRequest,
    CreateTeacherRequest, UpdateTeacherRequest, DeleteTeacherRequest, EraseTeacherRequest,
    CreateMentorProfileRequest, GetMentorProfileRequest, ListMentorProfilesRequest,
    UpdateMentorProfileRequest, DeleteMentorProfileRequest,
    CreateDiagnosticRequest, GetDiagnosticRequest, ListDiagnosticsRequest,
    UpdateDiagnosticRequest, DeleteDiagnosticRequest,
    CreateCatalogEntryRequest, DeleteCatalogEntryRequest,
    ListMentorshipsRequest, GetMentorshipRequest, CreateMentorshipRequest, LockMentorshipRequest,
    UpdateMentorshipRequest,
    UnlockMentorshipRequest,
    EndMentorshipRequest, VetoPairRequest, ListVetoesRequest,
    CreateSessionRequest, UpdateSessionRequest, CancelSessionRequest,
    GetScheduleSettingsRequest, ProposeScheduleRequest, GetScheduleProposalRequest,
    AcceptScheduleRequest,
    GetTeacherProgressRequest, GetMentorshipProgressRequest, GetMentorProgressRequest,
    ReportRequest,
    DeleteMunicipalityRequest,
    SuggestPeerPartnershipsRequest,
);
scoped!(Shared: GetMunicipalityRequest, ListCatalogRequest);
scoped!(Gated: GetTeacherRequest, GetSessionRequest, RecordSessionRequest,
    GetCuratorRequest, ListCuratorsRequest, GetCuratorViewRequest,
    GetEventRequest, ListEventsRequest, RegisterForEventRequest);
// The network's other resources and documents (issue 16, 17).
scoped!(Municipality:
    CreateCuratorRequest, UpdateCuratorRequest, DeleteCuratorRequest,
    CreateEventRequest, UpdateEventRequest, DeleteEventRequest,
    CreateAssociationRequest, GetAssociationRequest, ListAssociationsRequest,
    UpdateAssociationRequest, DeleteAssociationRequest, JoinAssociationRequest,
    LeaveAssociationRequest, RecommendAssociationsRequest, ParticipationReportRequest,
    CreatePlatformRequest, GetPlatformRequest, ListPlatformsRequest,
    UpdatePlatformRequest, DeletePlatformRequest, RecordManagementDiagnosticRequest,
    ListManagementDiagnosticsRequest, DeleteManagementDiagnosticRequest,
    RenderPartnershipOrderRequest,
    PutStudentResultsRequest,
    ListStudentResultsRequest, DraftRoutesRequest,
    RenderDocumentRequest, RecordSignedDocumentRequest, ListSignedDocumentsRequest,
);
// Plans: school and curator tokens keep their schools' routes and roadmaps (the handler checks
// the plan's school).
scoped!(Gated: CreatePlanRequest, GetPlanRequest, ListPlansRequest, UpdatePlanRequest,
    DeletePlanRequest);

impl Scoped for pb::GetSchoolRequest {
    fn target(&self) -> Target<'_> {
        Target::School(&self.municipality_id, &self.school_id)
    }
}
impl Scoped for pb::ListTeachersRequest {
    fn target(&self) -> Target<'_> {
        Target::School(&self.municipality_id, &self.school_id)
    }
}
impl Scoped for pb::ListSessionsRequest {
    fn target(&self) -> Target<'_> {
        Target::School(&self.municipality_id, &self.school_id)
    }
}
impl Scoped for pb::GetSchoolProgressRequest {
    fn target(&self) -> Target<'_> {
        Target::School(&self.municipality_id, &self.school_id)
    }
}
impl Scoped for pb::RunMatchingRequest {
    fn target(&self) -> Target<'_> {
        if self.municipality_id.is_empty() && !self.region.is_empty() {
            Target::Region(&self.region)
        } else {
            muni_or_region(&self.municipality_id)
        }
    }
}
macro_rules! scoped_run {
    ($($t:ident),+) => {
        $(impl Scoped for pb::$t {
            fn target(&self) -> Target<'_> {
                muni_or_region(&self.municipality_id)
            }
        })+
    };
}
// The network and the nightly rematch are a region's too (README: `-m region:NAME`).
scoped_run!(
    GetNetworkRequest,
    GetRematchPolicyRequest,
    TriggerRematchRequest,
    ListRematchRecordsRequest,
    GetMatchRunRequest,
    ListMatchRunsRequest,
    ApproveMatchRunRequest,
    RejectMatchRunRequest,
    ListMatchRunPairsRequest,
    ListMatchRunUnmatchedRequest,
    ListMatchRunChangesRequest
);
// Programmes may be a region's (README: "The programme year").
scoped_run!(
    CreateProgrammeRequest,
    GetProgrammeRequest,
    ListProgrammesRequest,
    UpdateProgrammeRequest,
    DeleteProgrammeRequest,
    GetProgrammeIndicatorsRequest
);
impl Scoped for pb::ExportMatchProblemRequest {
    fn target(&self) -> Target<'_> {
        if self.municipality_id.is_empty() && !self.region.is_empty() {
            Target::Region(&self.region)
        } else {
            muni_or_region(&self.municipality_id)
        }
    }
}
impl Scoped for pb::UpdateScheduleSettingsRequest {
    fn target(&self) -> Target<'_> {
        Target::Municipality(
            self.settings
                .as_ref()
                .map(|s| s.municipality_id.as_str())
                .unwrap_or_default(),
        )
    }
}
impl Scoped for pb::UpdateRematchPolicyRequest {
    fn target(&self) -> Target<'_> {
        muni_or_region(
            self.policy
                .as_ref()
                .map(|s| s.municipality_id.as_str())
                .unwrap_or_default(),
        )
    }
}
impl Scoped for pb::UpdateMunicipalityRequest {
    fn target(&self) -> Target<'_> {
        Target::Municipality(
            self.municipality
                .as_ref()
                .map(|s| s.id.as_str())
                .unwrap_or_default(),
        )
    }
}
impl Scoped for pb::ListAuditRequest {
    fn target(&self) -> Target<'_> {
        if self.municipality_id.is_empty() {
            Target::Global
        } else {
            muni_or_region(&self.municipality_id)
        }
    }
}
macro_rules! scoped_global {
    ($($t:ident),+) => {
        $(impl Scoped for pb::$t {
            fn target(&self) -> Target<'_> {
                Target::Global
            }
        })+
    };
}
scoped_global!(
    CreateMunicipalityRequest,
    ListMunicipalitiesRequest,
    CreateTokenRequest,
    ListTokensRequest,
    RevokeTokenRequest
);

/// The admission every handler starts with: who is calling (the layer put it in the request)
/// and whether what the message names is inside the caller's scope, before anything is read.
pub trait Admit {
    /// Takes the caller out of a request and checks the message's target against its scope.
    fn admit<T: Scoped + Send>(
        &self,
        req: tonic::Request<T>,
    ) -> impl std::future::Future<Output = ApiResult<(Caller, T)>> + Send;

    /// Whether `target` is inside the caller's scope.
    fn check_target(
        &self,
        caller: &Caller,
        target: Target<'_>,
    ) -> impl std::future::Future<Output = ApiResult<()>> + Send;
}

impl Admit for AppState {
    async fn admit<T: Scoped + Send>(&self, req: tonic::Request<T>) -> ApiResult<(Caller, T)> {
        let mut caller = caller_of(&req)?;
        if let Some((m, c)) = caller.scope.curator() {
            let k = key(&[m, c]);
            let found = self
                .read_now(move |s| Ok(s.get::<peerlift_domain::Curator>(&k)?))
                .await?;
            // A token whose curator record was deleted sees no school at all.
            caller.curated = found.map(|c| c.schools).unwrap_or_default();
        }
        let msg = req.into_inner();
        self.check_target(&caller, msg.target()).await?;
        Ok((caller, msg))
    }

    async fn check_target(&self, caller: &Caller, target: Target<'_>) -> ApiResult<()> {
        if caller.scope == Scope::All {
            return Ok(());
        }
        let muni = match target {
            Target::Global => return Ok(()),
            Target::Region(r) => {
                return if caller.scope.covers_region(r) {
                    Ok(())
                } else {
                    Err(outside())
                }
            }
            Target::Municipality(m) | Target::Shared(m) | Target::Gated(m) => m,
            Target::School(m, _) => m,
        };
        let bound = caller
            .scope
            .school()
            .or(caller.scope.curator())
            .map(|(m, _)| m);
        if let Some(own_m) = bound {
            let ok = match target {
                Target::Shared(m) | Target::Gated(m) => m == own_m,
                Target::School(m, s) => m == own_m && caller.sees_school(s),
                _ => false,
            };
            return if ok { Ok(()) } else { Err(outside()) };
        }
        let region = match &caller.scope {
            Scope::Region(_) if !muni.is_empty() => {
                let k = key(&[muni]);
                self.read_now(move |s| Ok(s.get::<Municipality>(&k)?.map(|m| m.region)))
                    .await?
            }
            _ => None,
        };
        if caller.scope.covers(muni, region.as_deref()) {
            Ok(())
        } else {
            Err(outside())
        }
    }
}

/// The caller the layer attached to a request.
pub fn caller_of<T>(req: &tonic::Request<T>) -> ApiResult<Caller> {
    let mut caller = req.extensions().get::<Caller>().cloned().ok_or_else(|| {
        ApiError::Unauthenticated("no credentials were checked for this call".into())
    })?;
    caller.lang = lang_of(req.metadata());
    Ok(caller)
}

/// The language a call asks for in `accept-language` (English without one). Explanations in
/// answers (reasons, the optimality statement, score terms) are said in it; error messages
/// stay English, for programs.
pub fn lang_of(md: &tonic::metadata::MetadataMap) -> peerlift_text::Lang {
    md.get("accept-language")
        .and_then(|v| v.to_str().ok())
        .map(peerlift_text::Lang::from_accept_language)
        .unwrap_or_default()
}

/// Every peerlift RPC: service, method, the policy's view of it. An RPC missing here is refused
/// to every token (a unit test checks the table against the compiled protos).
const TABLE: &[(&str, &str, Service, Op, bool)] = {
    use Op::{Admin as A, Approve as P, Read as R, Write as W};
    use Service as S;
    &[
        (
            "MunicipalityService",
            "CreateMunicipality",
            S::Municipalities,
            A,
            false,
        ),
        (
            "MunicipalityService",
            "GetMunicipality",
            S::Municipalities,
            R,
            true,
        ),
        (
            "MunicipalityService",
            "ListMunicipalities",
            S::Municipalities,
            R,
            false,
        ),
        (
            "MunicipalityService",
            "UpdateMunicipality",
            S::Municipalities,
            W,
            false,
        ),
        (
            "MunicipalityService",
            "DeleteMunicipality",
            S::Municipalities,
            A,
            false,
        ),
        ("SchoolService", "CreateSchool", S::Schools, W, false),
        ("SchoolService", "GetSchool", S::Schools, R, true),
        ("SchoolService", "ListSchools", S::Schools, R, false),
        ("SchoolService", "UpdateSchool", S::Schools, W, false),
        ("SchoolService", "DeleteSchool", S::Schools, W, false),
        ("TeacherService", "CreateTeacher", S::Teachers, W, false),
        ("TeacherService", "GetTeacher", S::Teachers, R, true),
        ("TeacherService", "ListTeachers", S::Teachers, R, true),
        ("TeacherService", "UpdateTeacher", S::Teachers, W, false),
        ("TeacherService", "DeleteTeacher", S::Teachers, W, false),
        ("TeacherService", "EraseTeacher", S::Teachers, W, false),
        (
            "MentorProfileService",
            "CreateMentorProfile",
            S::MentorProfiles,
            W,
            false,
        ),
        (
            "MentorProfileService",
            "GetMentorProfile",
            S::MentorProfiles,
            R,
            false,
        ),
        (
            "MentorProfileService",
            "ListMentorProfiles",
            S::MentorProfiles,
            R,
            false,
        ),
        (
            "MentorProfileService",
            "UpdateMentorProfile",
            S::MentorProfiles,
            W,
            false,
        ),
        (
            "MentorProfileService",
            "DeleteMentorProfile",
            S::MentorProfiles,
            W,
            false,
        ),
        (
            "DiagnosticService",
            "CreateDiagnostic",
            S::Diagnostics,
            W,
            false,
        ),
        (
            "DiagnosticService",
            "GetDiagnostic",
            S::Diagnostics,
            R,
            false,
        ),
        (
            "DiagnosticService",
            "ListDiagnostics",
            S::Diagnostics,
            R,
            false,
        ),
        (
            "DiagnosticService",
            "UpdateDiagnostic",
            S::Diagnostics,
            W,
            false,
        ),
        (
            "DiagnosticService",
            "DeleteDiagnostic",
            S::Diagnostics,
            W,
            false,
        ),
        ("CatalogService", "ListCatalog", S::Catalog, R, true),
        ("CatalogService", "CreateCatalogEntry", S::Catalog, W, false),
        ("CatalogService", "DeleteCatalogEntry", S::Catalog, W, false),
        ("ImportService", "Import", S::Import, W, false),
        ("MatchingService", "RunMatching", S::Matching, W, false),
        ("MatchingService", "GetMatchRun", S::Matching, R, false),
        (
            "MatchingService",
            "ListMatchRunPairs",
            S::Matching,
            R,
            false,
        ),
        (
            "MatchingService",
            "ListMatchRunUnmatched",
            S::Matching,
            R,
            false,
        ),
        (
            "MatchingService",
            "ListMatchRunChanges",
            S::Matching,
            R,
            false,
        ),
        // It recomputes the problem (and without a run id solves one): as costly as
        // RunMatching, so it needs the same right.
        (
            "MatchingService",
            "ExportMatchProblem",
            S::Matching,
            W,
            false,
        ),
        ("MatchingService", "ListMatchRuns", S::Matching, R, false),
        ("MatchingService", "ApproveMatchRun", S::Matching, P, false),
        ("MatchingService", "RejectMatchRun", S::Matching, P, false),
        (
            "MatchingService",
            "SuggestPeerPartnerships",
            S::Matching,
            R,
            false,
        ),
        (
            "MentorshipService",
            "ListMentorships",
            S::Mentorships,
            R,
            false,
        ),
        (
            "MentorshipService",
            "GetMentorship",
            S::Mentorships,
            R,
            false,
        ),
        (
            "MentorshipService",
            "CreateMentorship",
            S::Mentorships,
            W,
            false,
        ),
        (
            "MentorshipService",
            "UpdateMentorship",
            S::Mentorships,
            W,
            false,
        ),
        (
            "MentorshipService",
            "LockMentorship",
            S::Mentorships,
            W,
            false,
        ),
        (
            "MentorshipService",
            "UnlockMentorship",
            S::Mentorships,
            W,
            false,
        ),
        (
            "MentorshipService",
            "EndMentorship",
            S::Mentorships,
            W,
            false,
        ),
        ("MentorshipService", "VetoPair", S::Mentorships, W, false),
        ("MentorshipService", "ListVetoes", S::Mentorships, R, false),
        ("NetworkService", "GetNetwork", S::Network, R, false),
        ("SessionService", "CreateSession", S::Sessions, W, false),
        ("SessionService", "GetSession", S::Sessions, R, true),
        ("SessionService", "UpdateSession", S::Sessions, W, false),
        ("SessionService", "CancelSession", S::Sessions, W, false),
        ("SessionService", "RecordSession", S::Sessions, W, true),
        ("SessionService", "ListSessions", S::Sessions, R, true),
        (
            "SessionService",
            "GetScheduleSettings",
            S::Sessions,
            R,
            false,
        ),
        (
            "SessionService",
            "UpdateScheduleSettings",
            S::Sessions,
            W,
            false,
        ),
        ("SessionService", "ProposeSchedule", S::Sessions, W, false),
        (
            "SessionService",
            "GetScheduleProposal",
            S::Sessions,
            R,
            false,
        ),
        ("SessionService", "AcceptSchedule", S::Sessions, W, false),
        ("ReportService", "GetTeacherProgress", S::Reports, R, false),
        (
            "ReportService",
            "GetMentorshipProgress",
            S::Reports,
            R,
            false,
        ),
        ("ReportService", "GetMentorProgress", S::Reports, R, false),
        ("ReportService", "GetSchoolProgress", S::Reports, R, true),
        ("CuratorService", "CreateCurator", S::Curators, W, false),
        ("CuratorService", "GetCurator", S::Curators, R, false),
        ("CuratorService", "ListCurators", S::Curators, R, false),
        ("CuratorService", "UpdateCurator", S::Curators, W, false),
        ("CuratorService", "DeleteCurator", S::Curators, W, false),
        ("CuratorService", "GetCuratorView", S::Curators, R, false),
        ("EventService", "CreateEvent", S::Events, W, false),
        ("EventService", "GetEvent", S::Events, R, true),
        ("EventService", "ListEvents", S::Events, R, true),
        ("EventService", "UpdateEvent", S::Events, W, false),
        ("EventService", "DeleteEvent", S::Events, W, false),
        ("EventService", "RegisterForEvent", S::Events, W, true),
        (
            "AssociationService",
            "CreateAssociation",
            S::Associations,
            W,
            false,
        ),
        (
            "AssociationService",
            "GetAssociation",
            S::Associations,
            R,
            false,
        ),
        (
            "AssociationService",
            "ListAssociations",
            S::Associations,
            R,
            false,
        ),
        (
            "AssociationService",
            "UpdateAssociation",
            S::Associations,
            W,
            false,
        ),
        (
            "AssociationService",
            "DeleteAssociation",
            S::Associations,
            W,
            false,
        ),
        (
            "AssociationService",
            "JoinAssociation",
            S::Associations,
            W,
            false,
        ),
        (
            "AssociationService",
            "LeaveAssociation",
            S::Associations,
            W,
            false,
        ),
        (
            "AssociationService",
            "RecommendAssociations",
            S::Associations,
            R,
            false,
        ),
        (
            "AssociationService",
            "ParticipationReport",
            S::Associations,
            R,
            false,
        ),
        ("PlatformService", "CreatePlatform", S::Platforms, W, false),
        ("PlatformService", "GetPlatform", S::Platforms, R, false),
        ("PlatformService", "ListPlatforms", S::Platforms, R, false),
        ("PlatformService", "UpdatePlatform", S::Platforms, W, false),
        ("PlatformService", "DeletePlatform", S::Platforms, W, false),
        (
            "PlatformService",
            "RecordManagementDiagnostic",
            S::Platforms,
            W,
            false,
        ),
        (
            "PlatformService",
            "ListManagementDiagnostics",
            S::Platforms,
            R,
            false,
        ),
        (
            "PlatformService",
            "DeleteManagementDiagnostic",
            S::Platforms,
            W,
            false,
        ),
        ("ReportService", "CoverageReport", S::Reports, R, false),
        ("ReportService", "MentorLoadReport", S::Reports, R, false),
        ("ReportService", "SessionsReport", S::Reports, R, false),
        ("ReportService", "ProgressReport", S::Reports, R, false),
        ("ReportService", "OutcomesReport", S::Reports, R, false),
        ("ReportService", "MonitoringReport", S::Reports, R, false),
        (
            "DocumentService",
            "RenderPartnershipOrder",
            S::Reports,
            R,
            false,
        ),
        ("ReportService", "ExportPseudonymised", S::Reports, R, false),
        ("DocumentService", "RenderDocument", S::Reports, R, false),
        (
            "DocumentService",
            "RecordSignedDocument",
            S::Programme,
            W,
            false,
        ),
        (
            "DocumentService",
            "ListSignedDocuments",
            S::Programme,
            R,
            false,
        ),
        (
            "ProgrammeService",
            "CreateProgramme",
            S::Programme,
            W,
            false,
        ),
        ("ProgrammeService", "GetProgramme", S::Programme, R, false),
        ("ProgrammeService", "ListProgrammes", S::Programme, R, false),
        (
            "ProgrammeService",
            "UpdateProgramme",
            S::Programme,
            W,
            false,
        ),
        (
            "ProgrammeService",
            "DeleteProgramme",
            S::Programme,
            W,
            false,
        ),
        (
            "ProgrammeService",
            "GetProgrammeIndicators",
            S::Programme,
            R,
            false,
        ),
        (
            "ProgrammeService",
            "PutStudentResults",
            S::Programme,
            W,
            false,
        ),
        (
            "ProgrammeService",
            "ListStudentResults",
            S::Programme,
            R,
            false,
        ),
        ("ProgrammeService", "CreatePlan", S::Programme, W, true),
        ("ProgrammeService", "GetPlan", S::Programme, R, true),
        ("ProgrammeService", "ListPlans", S::Programme, R, true),
        ("ProgrammeService", "UpdatePlan", S::Programme, W, true),
        ("ProgrammeService", "DeletePlan", S::Programme, W, true),
        ("ProgrammeService", "DraftRoutes", S::Programme, W, false),
        ("RematchService", "GetRematchPolicy", S::Rematch, R, false),
        (
            "RematchService",
            "UpdateRematchPolicy",
            S::Rematch,
            P,
            false,
        ),
        ("RematchService", "TriggerRematch", S::Rematch, P, false),
        ("RematchService", "ListRematchRecords", S::Rematch, R, false),
        ("TokenService", "CreateToken", S::Tokens, A, false),
        ("TokenService", "ListTokens", S::Tokens, A, false),
        ("TokenService", "RevokeToken", S::Tokens, A, false),
        ("AuditService", "ListAudit", S::Audit, R, false),
    ]
};

static BY_PATH: LazyLock<HashMap<String, Rpc>> = LazyLock::new(|| {
    TABLE
        .iter()
        .map(|(svc, method, service, op, school)| {
            (
                format!("/peerlift.v1.{svc}/{method}"),
                Rpc {
                    service: *service,
                    op: *op,
                    school: *school,
                },
            )
        })
        .collect()
});

/// The policy's view of the RPC at an HTTP path (`/peerlift.v1.SchoolService/GetSchool`).
pub fn rpc_of(path: &str) -> Option<Rpc> {
    BY_PATH.get(path).copied()
}

/// Every classified RPC as (service, method), for tests and documentation.
pub fn rpcs() -> impl Iterator<Item = (&'static str, &'static str, Rpc)> {
    TABLE.iter().map(|(s, m, service, op, school)| {
        (
            *s,
            *m,
            Rpc {
                service: *service,
                op: *op,
                school: *school,
            },
        )
    })
}

/// Settings of the layer.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// False only with the explicit development flag.
    pub enabled: bool,
    /// Serve reflection (to anyone: it describes the public API only).
    pub reflection: bool,
    /// Sustained calls per second per token (0: unlimited), shared by all its connections.
    pub rate_per_sec: f64,
    /// Calls a token may make at once above the sustained rate.
    pub burst: f64,
    /// Calls served at once by the whole server (0: unlimited).
    pub max_concurrent: usize,
    /// Over the global limit, refuse at once (RESOURCE_EXHAUSTED) instead of queueing.
    pub load_shed: bool,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            enabled: true,
            reflection: true,
            rate_per_sec: 1000.0,
            burst: 2000.0,
            max_concurrent: 512,
            load_shed: true,
        }
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Tokens by hash, rate buckets by token id, the global concurrency permits.
#[derive(Debug)]
pub struct Auth {
    pub config: AuthConfig,
    tokens: RwLock<HashMap<String, Arc<Token>>>,
    buckets: Mutex<HashMap<String, Bucket>>,
    permits: Option<Arc<Semaphore>>,
    /// Revoked in this process, refused before the revocation is written.
    pub revoked: Arc<crate::caller::Revoked>,
}

impl Auth {
    /// Loads the live tokens of the store.
    pub fn new(config: AuthConfig, store: &Store) -> ApiResult<Auth> {
        let permits =
            (config.max_concurrent > 0).then(|| Arc::new(Semaphore::new(config.max_concurrent)));
        let auth = Auth {
            config,
            tokens: RwLock::new(HashMap::new()),
            buckets: Mutex::new(HashMap::new()),
            permits,
            revoked: Arc::default(),
        };
        auth.reload(store)?;
        Ok(auth)
    }

    /// Auth off (development and in-process tests): every caller is [`Caller::dev`].
    pub fn dev() -> Auth {
        Auth {
            config: AuthConfig {
                enabled: false,
                ..AuthConfig::default()
            },
            tokens: RwLock::new(HashMap::new()),
            buckets: Mutex::new(HashMap::new()),
            permits: None,
            revoked: Arc::default(),
        }
    }

    /// Re-reads the tokens after a token write (which only this server can make while it runs:
    /// the store is locked to one process).
    pub fn reload(&self, store: &Store) -> ApiResult<()> {
        let mut map = HashMap::new();
        for t in store.scan::<Token>(&[], None) {
            let t = t?;
            // A token made before a scope's rules tightened (`municipality:region:north`)
            // would mean more than it says today: it is refused, and the log says which.
            if Scope::parse(&t.scope.code()).as_ref() != Some(&t.scope) {
                tracing::warn!(token = %t.id, scope = %t.scope.code(), "token refused: its scope is no longer valid; make a new one");
                continue;
            }
            map.insert(t.hash.clone(), Arc::new(t));
        }
        let mut guard = self
            .tokens
            .write()
            .map_err(|_| ApiError::Internal("token table poisoned".into()))?;
        *guard = map;
        Ok(())
    }

    /// Who presents these headers at `now`.
    pub fn authenticate(&self, headers: &http::HeaderMap, now: Timestamp) -> ApiResult<Caller> {
        if !self.config.enabled {
            return Ok(Caller::dev());
        }
        let value = headers
            .get(http::header::AUTHORIZATION)
            .ok_or_else(|| {
                ApiError::Unauthenticated(
                    "no token: send `authorization: Bearer <token>` (peerlift token create makes one)"
                        .into(),
                )
            })?
            .to_str()
            .map_err(|_| ApiError::Unauthenticated("the authorization header is not text".into()))?;
        let secret = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .ok_or_else(|| {
                ApiError::Unauthenticated(
                    "the authorization header must be `Bearer <token>`".into(),
                )
            })?
            .trim();
        self.identify(secret, now)?.ok_or_else(|| {
            ApiError::Unauthenticated("the token is unknown, revoked or expired".into())
        })
    }

    /// Who holds `secret` at `now`: `None` for a token unknown, revoked or expired (they look
    /// alike). The web console signs people in with it, so it lets in exactly whom the API does.
    pub fn identify(&self, secret: &str, now: Timestamp) -> ApiResult<Option<Caller>> {
        if !self.config.enabled {
            return Ok(Some(Caller::dev()));
        }
        let hash = hash_secret(secret);
        let token = self
            .tokens
            .read()
            .map_err(|_| ApiError::Internal("token table poisoned".into()))?
            .get(&hash)
            .cloned();
        let Some(token) = token.filter(|t| t.live(now) && !self.revoked.contains(&t.id)) else {
            return Ok(None);
        };
        Ok(Some(Caller {
            id: token.id.clone(),
            role: token.role,
            scope: token.scope.clone(),
            grants: token.grants.clone(),
            lang: peerlift_text::Lang::En,
            curated: Vec::new(),
        }))
    }

    /// Takes one call from the token's bucket.
    fn take(&self, token_id: &str) -> ApiResult<()> {
        let rate = self.config.rate_per_sec;
        if !self.config.enabled || rate <= 0.0 {
            return Ok(());
        }
        let burst = self.config.burst.max(1.0);
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .map_err(|_| ApiError::Internal("rate table poisoned".into()))?;
        let b = buckets.entry(token_id.to_string()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * rate).min(burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(ApiError::ResourceExhausted(format!(
                "token {token_id} is over its rate limit of {rate} calls per second; retry shortly"
            )))
        }
    }

    /// The layer's decision for one request: the caller to hand on, or a refusal.
    fn decide(&self, path: &str, headers: &http::HeaderMap, now: Timestamp) -> Decision {
        if path.starts_with("/grpc.health.v1.Health/") {
            return Decision::Open;
        }
        if path.starts_with("/grpc.reflection.") {
            return Decision::Open;
        }
        let caller = match self.authenticate(headers, now) {
            Ok(c) => c,
            Err(e) => return Decision::Refuse(e.into()),
        };
        let Some(rpc) = rpc_of(path) else {
            if path.starts_with("/peerlift.") {
                return Decision::Refuse(
                    ApiError::PermissionDenied(format!("{path} is not open to any token")).into(),
                );
            }
            // Not ours: tonic answers UNIMPLEMENTED.
            return Decision::Open;
        };
        if !allows(caller.role, &caller.grants, &rpc) {
            let method = path.rsplit('/').next().unwrap_or(path);
            return Decision::Refuse(refusal(&caller, &rpc, method).into());
        }
        if let Err(e) = self.take(&caller.id) {
            return Decision::Refuse(e.into());
        }
        Decision::Admit(caller)
    }
}

/// Why a role may not make a call, with what a program needs: an integration is told the
/// grant it lacks.
fn refusal(caller: &Caller, rpc: &Rpc, method: &str) -> ApiError {
    use peerlift_domain::access::Role;
    let who = crate::error::a_an(&format!("{} token", caller.role.code()));
    let mut metadata = vec![
        ("role", caller.role.code().to_string()),
        ("method", method.to_string()),
    ];
    let grant = match rpc.op {
        Op::Read => Some("read"),
        Op::Write => Some("write"),
        Op::Approve | Op::Admin => None,
    };
    match (caller.role, grant) {
        (Role::Integration, Some(access)) => {
            let needs = format!("{}:{access}", rpc.service.code());
            metadata.push(("missing_grant", needs.clone()));
            ApiError::Denied {
                reason: "GRANT_MISSING",
                message: format!("{who} may not call {method}: it needs the {needs} grant"),
                metadata,
            }
        }
        _ => ApiError::Denied {
            reason: "ROLE_MAY_NOT_CALL",
            message: format!("{who} may not call {method}"),
            metadata,
        },
    }
}

enum Decision {
    Open,
    Admit(Caller),
    Refuse(Status),
}

/// The tower layer in front of every service (see the module doc).
#[derive(Debug, Clone)]
pub struct AuthLayer {
    pub auth: Arc<Auth>,
}

impl<S> tower_layer::Layer<S> for AuthLayer {
    type Service = AuthService<S>;
    fn layer(&self, inner: S) -> AuthService<S> {
        AuthService {
            inner,
            auth: self.auth.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct AuthService<S> {
    inner: S,
    auth: Arc<Auth>,
}

type BoxFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

impl<S, B> tower_service::Service<http::Request<B>> for AuthService<S>
where
    S: tower_service::Service<http::Request<B>, Response = http::Response<tonic::body::Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        let decision = self
            .auth
            .decide(req.uri().path(), req.headers(), Timestamp::now());
        let caller = match decision {
            Decision::Refuse(status) => {
                tracing::debug!(path = %req.uri().path(), code = ?status.code(), "call refused");
                return Box::pin(std::future::ready(Ok(status.into_http())));
            }
            Decision::Open => None,
            Decision::Admit(c) => Some(c),
        };
        let permit = match (&caller, &self.auth.permits) {
            (Some(_), Some(sem)) => match sem.clone().try_acquire_owned() {
                Ok(p) => Some(Ok(p)),
                Err(_) if self.auth.config.load_shed => {
                    let status: Status = ApiError::ResourceExhausted(
                        "the server is at its concurrency limit; retry shortly".into(),
                    )
                    .into();
                    return Box::pin(std::future::ready(Ok(status.into_http())));
                }
                Err(_) => Some(Err(sem.clone())),
            },
            _ => None,
        };
        if let Some(c) = caller {
            req.extensions_mut().insert(c);
        }
        // The clone that was made ready is the one to call (tower's contract).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let _permit = match permit {
                Some(Ok(p)) => Some(p),
                Some(Err(sem)) => sem.acquire_owned().await.ok(),
                None => None,
            };
            let resp = inner.call(req).await?;
            Ok(unreadable_is_invalid(resp))
        })
    }
}

/// A request tonic could not decode is answered before any handler runs, as a trailers-only
/// response with INTERNAL; it is the caller's fault, so it becomes INVALID_ARGUMENT here.
fn unreadable_is_invalid(
    resp: http::Response<tonic::body::Body>,
) -> http::Response<tonic::body::Body> {
    if resp.headers().get("grpc-status").map(|v| v.as_bytes()) != Some(b"13") {
        return resp;
    }
    match Status::from_header_map(resp.headers()) {
        Some(st) if st.code() == tonic::Code::Internal => {
            let fixed = crate::error::caller_fault(st);
            if fixed.code() == tonic::Code::Internal {
                resp
            } else {
                fixed.into_http()
            }
        }
        _ => resp,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    /// Every RPC of the compiled protos is in the table, and nothing else is.
    #[test]
    fn the_table_covers_every_rpc() {
        let fds = prost_types::FileDescriptorSet::decode(pb::FILE_DESCRIPTOR_SET)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut compiled = Vec::new();
        for f in &fds.file {
            for s in &f.service {
                for m in &s.method {
                    compiled.push(format!("/{}.{}/{}", f.package(), s.name(), m.name()));
                }
            }
        }
        compiled.sort();
        let mut table: Vec<String> = BY_PATH.keys().cloned().collect();
        table.sort();
        assert_eq!(compiled, table);
    }

    #[test]
    fn the_rate_limit_refills() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = peerlift_store::Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let auth = Auth::new(
            AuthConfig {
                rate_per_sec: 0.001,
                burst: 3.0,
                ..AuthConfig::default()
            },
            &store,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        for _ in 0..3 {
            assert!(auth.take("t").is_ok());
        }
        assert!(matches!(
            auth.take("t"),
            Err(ApiError::ResourceExhausted(_))
        ));
        // Another token has its own bucket.
        assert!(auth.take("u").is_ok());
    }
}
