//! Helpers shared by the integration tests: an HTTP client and Okta assertions.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{SystemTime, UNIX_EPOCH};

use flow_testkit::FakeOkta;
use reqwest::{Client, Method, Response};
use serde_json::Value;

/// A plain-HTTP client that ignores proxy settings from the environment.
pub fn client() -> Client {
    // The workspace reqwest uses rustls without a default provider; install one once.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder().no_proxy().build().unwrap()
}

/// Sends an SSWS-authenticated request to the fake Okta.
pub async fn call(okta: &FakeOkta, method: Method, path_and_query: &str) -> Response {
    client()
        .request(method, format!("{}{path_and_query}", okta.base_url()))
        .header("Authorization", format!("SSWS {}", okta.token()))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap()
}

/// An SSWS-authenticated GET.
pub async fn get(okta: &FakeOkta, path_and_query: &str) -> Response {
    call(okta, Method::GET, path_and_query).await
}

/// A response header that must be present.
pub fn header<'a>(resp: &'a Response, name: &str) -> &'a str {
    resp.headers()
        .get(name)
        .unwrap_or_else(|| panic!("missing header {name}"))
        .to_str()
        .unwrap()
}

/// Whole epoch seconds now.
pub fn now_epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Asserts the Okta error object shape and code.
pub fn assert_error_shape(body: &Value, code: &str) {
    assert_eq!(body["errorCode"], code);
    assert_eq!(body["errorLink"], code);
    let id = body["errorId"].as_str().unwrap();
    assert!(id.starts_with("oae") && id.len() == 25, "{id}");
    assert!(body["errorSummary"].is_string());
    assert!(body["errorCauses"].is_array());
}
