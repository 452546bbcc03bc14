//! `crypto.jwt_verify`: checks a JSON Web Token's signature and claims and gives its claims.

use super::key::{Key, KeyLive};
use super::{bad_key, jwt_algorithm, key_setting};
use crate::util::{output, pure};
use flow_auth::{Algorithm, VerifyError, VerifyingKey};
use flow_card::kinds::{Number, Text};
use flow_card::{
    Card, CardDoc, CardError, CardFuture, CardSpec, Checker, ConnRef, ErrorKind, Example, Expr,
    StepCx,
};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

/// Inputs of `crypto.jwt_verify`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The token (`header.payload.signature`); a `Bearer ` prefix is removed.
    token: Expr<Text>,
    /// A `key` connection: its `secret` for HS256/384/512, its `public_key` otherwise.
    key: ConnRef<Key>,
    /// The one algorithm accepted: `HS256` (default), `RS256`, `ES256`, … (never the token's own
    /// choice).
    #[serde(default)]
    algorithm: Option<Expr<Text>>,
    /// When given, the token's `aud` must be (or contain) this.
    #[serde(default)]
    audience: Option<Expr<Text>>,
    /// When given, the token's `iss` must be this.
    #[serde(default)]
    issuer: Option<Expr<Text>>,
    /// Seconds of clock skew allowed for `exp` and `nbf` (default 60).
    #[serde(default)]
    leeway: Option<Expr<Number>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "crypto.jwt_verify",
    "Verify a JSON Web Token's signature, expiry, audience and issuer",
    "{ claims: object, header: { alg, kid, typ } }",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Verifies a JSON Web Token (RFC 7519) and gives `{ claims, header }`. It checks, and fails with
