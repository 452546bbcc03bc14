//! `list.for_each`: runs a helper flow once per item of a list (Okta's For Each, and with
//! `on_item_error: continue`, For Each – Ignore Errors).

use super::iterate::{IterConfig, Tally, tally_type};
use crate::util::CALL_TIMEOUT;
use flow_card::card::schema_of;
use flow_card::{Card, CardFuture, CardSpec, Checker, Effect, Outcome, StepCx};
use flow_card::{CardDoc, Example};
use flow_model::Type;
use serde_json::Value;

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "list.for_each",
    summary: "Run a helper flow for every item of a list",
    effect: Effect::Calls,
    output: "{ succeeded, failed, errors: [{ index, item, message }] (the first 100) }",
    default_timeout: CALL_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<IterConfig>,
    build: |cx| {
        let c: IterConfig = cx.config()?;
        c.validate(cx);
        Some(Box::new(ForEach(c)))
    },
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Runs a helper flow once per item (Okta's For Each; with `on_item_error: continue`,
For Each – Ignore Errors).

`flow` names a helper flow; it must exist (`E0102`) and be a helper flow (`E0106`). `inputs`
is the helper's inputs, a mapping where `{{ item }}` and `{{ index }}` are the current item and
its position, checked against the helper's declared inputs (`E0104`, `E0105`, `E0206`).
`concurrency` (1–100, default 1) is how many items run at once. Each helper run is recorded
under the step (`children` in the record).

`on_item_error: stop` (default): after a failure no further item starts, and the step fails
with `helper_failed` naming the item. `on_item_error: continue`: every item runs and failures
are reported in the output.

Output: `{ succeeded, failed, errors: [{ index, item, message }] }` (`item` as text, JSON for
non-text items, shortened to 60 characters; the first 100 errors)."#,
    okta: &["List - For Each", "List - For Each - Ignore Errors"],
    examples: &[
        Example::gives(
            "Every item",
            r#"{ list: [Ada, Grace], flow: greet, inputs: { name: "{{ item }}" } }"#,
            r#"{"succeeded": 2, "failed": 0, "errors": []}"#,
        ),
        Example::gives(
            "Failures kept",
            r#"{ list: [Ada, ""], flow: greet, inputs: { name: "{{ item }}" }, on_item_error: continue }"#,
            r#"{"succeeded": 1, "failed": 1, "errors": [{"index": 1, "item": "", "message": "helper flow `greet` failed at step `check`: no name"}]}"#,
        ),
        Example::rejected(
            "A flow that does not exist",
            r#"{ list: [a], flow: nope }"#,
            "E0102",
        ),
    ],
};

/// The card.
#[derive(Debug)]
pub struct ForEach(IterConfig);

impl Card for ForEach {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        self.0.check(cx);
        Type::object(tally_type())
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let results = self.0.run_items(cx).await?;
            let list = cx.list(&self.0.list)?;
            let items = list.as_array().map_or(&[][..], Vec::as_slice);
            Ok(Outcome::value(Value::Object(
                Tally::of(&results, items).fields(),
            )))
        })
    }
}
