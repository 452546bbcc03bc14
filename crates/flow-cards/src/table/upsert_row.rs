//! `table.upsert_row`: updates the row whose `key:` column holds the given key, or creates it
//! (one statement, so two runs upserting the same key make one row).

use super::{TABLE_TIMEOUT, blocking, check_table, check_values, eval_values, row_type, tables};
use flow_card::card::schema_of;
use flow_card::kinds::{AnyValue, Text};
use flow_card::{
    Card, CardDoc, CardFuture, CardSpec, Checker, Effect, Example, Expr, Outcome, StepCx,
};
use flow_model::tables::{Filter, Op, Search, TableError};
use flow_model::{Code, Type};
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `table.upsert_row`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The table, by name (it must declare `key:`).
    table: Expr<Text>,
    /// The columns to set, the key column included.
    values: IndexMap<String, Expr<AnyValue>>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "table.upsert_row",
    summary: "Update the row with this key, or create it",
    effect: Effect::Writes,
    output: "the row as stored: { id, _version, _created, _updated, …columns }",
    default_timeout: TABLE_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation; the examples run as tests against a real table store
/// (`crates/flow-store/tests/it/table_examples.rs`).
pub static DOC: CardDoc = CardDoc {
    description: r#"Updates the row whose `key:` column holds the key given in `values`, or creates it when
there is none, in one statement: two runs upserting one key make one row. Only the columns
given are set on an existing row; `_version` goes up by one and `_updated` is the time of the
write (a new row's `_created` too). The table must declare `key:`,
and `values` must hold the key.

In the examples `people` (columns `email` text, the key; `name` text; `age` number) holds Ann (`id` 1, `ann@example.com`, 34) and Bob (`id` 2, `bob@example.com`, 27), both written at 09:00 UTC on 2026-01-05; the examples run at 10:00."#,
    okta: &[],
    examples: &[
        Example::gives(
            "An existing key: updated",
            r#"{ table: people, values: { email: bob@example.com, age: 28 } }"#,
            r#"{"id": 2, "_version": 2, "_created": "2026-01-05T09:00:00.000Z", "_updated": "2026-01-05T10:00:00.000Z", "email": "bob@example.com", "name": "Bob", "age": 28}"#,
        ),
        Example::gives(
            "A new key: created",
            r#"{ table: people, values: { email: cy@example.com, name: Cy } }"#,
            r#"{"id": 3, "_version": 1, "_created": "2026-01-05T10:00:00.000Z", "_updated": "2026-01-05T10:00:00.000Z", "email": "cy@example.com", "name": "Cy", "age": null}"#,
        ),
        Example::rejected(
            "Without the key",
            r#"{ table: people, values: { name: Dee } }"#,
            r#"E0006"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        let Some(def) = check_table(cx, &self.table) else {
            return Type::Any;
        };
        check_values(cx, &def, &self.values);
        match &def.key {
            None => cx.report(
                Some(self.table.id),
                Code::InvalidValue,
                format!(
                    "table `{}` declares no `key:` column to upsert by",
                    def.name
                ),
                Some("declare `key:` for the table, or use table.create_row".into()),
            ),
            Some(key) if !self.values.contains_key(key) => cx.report(
                Some(self.table.id),
                Code::InvalidValue,
                format!("`values` must set the key column `{key}`"),
                None,
            ),
            Some(_) => {}
        }
        row_type(&def)
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let table = cx.text(&self.table)?.into_owned();
            let values = eval_values(cx, &self.values)?;
            if cx.dry_run() {
                let Some(store) = cx.tables() else {
                    return Ok(Outcome::value(super::rehearsed_row(
                        None, &table, values, None,
                    )?));
                };
                let def = super::def_of(&*store, &table)?;
                let key = def
                    .key
                    .clone()
                    .ok_or_else(|| super::table_error(&TableError::NoKey(table.clone())))?;
                let search = Search {
                    filter: Filter::Cmp {
                        column: key.clone(),
                        op: Op::Equals,
                        value: values.get(&key).cloned().unwrap_or(Value::Null),
                    },
                    limit: Some(1),
                    ..Search::all()
                };
                let (s, t) = (store.clone(), table.clone());
                let found = blocking(move || s.search(&t, &search)).await?;
                let row =
                    super::rehearsed_row(Some(&*store), &table, values, found.into_iter().next())?;
                return Ok(Outcome::value(row));
            }
            let store = tables(cx)?;
            let row = blocking(move || store.upsert_row(&table, &values)).await?;
            Ok(Outcome::value(Value::Object(row)))
        })
    }
}
