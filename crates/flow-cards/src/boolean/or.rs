//! `boolean.or`: true when any value is true (Okta's Or).

use crate::util::{output, pure};
use flow_card::kinds::List;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `boolean.or`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The values to combine.
    values: Expr<List>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>("boolean.or", "True when any value is true", "boolean");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"True when an item of `values` is true; an empty list is false. Values are read by truthiness: `false`, `null`, `0`, `""`, `[]` and `{}` are false."#,
    okta: &["True/False - Or"],
    examples: &[
        Example::gives("One true", r#"{ values: [false, 0, yes] }"#, r#"true"#),
        Example::gives("None", r#"{ values: [false, null] }"#, r#"false"#),
        Example::fails(
            "Not a list",
            r#"{ values: "{{ inputs.v }}" }"#,
            r#"`values` must be a list"#,
        )
        .with_inputs(r#"{"v": "abc"}"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.values.id);
        Type::Boolean
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            Ok(Value::Bool(
                super::truths(cx, &self.values)?.into_iter().any(|t| t),
            ))
        })())
    }
}
