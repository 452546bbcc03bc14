//! `list.reduce`: folds a list into one value by running a helper flow per item with the value
//! so far (Okta's Reduce).

use super::iterate::short;
use crate::util::CALL_TIMEOUT;
use flow_card::HelperSig;
use flow_card::card::schema_of;
use flow_card::kinds::{AnyValue, ItemObject, List};
use flow_card::{
    Card, CardDoc, CardError, CardFuture, CardSpec, Checker, Effect, ErrorKind, Example, Expr,
    FlowRef, Outcome, StepCx,
};
use flow_model::types::FieldLookup;
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
    /// The helper's inputs besides the running value, a mapping where `{{ item }}` and
    /// `{{ index }}` are the current item and its position. Without it the helper takes `item`
    /// (and `index`) by those names.
    #[serde(default)]
    inputs: Option<Expr<ItemObject>>,
    /// The helper input that takes the running value (default `memo`).
    #[serde(default)]
    memo_input: Option<String>,
    /// The field of the helper's `flow.return` outputs that is the next running value (default:
    /// the outputs themselves), for a running value that is not an object.
    #[serde(default)]
    memo_output: Option<String>,
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

With `inputs:` the helper's inputs are free: `inputs` maps them like `list.for_each`'s
(`{{ item }}` and `{{ index }}` are the item and its position), and the running value goes to
the input `memo_input` names (default `memo`), which `inputs` leaves out. `memo_output` names
the field of the helper's outputs that is the next running value, for one that is not an
object (Okta's Reduce with a number or a text: its helper returns it in one field).

The compiler checks the helper's inputs (`E0104`, `E0105`) and their types: the list's items
(or the `inputs` given) must fit, and `memo` and the helper's output (or its `memo_output`
field) must fit the memo input (`E0206`). A failing item
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
        Example::gives(
            "Mapped inputs, a running number",
            r#"{ list: [{ price: 3 }, { price: 4 }], flow: add-price, memo: 10, memo_input: sum, memo_output: sum, inputs: { price: "{{ item.price }}" } }"#,
            r#"17"#,
        ),
        Example::gives(
            "Mapped inputs, an object memo",
            r#"{ list: [{ n: 3 }, { n: 4 }], flow: tally, memo: { total: 0, count: 0 }, inputs: { item: "{{ item.n }}" } }"#,
            r#"{"total": 7, "count": 2}"#,
        ),
        Example::rejected(
            "The memo input mapped too",
            r#"{ list: [1], flow: add-price, memo: 0, memo_input: sum, memo_output: sum, inputs: { sum: 1, price: "{{ item }}" } }"#,
            "E0104",
        ),
        Example::rejected(
            "A helper input left out",
            r#"{ list: [1], flow: add-price, memo: 0, memo_input: sum, memo_output: sum, inputs: {} }"#,
            "E0105",
        ),
        Example::rejected(
            "A memo output that does not fit",
            r#"{ list: [1], flow: tally, memo: { total: 0, count: 0 }, memo_output: total, inputs: { item: "{{ item }}" } }"#,
            "E0206",
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

impl Config {
    /// Without `inputs`: the helper declares the memo input, `item` and perhaps `index`.
    fn check_named(&self, cx: &mut dyn Checker, sig: &HelperSig, memo_name: &str, item: Type) {
        for name in sig.inputs.keys() {
            if name != memo_name && !matches!(name.as_str(), "item" | "index") {
                cx.report(
                    None,
                    Code::UnknownHelperInput,
                    format!(
                        "helper flow `{}` declares the input `{name}`, but `list.reduce` gives only `{memo_name}`, `item` and `index` (map the others with `inputs:`)",
                        sig.name
                    ),
                    None,
                );
            }
        }
        match sig.inputs.get("item") {
            None => cx.report(
                None,
                Code::MissingHelperInput,
                format!("helper flow `{}` must declare the input `item`", sig.name),
                Some("add `item: any` to its `inputs:`, or map its inputs with `inputs:`".into()),
            ),
            Some(want) if !item.fits(want) => cx.report(
                Some(self.list.id),
                Code::TypeMismatch,
                format!(
                    "input `item` of `{}` is {want}, but the value given is {item}",
                    sig.name
                ),
                None,
            ),
            Some(_) => {}
        }
    }

    /// With `inputs`: every helper input but the memo input is mapped, and each fits.
    fn check_mapped(&self, cx: &mut dyn Checker, sig: &HelperSig, memo_name: &str, given: &Type) {
        let at = self.inputs.as_ref().map(|e| e.id);
        let Type::Object(Some(obj)) = given else {
            if !matches!(given, Type::Object(None) | Type::Any) {
                cx.report(
                    at,
                    Code::WrongType,
                    format!("`inputs` must be a mapping of the inputs of `{}`", sig.name),
                    None,
                );
            }
            return;
        };
        for (k, have) in &obj.fields {
            if k == memo_name {
                cx.report(
                    at,
                    Code::UnknownHelperInput,
                    format!(
                        "`{k}` takes the running value (`memo_input`); leave it out of `inputs`"
                    ),
                    None,
                );
                continue;
            }
            match sig.inputs.get(k) {
                None => cx.report(
                    at,
                    Code::UnknownHelperInput,
                    format!("helper flow `{}` has no input `{k}`", sig.name),
                    None,
                ),
                Some(want) if !have.fits(want) => cx.report(
                    at,
                    Code::TypeMismatch,
                    format!(
                        "input `{k}` of `{}` is {want}, but the value given is {have}",
                        sig.name
                    ),
                    None,
                ),
                Some(_) => {}
            }
        }
        for name in sig.inputs.keys() {
            if name != memo_name && !obj.fields.contains_key(name) {
                cx.report(
                    at,
                    Code::MissingHelperInput,
                    format!(
                        "the input `{name}` of helper flow `{}` is not given",
                        sig.name
                    ),
                    Some(format!("add `{name}: …` to `inputs`")),
                );
            }
        }
    }
}

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        let item = super::item_type(cx, self.list.id);
        let memo = cx.expr_type(self.memo.id);
        let given = self
            .inputs
            .as_ref()
            .map(|e| cx.item_expr_type(e.id, item.clone()));
        let Some(sig) = cx.helper(self.flow) else {
            return Type::Any;
        };
        let memo_name = self.memo_input.as_deref().unwrap_or("memo");
        let _ = self.takes_index.set(sig.inputs.contains_key("index"));
        match &given {
            None => self.check_named(cx, &sig, memo_name, item),
            Some(given) => self.check_mapped(cx, &sig, memo_name, given),
        }
        let want = sig.inputs.get(memo_name).cloned();
        match &want {
            None => cx.report(
                None,
                Code::MissingHelperInput,
                format!(
                    "helper flow `{}` must declare the input `{memo_name}`",
                    sig.name
                ),
                Some(format!("add `{memo_name}: any` to its `inputs:`")),
            ),
            Some(want) if !memo.fits(want) => cx.report(
                Some(self.memo.id),
                Code::TypeMismatch,
                format!(
                    "input `{memo_name}` of `{}` is {want}, but the value given is {memo}",
                    sig.name
                ),
                None,
            ),
            Some(_) => {}
        }
        let returned = match &self.memo_output {
            None => sig.output.clone(),
            Some(field) => match sig.output.field(field) {
                FieldLookup::Found(t) => t,
                FieldLookup::Missing(_) | FieldLookup::NotAnObject => {
                    cx.report(
                        None,
                        Code::TypeMismatch,
                        format!(
                            "helper flow `{}` returns {}, which has no field `{field}` (`memo_output`)",
                            sig.name, sig.output
                        ),
                        None,
                    );
                    return Type::Any;
                }
            },
        };
        if let Some(want) = &want
            && !returned.fits(want)
        {
            cx.report(
                None,
                Code::TypeMismatch,
                format!(
                    "helper flow `{}` returns {returned}, which does not fit its input `{memo_name}` ({want})",
                    sig.name
                ),
                None,
            );
        }
        if returned == memo { memo } else { Type::Any }
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let list = cx.list(&self.list)?;
            let items = list.as_array().map(Vec::as_slice).unwrap_or(&[]);
            let mut memo = cx.value(&self.memo)?.into_owned();
            cx.expect_calls(items.len());
            let takes_index = self.takes_index.get().copied().unwrap_or(false);
            let memo_name = self.memo_input.as_deref().unwrap_or("memo");
            for (i, item) in items.iter().enumerate() {
                let mut inputs = match &self.inputs {
                    Some(e) => match cx.item_value(e, item, i)? {
                        Value::Object(o) => o,
                        _ => {
                            return Err(CardError::input(
                                "`inputs` must be a mapping of the helper's inputs",
                            ));
                        }
                    },
                    None => {
                        let mut named = Map::new();
                        named.insert("item".into(), item.clone());
                        if takes_index {
                            named.insert("index".into(), Value::from(i));
                        }
                        named
                    }
                };
                inputs.insert(memo_name.into(), memo);
                memo = match cx.call(self.flow, Value::Object(inputs), Some(i)).await {
                    Ok(out) => match &self.memo_output {
                        Some(field) => out.get(field).cloned().unwrap_or(Value::Null),
                        None => (*out).clone(),
                    },
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
