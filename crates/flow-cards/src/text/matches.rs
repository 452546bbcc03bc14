//! `text.match`: whether text matches a regular expression (Okta's Match).

use crate::util::{output, pure};
use flow_card::kinds::Text;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `text.match`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The text to test.
    text: Expr<Text>,
    /// A regular expression (Rust regex syntax); anchor it with `^…$` to match the whole text.
    pattern: Expr<Text>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "text.match",
    "Tell whether text matches a pattern",
    "boolean",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"True when `pattern` (a regular expression, Rust `regex` syntax) matches somewhere in `text`;
anchor it with `^` and `$` to test the whole text. A constant pattern that is not valid is
rejected when the flow loads (`E0006`)."#,
    okta: &["Text - Match"],
    examples: &[
        Example::gives(
            "An email domain",
            r#"{ text: "ada@example.com", pattern: "@example\\.com$" }"#,
            r#"true"#,
        ),
        Example::gives(
            "No match",
            r#"{ text: "ada@example.org", pattern: "@example\\.com$" }"#,
            r#"false"#,
        ),
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
        Type::Boolean
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let text = cx.text(&self.text)?;
            let re = super::pattern(cx, &self.pattern)?;
            Ok(Value::Bool(re.is_match(&text)))
        })())
    }
}
