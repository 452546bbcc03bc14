//! JSON Web Tokens (RFC 7519 compact JWS), signed and verified through `ring`: client
//! assertions (RFC 7523), Google's JWT bearer grant, and the `crypto.jwt_sign` /
//! `crypto.jwt_verify` cards. HS256/384/512 with a secret, RS256/384/512 and PS256 with an RSA
//! key, ES256 and ES384 with an EC P-256 or P-384 key; private keys in PEM (PKCS#8, or PKCS#1
//! for RSA), public keys in PEM (SubjectPublicKeyInfo). This is flowctl's one JWT
//! implementation (`docs/auth.md` says why `ring`).

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, EcdsaKeyPair, RsaKeyPair, UnparsedPublicKey};
use ring::{hmac, signature::RsaEncoding};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{PrivateKeyDer, SubjectPublicKeyInfoDer};
use serde_json::{Map, Value, json};

use crate::error::{KeyError, VerifyError};

/// A JWS algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// HMAC with SHA-256 (a shared secret).
    Hs256,
    /// HMAC with SHA-384.
    Hs384,
    /// HMAC with SHA-512.
    Hs512,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RSA keys).
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
    /// RSASSA-PSS with SHA-256.
    Ps256,
    /// ECDSA P-256 with SHA-256 (EC P-256 keys).
    Es256,
    /// ECDSA P-384 with SHA-384 (EC P-384 keys).
    Es384,
}

impl Algorithm {
    /// Every algorithm, in the order docs list them.
    pub const ALL: [Algorithm; 9] = [
        Algorithm::Hs256,
        Algorithm::Hs384,
        Algorithm::Hs512,
        Algorithm::Rs256,
        Algorithm::Rs384,
        Algorithm::Rs512,
        Algorithm::Ps256,
        Algorithm::Es256,
        Algorithm::Es384,
    ];

    /// The JWS `alg` name.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Hs256 => "HS256",
            Algorithm::Hs384 => "HS384",
            Algorithm::Hs512 => "HS512",
            Algorithm::Rs256 => "RS256",
            Algorithm::Rs384 => "RS384",
            Algorithm::Rs512 => "RS512",
            Algorithm::Ps256 => "PS256",
            Algorithm::Es256 => "ES256",
            Algorithm::Es384 => "ES384",
        }
    }

    /// The algorithm a JWS `alg` name stands for.
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Whether it signs with a shared secret (HS*) rather than a key pair.
    pub fn is_hmac(self) -> bool {
        matches!(self, Algorithm::Hs256 | Algorithm::Hs384 | Algorithm::Hs512)
    }

    fn hmac(self) -> Option<hmac::Algorithm> {
        match self {
            Algorithm::Hs256 => Some(hmac::HMAC_SHA256),
            Algorithm::Hs384 => Some(hmac::HMAC_SHA384),
            Algorithm::Hs512 => Some(hmac::HMAC_SHA512),
            _ => None,
        }
    }

    fn rsa_signing(self) -> Option<&'static dyn RsaEncoding> {
        match self {
            Algorithm::Rs256 => Some(&signature::RSA_PKCS1_SHA256),
            Algorithm::Rs384 => Some(&signature::RSA_PKCS1_SHA384),
            Algorithm::Rs512 => Some(&signature::RSA_PKCS1_SHA512),
            Algorithm::Ps256 => Some(&signature::RSA_PSS_SHA256),
            _ => None,
        }
    }
}

enum KeyPair {
    Rsa(RsaKeyPair),
    Ec256(EcdsaKeyPair),
    Ec384(EcdsaKeyPair),
    Hmac(Vec<u8>),
}

/// A key that signs JWTs: a private key, or an HMAC secret. `Debug` shows the algorithm only.
pub struct SigningKey {
    pair: KeyPair,
    rng: SystemRandom,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm())
            .finish_non_exhaustive()
    }
}

/// A PEM kept on one line with literal `\n` sequences (as in environment variables), with
/// line breaks.
fn pem_lines(pem: &str) -> String {
    if !pem.contains('\n') && pem.contains("\\n") {
        pem.replace("\\n", "\n")
    } else {
        pem.to_owned()
    }
}

