//! `stream:` on a paged connector action (Okta Workflows' "Stream matching records"): the
//! records are handed to a helper flow page by page as they arrive, never all held at once.
//! The helper runs are those of `list.for_each` ([`PerItem`]): the same checks, concurrency,
//! stop-or-continue, records under the step and reuse after a restart, keyed by the record's
//! position. `docs/connector-format.md#streaming-records-to-a-helper-flow` is the reference.

use super::paging::Pager;
use crate::list::iterate::{OnItemError, PerItem, Tally, tally_type};
use crate::util::{CALL_TIMEOUT, CONNECTOR_TIMEOUT};
use flow_card::kinds::ItemObject;
use flow_card::{BuildCx, CardError, Checker, ErrorKind, Expr, FlowRef, StepCx};
use flow_model::de::from_node;
use flow_model::{Node, Type};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// The reserved key of a paged action's `with:`.
pub const KEY: &str = "stream";

/// What the helper is given each time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    /// One record: `{{ item }}` is the record, `{{ index }}` its position in the whole list.
    #[default]
    Record,
    /// One page: `{{ item }}` is the page's list of records, `{{ index }}` the page's number.
    Page,
}

fn one() -> u32 {
    1
}

/// `stream:` of a paged action's step.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamConfig {
    /// The helper flow run for each record (or page).
    pub flow: FlowRef,
    /// The helper's inputs; `{{ item }}` and `{{ index }}` are the record (or page) and its
    /// position.
    #[serde(default)]
    pub inputs: Option<Expr<ItemObject>>,
    /// `record` (default) or `page`.
    #[serde(default)]
    pub per: Per,
    /// How many helper runs of one page run at once (default 1, at most 100).
    #[serde(default = "one")]
    pub concurrency: u32,
    /// `stop` (default) or `continue`.
    #[serde(default)]
    pub on_item_error: OnItemError,
}

/// The timeout and attempts of a streamed step that does not set them: `list.for_each`'s
/// (an hour, one attempt: a retry would run the helpers of the pages already read again).
pub const STEP_DEFAULTS: (Duration, u32) = (CALL_TIMEOUT, 1);

impl StreamConfig {
    /// Decodes `stream:` (written at `node`), reporting what is wrong.
    pub fn decode(cx: &mut BuildCx<'_>, node: &Node) -> Option<Self> {
        match from_node::<StreamConfig>(node, &*cx, KEY) {
            Ok(c) => {
                crate::list::iterate::validate_concurrency(cx, c.concurrency);
                Some(c)
            }
            Err(e) => {
                let mut d = e.into_diagnostic();
                d.message = format!("step `{}` (`stream:`): {}", cx.step_id(), d.message);
                cx.push_diagnostic(d);
                None
            }
        }
    }

    fn per_item(&self) -> PerItem<'_> {
        PerItem {
            flow: self.flow,
            inputs: self.inputs.as_ref(),
            concurrency: self.concurrency,
            on_item_error: self.on_item_error,
        }
    }

    /// Checks the helper and its inputs, `item` being a record of type `record` (or a list of
    /// them with `per: page`); returns the step's output type.
    pub fn check(&self, cx: &mut dyn Checker, record: Type) -> Type {
        let item = match self.per {
            Per::Record => record,
            Per::Page => Type::list(record),
        };
        self.per_item().check(cx, item);
        output_type()
    }

    /// Hands every page of `pager` to the helper and tallies the runs. Each page is read
    /// within the action's own timeout (at most the step's); a failure after helper runs
    /// fails the step without a retry.
    pub async fn run(&self, cx: &StepCx<'_>, mut pager: Pager<'_, '_>) -> Result<Value, CardError> {
        let per_item = self.per_item();
        let mut tally = Tally::new();
        let mut pages = 0usize;
        let page_timeout = cx.timeout.min(CONNECTOR_TIMEOUT);
        loop {
            let page = match tokio::time::timeout(page_timeout, pager.next_page()).await {
                Ok(Ok(Some(page))) => page,
                Ok(Ok(None)) => break,
                Ok(Err(e)) => return Err(after_runs(e, pages)),
                Err(_) => {
                    let e = CardError::new(
                        ErrorKind::Timeout,
                        format!(
                            "page {} was not read within {} s",
                            pages + 1,
                            page_timeout.as_secs()
                        ),
                    );
                    return Err(after_runs(e, pages));
                }
            };
            let first = pager.seen().saturating_sub(page.len());
            let (results, items, at) = match self.per {
                Per::Record => {
                    // The total is not known before the last page: the engine is told page by
                    // page (its records are sized for what is known).
                    cx.expect_calls(page.len());
                    let results = per_item.run_slice(cx, &page, first).await;
                    (results, page, first)
                }
                Per::Page => {
                    cx.expect_calls(1);
                    let items = vec![Value::Array(page)];
                    let results = per_item.run_slice(cx, &items, pages).await;
                    (results, items, pages)
                }
            };
            pages += 1;
            tally.add(&results, &items, at);
            if let Some(mut e) = per_item.stop_error(&results, &items, at) {
                e.message.push_str("; later pages were not read");
                return Err(e);
            }
        }
        let mut out: Map<String, Value> = tally.fields();
        out.insert("records".into(), json!(pager.seen()));
        Ok(Value::Object(out))
    }
}

/// A page's error once helpers ran: not retried (the step's retry would run them again).
fn after_runs(mut e: CardError, pages: usize) -> CardError {
    if pages > 0 && e.kind.is_retryable() {
        e.message = format!("{} (after {pages} pages were streamed)", e.message);
        e.kind = ErrorKind::Remote;
    }
    e
}

/// The output type of a streamed step: `{ succeeded, failed, errors, records }`.
pub fn output_type() -> Type {
    Type::object(tally_type().into_iter().chain([("records", Type::Number)]))
}

/// The JSON Schema of `stream:`, for the action's `with:` schema (written out: the `with:`
/// schema of an action is one self-contained object, without `$defs`).
pub fn schema() -> Value {
    json!({
        "type": "object",
        "description": "hand the records to a helper flow page by page (Stream matching records); the output becomes { succeeded, failed, errors, records }",
        "additionalProperties": false,
        "required": ["flow"],
        "properties": {
            "flow": { "type": "string", "description": "the helper flow run for each record (or page)" },
            "inputs": { "type": "object", "description": "the helper's inputs; {{ item }} and {{ index }} are the record (or page) and its position" },
            "per": { "enum": ["record", "page"], "description": "record (default) or page" },
            "concurrency": { "type": "integer", "minimum": 1, "maximum": 100, "description": "helper runs of one page at once (default 1)" },
            "on_item_error": { "enum": ["stop", "continue"], "description": "stop (default) or continue" }
        }
    })
}
