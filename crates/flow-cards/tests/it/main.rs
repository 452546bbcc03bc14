//! Cards against fake upstreams on 127.0.0.1, and properties of the pure cards.
//!
//! One test binary for the whole directory (one link step); each file is a module.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod connector_engine;
mod connector_examples;
mod connectors;
mod okta_actions;
mod pure_props;
mod saas;
mod slack_actions;
mod slack_connector;
mod stream;
