//! `number.compare`: compares two numbers (Okta's Compare, for numbers).

use crate::util::{output, pure};
use flow_card::kinds::{Number, Text};
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `number.compare`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The first number.
    a: Expr<Number>,
    /// `eq`, `ne`, `gt`, `gte`, `lt`, `lte`, or `multiple_of` (Okta's `%`).
    operator: Expr<Text>,
    /// The second number.
    b: Expr<Number>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>("number.compare", "Compare two numbers", "boolean");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"True when `a` `operator` `b` holds: `eq` (=), `ne` (≠), `gt` (>), `gte` (≥), `lt` (<), `lte` (≤),
or `multiple_of` (`a` is a multiple of `b`, Okta's `%`). Numbers compare by value, and numeric
text is read as a number (`"10"` is greater than `9`, unlike text comparison). Text that holds a number (`"42"`, from an event or a step) is read as that number, as Okta converts it; other values are an `input` error. A constant must be written as a number (`E0206` when it is text)."#,
    okta: &["True/False - Compare"],
    examples: &[
        Example::gives(
            "Numeric text by value",
            r#"{ a: "{{ inputs.v }}", operator: gt, b: 9 }"#,
            r#"true"#,
        )
        .with_inputs(r#"{"v": "10"}"#),
        Example::gives(
            "Equal by value",
            r#"{ a: 1, operator: eq, b: 1.0 }"#,
            r#"true"#,
        ),
        Example::gives(
            "A multiple",
            r#"{ a: 12, operator: multiple_of, b: 4 }"#,
            r#"true"#,
        ),
        Example::fails(
            "Not an operator",
            r#"{ a: 1, operator: "~", b: 2 }"#,
            r#"`operator` must be"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.a.id);
        cx.expr_type(self.operator.id);
        cx.expr_type(self.b.id);
        Type::Boolean
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let a = cx.number(&self.a)?;
            let b = cx.number(&self.b)?;
            let op = cx.text(&self.operator)?;
            Ok(Value::Bool(match &*op {
                "eq" => a == b,
                "ne" => a != b,
                "gt" => a > b,
                "gte" => a >= b,
                "lt" => a < b,
                "lte" => a <= b,
                "multiple_of" => b != 0.0 && (a % b) == 0.0,
                other => {
                    return Err(flow_card::CardError::input(format!(
                        "`operator` must be eq, ne, gt, gte, lt, lte or multiple_of, found `{other}`"
                    )));
                }
            }))
        })())
    }
}
