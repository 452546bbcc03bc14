//! `table.count`: how many rows a table holds, or how many match `where` (Okta's Count
//! Rows / Search Rows' count).

use super::{Cond, TABLE_TIMEOUT, blocking, check_conds, check_table, eval_conds, tables};
use flow_card::card::schema_of;
use flow_card::kinds::Text;
use flow_card::{
    Card, CardDoc, CardFuture, CardSpec, Checker, Effect, Example, Expr, Outcome, StepCx,
};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `table.count`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The table, by name.
    table: Expr<Text>,
    /// Count only the rows these conditions select (all must hold).
    #[serde(rename = "where", default)]
    conditions: Vec<Cond>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "table.count",
    summary: "Count the rows of a table (or those a condition selects)",
    effect: Effect::Reads,
    output: "a number",
    default_timeout: TABLE_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation; the examples run as tests against a real table store
/// (`crates/flow-store/tests/it/table_examples.rs`).
pub static DOC: CardDoc = CardDoc {
    description: r#"How many rows the table holds, or how many the conditions of `where:` select (see
`table.search_rows`), counted by the store without reading the rows.

In the examples `people` (columns `email` text, the key; `name` text; `age` number) holds Ann (`id` 1, `ann@example.com`, 34) and Bob (`id` 2, `bob@example.com`, 27)."#,
    okta: &[],
    examples: &[
        Example::gives("Every row", r#"{ table: people }"#, r#"2"#),
        Example::gives(
            "Those under 30",
            r#"{ table: people, where: [{ column: age, less_than: 30 }] }"#,
            r#"1"#,
        ),
        Example::rejected("A table not declared", r#"{ table: staff }"#, r#"E0006"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        if let Some(def) = check_table(cx, &self.table) {
            check_conds(cx, &def, &self.conditions, self.table.id);
        }
        Type::Number
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let store = tables(cx)?;
            let table = cx.text(&self.table)?.into_owned();
            let filter = eval_conds(cx, &self.conditions)?;
            let n = blocking(move || store.count(&table, &filter)).await?;
            Ok(Outcome::value(Value::from(n)))
        })
    }
}
