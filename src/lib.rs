//! The `peerlift` binary's library: configuration, server wiring, the CLI's client commands
//! and the example-data generator. `main.rs` only parses arguments and calls into here, so the
//! end-to-end tests start the very same server.

pub mod access_cli;
pub mod bench;
pub mod client;
pub mod config;
pub mod gen;
pub mod ics;
pub mod loadtest;
pub mod match_cli;
pub mod network_cli;
pub mod rematch_cli;
pub mod server;
pub mod sessions_cli;
pub mod svg;
pub mod synth;
pub mod table;
