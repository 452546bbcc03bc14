//! The token cache: one token per provider, fetched on demand, reused until shortly before it
//! expires, and fetched once however many callers need it at the same moment (single-flight).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::error::{AuthError, TransportError};
use crate::grant::Grant;
use crate::secret::{Secret, scrub};
use crate::transport::{Transport, TransportResponse};

/// How long before its expiry a token is replaced, by default.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// The lifetime assumed for a token response without `expires_in`.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
/// The longest a token is kept, whatever its `expires_in` says.
pub const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// The most characters of an `error_description` kept in an error.
const MAX_DESCRIPTION: usize = 300;

/// Where the provider reads the time; tests substitute a clock they move by hand.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> Instant;
}

/// The system's monotonic clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A token as the provider holds it. `Debug` hides the token.
#[derive(Clone)]
pub struct AccessToken {
    /// The `Authorization` header value: `Bearer <token>`.
    pub authorization: Secret,
    /// When the provider will fetch a new one (shortly before the real expiry).
    pub refresh_at: Instant,
    /// The scopes granted, when the server said.
    pub scope: Option<String>,
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("refresh_at", &self.refresh_at)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// State changed only by the one caller fetching.
struct FetchState {
    /// The refresh token to use next (rotated ones replace the configured one).
    refresh_token: Option<Secret>,
    /// The outcome of the last fetch, when it failed.
    last_error: Option<AuthError>,
}

/// Gives the `Authorization` header value for the next API request, fetching and caching
/// tokens for one [`Grant`].
///
/// Share it (`Arc`) between every request of a connection. Concurrent callers that find no
/// valid token wait for one fetch; if that fetch fails, they all get its error.
pub struct TokenProvider {
    grant: Grant,
    transport: Arc<dyn Transport>,
    clock: Arc<dyn Clock>,
    margin: Duration,
    cached: Mutex<Option<AccessToken>>,
    fetch: tokio::sync::Mutex<FetchState>,
    /// Fetches finished (read before waiting, to tell whether one finished meanwhile).
    fetches: AtomicU64,
}

impl fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenProvider")
            .field("grant", &self.grant)
            .field("fetches", &self.fetches.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl TokenProvider {
    /// A provider for `grant` sending through `transport`. Fails on a configuration that
    /// cannot work (token URL not http(s), empty client id or secret).
    pub fn new(grant: Grant, transport: Arc<dyn Transport>) -> Result<TokenProvider, AuthError> {
        grant.validate()?;
        let refresh_token = match &grant {
            Grant::RefreshToken(g) => Some(g.refresh_token.clone()),
            _ => None,
        };
        Ok(TokenProvider {
            grant,
            transport,
            clock: Arc::new(SystemClock),
            margin: DEFAULT_REFRESH_MARGIN,
            cached: Mutex::new(None),
            fetch: tokio::sync::Mutex::new(FetchState {
                refresh_token,
                last_error: None,
            }),
            fetches: AtomicU64::new(0),
        })
    }

    /// Replaces tokens this long before they expire (default 60 s; at most half a token's
    /// lifetime).
    pub fn with_refresh_margin(mut self, margin: Duration) -> TokenProvider {
        self.margin = margin;
        self
    }

    /// Reads the time from `clock` (tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> TokenProvider {
        self.clock = clock;
        self
    }

    /// The grant this provider serves.
    pub fn grant(&self) -> &Grant {
        &self.grant
    }

    /// The `Authorization` header value (`Bearer …`) for the next request.
    pub async fn authorization(&self) -> Result<Secret, AuthError> {
        Ok(self.token().await?.authorization)
    }

    /// A valid token, from the cache or fetched now.
    pub async fn token(&self) -> Result<AccessToken, AuthError> {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let seen = self.fetches.load(Ordering::Acquire);
        let mut state = self.fetch.lock().await;
        // Someone else fetched while we waited: use their token, or share their failure.
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        if self.fetches.load(Ordering::Acquire) != seen
            && let Some(err) = &state.last_error
        {
            return Err(err.clone());
        }
        let outcome = self.fetch_now(&mut state).await;
        state.last_error = outcome.as_ref().err().cloned();
        self.fetches.fetch_add(1, Ordering::Release);
        outcome
    }

    /// Forgets the cached token if it is the one in `authorization` (the value an API
    /// answered 401 to), so the next call fetches a new one. A newer token is kept: many
    /// requests failing with the same old token cause one fetch.
    pub fn invalidate(&self, authorization: &str) {
        let mut cached = self.cached();
        if cached
            .as_ref()
            .is_some_and(|t| t.authorization.expose() == authorization)
        {
            *cached = None;
        }
    }

    /// Forgets the cached token whatever it is.
    pub fn clear(&self) {
        *self.cached() = None;
    }

    fn cached(&self) -> MutexGuard<'_, Option<AccessToken>> {
        self.cached.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fresh(&self) -> Option<AccessToken> {
        let now = self.clock.now();
        self.cached()
            .as_ref()
            .filter(|t| now < t.refresh_at)
            .cloned()
    }

    async fn fetch_now(&self, state: &mut FetchState) -> Result<AccessToken, AuthError> {
        let request = self.grant.request(state.refresh_token.as_ref())?;
        let started = self.clock.now();
        let secrets: Vec<&str> = request.secrets.iter().map(String::as_str).collect();
        let response = self.transport.post_form(&request).await.map_err(|e| {
            // The transport should not quote the request; mask it in case it does.
            AuthError::Transport {
                url: request.url.clone(),
                source: TransportError::new(scrub(&e.to_string(), &secrets)),
            }
        })?;
        let parsed = match &self.grant {
            Grant::BasicExchange(g) => g.parse(&response, std::time::SystemTime::now())?,
            _ => parse(&request.url, &response, &secrets)?,
        };
        let lifetime = parsed
            .lifetime
            .unwrap_or(DEFAULT_LIFETIME)
            .min(MAX_LIFETIME);
        let margin = self.margin.min(lifetime / 2);
        let token = AccessToken {
            authorization: Secret::new(format!("Bearer {}", parsed.access_token.expose())),
            refresh_at: started + lifetime - margin,
            scope: parsed.scope,
        };
        if let Some(rotated) = parsed.refresh_token
            && matches!(self.grant, Grant::RefreshToken(_))
        {
            state.refresh_token = Some(rotated);
        }
        *self.cached() = Some(token.clone());
        Ok(token)
    }
}

/// A successful token response.
pub(crate) struct Parsed {
    /// The token.
    pub(crate) access_token: Secret,
    /// How long it lasts, when the answer said.
    pub(crate) lifetime: Option<Duration>,
    /// A rotated refresh token.
    pub(crate) refresh_token: Option<Secret>,
    /// The scopes granted.
    pub(crate) scope: Option<String>,
}

/// Reads a token response (RFC 6749 §5.1) or an error response (§5.2).
fn parse(url: &str, response: &TransportResponse, secrets: &[&str]) -> Result<Parsed, AuthError> {
    let body: Option<Value> = serde_json::from_slice(&response.body).ok();
    let text = |v: &Value, name: &str| v.get(name).and_then(Value::as_str).map(str::to_owned);
    if !(200..300).contains(&response.status) {
        let code = body.as_ref().and_then(|b| text(b, "error"));
        return Err(match code {
            Some(code) => AuthError::OAuth {
                url: url.to_owned(),
                status: response.status,
                code: scrub(&code, secrets).chars().take(100).collect(),
                description: body
                    .as_ref()
                    .and_then(|b| text(b, "error_description"))
                    .map(|d| scrub(&d, secrets).chars().take(MAX_DESCRIPTION).collect()),
            },
            None => AuthError::Status {
                url: url.to_owned(),
                status: response.status,
            },
        });
    }
    let invalid = |reason| AuthError::InvalidResponse {
        url: url.to_owned(),
        reason,
    };
    let body = body
        .filter(Value::is_object)
        .ok_or_else(|| invalid("not a JSON object"))?;
    let access_token = text(&body, "access_token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid("no access_token"))?;
    match text(&body, "token_type") {
        Some(t) if !t.eq_ignore_ascii_case("bearer") => {
            return Err(invalid("token_type is not Bearer"));
        }
        _ => {}
    }
    let lifetime = match body.get("expires_in") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        Some(_) => return Err(invalid("expires_in is not a number")),
    };
    if body.get("expires_in").is_some_and(|v| !v.is_null()) && lifetime.is_none() {
        return Err(invalid("expires_in is not a whole number of seconds"));
    }
    Ok(Parsed {
        access_token: Secret::new(access_token),
        lifetime: lifetime.map(Duration::from_secs),
        refresh_token: text(&body, "refresh_token")
            .filter(|t| !t.is_empty())
            .map(Secret::new),
        scope: text(&body, "scope"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, body: &str) -> TransportResponse {
        TransportResponse {
            status,
            body: body.as_bytes().to_vec(),
        }
    }

    /// Answers every request with one canned response.
    struct Canned(u16, &'static str);

    impl Transport for Canned {
        fn post_form<'a>(
            &'a self,
            request: &'a crate::TokenRequest,
        ) -> futures_util::future::BoxFuture<'a, Result<TransportResponse, TransportError>>
        {
            Box::pin(async move {
                if self.0 == 0 {
                    return Err(TransportError::new(format!("refused: {}", request.body)));
                }
                Ok(resp(self.0, self.1))
            })
        }
    }

    fn provider(transport: Canned) -> Result<TokenProvider, AuthError> {
        let auth = crate::ClientAuth::SecretPost(Secret::new("s3cr3t-value"));
        let grant = crate::ClientCredentials::new("https://idp.example/token", "c", auth, &[]);
        TokenProvider::new(Grant::ClientCredentials(grant), Arc::new(transport))
    }

    #[tokio::test]
    async fn a_huge_expires_in_is_capped_instead_of_overflowing() -> Result<(), AuthError> {
        let body = r#"{"access_token":"at","expires_in":18446744073709551615}"#;
        let token = provider(Canned(200, body))?.token().await?;
        assert!(token.refresh_at <= Instant::now() + MAX_LIFETIME);
        Ok(())
    }

    #[tokio::test]
    async fn a_transport_error_quoting_the_request_is_masked() -> Result<(), AuthError> {
        let err = provider(Canned(0, ""))?.authorization().await.err();
        let text = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(text.contains("client_secret=***"), "{text}");
        assert!(!text.contains("s3cr3t"), "{text}");
        Ok(())
    }

    #[test]
    fn parses_a_token_response() -> Result<(), AuthError> {
        let p = parse(
            "u",
            &resp(
                200,
                r#"{"access_token":"at","token_type":"bearer","expires_in":"3599","scope":"a b","refresh_token":"rt2"}"#,
            ),
            &[],
        )?;
        assert_eq!(p.access_token.expose(), "at");
        assert_eq!(p.lifetime, Some(Duration::from_secs(3599)));
        assert_eq!(
            p.refresh_token.map(|t| t.expose().to_owned()).as_deref(),
            Some("rt2")
        );
        assert_eq!(p.scope.as_deref(), Some("a b"));
        Ok(())
    }

    #[test]
    fn rejects_unusable_answers() {
        let reason = |body: &str| match parse("u", &resp(200, body), &[]) {
            Err(AuthError::InvalidResponse { reason, .. }) => reason,
            _ => "",
        };
        assert_eq!(reason("<html>"), "not a JSON object");
        assert_eq!(reason(r#"{"token_type":"Bearer"}"#), "no access_token");
        assert_eq!(
            reason(r#"{"access_token":"x","token_type":"DPoP"}"#),
            "token_type is not Bearer"
        );
        assert_eq!(
            reason(r#"{"access_token":"x","expires_in":-5}"#),
            "expires_in is not a whole number of seconds"
        );
    }

    #[test]
    fn maps_oauth_errors_and_scrubs_secrets() {
        let body = r#"{"error":"invalid_client","error_description":"bad secret s3cr3t"}"#;
        let err = parse("u", &resp(401, body), &["s3cr3t"]).err();
        assert_eq!(
            err.as_ref().and_then(AuthError::oauth_code),
            Some("invalid_client")
        );
        let text = err.map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(
            text,
            "token endpoint u answered HTTP 401 invalid_client: bad secret ***"
        );
        let err = parse("u", &resp(502, "Bad Gateway"), &[]).err();
        assert!(matches!(err, Some(AuthError::Status { status: 502, .. })));
    }
}
