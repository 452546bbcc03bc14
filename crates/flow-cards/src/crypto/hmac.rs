//! `crypto.hmac`: the HMAC of text under a secret key held by a `key` connection.

use super::key::{Key, KeyLive};
use crate::util::{output, pure};
use base64::Engine as _;
use flow_card::kinds::Text;
use flow_card::{
    Card, CardDoc, CardError, CardFuture, CardSpec, Checker, ConnRef, ErrorKind, Example, Expr,
    StepCx,
};
use flow_model::Type;
use hmac::{Hmac, KeyInit, Mac};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `crypto.hmac`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The text; its UTF-8 bytes are signed.
    text: Expr<Text>,
    /// A `key` connection with a `secret`.
    key: ConnRef<Key>,
    /// `sha256` (default) or `sha512`.
    #[serde(default)]
    algorithm: Option<Expr<Text>>,
    /// `hex` (default, lower case) or `base64`.
    #[serde(default)]
    encoding: Option<Expr<Text>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "crypto.hmac",
    "Sign text with HMAC-SHA-256 or HMAC-SHA-512 under a secret key",
    "text",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"The HMAC (RFC 2104) of the UTF-8 bytes of `text` with SHA-256 (default) or SHA-512, as
lower-case hex (default) or Base64: the signature many webhooks expect in a header. The key is
the `secret` of a `kind: key` connection in `flowctl.yaml` (`secret: ${env:HMAC_KEY}`), so it
never appears in a flow file, and its value is masked in every record. (The examples' `signing`
connection holds the key `key`.)

Okta's Encryption - HMAC takes its key as text in the flow and offers MD5 and SHA-1 too;
`flowctl import` reports it with that reason instead of converting it (see
`docs/import.md`)."#,
    okta: &["Encryption - HMAC"],
    examples: &[
        Example::gives(
            "HMAC-SHA-256 in hex ",
            r#"{ text: "The quick brown fox jumps over the lazy dog", key: signing }"#,
            r#""f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8""#,
        ),
        Example::gives(
            "HMAC-SHA-512 in Base64",
            r#"{ text: "The quick brown fox jumps over the lazy dog", key: signing, algorithm: sha512, encoding: base64 }"#,
            r#""tCrwkFe6weLUFwjkipAuCbX/fxKrQopP6GZTxz3SSPuC+UilSfe3kaW0GRXuTR7Dk1NX5OIxclDQNyr6Lr7rOg==""#,
        ),
        Example::fails(
            "Not an algorithm",
            r#"{ text: a, key: signing, algorithm: md5 }"#,
            "`algorithm` must be",
        ),
        Example::fails(
            "A key connection without a secret",
            r#"{ text: a, key: rsa_public }"#,
            "has no `secret`",
        ),
        Example::rejected(
            "A connection of another kind",
            r#"{ text: a, key: okta }"#,
            "E0215",
        ),
    ],
};

/// The HMAC of `data` under `key` with `algorithm` (`sha256` when `None`).
pub(crate) fn hmac(algorithm: Option<&str>, key: &[u8], data: &[u8]) -> Result<Vec<u8>, CardError> {
    fn mac<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Result<Vec<u8>, CardError> {
        let mut m = <M as KeyInit>::new_from_slice(key)
            .map_err(|_| CardError::new(ErrorKind::Config, "the HMAC key cannot be used"))?;
        m.update(data);
        Ok(m.finalize().into_bytes().to_vec())
    }
    match algorithm {
        None | Some("sha256") => mac::<Hmac<sha2::Sha256>>(key, data),
        Some("sha512") => mac::<Hmac<sha2::Sha512>>(key, data),
        Some(other) => Err(CardError::input(format!(
            "`algorithm` must be sha256 or sha512, found `{other}`"
        ))),
    }
}

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.text.id);
        for e in [&self.algorithm, &self.encoding].into_iter().flatten() {
            cx.expr_type(e.id);
        }
        Type::Text
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let text = cx.text(&self.text)?;
            let key: std::sync::Arc<KeyLive> = cx.connection(&self.key)?;
            let secret = key.secret.as_deref().ok_or_else(|| {
                CardError::new(ErrorKind::Config, "the `key` connection has no `secret`")
            })?;
            let algorithm = cx.opt_text(&self.algorithm)?;
            let digest = hmac(algorithm.as_deref(), secret.as_bytes(), text.as_bytes())?;
            Ok(Value::String(
                match cx.opt_text(&self.encoding)?.as_deref() {
                    None | Some("hex") => hex::encode(digest),
                    Some("base64") => base64::engine::general_purpose::STANDARD.encode(digest),
                    Some(other) => {
                        return Err(CardError::input(format!(
                            "`encoding` must be hex or base64, found `{other}`"
                        )));
                    }
                },
            ))
        })())
    }
}
