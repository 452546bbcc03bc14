//! Crypto cards: hashes, HMACs, JSON Web Tokens, UUIDs and random text from the operating
//! system's secure random source. Keys live in `kind: key` connections ([`key`]), never in a
//! flow's text or its records.

pub mod key;

cards!(hash, hmac, jwt_sign, jwt_verify, random, uuid);

use flow_auth::Algorithm;
use flow_card::{CardError, ErrorKind};

/// Fills `buf` from the operating system's secure random source.
pub(crate) fn secure_random(buf: &mut [u8]) -> Result<(), CardError> {
    getrandom::fill(buf).map_err(|e| {
        CardError::new(
            flow_card::ErrorKind::Config,
            format!("no secure random source: {e}"),
        )
    })
}

/// The JWT algorithms the cards offer.
pub(crate) const JWT_ALGORITHMS: &str =
    "HS256, HS384, HS512, RS256, RS384, RS512, PS256, ES256 or ES384";

/// Reads a JWT algorithm name (`HS256` when `None`); the error lists those offered. The JWT
/// cards sign and verify through `flow-auth`, flowctl's one JWT implementation.
pub(crate) fn jwt_algorithm(name: Option<&str>) -> Result<Algorithm, CardError> {
    let name = name.unwrap_or("HS256");
    Algorithm::from_name(name).ok_or_else(|| {
        CardError::input(format!(
            "`algorithm` must be {JWT_ALGORITHMS}, found `{name}`"
        ))
    })
}

/// The setting of a `key` connection an algorithm needs, or a config error naming it.
pub(crate) fn key_setting<'k>(value: Option<&'k str>, name: &str) -> Result<&'k str, CardError> {
    value.ok_or_else(|| {
        CardError::new(
            ErrorKind::Config,
            format!("the `key` connection has no `{name}`"),
        )
    })
}

/// The error for a key that cannot serve an algorithm; it never shows the key.
pub(crate) fn bad_key(name: &str, alg: Algorithm) -> CardError {
    CardError::new(
        ErrorKind::Config,
        format!(
            "the `{name}` of the `key` connection is not a key for {}",
            alg.name()
        ),
    )
}
