//! Okta cards: read a user, clear sessions, suspend and unsuspend, and any other Management API
//! call. See `docs/connectors.md` for the exact requests.

pub mod client;
pub mod connection;
pub mod lifecycle;

cards!(read_user, suspend_user, unsuspend_user, api_request);
