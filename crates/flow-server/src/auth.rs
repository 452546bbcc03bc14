//! Who may start a run: a client token (header `x-api-client-token` or query `clientToken`,
//! compared in constant time), an HMAC-SHA256 signature over the raw body (optionally with a
//! signed timestamp that must be recent), or nobody at all (`public: true`).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::time::Duration;
use subtle::ConstantTimeEq;

/// A resolved HMAC setting.
#[derive(Clone)]
pub struct HmacKey {
    /// The shared secret.
    pub secret: Vec<u8>,
    /// The signature header (lower-case).
    pub header: String,
    /// Text before the hex digest.
    pub prefix: String,
    /// A header with a Unix timestamp that is part of what is signed.
    pub timestamp_header: Option<String>,
    /// How far the timestamp may be from now.
    pub tolerance: Duration,
}

impl std::fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HmacKey(header: {}, secret: ***)", self.header)
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No or wrong client token.
    Token,
    /// No or wrong signature.
    Signature,
    /// The signed timestamp is missing, malformed or too old.
    Stale,
}

impl Refusal {
    /// The metrics label.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::Token => "unauthorized",
            Refusal::Signature => "bad_signature",
            Refusal::Stale => "stale_timestamp",
        }
    }
}

/// True when `given` equals `expected`, in time that does not depend on where they differ.
pub fn token_matches(given: &str, expected: &str) -> bool {
    given.as_bytes().ct_eq(expected.as_bytes()).into()
}

/// Checks a signed request. `header` reads request headers by lower-case name; `now` is the
/// current Unix time.
pub fn check_hmac(
    key: &HmacKey,
    header: &dyn Fn(&str) -> Option<String>,
    body: &[u8],
    now: i64,
) -> Result<(), Refusal> {
    let given = header(&key.header).ok_or(Refusal::Signature)?;
    let hex_sig = given
        .trim()
        .strip_prefix(key.prefix.as_str())
        .ok_or(Refusal::Signature)?;
    let sig = hex::decode(hex_sig.trim()).map_err(|_| Refusal::Signature)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key.secret).map_err(|_| Refusal::Signature)?;
    if let Some(th) = &key.timestamp_header {
        let ts = header(th).ok_or(Refusal::Stale)?;
        let at: i64 = ts.trim().parse().map_err(|_| Refusal::Stale)?;
        // `abs_diff`: any two i64 are at most u64::MAX apart, so no timestamp overflows.
        if now.abs_diff(at) > key.tolerance.as_secs() {
            return Err(Refusal::Stale);
        }
        mac.update(ts.trim().as_bytes());
        mac.update(b".");
    }
    mac.update(body);
    mac.verify_slice(&sig).map_err(|_| Refusal::Signature)
}

/// The signature a sender would put in the header (for tests and docs).
pub fn sign(secret: &[u8], timestamp: Option<&str>, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    if let Some(ts) = timestamp {
        mac.update(ts.as_bytes());
        mac.update(b".");
    }
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(ts: bool) -> HmacKey {
        HmacKey {
            secret: b"s3cret".to_vec(),
            header: "x-signature".into(),
            prefix: "sha256=".into(),
            timestamp_header: ts.then(|| "x-timestamp".into()),
            tolerance: Duration::from_secs(300),
        }
    }

    #[test]
    fn signatures() {
        let body = b"{\"a\":1}";
        let sig = format!("sha256={}", sign(b"s3cret", None, body));
        let h = |n: &str| (n == "x-signature").then(|| sig.clone());
        assert_eq!(check_hmac(&key(false), &h, body, 0), Ok(()));
        assert_eq!(
            check_hmac(&key(false), &h, b"{\"a\":2}", 0),
            Err(Refusal::Signature)
        );
        let none = |_: &str| None;
        assert_eq!(
            check_hmac(&key(false), &none, body, 0),
            Err(Refusal::Signature)
        );
        // With a timestamp: fresh passes, old is stale, tampered timestamp fails.
        let now = 1_700_000_000;
        let sig = format!("sha256={}", sign(b"s3cret", Some("1700000000"), body));
        let h = |n: &str| match n {
            "x-signature" => Some(sig.clone()),
            "x-timestamp" => Some("1700000000".to_string()),
            _ => None,
        };
        assert_eq!(check_hmac(&key(true), &h, body, now + 10), Ok(()));
        assert_eq!(
            check_hmac(&key(true), &h, body, now + 301),
            Err(Refusal::Stale)
        );
        let h2 = |n: &str| match n {
            "x-signature" => Some(sig.clone()),
            "x-timestamp" => Some("1700000001".to_string()),
            _ => None,
        };
        assert_eq!(
            check_hmac(&key(true), &h2, body, now),
            Err(Refusal::Signature)
        );
        assert!(token_matches("abc", "abc"));
        assert!(!token_matches("abd", "abc"));
        assert!(!token_matches("ab", "abc"));
    }
}
