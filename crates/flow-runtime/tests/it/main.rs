//! The engine with test cards: order, retries, timeouts, resume, secrets and memory limits, on tokio's paused clock.
//!
//! One test binary for the whole directory (one link step); each file is a module.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod blocks;
mod common;
mod control;
mod conversions;
mod engine;
mod limits;
mod order;
mod secrets;
