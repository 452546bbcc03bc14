//! Who may start a run: a client token (header `x-api-client-token` or query `clientToken`,
//! compared in constant time), an HMAC-SHA256 signature over the raw body (optionally with a
//! signed timestamp that must be recent) in flowctl's own scheme or a known sender's
//! (`preset: github | slack | stripe | standard_webhooks`), or nobody at all (`public: true`).
//!
//! Every comparison of a signature is constant time; a timestamp is compared without
//! arithmetic that can overflow, so extreme values are refused, never a panic.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use flow_model::flow::{HmacDoc, HmacPreset};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::time::Duration;
use subtle::ConstantTimeEq;

/// How a signature is carried and what is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheme {
    /// flowctl's own: `<header>: <prefix><hex>` over the body, or `<timestamp>.<body>`.
    Custom {
        /// The signature header (lower-case).
        header: String,
        /// Text before the hex digest.
        prefix: String,
        /// A header with a Unix timestamp that is part of what is signed.
        timestamp_header: Option<String>,
    },
    /// A sender's own scheme.
    Preset(HmacPreset),
}

/// A resolved HMAC setting.
#[derive(Clone)]
pub struct HmacKey {
    /// The shared secret (for `standard_webhooks`, already base64-decoded).
    pub secret: Vec<u8>,
    /// The scheme.
    pub scheme: Scheme,
    /// How far a signed timestamp may be from now, either way.
    pub tolerance: Duration,
}

impl std::fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HmacKey({:?}, secret: ***)", self.scheme)
    }
}

/// Why an HMAC secret cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// A Standard Webhooks secret that is not `whsec_` and base64.
    #[error("a `standard_webhooks` secret is `whsec_` followed by base64 (the value is not shown)")]
    NotBase64,
}

impl HmacKey {
    /// The key for `doc` with its secret resolved to `secret`.
    pub fn new(doc: &HmacDoc, secret: String) -> Result<HmacKey, KeyError> {
        let scheme = match doc.preset {
            Some(p) => Scheme::Preset(p),
            None => Scheme::Custom {
                header: doc.header.clone(),
                prefix: doc.prefix.clone(),
                timestamp_header: doc.timestamp_header.clone(),
            },
        };
        Ok(HmacKey {
            secret: secret_bytes(doc.preset, secret)?,
            scheme,
            tolerance: doc.tolerance,
        })
    }
}

/// The bytes a secret stands for: a Standard Webhooks secret is `whsec_` and base64.
fn secret_bytes(preset: Option<HmacPreset>, secret: String) -> Result<Vec<u8>, KeyError> {
    if preset == Some(HmacPreset::StandardWebhooks) {
        let b64 = secret.strip_prefix("whsec_").unwrap_or(&secret);
        BASE64.decode(b64).map_err(|_| KeyError::NotBase64)
    } else {
        Ok(secret.into_bytes())
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No or wrong client token.
    Token,
    /// No or wrong signature.
    Signature,
    /// The signed timestamp is missing, malformed, too old or too far in the future.
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

/// HMAC-SHA256 of the concatenated `parts`.
fn digest(secret: &[u8], parts: &[&[u8]]) -> Result<Vec<u8>, Refusal> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| Refusal::Signature)?;
    for p in parts {
        mac.update(p);
    }
    Ok(mac.finalize().into_bytes().to_vec())
}

/// Whether one of `candidates` equals `expected`. Every candidate is compared, in constant
/// time, whichever matches.
fn any_matches(expected: &[u8], candidates: &[Vec<u8>]) -> bool {
    let mut found = subtle::Choice::from(0);
    for c in candidates {
        found |= c.as_slice().ct_eq(expected);
    }
    found.into()
}

/// The timestamp text `ts`, checked to be a Unix time within `tolerance` of `now`.
fn fresh(ts: Option<&str>, now: i64, tolerance: Duration) -> Result<(), Refusal> {
    let at: i64 = ts
        .ok_or(Refusal::Stale)?
        .trim()
        .parse()
        .map_err(|_| Refusal::Stale)?;
    if now.abs_diff(at) > tolerance.as_secs() {
        return Err(Refusal::Stale);
    }
    Ok(())
}

