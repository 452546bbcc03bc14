//! `list.reduce`: folds a list into one value by running a helper flow per item with the value
//! so far (Okta's Reduce).

use super::iterate::short;
use crate::util::CALL_TIMEOUT;
use flow_card::card::schema_of;
use flow_card::kinds::{AnyValue, List};
use flow_card::{
    Card, CardDoc, CardError, CardFuture, CardSpec, Checker, Effect, ErrorKind, Example, Expr,
    FlowRef, Outcome, StepCx,
};
use flow_model::{Code, Type};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// Inputs of `list.reduce`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The list to go through, in order.
    list: Expr<List>,
    /// The helper flow run for each item, with inputs `memo`, `item` (and `index` when it
    /// declares it); its `flow.return` outputs are the next `memo`.
    flow: FlowRef,
    /// The first `memo`, e.g. `{ total: 0 }`.
    memo: Expr<AnyValue>,
    /// Whether the helper declares `index` (found when the flow is checked).
    #[serde(skip)]
    #[schemars(skip)]
    takes_index: OnceLock<bool>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "list.reduce",
    summary: "Fold a list into one value with a helper flow run per item",
    effect: Effect::Calls,
    output: "the last helper's `flow.return` outputs (`memo` for an empty list)",
    default_timeout: CALL_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Runs a helper flow once per item, in order, one at a time (Okta's Reduce). The helper declares
the inputs `memo` and `item` (and `index`, the item's position, if it wants it) and nothing
else; for the first item `memo` is the `memo` given here, for each later one it is what the
helper returned for the item before (its `flow.return` outputs). The output is what the helper
returned for the last item, or `memo` itself for an empty list.

The compiler checks the helper's inputs (`E0104`, `E0105`) and their types: the list's items
must fit `item`, and `memo` and the helper's output must fit `memo` (`E0206`). A failing item
fails the step (`helper_failed`, naming the item); later items do not run. Each helper run is
recorded under the step."#,
    okta: &["List - Reduce"],
    examples: &[
        Example::gives(
            "A sum",
            r#"{ list: [3, 4, 5], flow: tally, memo: { total: 0, count: 0 } }"#,
            r#"{"total": 12, "count": 3}"#,
        ),
        Example::gives(
            "An empty list gives memo",
            r#"{ list: [], flow: tally, memo: { total: 0, count: 0 } }"#,
            r#"{"total": 0, "count": 0}"#,
        ),
        Example::fails(
            "A failing item",
            r#"{ list: [1, -2, 3], flow: tally, memo: { total: 0, count: 0 } }"#,
            "item 1 (-2) failed: helper flow `tally` failed at step `check`: negative",
        ),
        Example::rejected(
            "A helper without memo",
            r#"{ list: [Ada], flow: greet, memo: {} }"#,
            "E0104",
        ),
        Example::rejected(
            "Items that do not fit",
            r#"{ list: [[1], [2]], flow: tally, memo: { total: 0, count: 0 } }"#,
            "E0206",
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        let item = super::item_type(cx, self.list.id);
        let memo = cx.expr_type(self.memo.id);
        let Some(sig) = cx.helper(self.flow) else {
            return Type::Any;
        };
        let _ = self.takes_index.set(sig.inputs.contains_key("index"));
        for name in sig.inputs.keys() {
            if !matches!(name.as_str(), "memo" | "item" | "index") {
                cx.report(
                    None,
                    Code::UnknownHelperInput,
                    format!(
                        "helper flow `{}` declares the input `{name}`, but `list.reduce` gives only `memo`, `item` and `index`",
                        sig.name
                    ),
                    None,
                );
            }
        }
        for (name, given, at) in [
            ("memo", memo.clone(), self.memo.id),
            ("item", item, self.list.id),
        ] {
            match sig.inputs.get(name) {
                None => cx.report(
                    None,
                    Code::MissingHelperInput,
                    format!("helper flow `{}` must declare the input `{name}`", sig.name),
                    Some(format!("add `{name}: any` to its `inputs:`")),
                ),
                Some(want) if !given.fits(want) => cx.report(
                    Some(at),
                    Code::TypeMismatch,
                    format!(
                        "input `{name}` of `{}` is {want}, but the value given is {given}",
                        sig.name
                    ),
                    None,
                ),
                Some(_) => {}
            }
        }
        if let Some(want) = sig.inputs.get("memo")
            && !sig.output.fits(want)
        {
            cx.report(
                None,
                Code::TypeMismatch,
                format!(
                    "helper flow `{}` returns {}, which does not fit its input `memo` ({want})",
                    sig.name, sig.output
                ),
                None,
            );
        }
        if sig.output == memo { memo } else { Type::Any }
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let list = cx.list(&self.list)?;
            let items = list.as_array().map(Vec::as_slice).unwrap_or(&[]);
            let mut memo = cx.value(&self.memo)?.into_owned();
            cx.expect_calls(items.len());
            let takes_index = self.takes_index.get().copied().unwrap_or(false);
            for (i, item) in items.iter().enumerate() {
                let mut inputs = Map::new();
                inputs.insert("memo".into(), memo);
                inputs.insert("item".into(), item.clone());
                if takes_index {
                    inputs.insert("index".into(), Value::from(i));
                }
                memo = match cx.call(self.flow, Value::Object(inputs), Some(i)).await {
                    Ok(out) => (*out).clone(),
                    Err(e) => {
                        return Err(CardError {
                            message: format!("item {i} ({}) failed: {}", short(item), e.message),
                            ..CardError::new(ErrorKind::Helper, "")
                        });
                    }
                };
            }
            Ok(Outcome::value(memo))
        })
    }
}
