//! `text.base64_encode`: text as Base64 (Okta's Base64 Encode).

use crate::util::{output, pure};
use base64::Engine as _;
use flow_card::kinds::Text;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `text.base64_encode`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The text; its UTF-8 bytes are encoded.
    text: Expr<Text>,
    /// `standard` (default, with `=` padding) or `url` (URL-safe, no padding).
    #[serde(default)]
    alphabet: Option<Expr<Text>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>("text.base64_encode", "Encode text as Base64", "text");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Encodes the UTF-8 bytes of `text` as Base64 (RFC 4648).
`alphabet` is `standard` (RFC 4648 `+/`, the default) or `url` (`-_`, for URLs and JWTs). The `standard` alphabet pads with `=`; `url` does not pad."#,
    okta: &["Text - Base64 Encode"],
    examples: &[
        Example::gives(
            "Standard",
            r#"{ text: "user:pa ss" }"#,
            r#""dXNlcjpwYSBzcw==""#,
        ),
        Example::gives("URL-safe", r#"{ text: "??>", alphabet: url }"#, r#""Pz8-""#),
        Example::fails(
            "Not an alphabet",
            r#"{ text: a, alphabet: hex }"#,
            r#"`alphabet` must be"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.text.id);
        if let Some(e) = &self.alphabet {
            cx.expr_type(e.id);
        }
        Type::Text
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let text = cx.text(&self.text)?;
            Ok(Value::String(
                super::base64_decode::engine(cx, &self.alphabet)?.encode(text.as_bytes()),
            ))
        })())
    }
}
