//! Table cards (Okta Workflows' Tables): rows of the project's tables (`tables:` in
//! `flowctl.yaml`), kept in the store. One file per card; what they share is here: the table
//! name and column checks made when the flow loads, conditions, and running a store operation
//! off the async threads.
//!
//! Writes are rehearsed in a dry run (nothing is written; the output is what would be
//! written); reads read the real table.

cards!(
    create_row,
    read_row,
    update_row,
    upsert_row,
    delete_row,
    search_rows,
    count,
    clear,
    for_each,
    import_csv,
    export_csv,
);

/// The table the examples of the table cards declare (`tables:` in `flowctl.yaml`): `people`,
/// keyed by `email`.
pub const EXAMPLE_TABLES: &str = "people:
  columns:
    email: text
    name: text
    age: number
  key: email
";

/// The rows `people` holds when each example starts (ids 1 and 2). The table family's examples
/// run against a real table store (`crates/flow-store/tests/it/table_examples.rs`), each from
/// these rows.
pub const EXAMPLE_ROWS: &str = r#"[
  {"email": "ann@example.com", "name": "Ann", "age": 34},
  {"email": "bob@example.com", "name": "Bob", "age": 27}
]"#;

use flow_card::kinds::{AnyValue, Text};
use flow_card::{CardError, Checker, ErrorKind, Expr, StepCx};
use flow_model::tables::{ColumnType, Filter, Op, TableDef, TableError, TableStore};
use flow_model::{Code, Type};
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;

/// How long one table operation may take.
pub const TABLE_TIMEOUT: Duration = Duration::from_secs(30);

/// The most rows one `table.search_rows` returns (page through more with `offset`).
pub const MAX_ROWS: u64 = 10_000;

/// The flow type a column's values have.
pub fn column_type(t: ColumnType) -> Type {
    match t {
        ColumnType::Text => Type::Text,
        ColumnType::Number => Type::Number,
        ColumnType::Boolean => Type::Boolean,
        ColumnType::Date => Type::Date,
        ColumnType::Object => Type::Any,
    }
}

/// The type of a row of `def`: `id`, `_version`, `_created`, `_updated` and its columns.
pub fn row_type(def: &TableDef) -> Type {
    let mut fields = vec![
        ("id".to_string(), Type::Number),
        ("_version".to_string(), Type::Number),
        ("_created".to_string(), Type::Date),
        ("_updated".to_string(), Type::Date),
    ];
    fields.extend(
        def.columns
            .iter()
            .map(|c| (c.name.clone(), column_type(c.ty))),
    );
    Type::object(fields)
}

/// The declared table a step names; reports an unknown table (or one written as a template)
/// at its name.
pub fn check_table(cx: &mut dyn Checker, table: &Expr<Text>) -> Option<TableDef> {
    let name = match cx.constant(table.id) {
        Some(Value::String(name)) => name,
        _ => {
            cx.report(
                Some(table.id),
                Code::InvalidValue,
                "`table` must be written as a table name, not a template".into(),
                None,
            );
            return None;
        }
    };
    let def = cx.table(&name);
    if def.is_none() {
        cx.report(
            Some(table.id),
            Code::InvalidValue,
            format!("unknown table `{name}`"),
            Some("declare it under `tables:` in flowctl.yaml".into()),
        );
    }
    def
}

/// Whether a value of type `actual` may go into a column of type `want` (unknown types are
/// checked at run time).
fn fits(actual: &Type, want: ColumnType) -> bool {
    match (actual, want) {
        (Type::Any | Type::Null, _) | (_, ColumnType::Object) => true,
        (Type::Text, ColumnType::Date) => true,
        // A table keeps values as they are: text is not converted for a number column.
        (Type::Text, ColumnType::Number) => false,
        (a, w) => a.fits(&column_type(w)),
    }
}

/// Checks a column the step names, and the type of the value given for it.
fn check_column(
    cx: &mut dyn Checker,
    def: &TableDef,
    column: &str,
    value: Option<&Expr<AnyValue>>,
    at: flow_card::expr::ExprId,
) {
    let Some(col) = def.column(column) else {
        if column != "id" {
            cx.report(
                Some(at),
                Code::UnknownField,
                format!("table `{}` has no column `{column}`", def.name),
                flow_model::suggest::hint(column, def.columns.iter().map(|c| &c.name))
                    .or_else(|| Some(format!("its columns: {}", def.column_names()))),
            );
        }
        return;
    };
    if let Some(v) = value {
        let actual = cx.expr_type(v.id);
        if !fits(&actual, col.ty) {
            cx.report(
                Some(v.id),
                Code::TypeMismatch,
                format!(
                    "column `{column}` of table `{}` holds {} values, but this is {actual}",
                    def.name, col.ty
                ),
                None,
            );
        }
    }
}