impl SigningKey {
    /// Reads a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`: RSA, EC P-256 or EC P-384) or
    /// PKCS#1 (`BEGIN RSA PRIVATE KEY`). A PEM kept on one line with literal `\n` sequences
    /// (as in environment variables) is accepted too.
    pub fn from_pem(pem: &str) -> Result<SigningKey, KeyError> {
        let text = pem_lines(pem);
        if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            return Err(KeyError::Unsupported(
                "the private key is encrypted; decrypt it with `openssl pkey -in key.pem -out plain.pem`",
            ));
        }
        let der =
            PrivateKeyDer::from_pem_slice(text.trim().as_bytes()).map_err(|_| KeyError::NotPem)?;
        let rng = SystemRandom::new();
        let pair = match der {
            PrivateKeyDer::Pkcs8(der) => {
                let der = der.secret_pkcs8_der();
                let ec = |alg| EcdsaKeyPair::from_pkcs8(alg, der, &rng);
                match RsaKeyPair::from_pkcs8(der) {
                    Ok(rsa) => KeyPair::Rsa(rsa),
                    Err(rsa_err) => match ec(&signature::ECDSA_P256_SHA256_FIXED_SIGNING) {
                        Ok(k) => KeyPair::Ec256(k),
                        Err(_) => ec(&signature::ECDSA_P384_SHA384_FIXED_SIGNING)
                            .map(KeyPair::Ec384)
                            .map_err(|_| {
                                KeyError::Rejected(format!(
                                    "not an RSA, EC P-256 or EC P-384 key ({rsa_err})"
                                ))
                            })?,
                    },
                }
            }
            PrivateKeyDer::Pkcs1(der) => RsaKeyPair::from_der(der.secret_pkcs1_der())
                .map(KeyPair::Rsa)
                .map_err(|e| KeyError::Rejected(e.to_string()))?,
            PrivateKeyDer::Sec1(_) => {
                return Err(KeyError::Unsupported(
                    "EC keys must be PKCS#8 (BEGIN PRIVATE KEY); convert with `openssl pkcs8 -topk8 -nocrypt`",
                ));
            }
            _ => return Err(KeyError::Unsupported("unknown private key format")),
        };
        Ok(SigningKey { pair, rng })
    }

    /// An HMAC key (HS256/384/512): the bytes of a shared secret.
    pub fn from_secret(secret: &[u8]) -> SigningKey {
        SigningKey {
            pair: KeyPair::Hmac(secret.to_vec()),
            rng: SystemRandom::new(),
        }
    }

    /// The algorithm this key signs with by default: RS256 (RSA), ES256 (P-256), ES384
    /// (P-384), HS256 (a secret).
    pub fn algorithm(&self) -> Algorithm {
        match self.pair {
            KeyPair::Rsa(_) => Algorithm::Rs256,
            KeyPair::Ec256(_) => Algorithm::Es256,
            KeyPair::Ec384(_) => Algorithm::Es384,
            KeyPair::Hmac(_) => Algorithm::Hs256,
        }
    }

    /// Signs `claims` with the key's own algorithm ([`SigningKey::algorithm`]).
    pub fn sign(&self, kid: Option<&str>, claims: &Value) -> Result<String, KeyError> {
        self.sign_as(self.algorithm(), kid, claims)
    }

    /// Signs `claims` as a compact JWS with header `{"typ":"JWT", "alg", "kid"?}` with `alg`,
    /// which must suit the key (RS*/PS256 an RSA key, ES256 a P-256 key, ES384 a P-384 key,
    /// HS* a secret).
    pub fn sign_as(
        &self,
        alg: Algorithm,
        kid: Option<&str>,
        claims: &Value,
    ) -> Result<String, KeyError> {
        let mut header = Map::new();
        header.insert("typ".into(), json!("JWT"));
        header.insert("alg".into(), json!(alg.name()));
        if let Some(kid) = kid {
            header.insert("kid".into(), json!(kid));
        }
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(Value::Object(header).to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let input = signing_input.as_bytes();
        let wrong = || KeyError::WrongAlgorithm(alg.name());
        let sig = match (&self.pair, alg) {
            (KeyPair::Rsa(pair), _) => {
                let encoding = alg.rsa_signing().ok_or_else(wrong)?;
                let mut sig = vec![0; pair.public().modulus_len()];
                pair.sign(encoding, &self.rng, input, &mut sig)
                    .map_err(|_| KeyError::Signing)?;
                sig
            }
            (KeyPair::Ec256(pair), Algorithm::Es256) | (KeyPair::Ec384(pair), Algorithm::Es384) => {
                pair.sign(&self.rng, input)
                    .map_err(|_| KeyError::Signing)?
                    .as_ref()
                    .to_vec()
            }
            (KeyPair::Hmac(secret), _) => {
                let h = alg.hmac().ok_or_else(wrong)?;
                hmac::sign(&hmac::Key::new(h, secret), input)
                    .as_ref()
                    .to_vec()
            }
            _ => return Err(wrong()),
        };
        Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig)))
    }

    /// A random JWT id (128 bits, base64url).
    pub(crate) fn jti(&self) -> Result<String, KeyError> {
        let mut bytes = [0u8; 16];
        self.rng.fill(&mut bytes).map_err(|_| KeyError::Signing)?;
        Ok(URL_SAFE_NO_PAD.encode(bytes))
    }
}

