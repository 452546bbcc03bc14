//! `number.sum`: the sum of a list (Okta's Sum).

use crate::util::{output, pure};
use flow_card::kinds::List;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;

/// Inputs of `number.sum`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The numbers (numeric text counts as a number).
    list: Expr<List>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>("number.sum", "Add up a list of numbers", "number");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"The sum of the numbers of `list`; `0` for an empty list. Numeric text counts as a number; any other item is an `input` error naming its position."#,
    okta: &["Number - Sum"],
    examples: &[
        Example::gives(
            "Numbers and numeric text",
            r#"{ list: [1, "2", 3.5] }"#,
            r#"6.5"#,
        ),
        Example::gives("Empty", r#"{ list: [] }"#, r#"0"#),
        Example::fails(
            "Not a number",
            r#"{ list: [1, x] }"#,
            r#"item 1 of `list` must be a number"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.list.id);
        Type::Number
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let ns = super::numbers(cx, &self.list)?;
            super::num(ns.iter().sum())
        })())
    }
}
