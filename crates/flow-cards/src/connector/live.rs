//! A live connection of a connector: base URL, authentication, default headers, a cap on
//! requests in flight and the rate-limit window shared by every run of the connection.
//! [`ConnectorLive::send`] is how action cards, `api_request` and Rust cards of the kind call
//! the API.

use super::format::{AuthDef, ResetFormat, Tpl};
use super::load::Connector;
use crate::retry_after::retry_after;
use flow_card::{CardError, ErrorKind, HttpRequest, HttpResponse, StepCx};
use futures_util::future::BoxFuture;
use serde_json::Value;
use std::fmt::Debug;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::Semaphore;

/// The templates of an authentication alternative.
pub fn auth_tpls(a: &AuthDef) -> Vec<Tpl> {
    match a {
        AuthDef::Bearer(t) => vec![*t],
        AuthDef::Basic { username, password } => vec![*username, *password],
        AuthDef::Header { value, .. } => vec![*value],
        AuthDef::OauthClientCredentials(m)
        | AuthDef::OauthRefreshToken(m)
        | AuthDef::GoogleServiceAccount(m) => m.values().copied().collect(),
        AuthDef::BasicTokenExchange(x) => vec![x.url, x.username, x.password],
    }
}

/// Gives the credential header of a request: the seam where token providers (OAuth client
/// credentials, refresh tokens, service accounts) plug in. A provider caches what it can; it
/// is called once per request.
pub trait AuthProvider: Send + Sync + Debug {
    /// The header (lower-case name, value) to send, or `None` for no credential.
    fn header<'a>(
        &'a self,
        cx: &'a StepCx<'a>,
    ) -> BoxFuture<'a, Result<Option<(String, String)>, CardError>>;

    /// The API answered 401 to a request sent with header value `value`: a provider that
    /// caches tokens forgets that one, so the next request gets a new one, and answers `true`:
    /// the failing request is then sent once more with a freshly fetched credential. Fixed
    /// credentials have nothing to forget and answer `false` (the 401 stands).
    fn rejected(&self, value: &str) -> bool {
        let _ = value;
        false
    }

    /// The error when the API answered 401 again to a request sent with a freshly fetched
    /// credential (after [`AuthProvider::rejected`] answered `true`). It names the connection
    /// and never the credential.
    fn refused_again(&self) -> CardError {
        CardError::new(
            ErrorKind::Unauthorized,
            "the API refused a freshly fetched credential too (HTTP 401)",
        )
    }
}

/// A fixed header: bearer, basic and header authentication.
#[derive(Debug)]
pub struct StaticAuth {
    /// The header's name, lower-case.
    pub name: String,
    /// Its value.
    pub value: String,
}

impl AuthProvider for StaticAuth {
    fn header<'a>(
        &'a self,
        _: &'a StepCx<'a>,
    ) -> BoxFuture<'a, Result<Option<(String, String)>, CardError>> {
        Box::pin(std::future::ready(Ok(Some((
            self.name.clone(),
            self.value.clone(),
        )))))
    }
}

/// A live connection of a connector.
#[derive(Debug)]
pub struct ConnectorLive {
    /// The connector.
    pub connector: &'static Connector,
    /// The base URL, without a trailing `/`.
    pub base: String,
    /// The resolved settings, as the object templates read as `settings`.
    pub settings: Value,
    /// The credential.
    pub auth: Option<Arc<dyn AuthProvider>>,
    /// Headers sent on every request.
    pub headers: Vec<(String, String)>,
    /// Values masked in every record (the secret settings).
    pub secrets: Vec<String>,
    /// The cap on requests in flight.
    pub limiter: Arc<Semaphore>,
    /// When the API's window reopens, once it said none are left.
    pub blocked_until: Mutex<Option<SystemTime>>,
}

impl ConnectorLive {
    /// A request to `url` with the connector's headers, the secrets marked, and the retry count
    /// header on retries. The credential is added by [`ConnectorLive::send`].
    pub fn request(&self, method: &str, url: String, attempt: u32) -> HttpRequest {
        let mut req = HttpRequest::new(method, url);
        for (k, v) in &self.headers {
            req = req.header(k, v.clone());
        }
        for s in &self.secrets {
            req = req.secret(s.clone());
        }
        if attempt > 1
            && let Some(h) = &self.connector.def.retry_count_header
        {
            req = req.header(h, (attempt - 1).to_string());
        }
        req
    }

    /// Sends `req` with the credential, under the connection's cap, waiting first when the
    /// API's window is spent (another request saw `remaining: 0`). Every answer is returned as
    /// it is (2xx or not): a rate-limited one becomes a `rate_limited` card error with its
    /// wait, and the step's retry waits. In a dry run, `rehearsal` answers.
    pub async fn send(
        &self,
        cx: &StepCx<'_>,
        req: HttpRequest,
        rehearsal: impl Fn(&HttpRequest) -> HttpResponse + Sync,
    ) -> Result<HttpResponse, CardError> {
        self.send_with(cx, req, &rehearsal, false).await
    }

    /// Like [`ConnectorLive::send`], but a rate-limited answer (`rate_limit.statuses`) waits
    /// for the signalled time and is sent again, up to `rate_limit.max_waits` times: for pages,
    /// where retrying the step would start the listing over.
    pub async fn send_waiting(
        &self,
        cx: &StepCx<'_>,
        req: HttpRequest,
        rehearsal: impl Fn(&HttpRequest) -> HttpResponse + Sync,
    ) -> Result<HttpResponse, CardError> {
        self.send_with(cx, req, &rehearsal, true).await
    }

