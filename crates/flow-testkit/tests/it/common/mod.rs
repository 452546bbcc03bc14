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

/// An answer read whole: status, JSON body (`Null` when empty) and the `Link` header lines.
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub links: Vec<String>,
}

impl Answer {
    /// The URL of the `rel="next"` link, if any.
    pub fn next(&self) -> Option<String> {
        self.links
            .iter()
            .find(|l| l.ends_with("rel=\"next\""))
            .map(|l| l[1..l.find('>').unwrap()].to_owned())
    }

    /// The `id` of every element of a list body.
    pub fn ids(&self) -> Vec<String> {
        self.body
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// Sends an SSWS-authenticated request to a path or a full URL, with an optional JSON body.
pub async fn send(okta: &FakeOkta, method: Method, target: &str, body: Option<Value>) -> Answer {
    let url = if target.starts_with("http") {
        target.to_owned()
    } else {
        format!("{}{target}", okta.base_url())
    };
    let mut req = client()
        .request(method, url)
        .header("Authorization", format!("SSWS {}", okta.token()))
        .header("Accept", "application/json");
    if let Some(body) = body {
        req = req
            .header("Content-Type", "application/json")
            .body(body.to_string());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let links = resp
        .headers()
        .get_all("link")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let text = resp.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    Answer {
        status,
        body,
        links,
    }
}

/// Follows `next` links from `first`, returning every page's ids and the page count.
pub async fn collect_pages(okta: &FakeOkta, first: &str) -> (Vec<String>, usize) {
    let mut ids = Vec::new();
    let mut pages = 0;
    let mut target = first.to_owned();
    loop {
        let answer = send(okta, Method::GET, &target, None).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        pages += 1;
        ids.extend(answer.ids());
        match answer.next() {
            Some(next) => target = next,
            None => return (ids, pages),
        }
    }
}
