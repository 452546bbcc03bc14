//! Loopback fake servers for the Okta Management API and the Slack Web API / incoming webhooks.
//!
//! Both fakes bind `127.0.0.1:0`, serve from a spawned tokio task, and stop serving new
//! connections once the last clone of their handle is dropped.

mod echo;
mod faults;
mod gate;
mod oauth;
mod okta;
mod okta_apps;
mod okta_filter;
mod okta_groups;
mod okta_http;
mod okta_imports;
mod okta_logs;
mod okta_page;
mod okta_routes;
mod okta_seed;
mod okta_user_write;
mod okta_users;
mod ratelimit;
mod record;
pub mod recorded;
mod slack;
mod slack_api;
mod util;

pub use echo::EchoServer;
pub use faults::{Fault, SlackFault};
pub use gate::Gate;
pub use oauth::{FakeOAuth, InvalidPublicKey, IssuedToken, TokenEndpoint};
pub use okta::FakeOkta;
pub use okta_logs::LogSeedError;
pub use okta_seed::{NewApp, NewGroup, NewUser, SeedError};
pub use okta_users::{SessionClear, UserStatus};
pub use record::Recorded;
pub use slack::{FakeSlack, PostedMessage};
