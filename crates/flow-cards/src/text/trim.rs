//! `text.trim`: removes white space at both ends (Okta's Trim).

use crate::util::{output, pure};
use flow_card::kinds::Text;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `text.trim`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The text.
    text: Expr<Text>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "text.trim",
    "Remove white space at both ends of text",
    "text",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Removes white space (spaces, tabs, line breaks, and other Unicode white space) at the start and
the end of `text`."#,
    okta: &["Text - Trim"],
    examples: &[
        Example::gives("Both ends", r#"{ text: "  ada \n" }"#, r#""ada""#),
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
            Ok(Value::String(cx.text(&self.text)?.trim().to_string()))
        })())
    }
}
