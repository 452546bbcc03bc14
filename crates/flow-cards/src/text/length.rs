//! `text.length`: the number of characters of text (Okta's Length).

use crate::util::{output, pure};
use flow_card::kinds::Text;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `text.length`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The text.
    text: Expr<Text>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>("text.length", "Count the characters of text", "number");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"The number of characters (Unicode scalar values, not bytes) of `text`. Numbers and booleans are
written as text first."#,
    okta: &["Text - Length"],
    examples: &[
        Example::gives("Characters, not bytes", r#"{ text: "héllo" }"#, r#"5"#),
        Example::gives("Empty", r#"{ text: "" }"#, r#"0"#),
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
        Type::Number
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| Ok(Value::from(cx.text(&self.text)?.chars().count())))())
    }
}
