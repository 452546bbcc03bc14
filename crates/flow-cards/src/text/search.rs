//! `text.search`: the position of the first match of a pattern (Okta's Find Pattern).

use crate::util::{output, pure};
use flow_card::kinds::Text;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `text.search`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The text to search.
    text: Expr<Text>,
    /// A regular expression (Rust regex syntax).
    pattern: Expr<Text>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "text.search",
    "Find the position of the first match of a pattern",
    "number",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"The character position (from 0) where `pattern` first matches in `text`, or `-1` when it
does not match: Okta's Find Pattern, whose one output is that position. `text.find_pattern`
gives the match itself and its groups."#,
    okta: &["Text - Find Pattern"],
    examples: &[
        Example::gives(
            "The first digit",
            r#"{ text: "ada42", pattern: "[0-9]" }"#,
            r#"3"#,
        ),
        Example::gives(
            "Characters, not bytes",
            r#"{ text: "éé1", pattern: "[0-9]" }"#,
            r#"2"#,
        ),
        Example::gives("No match", r#"{ text: "ada", pattern: "[0-9]" }"#, r#"-1"#),
        Example::rejected(
            "An invalid pattern",
            r#"{ text: abc, pattern: "[a-" }"#,
            "E0006",
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.text.id);
        super::check_pattern(cx, self.pattern.id);
        Type::Number
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let text = cx.text(&self.text)?;
            let re = super::pattern(cx, &self.pattern)?;
            Ok(match re.find(&text) {
                Some(m) => Value::from(text[..m.start()].chars().count()),
                None => Value::from(-1),
            })
        })())
    }
}
