//! flow-auth against the fake token endpoint of flow-testkit: every grant, the cache, and
//! the absence of secrets in errors and `Debug` output.

// Tests fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cache;
mod client_credentials;
mod common;
mod fake_checks;
mod grants;
mod okta_api;
mod secrets;
