//! The fake Okta and Slack servers, tested against the vendors' documented contracts.
//!
//! One test binary for the whole directory (one link step); each file is a module.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod okta;
mod okta_groups;
mod okta_list;
mod okta_writes;
mod recorded;
mod slack;
