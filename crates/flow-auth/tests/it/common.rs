//! Shared test helpers: a reqwest transport, the test-only keys, and the fake endpoint.

// Each test module uses some of these.
#![allow(dead_code)]

use std::sync::Arc;

use flow_auth::{
    AuthError, ClientAuth, ClientCredentials, Grant, SigningKey, TokenProvider, TokenRequest,
    Transport, TransportError, TransportResponse,
};
use flow_testkit::fake::FakeOAuth;
use futures_util::future::BoxFuture;

pub const RSA_PRIVATE: &str = include_str!("../keys/test-only-rsa-private.pem");
pub const RSA_PRIVATE_PKCS1: &str = include_str!("../keys/test-only-rsa-private-pkcs1.pem");
pub const RSA_PUBLIC: &str = include_str!("../keys/test-only-rsa-public.pem");
pub const EC_PRIVATE: &str = include_str!("../keys/test-only-ec-private.pem");
pub const EC_PUBLIC: &str = include_str!("../keys/test-only-ec-public.pem");

/// The client secret every secret test uses; tests check it never shows.
pub const SECRET: &str = "cs-Sup3rS3cret~value";

/// Sends token requests with reqwest, as the engine does with its pooled client.
pub struct Reqwest(reqwest::Client);

impl Reqwest {
    /// A transport with a fresh client.
    pub fn transport() -> Arc<dyn Transport> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Arc::new(Reqwest(reqwest::Client::new()))
    }
}

impl Transport for Reqwest {
    fn post_form<'a>(
        &'a self,
        request: &'a TokenRequest,
    ) -> BoxFuture<'a, Result<TransportResponse, TransportError>> {
        Box::pin(async move {
            let mut builder = self.0.post(&request.url).body(request.body.clone());
            for (name, value) in &request.headers {
                builder = builder.header(name, value);
            }
            let resp = builder
                .send()
                .await
                .map_err(|e| TransportError::new(e.without_url().to_string()))?;
            let status = resp.status().as_u16();
            let body = resp
                .bytes()
                .await
                .map_err(|e| TransportError::new(e.without_url().to_string()))?;
            Ok(TransportResponse {
                status,
                body: body.to_vec(),
            })
        })
    }
}

pub fn key(pem: &str) -> Arc<SigningKey> {
    Arc::new(SigningKey::from_pem(pem).expect("test key"))
}

pub fn provider(grant: ClientCredentials) -> Result<TokenProvider, AuthError> {
    TokenProvider::new(Grant::ClientCredentials(grant), Reqwest::transport())
}

/// An Okta service app `0oa-secret` with client_secret_basic.
pub fn okta_secret_app(fake: &FakeOAuth, auth: ClientAuth) -> ClientCredentials {
    fake.add_secret_client("0oa-secret", SECRET);
    ClientCredentials::okta(&fake.base_url(), "0oa-secret", auth, &["okta.users.read"])
}

/// The form of a recorded request body.
pub fn form(body: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub fn field(body: &str, name: &str) -> Option<String> {
    form(body)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}
