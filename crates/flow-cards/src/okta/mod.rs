//! Okta cards: read a user, clear sessions, suspend and unsuspend, any other Management API
//! call, and the import-profile mapping. See `docs/connectors.md` for the exact requests.

pub mod client;
pub mod connection;
pub mod lifecycle;

cards!(
    read_user,
    suspend_user,
    unsuspend_user,
    api_request,
    map_profile_source_attributes,
);
