//! `number.min`: the smallest number (Okta's Min).

use crate::util::{output, pure};
use flow_card::kinds::List;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;

/// Inputs of `number.min`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The numbers (numeric text counts as a number).
    list: Expr<List>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>("number.min", "The smallest number of a list", "number");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"The smallest number of `list`. An empty list is an `input` error."#,
    okta: &["Number - Min"],
    examples: &[
        Example::gives("Smallest", r#"{ list: [3, -1, "2"] }"#, r#"-1"#),
        Example::fails("Empty", r#"{ list: [] }"#, r#"is empty"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.list.id);
        Type::Number
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output(super::extreme(cx, &self.list, f64::min, "smallest"))
    }
}
