//! What `list.for_each` and `list.map` share: their inputs, their checks, and running a helper
//! flow per item with bounded concurrency and stop-or-continue error handling.

use flow_card::kinds::{ItemObject, List};
use flow_card::{CardError, Checker, ErrorKind, Expr, FlowRef, HelperSig, StepCx};
use flow_model::{Code, Type};
use futures_util::StreamExt;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::sync::atomic::{AtomicBool, Ordering};

/// The most items that may run at once.
pub const MAX_CONCURRENCY: u32 = 100;

/// What to do when the helper fails for an item.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnItemError {
    /// Start no more items and fail the step (Okta's For Each).
    #[default]
    Stop,
    /// Run every item and report the failures in the output (For Each – Ignore Errors).
    Continue,
}

fn one() -> u32 {
    1
}

/// Inputs of `list.for_each` and `list.map`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IterConfig {
    /// The list to go through.
    pub list: Expr<List>,
    /// The helper flow to run for each item.
    pub flow: FlowRef,
    /// The helper's inputs; `{{ item }}` and `{{ index }}` are the current item and its position.
    #[serde(default)]
    pub inputs: Option<Expr<ItemObject>>,
    /// How many items run at once (default 1, at most 100).
    #[serde(default = "one")]
    pub concurrency: u32,
    /// `stop` (default) or `continue`.
    #[serde(default)]
    pub on_item_error: OnItemError,
}

/// The result of one item.
pub enum ItemResult {
    /// The helper's outputs (shared with its record, not copied).
    Done(std::sync::Arc<Value>),
    /// It failed.
    Failed(CardError),
    /// It was not started because an earlier item failed.
    NotRun,
}

impl IterConfig {
    /// Reports a concurrency out of range; called at build time.
    pub fn validate(&self, cx: &mut flow_card::BuildCx<'_>) {
        if self.concurrency == 0 || self.concurrency > MAX_CONCURRENCY {
            cx.report(
                Code::InvalidValue,
                None,
                format!(
                    "`concurrency` must be between 1 and {MAX_CONCURRENCY}, found {}",
                    self.concurrency
                ),
            );
        }
    }

    /// Checks the list, the helper and its inputs; returns the helper's signature.
    pub fn check(&self, cx: &mut dyn Checker) -> Option<HelperSig> {
        let item = super::item_type(cx, self.list.id);
        match &self.inputs {
            Some(inputs) => cx.check_helper_inputs(self.flow, inputs.id, item),
            None => {
                if let Some(sig) = cx.helper(self.flow)
                    && let Some(first) = sig.inputs.keys().next()
                {
                    cx.report(
                        None,
                        Code::MissingHelperInput,
                        format!("helper flow `{}` needs its inputs (`{first}`, …)", sig.name),
                        Some(format!("add `inputs: {{ {first}: \"{{{{ item }}}}\" }}`")),
                    );
                }
            }
        }
        cx.helper(self.flow)
    }

    async fn one_item(
        &self,
        cx: &StepCx<'_>,
        stop: &AtomicBool,
        stop_on_error: bool,
        i: usize,
        item: &Value,
    ) -> (usize, ItemResult) {
        if stop.load(Ordering::Relaxed) {
            return (i, ItemResult::NotRun);
        }
        let inputs = match &self.inputs {
            Some(e) => match cx.item_value(e, item, i) {
                Ok(v) => v,
                Err(e) => return (i, ItemResult::Failed(e)),
            },
            None => Value::Object(Map::new()),
        };
        match cx.call(self.flow, inputs, Some(i)).await {
            Ok(v) => (i, ItemResult::Done(v)),
            Err(e) => {
                if stop_on_error {
                    stop.store(true, Ordering::Relaxed);
                }
                (i, ItemResult::Failed(e))
            }
        }
    }

    /// Runs the helper for every item, at most `concurrency` at once, in any order; the results
    /// come back in item order.
    pub async fn run_items(&self, cx: &StepCx<'_>) -> Result<Vec<ItemResult>, CardError> {
        let list = cx.list(&self.list)?;
        let items = list.as_array().map(Vec::as_slice).unwrap_or(&[]);
        cx.expect_calls(items.len());
        let stop = AtomicBool::new(false);
        let stop_on_error = self.on_item_error == OnItemError::Stop;
        let stop = &stop;
        // Iterating indexes, not `&Value`s: a closure taking a reference trips rustc's
        // higher-ranked `Send` inference for the stream (rust-lang/rust#102211).
        let futures =
            (0..items.len()).map(|i| self.one_item(cx, stop, stop_on_error, i, &items[i]));
        let mut results: Vec<(usize, ItemResult)> = futures_util::stream::iter(futures)
            .buffer_unordered(self.concurrency.clamp(1, MAX_CONCURRENCY) as usize)
            .collect()
            .await;
        results.sort_by_key(|(i, _)| *i);
        if stop_on_error
            && let Some((i, ItemResult::Failed(e))) = results
                .iter()
                .find(|(_, r)| matches!(r, ItemResult::Failed(_)))
        {
            let not_run = results
                .iter()
                .filter(|(_, r)| matches!(r, ItemResult::NotRun))
                .count();
            let item = items.get(*i).map(short).unwrap_or_default();
            let mut msg = format!("item {i} ({item}) failed: {}", e.message);
            if not_run > 0 {
                msg.push_str(&format!(
                    "; {not_run} later items were not run (on_item_error: stop)"
                ));
            }
            return Err(CardError {
                message: msg,
                ..CardError::new(ErrorKind::Helper, "")
            });
        }
        Ok(results.into_iter().map(|(_, r)| r).collect())
    }
}

/// A short text for an item in messages.
pub fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

/// The item type of a helper's output list.
pub fn output_item(sig: Option<&HelperSig>) -> Type {
    sig.map_or(Type::Any, |s| s.output.clone())
}

/// The most failed items listed in `errors` (`failed` counts them all), so a list of a million
/// failing items cannot make a million-entry output.
pub const MAX_LISTED_ERRORS: usize = 100;

/// The `succeeded`, `failed` and `errors` of an iteration, shared by `list.for_each` and
/// `list.map` with `on_item_error: continue`.
pub struct Tally {
    succeeded: usize,
    failed: usize,
    errors: Vec<Value>,
}

impl Tally {
    /// Counts `results` of `items`; lists the first [`MAX_LISTED_ERRORS`] failures.
    pub fn of(results: &[ItemResult], items: &[Value]) -> Self {
        let mut t = Tally {
            succeeded: 0,
            failed: 0,
            errors: Vec::new(),
        };
        for (i, r) in results.iter().enumerate() {
            match r {
                ItemResult::Done(_) => t.succeeded += 1,
                ItemResult::Failed(_) if t.errors.len() >= MAX_LISTED_ERRORS => t.failed += 1,
                ItemResult::Failed(e) => {
                    t.failed += 1;
                    t.errors.push(serde_json::json!({
                        "index": i,
                        "item": items.get(i).map_or(Value::Null, |v| Value::String(short(v))),
                        "message": e.message,
                    }));
                }
                ItemResult::NotRun => {}
            }
        }
        t
    }

    /// The output fields.
    pub fn fields(&mut self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("succeeded".into(), Value::from(self.succeeded));
        m.insert("failed".into(), Value::from(self.failed));
        m.insert(
            "errors".into(),
            Value::Array(std::mem::take(&mut self.errors)),
        );
        m
    }
}

/// The types of [`Tally::fields`].
pub fn tally_type() -> [(&'static str, Type); 3] {
    [
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
    ]
}
