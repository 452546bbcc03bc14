//! `table.read_row`: reads one row by `id`, or by the table's `key:` column (Okta's Read
//! Row). A row that does not exist is a `not_found` error, or `null` with `required: false`.

use super::{TABLE_TIMEOUT, blocking, check_table, row_id, row_type, tables};
use flow_card::card::schema_of;
use flow_card::kinds::{AnyValue, Number, Text};
use flow_card::{
    Card, CardDoc, CardError, CardFuture, CardSpec, Checker, Effect, ErrorKind, Example, Expr,
    Outcome, StepCx,
};
use flow_model::tables::{Filter, Op, Search};
use flow_model::{Code, Type};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

fn yes() -> bool {
    true
}

/// Inputs of `table.read_row`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The table, by name.
    table: Expr<Text>,
    /// The row's id.
    id: Option<Expr<Number>>,
    /// The value of the table's `key:` column (instead of `id`).
    key: Option<Expr<AnyValue>>,
    /// `false`: output `null` when no row matches, instead of failing with `not_found`.
    #[serde(default = "yes")]
    required: bool,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "table.read_row",
    summary: "Read one row of a table by id or key",
    effect: Effect::Reads,
    output: "the row: { id, _version, _created, _updated, …columns } (null when none matches and required: false)",
    default_timeout: TABLE_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation; the examples run as tests against a real table store
/// (`crates/flow-store/tests/it/table_examples.rs`).
pub static DOC: CardDoc = CardDoc {
    description: r#"Reads one row by `id`, or by the value of the table's `key:` column (`key:`; the table must
declare one). No such row is a `not_found` error; with `required: false` the output is
`null` instead. A row's `_created` and `_updated` are when it was written first and last
(UTC, Okta's Created and Updated; `null` in rows written before flowctl kept them).

In the examples `people` (columns `email` text, the key; `name` text; `age` number) holds Ann (`id` 1, `ann@example.com`, 34) and Bob (`id` 2, `bob@example.com`, 27), both written at 09:00 UTC on 2026-01-05; the examples run at 10:00."#,
    okta: &["Tables - Read Row"],
    examples: &[
        Example::gives(
            "By id",
            r#"{ table: people, id: 2 }"#,
            r#"{"id": 2, "_version": 1, "_created": "2026-01-05T09:00:00.000Z", "_updated": "2026-01-05T09:00:00.000Z", "email": "bob@example.com", "name": "Bob", "age": 27}"#,
        ),
        Example::gives(
            "By key",
            r#"{ table: people, key: ann@example.com }"#,
            r#"{"id": 1, "_version": 1, "_created": "2026-01-05T09:00:00.000Z", "_updated": "2026-01-05T09:00:00.000Z", "email": "ann@example.com", "name": "Ann", "age": 34}"#,
        ),
        Example::gives(
            "No such row, not required",
            r#"{ table: people, id: 9, required: false }"#,
            r#"null"#,
        ),
        Example::fails(
            "No such row",
            r#"{ table: people, id: 9 }"#,
            r#"table `people` has no row with id 9"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        let Some(def) = check_table(cx, &self.table) else {
            return Type::Any;
        };
        match (&self.id, &self.key) {
            (Some(id), None) => {
                cx.expr_type(id.id);
            }
            (None, Some(key)) => {
                cx.expr_type(key.id);
                if def.key.is_none() {
                    cx.report(
                        Some(key.id),
                        Code::InvalidValue,
                        format!("table `{}` declares no `key:` column to read by", def.name),
                        Some("read by `id`, or declare `key:` for the table".into()),
                    );
                }
            }
            _ => cx.report(
                Some(self.table.id),
                Code::InvalidValue,
                "give exactly one of `id` and `key`".into(),
                None,
            ),
        }
        row_type(&def)
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let store = tables(cx)?;
            let table = cx.text(&self.table)?.into_owned();
            let (row, asked) = match (&self.id, &self.key) {
                (Some(id), _) => {
                    let id = row_id(cx, id)?;
                    let t = table.clone();
                    (
                        blocking(move || store.read_row(&t, id)).await?,
                        format!("id {id}"),
                    )
                }
                (None, Some(key)) => {
                    let value = cx.value(key)?.into_owned();
                    let def = super::def_of(&*store, &table)?;
                    let column = def.key.clone().unwrap_or_default();
                    let asked = format!("{column} = {value}");
                    let search = Search {
                        filter: Filter::Cmp {
                            column,
                            op: Op::Equals,
                            value,
                        },
                        limit: Some(1),
                        ..Search::all()
                    };
                    let t = table.clone();
                    let rows = blocking(move || store.search(&t, &search)).await?;
                    (rows.into_iter().next(), asked)
                }
                (None, None) => return Err(CardError::input("give `id` or `key`")),
            };
            match (row, self.required) {
                (Some(row), _) => Ok(Outcome::value(Value::Object(row))),
                (None, false) => Ok(Outcome::value(Value::Null)),
                (None, true) => Err(CardError::new(
                    ErrorKind::NotFound,
                    format!("table `{table}` has no row with {asked}"),
                )),
            }
        })
    }
}
