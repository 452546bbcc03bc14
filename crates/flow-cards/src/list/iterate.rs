//! What `list.for_each`, `list.map` and a connector action's `stream:` share: their checks,
//! and running a helper flow per item with bounded concurrency and stop-or-continue error
//! handling ([`PerItem`]).

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
        validate_concurrency(cx, self.concurrency);
    }

    /// The helper run per item this config describes.
    pub fn per_item(&self) -> PerItem<'_> {
        PerItem {
            flow: self.flow,
            inputs: self.inputs.as_ref(),
            concurrency: self.concurrency,
            on_item_error: self.on_item_error,
        }
    }

    /// Checks the list, the helper and its inputs; returns the helper's signature.
    pub fn check(&self, cx: &mut dyn Checker) -> Option<HelperSig> {
        let item = super::item_type(cx, self.list.id);
        self.per_item().check(cx, item)
    }

    /// Runs the helper for every item, at most `concurrency` at once, in any order; the results
    /// come back in item order.
    pub async fn run_items(&self, cx: &StepCx<'_>) -> Result<Vec<ItemResult>, CardError> {
        let list = cx.list(&self.list)?;
        let items = list.as_array().map(Vec::as_slice).unwrap_or(&[]);
        cx.expect_calls(items.len());
        let per_item = self.per_item();
        let results = per_item.run_slice(cx, items, 0).await;
        if let Some(e) = per_item.stop_error(&results, items, 0) {
            return Err(e);
        }
        Ok(results)
    }
}

/// Reports a `concurrency` out of range (1 to [`MAX_CONCURRENCY`]); called at build time.
pub fn validate_concurrency(cx: &mut flow_card::BuildCx<'_>, concurrency: u32) {
    if concurrency == 0 || concurrency > MAX_CONCURRENCY {
        cx.report(
            Code::InvalidValue,
            None,
            format!("`concurrency` must be between 1 and {MAX_CONCURRENCY}, found {concurrency}"),
        );
    }
}

/// A helper flow run once per item: the helper, its inputs (where `{{ item }}` and
/// `{{ index }}` are the item and its position), how many run at once, and what a failure does.
#[derive(Debug, Clone, Copy)]
pub struct PerItem<'c> {
    /// The helper flow.
    pub flow: FlowRef,
    /// Its inputs, evaluated per item.
    pub inputs: Option<&'c Expr<ItemObject>>,
    /// How many items run at once (clamped to 1..=[`MAX_CONCURRENCY`]).
    pub concurrency: u32,
    /// `stop` or `continue`.
    pub on_item_error: OnItemError,
}

impl PerItem<'_> {
    /// Checks the helper and its inputs for items of type `item` (`E0102`, `E0104`, `E0105`,
    /// `E0106`, `E0206`); returns the helper's signature.
    pub fn check(&self, cx: &mut dyn Checker, item: Type) -> Option<HelperSig> {
        match self.inputs {
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
        i: usize,
        item: &Value,
    ) -> (usize, ItemResult) {
        if stop.load(Ordering::Relaxed) {
            return (i, ItemResult::NotRun);
        }
        let inputs = match self.inputs {
            Some(e) => match cx.item_value(e, item, i) {
                Ok(v) => v,
                Err(e) => return (i, ItemResult::Failed(e)),
            },
            None => Value::Object(Map::new()),
        };
        match cx.call(self.flow, inputs, Some(i)).await {
            Ok(v) => (i, ItemResult::Done(v)),
            Err(e) => {
                if self.on_item_error == OnItemError::Stop {
                    stop.store(true, Ordering::Relaxed);
                }
                (i, ItemResult::Failed(e))
            }
        }
    }

    /// Runs the helper for every item of `items`, whose positions start at `first` (the
    /// `{{ index }}` of the first, and the key its helper run is recorded and resumed under),
    /// at most `concurrency` at once, in any order; the results come back in item order. With
    /// `stop`, no item starts after a failure ([`ItemResult::NotRun`]).
    pub async fn run_slice(
        &self,
        cx: &StepCx<'_>,
        items: &[Value],
        first: usize,
    ) -> Vec<ItemResult> {
        let stop = AtomicBool::new(false);
        let stop = &stop;
        // Iterating indexes, not `&Value`s: a closure taking a reference trips rustc's
        // higher-ranked `Send` inference for the stream (rust-lang/rust#102211).
        let futures = (0..items.len()).map(|i| self.one_item(cx, stop, first + i, &items[i]));
        let mut results: Vec<(usize, ItemResult)> = futures_util::stream::iter(futures)
            .buffer_unordered(self.concurrency.clamp(1, MAX_CONCURRENCY) as usize)
            .collect()
            .await;
        results.sort_by_key(|(i, _)| *i);
        results.into_iter().map(|(_, r)| r).collect()
    }

    /// With `stop`, the step's error for the first failure among `results` (of `items`, whose
    /// positions start at `first`): `helper_failed`, naming the item and counting those not run.
    pub fn stop_error(
        &self,
        results: &[ItemResult],
        items: &[Value],
        first: usize,
    ) -> Option<CardError> {
        if self.on_item_error != OnItemError::Stop {
            return None;
        }
        let (i, e) = results.iter().enumerate().find_map(|(i, r)| match r {
            ItemResult::Failed(e) => Some((i, e)),
            _ => None,
        })?;
        let not_run = results
            .iter()
            .filter(|r| matches!(r, ItemResult::NotRun))
            .count();
        let item = items.get(i).map(short).unwrap_or_default();
        let mut msg = format!("item {} ({item}) failed: {}", first + i, e.message);
        if not_run > 0 {
            msg.push_str(&format!(
                "; {not_run} later items were not run (on_item_error: stop)"
            ));
        }
        Some(CardError {
            message: msg,
            ..CardError::new(ErrorKind::Helper, "")
        })
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
/// `list.map` with `on_item_error: continue`, and by a connector action's `stream:`.
#[derive(Debug, Default)]
pub struct Tally {
    succeeded: usize,
    failed: usize,
    errors: Vec<Value>,
}

impl Tally {
    /// An empty tally.
    pub fn new() -> Self {
        Tally {
            succeeded: 0,
            failed: 0,
            errors: Vec::new(),
        }
    }

    /// Counts `results` of `items`; lists the first [`MAX_LISTED_ERRORS`] failures.
    pub fn of(results: &[ItemResult], items: &[Value]) -> Self {
        let mut t = Tally::new();
        t.add(results, items, 0);
        t
    }

    /// Counts more `results`, of `items` whose positions start at `first`.
    pub fn add(&mut self, results: &[ItemResult], items: &[Value], first: usize) {
        for (i, r) in results.iter().enumerate() {
            match r {
                ItemResult::Done(_) => self.succeeded += 1,
                ItemResult::Failed(_) if self.errors.len() >= MAX_LISTED_ERRORS => self.failed += 1,
                ItemResult::Failed(e) => {
                    self.failed += 1;
                    self.errors.push(serde_json::json!({
                        "index": first + i,
                        "item": items.get(i).map_or(Value::Null, |v| Value::String(short(v))),
                        "message": e.message,
                    }));
                }
                ItemResult::NotRun => {}
            }
        }
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
