//! Authentication beyond static tokens for flowctl connectors.
//!
//! A [`TokenProvider`] answers one question for the connector engine: *the `Authorization`
//! header value for the next request*. It gets OAuth 2.0 access tokens for a [`Grant`]:
//!
//! - **client credentials** ([`ClientCredentials`]) with `client_secret_basic`,
//!   `client_secret_post` or `private_key_jwt` (an RFC 7523 assertion signed RS256/ES256):
//!   Okta service apps ([`ClientCredentials::okta`]), Microsoft Graph app credentials
//!   ([`ClientCredentials::microsoft_graph`]) and any other machine-to-machine API;
//! - **refresh token** ([`RefreshToken`]), keeping a rotated refresh token in memory;
//! - **Google service accounts** ([`GoogleServiceAccount`]): the signed JWT bearer grant,
//!   with an optional `sub` for domain-wide delegation;
//! - **basic credentials exchanged for a bearer token** ([`BasicExchange`]): Jamf Pro's
//!   `POST /api/v1/auth/token`, and any API that answers a token and its expiry as JSON.
//!
//! It is also flowctl's one JSON Web Token implementation ([`SigningKey`], [`VerifyingKey`]).
//!
//! Tokens are cached until shortly before `expires_in` and fetched once under concurrency;
//! [`TokenProvider::invalidate`] drops a token an API answered 401 to. HTTP goes through the
//! [`Transport`] trait, which the engine implements with its pooled client. Secrets, signed
//! assertions and tokens never appear in an error or a `Debug` output.
//!
//! ```no_run
//! # use std::sync::Arc;
//! # use flow_auth::*;
//! # async fn demo(transport: Arc<dyn Transport>, pem: &str) -> Result<(), AuthError> {
//! let key = Arc::new(SigningKey::from_pem(pem)?);
//! let auth = ClientAuth::PrivateKeyJwt { key, kid: None };
//! let grant = ClientCredentials::okta("https://acme.okta.com", "0oa1", auth, &["okta.users.read"]);
//! let provider = TokenProvider::new(Grant::ClientCredentials(grant), transport)?;
//! let header = provider.authorization().await?; // "Bearer eyJ…"
//! # let _ = header; Ok(()) }
//! ```

mod error;
mod exchange;
mod google;
mod grant;
mod jwt;
mod provider;
mod secret;
mod transport;

pub use error::{AuthError, ConfigError, KeyError, TransportError, VerifyError};
pub use exchange::{BasicExchange, DEFAULT_EXPIRES_FIELD, DEFAULT_TOKEN_FIELD};
pub use google::{GOOGLE_TOKEN_URI, ServiceAccountKey};
pub use grant::{
    CLIENT_ASSERTION_TYPE, ClientAuth, ClientCredentials, GoogleServiceAccount, Grant,
    JWT_BEARER_GRANT, MICROSOFT_GRAPH_SCOPE, MICROSOFT_LOGIN, RefreshToken,
};
pub use jwt::{Algorithm, SigningKey, VerifyingKey};
pub use provider::{
    AccessToken, Clock, DEFAULT_LIFETIME, DEFAULT_REFRESH_MARGIN, MAX_LIFETIME, SystemClock,
    TokenProvider,
};
pub use secret::Secret;
pub use transport::{TokenRequest, Transport, TransportResponse};
