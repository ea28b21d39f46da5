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
    /// A refusal with a machine-readable reason (`ROLE_MAY_NOT_CALL`, `GRANT_MISSING`,
    /// `OUTSIDE_SCOPE`) and what a program needs to act on it (the grant that is missing).
    #[error("{message}")]
    Denied {
        reason: &'static str,
        message: String,
        metadata: Vec<(&'static str, String)>,
    },
    /// A limit was reached (rate, concurrency): retry later.
    #[error("{0}")]
    ResourceExhausted(String),
    /// A message over the size limit (as tonic reports it for unary calls).
    #[error("{0}")]
    OutOfRange(String),
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

/// Bounds on what an error carries back. The message and the details travel in HTTP/2
/// trailers, which clients cap (16 KiB is common): an error that echoed a 1 MB value (a date
/// that is not a date, an unknown id) broke the stream instead of saying what was wrong. So
/// every value is clipped, and only the first violations are detailed.
const MAX_MESSAGE_CHARS: usize = 1_000;
const MAX_FIELD_CHARS: usize = 160;
const MAX_DESCRIPTION_CHARS: usize = 200;
const MAX_VIOLATIONS: usize = 16;

/// `s` in at most `max` characters (plus an ellipsis): its beginning and its end, since an
/// echoed value usually comes first and the explanation last (`'…' is not a date like …`).
pub fn clip(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let head: String = s.chars().take(max / 2).collect();
    let tail: String = s.chars().skip(n - (max - max / 2)).collect();
    format!("{head}…{tail}")
}

impl From<ApiError> for Status {
    fn from(e: ApiError) -> Status {
        // Values that may come from the request are clipped before they are formatted, so
        // the message still ends with what happened ("... not found").
        let e = match e {
            ApiError::Invalid(v) => {
                let total = v.0.len();
                let mut shown = Violations(
                    v.0.into_iter()
                        .take(MAX_VIOLATIONS)
                        .map(|f| peerlift_domain::FieldViolation {
                            field: clip(&f.field, MAX_FIELD_CHARS),
                            description: clip(&f.description, MAX_DESCRIPTION_CHARS),
                        })
                        .collect(),
                );
                let mut details = ErrorDetails::new();
                for f in &shown.0 {
                    details.add_bad_request_violation(f.field.clone(), f.description.clone());
                }
                let mut message = ApiError::Invalid(std::mem::take(&mut shown)).to_string();
                if total > MAX_VIOLATIONS {
                    message.push_str(&format!(" (and {} more)", total - MAX_VIOLATIONS));
                }
                return Status::with_error_details(
                    Code::InvalidArgument,
                    clip(&message, MAX_MESSAGE_CHARS),
                    details,
                );
            }
            ApiError::NotFound { kind, id } => ApiError::NotFound {
                kind,
                id: clip(&id, MAX_FIELD_CHARS),
            },
            ApiError::AlreadyExists { kind, id } => ApiError::AlreadyExists {
                kind,
                id: clip(&id, MAX_FIELD_CHARS),
            },
            ApiError::StaleEtag {
                kind,
                id,
                given,
                current,
            } => ApiError::StaleEtag {
                kind,
                id: clip(&id, MAX_FIELD_CHARS),
                given: clip(&given, MAX_FIELD_CHARS),
                current,
            },
            other => other,
        };
        let message = clip(&e.to_string(), MAX_MESSAGE_CHARS);
        match e {
            ApiError::Invalid(_) => Status::invalid_argument(message),
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
            // Every refusal carries google.rpc details a program can branch on.
            ApiError::FailedPrecondition(_) => Status::with_error_details(
                Code::FailedPrecondition,
                message.clone(),
                ErrorDetails::with_precondition_failure_violation("STATE", "", message),
            ),
            ApiError::Cancelled(_) => Status::cancelled(message),
            ApiError::Unauthenticated(_) => Status::unauthenticated(message),
            ApiError::PermissionDenied(_) => Status::with_error_details(
                Code::PermissionDenied,
                message,
                ErrorDetails::with_error_info(
                    "PERMISSION_DENIED",
                    DOMAIN,
                    std::collections::HashMap::new(),
                ),
            ),
            ApiError::Denied {
                reason, metadata, ..
            } => Status::with_error_details(
                Code::PermissionDenied,
                message,
                ErrorDetails::with_error_info(
                    reason,
                    DOMAIN,
                    metadata
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), clip(&v, MAX_FIELD_CHARS)))
                        .collect::<std::collections::HashMap<_, _>>(),
                ),
            ),
            ApiError::ResourceExhausted(_) => Status::resource_exhausted(message),
            ApiError::OutOfRange(_) => Status::out_of_range(message),
            ApiError::Store(StoreError::Locked { .. }) => Status::unavailable(message),
            // The disk, not the request, and not a bug: say what happened to the write.
            ApiError::Store(ref e) if e.is_disk_full() => {
                tracing::error!(error = %message, "disk full");
                Status::resource_exhausted(format!(
                    "the server's disk is full; nothing was written: retry once space is freed ({message})"
                ))
            }
            // Not UNAVAILABLE: clients retry that on their own, and a create without a
            // request id would then be written twice.
            ApiError::Store(StoreError::Unflushed(_)) => {
                tracing::error!(error = %message, "flush failed");
                Status::unknown(format!(
                    "{message}: retry with the same request_id to confirm it"
                ))
            }
            ApiError::Store(ref e) if e.is_io() => {
                tracing::error!(error = %message, "storage failed");
                Status::unavailable(format!(
                    "the store could not write ({message}); nothing was written: retry later"
                ))
            }
            ApiError::Store(_) | ApiError::Internal(_) => {
                tracing::error!(error = %message, "internal error");
                Status::internal(message)
            }
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The `domain` of every `google.rpc.ErrorInfo` this API sends.
pub const DOMAIN: &str = "peerlift";

/// "a school token", "an integration token", "an admin token".
pub fn a_an(word: &str) -> String {
    let vowel = word
        .chars()
        .next()
        .is_some_and(|c| "aeiouAEIOU".contains(c));
    format!("{} {word}", if vowel { "an" } else { "a" })
}

/// How tonic's codec words a request it could not read. It answers them all INTERNAL, which
/// must mean a bug in the server; a body that does not decode is the caller's.
const UNREADABLE_REQUEST: [&str; 5] = [
    "failed to decode Protobuf message",
    "protocol error: received message",
    "Error decompressing",
    "Unexpected EOF decoding stream",
    "Missing request message",
];

/// The status for the caller: INVALID_ARGUMENT for a request tonic could not decode, the
/// status itself otherwise.
pub fn caller_fault(status: Status) -> Status {
    if status.code() == Code::Internal
        && UNREADABLE_REQUEST
            .iter()
            .any(|p| status.message().starts_with(p))
    {
        return Status::invalid_argument(format!(
            "the request is not a readable message of this call: {}",
            clip(status.message(), MAX_MESSAGE_CHARS / 2)
        ));
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_requests_are_the_callers_fault() {
        let st = caller_fault(Status::internal(
            "failed to decode Protobuf message: invalid wire type",
        ));
        assert_eq!(st.code(), Code::InvalidArgument);
        assert!(st.message().contains("invalid wire type"));
        let bug = caller_fault(Status::internal("internal: storage gone"));
        assert_eq!(bug.code(), Code::Internal);
    }

    #[test]
    fn clip_keeps_both_ends() {
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("abcdefghij", 4), "ab…ij");
        assert_eq!(clip("жжжжжжж", 2), "ж…ж");
    }

    #[test]
    fn huge_errors_are_bounded() {
        let mut v = Violations::new();
        for i in 0..1000 {
            v.add(format!("f{i}.{}", "x".repeat(10_000)), "y".repeat(10_000));
        }
        let st = Status::from(ApiError::Invalid(v));
        assert!(st.message().chars().count() <= MAX_MESSAGE_CHARS + 1);
        assert!(st.message().ends_with("(and 984 more)"), "{}", st.message());
        assert!(st.details().len() < 8 * 1024, "{}", st.details().len());
        let st = Status::from(ApiError::NotFound {
            kind: "teacher",
            id: "z".repeat(1 << 20),
        });
        assert!(st.message().ends_with("' not found"), "{}", st.message());
        assert!(st.message().len() < 1024);
    }
}
