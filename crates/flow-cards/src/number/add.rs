//! `number.add`: a + b (Okta's Add).

use crate::util::{output, pure};
use flow_card::kinds::Number;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;

/// Inputs of `number.add`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The first number.
    a: Expr<Number>,
    /// The second number.
    b: Expr<Number>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>("number.add", "Add two numbers", "number");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Adds `b` to `a`. Text that holds a number (`"42"`, from an event or a step) is read as that number, as Okta converts it; other values are an `input` error. A constant must be written as a number (`E0206` when it is text)."#,
    okta: &["Number - Add"],
    examples: &[
        Example::gives("Whole numbers", r#"{ a: 2, b: 40 }"#, r#"42"#),
        Example::gives(
            "Text from the event holding a number",
            r#"{ a: "{{ inputs.v }}", b: 1 }"#,
            r#"3.5"#,
        )
        .with_inputs(r#"{"v": "2.5"}"#),
        Example::fails(
            "Text that is not a number",
            r#"{ a: "{{ inputs.v }}", b: 1 }"#,
            r#"must be a number"#,
        )
        .with_inputs(r#"{"v": "two"}"#),
        Example::rejected(
            "A constant that is not a number",
            r#"{ a: two, b: 1 }"#,
            "E0206",
        ),
        Example::rejected(
            "A constant is written as a number, not text",
            r#"{ a: "2.5", b: 1 }"#,
            "E0206",
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
            super::num(a + b)
        })())
    }
}
