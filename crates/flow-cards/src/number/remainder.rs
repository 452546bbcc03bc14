//! `number.remainder`: the remainder of a ÷ b (Okta's Remainder).

use crate::util::{output, pure};
use flow_card::kinds::Number;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;

/// Inputs of `number.remainder`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The first number.
    a: Expr<Number>,
    /// The second number.
    b: Expr<Number>,
}

/// Registration.
pub static SPEC: CardSpec =
    pure::<Config>("number.remainder", "The remainder of a division", "number");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"The remainder of dividing `a` by `b`, with the sign of `a` (`-7` and `3` give `-1`). A `b` of zero is an `input` error. Text that holds a number (`"42"`, from an event or a step) is read as that number, as Okta converts it; other values are an `input` error. A constant must be written as a number (`E0206` when it is text)."#,
    okta: &["Number - Remainder"],
    examples: &[
        Example::gives("Positive", r#"{ a: 7, b: 3 }"#, r#"1"#),
        Example::gives("Sign of a", r#"{ a: -7, b: 3 }"#, r#"-1"#),
        Example::fails("By zero", r#"{ a: 1, b: 0 }"#, r#"divide by zero"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.a.id);
        cx.expr_type(self.b.id);
        Type::Number
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let a = cx.number(&self.a)?;
            let b = cx.number(&self.b)?;
            if b == 0.0 {
                return Err(flow_card::CardError::input(
                    "cannot divide by zero (`b` is 0)",
                ));
            }
            super::num(a % b)
        })())
    }
}
