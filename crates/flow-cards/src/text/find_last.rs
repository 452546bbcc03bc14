//! `text.find_last`: the position of the last occurrence of a text inside another (Okta's Find
//! Last).

use crate::util::{output, pure};
use flow_card::kinds::Text;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `text.find_last`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The text to search.
    text: Expr<Text>,
    /// What to look for.
    find: Expr<Text>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "text.find_last",
    "Find the position of the last occurrence of a text inside another",
    "number",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"The character position (from 0) of the last occurrence of `find` in `text`, or `-1` when
there is none. `text.find` gives the first."#,
    okta: &["Text - Find Last"],
    examples: &[
        Example::gives(
            "The last dot",
            r#"{ text: "report.2024.csv", find: "." }"#,
            r#"11"#,
        ),
        Example::gives(
            "Characters, not bytes",
            r#"{ text: "é-é-é", find: "é" }"#,
            r#"4"#,
        ),
        Example::gives("Not found", r#"{ text: "ada", find: "@" }"#, r#"-1"#),
        Example::fails(
            "Empty find",
            r#"{ text: abc, find: "" }"#,
            r#"`find` must not be empty"#,
        ),
        Example::fails(
            "A list is not text",
            r#"{ text: "{{ inputs.v }}", find: a }"#,
            r#"`text` must be text"#,
        )
        .with_inputs(r#"{"v": [1]}"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.text.id);
        cx.expr_type(self.find.id);
        Type::Number
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let text = cx.text(&self.text)?;
            let find = cx.text(&self.find)?;
            if find.is_empty() {
                return Err(flow_card::CardError::input("`find` must not be empty"));
            }
            Ok(match text.rfind(&*find) {
                Some(b) => Value::from(text[..b].chars().count()),
                None => Value::from(-1),
            })
        })())
    }
}
