//! tonic service implementations, one module per protobuf service.

pub mod access;
mod associations;
mod catalog;
mod curators;
mod diagnostics;
mod documents;
mod events;
mod import;
mod matching;
mod mentor_profiles;
mod mentorships;
mod municipalities;
mod network;
mod platforms;
mod programme;
mod rematch;
mod reports;
mod schools;
mod sessions;
mod teachers;

pub use access::{AuditApi, TokenApi};
pub use associations::AssociationApi;
pub use catalog::CatalogApi;
pub use curators::CuratorApi;
pub use diagnostics::DiagnosticApi;
pub use documents::DocumentApi;
pub use events::EventApi;
pub use import::ImportApi;
pub use matching::MatchingApi;
pub use mentor_profiles::MentorProfileApi;
pub use mentorships::MentorshipApi;
pub use municipalities::MunicipalityApi;
pub use network::NetworkApi;
pub use platforms::PlatformApi;
pub use programme::ProgrammeApi;
pub use rematch::{record_to_pb, RematchApi};
pub use reports::ReportApi;
pub use schools::SchoolApi;
pub(crate) use sessions::date_range;
pub use sessions::{load_settings, SessionApi};
pub use teachers::TeacherApi;

use peerlift_domain::Violations;

use crate::error::ApiError;

/// Takes a required sub-message of a request or names it as missing.
pub(crate) fn required<T>(field: &str, value: Option<T>) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::invalid(field, "must be set"))
}

/// Re-roots resource-relative violations under the request field.
pub(crate) fn under(prefix: &'static str) -> impl Fn(Violations) -> ApiError {
    move |v| ApiError::Invalid(v.prefixed(prefix))
}

pub(crate) use crate::app::check_id;