/// Checks a signed request. `header` reads request headers by lower-case name; `now` is the
/// current Unix time.
pub fn check_hmac(
    key: &HmacKey,
    header: &dyn Fn(&str) -> Option<String>,
    body: &[u8],
    now: i64,
) -> Result<(), Refusal> {
    let hex_after = |name: &str, prefix: &str| -> Result<Vec<u8>, Refusal> {
        let given = header(name).ok_or(Refusal::Signature)?;
        let hex_sig = given
            .trim()
            .strip_prefix(prefix)
            .ok_or(Refusal::Signature)?;
        hex::decode(hex_sig.trim()).map_err(|_| Refusal::Signature)
    };
    let ok = match &key.scheme {
        Scheme::Custom {
            header: h,
            prefix,
            timestamp_header,
        } => {
            let sig = hex_after(h, prefix)?;
            let expected = match timestamp_header {
                Some(th) => {
                    let ts = header(th);
                    fresh(ts.as_deref(), now, key.tolerance)?;
                    let ts = ts.unwrap_or_default();
                    digest(&key.secret, &[ts.trim().as_bytes(), b".", body])?
                }
                None => digest(&key.secret, &[body])?,
            };
            any_matches(&expected, &[sig])
        }
        Scheme::Preset(HmacPreset::Github) => {
            let sig = hex_after("x-hub-signature-256", "sha256=")?;
            any_matches(&digest(&key.secret, &[body])?, &[sig])
        }
        Scheme::Preset(HmacPreset::Slack) => {
            let sig = hex_after("x-slack-signature", "v0=")?;
            let ts = header("x-slack-request-timestamp");
            fresh(ts.as_deref(), now, key.tolerance)?;
            let ts = ts.unwrap_or_default();
            let expected = digest(&key.secret, &[b"v0:", ts.trim().as_bytes(), b":", body])?;
            any_matches(&expected, &[sig])
        }
        Scheme::Preset(HmacPreset::Stripe) => {
            let given = header("stripe-signature").ok_or(Refusal::Signature)?;
            let mut t = None;
            let mut sigs = Vec::new();
            for item in given.split(',') {
                match item.trim().split_once('=') {
                    Some(("t", v)) if t.is_none() => t = Some(v.trim().to_string()),
                    Some(("v1", v)) => {
                        if let Ok(s) = hex::decode(v.trim()) {
                            sigs.push(s);
                        }
                    }
                    _ => {}
                }
            }
            fresh(t.as_deref(), now, key.tolerance)?;
            let t = t.unwrap_or_default();
            let expected = digest(&key.secret, &[t.as_bytes(), b".", body])?;
            any_matches(&expected, &sigs)
        }
        Scheme::Preset(HmacPreset::StandardWebhooks) => {
            let id = header("webhook-id").ok_or(Refusal::Signature)?;
            let given = header("webhook-signature").ok_or(Refusal::Signature)?;
            let ts = header("webhook-timestamp");
            fresh(ts.as_deref(), now, key.tolerance)?;
            let ts = ts.unwrap_or_default();
            let sigs: Vec<Vec<u8>> = given
                .split_whitespace()
                .filter_map(|s| s.strip_prefix("v1,"))
                .filter_map(|s| BASE64.decode(s).ok())
                .collect();
            let expected = digest(
                &key.secret,
                &[id.trim().as_bytes(), b".", ts.trim().as_bytes(), b".", body],
            )?;
            any_matches(&expected, &sigs)
        }
    };
    if ok { Ok(()) } else { Err(Refusal::Signature) }
}

/// The signature a sender would put in the header, in flowctl's own scheme (for docs and
/// scripts).
pub fn sign(secret: &[u8], timestamp: Option<&str>, body: &[u8]) -> String {
    let parts: Vec<&[u8]> = match timestamp {
        Some(ts) => vec![ts.as_bytes(), b".", body],
        None => vec![body],
    };
    digest(secret, &parts).map(hex::encode).unwrap_or_default()
}

#[cfg(test)]
mod tests;
