//! `table.delete_row`: deletes one row by id, or every row matching `where` (Okta's Delete
//! Row). Rehearsed in a dry run: nothing is deleted, the output counts what would be.

use super::{Cond, TABLE_TIMEOUT, blocking, check_conds, check_table, eval_conds, row_id, tables};
use flow_card::card::schema_of;
use flow_card::kinds::{Number, Text};
use flow_card::{
    Card, CardDoc, CardFuture, CardSpec, Checker, Effect, Example, Expr, Outcome, StepCx,
};
use flow_model::tables::{Filter, Op};
use flow_model::{Code, Type};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

/// Inputs of `table.delete_row`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The table, by name.
    table: Expr<Text>,
    /// The row's id.
    id: Option<Expr<Number>>,
    /// Instead of `id`: delete every row these conditions select (all must hold).
    #[serde(rename = "where")]
    conditions: Option<Vec<Cond>>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "table.delete_row",
    summary: "Delete a row of a table by id, or the rows a condition selects",
    effect: Effect::Writes,
    output: "{ deleted: number }",
    default_timeout: TABLE_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation; the examples run as tests against a real table store
/// (`crates/flow-store/tests/it/table_examples.rs`).
pub static DOC: CardDoc = CardDoc {
    description: r#"Deletes the row with `id`, or, with `where:` instead, every row the conditions select (see
`table.search_rows`). The output counts the rows deleted: 0 when there was none. In a dry run
nothing is deleted and the output counts what would be.

In the examples `people` (columns `email` text, the key; `name` text; `age` number) holds Ann (`id` 1, `ann@example.com`, 34) and Bob (`id` 2, `bob@example.com`, 27)."#,
    okta: &["Tables - Delete Row"],
    examples: &[
        Example::gives("By id", r#"{ table: people, id: 2 }"#, r#"{"deleted": 1}"#),
        Example::gives(
            "Every row a condition selects",
            r#"{ table: people, where: [{ column: age, greater_than: 30 }] }"#,
            r#"{"deleted": 1}"#,
        ),
        Example::gives(
            "No such row",
            r#"{ table: people, id: 9 }"#,
            r#"{"deleted": 0}"#,
        ),
        Example::rejected(
            "A column the table does not have",
            r#"{ table: people, where: [{ column: phone, equals: "555" }] }"#,
            r#"E0205"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        if let Some(def) = check_table(cx, &self.table) {
            match (&self.id, &self.conditions) {
                (Some(id), None) => {
                    cx.expr_type(id.id);
                }
                (None, Some(conds)) => check_conds(cx, &def, conds, self.table.id),
                _ => cx.report(
                    Some(self.table.id),
                    Code::InvalidValue,
                    "give exactly one of `id` and `where`".into(),
                    None,
                ),
            }
        }
        Type::object([("deleted", Type::Number)])
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let table = cx.text(&self.table)?.into_owned();
            let filter = match (&self.id, &self.conditions) {
                (Some(id), _) => Filter::Cmp {
                    column: "id".into(),
                    op: Op::Equals,
                    value: Value::from(row_id(cx, id)?),
                },
                (None, Some(conds)) => eval_conds(cx, conds)?,
                (None, None) => Filter::Or(Vec::new()),
            };
            let deleted = match (cx.dry_run(), cx.tables()) {
                // Rehearsed: what would be deleted is counted (nothing, without tables).
                (true, None) => 0,
                (true, Some(store)) => blocking(move || store.count(&table, &filter)).await?,
                (false, _) => {
                    let store = tables(cx)?;
                    blocking(move || store.delete_rows(&table, &filter)).await?
                }
            };
            Ok(Outcome::value(json!({ "deleted": deleted })))
        })
    }
}
