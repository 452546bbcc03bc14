//! Test infrastructure for flowctl: faithful fake Okta and Slack HTTP servers.
//!
//! The fakes listen on `127.0.0.1` with an ephemeral port and are driven through real HTTP, so
//! connector code under test runs exactly as it would against the vendor, minus the internet.
//! Each fake records every request, supports fault injection (rate limits with Okta's headers
//! and `Retry-After`, server errors, delays, Slack `ok:false` answers, dropped connections) and
//! exposes its state for assertions. Tests synchronise with the fakes through signals, never
//! sleeps: a [`Gate`] holds requests until the test releases them (and says when they have
//! arrived), and each fake counts the requests in flight and the most seen at once.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use flow_testkit::{FakeOkta, UserStatus};
//! let okta = FakeOkta::start().await?;
//! let id = okta.add_user("alice@example.com", UserStatus::Active);
//! // point the connector at okta.base_url() with "Authorization: SSWS {okta.token()}"
//! assert_eq!(okta.status_of(&id), Some(UserStatus::Active));
//! # Ok(()) }
//! ```

pub mod fake;

pub use fake::{
    EchoServer, FakeOkta, FakeSlack, Fault, Gate, LogSeedError, NewApp, NewGroup, NewUser,
    PostedMessage, Recorded, SeedError, SessionClear, SlackFault, UserStatus,
};
