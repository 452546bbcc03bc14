//! `list.map`: runs a helper flow per item and collects what each returns (Okta's Map).

use super::iterate::{ItemResult, IterConfig, output_item};
use crate::util::CALL_TIMEOUT;
use flow_card::card::schema_of;
use flow_card::{Card, CardFuture, CardSpec, Checker, Effect, Outcome, StepCx};
use flow_model::Type;
use serde_json::Value;

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "list.map",
    summary: "Run a helper flow for every item and collect what each returns",
    effect: Effect::Calls,
    output: "a list of each helper's `flow.return` outputs, in item order (null for failed items with on_item_error: continue)",
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

/// The card.
#[derive(Debug)]
pub struct Map(IterConfig);

impl Card for Map {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        let sig = self.0.check(cx);
        Type::list(output_item(sig.as_ref()))
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let results = self.0.run_items(cx).await?;
            let out: Vec<Value> = results
                .into_iter()
                .map(|r| match r {
                    ItemResult::Done(v) => (*v).clone(),
                    ItemResult::Failed(_) | ItemResult::NotRun => Value::Null,
                })
                .collect();
            Ok(Outcome::value(Value::Array(out)))
        })
    }
}
