//! The peerlift domain: municipalities, schools, teachers, mentor profiles, diagnostics and the
//! catalogues they refer to, with the validation rules every write must pass.
//!
//! This crate is pure: no I/O, no clocks, no protobuf. Callers pass "now" in, so the same input
//! always gives the same output, and every layer above (store, API, matcher) shares one
//! definition of what a valid record is.

pub mod access;
pub mod associations;
pub mod catalog;
pub mod cron;
pub mod csvfmt;
pub mod curators;
pub mod events;
pub mod ids;
pub mod matching;
pub mod meta;
pub mod model;
pub mod phrase;
pub mod plans;
pub mod platforms;
pub mod programme;
pub mod progress;
pub mod rematch;
pub mod report;
pub mod sessions;
pub mod validate;

pub use associations::{Association, AssociationKind, Member, Reach};
pub use catalog::{Catalog, CatalogEntry, CatalogKind};
pub use curators::Curator;
pub use events::{Event, EventFeedback, EventStatus, OrganiserKind};
pub use matching::*;
pub use model::*;
pub use phrase::{Arg, Named, Phrase};
pub use plans::{ItemKind, ItemStatus, Plan, PlanItem, PlanKind};
pub use platforms::{ManagementDiagnostic, Platform};
pub use programme::{
    Assessment, DocumentKind, Indicator, Programme, ProgrammeLevel, SignedDocument, Stage,
    StudentResult, Target,
};
pub use rematch::*;
pub use sessions::*;
pub use validate::{FieldViolation, Violations};

/// The one error type of the domain crate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DomainError {
    /// One or more fields are invalid; each violation names its field.
    #[error("invalid input: {0}")]
    Invalid(Violations),
}

impl From<Violations> for DomainError {
    fn from(v: Violations) -> Self {
        DomainError::Invalid(v)
    }
}
