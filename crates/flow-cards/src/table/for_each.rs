//! `table.for_each`: runs a helper flow for every row a search selects, like `list.for_each`
//! over a list, but reading the rows a page at a time (by id), so a table of any size is gone
//! through without holding its rows in memory. Rows written while it runs may be seen.

use super::{Cond, blocking, check_conds, check_table, eval_conds, row_type, tables};
use crate::list::iterate::OnItemError;
use crate::util::CALL_TIMEOUT;
use flow_card::card::schema_of;
use flow_card::kinds::{ItemObject, Text};
use flow_card::{
    Card, CardDoc, CardFuture, CardSpec, Checker, Effect, Example, Expr, FlowRef, Outcome, StepCx,
};
use flow_model::Type;
use flow_model::tables::{Filter, Op, Search};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// Rows read per page.
const PAGE: u64 = 500;

/// The most failed rows listed in `errors` (`failed` counts them all).
const MAX_LISTED_ERRORS: usize = 100;

/// Inputs of `table.for_each`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The table, by name.
    table: Expr<Text>,
    /// Conditions that must all hold (none: every row).
    #[serde(rename = "where", default)]
    conditions: Vec<Cond>,
    /// The helper flow to run for each row.
    flow: FlowRef,
    /// The helper's inputs; `{{ item }}` is the row, `{{ index }}` its position.
    inputs: Option<Expr<ItemObject>>,
    /// `stop` (default) or `continue`.
    #[serde(default)]
    on_item_error: OnItemError,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "table.for_each",
    summary: "Run a helper flow for every row a search selects, a page at a time",
    effect: Effect::Calls,
    output: "{ succeeded, failed, errors: [{ index, id, message }] (the first 100) }",
    default_timeout: CALL_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation; the examples run as tests against a real table store
/// (`crates/flow-store/tests/it/table_examples.rs`).
pub static DOC: CardDoc = CardDoc {
    description: r#"Runs the helper flow `flow` once for every row `where:` selects (every row without it), in
`id` order, reading the rows a page at a time, so a table of any size goes through without
being held in memory. In `inputs`, `{{ item }}` is the row and `{{ index }}` its position.
With `on_item_error: stop` (the default) the first failed helper run fails the step; with
`continue` every row is run and the output counts and lists the failures (the first 100).
Rows written while it runs may be seen.

In the examples `people` (columns `email` text, the key; `name` text; `age` number) holds Ann (`id` 1, `ann@example.com`, 34) and Bob (`id` 2, `bob@example.com`, 27). The helper flow `greet` fails for an empty name."#,
    okta: &[],
    examples: &[
        Example::gives(
            "Greet everyone",
            r#"{ table: people, flow: greet, inputs: { name: "{{ item.name }}" } }"#,
            r#"{"succeeded": 2, "failed": 0, "errors": []}"#,
        ),
        Example::gives(
            "Failures counted",
            r#"{ table: people, where: [{ column: age, less_than: 30 }], flow: greet, inputs: { name: "" }, on_item_error: continue }"#,
            r#"{"succeeded": 0, "failed": 1, "errors": [{"index": 0, "id": 2, "message": "helper flow `greet` failed at step `check`: no name"}]}"#,
        ),
        Example::fails(
            "A failed helper run stops it",
            r#"{ table: people, flow: greet, inputs: { name: "" } }"#,
            r#"no name"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        let item = match check_table(cx, &self.table) {
            Some(def) => {
                check_conds(cx, &def, &self.conditions, self.table.id);
                row_type(&def)
            }
            None => Type::Any,
        };
        if let Some(inputs) = &self.inputs {
            cx.check_helper_inputs(self.flow, inputs.id, item);
        }
        Type::object([
            ("succeeded", Type::Number),
            ("failed", Type::Number),
            (
                "errors",
                Type::list(Type::object([
                    ("index", Type::Number),
                    ("id", Type::Number),
                    ("message", Type::Text),
                ])),
            ),
        ])
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let store = tables(cx)?;
            let table = cx.text(&self.table)?.into_owned();
            let filter = eval_conds(cx, &self.conditions)?;
            let (mut succeeded, mut failed, mut errors) = (0u64, 0u64, Vec::new());
            let mut after = 0i64;
            let mut index = 0usize;
            loop {
                let search = Search {
                    filter: Filter::And(vec![
                        filter.clone(),
                        Filter::Cmp {
                            column: "id".into(),
                            op: Op::GreaterThan,
                            value: Value::from(after),
                        },
                    ]),
                    sort: Vec::new(),
                    limit: Some(PAGE),
                    offset: 0,
                };
                let (s, t) = (store.clone(), table.clone());
                let page = blocking(move || s.search(&t, &search)).await?;
                let full = page.len() as u64 == PAGE;
                for row in page {
                    let id = row.get("id").and_then(Value::as_i64).unwrap_or(after);
                    after = id;
                    let item = Value::Object(row);
                    let inputs = match &self.inputs {
                        Some(e) => cx.item_value(e, &item, index),
                        None => Ok(Value::Object(Map::new())),
                    };
                    let result = match inputs {
                        Ok(inputs) => cx.call(self.flow, inputs, Some(index)).await.map(drop),
                        Err(e) => Err(e),
                    };
                    match result {
                        Ok(()) => succeeded += 1,
                        Err(e) if self.on_item_error == OnItemError::Stop => return Err(e),
                        Err(e) => {
                            failed += 1;
                            if errors.len() < MAX_LISTED_ERRORS {
                                errors.push(
                                    json!({ "index": index, "id": id, "message": e.message }),
                                );
                            }
                        }
                    }
                    index += 1;
                }
                if !full {
                    break;
                }
            }
            Ok(Outcome::value(
                json!({ "succeeded": succeeded, "failed": failed, "errors": errors }),
            ))
        })
    }
}
