//! `list.sort`: the list in order (Okta's Sort).

use super::ops::total_order;
use crate::util::{PURE_TIMEOUT, done, dot_get};
use flow_card::card::schema_of;
use flow_card::kinds::List;
use flow_card::{Card, CardFuture, CardSpec, Checker, Effect, Expr, Outcome, StepCx};
use flow_card::{CardDoc, Example};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Sort direction.
#[derive(Debug, Clone, Copy, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

/// Inputs of `list.sort`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The list.
    list: Expr<List>,
    /// Sort by the value at this dot path of each item (default: the item).
    #[serde(default)]
    path: Option<String>,
    /// `asc` (default) or `desc`. Equal items keep their order.
    #[serde(default)]
    order: Order,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "list.sort",
    summary: "Sort a list (numbers by value, text by character)",
    effect: Effect::Pure,
    output: "the sorted list",
    default_timeout: PURE_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Sorts a list (`asc` by default; equal items keep their order). Numbers sort by value, texts by
character. Mixed kinds sort as `null` < booleans < numbers < texts < lists < objects. With
`path`, items sort by the value at that dot path."#,
    okta: &["List - Sort"],
    examples: &[
        Example::gives("Numbers", r#"{ list: [3, 1, 2] }"#, r#"[1, 2, 3]"#),
        Example::gives(
            "By a field, descending",
            r#"{ list: [{n: 1}, {n: 3}], path: n, order: desc }"#,
            r#"[{"n": 3}, {"n": 1}]"#,
        ),
        Example::gives(
            "Mixed kinds",
            r#"{ list: [b, 2, null, true] }"#,
            r#"[null, true, 2, "b"]"#,
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
            let mut items: Vec<Value> = l.as_array().cloned().unwrap_or_default();
            let key = |v: &Value| -> Value {
                match &self.path {
                    Some(p) => dot_get(v, p).cloned().unwrap_or(Value::Null),
                    None => v.clone(),
                }
            };
            items.sort_by(|a, b| {
                let o = total_order(&key(a), &key(b));
                match self.order {
                    Order::Asc => o,
                    Order::Desc => o.reverse(),
                }
            });
            Outcome::value(Value::Array(items))
        }))
    }
}
