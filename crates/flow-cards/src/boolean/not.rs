//! `boolean.not`: the opposite of a value (Okta's Not).

use crate::util::{output, pure};
use flow_card::kinds::AnyValue;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `boolean.not`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The value.
    value: Expr<AnyValue>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>("boolean.not", "The opposite of a value", "boolean");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"True when `value` is false, and false when it is true. Values are read by truthiness: `false`, `null`, `0`, `""`, `[]` and `{}` are false."#,
    okta: &["True/False - Not"],
    examples: &[
        Example::gives("Empty text is false", r#"{ value: "" }"#, r#"true"#),
        Example::gives("A list with items is true", r#"{ value: [0] }"#, r#"false"#),
        Example::rejected(
            "An unknown input",
            r#"{ value: true, other: false }"#,
            "E0003",
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.value.id);
        Type::Boolean
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| Ok(Value::Bool(!cx.truthy(&self.value)?)))())
    }
}
