//! Signed JWTs (RFC 7519 compact JWS) for client assertions (RFC 7523) and Google's JWT
//! bearer grant, signed RS256 or ES256 with a PEM private key through `ring`.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, EcdsaKeyPair, RsaKeyPair};
use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::pem::PemObject;
use serde_json::{Map, Value, json};

use crate::error::KeyError;

/// The JWS algorithm a key signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RSA keys).
    Rs256,
    /// ECDSA P-256 with SHA-256 (EC P-256 keys).
    Es256,
}

impl Algorithm {
    /// The JWS `alg` name.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Rs256 => "RS256",
            Algorithm::Es256 => "ES256",
        }
    }
}

enum KeyPair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

/// A private key that signs JWTs. `Debug` shows the algorithm only.
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

impl SigningKey {
    /// Reads a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`, RSA or EC P-256) or PKCS#1
    /// (`BEGIN RSA PRIVATE KEY`). A PEM kept on one line with literal `\n` sequences (as in
    /// environment variables) is accepted too.
    pub fn from_pem(pem: &str) -> Result<SigningKey, KeyError> {
        let text = if !pem.contains('\n') && pem.contains("\\n") {
            pem.replace("\\n", "\n")
        } else {
            pem.to_owned()
        };
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
                match RsaKeyPair::from_pkcs8(der) {
                    Ok(rsa) => KeyPair::Rsa(rsa),
                    Err(rsa_err) => EcdsaKeyPair::from_pkcs8(
                        &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                        der,
                        &rng,
                    )
                    .map(KeyPair::Ec)
                    .map_err(|_| {
                        KeyError::Rejected(format!("not an RSA or EC P-256 key ({rsa_err})"))
                    })?,
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

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        match self.pair {
            KeyPair::Rsa(_) => Algorithm::Rs256,
            KeyPair::Ec(_) => Algorithm::Es256,
        }
    }

    /// Signs `claims` as a compact JWS with header `{"alg", "typ":"JWT", "kid"?}`.
    pub fn sign(&self, kid: Option<&str>, claims: &Value) -> Result<String, KeyError> {
        let mut header = Map::new();
        header.insert("alg".into(), json!(self.algorithm().name()));
        header.insert("typ".into(), json!("JWT"));
        if let Some(kid) = kid {
            header.insert("kid".into(), json!(kid));
        }
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(Value::Object(header).to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let sig = match &self.pair {
            KeyPair::Rsa(pair) => {
                let mut sig = vec![0; pair.public().modulus_len()];
                pair.sign(
                    &signature::RSA_PKCS1_SHA256,
                    &self.rng,
                    signing_input.as_bytes(),
                    &mut sig,
                )
                .map_err(|_| KeyError::Signing)?;
                sig
            }
            KeyPair::Ec(pair) => pair
                .sign(&self.rng, signing_input.as_bytes())
                .map_err(|_| KeyError::Signing)?
                .as_ref()
                .to_vec(),
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
}
