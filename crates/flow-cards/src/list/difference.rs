//! `list.difference`: the items of a list not in another (Okta's Difference).

use crate::util::{output, pure};
use flow_card::kinds::List;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `list.difference`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The list.
    list: Expr<List>,
    /// The other list.
    other: Expr<List>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "list.difference",
    "The items of a list not in another",
    "a list without repeats",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"The items of `list` that are not in `other`. Items are compared by value, as `list.filter`'s `eq` does (`1` equals `1.0`; `"1"` does not equal `1`). The output has no repeats and keeps the order of `list`."#,
    okta: &["List - Difference"],
    examples: &[
        Example::gives(
            "Not in the other",
            r#"{ list: [a, b, c], other: [b] }"#,
            r#"["a", "c"]"#,
        ),
        Example::fails(
            "Not a list",
            r#"{ list: "{{ inputs.v }}", other: [] }"#,
            r#"`list` must be a list"#,
        )
        .with_inputs(r#"{"v": "abc"}"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.other.id);
        Type::list(super::item_type(cx, self.list.id))
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let list = cx.list(&self.list)?;
            let other = cx.list(&self.other)?;
            let items = |v: &Value| v.as_array().map(Vec::as_slice).unwrap_or(&[]).to_vec();
            let in_other: std::collections::HashSet<String> =
                items(&other).iter().map(super::ops::identity_key).collect();
            let mut seen = std::collections::HashSet::new();
            let mut out = Vec::new();
            for v in items(&list) {
                let k = super::ops::identity_key(&v);
                if !in_other.contains(&k) && seen.insert(k) {
                    out.push(v);
                }
            }
            Ok(Value::Array(out))
        })())
    }
}