    async fn send_with(
        &self,
        cx: &StepCx<'_>,
        req: HttpRequest,
        rehearsal: &(dyn Fn(&HttpRequest) -> HttpResponse + Sync),
        wait_on_limit: bool,
    ) -> Result<HttpResponse, CardError> {
        let mut attempt = self.with_credential(cx, &req).await?;
        let rate = self.connector.def.rate_limit.as_ref();
        let mut waits = 0;
        // A 401 to an OAuth token is answered once by fetching a new token and sending again.
        let mut fresh_credential = false;
        loop {
            self.wait_window(cx).await;
            let resp = {
                let _permit = self
                    .limiter
                    .acquire()
                    .await
                    .map_err(|_| CardError::new(ErrorKind::Connection, "connection closed"))?;
                cx.send(attempt.req.clone(), rehearsal).await?
            };
            self.note_window(&resp);
            if resp.status == 401
                && let Some((auth, v)) = &attempt.credential
            {
                let refetch = auth.rejected(v);
                if fresh_credential {
                    return Err(auth.refused_again());
                }
                if refetch {
                    fresh_credential = true;
                    attempt = self.with_credential(cx, &req).await?;
                    continue;
                }
            }
            let limited = rate.is_some_and(|r| r.statuses.contains(&resp.status));
            match rate {
                Some(r) if wait_on_limit && limited && waits < r.max_waits && !cx.dry_run() => {
                    waits += 1;
                    let wait = self
                        .signalled_wait(&resp)
                        .unwrap_or(Duration::from_secs(1))
                        .min(Duration::from_secs(r.max_wait));
                    tokio::time::sleep(wait).await;
                }
                _ => return Ok(resp),
            }
        }
    }

    /// `req` with the credential the provider gives now (marked secret).
    async fn with_credential(
        &self,
        cx: &StepCx<'_>,
        req: &HttpRequest,
    ) -> Result<Attempt<'_>, CardError> {
        let mut req = req.clone();
        let mut credential = None;
        if let Some(auth) = &self.auth
            && let Some((k, v)) = auth.header(cx).await?
        {
            req = req.header(&k, v.clone()).secret(secret_part(&v));
            credential = Some((auth, v));
        }
        Ok(Attempt { req, credential })
    }

    /// How long the answer asks to wait: `retry-after` (or the configured header), else the
    /// window's reset.
    fn signalled_wait(&self, resp: &HttpResponse) -> Option<Duration> {
        let rate = self.connector.def.rate_limit.as_ref()?;
        if let Some(h) = &rate.retry_after
            && let Some(v) = resp.header(h)
            && let Ok(secs) = v.trim().parse::<f64>()
            && secs.is_finite()
            && secs >= 0.0
        {
            return Some(Duration::from_secs_f64(secs));
        }
        if let Some(d) = retry_after(resp) {
            return Some(d);
        }
        self.reset_at(resp).map(|at| {
            at.duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO)
        })
    }

    fn reset_at(&self, resp: &HttpResponse) -> Option<SystemTime> {
        let reset = self.connector.def.rate_limit.as_ref()?.reset.as_ref()?;
        let v: f64 = resp.header(&reset.header)?.trim().parse().ok()?;
        if !v.is_finite() || v < 0.0 {
            return None;
        }
        match reset.format {
            ResetFormat::EpochSeconds => UNIX_EPOCH.checked_add(Duration::from_secs_f64(v)),
            ResetFormat::Seconds => SystemTime::now().checked_add(Duration::from_secs_f64(v)),
        }
    }

    /// Remembers a spent window: when the remaining header says 0, every request of this
    /// connection waits for the reset.
    fn note_window(&self, resp: &HttpResponse) {
        let Some(reset) = self
            .connector
            .def
            .rate_limit
            .as_ref()
            .and_then(|r| r.reset.as_ref())
        else {
            return;
        };
        let spent = reset
            .remaining
            .as_deref()
            .and_then(|h| resp.header(h))
            .is_some_and(|v| v.trim() == "0");
        if spent && let Some(at) = self.reset_at(resp) {
            // At most the configured longest wait from now.
            let cap = SystemTime::now() + Duration::from_secs(self.max_wait());
            *self
                .blocked_until
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(at.min(cap));
        }
    }

    fn max_wait(&self) -> u64 {
        self.connector
            .def
            .rate_limit
            .as_ref()
            .map_or(60, |r| r.max_wait)
    }

    async fn wait_window(&self, cx: &StepCx<'_>) {
        if cx.dry_run() {
            return;
        }
        let until = *self
            .blocked_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(at) = until
            && let Ok(wait) = at.duration_since(SystemTime::now())
        {
            tokio::time::sleep(wait).await;
        }
    }

    /// A URL for `path` under the base URL.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// A request ready to send: with the credential, and which provider gave which value.
struct Attempt<'a> {
    req: HttpRequest,
    credential: Option<(&'a Arc<dyn AuthProvider>, String)>,
}

/// The credential part of a header value (`SSWS abc` gives `abc`), to mask wherever it occurs.
fn secret_part(v: &str) -> String {
    match v.split_once(' ') {
        Some((scheme, rest)) if scheme.len() <= 10 && !rest.is_empty() => rest.to_string(),
        _ => v.to_string(),
    }
}