/// Checks the columns and value types of a `values:` mapping.
pub fn check_values(
    cx: &mut dyn Checker,
    def: &TableDef,
    values: &IndexMap<String, Expr<AnyValue>>,
) {
    for (column, v) in values {
        check_column(cx, def, column, Some(v), v.id);
    }
}

/// Evaluates a `values:` mapping.
pub fn eval_values(
    cx: &StepCx<'_>,
    values: &IndexMap<String, Expr<AnyValue>>,
) -> Result<Map<String, Value>, CardError> {
    let mut out = Map::with_capacity(values.len());
    for (k, v) in values {
        out.insert(k.clone(), cx.value(v)?.into_owned());
    }
    Ok(out)
}

/// A search condition as written: a column and one comparison, or `any:` / `all:` of
/// conditions.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cond {
    /// The column compared (or `id`).
    column: Option<Expr<Text>>,
    /// Equal to this value (`null`: not set).
    equals: Option<Expr<AnyValue>>,
    /// Not equal to this value.
    not_equals: Option<Expr<AnyValue>>,
    /// Text containing this.
    contains: Option<Expr<Text>>,
    /// Text starting with this.
    starts_with: Option<Expr<Text>>,
    /// Greater than this number, date or text.
    greater_than: Option<Expr<AnyValue>>,
    /// Less than this number, date or text.
    less_than: Option<Expr<AnyValue>>,
    /// `true`: not set, or empty text.
    is_empty: Option<bool>,
    /// `true`: set and not empty text.
    is_not_empty: Option<bool>,
    /// At least one of these holds.
    any: Option<Vec<Cond>>,
    /// Every one of these holds.
    all: Option<Vec<Cond>>,
}

/// A comparison as written, before evaluation.
enum Cmp<'c> {
    Value(Op, &'c Expr<AnyValue>),
    Text(Op, &'c Expr<Text>),
    Flag(Op),
}

impl Cond {
    fn comparisons(&self) -> Vec<Cmp<'_>> {
        let mut out = Vec::new();
        for (op, e) in [
            (Op::Equals, &self.equals),
            (Op::NotEquals, &self.not_equals),
            (Op::GreaterThan, &self.greater_than),
            (Op::LessThan, &self.less_than),
        ] {
            if let Some(e) = e {
                out.push(Cmp::Value(op, e));
            }
        }
        for (op, e) in [
            (Op::Contains, &self.contains),
            (Op::StartsWith, &self.starts_with),
        ] {
            if let Some(e) = e {
                out.push(Cmp::Text(op, e));
            }
        }
        if self.is_empty == Some(true) {
            out.push(Cmp::Flag(Op::IsEmpty));
        }
        if self.is_not_empty == Some(true) {
            out.push(Cmp::Flag(Op::IsNotEmpty));
        }
        out
    }
}

/// Checks conditions against the table: their columns exist, each has one comparison, and
/// values fit their columns. `at` is where to report a condition without a column.
pub fn check_conds(
    cx: &mut dyn Checker,
    def: &TableDef,
    conds: &[Cond],
    at: flow_card::expr::ExprId,
) {
    for c in conds {
        for group in [&c.any, &c.all].into_iter().flatten() {
            check_conds(cx, def, group, at);
        }
        let cmps = c.comparisons();
        let Some(column) = &c.column else {
            if !cmps.is_empty() || (c.any.is_none() && c.all.is_none()) {
                cx.report(
                    Some(at),
                    Code::InvalidValue,
                    "a condition needs `column` and one comparison, or `any:` / `all:`".into(),
                    Some(format!("comparisons: {}", Op::WORDS)),
                );
            }
            continue;
        };
        if cmps.len() != 1 || c.any.is_some() || c.all.is_some() {
            cx.report(
                Some(column.id),
                Code::InvalidValue,
                "a condition on a column takes exactly one comparison".into(),
                Some(format!("comparisons: {}", Op::WORDS)),
            );
        }
        let Some(Value::String(name)) = cx.constant(column.id) else {
            cx.report(
                Some(column.id),
                Code::InvalidValue,
                "`column` must be written as a column name, not a template".into(),
                None,
            );
            continue;
        };
        match cmps.first() {
            Some(Cmp::Value(_, v)) => {
                check_column(cx, def, &name, Some(v), column.id);
            }
            Some(Cmp::Text(_, v)) => {
                check_column(cx, def, &name, None, column.id);
                cx.expr_type(v.id);
            }
            Some(Cmp::Flag(_)) | None => check_column(cx, def, &name, None, column.id),
        }
    }
}

