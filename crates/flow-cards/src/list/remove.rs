//! `list.remove`: the list without the items equal to a value.

use crate::util::{output, pure};
use flow_card::kinds::{AnyValue, List};
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `list.remove`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The list.
    list: Expr<List>,
    /// The value to remove.
    value: Expr<AnyValue>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "list.remove",
    "Remove every item equal to a value",
    "the list without those items",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"A new list without the items equal to `value`. Items are compared by value, as `list.filter`'s `eq` does (`1` equals `1.0`; `"1"` does not equal `1`)."#,
    okta: &[],
    examples: &[
        Example::gives(
            "Every occurrence",
            r#"{ list: [a, b, a, c], value: a }"#,
            r#"["b", "c"]"#,
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
        Type::list(super::item_type(cx, self.list.id))
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let list = cx.list(&self.list)?;
            let key = super::ops::identity_key(&*cx.value(&self.value)?);
            Ok(Value::Array(
                list.as_array()
                    .map(Vec::as_slice)
                    .unwrap_or(&[])
                    .iter()
                    .filter(|v| super::ops::identity_key(v) != key)
                    .cloned()
                    .collect(),
            ))
        })())
    }
}
