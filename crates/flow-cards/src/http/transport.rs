//! The real transport: one pooled hyper client (HTTP/1.1; rustls with the `ring` provider and
//! the platform's certificate verifier, as reqwest set it up before; no OpenSSL) shared by
//! every run, with a per-request timeout covering the whole exchange, a cap on response size,
//! and redirects never followed.
//!
//! It replaced a reqwest client, which parsed each URL three times and ran every request
//! through its redirect and retry layers: 61,000 instructions a request against 15,000 for a
//! bare pooled hyper client (callgrind, `docs/benchmarks.md`). The URL is still parsed once
//! with the WHATWG parser, as the cards' checks parse it.

use bytes::Bytes;
use flow_card::{HttpRequest, HttpResponse, Transport, TransportError};
use futures_util::future::BoxFuture;
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use std::sync::{Arc, Once};
use std::time::Duration;

/// The `user-agent` every request carries.
const USER_AGENT: &str = concat!("flowctl/", env!("CARGO_PKG_VERSION"));

/// Sends requests with a pooled hyper client; keeps connections alive between requests and
/// runs. Redirects are answers like any other: a connector must not carry credentials to a
/// host it was not configured for.
#[derive(Clone)]
pub struct PooledTransport {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

/// The transport's former name, kept so callers compile unchanged.
pub type ReqwestTransport = PooledTransport;

static CRYPTO: Once = Once::new();

impl PooledTransport {
    /// Builds the client: TLS 1.2 and 1.3 with the platform's verifier, plain HTTP allowed
    /// (the connections' URLs decide), a 10 s connect timeout, idle connections kept 90 s.
    pub fn new() -> Result<Self, TransportError> {
        CRYPTO.call_once(|| {
            // Fails only when a provider is already installed, which is what we want.
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
        let provider = rustls::crypto::CryptoProvider::get_default()
            .cloned()
            .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
        let verifier = rustls_platform_verifier::Verifier::new(provider.clone())
            .map_err(|e| TransportError::Invalid(format!("TLS set-up: {e}")))?;
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TransportError::Invalid(format!("TLS set-up: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(Duration::from_secs(10)));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(64)
            .build(https);
        Ok(PooledTransport { client })
    }
}

impl Transport for PooledTransport {
    fn send(
        &self,
        mut req: HttpRequest,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let request = build(&mut req)?;
            let max = req.max_response;
            match tokio::time::timeout(timeout, exchange(&self.client, request, max)).await {
                Ok(result) => result.map_err(|e| e.into_transport_error(&req)),
                Err(_) => Err(TransportError::Timeout(timeout)),
            }
        })
    }
}

/// The hyper request for a card's request (its body is moved, not copied); a bad method, URL
/// or header is `Invalid`.
fn build(req: &mut HttpRequest) -> Result<hyper::Request<Full<Bytes>>, TransportError> {
    let method = hyper::Method::from_bytes(req.method.as_bytes())
        .map_err(|_| TransportError::Invalid(format!("`{}` is not an HTTP method", req.method)))?;
    // Parsed by the WHATWG rules the cards' checks use (`target::parse`), as reqwest did, and
    // sent as that parse serialises it: what is checked is what is sent.
    let url = url::Url::parse(&req.url)
        .map_err(|e| TransportError::Invalid(req.mask(&format!("bad URL `{}`: {e}", req.url))))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(TransportError::Invalid(
            req.mask(&format!("`{}` is not an http(s) URL", req.url)),
        ));
    }
    let uri = hyper::Uri::try_from(url.as_str())
        .map_err(|e| TransportError::Invalid(req.mask(&format!("bad URL `{}`: {e}", req.url))))?;
    let mut builder = hyper::Request::builder().method(method).uri(uri);
    let mut agent = false;
    for (k, v) in &req.headers {
        agent |= k.eq_ignore_ascii_case("user-agent");
        builder = builder.header(k.as_str(), v.as_str());
    }
    if !agent {
        builder = builder.header(hyper::header::USER_AGENT, USER_AGENT);
    }
    let body = req.body.take().map(Bytes::from).unwrap_or_default();
    builder.body(Full::new(body)).map_err(|e| {
        // The builder names the bad header, never its value.
        TransportError::Invalid(req.mask(&format!("bad request: {e}")))
    })
}

/// Why an exchange failed, before masking.
enum Failure {
    Client(hyper_util::client::legacy::Error),
    Body(hyper::Error),
    TooLarge(usize),
}

impl Failure {
    fn into_transport_error(self, req: &HttpRequest) -> TransportError {
        let chain = |e: &dyn std::error::Error| {
            let mut text = e.to_string();
            let mut source = e.source();
            while let Some(s) = source {
                text.push_str(": ");
                text.push_str(&s.to_string());
                source = s.source();
            }
            req.mask(&text)
        };
        match self {
            Failure::TooLarge(max) => TransportError::TooLarge(max),
            Failure::Client(e) => TransportError::Connect(chain(&e)),
            Failure::Body(e) => TransportError::Connect(chain(&e)),
        }
    }
}

/// Sends a request and reads the answer, at most `max` bytes of body.
async fn exchange(
    client: &Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    request: hyper::Request<Full<Bytes>>,
    max: usize,
) -> Result<HttpResponse, Failure> {
    let resp = client.request(request).await.map_err(Failure::Client)?;
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| {
            // Header names are lower-case in hyper already.
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut body = resp.into_body();
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(Failure::Body)?;
        if let Ok(chunk) = frame.into_data() {
            if bytes.len() + chunk.len() > max {
                return Err(Failure::TooLarge(max));
            }
            bytes.extend_from_slice(&chunk);
        }
    }
    Ok(HttpResponse {
        status,
        headers,
        body: bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_urls_with_a_host_are_sent() {
        for url in [
            "ftp://example.com/x",
            "file:///etc/passwd",
            "/relative",
            "http://",
        ] {
            let r = build(&mut HttpRequest::new("GET", url));
            assert!(matches!(r, Err(TransportError::Invalid(_))), "{url}: {r:?}");
        }
        let r = build(&mut HttpRequest::new("GE T", "http://example.com/"));
        assert!(matches!(r, Err(TransportError::Invalid(_))));
        let ok = build(&mut HttpRequest::new(
            "GET",
            "https://Example.COM/a/../b c?d=e",
        ))
        .unwrap();
        // What is sent is the WHATWG serialisation the allow-list checks read.
        assert_eq!(ok.uri().to_string(), "https://example.com/b%20c?d=e");
        assert_eq!(ok.headers()["user-agent"], USER_AGENT);
    }

    #[test]
    fn a_bad_url_never_shows_its_secret() {
        let mut req =
            HttpRequest::new("GET", "http://exa mple.com/sekrit-part").secret("sekrit-part");
        let Err(TransportError::Invalid(msg)) = build(&mut req) else {
            panic!("refused")
        };
        assert!(!msg.contains("sekrit-part"), "{msg}");
        let mut req = HttpRequest::new("GET", "gopher://h/sekrit-part").secret("sekrit-part");
        let Err(TransportError::Invalid(msg)) = build(&mut req) else {
            panic!("refused")
        };
        assert!(!msg.contains("sekrit-part"), "{msg}");
    }

    #[test]
    fn a_header_value_that_cannot_be_sent_is_refused_without_showing_it() {
        let mut req = HttpRequest::new("GET", "http://example.com/")
            .header("authorization", "SSWS tok\nen-secret")
            .secret("tok\nen-secret");
        let Err(TransportError::Invalid(msg)) = build(&mut req) else {
            panic!("refused")
        };
        assert!(!msg.contains("en-secret"), "{msg}");
    }
}
