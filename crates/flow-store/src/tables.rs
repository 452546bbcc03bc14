//! [`SqliteTables`]: the project's tables (`tables:` in `flowctl.yaml`) as real SQL tables with
//! indexes in the store's SQLite file, behind [`TableStore`].
//!
//! Each table `NAME` is the SQL table `t_NAME`: `id INTEGER PRIMARY KEY` (PostgreSQL: `BIGINT
//! GENERATED ALWAYS AS IDENTITY`), `_version BIGINT NOT NULL`, `_created TEXT` and `_updated
//! TEXT` (when the row was written first and last, from the store's clock: [`stamp`]) and one
//! column per declared column (text and date `TEXT`, number `DOUBLE PRECISION`, boolean
//! `BOOLEAN`, object `TEXT` holding JSON; PostgreSQL: `JSONB`). A `key:` is a unique index,
//! `indexes:` plain indexes. `flow_tables (name, columns)` records the types each table was
//! created with (and `_created`, `_updated` once the table has them).
//!
//! Opening applies the declaration: a new table is created, a new column added (`ALTER TABLE
//! … ADD COLUMN`), a new index created; a column whose declared type differs from the stored
//! one is refused ([`TableError::TypeChanged`]). A column no longer declared stays in the file
//! and is no longer read. A table made before rows had times gets `_created` and `_updated`
//! the same way; its rows hold `null` there until they are written again (`_updated`).
//!
//! Writes run on the store's writer thread between its commits, each in its own transaction,
//! so they are serialised with each other and with run records; reads use the read connection
//! and see one committed snapshot per statement.

use crate::error::StoreError;
use crate::sqlite::SqliteStore;
use flow_model::tables::{
    ColumnType, Filter, Op, Row, Search, TableDef, TableError, TableStore, Tables,
};
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, ErrorCode, params_from_iter};
use serde_json::{Map, Value};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;

/// Rows read per page while streaming.
pub(crate) const PAGE: usize = 500;

impl From<StoreError> for TableError {
    fn from(e: StoreError) -> Self {
        TableError::Store(e.to_string())
    }
}

/// The project's tables in a [`SqliteStore`].
pub struct SqliteTables {
    store: Arc<SqliteStore>,
    defs: Tables,
}

impl std::fmt::Debug for SqliteTables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteTables")
            .field("tables", &self.defs.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl SqliteTables {
    /// The tables `defs` declares, kept in `store`: creates what is missing (tables, columns,
    /// indexes) in one transaction; refuses a column whose type changed.
    pub fn open(store: Arc<SqliteStore>, defs: &Tables) -> Result<SqliteTables, TableError> {
        let list: Vec<TableDef> = defs.values().cloned().collect();
        flatten(store.on_writer(move |conn, path| {
            Ok(in_transaction(conn, path, |conn| {
                for def in &list {
                    apply(conn, path, def)?;
                }
                Ok(())
            }))
        }))?;
        Ok(SqliteTables {
            store,
            defs: defs.clone(),
        })
    }

    fn def(&self, name: &str) -> Result<TableDef, TableError> {
        self.defs
            .get(name)
            .cloned()
            .ok_or_else(|| TableError::UnknownTable(name.to_string()))
    }

    /// Now, as a write records it in `_created` and `_updated` (the store's clock).
    fn now(&self) -> String {
        stamp(self.store.now_ms())
    }

    /// Runs a write on the writer's connection.
    fn write<T, F>(&self, f: F) -> Result<T, TableError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Path) -> Result<T, TableError> + Send + 'static,
    {
        flatten(self.store.on_writer(move |conn, path| Ok(f(conn, path))))
    }

    /// Runs a read on the read connection.
    fn read<T, F>(&self, f: F) -> Result<T, TableError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Path) -> Result<T, TableError> + Send + 'static,
    {
        flatten(self.store.read(move |conn, path| Ok(f(conn, path))))
    }
}

fn flatten<T>(r: Result<Result<T, TableError>, StoreError>) -> Result<T, TableError> {
    r.map_err(TableError::from)?
}

/// A SQLite error as a table error (a unique key violation is [`TableError::Duplicate`]).
fn sql_err(e: rusqlite::Error, path: &Path) -> TableError {
    TableError::from(StoreError::sqlite(e, path))
}

trait Tab<T> {
    fn tab(self, path: &Path) -> Result<T, TableError>;
}

impl<T> Tab<T> for Result<T, rusqlite::Error> {
    fn tab(self, path: &Path) -> Result<T, TableError> {
        self.map_err(|e| sql_err(e, path))
    }
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation)
}

