//! `table.create_row`: adds a row to a table (Okta's Create Row). In a dry run nothing is
//! written and the output is the row as it would be (`id` null).

use super::{TABLE_TIMEOUT, blocking, check_table, check_values, eval_values, row_type, tables};
use flow_card::card::schema_of;
use flow_card::kinds::{AnyValue, Text};
use flow_card::{
    Card, CardDoc, CardFuture, CardSpec, Checker, Effect, Example, Expr, Outcome, StepCx,
};
use flow_model::Type;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `table.create_row`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The table, by name.
    table: Expr<Text>,
    /// The row: a value per column (columns left out are null).
    values: IndexMap<String, Expr<AnyValue>>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "table.create_row",
    summary: "Add a row to a table",
    effect: Effect::Writes,
    output: "the row: { id, _version, _created, _updated, …columns }",
    default_timeout: TABLE_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation; the examples run as tests against a real table store
/// (`crates/flow-store/tests/it/table_examples.rs`).
pub static DOC: CardDoc = CardDoc {
    description: r#"Adds a row: each value goes into the column it names, columns left out are null. The output
is the row as stored, with its new `id`, `_version` 1, and `_created` and `_updated` the time of
the write (UTC, milliseconds: `2026-01-05T10:00:00.000Z`). A column the table does not have,
or a value of the wrong type, is an error when the flow loads (when the type is known then)
or when the step runs; a key (`key:`) already held by another row is an `input` error.

In the examples `people` (columns `email` text, the key; `name` text; `age` number) holds Ann (`id` 1, `ann@example.com`, 34) and Bob (`id` 2, `bob@example.com`, 27), both written at 09:00 UTC on 2026-01-05; the examples run at 10:00."#,
    okta: &["Tables - Create Row"],
    examples: &[
        Example::gives(
            "Add a person",
            r#"{ table: people, values: { email: cy@example.com, name: Cy, age: 41 } }"#,
            r#"{"id": 3, "_version": 1, "_created": "2026-01-05T10:00:00.000Z", "_updated": "2026-01-05T10:00:00.000Z", "email": "cy@example.com", "name": "Cy", "age": 41}"#,
        ),
        Example::rejected(
            "A column the table does not have",
            r#"{ table: people, values: { email: cy@example.com, phone: "555" } }"#,
            r#"E0205"#,
        ),
        Example::rejected(
            "Text for a number column",
            r#"{ table: people, values: { email: cy@example.com, age: forty } }"#,
            r#"E0206"#,
        ),
        Example::fails(
            "A key another row holds",
            r#"{ table: people, values: { email: ann@example.com, name: Annie } }"#,
            r#"already has a row with email = "ann@example.com""#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        let Some(def) = check_table(cx, &self.table) else {
            return Type::Any;
        };
        check_values(cx, &def, &self.values);
        row_type(&def)
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let table = cx.text(&self.table)?.into_owned();
            let values = eval_values(cx, &self.values)?;
            if cx.dry_run() {
                let row = super::rehearsed_row(cx.tables().as_deref(), &table, values, None)?;
                return Ok(Outcome::value(row));
            }
            let store = tables(cx)?;
            let row = blocking(move || store.create_row(&table, &values)).await?;
            Ok(Outcome::value(Value::Object(row)))
        })
    }
}
