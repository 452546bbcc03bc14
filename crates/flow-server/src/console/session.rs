//! Who may use the console: the token (typed into the sign-in form, or sent as
//! `Authorization: Bearer`), compared in constant time; and the session cookie a sign-in sets.
//!
//! The cookie never holds the token. It is `<expiry>.<session id>.<mac>`: a random session id,
//! its expiry (unix seconds) and an HMAC-SHA256 of both under a key drawn at start and mixed
//! with the token, so a cookie is worthless after a restart or a token change, cannot be made
//! without the key, and is checked in constant time.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// How long a session lasts.
pub const SESSION_SECS: i64 = 12 * 3600;

/// The cookie's name.
pub const COOKIE: &str = "flowctl_console";

/// The console's secrets: the token and the key sessions are signed with.
pub struct Sessions {
    token: String,
    key: [u8; 32],
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sessions(***)")
    }
}

/// 32 random bytes (two random UUIDs: 244 random bits, from the OS generator).
fn random_bytes() -> [u8; 32] {
    let mut out = [0u8; 32];
    out[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    out[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    out
}

impl Sessions {
    /// Sessions for `token`, signed with a key drawn now.
    pub fn new(token: String) -> Sessions {
        let mut h = Sha256::new();
        h.update(b"flowctl console session key\0");
        h.update(random_bytes());
        h.update(token.as_bytes());
        Sessions {
            token,
            key: h.finalize().into(),
        }
    }

    /// Whether `given` is the token (constant time).
    pub fn token_matches(&self, given: &str) -> bool {
        crate::auth::token_matches(given, &self.token)
    }

    fn mac(&self, expires: i64, id: &str) -> Vec<u8> {
        // The key is 32 bytes: HMAC takes any length, so this cannot fail.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return Vec::new();
        };
        mac.update(expires.to_string().as_bytes());
        mac.update(b".");
        mac.update(id.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// A new session's cookie value, valid until `now` + [`SESSION_SECS`].
    pub fn issue(&self, now: i64) -> String {
        let id = hex::encode(&random_bytes()[..16]);
        let expires = now.saturating_add(SESSION_SECS);
        format!("{expires}.{id}.{}", hex::encode(self.mac(expires, &id)))
    }

    /// Whether `value` is a cookie this server issued that has not expired at `now`.
    pub fn valid(&self, value: &str, now: i64) -> bool {
        let mut parts = value.splitn(3, '.');
        let (Some(expires), Some(id), Some(mac)) = (parts.next(), parts.next(), parts.next())
        else {
            return false;
        };
        let (Ok(expires), Ok(mac)) = (expires.parse::<i64>(), hex::decode(mac)) else {
            return false;
        };
        let signed: bool = self.mac(expires, id).ct_eq(&mac).into();
        signed && now < expires
    }

    /// Whether request headers carry the token as `Authorization: Bearer`, or a valid session
    /// cookie; `Some(true)` for the cookie (whose writes need an origin check), `Some(false)`
    /// for the token, `None` for neither.
    pub fn who(&self, headers: &axum::http::HeaderMap, now: i64) -> Option<Signed> {
        if let Some(auth) = headers.get(axum::http::header::AUTHORIZATION) {
            let given = auth.to_str().ok()?.strip_prefix("Bearer ")?;
            return self.token_matches(given.trim()).then_some(Signed::Bearer);
        }
        let cookie = cookie(headers, COOKIE)?;
        self.valid(&cookie, now).then_some(Signed::Cookie)
    }
}

/// How a request proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signed {
    /// The token in `Authorization: Bearer` (a script: no cookie, so no CSRF).
    Bearer,
    /// The session cookie (a browser: writes must come from the console's own origin).
    Cookie,
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Whether a write signed in by cookie comes from the console's own page: its `Origin` names
/// the host the request was sent to. A browser sends `Origin` with every `POST`; a missing one
/// is refused.
pub fn same_origin(headers: &axum::http::HeaderMap) -> bool {
    let (Some(origin), Some(host)) = (
        headers
            .get(axum::http::header::ORIGIN)
            .and_then(|v| v.to_str().ok()),
        headers
            .get(axum::http::header::HOST)
            .and_then(|v| v.to_str().ok()),
    ) else {
        return false;
    };
    let rest = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    rest.is_some_and(|r| r.eq_ignore_ascii_case(host))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue, header};

    const TOKEN: &str = "a-console-token-long-enough";

    #[test]
    fn a_cookie_holds_no_token_and_is_valid_until_it_expires() {
        let s = Sessions::new(TOKEN.into());
        let c = s.issue(1_000);
        assert!(!c.contains(TOKEN) && !c.contains(&hex::encode(TOKEN)));
        assert!(s.valid(&c, 1_000));
        assert!(s.valid(&c, 1_000 + SESSION_SECS - 1));
        assert!(!s.valid(&c, 1_000 + SESSION_SECS));
        // Two sign-ins are two sessions.
        assert_ne!(c, s.issue(1_000));
    }

    #[test]
    fn a_forged_or_foreign_cookie_is_refused() {
        let s = Sessions::new(TOKEN.into());
        let c = s.issue(1_000);
        let (expires, rest) = c.split_once('.').unwrap();
        // A later expiry breaks the MAC.
        let later: i64 = expires.parse::<i64>().unwrap() + 3600;
        assert!(!s.valid(&format!("{later}.{rest}"), 1_000));
        // Another server (or a restart, or another token) has another key.
        assert!(!Sessions::new(TOKEN.into()).valid(&c, 1_000));
        for junk in ["", "x", "1.2", "1.2.zz", "99999999999.ab.00"] {
            assert!(!s.valid(junk, 0), "{junk}");
        }
    }

    #[test]
    fn who_reads_bearer_first_then_the_cookie() {
        let s = Sessions::new(TOKEN.into());
        let mut h = HeaderMap::new();
        assert_eq!(s.who(&h, 0), None);
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("a=b; {COOKIE}={}", s.issue(0))).unwrap(),
        );
        assert_eq!(s.who(&h, 0), Some(Signed::Cookie));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer wrong-token-wrong-token"),
        );
        // A wrong bearer is refused even with a good cookie: no guessing around it.
        assert_eq!(s.who(&h, 0), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {TOKEN}")).unwrap(),
        );
        assert_eq!(s.who(&h, 0), Some(Signed::Bearer));
    }

    #[test]
    fn same_origin_needs_an_origin_naming_the_host() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(!same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&h));
    }
}
