//! HTTP basic credentials exchanged for a bearer token: `POST url` with `authorization: Basic
//! …` answers JSON holding the token and when it expires (Jamf Pro's `POST
//! /api/v1/auth/token` answers `{ "token", "expires": "2030-01-01T00:00:00.000Z" }`). The
//! token is then cached like an OAuth access token.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use crate::error::AuthError;
use crate::provider::Parsed;
use crate::secret::Secret;
use crate::transport::{TokenRequest, TransportResponse};

/// The answer's field with the token, by default.
pub const DEFAULT_TOKEN_FIELD: &str = "token";
/// The answer's field with the expiry, by default.
pub const DEFAULT_EXPIRES_FIELD: &str = "expires";

/// Basic credentials exchanged at a URL for a bearer token. `Debug` hides the password.
#[derive(Clone)]
pub struct BasicExchange {
    /// The URL POSTed to.
    pub url: String,
    /// The user name.
    pub username: String,
    /// The password.
    pub password: Secret,
    /// The answer's field holding the token, a dotted path (default `token`).
    pub token_field: String,
    /// The answer's field holding the expiry, a dotted path (default `expires`): an RFC 3339
    /// time, or a number (under 10⁹ seconds from now, under 10¹² Unix seconds, else Unix
    /// milliseconds). Without one the token is kept for [`crate::DEFAULT_LIFETIME`].
    pub expires_field: String,
}

impl fmt::Debug for BasicExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicExchange")
            .field("url", &self.url)
            .field("username", &self.username)
            .field("token_field", &self.token_field)
            .field("expires_field", &self.expires_field)
            .finish_non_exhaustive()
    }
}

impl BasicExchange {
    /// Basic credentials for `url`, reading `token` and `expires` from the answer.
    pub fn new(url: &str, username: &str, password: Secret) -> BasicExchange {
        BasicExchange {
            url: url.to_owned(),
            username: username.to_owned(),
            password,
            token_field: DEFAULT_TOKEN_FIELD.to_owned(),
            expires_field: DEFAULT_EXPIRES_FIELD.to_owned(),
        }
    }

    /// Jamf Pro: `{base_url}/api/v1/auth/token`.
    pub fn jamf(base_url: &str, username: &str, password: Secret) -> BasicExchange {
        let url = format!("{}/api/v1/auth/token", base_url.trim_end_matches('/'));
        BasicExchange::new(&url, username, password)
    }

    /// `POST url` with the basic credentials and no body.
    pub(crate) fn request(&self) -> TokenRequest {
        let credentials = STANDARD.encode(format!("{}:{}", self.username, self.password.expose()));
        TokenRequest {
            url: self.url.clone(),
            headers: vec![
                ("accept".into(), "application/json".into()),
                ("authorization".into(), format!("Basic {credentials}")),
            ],
            body: String::new(),
            secrets: vec![credentials, self.password.expose().to_owned()],
        }
    }

    /// Reads the answer: the token and how long it lasts from `now`.
    pub(crate) fn parse(
        &self,
        response: &TransportResponse,
        now: SystemTime,
    ) -> Result<Parsed, AuthError> {
        if !(200..300).contains(&response.status) {
            return Err(AuthError::Status {
                url: self.url.clone(),
                status: response.status,
            });
        }
        let invalid = |reason| AuthError::InvalidResponse {
            url: self.url.clone(),
            reason,
        };
        let body: Value = serde_json::from_slice(&response.body)
            .ok()
            .filter(Value::is_object)
            .ok_or_else(|| invalid("not a JSON object"))?;
        let token = field(&body, &self.token_field)
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| invalid("no token at the token field"))?;
        let lifetime = match field(&body, &self.expires_field) {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                lifetime(v, now)
                    .ok_or_else(|| invalid("the expiry is not an RFC 3339 time or a number"))?,
            ),
        };
        Ok(Parsed {
            access_token: Secret::new(token),
            lifetime,
            refresh_token: None,
            scope: None,
        })
    }
}

/// The value at a dotted path of object keys.
fn field<'v>(body: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.')
        .filter(|p| !p.is_empty())
        .try_fold(body, |v, key| v.get(key))
}

