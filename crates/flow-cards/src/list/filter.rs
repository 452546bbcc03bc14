//! `list.filter`: the items that match a condition (Okta's Filter).

use super::ops::Operator;
use crate::util::{PURE_TIMEOUT, done};
use flow_card::card::schema_of;
use flow_card::kinds::{AnyValue, List};
use flow_card::{Card, CardFuture, CardSpec, Checker, Effect, Expr, Outcome, StepCx};
use flow_card::{CardDoc, Example};
use flow_model::{Code, Type};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `list.filter` (and `list.find`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The list.
    pub(crate) list: Expr<List>,
    /// A dot path inside each item to compare (default: the item itself).
    #[serde(default)]
    pub(crate) path: Option<String>,
    /// How to compare.
    pub(crate) operator: Operator,
    /// What to compare with (not needed for is_empty, is_not_empty, is_true).
    #[serde(default)]
    pub(crate) value: Option<Expr<AnyValue>>,
}

impl Config {
    pub(crate) fn check_value(&self, cx: &mut dyn Checker) -> Type {
        let item = super::item_type(cx, self.list.id);
        if self.operator.needs_value() && self.value.is_none() {
            cx.report(
                None,
                Code::MissingKey,
                "this operator needs a `value` to compare with".into(),
                None,
            );
        }
        item
    }

    pub(crate) fn matcher<'a>(
        &'a self,
        cx: &'a StepCx<'a>,
    ) -> Result<impl Fn(&Value) -> bool + 'a, flow_card::CardError> {
        let value = match &self.value {
            Some(v) => cx.value(v)?.into_owned(),
            None => Value::Null,
        };
        Ok(move |item: &Value| self.operator.matches(item, self.path.as_deref(), &value))
    }
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "list.filter",
    summary: "Keep the items of a list that match a condition",
    effect: Effect::Pure,
    output: "a list of the matching items",
    default_timeout: PURE_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Keeps the items that match (`path` picks a value inside each item; default: the item itself).

| operator | matches when the item (or the value at `path`) … |
|---|---|
| `eq`, `ne` | equals / does not equal `value`. Numbers are compared by value (`1` equals `1.0`), also inside lists and objects, at any depth. |
| `gt`, `gte`, `lt`, `lte` | compares so with `value`: numbers numerically, texts by character, booleans with `false` before `true`. Different kinds never match. |
| `contains`, `not_contains` | is a text that contains `value` written as text (`"order 42 shipped"` contains `42`; a whole-number float such as `2.0` is looked for as `2`), a list holding an item equal to `value` as for `eq` (`[1, 2]` contains `2.0`), or an object with the key `value` / the opposite. A number, boolean or `null` contains nothing. |
| `starts_with`, `ends_with` | is a text that starts / ends with `value`. |
| `in`, `not_in` | is / is not equal, as for `eq`, to an item of the list `value` (`2.0` is in `[1, 2]`). When `value` is not a list, `in` never matches and `not_in` always does. |
| `is_empty`, `is_not_empty` | is `null`, `""`, `[]` or `{}` / is not. |
| `is_true` | is truthy. |

There is no guessing between text and numbers: `"2"` does not equal `2`, is not `in` `[1, 2]`,
and `[1, 2]` does not contain `"2"`. Only the text operators (`contains` on a text item,
`starts_with`, `ends_with`) write `value` as text."#,
    okta: &["List - Filter"],
    examples: &[
        Example::gives(
            "By a field",
            r#"{ list: "{{ inputs.users }}", path: role, operator: eq, value: admin }"#,
            r#"[{"role": "admin", "n": 1}]"#,
        )
        .with_inputs(r#"{"users": [{"role": "admin", "n": 1}, {"role": "user", "n": 2}]}"#),
        Example::gives(
            "Numbers by value",
            r#"{ list: [1, 2.0, 3], operator: in, value: [2, 3] }"#,
            r#"[2.0, 3]"#,
        ),
        Example::gives(
            "Text is not a number",
            r#"{ list: ["2", 2], operator: eq, value: 2 }"#,
            r#"[2]"#,
        ),
        Example::fails(
            "Not a list",
            r#"{ list: "{{ inputs.v }}", operator: eq, value: 1 }"#,
            r#"`list` must be a list"#,
        )
        .with_inputs(r#"{"v": "abc"}"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        Type::list(self.check_value(cx))
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        done((|| {
            let list = cx.list(&self.list)?;
            let keep = self.matcher(cx)?;
            let out: Vec<Value> = list
                .as_array()
                .into_iter()
                .flatten()
                .filter(|i| keep(i))
                .cloned()
                .collect();
            Ok(Outcome::value(Value::Array(out)))
        })())
    }
}
