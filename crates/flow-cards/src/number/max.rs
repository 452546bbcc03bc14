//! `number.max`: the largest number (Okta's Max).

use crate::util::{output, pure};
use flow_card::kinds::List;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;

/// Inputs of `number.max`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The numbers (numeric text counts as a number).
    list: Expr<List>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>("number.max", "The largest number of a list", "number");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"The largest number of `list`. An empty list is an `input` error."#,
    okta: &["Number - Max"],
    examples: &[
        Example::gives("Largest", r#"{ list: [3, -1, "20"] }"#, r#"20"#),
        Example::fails("Empty", r#"{ list: [] }"#, r#"is empty"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.list.id);
        Type::Number
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output(super::extreme(cx, &self.list, f64::max, "largest"))
    }
}
