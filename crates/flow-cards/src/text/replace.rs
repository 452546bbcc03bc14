//! `text.replace`: replaces every occurrence of a text (Okta's Replace).

use crate::util::{output, pure};
use flow_card::kinds::Text;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `text.replace`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The text to change.
    text: Expr<Text>,
    /// What to look for (plain text, not a pattern).
    find: Expr<Text>,
    /// What to put instead (default: nothing).
    #[serde(default)]
    replace: Option<Expr<Text>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "text.replace",
    "Replace every occurrence of a text with another",
    "text",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Replaces every occurrence of `find` in `text` with `replace`, as Okta's Replace does. `find` is
plain text; `text.replace_pattern` takes a regular expression. An empty `find` is an error."#,
    okta: &["Text - Replace"],
    examples: &[
        Example::gives(
            "Every occurrence",
            r#"{ text: "a-b-c", find: "-", replace: " / " }"#,
            r#""a / b / c""#,
        ),
        Example::gives(
            "Remove",
            r#"{ text: "555-0100", find: "-" }"#,
            r#""5550100""#,
        ),
        Example::fails(
            "Empty find",
            r#"{ text: abc, find: "" }"#,
            r#"`find` must not be empty"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.text.id);
        cx.expr_type(self.find.id);
        if let Some(e) = &self.replace {
            cx.expr_type(e.id);
        }
        Type::Text
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let text = cx.text(&self.text)?;
            let find = cx.text(&self.find)?;
            if find.is_empty() {
                return Err(flow_card::CardError::input("`find` must not be empty"));
            }
            let with = cx.opt_text(&self.replace)?.unwrap_or_default();
            Ok(Value::String(text.replace(&*find, &with)))
        })())
    }
}