enum Public {
    /// The PKCS#1 RSAPublicKey.
    Rsa(Vec<u8>),
    /// The uncompressed P-256 point.
    Ec256(Vec<u8>),
    /// The uncompressed P-384 point.
    Ec384(Vec<u8>),
    Hmac(Vec<u8>),
}

/// A key that verifies JWTs: a public key, or an HMAC secret. `Debug` shows its kind only.
pub struct VerifyingKey(Public);

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.0 {
            Public::Rsa(_) => "RSA",
            Public::Ec256(_) => "EC P-256",
            Public::Ec384(_) => "EC P-384",
            Public::Hmac(_) => "HMAC secret",
        };
        f.debug_tuple("VerifyingKey").field(&kind).finish()
    }
}

const RSA_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const EC_OID: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const P256_OID: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const P384_OID: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];

impl VerifyingKey {
    /// Reads a PEM public key (`BEGIN PUBLIC KEY`: RSA, EC P-256 or EC P-384).
    pub fn from_pem(pem: &str) -> Result<VerifyingKey, KeyError> {
        let text = pem_lines(pem);
        let spki = SubjectPublicKeyInfoDer::from_pem_slice(text.trim().as_bytes())
            .map_err(|_| KeyError::NotPublicPem)?;
        let rejected = || KeyError::Rejected("not an RSA, EC P-256 or EC P-384 public key".into());
        let (tag, outer, _) = der(spki.as_ref()).ok_or_else(rejected)?;
        let (_, alg_id, rest) = der(outer).filter(|_| tag == 0x30).ok_or_else(rejected)?;
        let (bit_tag, bits, _) = der(rest).ok_or_else(rejected)?;
        let key = match bits.split_first() {
            Some((0, key)) if bit_tag == 0x03 => key.to_vec(),
            _ => return Err(rejected()),
        };
        let (_, oid, params) = der(alg_id).ok_or_else(rejected)?;
        let curve = der(params).map(|(_, c, _)| c);
        Ok(VerifyingKey(match oid {
            RSA_OID => Public::Rsa(key),
            EC_OID if curve == Some(P256_OID) => Public::Ec256(key),
            EC_OID if curve == Some(P384_OID) => Public::Ec384(key),
            _ => return Err(rejected()),
        }))
    }

    /// An HMAC key (HS256/384/512): the bytes of a shared secret.
    pub fn from_secret(secret: &[u8]) -> VerifyingKey {
        VerifyingKey(Public::Hmac(secret.to_vec()))
    }

    /// Checks a compact JWS's signature with `alg` (the verifier's choice: a token whose
    /// header names another is refused) and gives its header and claims. Claims such as `exp`
    /// are the caller's to check.
    pub fn verify(&self, alg: Algorithm, token: &str) -> Result<(Value, Value), VerifyError> {
        let (input, sig) = token.rsplit_once('.').ok_or(VerifyError::Malformed)?;
        let (h, c) = input.split_once('.').ok_or(VerifyError::Malformed)?;
        let part = |p: &str| -> Result<Value, VerifyError> {
            let bytes = URL_SAFE_NO_PAD
                .decode(p)
                .map_err(|_| VerifyError::Malformed)?;
            serde_json::from_slice(&bytes).map_err(|_| VerifyError::Malformed)
        };
        let header = part(h)?;
        let claims = part(c)?;
        let sig = URL_SAFE_NO_PAD
            .decode(sig)
            .map_err(|_| VerifyError::Malformed)?;
        if !header.is_object() {
            return Err(VerifyError::Malformed);
        }
        if header.get("alg").and_then(Value::as_str) != Some(alg.name()) {
            return Err(VerifyError::Algorithm(alg.name()));
        }
        let wrong = || VerifyError::Key(KeyError::WrongAlgorithm(alg.name()));
        let public = |a: &'static dyn signature::VerificationAlgorithm, key: &[u8]| {
            UnparsedPublicKey::new(a, key)
                .verify(input.as_bytes(), &sig)
                .map_err(|_| VerifyError::Signature)
        };
        match (&self.0, alg) {
            (Public::Hmac(secret), _) => {
                let h = alg.hmac().ok_or_else(wrong)?;
                hmac::verify(&hmac::Key::new(h, secret), input.as_bytes(), &sig)
                    .map_err(|_| VerifyError::Signature)?;
            }
            (Public::Rsa(key), Algorithm::Rs256) => {
                public(&signature::RSA_PKCS1_2048_8192_SHA256, key)?;
            }
            (Public::Rsa(key), Algorithm::Rs384) => {
                public(&signature::RSA_PKCS1_2048_8192_SHA384, key)?;
            }
            (Public::Rsa(key), Algorithm::Rs512) => {
                public(&signature::RSA_PKCS1_2048_8192_SHA512, key)?;
            }
            (Public::Rsa(key), Algorithm::Ps256) => {
                public(&signature::RSA_PSS_2048_8192_SHA256, key)?;
            }
            (Public::Ec256(key), Algorithm::Es256) => {
                public(&signature::ECDSA_P256_SHA256_FIXED, key)?;
            }
            (Public::Ec384(key), Algorithm::Es384) => {
                public(&signature::ECDSA_P384_SHA384_FIXED, key)?;
            }
            _ => return Err(wrong()),
        }
        Ok((header, claims))
    }
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

