//! The trigger server through its router and over real sockets: auth, limits, dedupe, durability.
//!
//! One test binary for the whole directory (one link step); each file is a module.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod browser;
mod cdp;
mod common;
mod console;
mod durable;
mod okta_hook;
mod queue;
mod routes;
mod schedules;
mod socket;
