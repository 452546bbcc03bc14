//! `number.square_root`: the square root of a number (Okta's Square Root).

use crate::util::{output, pure};
use flow_card::kinds::Number;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;

/// Inputs of `number.square_root`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The number, 0 or more.
    number: Expr<Number>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "number.square_root",
    "The square root of a number",
    "number",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"The square root of `number`. A negative number is an `input` error. Text that holds a number (`"42"`, from an event or a step) is read as that number; a constant must be written as a number."#,
    okta: &["Number - Square Root"],
    examples: &[
        Example::gives("Exact", r#"{ number: 81 }"#, r#"9"#),
        Example::gives("Irrational", r#"{ number: 2 }"#, r#"1.4142135623730951"#),
        Example::fails("Negative", r#"{ number: -4 }"#, r#"no square root"#),
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
            if n < 0.0 {
                return Err(flow_card::CardError::input(format!(
                    "{n} has no square root (it is negative)"
                )));
            }
            super::num(n.sqrt())
        })())
    }
}
