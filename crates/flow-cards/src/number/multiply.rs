//! `number.multiply`: a × b (Okta's Multiply).

use crate::util::{output, pure};
use flow_card::kinds::Number;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;

/// Inputs of `number.multiply`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The first number.
    a: Expr<Number>,
    /// The second number.
    b: Expr<Number>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>("number.multiply", "Multiply two numbers", "number");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Multiplies `a` by `b`. Text that holds a number (`"42"`, from an event or a step) is read as that number, as Okta converts it; other values are an `input` error. A constant must be written as a number (`E0206` when it is text)."#,
    okta: &["Number - Multiply"],
    examples: &[
        Example::gives("Product", r#"{ a: 6, b: 7 }"#, r#"42"#),
        Example::gives("Fractions", r#"{ a: 0.5, b: 3 }"#, r#"1.5"#),
        Example::fails(
            "Text that is not a number",
            r#"{ a: "{{ inputs.v }}", b: 2 }"#,
            r#"must be a number"#,
        )
        .with_inputs(r#"{"v": "abc"}"#),
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
            super::num(a * b)
        })())
    }
}
