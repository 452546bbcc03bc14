//! `number.floor`: the largest whole number not above it (Okta's Floor).

use crate::util::{output, pure};
use flow_card::kinds::Number;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;

/// Inputs of `number.floor`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The number.
    number: Expr<Number>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>("number.floor", "Round a number down", "number");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Rounds down to a whole number (toward −∞). Text that holds a number (`"42"`, from an event or a step) is read as that number, as Okta converts it; other values are an `input` error. A constant must be written as a number (`E0206` when it is text)."#,
    okta: &["Number - Floor"],
    examples: &[
        Example::gives("Positive", r#"{ number: 2.7 }"#, r#"2"#),
        Example::gives("Negative", r#"{ number: -2.1 }"#, r#"-3"#),
        Example::fails(
            "Text that is not a number",
            r#"{ number: "{{ inputs.v }}" }"#,
            r#"must be a number"#,
        )
        .with_inputs(r#"{"v": "abc"}"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.number.id);
        Type::Number
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let n = cx.number(&self.number)?;
            super::num(n.floor())
        })())
    }
}
