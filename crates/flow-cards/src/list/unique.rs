//! `list.unique`: the list without repeated items (Okta's Remove Duplicates).

use super::ops::identity_key;
use crate::util::{PURE_TIMEOUT, done, dot_get};
use flow_card::card::schema_of;
use flow_card::kinds::List;
use flow_card::{Card, CardFuture, CardSpec, Checker, Effect, Expr, Outcome, StepCx};
use flow_card::{CardDoc, Example};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashSet;

/// Inputs of `list.unique`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The list.
    list: Expr<List>,
    /// Compare items by the value at this dot path (default: the whole item).
    #[serde(default)]
    path: Option<String>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "list.unique",
    summary: "Remove repeated items from a list, keeping the first",
    effect: Effect::Pure,
    output: "the list without repeats",
    default_timeout: PURE_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Drops repeated items, keeping the first of each. Items are compared by value, as
`list.filter`'s `eq` does: `1` and `1.0` are one item, and so are two objects with the same
keys and values in another order; `"1"` and `1` are not. With `path`, items are compared by
the value at that dot path."#,
    okta: &["List - Remove Duplicates"],
    examples: &[
        Example::gives(
            "By value",
            r#"{ list: [1, 1.0, "1", 2] }"#,
            r#"[1, "1", 2]"#,
        ),
        Example::gives(
            "By a field",
            r#"{ list: [{a: 1, b: x}, {a: 1, b: y}], path: a }"#,
            r#"[{"a": 1, "b": "x"}]"#,
        ),
        Example::fails(
            "Not a list",
            r#"{ list: "{{ inputs.v }}" }"#,
            r#"`list` must be a list"#,
        )
        .with_inputs(r#"{"v": "abc"}"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        Type::list(super::item_type(cx, self.list.id))
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        done(cx.list(&self.list).map(|l| {
            let mut seen = HashSet::new();
            let out: Vec<Value> = l
                .as_array()
                .into_iter()
                .flatten()
                .filter(|item| {
                    let key = match &self.path {
                        Some(p) => identity_key(dot_get(item, p).unwrap_or(&Value::Null)),
                        None => identity_key(item),
                    };
                    seen.insert(key)
                })
                .cloned()
                .collect();
            Outcome::value(Value::Array(out))
        }))
    }
}