/// Runs `f` in an immediate transaction, committed when it succeeds.
fn in_transaction<T>(
    conn: &Connection,
    path: &Path,
    f: impl FnOnce(&Connection) -> Result<T, TableError>,
) -> Result<T, TableError> {
    conn.execute_batch("BEGIN IMMEDIATE").tab(path)?;
    match f(conn) {
        Ok(v) => {
            conn.execute_batch("COMMIT").tab(path)?;
            Ok(v)
        }
        Err(e) => {
            // The error is what matters; a failed rollback leaves nothing more to do.
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// The SQL name of a table (names are `[a-z_][a-z0-9_]*`, checked when declared).
pub(crate) fn sql_table(name: &str) -> String {
    format!("\"t_{name}\"")
}

/// Creates or extends one table to match its declaration.
fn apply(conn: &Connection, path: &Path, def: &TableDef) -> Result<(), TableError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS flow_tables (name TEXT PRIMARY KEY, columns TEXT NOT NULL)",
    )
    .tab(path)?;
    let stored: Option<String> = conn
        .query_row(
            "SELECT columns FROM flow_tables WHERE name = ?1",
            [&def.name],
            |r| r.get(0),
        )
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })
        .tab(path)?;
    let ddl = table_ddl(def, stored.as_deref(), Dialect::Sqlite)?;
    for statement in &ddl.statements {
        conn.execute_batch(statement).tab(path)?;
    }
    conn.execute(
        "INSERT INTO flow_tables (name, columns) VALUES (?1, ?2) \
         ON CONFLICT (name) DO UPDATE SET columns = excluded.columns",
        [&def.name, &ddl.columns],
    )
    .tab(path)?;
    Ok(())
}

/// What bringing one table up to its declaration takes, worked out once for both backends.
pub(crate) struct TableDdl {
    /// The statements to run, in order: the table when new, added columns, the key and indexes.
    pub statements: Vec<String>,
    /// The column types to record in `flow_tables` afterwards (JSON: name → type word).
    pub columns: String,
}

/// The statements that create or extend `def`'s table, given the column types recorded for it
/// (`stored`, JSON; `None` for a table not created yet). A column whose declared type differs
/// from the recorded one is refused ([`TableError::TypeChanged`]): columns are only added. The
/// store's own columns `_created` and `_updated` are added to a table made without them.
pub(crate) fn table_ddl(
    def: &TableDef,
    stored: Option<&str>,
    d: Dialect,
) -> Result<TableDdl, TableError> {
    let table = sql_table(&def.name);
    let mut statements = Vec::new();
    let mut known: Map<String, Value> = match stored {
        Some(text) => serde_json::from_str(text).map_err(|e| TableError::Store(e.to_string()))?,
        None => {
            let id = match d {
                Dialect::Sqlite => "id INTEGER PRIMARY KEY",
                Dialect::Postgres => "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
            };
            statements.push(format!(
                "CREATE TABLE {table} ({id}, _version BIGINT NOT NULL, _created TEXT, _updated TEXT)"
            ));
            TIMES
                .iter()
                .map(|t| ((*t).to_string(), Value::from("date")))
                .collect()
        }
    };
    for t in TIMES {
        if !known.contains_key(t) {
            statements.push(format!("ALTER TABLE {table} ADD COLUMN {t} TEXT"));
            known.insert(t.to_string(), Value::from("date"));
        }
    }
    for col in &def.columns {
        match known.get(&col.name).and_then(Value::as_str) {
            Some(word) if word == col.ty.as_str() => {}
            Some(word) => {
                return Err(TableError::TypeChanged {
                    table: def.name.clone(),
                    column: col.name.clone(),
                    stored: ColumnType::parse(word).unwrap_or(ColumnType::Object),
                    declared: col.ty,
                });
            }
            None => {
                statements.push(format!(
                    "ALTER TABLE {table} ADD COLUMN \"{}\" {}",
                    col.name,
                    d.column_type(col.ty)
                ));
                known.insert(col.name.clone(), Value::from(col.ty.as_str()));
            }
        }
    }
    if let Some(key) = &def.key {
        statements.push(format!(
            "CREATE UNIQUE INDEX IF NOT EXISTS \"t_{}__key\" ON {table} (\"{key}\")",
            def.name
        ));
    }
    for index in &def.indexes {
        let cols: Vec<String> = index.iter().map(|c| format!("\"{c}\"")).collect();
        statements.push(format!(
            "CREATE INDEX IF NOT EXISTS \"t_{}__{}\" ON {table} ({})",
            def.name,
            index.join("__"),
            cols.join(", ")
        ));
    }
    Ok(TableDdl {
        statements,
        columns: Value::Object(known).to_string(),
    })
}

/// The store's columns holding when a row was written first and last (text, as [`stamp`]
/// writes it), in `flow_tables` as `date` columns.
const TIMES: [&str; 2] = ["_created", "_updated"];

/// A write's time as rows hold it in `_created` and `_updated`: RFC 3339 in UTC with
/// milliseconds (`2026-01-05T09:30:00.000Z`, as `date.now` gives), from `now_ms` (milliseconds
/// since the Unix epoch, the store's clock).
pub(crate) fn stamp(now_ms: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(now_ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let form = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    at.format(&form).unwrap_or_default()
}

/// Which backend a table statement is written for: placeholders (`?` or `$n`) and the few
/// functions that differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// SQLite: `?` placeholders.
    Sqlite,
    /// PostgreSQL: `$n` placeholders, object columns `JSONB`.
    Postgres,
}