kind `unauthorized` naming what did not hold: the signature, with the one `algorithm` given
(default `HS256`; the token's header cannot choose another), the key of a `kind: key`
connection (`secret` for HS, `public_key` in PEM otherwise); `exp`, which must be present and
not past; `nbf` when present; `aud` when `audience` is given; `iss` when `issuer` is given.
`leeway` (default 60 seconds) allows for clock skew. A text that is not a JWT fails with kind
`input`. (The examples' `signing` connection holds the HMAC key `key`.)

Okta's JWT - Verify takes its key as text in the flow; `flowctl import` does not convert it
(the key belongs in a `kind: key` connection), see `docs/import.md`."#,
    okta: &["JWT - Verify"],
    examples: &[
        Example::gives(
            "A valid token",
            r#"{ token: "{{ inputs.t }}", key: signing, audience: api }"#,
            r#"{"claims": {"sub": "u1", "aud": "api", "exp": 4102444800}, "header": {"alg": "HS256", "kid": null, "typ": "JWT"}}"#,
        )
        .with_inputs(r#"{"t": "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSIsImF1ZCI6ImFwaSIsImV4cCI6NDEwMjQ0NDgwMH0.YVnfORtGeKoNJwq9BS1OYpjMvBGkFumjvU9eMzA7f6I"}"#),
        Example::fails(
            "Expired",
            r#"{ token: "{{ inputs.t }}", key: signing }"#,
            "the token has expired",
        )
        .with_inputs(r#"{"t": "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSIsImV4cCI6MTUxNjIzOTAyMn0.UpwLZ6Kvd3mAS9d6bEFlLMp2Qhyb9Ph0TEoeXDeRTM8"}"#),
        Example::fails(
            "Another audience",
            r#"{ token: "{{ inputs.t }}", key: signing, audience: billing }"#,
            "the token's `aud` is not `billing`",
        )
        .with_inputs(r#"{"t": "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSIsImF1ZCI6ImFwaSIsImV4cCI6NDEwMjQ0NDgwMH0.YVnfORtGeKoNJwq9BS1OYpjMvBGkFumjvU9eMzA7f6I"}"#),
        Example::fails(
            "A forged signature",
            r#"{ token: "{{ inputs.t }}", key: signing }"#,
            "the signature does not match",
        )
        .with_inputs(r#"{"t": "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSIsImF1ZCI6ImFwaSIsImV4cCI6NDEwMjQ0NDgwMH0.rgfEZl0YIs_IElivaDyS3lat60CIH2K5wRpnmshpFxY"}"#),
        Example::fails("Not a token", r#"{ token: hello, key: signing }"#, "not a JWT"),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.token.id);
        for e in [&self.algorithm, &self.audience, &self.issuer]
            .into_iter()
            .flatten()
        {
            cx.expr_type(e.id);
        }
        if let Some(e) = &self.leeway {
            cx.expr_type(e.id);
        }
        Type::object([
            ("claims", Type::Object(None)),
            (
                "header",
                Type::object([
                    ("alg", Type::Text),
                    ("kid", Type::Text),
                    ("typ", Type::Text),
                ]),
            ),
        ])
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let alg = jwt_algorithm(cx.opt_text(&self.algorithm)?.as_deref())?;
            let token = cx.text(&self.token)?;
            let token = token.trim();
            let token = token.strip_prefix("Bearer ").unwrap_or(token).trim();
            let key: std::sync::Arc<KeyLive> = cx.connection(&self.key)?;
            let verifying = verifying_key(&key, alg)?;
            let leeway = match &self.leeway {
                Some(e) => u64::try_from(crate::util::whole(cx, e, "leeway")?)
                    .map_err(|_| CardError::input("`leeway` must not be negative"))?,
                None => 60,
            };
            let audience = cx.opt_text(&self.audience)?;
            let issuer = cx.opt_text(&self.issuer)?;
            let unauthorized = |m: String| CardError::new(ErrorKind::Unauthorized, m);
            let not_jwt = || CardError::input("the token is not a JWT (header.payload.signature)");
            let (header, claims) = verifying.verify(alg, token).map_err(|e| match e {
                VerifyError::Malformed => not_jwt(),
                VerifyError::Algorithm(_) => {
                    unauthorized(format!("the token is not signed with {}", alg.name()))
                }
                VerifyError::Signature => {
                    unauthorized("the signature does not match the key".into())
                }
                VerifyError::Key(_) => bad_key("public_key", alg),
            })?;
            let Some(c) = claims.as_object() else {
                return Err(not_jwt());
            };
            let now = jiff::Timestamp::now().as_second();
            let leeway = i64::try_from(leeway).unwrap_or(i64::MAX);
            let time = |name: &str| -> Result<Option<i64>, CardError> {
                match c.get(name) {
                    None | Some(Value::Null) => Ok(None),
                    Some(v) => v.as_f64().map(|f| Some(f as i64)).ok_or_else(|| {
                        unauthorized(format!("the token's `{name}` is not a number"))
                    }),
                }
            };
            match time("exp")? {
                None => return Err(unauthorized("the token has no `exp` claim".into())),
                Some(exp) if exp < now.saturating_sub(leeway) => {
                    return Err(unauthorized("the token has expired".into()));
                }
                Some(_) => {}
            }
            if time("nbf")?.is_some_and(|nbf| nbf > now.saturating_add(leeway)) {
                return Err(unauthorized("the token is not valid yet (`nbf`)".into()));
            }
            if let Some(want) = &issuer {
                match c.get("iss") {
                    None => return Err(unauthorized("the token has no `iss` claim".into())),
                    Some(v) if v.as_str() != Some(want.as_str()) => {
                        return Err(unauthorized(format!("the token's `iss` is not `{want}`")));
                    }
                    Some(_) => {}
                }
            }
            if let Some(want) = &audience {
                let matches = |v: &Value| v.as_str() == Some(want.as_str());
                match c.get("aud") {
                    None => return Err(unauthorized("the token has no `aud` claim".into())),
                    Some(Value::Array(a)) if a.iter().any(matches) => {}
                    Some(v) if matches(v) => {}
                    Some(_) => {
                        return Err(unauthorized(format!("the token's `aud` is not `{want}`")));
                    }
                }
            }
            let header = json!({
                "alg": header.get("alg"),
                "kid": header.get("kid"),
                "typ": header.get("typ"),
            });
            Ok(json!({ "claims": claims, "header": header }))
        })())
    }
}

/// The verifying key for `alg` from a `key` connection: its `secret` for HS*, its
/// `public_key` otherwise (through `flow-auth`, flowctl's one JWT implementation).
fn verifying_key(key: &KeyLive, alg: Algorithm) -> Result<VerifyingKey, CardError> {
    if alg.is_hmac() {
        let secret = key_setting(key.secret.as_deref(), "secret")?;
        return Ok(VerifyingKey::from_secret(secret.as_bytes()));
    }
    let pem = key_setting(key.public_key.as_deref(), "public_key")?;
    VerifyingKey::from_pem(pem).map_err(|_| bad_key("public_key", alg))
}

#[cfg(test)]
mod tests {
    use crate::testing::{Failure, run_card};
    use serde_json::json;

    fn sign(key: &str, alg: &str) -> String {
        let with = format!(
            "{{ claims: {{ sub: u1, iss: flowctl }}, key: {key}, algorithm: {alg}, expires_in: 300, key_id: k1 }}"
        );
        let out = run_card("crypto.jwt_sign", &with, &json!({})).unwrap();
        out.as_str().unwrap().to_string()
    }

    fn verify(token: &str, key: &str, alg: &str) -> Result<serde_json::Value, Failure> {
        run_card(
            "crypto.jwt_verify",
            &format!(
                "{{ token: \"{{{{ inputs.t }}}}\", key: {key}, algorithm: {alg}, issuer: flowctl }}"
            ),
            &json!({ "t": token }),
        )
    }

    /// RS256 and ES256 tokens signed with a private key verify with the public key, with `iat`,
    /// `exp` and `kid` set; another algorithm or another key pair is refused.
    #[test]
    fn asymmetric_tokens_round_trip() {
        for (key, alg) in [("rsa", "RS256"), ("ec", "ES256")] {
            let token = sign(key, alg);
            let out = verify(&token, key, alg).unwrap();
            assert_eq!(out["claims"]["sub"], "u1");
            assert_eq!(out["header"]["alg"], alg);
            assert_eq!(out["header"]["kid"], "k1");
            let exp = out["claims"]["exp"].as_i64().unwrap();
            let iat = out["claims"]["iat"].as_i64().unwrap();
            assert_eq!(exp - iat, 300);
        }
        let rsa = sign("rsa", "RS256");
        // The algorithm is the verifier's choice, not the token's.
        assert!(
            matches!(verify(&rsa, "ec", "ES256"), Err(Failure::Failed(m)) if m.contains("not signed with ES256"))
        );
        // A public key alone verifies; it cannot sign.
        assert!(verify(&rsa, "rsa_public", "RS256").is_ok());
        assert!(matches!(
            run_card("crypto.jwt_sign", "{ claims: {}, key: rsa_public, algorithm: RS256 }", &json!({})),
            Err(Failure::Failed(m)) if m.contains("has no `private_key`")
        ));
        // An HS256 token (from the `signing` secret) is refused where RS256 is wanted.
        let hs = sign("signing", "HS256");
        assert!(verify(&hs, "rsa", "RS256").is_err());
        assert!(verify(&hs, "signing", "HS256").is_ok());
    }

    /// A wrong issuer is refused, naming the issuer wanted.
    #[test]
    fn issuer_is_checked() {
        let token = sign("signing", "HS256");
        let got = run_card(
            "crypto.jwt_verify",
            "{ token: \"Bearer {{ inputs.t }}\", key: signing, issuer: okta }",
            &json!({ "t": token }),
        );
        assert!(matches!(got, Err(Failure::Failed(m)) if m.contains("`iss` is not `okta`")));
    }
}
