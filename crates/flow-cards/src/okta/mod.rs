//! Okta cards: read a user, clear sessions, suspend and unsuspend, and any other Management API
//! call. See `docs/connectors.md` for the exact requests.

pub mod api_request;
pub mod clear_user_sessions;
pub mod client;
pub mod connection;
pub mod lifecycle;
pub mod read_user;
