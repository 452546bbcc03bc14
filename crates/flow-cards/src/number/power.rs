//! `number.power`: a to the power b (Okta's Power).

use crate::util::{output, pure};
use flow_card::kinds::Number;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;

/// Inputs of `number.power`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The first number.
    a: Expr<Number>,
    /// The second number.
    b: Expr<Number>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>("number.power", "Raise a number to a power", "number");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"`a` raised to the power `b`. A result that is not a finite number (`-1` to the power `0.5`) is an `input` error. Text that holds a number (`"42"`, from an event or a step) is read as that number, as Okta converts it; other values are an `input` error. A constant must be written as a number (`E0206` when it is text)."#,
    okta: &["Number - Power"],
    examples: &[
        Example::gives("Square", r#"{ a: 3, b: 2 }"#, r#"9"#),
        Example::gives("Root", r#"{ a: 16, b: 0.5 }"#, r#"4"#),
        Example::fails(
            "Not a real number",
            r#"{ a: -1, b: 0.5 }"#,
            r#"not a finite number"#,
        ),
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
            super::num(a.powf(b))
        })())
    }
}
