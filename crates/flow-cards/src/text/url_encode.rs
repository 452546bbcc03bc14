//! `text.url_encode`: percent-encodes text for a URL (Okta's URL Encode).

use crate::util::{output, pure};
use flow_card::kinds::Text;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `text.url_encode`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The text.
    text: Expr<Text>,
}

/// Registration.
pub static SPEC: CardSpec =
    pure::<Config>("text.url_encode", "Percent-encode text for a URL", "text");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Percent-encodes every byte of the UTF-8 text except the RFC 3986 unreserved characters
(`A–Z a–z 0–9 - . _ ~`), so the result is safe as a query value or a path segment (a space
becomes `%20`, `+` becomes `%2B`)."#,
    okta: &["Text - URL Encode"],
    examples: &[
        Example::gives(
            "A query value",
            r#"{ text: "a b&c=d/é" }"#,
            r#""a%20b%26c%3Dd%2F%C3%A9""#,
        ),
        Example::fails(
            "A list is not text",
            r#"{ text: "{{ inputs.v }}" }"#,
            r#"`text` must be text"#,
        )
        .with_inputs(r#"{"v": [1]}"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.text.id);
        Type::Text
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let text = cx.text(&self.text)?;
            Ok(Value::String(
                percent_encoding::utf8_percent_encode(&text, crate::util::STRICT).to_string(),
            ))
        })())
    }
}