/// Whole seconds since the Unix epoch now.
pub(crate) fn epoch_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// How long a client assertion is valid: 5 minutes, Okta's and RFC 7523's usual bound.
pub(crate) const ASSERTION_LIFETIME_SECS: u64 = 300;

/// Claims of an RFC 7523 client assertion: `iss` = `sub` = client id, `aud` = token URL.
pub(crate) fn client_assertion(
    key: &SigningKey,
    kid: Option<&str>,
    client_id: &str,
    token_url: &str,
) -> Result<String, KeyError> {
    let now = epoch_now();
    let claims = json!({
        "iss": client_id,
        "sub": client_id,
        "aud": token_url,
        "iat": now,
        "exp": now + ASSERTION_LIFETIME_SECS,
        "jti": key.jti()?,
    });
    key.sign(kid, &claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSA: &str = include_str!("../tests/keys/test-only-rsa-private.pem");
    const RSA1: &str = include_str!("../tests/keys/test-only-rsa-private-pkcs1.pem");
    const EC: &str = include_str!("../tests/keys/test-only-ec-private.pem");

    fn part(jwt: &str, i: usize) -> Value {
        let seg = jwt.split('.').nth(i).unwrap_or_default();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(seg).unwrap_or_default()).unwrap_or_default()
    }

    #[test]
    fn reads_pkcs8_rsa_pkcs1_rsa_and_pkcs8_ec() {
        assert_eq!(
            SigningKey::from_pem(RSA).map(|k| k.algorithm()),
            Ok(Algorithm::Rs256)
        );
        assert_eq!(
            SigningKey::from_pem(RSA1).map(|k| k.algorithm()),
            Ok(Algorithm::Rs256)
        );
        assert_eq!(
            SigningKey::from_pem(EC).map(|k| k.algorithm()),
            Ok(Algorithm::Es256)
        );
        let one_line = RSA.trim().replace('\n', "\\n");
        assert!(SigningKey::from_pem(&one_line).is_ok());
    }

    #[test]
    fn rejects_non_keys_without_echoing_them() {
        let encrypted =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert!(matches!(
            SigningKey::from_pem(encrypted),
            Err(KeyError::Unsupported(_))
        ));
        let err = SigningKey::from_pem("not a key at all").err();
        assert_eq!(err, Some(KeyError::NotPem));
        let msg = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(!msg.contains("not a key at all"));
    }

    #[test]
    fn client_assertion_has_the_rfc7523_claims() -> Result<(), KeyError> {
        let key = SigningKey::from_pem(EC)?;
        let jwt = client_assertion(
            &key,
            Some("k1"),
            "0oa1",
            "https://x.okta.com/oauth2/v1/token",
        )?;
        let (header, claims) = (part(&jwt, 0), part(&jwt, 1));
        assert_eq!(header, json!({"alg": "ES256", "typ": "JWT", "kid": "k1"}));
        assert!(
            jwt.starts_with(&URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT","alg":"ES256","kid":"k1"}"#))
        );
        assert_eq!(claims["iss"], "0oa1");
        assert_eq!(claims["sub"], "0oa1");
        assert_eq!(claims["aud"], "https://x.okta.com/oauth2/v1/token");
        let (iat, exp) = (claims["iat"].as_u64(), claims["exp"].as_u64());
        assert_eq!(
            exp.zip(iat).map(|(e, i)| e - i),
            Some(ASSERTION_LIFETIME_SECS)
        );
        let again = client_assertion(&key, None, "0oa1", "u")?;
        assert_ne!(part(&again, 1)["jti"], claims["jti"]);
        Ok(())
    }

    const RSA_PUBLIC: &str = include_str!("../tests/keys/test-only-rsa-public.pem");
    const EC_PUBLIC: &str = include_str!("../tests/keys/test-only-ec-public.pem");
    const EC384: &str = include_str!("../tests/keys/test-only-ec384-private.pem");
    const EC384_PUBLIC: &str = include_str!("../tests/keys/test-only-ec384-public.pem");

    /// Every algorithm signs and verifies with its key; another key, another algorithm or a
    /// changed payload is refused.
    #[test]
    fn every_algorithm_round_trips() -> Result<(), KeyError> {
        let claims = json!({"sub": "u1"});
        let rsa = (
            SigningKey::from_pem(RSA)?,
            VerifyingKey::from_pem(RSA_PUBLIC)?,
        );
        let ec = (
            SigningKey::from_pem(EC)?,
            VerifyingKey::from_pem(EC_PUBLIC)?,
        );
        let ec384 = (
            SigningKey::from_pem(EC384)?,
            VerifyingKey::from_pem(EC384_PUBLIC)?,
        );
        assert_eq!(ec384.0.algorithm(), Algorithm::Es384);
        let hs = (
            SigningKey::from_secret(b"key"),
            VerifyingKey::from_secret(b"key"),
        );
        for alg in Algorithm::ALL {
            let (sk, vk) = match alg {
                Algorithm::Es256 => &ec,
                Algorithm::Es384 => &ec384,
                a if a.is_hmac() => &hs,
                _ => &rsa,
            };
            let jwt = sk.sign_as(alg, Some("k"), &claims)?;
            let (header, got) = vk
                .verify(alg, &jwt)
                .map_err(|e| KeyError::Rejected(e.to_string()))?;
            assert_eq!(header["alg"], alg.name());
            assert_eq!(got, claims);
            let (h, rest) = jwt.split_once('.').unwrap_or_default();
            let (_, s) = rest.split_once('.').unwrap_or_default();
            let forged = format!("{h}.{}.{s}", URL_SAFE_NO_PAD.encode(r#"{"sub":"admin"}"#));
            assert_eq!(
                vk.verify(alg, &forged).err(),
                Some(VerifyError::Signature),
                "{alg:?}"
            );
        }
        // The verifier's algorithm, not the token's: an RS256 token is not an RS384 one.
        let jwt = rsa.0.sign(None, &claims)?;
        assert_eq!(
            rsa.1.verify(Algorithm::Rs384, &jwt).err(),
            Some(VerifyError::Algorithm("RS384"))
        );
        // A key of another kind cannot sign or verify the algorithm.
        assert_eq!(
            ec.0.sign_as(Algorithm::Es384, None, &claims).err(),
            Some(KeyError::WrongAlgorithm("ES384"))
        );
        assert_eq!(
            ec.0.sign_as(Algorithm::Rs256, None, &claims).err(),
            Some(KeyError::WrongAlgorithm("RS256"))
        );
        assert_eq!(
            rsa.0.sign_as(Algorithm::Hs256, None, &claims).err(),
            Some(KeyError::WrongAlgorithm("HS256"))
        );
        let hs_jwt = hs.0.sign(None, &claims)?;
        assert_eq!(
            rsa.1.verify(Algorithm::Hs256, &hs_jwt).err(),
            Some(VerifyError::Key(KeyError::WrongAlgorithm("HS256")))
        );
        assert_eq!(
            hs.1.verify(Algorithm::Hs256, "a.b"),
            Err(VerifyError::Malformed)
        );
        Ok(())
    }

    /// The HS256 signature is RFC 7515's HMAC-SHA256 over `header.payload`: jwt.io's
    /// well-known token for the secret `your-256-bit-secret` verifies.
    #[test]
    fn verifies_a_known_hs256_token() {
        let token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
        let key = VerifyingKey::from_secret(b"your-256-bit-secret");
        let got = key.verify(Algorithm::Hs256, token).map(|(_, c)| c);
        assert_eq!(got.ok().map(|c| c["name"].clone()), Some(json!("John Doe")));
        let other = VerifyingKey::from_secret(b"another");
        assert_eq!(
            other.verify(Algorithm::Hs256, token).err(),
            Some(VerifyError::Signature)
        );
    }
}
