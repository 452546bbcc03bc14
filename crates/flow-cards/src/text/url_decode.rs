//! `text.url_decode`: decodes percent-encoded text (Okta's URL Decode).

use crate::util::{output, pure};
use flow_card::kinds::{Boolean, Text};
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `text.url_decode`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The encoded text.
    text: Expr<Text>,
    /// Read `+` as a space, as HTML forms write it (default false).
    #[serde(default)]
    plus_as_space: Option<Expr<Boolean>>,
}

/// Registration.
pub static SPEC: CardSpec =
    pure::<Config>("text.url_decode", "Decode percent-encoded text", "text");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Decodes `%XX` escapes. With `plus_as_space: true`, `+` is read as a space (form encoding).
Escapes that decode to bytes that are not UTF-8 text are an `input` error."#,
    okta: &["Text - URL Decode"],
    examples: &[
        Example::gives(
            "Escapes",
            r#"{ text: "a%20b%26c%3Dd%2F%C3%A9" }"#,
            r#""a b&c=d/é""#,
        ),
        Example::gives(
            "Form encoding",
            r#"{ text: "a+b", plus_as_space: true }"#,
            r#""a b""#,
        ),
        Example::fails("Not UTF-8", r#"{ text: "%FF" }"#, r#"not UTF-8"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.text.id);
        if let Some(e) = &self.plus_as_space {
            cx.expr_type(e.id);
        }
        Type::Text
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let mut text = cx.text(&self.text)?.into_owned();
            if let Some(p) = &self.plus_as_space
                && cx.truthy(p)?
            {
                text = text.replace('+', " ");
            }
            percent_encoding::percent_decode_str(&text)
                .decode_utf8()
                .map(|t| Value::String(t.into_owned()))
                .map_err(|_| flow_card::CardError::input("the decoded bytes are not UTF-8 text"))
        })())
    }
}
