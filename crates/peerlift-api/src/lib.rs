//! The peerlift gRPC API: generated protobuf code and the tonic services that map it to the
//! domain and the store. This is the only crate that knows protobuf.

pub mod app;
pub mod auth;
pub mod caller;
pub mod convert;
pub mod convert_match;
pub mod convert_network;
pub mod convert_programme;
pub mod convert_sessions;
pub mod error;
pub mod fuzzing;
pub mod mask;
mod paging;
pub mod services;
pub mod state;

/// Generated code of package `peerlift.v1`.
#[allow(missing_debug_implementations, clippy::all)]
pub mod pb {
    tonic::include_proto!("peerlift.v1");

    /// Encoded descriptor set of every peerlift proto, for server reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        include_bytes!(concat!(env!("OUT_DIR"), "/peerlift_descriptor.bin"));
}

pub use error::{ApiError, ApiResult};
pub use state::AppState;
