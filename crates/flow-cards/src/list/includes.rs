//! `list.includes`: whether a list holds a value (Okta's Includes).

use crate::util::{output, pure};
use flow_card::kinds::{AnyValue, List};
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `list.includes`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The list.
    list: Expr<List>,
    /// The value to look for.
    value: Expr<AnyValue>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "list.includes",
    "Tell whether a list holds a value",
    "boolean",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"True when an item of `list` equals `value`. Items are compared by value, as `list.filter`'s `eq` does (`1` equals `1.0`; `"1"` does not equal `1`)."#,
    okta: &["List - Includes"],
    examples: &[
        Example::gives("By value", r#"{ list: [1, 2], value: 2.0 }"#, r#"true"#),
        Example::gives(
            "Text is not a number",
            r#"{ list: [1, 2], value: "2" }"#,
            r#"false"#,
        ),
        Example::fails(
            "Not a list",
            r#"{ list: "{{ inputs.v }}", value: 1 }"#,
            r#"`list` must be a list"#,
        )
        .with_inputs(r#"{"v": "abc"}"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.value.id);
        super::item_type(cx, self.list.id);
        Type::Boolean
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let list = cx.list(&self.list)?;
            let key = super::ops::identity_key(&*cx.value(&self.value)?);
            Ok(Value::Bool(list.as_array().is_some_and(|l| {
                l.iter().any(|v| super::ops::identity_key(v) == key)
            })))
        })())
    }
}
