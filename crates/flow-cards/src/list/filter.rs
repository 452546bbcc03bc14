//! `list.filter`: the items that match a condition (Okta's Filter).

use super::ops::Operator;
use crate::util::{PURE_TIMEOUT, done};
use flow_card::card::schema_of;
use flow_card::kinds::{AnyValue, List};
use flow_card::{Card, CardFuture, CardSpec, Checker, Effect, Expr, Outcome, StepCx};
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
