//! `crypto.jwt_sign`: a signed JSON Web Token (RFC 7519) from a claims object.

use super::key::{Key, KeyLive};
use super::{bad_key, jwt_algorithm, key_setting};
use crate::util::{output, pure};
use flow_auth::{Algorithm, KeyError, SigningKey};
use flow_card::kinds::{Number, Object, Text};
use flow_card::{
    Card, CardDoc, CardError, CardFuture, CardSpec, Checker, ConnRef, ErrorKind, Example, Expr,
    StepCx,
};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `crypto.jwt_sign`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The claims, e.g. `{ sub: "{{ user.id }}", aud: https://api.example.com }`.
    claims: Expr<Object>,
    /// A `key` connection: its `secret` for HS256/384/512, its `private_key` otherwise.
    key: ConnRef<Key>,
    /// `HS256` (default), `HS384`, `HS512`, `RS256`, `RS384`, `RS512`, `PS256`, `ES256`, `ES384`.
    #[serde(default)]
    algorithm: Option<Expr<Text>>,
    /// Seconds until the token expires: adds `iat` (now) and `exp` (now + this).
    #[serde(default)]
    expires_in: Option<Expr<Number>>,
    /// The `kid` header, naming the key to the verifier.
    #[serde(default)]
    key_id: Option<Expr<Text>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "crypto.jwt_sign",
    "Sign a JSON Web Token (HS256, RS256, ES256, …) from a claims object",
    "text: the token, `header.payload.signature`",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Signs `claims` as a JSON Web Token (RFC 7519, compact form) with `algorithm`. The key comes from
a `kind: key` connection in `flowctl.yaml`: its `secret` for the HS algorithms, its
`private_key` (PEM: RSA for RS/PS, EC P-256/P-384 for ES256/ES384) otherwise, so no key appears
in a flow file, and the secret values are masked in every record. `expires_in` adds `iat` and
`exp`; `key_id` sets the `kid` header. The header's `typ` is `JWT`. (The examples' `signing`
connection holds the HMAC key `key`.)

Okta's JWT - Sign takes its key as text in the flow; `flowctl import` does not convert it
(the key belongs in a `kind: key` connection), see `docs/import.md`."#,
    okta: &["JWT - Sign"],
    examples: &[
        Example::gives(
            "HS256",
            r#"{ claims: { sub: "1234567890", name: John Doe, iat: 1516239022 }, key: signing }"#,
            r#""eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.R4GE07XkdIS93liC8WZ13wa1MNSVVT9HoqISaw1RoVo""#,
        ),
        Example::fails(
            "Not an algorithm",
            r#"{ claims: { sub: a }, key: signing, algorithm: none }"#,
            "`algorithm` must be",
        ),
        Example::fails(
            "RS256 needs a private key",
            r#"{ claims: { sub: a }, key: signing, algorithm: RS256 }"#,
            "has no `private_key`",
        ),
        Example::rejected(
            "Claims that are not an object",
            r#"{ claims: [a], key: signing }"#,
            "E0206",
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.claims.id);
        if let Some(e) = &self.expires_in {
            cx.expr_type(e.id);
        }
        for e in [&self.algorithm, &self.key_id].into_iter().flatten() {
            cx.expr_type(e.id);
        }
        Type::Text
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let alg = jwt_algorithm(cx.opt_text(&self.algorithm)?.as_deref())?;
            let mut claims = match cx.value(&self.claims)?.into_owned() {
                Value::Object(m) => m,
                other => {
                    return Err(CardError::input(format!(
                        "`claims` must be an object, found {}",
                        flow_model::types::value_kind(&other)
                    )));
                }
            };
            if let Some(e) = &self.expires_in {
                let secs = crate::util::whole(cx, e, "expires_in")?;
                if secs <= 0 {
                    return Err(CardError::input(format!(
                        "`expires_in` must be a positive number of seconds, found {secs}"
                    )));
                }
                let now = jiff::Timestamp::now().as_second();
                claims.insert("iat".into(), Value::from(now));
                claims.insert("exp".into(), Value::from(now.saturating_add(secs)));
            }
            let key: std::sync::Arc<KeyLive> = cx.connection(&self.key)?;
            let signing = signing_key(&key, alg)?;
            let kid = cx.opt_text(&self.key_id)?;
            signing
                .sign_as(alg, kid.as_deref(), &Value::Object(claims))
                .map(Value::String)
                .map_err(|e| match e {
                    KeyError::WrongAlgorithm(_) => bad_key("private_key", alg),
                    _ => CardError::new(
                        ErrorKind::Config,
                        format!("cannot sign with {}", alg.name()),
                    ),
                })
        })())
    }
}

/// The signing key for `alg` from a `key` connection: its `secret` for HS*, its
/// `private_key` otherwise (through `flow-auth`, flowctl's one JWT implementation).
fn signing_key(key: &KeyLive, alg: Algorithm) -> Result<SigningKey, CardError> {
    if alg.is_hmac() {
        let secret = key_setting(key.secret.as_deref(), "secret")?;
        return Ok(SigningKey::from_secret(secret.as_bytes()));
    }
    let pem = key_setting(key.private_key.as_deref(), "private_key")?;
    SigningKey::from_pem(pem).map_err(|_| bad_key("private_key", alg))
}
