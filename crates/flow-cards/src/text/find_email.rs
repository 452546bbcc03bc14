//! `text.find_email`: the first email address in text (Okta's Find Email).

use crate::util::{output, pure};
use flow_card::kinds::Text;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use regex::Regex;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use std::sync::LazyLock;

/// An address: a local part of the characters RFC 5322 allows unquoted, `@`, and a domain of
/// two or more dot-separated labels.
static EMAIL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+",
    )
    .ok()
});

/// Inputs of `text.find_email`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The text to search.
    text: Expr<Text>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "text.find_email",
    "The first email address in text",
    "text, or null",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"The first email address in `text` (a local part, `@`, and a domain with at least one dot), or `null` when it holds none."#,
    okta: &["Text - Find Email"],
    examples: &[
        Example::gives(
            "In a sentence",
            r#"{ text: "Write to Ada <ada.l@example.co.uk> or bob@example.com." }"#,
            r#""ada.l@example.co.uk""#,
        ),
        Example::gives("None", r#"{ text: "ada at example" }"#, r#"null"#),
        Example::fails(
            "A list is not text",
            r#"{ text: "{{ inputs.v }}" }"#,
            r#"`text` must be text"#,
        )
        .with_inputs(r#"{"v": ["ada@example.com"]}"#),
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
            let Some(re) = EMAIL.as_ref() else {
                return Err(flow_card::CardError::new(
                    flow_card::ErrorKind::Config,
                    "the email pattern did not compile",
                ));
            };
            Ok(re
                .find(&text)
                .map_or(Value::Null, |m| Value::String(m.as_str().to_string())))
        })())
    }
}
