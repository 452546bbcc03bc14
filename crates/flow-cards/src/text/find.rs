//! `text.find`: the position of a text inside another (Okta's Find).

use crate::util::{output, pure};
use flow_card::kinds::{Number, Text};
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `text.find`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The text to search.
    text: Expr<Text>,
    /// What to look for.
    find: Expr<Text>,
    /// Where to start looking, a character position from 0 (default 0); negative counts from the end.
    #[serde(default)]
    start: Option<Expr<Number>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "text.find",
    "Find the position of a text inside another",
    "number",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"The character position (from 0) of the first occurrence of `find` in `text` at or after
`start`, or `-1` when there is none."#,
    okta: &["Text - Find"],
    examples: &[
        Example::gives("Found", r#"{ text: "ada@example.com", find: "@" }"#, r#"3"#),
        Example::gives("Not found", r#"{ text: "ada", find: "@" }"#, r#"-1"#),
        Example::gives(
            "From a position",
            r#"{ text: "a-b-c", find: "-", start: 2 }"#,
            r#"3"#,
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
        if let Some(e) = &self.start {
            cx.expr_type(e.id);
        }
        Type::Number
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let text = cx.text(&self.text)?;
            let find = cx.text(&self.find)?;
            let start = match &self.start {
                Some(s) => {
                    crate::util::char_pos(text.chars().count(), crate::util::whole(cx, s, "start")?)
                }
                None => 0,
            };
            let offset = text
                .char_indices()
                .nth(start)
                .map_or(text.len(), |(b, _)| b);
            Ok(match text[offset..].find(&*find) {
                Some(b) => Value::from(start + text[offset..offset + b].chars().count()),
                None => Value::from(-1),
            })
        })())
    }
}
