//! `table.update_row`: sets columns of one row (Okta's Update Row); the other columns stay.
//! With `version` (the `_version` read earlier) the update happens only if nobody changed the
//! row since: otherwise an `invalid_state` error, so a read-modify-write loses no update.

use super::{
    TABLE_TIMEOUT, blocking, check_table, check_values, eval_values, row_id, row_type, tables,
};
use flow_card::card::schema_of;
use flow_card::kinds::{AnyValue, Number, Text};
use flow_card::{
    Card, CardDoc, CardError, CardFuture, CardSpec, Checker, Effect, ErrorKind, Example, Expr,
    Outcome, StepCx,
};
use flow_model::Type;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `table.update_row`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The table, by name.
    table: Expr<Text>,
    /// The row's id.
    id: Expr<Number>,
    /// The columns to set.
    values: IndexMap<String, Expr<AnyValue>>,
    /// Update only if the row is still at this `_version`.
    version: Option<Expr<Number>>,
    /// Leave a column as it is when its value is empty (`null` or `""`), rather than empty it
    /// (Okta's "Update Empty Inputs" set to No). Default `false`: every value given is written.
    #[serde(default)]
    skip_empty: bool,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "table.update_row",
    summary: "Set columns of one row of a table",
    effect: Effect::Writes,
    output: "the row as updated: { id, _version, _created, _updated, …columns }",
    default_timeout: TABLE_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation; the examples run as tests against a real table store
/// (`crates/flow-store/tests/it/table_examples.rs`).
pub static DOC: CardDoc = CardDoc {
    description: r#"Sets the columns given of row `id`; the others keep their values, `_version` goes up by
one and `_updated` is the time of the update. With `version` (the `_version` the flow read), the row is updated only if it is still at
that version; otherwise the step fails with `invalid_state` and the flow reads the row again,
so two runs changing one row lose neither change. No such row is a `not_found` error.
With `skip_empty: true` a value that is `null` or `""` leaves its column as it is (Okta's
"Update Empty Inputs: No"); by default it empties the column ("Yes").

In the examples `people` (columns `email` text, the key; `name` text; `age` number) holds Ann (`id` 1, `ann@example.com`, 34) and Bob (`id` 2, `bob@example.com`, 27), both written at 09:00 UTC on 2026-01-05; the examples run at 10:00."#,
    okta: &["Tables - Update Row"],
    examples: &[
        Example::gives(
            "A birthday",
            r#"{ table: people, id: 1, values: { age: 35 } }"#,
            r#"{"id": 1, "_version": 2, "_created": "2026-01-05T09:00:00.000Z", "_updated": "2026-01-05T10:00:00.000Z", "email": "ann@example.com", "name": "Ann", "age": 35}"#,
        ),
        Example::gives(
            "Empty values left out",
            r#"{ table: people, id: 1, values: { name: "", age: 35 }, skip_empty: true }"#,
            r#"{"id": 1, "_version": 2, "_created": "2026-01-05T09:00:00.000Z", "_updated": "2026-01-05T10:00:00.000Z", "email": "ann@example.com", "name": "Ann", "age": 35}"#,
        ),
        Example::gives(
            "Empty values written",
            r#"{ table: people, id: 2, values: { name: "" } }"#,
            r#"{"id": 2, "_version": 2, "_created": "2026-01-05T09:00:00.000Z", "_updated": "2026-01-05T10:00:00.000Z", "email": "bob@example.com", "name": "", "age": 27}"#,
        ),
        Example::fails(
            "Changed since it was read",
            r#"{ table: people, id: 1, values: { age: 35 }, version: 7 }"#,
            r#"changed since it was read (version 1, expected 7)"#,
        ),
        Example::fails(
            "No such row",
            r#"{ table: people, id: 9, values: { age: 35 } }"#,
            r#"table `people` has no row with id 9"#,
        ),
        Example::rejected(
            "Text for a number column",
            r#"{ table: people, id: 1, values: { age: thirty } }"#,
            r#"E0206"#,
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
            let id = row_id(cx, &self.id)?;
            let mut values = eval_values(cx, &self.values)?;
            if self.skip_empty {
                values.retain(|_, v| !matches!(v, Value::Null) && v.as_str() != Some(""));
            }
            let version = match &self.version {
                Some(v) => Some(row_id(cx, v)?),
                None => None,
            };
            let t = table.clone();
            let row = if cx.dry_run() {
                // Rehearsed: the row as it would become, nothing written.
                match cx.tables() {
                    Some(store) => {
                        let s = store.clone();
                        match blocking(move || s.read_row(&t, id)).await? {
                            Some(row) => Some(super::rehearsed_row(
                                Some(&*store),
                                &table,
                                values,
                                Some(row),
                            )?),
                            None => None,
                        }
                    }
                    None => {
                        let mut base = serde_json::Map::new();
                        base.insert("id".into(), Value::from(id));
                        Some(super::rehearsed_row(None, &table, values, Some(base))?)
                    }
                }
            } else {
                let store = tables(cx)?;
                blocking(move || store.update_row(&t, id, &values, version))
                    .await?
                    .map(Value::Object)
            };
            match row {
                Some(row) => Ok(Outcome::value(row)),
                None => Err(CardError::new(
                    ErrorKind::NotFound,
                    format!("table `{table}` has no row with id {id}"),
                )),
            }
        })
    }
}