/// Evaluates conditions (all of them must hold) into a filter.
pub fn eval_conds(cx: &StepCx<'_>, conds: &[Cond]) -> Result<Filter, CardError> {
    let mut all = Vec::with_capacity(conds.len());
    for c in conds {
        if let Some(any) = &c.any {
            let Filter::And(fs) = eval_conds(cx, any)? else {
                continue;
            };
            all.push(Filter::Or(fs));
        }
        if let Some(group) = &c.all {
            all.push(eval_conds(cx, group)?);
        }
        let Some(column) = &c.column else { continue };
        let column = cx.text(column)?.into_owned();
        for cmp in c.comparisons() {
            let (op, value) = match cmp {
                Cmp::Value(op, e) => (op, cx.value(e)?.into_owned()),
                Cmp::Text(op, e) => (op, Value::String(cx.text(e)?.into_owned())),
                Cmp::Flag(op) => (op, Value::Null),
            };
            all.push(Filter::Cmp {
                column: column.clone(),
                op,
                value,
            });
        }
    }
    Ok(Filter::And(all))
}

/// The project's tables, or a configuration error when the run has none.
pub fn tables(cx: &StepCx<'_>) -> Result<Arc<dyn TableStore>, CardError> {
    cx.tables().ok_or_else(|| table_error(&TableError::NoStore))
}

/// A table error as a card error: bad values are input errors, a changed row is an invalid
/// state (read it again), a missing store or table is configuration.
pub fn table_error(e: &TableError) -> CardError {
    let kind = match e {
        TableError::WrongType { .. }
        | TableError::UnknownColumn { .. }
        | TableError::Duplicate { .. }
        | TableError::Csv { .. } => ErrorKind::Input,
        TableError::Conflict { .. } => ErrorKind::InvalidState,
        TableError::UnknownTable(_)
        | TableError::NoKey(_)
        | TableError::NoStore
        | TableError::TypeChanged { .. } => ErrorKind::Config,
        TableError::Store(_) => ErrorKind::Server,
    };
    CardError::new(kind, e.to_string())
}

/// Runs a store operation on a blocking thread (the store blocks on its disk).
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, TableError> + Send + 'static,
) -> Result<T, CardError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(|e| table_error(&e)),
        Err(e) => Err(CardError::new(
            ErrorKind::Server,
            format!("the table operation stopped: {e}"),
        )),
    }
}

/// A dry run's row: `base` (the row as stored, if any) with `values` set, checked against the
/// table when the run has tables; `id` null for a row that would be new. Without tables (flow
/// tests) it is only the values given.
pub fn rehearsed_row(
    store: Option<&dyn TableStore>,
    table: &str,
    values: Map<String, Value>,
    base: Option<Map<String, Value>>,
) -> Result<Value, CardError> {
    let mut row = match base {
        Some(row) => row,
        None => {
            let mut row = Map::new();
            row.insert("id".into(), Value::Null);
            if let Some(store) = store {
                for c in &def_of(store, table)?.columns {
                    row.insert(c.name.clone(), Value::Null);
                }
            }
            row
        }
    };
    if let Some(store) = store {
        def_of(store, table)?
            .check_values(&values)
            .map_err(|e| table_error(&e))?;
    }
    row.extend(values);
    Ok(Value::Object(row))
}

/// The table a step names, checked to exist in the store.
pub fn def_of(store: &dyn TableStore, name: &str) -> Result<TableDef, CardError> {
    store.table(name).cloned().map_err(|e| table_error(&e))
}

/// A row id given as a number.
pub fn row_id(cx: &StepCx<'_>, e: &Expr<flow_card::kinds::Number>) -> Result<i64, CardError> {
    let n = cx.number(e)?;
    if n.fract() != 0.0 || !(1.0..9.0e15).contains(&n) {
        return Err(CardError::input(format!(
            "`id` must be a row id (a whole number from 1), not {n}"
        )));
    }
    // Whole and in range: exact.
    #[allow(clippy::cast_possible_truncation)]
    Ok(n as i64)
}
