//! `kind: http` connections: a base URL, credentials (bearer, basic or a custom header), an
//! optional host allow-list, a response-size cap and a concurrency cap.

use super::target;
use crate::conn;
use flow_card::expr::ConnKind;
use flow_card::{ConnectionConfig, ConnectorSpec, LiveConnection};
use flow_model::config::{MissingEnv, Secret};
use flow_model::decode::fields;
use flow_model::{Code, ConnectionDoc, Diagnostic, Diagnostics};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// The marker kind for `ConnRef<Http>`.
#[derive(Debug)]
pub struct Http;
impl ConnKind for Http {
    const MARKER: &'static str = "$flowctl::conn:http";
}

/// How requests authenticate.
#[derive(Debug, Clone)]
pub enum Auth {
    /// `Authorization: Bearer <token>`.
    Bearer(Secret),
    /// `Authorization: Basic base64(user:password)`.
    Basic(Secret, Secret),
    /// A custom header such as `X-Api-Key`.
    Header(String, Secret),
}

/// A decoded `http` connection.
#[derive(Debug)]
pub struct HttpConfig {
    base_url: Option<Secret>,
    auth: Option<Auth>,
    allow_hosts: Vec<String>,
    max_response: usize,
    max_concurrency: usize,
}

/// A live `http` connection.
pub struct HttpLive {
    /// Base for relative URLs.
    pub base_url: Option<String>,
    /// `(header, value)` to add, if any.
    pub auth: Option<(String, String)>,
    /// Values to mask.
    pub secrets: Vec<String>,
    /// Hosts requests may go to (empty: any), in the form [`target::allow_entry`] gives.
    pub allow_hosts: Vec<String>,
    /// The largest response body read.
    pub max_response: usize,
    /// The cap on requests in flight.
    pub limiter: Arc<Semaphore>,
}

/// Registration.
pub static CONNECTOR: ConnectorSpec = ConnectorSpec {
    kind: "http",
    summary: "Any HTTP API",
    keys: &[
        ("base_url", "prefix for relative `url`s of http.request"),
        (
            "auth",
            "{ bearer: TOKEN } | { basic: { username, password } } | { header: { name, value } }",
        ),
        ("allow_hosts", "hosts requests may go to (default: any)"),
        ("max_response", "largest response body read (default 1MiB)"),
        ("max_concurrency", "requests in flight (default 8)"),
    ],
    decode,
};

fn decode(doc: &ConnectionDoc, diags: &mut Diagnostics) -> Option<Arc<dyn ConnectionConfig>> {
    let f = conn::read(
        doc,
        &[
            "base_url",
            "auth",
            "allow_hosts",
            "max_response",
            "max_concurrency",
        ],
        diags,
    )?;
    let base_url = conn::secret(&f, "base_url", false, diags);
    if let Some(b) = &base_url {
        conn::check_url(b, "base_url", diags);
    }
    let auth = f.get("auth").and_then(|a| {
        let g = fields(a, "`auth`", &["bearer", "basic", "header"], diags)?;
        if let Some(t) = g.opt_str("bearer", diags) {
            return Some(Auth::Bearer(Secret::new(t.value, t.span)));
        }
        if let Some(b) = g.get("basic") {
            let h = fields(b, "`basic`", &["username", "password"], diags)?;
            let (u, p) = (h.req_str("username", diags)?, h.req_str("password", diags)?);
            return Some(Auth::Basic(
                Secret::new(u.value, u.span),
                Secret::new(p.value, p.span),
            ));
        }
        if let Some(b) = g.get("header") {
            let h = fields(b, "`header`", &["name", "value"], diags)?;
            let (n, v) = (h.req_str("name", diags)?, h.req_str("value", diags)?);
            return Some(Auth::Header(
                n.value.to_ascii_lowercase(),
                Secret::new(v.value, v.span),
            ));
        }
        diags.push(
            Diagnostic::error(Code::Config, Some(a.span), "`auth` names no method")
                .with_help("use bearer, basic or header"),
        );
        None
    });
    let allow_hosts = f
        .opt_str_list("allow_hosts", diags)
        .map(|l| {
            l.value
                .into_iter()
                .filter_map(|h| {
                    let entry = target::allow_entry(&h.value);
                    if entry.is_none() {
                        diags.push(
                            Diagnostic::error(
                                Code::Config,
                                Some(h.span),
                                format!("`{}` in `allow_hosts` is not a host name or address", h.value),
                            )
                            .with_help("write the bare host, e.g. tickets.example.com (it allows its subdomains too)"),
                        );
                    }
                    entry
                })
                .collect()
        })
        .unwrap_or_default();
    let max_response = f
        .opt_size("max_response", diags)
        .map_or(1 << 20, |s| s.value as usize);
    Some(Arc::new(HttpConfig {
        base_url,
        auth,
        allow_hosts,
        max_response,
        max_concurrency: conn::max_concurrency(&f, 8, diags),
    }))
}

