//! The application layer: the use cases the gRPC services, the nightly job and the CLI share,
//! on domain values. Nothing here knows protobuf or tonic: a handler converts its request to
//! these types, calls one use case inside a read or a write, and converts the answer back.
//! Rules about the domain's own state live on the domain types; what needs the store (reading
//! a scope, checking a generation, creating records in a batch) lives here.

pub mod runs;