impl Dialect {
    /// The SQL type of a column of type `t`.
    pub(crate) fn column_type(self, t: ColumnType) -> &'static str {
        match (t, self) {
            (ColumnType::Text | ColumnType::Date, _) | (ColumnType::Object, Dialect::Sqlite) => {
                "TEXT"
            }
            (ColumnType::Object, Dialect::Postgres) => "JSONB",
            (ColumnType::Number, _) => "DOUBLE PRECISION",
            (ColumnType::Boolean, _) => "BOOLEAN",
        }
    }
}

/// A parameter of a table statement, before a backend binds it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Param {
    /// No value, in a column of this type.
    Null(ColumnType),
    /// Text (text and date columns, text conditions).
    Text(String),
    /// A number column's value.
    Real(f64),
    /// An integer (ids, lengths, limits).
    Int(i64),
    /// A boolean column's value.
    Bool(bool),
    /// An object column's value.
    Json(Value),
}

impl Param {
    /// A JSON value as the parameter its column stores.
    pub(crate) fn of(ty: ColumnType, v: &Value) -> Param {
        match (ty, v) {
            (_, Value::Null) => Param::Null(ty),
            (ColumnType::Object, v) => Param::Json(v.clone()),
            (_, Value::String(s)) => Param::Text(s.clone()),
            (_, Value::Number(n)) => Param::Real(n.as_f64().unwrap_or(f64::NAN)),
            (_, Value::Bool(b)) => Param::Bool(*b),
            (_, other) => Param::Text(other.to_string()),
        }
    }
}

impl Dialect {
    /// The placeholder of the parameter just pushed on `params` (PostgreSQL: typed where the
    /// server could not infer it).
    fn mark(self, params: &[Param]) -> String {
        match self {
            Dialect::Sqlite => "?".to_string(),
            Dialect::Postgres => {
                let n = params.len();
                match params.last() {
                    Some(Param::Real(_) | Param::Null(ColumnType::Number)) => {
                        format!("${n}::float8")
                    }
                    Some(Param::Json(_) | Param::Null(ColumnType::Object)) => {
                        format!("${n}::text::jsonb")
                    }
                    Some(Param::Null(ColumnType::Boolean)) => format!("${n}::boolean"),
                    Some(Param::Null(_)) => format!("${n}::text"),
                    _ => format!("${n}"),
                }
            }
        }
    }

    /// Pushes `p` and returns its placeholder.
    fn push(self, params: &mut Vec<Param>, p: Param) -> String {
        params.push(p);
        self.mark(params)
    }
}

/// A parameter as SQLite binds it.
fn to_sql(p: Param) -> Sql {
    match p {
        Param::Null(_) => Sql::Null,
        Param::Text(s) => Sql::Text(s),
        Param::Real(f) => Sql::Real(f),
        Param::Int(i) => Sql::Integer(i),
        Param::Bool(b) => Sql::Integer(i64::from(b)),
        Param::Json(v) => Sql::Text(v.to_string()),
    }
}

fn sqlite_params(params: Vec<Param>) -> Vec<Sql> {
    params.into_iter().map(to_sql).collect()
}

