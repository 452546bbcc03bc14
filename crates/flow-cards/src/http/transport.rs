//! The real transport: one pooled `reqwest` client (rustls with the `ring` provider, no OpenSSL)
//! shared by every run, with a per-request timeout and a cap on response size.

use flow_card::{HttpRequest, HttpResponse, Transport, TransportError};
use futures_util::future::BoxFuture;
use std::sync::Once;
use std::time::Duration;

/// Sends requests with reqwest; keeps connections alive between requests and runs.
#[derive(Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

static CRYPTO: Once = Once::new();

impl ReqwestTransport {
    /// Builds the client. Redirects are not followed: a connector must not carry credentials
    /// to a host it was not configured for.
    pub fn new() -> Result<Self, TransportError> {
        CRYPTO.call_once(|| {
            // Fails only when a provider is already installed, which is what we want.
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
        let client = reqwest::Client::builder()
            .user_agent(concat!("flowctl/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(64)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| TransportError::Invalid(e.without_url().to_string()))?;
        Ok(ReqwestTransport { client })
    }
}

impl Transport for ReqwestTransport {
    fn send(
        &self,
        req: HttpRequest,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let method = reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|_| {
                TransportError::Invalid(format!("`{}` is not an HTTP method", req.method))
            })?;
            let mut rb = self.client.request(method, &req.url).timeout(timeout);
            for (k, v) in &req.headers {
                rb = rb.header(k.as_str(), v.as_str());
            }
            if let Some(body) = &req.body {
                rb = rb.body(body.clone());
            }
            let mut resp = rb.send().await.map_err(|e| classify(&req, e, timeout))?;
            let status = resp.status().as_u16();
            let headers = resp
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_ascii_lowercase(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(|e| classify(&req, e, timeout))? {
                if body.len() + chunk.len() > req.max_response {
                    return Err(TransportError::TooLarge(req.max_response));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(HttpResponse {
                status,
                headers,
                body,
            })
        })
    }
}

fn classify(req: &HttpRequest, e: reqwest::Error, timeout: Duration) -> TransportError {
    if e.is_timeout() {
        return TransportError::Timeout(timeout);
    }
    let builder = e.is_builder();
    let e = e.without_url();
    let text = req.mask(&e.to_string());
    let detail = std::error::Error::source(&e)
        .map(|s| req.mask(&s.to_string()))
        .unwrap_or_default();
    let msg = if detail.is_empty() {
        text
    } else {
        format!("{text}: {detail}")
    };
    if builder {
        TransportError::Invalid(msg)
    } else {
        TransportError::Connect(msg)
    }
}
