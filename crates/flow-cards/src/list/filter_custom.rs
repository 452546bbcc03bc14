//! `list.filter_custom`: keeps the items for which a helper flow returns true (Okta's Filter
//! Custom).

use super::iterate::{ItemResult, OnItemError, PerItem, validate_concurrency};
use crate::util::CALL_TIMEOUT;
use flow_card::card::schema_of;
use flow_card::kinds::{ItemObject, List};
use flow_card::{Card, CardError, CardFuture, CardSpec, Checker, Effect, Expr, FlowRef};
use flow_card::{CardDoc, Example, HelperSig, Outcome, StepCx};
use flow_model::{Code, Type};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

fn one() -> u32 {
    1
}

/// Inputs of `list.filter_custom`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The list to filter.
    list: Expr<List>,
    /// The helper flow that decides, per item; it returns one true/false output.
    flow: FlowRef,
    /// The helper's inputs; `{{ item }}` and `{{ index }}` are the current item and its position.
    #[serde(default)]
    inputs: Option<Expr<ItemObject>>,
    /// How many items run at once (default 1, at most 100).
    #[serde(default = "one")]
    concurrency: u32,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "list.filter_custom",
    summary: "Keep the items of a list for which a helper flow returns true",
    effect: Effect::Calls,
    output: "a list of the items the helper kept, in item order",
    default_timeout: CALL_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| {
        let c: Config = cx.config()?;
        validate_concurrency(cx, c.concurrency);
        Some(Box::new(c))
    },
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Runs a helper flow once per item and keeps the items for which it returns true (Okta's
Filter Custom), in item order.

`flow` names a helper flow; it must exist (`E0102`) and be a helper flow (`E0106`). `inputs`
is the helper's inputs, a mapping where `{{ item }}` and `{{ index }}` are the current item and
its position, checked against the helper's declared inputs (`E0104`, `E0105`, `E0206`).
`concurrency` (1–100, default 1) is how many items run at once. Each helper run is recorded
under the step (`children` in the record).

The helper's `flow.return` gives exactly one output, as Okta's does, and it is `true` or
`false`: a helper whose return has another number of outputs, or one that is known not to be a
boolean, is `E0006` when the flow loads. At run time an output that is not `true` or `false` is
an `input` error naming the item. When the helper fails for an item no further item starts and
the step fails with `helper_failed` naming it (Okta's Filter Custom stops too)."#,
    okta: &["List - Filter Custom"],
    examples: &[
        Example::gives(
            "The adults",
            r#"{ list: [{ name: Ada, age: 36 }, { name: Tim, age: 9 }], flow: adult, inputs: { age: "{{ item.age }}" } }"#,
            r#"[{"name": "Ada", "age": 36}]"#,
        ),
        Example::fails(
            "A helper failure stops",
            r#"{ list: [20, -1, 30], flow: adult, inputs: { age: "{{ item }}" } }"#,
            r#"item 1 (-1) failed"#,
        ),
        Example::rejected(
            "A helper that returns something else",
            r#"{ list: [Ada], flow: greet, inputs: { name: "{{ item }}" } }"#,
            "E0006",
        ),
    ],
};

impl Config {
    fn per_item(&self) -> PerItem<'_> {
        PerItem {
            flow: self.flow,
            inputs: self.inputs.as_ref(),
            concurrency: self.concurrency,
            on_item_error: OnItemError::Stop,
        }
    }
}

/// Reports a helper whose return is not one boolean-ish output.
fn check_return(cx: &mut dyn Checker, sig: &HelperSig) {
    let Type::Object(Some(o)) = &sig.output else {
        return;
    };
    let problem = match o.fields.len() {
        1 if !o.open => o.fields.iter().find_map(|(name, t)| {
            (!matches!(t, Type::Boolean | Type::Any)).then(|| format!("its output `{name}` is {t}"))
        }),
        0 if o.open => None,
        n => Some(format!("it returns {n} outputs")),
    };
    if let Some(why) = problem {
        cx.report(
            None,
            Code::InvalidValue,
            format!(
                "helper flow `{}` must return one true/false output: {why}",
                sig.name
            ),
            Some("end the helper with `flow.return` of one output, e.g. `outputs: { keep: \"{{ … }}\" }`".into()),
        );
    }
}

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        let item = super::item_type(cx, self.list.id);
        if let Some(sig) = self.per_item().check(cx, item.clone()) {
            check_return(cx, &sig);
        }
        Type::list(item)
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let list = cx.list(&self.list)?;
            let items = list.as_array().map(Vec::as_slice).unwrap_or(&[]);
            cx.expect_calls(items.len());
            let per_item = self.per_item();
            let results = per_item.run_slice(cx, items, 0).await;
            if let Some(e) = per_item.stop_error(&results, items, 0) {
                return Err(e);
            }
            let mut kept = Vec::new();
            for (i, (item, r)) in items.iter().zip(&results).enumerate() {
                if let ItemResult::Done(out) = r
                    && keep(i, item, out)?
                {
                    kept.push(item.clone());
                }
            }
            Ok(Outcome::value(Value::Array(kept)))
        })
    }
}

/// Whether the helper's outputs keep item `i`: its one output, `true` or `false`; anything
/// else is an `input` error naming the item.
fn keep(i: usize, item: &Value, out: &Value) -> Result<bool, CardError> {
    let one = match out {
        Value::Object(m) if m.len() == 1 => m.values().next(),
        Value::Bool(_) => Some(out),
        _ => None,
    };
    let why = match one {
        Some(Value::Bool(b)) => return Ok(*b),
        Some(other) => format!(
            "the helper returned {}, not true or false",
            flow_model::types::value_kind(other)
        ),
        None => "the helper must return one true/false output".to_string(),
    };
    Err(CardError::input(format!(
        "item {i} ({}): {why}",
        super::iterate::short(item)
    )))
}
