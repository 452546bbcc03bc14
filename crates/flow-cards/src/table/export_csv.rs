//! `table.export_csv`: the rows a search selects as CSV text, `id` first, then the columns
//! (Okta's Export CSV). The text is a value like any other, so `limits.max_value` bounds it;
//! `flowctl table export` streams a table of any size.

use super::{Cond, TABLE_TIMEOUT, blocking, check_conds, check_table, def_of, eval_conds, tables};
use flow_card::card::schema_of;
use flow_card::kinds::Text;
use flow_card::{
    Card, CardDoc, CardError, CardFuture, CardSpec, Checker, Effect, ErrorKind, Example, Expr,
    Outcome, StepCx,
};
use flow_model::Type;
use flow_model::tables::csv;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use std::ops::ControlFlow;

/// The most bytes of CSV one step makes.
const MAX_CSV: usize = 16 << 20;

/// Inputs of `table.export_csv`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The table, by name.
    table: Expr<Text>,
    /// Conditions that must all hold (none: every row).
    #[serde(rename = "where", default)]
    conditions: Vec<Cond>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "table.export_csv",
    summary: "The rows of a table (or those a condition selects) as CSV text",
    effect: Effect::Reads,
    output: "{ csv: text, count: number }",
    default_timeout: TABLE_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation; the examples run as tests against a real table store
/// (`crates/flow-store/tests/it/table_examples.rs`).
pub static DOC: CardDoc = CardDoc {
    description: r#"The rows `where:` selects (every row without it) as CSV text (RFC 4180): a header, `id`
first then the columns as declared, and a line per row in `id` order; `count` is the number
of rows. The text is a value like any other (bounded by `limits.max_value`);
`flowctl table export` writes a table of any size to a file.

In the examples `people` (columns `email` text, the key; `name` text; `age` number) holds Ann (`id` 1, `ann@example.com`, 34) and Bob (`id` 2, `bob@example.com`, 27)."#,
    okta: &["Tables - Export CSV"],
    examples: &[
        Example::gives(
            "Every row",
            r#"{ table: people }"#,
            r#"{"csv": "id,email,name,age\r\n1,ann@example.com,Ann,34\r\n2,bob@example.com,Bob,27\r\n", "count": 2}"#,
        ),
        Example::gives(
            "Names starting with B",
            r#"{ table: people, where: [{ column: name, starts_with: B }] }"#,
            r#"{"csv": "id,email,name,age\r\n2,bob@example.com,Bob,27\r\n", "count": 1}"#,
        ),
        Example::rejected(
            "A column the table does not have",
            r#"{ table: people, where: [{ column: phone, is_empty: true }] }"#,
            r#"E0205"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        if let Some(def) = check_table(cx, &self.table) {
            check_conds(cx, &def, &self.conditions, self.table.id);
        }
        Type::object([("csv", Type::Text), ("count", Type::Number)])
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let store = tables(cx)?;
            let table = cx.text(&self.table)?.into_owned();
            let filter = eval_conds(cx, &self.conditions)?;
            let def = def_of(&*store, &table)?;
            let name = table.clone();
            let (text, count, full) = blocking(move || {
                let mut text = csv::header(&def);
                let mut full = false;
                let count = store.stream(&table, &filter, &mut |row| {
                    text.push_str(&csv::record(&def, &row));
                    if text.len() > MAX_CSV {
                        full = true;
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                })?;
                Ok((text, count, full))
            })
            .await?;
            if full {
                return Err(CardError::new(
                    ErrorKind::Limit,
                    format!(
                        "the CSV of table `{name}` passes {} MiB: select fewer rows with `where`, \
                         or use `flowctl table export`",
                        MAX_CSV >> 20
                    ),
                ));
            }
            Ok(Outcome::value(json!({ "csv": text, "count": count })))
        })
    }
}