/// A stored SQL value as JSON, by its column's type.
fn from_sql(ty: ColumnType, v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef as R;
    match (ty, v) {
        (_, R::Null) => Value::Null,
        (ColumnType::Boolean, R::Integer(i)) => Value::Bool(i != 0),
        (_, R::Integer(i)) => Value::from(i),
        (_, R::Real(f)) => number(f),
        (ColumnType::Object, R::Text(t)) => {
            serde_json::from_slice(t).unwrap_or_else(|_| Value::String(lossy(t)))
        }
        (_, R::Text(t)) => Value::String(lossy(t)),
        (_, R::Blob(b)) => Value::String(lossy(b)),
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A number, as an integer when it is one.
pub(crate) fn number(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        // Exact: |f| < 2^53 and integral.
        #[allow(clippy::cast_possible_truncation)]
        Value::from(f as i64)
    } else {
        serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

/// The `SELECT` list of a table: id, version, times, declared columns (PostgreSQL: objects as
/// text).
pub(crate) fn select_list(def: &TableDef, d: Dialect) -> String {
    let mut s = String::from("id, _version, _created, _updated");
    for c in &def.columns {
        s.push_str(", \"");
        s.push_str(&c.name);
        s.push('"');
        if d == Dialect::Postgres && c.ty == ColumnType::Object {
            s.push_str("::text");
        }
    }
    s
}

fn read_row(def: &TableDef, r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let mut row = Map::with_capacity(def.columns.len() + 4);
    row.insert("id".into(), Value::from(r.get::<_, i64>(0)?));
    row.insert("_version".into(), Value::from(r.get::<_, i64>(1)?));
    for (i, t) in TIMES.iter().enumerate() {
        row.insert(
            (*t).to_string(),
            from_sql(ColumnType::Date, r.get_ref(i + 2)?),
        );
    }
    for (i, c) in def.columns.iter().enumerate() {
        row.insert(c.name.clone(), from_sql(c.ty, r.get_ref(i + 4)?));
    }
    Ok(row)
}

/// The type of a column a condition names (`id` is a number).
fn column_type(def: &TableDef, column: &str) -> Result<ColumnType, TableError> {
    if column == "id" {
        return Ok(ColumnType::Number);
    }
    def.check_value(column, &Value::Null)
}

/// Appends the SQL of a filter to `sql` and its parameters to `params`.
fn where_sql(
    def: &TableDef,
    f: &Filter,
    d: Dialect,
    sql: &mut String,
    params: &mut Vec<Param>,
) -> Result<(), TableError> {
    match f {
        Filter::All => sql.push_str("1 = 1"),
        Filter::Cmp { column, op, value } => {
            let ty = column_type(def, column)?;
            let col = if column == "id" {
                "id".to_string()
            } else {
                format!("\"{column}\"")
            };
            // PostgreSQL keeps objects as JSONB: text operations read their text, and an
            // object is never the empty text.
            let pg_object = d == Dialect::Postgres && ty == ColumnType::Object;
            let text_col = if pg_object {
                format!("{col}::text")
            } else {
                col.clone()
            };
            let textual = !pg_object && !matches!(ty, ColumnType::Number | ColumnType::Boolean);
            // An id compared with a whole number stays an integer (PostgreSQL's `id` is
            // BIGINT).
            let param = match value.as_i64() {
                Some(i) if column == "id" => Param::Int(i),
                _ => Param::of(ty, value),
            };
            match op {
                Op::Equals if value.is_null() => sql.push_str(&format!("{col} IS NULL")),
                Op::NotEquals if value.is_null() => sql.push_str(&format!("{col} IS NOT NULL")),
                Op::Equals => {
                    let m = d.push(params, param);
                    sql.push_str(&format!("{col} = {m}"));
                }
                Op::NotEquals => {
                    let m = d.push(params, param);
                    sql.push_str(&format!("({col} <> {m} OR {col} IS NULL)"));
                }
                Op::GreaterThan | Op::LessThan => {
                    let sign = if *op == Op::GreaterThan { ">" } else { "<" };
                    let m = d.push(params, param);
                    sql.push_str(&format!("{col} {sign} {m}"));
                }
                Op::Contains => {
                    let text = Param::Text(value.as_str().unwrap_or_default().to_string());
                    let m = d.push(params, text);
                    match d {
                        Dialect::Sqlite => sql.push_str(&format!("instr({col}, {m}) > 0")),
                        Dialect::Postgres => {
                            sql.push_str(&format!("strpos({text_col}, {m}) > 0"));
                        }
                    }
                }
                Op::StartsWith => {
                    let prefix = value.as_str().unwrap_or_default();
                    match d {
                        Dialect::Sqlite => {
                            let len = i64::try_from(prefix.chars().count()).unwrap_or(i64::MAX);
                            let n = d.push(params, Param::Int(len));
                            let m = d.push(params, Param::Text(prefix.to_string()));
                            sql.push_str(&format!("substr({col}, 1, {n}) = {m}"));
                        }
                        Dialect::Postgres => {
                            let m = d.push(params, Param::Text(prefix.to_string()));
                            sql.push_str(&format!("starts_with({text_col}, {m})"));
                        }
                    }
                }
                Op::IsEmpty if textual => sql.push_str(&format!("({col} IS NULL OR {col} = '')")),
                Op::IsEmpty => sql.push_str(&format!("{col} IS NULL")),
                Op::IsNotEmpty if textual => {
                    sql.push_str(&format!("({col} IS NOT NULL AND {col} <> '')"));
                }
                Op::IsNotEmpty => sql.push_str(&format!("{col} IS NOT NULL")),
            }
        }
        Filter::And(fs) | Filter::Or(fs) => {
            let (joiner, empty) = match f {
                Filter::And(_) => (" AND ", "1 = 1"),
                _ => (" OR ", "1 = 0"),
            };
            if fs.is_empty() {
                sql.push_str(empty);
            }
            for (i, sub) in fs.iter().enumerate() {
                if i > 0 {
                    sql.push_str(joiner);
                }
                sql.push('(');
                where_sql(def, sub, d, sql, params)?;
                sql.push(')');
            }
        }
    }
    Ok(())
}

/// `SELECT … WHERE … ORDER BY … LIMIT … OFFSET …` of a search.
pub(crate) fn search_sql(
    def: &TableDef,
    s: &Search,
    d: Dialect,
) -> Result<(String, Vec<Param>), TableError> {
    s.filter.check(def)?;
    let mut sql = format!(
        "SELECT {} FROM {} WHERE ",
        select_list(def, d),
        sql_table(&def.name)
    );
    let mut params = Vec::new();
    where_sql(def, &s.filter, d, &mut sql, &mut params)?;
    sql.push_str(" ORDER BY ");
    for sort in &s.sort {
        column_type(def, &sort.column)?;
        let dir = if sort.descending { "DESC" } else { "ASC" };
        if sort.column == "id" {
            sql.push_str(&format!("id {dir}, "));
        } else {
            sql.push_str(&format!("\"{}\" {dir}, ", sort.column));
        }
    }
    sql.push_str("id");
    if s.limit.is_some() || s.offset > 0 {
        let limit = match (d, s.limit) {
            (Dialect::Postgres, None) => "ALL".to_string(),
            (_, limit) => d.push(
                &mut params,
                Param::Int(limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX))),
            ),
        };
        let offset = d.push(
            &mut params,
            Param::Int(i64::try_from(s.offset).unwrap_or(i64::MAX)),
        );
        sql.push_str(&format!(" LIMIT {limit} OFFSET {offset}"));
    }
    Ok((sql, params))
}

/// `INSERT` of one row written at `now` ([`stamp`]): SQL and parameters (values checked).
pub(crate) fn insert_sql(
    def: &TableDef,
    values: &Map<String, Value>,
    now: &str,
    d: Dialect,
) -> Result<(String, Vec<Param>), TableError> {
    let mut cols = String::from("_version, _created, _updated");
    let mut params = Vec::with_capacity(values.len() + 2);
    let created = d.push(&mut params, Param::Text(now.to_string()));
    let updated = d.push(&mut params, Param::Text(now.to_string()));
    let mut marks = format!("1, {created}, {updated}");
    for (k, v) in values {
        let ty = def.check_value(k, v)?;
        cols.push_str(&format!(", \"{k}\""));
        let m = d.push(&mut params, Param::of(ty, v));
        marks.push_str(&format!(", {m}"));
    }
    Ok((
        format!(
            "INSERT INTO {} ({cols}) VALUES ({marks})",
            sql_table(&def.name)
        ),
        params,
    ))
}

/// `UPDATE` of row `id` written at `now` ([`stamp`]), with its `SET` list (values checked),
/// and its parameters; `expect_version` makes it conditional.
pub(crate) fn update_sql(
    def: &TableDef,
    id: i64,
    values: &Map<String, Value>,
    expect_version: Option<i64>,
    now: &str,
    d: Dialect,
) -> Result<(String, Vec<Param>), TableError> {
    let mut set = String::new();
    let mut params = Vec::with_capacity(values.len() + 3);
    for (k, v) in values {
        let ty = def.check_value(k, v)?;
        let m = d.push(&mut params, Param::of(ty, v));
        set.push_str(&format!("\"{k}\" = {m}, "));
    }
    let m = d.push(&mut params, Param::Text(now.to_string()));
    set.push_str(&format!("_updated = {m}, "));
    let m = d.push(&mut params, Param::Int(id));
    let mut sql = format!(
        "UPDATE {} SET {set}_version = _version + 1 WHERE id = {m}",
        sql_table(&def.name)
    );
    if let Some(v) = expect_version {
        let m = d.push(&mut params, Param::Int(v));
        sql.push_str(&format!(" AND _version = {m}"));
    }
    sql.push_str(&format!(" RETURNING {}", select_list(def, d)));
    Ok((sql, params))
}

/// The `INSERT … ON CONFLICT (key) DO UPDATE … RETURNING …` of an upsert written at `now`
/// ([`stamp`]; values checked; the key must be given). An update keeps the row's `_created`.
pub(crate) fn upsert_sql(
    def: &TableDef,
    values: &Map<String, Value>,
    now: &str,
    d: Dialect,
) -> Result<(String, Vec<Param>), TableError> {
    let key = def
        .key
        .clone()
        .ok_or_else(|| TableError::NoKey(def.name.clone()))?;
    if values.get(&key).is_none_or(Value::is_null) {
        return Err(TableError::WrongType {
            table: def.name.clone(),
            expected: def.column(&key).map_or(ColumnType::Text, |c| c.ty),
            column: key,
            found: "null (upsert needs the key)",
        });
    }
    let (insert, params) = insert_sql(def, values, now, d)?;
    let mut set = String::new();
    for k in values.keys() {
        set.push_str(&format!("\"{k}\" = excluded.\"{k}\", "));
    }
    set.push_str("_updated = excluded._updated, ");
    let table_sql = sql_table(&def.name);
    let sql = format!(
        "{insert} ON CONFLICT (\"{key}\") DO UPDATE SET {set}_version = {table_sql}._version + 1 \
         RETURNING {}",
        select_list(def, d)
    );
    Ok((sql, params))
}

/// One page of a stream: rows after the id given as the last parameter, in id order.
pub(crate) fn stream_sql(
    def: &TableDef,
    filter: &Filter,
    d: Dialect,
) -> Result<(String, Vec<Param>), TableError> {
    let head = format!("SELECT {} FROM", select_list(def, d));
    let (mut sql, params) = filtered_sql(def, &Filter::And(vec![filter.clone()]), &head, d)?;
    // The id after which the page starts is bound last, page by page.
    let m = d.push(&mut params.clone(), Param::Int(0));
    sql.push_str(&format!(" AND id > {m} ORDER BY id LIMIT {PAGE}"));
    Ok((sql, params))
}

/// `HEAD t_NAME WHERE filter` (`HEAD` is `SELECT count(*) FROM`, `DELETE FROM`, …).
pub(crate) fn filtered_sql(
    def: &TableDef,
    filter: &Filter,
    head: &str,
    d: Dialect,
) -> Result<(String, Vec<Param>), TableError> {
    filter.check(def)?;
    let mut sql = format!("{head} {} WHERE ", sql_table(&def.name));
    let mut params = Vec::new();
    where_sql(def, filter, d, &mut sql, &mut params)?;
    Ok((sql, params))
}

/// The refusal of a row whose key another row holds.
pub(crate) fn duplicate(def: &TableDef, values: &Map<String, Value>) -> TableError {
    let column = def.key.clone().unwrap_or_default();
    TableError::Duplicate {
        table: def.name.clone(),
        value: values
            .get(&column)
            .map(Value::to_string)
            .unwrap_or_default(),
        column,
    }
}

fn insert(
    conn: &Connection,
    path: &Path,
    def: &TableDef,
    values: &Map<String, Value>,
    now: &str,
) -> Result<Row, TableError> {
    let (sql, params) = insert_sql(def, values, now, Dialect::Sqlite)?;
    let sql = format!("{sql} RETURNING {}", select_list(def, Dialect::Sqlite));
    let mut stmt = conn.prepare_cached(&sql).tab(path)?;
    stmt.query_row(params_from_iter(sqlite_params(params)), |r| {
        read_row(def, r)
    })
    .map_err(|e| {
        if is_unique_violation(&e) {
            duplicate(def, values)
        } else {
            sql_err(e, path)
        }
    })
}

fn row_by_id(
    conn: &Connection,
    path: &Path,
    def: &TableDef,
    id: i64,
) -> Result<Option<Row>, TableError> {
    let sql = format!(
        "SELECT {} FROM {} WHERE id = ?1",
        select_list(def, Dialect::Sqlite),
        sql_table(&def.name)
    );
    let mut stmt = conn.prepare_cached(&sql).tab(path)?;
    let mut rows = stmt.query([id]).tab(path)?;
    match rows.next().tab(path)? {
        Some(r) => Ok(Some(read_row(def, r).tab(path)?)),
        None => Ok(None),
    }
}

fn query_rows(
    conn: &Connection,
    path: &Path,
    def: &TableDef,
    sql: &str,
    params: Vec<Sql>,
) -> Result<Vec<Row>, TableError> {
    let mut stmt = conn.prepare_cached(sql).tab(path)?;
    let rows = stmt
        .query_map(params_from_iter(params), |r| read_row(def, r))
        .tab(path)?;
    rows.collect::<Result<Vec<_>, _>>().tab(path)
}

impl TableStore for SqliteTables {
    fn table(&self, name: &str) -> Result<&TableDef, TableError> {
        self.defs
            .get(name)
            .ok_or_else(|| TableError::UnknownTable(name.to_string()))
    }

    fn tables(&self) -> Vec<&TableDef> {
        self.defs.values().collect()
    }

    fn create_row(&self, table: &str, values: &Map<String, Value>) -> Result<Row, TableError> {
        let def = self.def(table)?;
        def.check_values(values)?;
        let values = values.clone();
        let now = self.now();
        self.write(move |conn, path| insert(conn, path, &def, &values, &now))
    }

    fn create_rows(&self, table: &str, rows: &[Map<String, Value>]) -> Result<usize, TableError> {
        let def = self.def(table)?;
        for r in rows {
            def.check_values(r)?;
        }
        let rows = rows.to_vec();
        let now = self.now();
        self.write(move |conn, path| {
            in_transaction(conn, path, |conn| {
                for r in &rows {
                    let (sql, params) = insert_sql(&def, r, &now, Dialect::Sqlite)?;
                    let mut stmt = conn.prepare_cached(&sql).tab(path)?;
                    stmt.execute(params_from_iter(sqlite_params(params)))
                        .map_err(|e| {
                            if is_unique_violation(&e) {
                                duplicate(&def, r)
                            } else {
                                sql_err(e, path)
                            }
                        })?;
                }
                Ok(rows.len())
            })
        })
    }

    fn read_row(&self, table: &str, id: i64) -> Result<Option<Row>, TableError> {
        let def = self.def(table)?;
        self.read(move |conn, path| row_by_id(conn, path, &def, id))
    }

    fn update_row(
        &self,
        table: &str,
        id: i64,
        values: &Map<String, Value>,
        expect_version: Option<i64>,
    ) -> Result<Option<Row>, TableError> {
        let def = self.def(table)?;
        let (sql, params) = update_sql(
            &def,
            id,
            values,
            expect_version,
            &self.now(),
            Dialect::Sqlite,
        )?;
        let params = sqlite_params(params);
        let values = values.clone();
        self.write(move |conn, path| {
            let updated = {
                let mut stmt = conn.prepare_cached(&sql).tab(path)?;
                let mut rows = stmt.query(params_from_iter(params)).tab(path)?;
                match rows.next() {
                    Ok(Some(r)) => Some(read_row(&def, r).tab(path)?),
                    Ok(None) => None,
                    Err(e) if is_unique_violation(&e) => return Err(duplicate(&def, &values)),
                    Err(e) => return Err(sql_err(e, path)),
                }
            };
            match (updated, expect_version) {
                (Some(row), _) => Ok(Some(row)),
                (None, None) => Ok(None),
                (None, Some(expected)) => match row_by_id(conn, path, &def, id)? {
                    None => Ok(None),
                    Some(row) => Err(TableError::Conflict {
                        table: def.name.clone(),
                        id,
                        expected,
                        found: row.get("_version").and_then(Value::as_i64).unwrap_or(0),
                    }),
                },
            }
        })
    }

    fn upsert_row(&self, table: &str, values: &Map<String, Value>) -> Result<Row, TableError> {
        let def = self.def(table)?;
        let (sql, params) = upsert_sql(&def, values, &self.now(), Dialect::Sqlite)?;
        let params = sqlite_params(params);
        self.write(move |conn, path| {
            let mut stmt = conn.prepare_cached(&sql).tab(path)?;
            stmt.query_row(params_from_iter(params), |r| read_row(&def, r))
                .tab(path)
        })
    }

    fn delete_row(&self, table: &str, id: i64) -> Result<bool, TableError> {
        let def = self.def(table)?;
        let sql = format!("DELETE FROM {} WHERE id = ?1", sql_table(&def.name));
        self.write(move |conn, path| Ok(conn.execute(&sql, [id]).tab(path)? > 0))
    }

    fn delete_rows(&self, table: &str, filter: &Filter) -> Result<u64, TableError> {
        let def = self.def(table)?;
        let (sql, params) = filtered_sql(&def, filter, "DELETE FROM", Dialect::Sqlite)?;
        let params = sqlite_params(params);
        self.write(move |conn, path| {
            let n = conn.execute(&sql, params_from_iter(params)).tab(path)?;
            Ok(n as u64)
        })
    }

    fn search(&self, table: &str, search: &Search) -> Result<Vec<Row>, TableError> {
        let def = self.def(table)?;
        let (sql, params) = search_sql(&def, search, Dialect::Sqlite)?;
        let params = sqlite_params(params);
        self.read(move |conn, path| query_rows(conn, path, &def, &sql, params))
    }

    fn count(&self, table: &str, filter: &Filter) -> Result<u64, TableError> {
        let def = self.def(table)?;
        let (sql, params) = filtered_sql(&def, filter, "SELECT count(*) FROM", Dialect::Sqlite)?;
        let params = sqlite_params(params);
        self.read(move |conn, path| {
            let mut stmt = conn.prepare_cached(&sql).tab(path)?;
            let n: i64 = stmt
                .query_row(params_from_iter(params), |r| r.get(0))
                .tab(path)?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
    }

    fn clear(&self, table: &str) -> Result<u64, TableError> {
        let def = self.def(table)?;
        let sql = format!("DELETE FROM {}", sql_table(&def.name));
        self.write(move |conn, path| Ok(conn.execute(&sql, []).tab(path)? as u64))
    }

    fn stream(
        &self,
        table: &str,
        filter: &Filter,
        each: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<u64, TableError> {
        let def = self.def(table)?;
        let (sql, params) = stream_sql(&def, filter, Dialect::Sqlite)?;
        let params = sqlite_params(params);
        let sql = Arc::new(sql);
        let def = Arc::new(def);
        let mut after = i64::MIN;
        let mut handed = 0u64;
        loop {
            let mut page_params = params.clone();
            page_params.push(Sql::Integer(after));
            let (sql, def) = (sql.clone(), def.clone());
            let page =
                self.read(move |conn, path| query_rows(conn, path, &def, &sql, page_params))?;
            let full = page.len() == PAGE;
            for row in page {
                after = row.get("id").and_then(Value::as_i64).unwrap_or(after);
                handed += 1;
                if each(row).is_break() {
                    return Ok(handed);
                }
            }
            if !full {
                return Ok(handed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flow_model::tables::{Column, Sort};
    use serde_json::json;

    fn def() -> TableDef {
        TableDef {
            name: "users".into(),
            columns: vec![
                Column {
                    name: "email".into(),
                    ty: ColumnType::Text,
                },
                Column {
                    name: "n".into(),
                    ty: ColumnType::Number,
                },
            ],
            key: Some("email".into()),
            indexes: vec![vec!["n".into()]],
            span: None,
        }
    }

    #[test]
    fn search_sql_is_parameterised() {
        let s = Search {
            filter: Filter::Or(vec![
                Filter::Cmp {
                    column: "email".into(),
                    op: Op::StartsWith,
                    value: json!("a'"),
                },
                Filter::Cmp {
                    column: "n".into(),
                    op: Op::GreaterThan,
                    value: json!(2),
                },
            ]),
            sort: vec![Sort {
                column: "n".into(),
                descending: true,
            }],
            limit: Some(10),
            offset: 20,
        };
        let (sql, params) = search_sql(&def(), &s, Dialect::Sqlite).unwrap();
        assert_eq!(
            sql,
            "SELECT id, _version, _created, _updated, \"email\", \"n\" FROM \"t_users\" \
             WHERE (substr(\"email\", 1, ?) = ?) \
             OR (\"n\" > ?) ORDER BY \"n\" DESC, id LIMIT ? OFFSET ?"
        );
        assert_eq!(params.len(), 5);
    }

    #[test]
    fn postgres_sql_numbers_and_types_its_placeholders() {
        let s = Search {
            filter: Filter::And(vec![
                Filter::Cmp {
                    column: "email".into(),
                    op: Op::StartsWith,
                    value: json!("a"),
                },
                Filter::Cmp {
                    column: "n".into(),
                    op: Op::GreaterThan,
                    value: json!(2),
                },
            ]),
            sort: vec![],
            limit: None,
            offset: 5,
        };
        let (sql, params) = search_sql(&def(), &s, Dialect::Postgres).unwrap();
        assert_eq!(
            sql,
            "SELECT id, _version, _created, _updated, \"email\", \"n\" FROM \"t_users\" WHERE \
             (starts_with(\"email\", $1)) AND (\"n\" > $2::float8) ORDER BY id LIMIT ALL OFFSET $3"
        );
        assert_eq!(
            params,
            [Param::Text("a".into()), Param::Real(2.0), Param::Int(5)]
        );
    }

    #[test]
    fn writes_record_their_time_and_an_update_keeps_the_creation_time() {
        assert_eq!(stamp(1_767_605_400_123), "2026-01-05T09:30:00.123Z");
        assert_eq!(stamp(0), "1970-01-01T00:00:00.000Z");
        let now = "2026-01-05T09:30:00.000Z";
        let values: Map<String, Value> = [("n".to_string(), json!(3))].into_iter().collect();
        let (sql, params) = insert_sql(&def(), &values, now, Dialect::Postgres).unwrap();
        assert_eq!(
            sql,
            "INSERT INTO \"t_users\" (_version, _created, _updated, \"n\") VALUES (1, $1, $2, $3::float8)"
        );
        assert_eq!(
            params[..2],
            [Param::Text(now.into()), Param::Text(now.into())]
        );
        let (sql, params) = update_sql(&def(), 7, &values, Some(2), now, Dialect::Sqlite).unwrap();
        assert!(
            sql.starts_with(
                "UPDATE \"t_users\" SET \"n\" = ?, _updated = ?, _version = _version + 1 \
                 WHERE id = ? AND _version = ? RETURNING"
            ),
            "{sql}"
        );
        assert_eq!(
            params,
            [
                Param::Real(3.0),
                Param::Text(now.into()),
                Param::Int(7),
                Param::Int(2)
            ]
        );
        let with_key: Map<String, Value> =
            [("email".to_string(), json!("a@x"))].into_iter().collect();
        let (sql, _) = upsert_sql(&def(), &with_key, now, Dialect::Sqlite).unwrap();
        assert!(
            sql.contains("DO UPDATE SET \"email\" = excluded.\"email\", _updated = excluded._updated, _version"),
            "{sql}"
        );
        assert!(!sql.contains("_created = "), "{sql}");
    }

    #[test]
    fn tables_get_their_times_when_created_and_when_opened_after_an_upgrade() {
        let new = table_ddl(&def(), None, Dialect::Sqlite).unwrap();
        assert!(
            new.statements[0].ends_with("_version BIGINT NOT NULL, _created TEXT, _updated TEXT)"),
            "{:?}",
            new.statements
        );
        assert!(!new.statements.iter().any(|s| s.contains("ADD COLUMN _")));
        let recorded: Map<String, Value> = serde_json::from_str(&new.columns).unwrap();
        assert_eq!(recorded["_created"], "date");
        assert_eq!(recorded["_updated"], "date");
        // Opened again: nothing to add.
        let again = table_ddl(&def(), Some(&new.columns), Dialect::Sqlite).unwrap();
        assert!(!again.statements.iter().any(|s| s.contains("ADD COLUMN")));
        // A table made before rows had times: both are added, then recorded.
        let old = r#"{"email": "text", "n": "number"}"#;
        let upgraded = table_ddl(&def(), Some(old), Dialect::Postgres).unwrap();
        let added: Vec<&String> = upgraded
            .statements
            .iter()
            .filter(|s| s.contains("ADD COLUMN"))
            .collect();
        assert_eq!(
            added,
            [
                "ALTER TABLE \"t_users\" ADD COLUMN _created TEXT",
                "ALTER TABLE \"t_users\" ADD COLUMN _updated TEXT"
            ]
        );
        assert!(upgraded.columns.contains("\"_updated\":\"date\""));
    }

    #[test]
    fn numbers_read_back_as_integers_when_whole() {
        assert_eq!(number(3.0), json!(3));
        assert_eq!(number(2.5), json!(2.5));
    }
}
