//! `boolean.xor`: true when exactly one of two values is true (Okta's Xor).

use crate::util::{output, pure};
use flow_card::kinds::AnyValue;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `boolean.xor`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The first value.
    a: Expr<AnyValue>,
    /// The second value.
    b: Expr<AnyValue>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "boolean.xor",
    "True when exactly one of two values is true",
    "boolean",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"True when one of `a` and `b` is true and the other is not. Values are read by truthiness: `false`, `null`, `0`, `""`, `[]` and `{}` are false."#,
    okta: &["True/False - Xor"],
    examples: &[
        Example::gives("One", r#"{ a: true, b: false }"#, r#"true"#),
        Example::gives("Both", r#"{ a: 1, b: x }"#, r#"false"#),
        Example::rejected("A missing input", r#"{ a: true }"#, "E0005"),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.a.id);
        cx.expr_type(self.b.id);
        Type::Boolean
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            Ok(Value::Bool(cx.truthy(&self.a)? != cx.truthy(&self.b)?))
        })())
    }
}
