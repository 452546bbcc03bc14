//! The run store: runs, steps, dedupe, leases, durability and secrets, through the public API.
//!
//! One test binary for the whole directory (one link step); each file is a module.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod backends;
mod common;
mod durability;
mod postgres;
mod queue;
mod runs;
mod table_examples;
mod tables;
mod ticks;
