//! The `peerlift` binary's library: configuration, server wiring, the command line (`cli`,
//! one module per area) and the client commands it calls, and the example-data generator.
//! `main.rs` only parses, dispatches and prints the error, so the end-to-end tests start the
//! very same server and run the very same commands.

pub mod access_cli;
pub mod bench;
pub mod bench_console;
pub mod cli;
pub mod client;
pub mod community_cli;
pub mod config;
pub mod console;
pub mod gen;
pub mod health;
pub mod i18n;
pub mod ics;
pub mod loadtest;
pub mod match_cli;
pub mod network_cli;
pub mod output;
pub mod programme_cli;
pub mod reflection;
pub mod rematch_cli;
pub mod server;
pub mod sessions_cli;
pub mod svg;
pub mod synth;
pub mod table;
