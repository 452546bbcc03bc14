//! flowctl's end-to-end tests: the built binary against temp projects, stores and fakes.
//!
//! One test binary for the whole directory (one link step); each file is a module.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cli;
mod common;
mod control;
mod crash;
mod docs;
mod flow_tests;
mod history;
mod import;
mod nodes;
mod okta_suspended_ticket;
mod oort_fakes;
mod pg_outage;
mod postgres;
mod project_connectors;
mod scenario;
mod secrets;
mod stream;
mod tables;
mod triggers;
