//! `list.for_each`: runs a helper flow once per item of a list (Okta's For Each, and with
//! `on_item_error: continue`, For Each – Ignore Errors).

use super::iterate::{ItemResult, IterConfig, short};
use crate::util::CALL_TIMEOUT;
use flow_card::card::schema_of;
use flow_card::{Card, CardFuture, CardSpec, Checker, Effect, Outcome, StepCx};
use flow_model::Type;
use serde_json::{Value, json};

/// The most failed items listed in `errors` (`failed` counts them all), so a list of a million
/// failing items cannot make a million-entry output.
pub const MAX_LISTED_ERRORS: usize = 100;

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

/// The card.
#[derive(Debug)]
pub struct ForEach(IterConfig);

impl Card for ForEach {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        self.0.check(cx);
        Type::object([
            ("succeeded", Type::Number),
            ("failed", Type::Number),
            (
                "errors",
                Type::list(Type::object([
                    ("index", Type::Number),
                    ("item", Type::Any),
                    ("message", Type::Text),
                ])),
            ),
        ])
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let results = self.0.run_items(cx).await?;
            let list = cx.list(&self.0.list)?;
            let items = list.as_array().map(Vec::as_slice).unwrap_or(&[]);
            let mut succeeded = 0;
            let mut failed = 0;
            let mut errors = Vec::new();
            for (i, r) in results.iter().enumerate() {
                match r {
                    ItemResult::Done(_) => succeeded += 1,
                    ItemResult::Failed(_) if errors.len() >= MAX_LISTED_ERRORS => failed += 1,
                    ItemResult::Failed(e) => {
                        failed += 1;
                        errors.push(json!({
                            "index": i,
                            "item": items.get(i).map_or(Value::Null, |v| Value::String(short(v))),
                            "message": e.message,
                        }));
                    }
                    ItemResult::NotRun => {}
                }
            }
            Ok(Outcome::value(
                json!({ "succeeded": succeeded, "failed": failed, "errors": errors }),
            ))
        })
    }
}
