//! The API's error type and its one mapping to `tonic::Status`.
//!
//! Services return `ApiError`; only `From<ApiError> for Status` knows gRPC codes. Invalid input
//! carries every offending field as standard `google.rpc.BadRequest` field violations, so
//! clients in any language can point at the field without parsing messages.

use peerlift_domain::Violations;
use peerlift_store::StoreError;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Bad input; each violation names its field (`school.name`).
    #[error("invalid argument: {0}")]
    Invalid(Violations),
    #[error("{kind} '{id}' not found")]
    NotFound { kind: &'static str, id: String },
    #[error("{kind} '{id}' already exists")]
    AlreadyExists { kind: &'static str, id: String },
    /// The caller's etag is not the current one: someone changed the resource since it was read.
    #[error("{kind} '{id}' was changed by someone else (etag {given}, current {current}); read it again and retry")]
    StaleEtag {
        kind: &'static str,
        id: String,
        given: String,
        current: String,
    },
    /// The request is valid but the state forbids it (referential rules).
    #[error("{0}")]
    FailedPrecondition(String),
    /// The client went away or the stream broke mid-call.
    #[error("{0}")]
    Cancelled(String),
    /// No usable credentials (missing, unknown, revoked or expired token).
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller may not make this call, or not on this resource; says nothing about whether
    /// the resource exists.
    #[error("{0}")]
    PermissionDenied(String),
    /// A limit was reached (rate, concurrency): retry later.
    #[error("{0}")]
    ResourceExhausted(String),
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error("internal: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> ApiError {
        ApiError::Invalid(Violations::single(field, description))
    }
}

impl From<ApiError> for Status {
    fn from(e: ApiError) -> Status {
        let message = e.to_string();
        match e {
            ApiError::Invalid(v) => {
                let mut details = ErrorDetails::new();
                for f in v.0 {
                    details.add_bad_request_violation(f.field, f.description);
                }
                Status::with_error_details(Code::InvalidArgument, message, details)
            }
            ApiError::NotFound { kind, id } => Status::with_error_details(
                Code::NotFound,
                message,
                ErrorDetails::with_resource_info(kind, id, "", "not found"),
            ),
            ApiError::AlreadyExists { kind, id } => Status::with_error_details(
                Code::AlreadyExists,
                message,
                ErrorDetails::with_resource_info(kind, id, "", "already exists"),
            ),
            ApiError::StaleEtag { kind, id, .. } => Status::with_error_details(
                Code::Aborted,
                message,
                ErrorDetails::with_resource_info(kind, id, "", "stale etag"),
            ),
            ApiError::FailedPrecondition(_) => Status::failed_precondition(message),
            ApiError::Cancelled(_) => Status::cancelled(message),
            ApiError::Unauthenticated(_) => Status::unauthenticated(message),
            ApiError::PermissionDenied(_) => Status::permission_denied(message),
            ApiError::ResourceExhausted(_) => Status::resource_exhausted(message),
            ApiError::Store(StoreError::Locked { .. }) => Status::unavailable(message),
            ApiError::Store(_) | ApiError::Internal(_) => {
                tracing::error!(error = %message, "internal error");
                Status::internal(message)
            }
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
