//! Google service account keys (the JSON file the Cloud console downloads) and the signed
//! JWT of Google's server-to-server OAuth flow.

use std::fmt;

use serde_json::{Value, json};

use crate::error::{AuthError, ConfigError};
use crate::jwt::{SigningKey, epoch_now};

/// Google's token endpoint, used when the key JSON has no `token_uri`.
pub const GOOGLE_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";
/// How long Google's assertion is valid: one hour, the most Google accepts.
const GOOGLE_ASSERTION_SECS: u64 = 3600;

/// A service account key: `client_email`, `private_key`, `private_key_id`, `token_uri`.
/// `Debug` shows the email and key id only.
pub struct ServiceAccountKey {
    /// The service account's email: the assertion's `iss`.
    pub client_email: String,
    /// The key id: the assertion's `kid` header.
    pub private_key_id: Option<String>,
    /// The token endpoint: the assertion's `aud` and where it is sent.
    pub token_uri: String,
    key: SigningKey,
}

impl fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountKey")
            .field("client_email", &self.client_email)
            .field("private_key_id", &self.private_key_id)
            .field("token_uri", &self.token_uri)
            .finish_non_exhaustive()
    }
}

impl ServiceAccountKey {
    /// Reads the key JSON. Errors name the missing or wrong field, never its value.
    pub fn from_json(json: &str) -> Result<ServiceAccountKey, AuthError> {
        let bad = |what| AuthError::Config(ConfigError::ServiceAccountKey(what));
        let value: Value = serde_json::from_str(json).map_err(|_| bad("not JSON"))?;
        let field = |name: &str| {
            value
                .get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        if let Some(kind) = field("type")
            && kind != "service_account"
        {
            return Err(bad("`type` is not \"service_account\""));
        }
        let client_email = field("client_email").ok_or_else(|| bad("no `client_email`"))?;
        let pem = field("private_key").ok_or_else(|| bad("no `private_key`"))?;
        Ok(ServiceAccountKey {
            client_email: client_email.to_owned(),
            private_key_id: field("private_key_id").map(str::to_owned),
            token_uri: field("token_uri").unwrap_or(GOOGLE_TOKEN_URI).to_owned(),
            key: SigningKey::from_pem(pem)?,
        })
    }

    /// The signed assertion: `iss` = client email, `scope` space-separated, `aud` =
    /// token URI, `sub` = the delegated user if any, valid one hour.
    pub(crate) fn assertion(
        &self,
        scopes: &[String],
        subject: Option<&str>,
    ) -> Result<String, AuthError> {
        let now = epoch_now();
        let mut claims = json!({
            "iss": self.client_email,
            "scope": scopes.join(" "),
            "aud": self.token_uri,
            "iat": now,
            "exp": now + GOOGLE_ASSERTION_SECS,
        });
        if let Some(sub) = subject {
            claims["sub"] = json!(sub);
        }
        Ok(self.key.sign(self.private_key_id.as_deref(), &claims)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSA: &str = include_str!("../tests/keys/test-only-rsa-private.pem");

    #[test]
    fn reads_a_key_file_and_defaults_the_token_uri() {
        let json =
            json!({"type": "service_account", "client_email": "sa@p.iam.gserviceaccount.com",
            "private_key_id": "abc", "private_key": RSA})
            .to_string();
        let key = ServiceAccountKey::from_json(&json);
        let key = key
            .as_ref()
            .map(|k| (k.client_email.as_str(), k.token_uri.as_str()));
        assert_eq!(
            key.ok(),
            Some(("sa@p.iam.gserviceaccount.com", GOOGLE_TOKEN_URI))
        );
    }

    #[test]
    fn errors_name_the_field_not_the_value() {
        let json = json!({"type": "service_account", "private_key": "SECRETKEYTEXT"}).to_string();
        let err = ServiceAccountKey::from_json(&json)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("the Google service account key is unusable: no `client_email`")
        );
        let json = json!({"client_email": "a@b", "private_key": "SECRETKEYTEXT"}).to_string();
        let err = ServiceAccountKey::from_json(&json)
            .err()
            .map(|e| format!("{e} {e:?}"));
        assert!(err.is_some_and(|e| !e.contains("SECRETKEYTEXT")));
    }
}