/// How long from `now` an expiry value is: an RFC 3339 time, or a number (seconds from now,
/// Unix seconds or Unix milliseconds by size). A time past is zero.
fn lifetime(v: &Value, now: SystemTime) -> Option<Duration> {
    let number = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    let until = |at: SystemTime| at.duration_since(now).unwrap_or(Duration::ZERO);
    match number {
        Some(n) if !n.is_finite() || n < 0.0 => None,
        Some(n) if n < 1e9 => Some(Duration::from_secs_f64(n)),
        Some(n) if n < 1e12 => UNIX_EPOCH
            .checked_add(Duration::from_secs_f64(n))
            .map(until),
        Some(n) => UNIX_EPOCH
            .checked_add(Duration::from_secs_f64(n / 1000.0))
            .map(until),
        None => {
            let at: jiff::Timestamp = v.as_str()?.trim().parse().ok()?;
            Some(until(SystemTime::from(at)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> TransportResponse {
        TransportResponse {
            status,
            body: body.as_bytes().to_vec(),
        }
    }

    fn jamf() -> BasicExchange {
        BasicExchange::jamf(
            "https://acme.jamfcloud.com/",
            "api-user",
            Secret::new("pa:ss"),
        )
    }

    #[test]
    fn the_request_posts_basic_credentials_marked_secret() {
        let req = jamf().request();
        assert_eq!(req.url, "https://acme.jamfcloud.com/api/v1/auth/token");
        // base64("api-user:pa:ss")
        let basic = "YXBpLXVzZXI6cGE6c3M=";
        assert!(
            req.headers
                .contains(&("authorization".into(), format!("Basic {basic}")))
        );
        assert!(req.body.is_empty());
        assert!(req.secrets.contains(&basic.to_string()));
        assert!(req.secrets.contains(&"pa:ss".to_string()));
        assert!(!format!("{:?}", jamf()).contains("pa:ss"));
    }

    #[test]
    fn reads_the_token_and_an_rfc3339_or_numeric_expiry() -> Result<(), AuthError> {
        let now = UNIX_EPOCH + Duration::from_secs(1_900_000_000);
        let at = |s: &str| {
            jamf()
                .parse(&answer(200, s), now)
                .map(|p| (p.access_token.expose().to_owned(), p.lifetime))
        };
        // 2030-03-17T17:46:40Z is 1_900_000_000 + 1200 s.
        assert_eq!(
            at(r#"{"token":"eyJ.a.b","expires":"2030-03-17T18:06:40.000Z"}"#)?,
            ("eyJ.a.b".into(), Some(Duration::from_secs(1200)))
        );
        assert_eq!(
            at(r#"{"token":"t","expires":1200}"#)?.1,
            Some(Duration::from_secs(1200))
        );
        assert_eq!(
            at(r#"{"token":"t","expires":1900001200}"#)?.1,
            Some(Duration::from_secs(1200))
        );
        assert_eq!(
            at(r#"{"token":"t","expires":1900001200000}"#)?.1,
            Some(Duration::from_secs(1200))
        );
        assert_eq!(
            at(r#"{"token":"t","expires":"2001-01-01T00:00:00Z"}"#)?.1,
            Some(Duration::ZERO)
        );
        assert_eq!(at(r#"{"token":"t"}"#)?.1, None);
        let mut nested = jamf();
        nested.token_field = "data.access".into();
        nested.expires_field = "data.ttl".into();
        let p = nested.parse(&answer(200, r#"{"data":{"access":"n","ttl":60}}"#), now)?;
        assert_eq!(
            (p.access_token.expose(), p.lifetime),
            ("n", Some(Duration::from_secs(60)))
        );
        Ok(())
    }

    #[test]
    fn refuses_answers_without_a_token() {
        let now = SystemTime::now();
        let reason = |status, body: &str| match jamf().parse(&answer(status, body), now) {
            Err(AuthError::InvalidResponse { reason, .. }) => reason.to_string(),
            Err(e) => e.to_string(),
            Ok(_) => String::new(),
        };
        assert_eq!(reason(200, "<html>"), "not a JSON object");
        assert_eq!(
            reason(200, r#"{"expires":"x"}"#),
            "no token at the token field"
        );
        assert_eq!(
            reason(200, r#"{"token":"t","expires":"soon"}"#),
            "the expiry is not an RFC 3339 time or a number"
        );
        assert!(reason(401, "{}").contains("401"));
    }

    /// Answers every token request with a Jamf token, counting them.
    struct Counting(std::sync::atomic::AtomicUsize);

    impl crate::Transport for Counting {
        fn post_form<'a>(
            &'a self,
            _: &'a TokenRequest,
        ) -> futures_util::future::BoxFuture<'a, Result<TransportResponse, crate::TransportError>>
        {
            Box::pin(async move {
                self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::task::yield_now().await;
                Ok(answer(
                    200,
                    r#"{"token":"jamf-token","expires":"2100-01-01T00:00:00Z"}"#,
                ))
            })
        }
    }

    /// Many requests at once share one exchange, and later ones reuse the cached token.
    #[tokio::test]
    async fn the_token_is_fetched_once_under_concurrency_and_cached() -> Result<(), AuthError> {
        let counting = std::sync::Arc::new(Counting(Default::default()));
        let transport: std::sync::Arc<dyn crate::Transport> = counting.clone();
        let provider = crate::TokenProvider::new(crate::Grant::BasicExchange(jamf()), transport)?;
        let calls = (0..8).map(|_| provider.authorization());
        for header in futures_util::future::join_all(calls).await {
            assert_eq!(header?.expose(), "Bearer jamf-token");
        }
        provider.authorization().await?;
        assert_eq!(counting.0.load(std::sync::atomic::Ordering::SeqCst), 1);
        Ok(())
    }
}
