//! `text.lower`: text in lower case (Okta's To Lower Case).

use crate::util::{output, pure};
use flow_card::kinds::Text;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `text.lower`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The text.
    text: Expr<Text>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>("text.lower", "Write text in lower case", "text");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Writes `text` in lower case, by Unicode's rules (`Ä` → `ä`)."#,
    okta: &["Text - To Lower Case"],
    examples: &[
        Example::gives(
            "An email",
            r#"{ text: "Ada@Example.COM" }"#,
            r#""ada@example.com""#,
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
        output((|| Ok(Value::String(cx.text(&self.text)?.to_lowercase())))())
    }
}