impl ConnectionConfig for HttpConfig {
    fn kind(&self) -> &'static str {
        "http"
    }

    fn env_names(&self) -> Vec<String> {
        let mut out: Vec<String> = self.base_url.iter().flat_map(Secret::env_names).collect();
        match &self.auth {
            Some(Auth::Bearer(s)) | Some(Auth::Header(_, s)) => out.extend(s.env_names()),
            Some(Auth::Basic(u, p)) => {
                out.extend(u.env_names());
                out.extend(p.env_names());
            }
            None => {}
        }
        out
    }

    fn secrets(&self, env: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
        // The base URL is not secret; the credentials are.
        let settings: Vec<&Secret> = match &self.auth {
            Some(Auth::Bearer(s)) | Some(Auth::Header(_, s)) => vec![s],
            Some(Auth::Basic(u, p)) => vec![u, p],
            None => Vec::new(),
        };
        flow_card::connection::secret_values(settings, env)
    }

    fn connect(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
        dry_run: bool,
    ) -> Result<LiveConnection, MissingEnv> {
        let base_url = self
            .base_url
            .as_ref()
            .map(|b| conn::resolve(b, env, dry_run))
            .transpose()?;
        let mut secrets = Vec::new();
        let auth = match &self.auth {
            None => None,
            Some(Auth::Bearer(t)) => {
                let t = conn::resolve(t, env, dry_run)?;
                secrets.push(t.clone());
                Some(("authorization".to_string(), format!("Bearer {t}")))
            }
            Some(Auth::Basic(u, p)) => {
                let (u, p) = (
                    conn::resolve(u, env, dry_run)?,
                    conn::resolve(p, env, dry_run)?,
                );
                let encoded = base64(&format!("{u}:{p}"));
                secrets.push(p);
                secrets.push(encoded.clone());
                Some(("authorization".to_string(), format!("Basic {encoded}")))
            }
            Some(Auth::Header(name, v)) => {
                let v = conn::resolve(v, env, dry_run)?;
                secrets.push(v.clone());
                Some((name.clone(), v))
            }
        };
        Ok(Arc::new(HttpLive {
            base_url,
            auth,
            secrets,
            allow_hosts: self.allow_hosts.clone(),
            max_response: self.max_response,
            limiter: conn::limiter(self.max_concurrency),
        }))
    }
}

/// Standard base64 with padding (enough for Basic credentials; no dependency needed).
pub fn base64(input: &str) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = input.as_bytes();
    let mut out = String::with_capacity(b.len().div_ceil(3) * 4);
    for chunk in b.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(""), "");
        assert_eq!(base64("f"), "Zg==");
        assert_eq!(base64("fo"), "Zm8=");
        assert_eq!(base64("foo"), "Zm9v");
        assert_eq!(base64("user:pa ss"), "dXNlcjpwYSBzcw==");
    }
}
