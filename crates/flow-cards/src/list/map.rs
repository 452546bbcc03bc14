//! `list.map`: runs a helper flow per item and collects what each returns (Okta's Map).

use super::iterate::{ItemResult, IterConfig, OnItemError, Tally, output_item, tally_type};
use crate::util::CALL_TIMEOUT;
use flow_card::card::schema_of;
use flow_card::{Card, CardFuture, CardSpec, Checker, Effect, Outcome, StepCx};
use flow_card::{CardDoc, Example};
use flow_model::Type;
use serde_json::Value;

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "list.map",
    summary: "Run a helper flow for every item and collect what each returns",
    effect: Effect::Calls,
    output: "a list of each helper's `flow.return` outputs, in item order; with on_item_error: continue, { results, succeeded, failed, errors: [{ index, item, message }] }",
    default_timeout: CALL_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<IterConfig>,
    build: |cx| {
        let c: IterConfig = cx.config()?;
        c.validate(cx);
        Some(Box::new(Map(c)))
    },
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Runs a helper flow once per item and collects what each returns (Okta's Map).

`flow` names a helper flow; it must exist (`E0102`) and be a helper flow (`E0106`). `inputs`
is the helper's inputs, a mapping where `{{ item }}` and `{{ index }}` are the current item and
its position, checked against the helper's declared inputs (`E0104`, `E0105`, `E0206`).
`concurrency` (1–100, default 1) is how many items run at once. Each helper run is recorded
under the step (`children` in the record).

`on_item_error: stop` (default): after a failure no further item starts, and the step fails
with `helper_failed` naming the item. `on_item_error: continue`: every item runs and failures
are reported in the output.

Output: with `on_item_error: stop`, a list of each helper's `flow.return` outputs, in item
order; its item type is the helper's output type. With `on_item_error: continue`,
`{ results, succeeded, failed, errors }`: `results` holds each item's output in item order
(`null` for an item that failed), and `errors` says why each failed item failed, as
`list.for_each` does."#,
    okta: &["List - Map"],
    examples: &[
        Example::gives(
            "Outputs in order",
            r#"{ list: [Ada, Grace], flow: greet, inputs: { name: "{{ item }}" }, concurrency: 2 }"#,
            r#"[{"greeting": "Hello Ada"}, {"greeting": "Hello Grace"}]"#,
        ),
        Example::gives(
            "Failures kept",
            r#"{ list: [Ada, ""], flow: greet, inputs: { name: "{{ item }}" }, on_item_error: continue }"#,
            r#"{"results": [{"greeting": "Hello Ada"}, null], "succeeded": 1, "failed": 1, "errors": [{"index": 1, "item": "", "message": "helper flow `greet` failed at step `check`: no name"}]}"#,
        ),
        Example::rejected("Missing inputs", r#"{ list: [a], flow: greet }"#, "E0105"),
    ],
};

/// The card.
#[derive(Debug)]
pub struct Map(IterConfig);

impl Card for Map {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        let sig = self.0.check(cx);
        let results = Type::list(output_item(sig.as_ref()));
        match self.0.on_item_error {
            OnItemError::Stop => results,
            OnItemError::Continue => {
                Type::object([("results", results)].into_iter().chain(tally_type()))
            }
        }
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let results = self.0.run_items(cx).await?;
            let out: Vec<Value> = results
                .iter()
                .map(|r| match r {
                    ItemResult::Done(v) => (**v).clone(),
                    ItemResult::Failed(_) | ItemResult::NotRun => Value::Null,
                })
                .collect();
            match self.0.on_item_error {
                OnItemError::Stop => Ok(Outcome::value(Value::Array(out))),
                OnItemError::Continue => {
                    let list = cx.list(&self.0.list)?;
                    let mut tally = Tally::of(&results, list.as_array().map_or(&[], Vec::as_slice));
                    let mut fields = serde_json::Map::new();
                    fields.insert("results".into(), Value::Array(out));
                    fields.append(&mut tally.fields());
                    Ok(Outcome::value(Value::Object(fields)))
                }
            }
        })
    }
}
