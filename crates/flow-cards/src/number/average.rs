//! `number.average`: the mean of a list (Okta's Average).

use crate::util::{output, pure};
use flow_card::kinds::List;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;

/// Inputs of `number.average`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The numbers (numeric text counts as a number).
    list: Expr<List>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "number.average",
    "The average of a list of numbers",
    "number",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"The mean of the numbers of `list`. An empty list is an `input` error."#,
    okta: &["Number - Average"],
    examples: &[
        Example::gives("Mean", r#"{ list: [1, 2, 4] }"#, r#"2.3333333333333335"#),
        Example::fails("Empty", r#"{ list: [] }"#, r#"is empty"#),
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
            if ns.is_empty() {
                return Err(flow_card::CardError::input(
                    "`list` is empty: it has no average",
                ));
            }
            super::num(ns.iter().sum::<f64>() / ns.len() as f64)
        })())
    }
}
