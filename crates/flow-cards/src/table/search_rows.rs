//! `table.search_rows`: the rows matching conditions, sorted, a page at a time (Okta's Search
//! Rows). Conditions: `equals`, `not_equals`, `contains`, `starts_with`, `greater_than`,
//! `less_than`, `is_empty`, `is_not_empty`, grouped with `any:` / `all:`; a list of conditions
//! must all hold.

use super::{
    Cond, MAX_ROWS, TABLE_TIMEOUT, blocking, check_conds, check_table, eval_conds, row_type, tables,
};
use flow_card::card::schema_of;
use flow_card::kinds::{Number, Text};
use flow_card::{
    Card, CardDoc, CardError, CardFuture, CardSpec, Checker, Effect, Example, Expr, Outcome, StepCx,
};
use flow_model::tables::{Search, Sort};
use flow_model::{Code, Type};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

/// Inputs of `table.search_rows`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The table, by name.
    table: Expr<Text>,
    /// Conditions that must all hold (none: every row).
    #[serde(rename = "where", default)]
    conditions: Vec<Cond>,
    /// The column to sort by (then by id); by id when left out.
    sort_by: Option<Expr<Text>>,
    /// Largest first.
    #[serde(default)]
    descending: bool,
    /// At most this many rows (default and most: 10000).
    limit: Option<Expr<Number>>,
    /// Skip this many first (the next page: offset + limit).
    offset: Option<Expr<Number>>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "table.search_rows",
    summary: "Search the rows of a table: conditions, sort, limit and paging",
    effect: Effect::Reads,
    output: "{ rows: [ { id, _version, _created, _updated, …columns } ], count: number }",
    default_timeout: TABLE_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation; the examples run as tests against a real table store
/// (`crates/flow-store/tests/it/table_examples.rs`).
pub static DOC: CardDoc = CardDoc {
    description: r#"The rows the conditions of `where:` select (all must hold; none: every row), sorted by
`sort_by` (then by `id`; by `id` when left out), at most `limit` of them (10000 at most)
after skipping `offset`. A condition names a `column` (or `id`) and one comparison:
`equals`, `not_equals`, `contains`, `starts_with`, `greater_than`, `less_than`, `is_empty:
true`, `is_not_empty: true`; `any:` and `all:` group conditions. `count` is the number of
rows given.

In the examples `people` (columns `email` text, the key; `name` text; `age` number) holds Ann (`id` 1, `ann@example.com`, 34) and Bob (`id` 2, `bob@example.com`, 27), both written at 09:00 UTC on 2026-01-05; the examples run at 10:00."#,
    okta: &["Tables - Search Rows"],
    examples: &[
        Example::gives(
            "By a text and sorted",
            r#"{ table: people, where: [{ column: email, contains: example.com }], sort_by: age }"#,
            r#"{"rows": [{"id": 2, "_version": 1, "_created": "2026-01-05T09:00:00.000Z", "_updated": "2026-01-05T09:00:00.000Z", "email": "bob@example.com", "name": "Bob", "age": 27}, {"id": 1, "_version": 1, "_created": "2026-01-05T09:00:00.000Z", "_updated": "2026-01-05T09:00:00.000Z", "email": "ann@example.com", "name": "Ann", "age": 34}], "count": 2}"#,
        ),
        Example::gives(
            "Either of two conditions",
            r#"{ table: people, where: [{ any: [{ column: name, equals: Ann }, { column: age, less_than: 20 }] }] }"#,
            r#"{"rows": [{"id": 1, "_version": 1, "_created": "2026-01-05T09:00:00.000Z", "_updated": "2026-01-05T09:00:00.000Z", "email": "ann@example.com", "name": "Ann", "age": 34}], "count": 1}"#,
        ),
        Example::gives(
            "The second page of one",
            r#"{ table: people, limit: 1, offset: 1 }"#,
            r#"{"rows": [{"id": 2, "_version": 1, "_created": "2026-01-05T09:00:00.000Z", "_updated": "2026-01-05T09:00:00.000Z", "email": "bob@example.com", "name": "Bob", "age": 27}], "count": 1}"#,
        ),
        Example::rejected(
            "Text compared with a number column",
            r#"{ table: people, where: [{ column: age, equals: old }] }"#,
            r#"E0206"#,
        ),
        Example::fails(
            "A negative limit",
            r#"{ table: people, limit: "{{ inputs.n }}" }"#,
            r#"`limit` must be a whole number from 0, not -1"#,
        )
        .with_inputs(r#"{"n": -1}"#),
    ],
};

fn whole(cx: &StepCx<'_>, e: &Option<Expr<Number>>, what: &str) -> Result<Option<u64>, CardError> {
    let Some(e) = e else { return Ok(None) };
    let n = cx.number(e)?;
    if n.fract() != 0.0 || !(0.0..9.0e15).contains(&n) {
        return Err(CardError::input(format!(
            "`{what}` must be a whole number from 0, not {n}"
        )));
    }
    // Whole and in range: exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(Some(n as u64))
}

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        for e in [&self.limit, &self.offset].into_iter().flatten() {
            cx.expr_type(e.id);
        }
        let Some(def) = check_table(cx, &self.table) else {
            return Type::object([("rows", Type::list(Type::Any)), ("count", Type::Number)]);
        };
        check_conds(cx, &def, &self.conditions, self.table.id);
        if let Some(sort) = &self.sort_by {
            match cx.constant(sort.id) {
                Some(Value::String(c)) if c == "id" || def.column(&c).is_some() => {}
                Some(Value::String(c)) => cx.report(
                    Some(sort.id),
                    Code::UnknownField,
                    format!("table `{}` has no column `{c}`", def.name),
                    flow_model::suggest::hint(&c, def.columns.iter().map(|c| &c.name)),
                ),
                _ => {
                    cx.expr_type(sort.id);
                }
            }
        }
        Type::object([
            ("rows", Type::list(row_type(&def))),
            ("count", Type::Number),
        ])
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let store = tables(cx)?;
            let table = cx.text(&self.table)?.into_owned();
            let filter = eval_conds(cx, &self.conditions)?;
            let limit = whole(cx, &self.limit, "limit")?.unwrap_or(MAX_ROWS);
            if limit > MAX_ROWS {
                return Err(CardError::input(format!(
                    "`limit` is at most {MAX_ROWS}; page with `offset`, or stream the rows with table.for_each"
                )));
            }
            let sort = match &self.sort_by {
                Some(c) => vec![Sort {
                    column: cx.text(c)?.into_owned(),
                    descending: self.descending,
                }],
                None if self.descending => vec![Sort {
                    column: "id".into(),
                    descending: true,
                }],
                None => Vec::new(),
            };
            let search = Search {
                filter,
                sort,
                limit: Some(limit),
                offset: whole(cx, &self.offset, "offset")?.unwrap_or(0),
            };
            let rows = blocking(move || store.search(&table, &search)).await?;
            let count = rows.len();
            Ok(Outcome::value(json!({ "rows": rows, "count": count })))
        })
    }
}
