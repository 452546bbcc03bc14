//! JWT checks of the fake token endpoint: PEM public keys, RS256/ES256 signatures, lifetimes.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{self, UnparsedPublicKey};
use rustls_pki_types::SubjectPublicKeyInfoDer;
use rustls_pki_types::pem::PemObject;
use serde_json::Value;

use super::InvalidPublicKey;
use crate::fake::util::epoch_secs_now;

#[derive(Clone, Copy)]
enum Alg {
    Rs256,
    Es256,
}

#[derive(Clone)]
pub(super) struct PublicKey {
    alg: Alg,
    bytes: Vec<u8>,
}

/// `exp` in the future and at most an hour after `iat` (or now).
pub(super) fn check_lifetime(claims: &Value) -> Result<(), &'static str> {
    let now = epoch_secs_now();
    let exp = claims["exp"]
        .as_u64()
        .ok_or("The assertion has no exp claim.")?;
    let iat = claims["iat"].as_u64().unwrap_or(now);
    if exp <= now {
        return Err("The assertion is expired.");
    }
    if exp.saturating_sub(iat.min(now)) > 3600 || iat > now + 300 {
        return Err(
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.",
        );
    }
    Ok(())
}

/// The header and claims of a compact JWS (unverified).
pub(super) fn decode_jwt(jwt: &str) -> Option<(Value, Value)> {
    let mut parts = jwt.split('.');
    let (h, c, _s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let part = |p: &str| -> Option<Value> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok()
    };
    Some((part(h)?, part(c)?))
}

/// Verifies the signature of a compact JWS with `key`, whose algorithm its `alg` must name.
pub(super) fn verify(key: &PublicKey, jwt: &str) -> bool {
    let Some((input, sig)) = jwt.rsplit_once('.') else {
        return false;
    };
    let (Some((header, _)), Ok(sig)) = (decode_jwt(jwt), URL_SAFE_NO_PAD.decode(sig)) else {
        return false;
    };
    let (name, alg): (_, &dyn signature::VerificationAlgorithm) = match key.alg {
        Alg::Rs256 => ("RS256", &signature::RSA_PKCS1_2048_8192_SHA256),
        Alg::Es256 => ("ES256", &signature::ECDSA_P256_SHA256_FIXED),
    };
    header["alg"].as_str() == Some(name)
        && UnparsedPublicKey::new(alg, &key.bytes)
            .verify(input.as_bytes(), &sig)
            .is_ok()
}

const RSA_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const EC_OID: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const P256_OID: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// Reads a PEM SubjectPublicKeyInfo into the form `ring` verifies with (the PKCS#1
/// RSAPublicKey, or the uncompressed P-256 point).
pub(super) fn parse_public_key(pem: &str) -> Result<PublicKey, InvalidPublicKey> {
    let spki = SubjectPublicKeyInfoDer::from_pem_slice(pem.trim().as_bytes())
        .map_err(|_| InvalidPublicKey)?;
    let (tag, outer, _) = der(spki.as_ref()).ok_or(InvalidPublicKey)?;
    let (_, alg_id, rest) = der(outer).filter(|_| tag == 0x30).ok_or(InvalidPublicKey)?;
    let (bit_tag, bits, _) = der(rest).ok_or(InvalidPublicKey)?;
    let key = match bits.split_first() {
        Some((0, key)) if bit_tag == 0x03 => key.to_vec(),
        _ => return Err(InvalidPublicKey),
    };
    let (_, oid, params) = der(alg_id).ok_or(InvalidPublicKey)?;
    let alg = match oid {
        RSA_OID => Alg::Rs256,
        EC_OID if der(params).is_some_and(|(_, curve, _)| curve == P256_OID) => Alg::Es256,
        _ => return Err(InvalidPublicKey),
    };
    Ok(PublicKey { alg, bytes: key })
}

/// One DER element: (tag, contents, the bytes after it).
fn der(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_reads_short_and_long_lengths() {
        assert_eq!(
            der(&[0x04, 0x01, 0xaa, 0xbb]),
            Some((0x04, &[0xaa][..], &[0xbb][..]))
        );
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend([0u8; 0x80]);
        assert_eq!(der(&long).map(|(_, c, _)| c.len()), Some(0x80));
        assert_eq!(der(&[0x04, 0x05, 0x00]), None);
    }

    #[test]
    fn rejects_what_is_not_a_public_key() {
        assert_eq!(parse_public_key("nope").err(), Some(InvalidPublicKey));
        assert!(decode_jwt("a.b").is_none());
    }
}
