//! [`PostgresTables`]: the project's tables (`tables:` in `flowctl.yaml`) as real tables with
//! indexes in the store's PostgreSQL database, behind [`TableStore`], with the semantics of
//! [`SqliteTables`](crate::SqliteTables).
//!
//! Each table `NAME` is `t_NAME`: `id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY`,
//! `_version BIGINT NOT NULL`, `_created TEXT` and `_updated TEXT` (when the row was written
//! first and last, on the store's clock) and one column per declared column (text and date `TEXT`, number
//! `DOUBLE PRECISION`, boolean `BOOLEAN`, object `JSONB`); a `key:` is a unique index,
//! `indexes:` plain indexes; `flow_tables (name, columns)` records the types each table was
//! created with. The SQL of filters, searches and writes is the SQLite store's
//! (`crate::tables`), written with `$n` placeholders.
//!
//! Opening applies the declaration in one transaction, under an advisory lock so nodes opening
//! the same database at once do not race: new tables, columns and indexes are created, a type
//! change is refused ([`TableError::TypeChanged`]). Every other call is one statement or one
//! transaction on a pooled connection, after the store's queued run writes are committed.

use super::PostgresStore;
use super::conn::Conn;
use crate::tables::{
    Dialect, PAGE, Param, duplicate, filtered_sql, insert_sql, number, search_sql, select_list,
    sql_table, stamp, stream_sql, table_ddl, update_sql, upsert_sql,
};
use flow_model::tables::{
    ColumnType, Filter, Row, Search, TableDef, TableError, TableStore, Tables,
};
use postgres::GenericClient;
use postgres::error::SqlState;
use postgres::types::ToSql;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::Arc;

/// The advisory lock key held while tables are created or extended (`flowctl` tables).
const OPEN_LOCK: i64 = 0x666c_6f77_7462;

/// The project's tables in a [`PostgresStore`].
pub struct PostgresTables {
    store: Arc<PostgresStore>,
    defs: Tables,
}

impl std::fmt::Debug for PostgresTables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresTables")
            .field("tables", &self.defs.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl PostgresTables {
    /// The tables `defs` declares, kept in `store`: creates what is missing (tables, columns,
    /// indexes) in one transaction; refuses a column whose type changed.
    pub fn open(store: Arc<PostgresStore>, defs: &Tables) -> Result<PostgresTables, TableError> {
        let tables = PostgresTables {
            store,
            defs: defs.clone(),
        };
        tables.on(|conn| {
            let target = conn.target.clone();
            let mut tx = conn.client.transaction().map_err(|e| err(&target, &e))?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&OPEN_LOCK])
                .map_err(|e| err(&target, &e))?;
            tx.batch_execute(
                "CREATE TABLE IF NOT EXISTS flow_tables \
                 (name TEXT PRIMARY KEY, columns TEXT NOT NULL)",
            )
            .map_err(|e| err(&target, &e))?;
            for def in tables.defs.values() {
                apply(&mut tx, &target, def)?;
            }
            tx.commit().map_err(|e| err(&target, &e))
        })?;
        Ok(tables)
    }

    fn def(&self, name: &str) -> Result<&TableDef, TableError> {
        self.defs
            .get(name)
            .ok_or_else(|| TableError::UnknownTable(name.to_string()))
    }

    /// Now, as a write records it in `_created` and `_updated` (the store's clock).
    fn now(&self) -> String {
        stamp(self.store.now())
    }

    /// Runs `f` on a pooled connection.
    fn on<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T, TableError>) -> Result<T, TableError> {
        self.store.with(|c| Ok(f(c)))?
    }

    /// The rows a query returns.
    fn rows(&self, def: &TableDef, sql: &str, params: &[Param]) -> Result<Vec<Row>, TableError> {
        self.on(|c| {
            let rows = c
                .client
                .query(sql, &refs(&bind(params)))
                .map_err(|e| err(&c.target, &e))?;
            rows.iter().map(|r| read_row(def, r)).collect()
        })
    }
}

/// A client error as a table error.
fn err(target: &super::conn::Target, e: &postgres::Error) -> TableError {
    TableError::from(target.error(e))
}

fn is_unique_violation(e: &postgres::Error) -> bool {
    e.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

/// Creates or extends one table to match its declaration (the statements are the SQLite
/// store's, in PostgreSQL's dialect: [`table_ddl`]).
fn apply(
    tx: &mut postgres::Transaction<'_>,
    target: &super::conn::Target,
    def: &TableDef,
) -> Result<(), TableError> {
    let stored: Option<String> = tx
        .query_opt(
            "SELECT columns FROM flow_tables WHERE name = $1",
            &[&def.name],
        )
        .map_err(|e| err(target, &e))?
        .map(|r| r.try_get(0))
        .transpose()
        .map_err(|e| err(target, &e))?;
    let ddl = table_ddl(def, stored.as_deref(), Dialect::Postgres)?;
    for statement in &ddl.statements {
        tx.batch_execute(statement).map_err(|e| err(target, &e))?;
    }
    tx.execute(
        "INSERT INTO flow_tables (name, columns) VALUES ($1, $2) \
         ON CONFLICT (name) DO UPDATE SET columns = excluded.columns",
        &[&def.name, &ddl.columns],
    )
    .map_err(|e| err(target, &e))?;
    Ok(())
}

/// Parameters as the client binds them (placeholders carry the casts; see `Dialect::mark`).
fn bind(params: &[Param]) -> Vec<Box<dyn ToSql + Sync>> {
    params
        .iter()
        .map(|p| -> Box<dyn ToSql + Sync> {
            match p {
                Param::Null(ColumnType::Number) => Box::new(None::<f64>),
                Param::Null(ColumnType::Boolean) => Box::new(None::<bool>),
                Param::Null(_) => Box::new(None::<String>),
                Param::Text(s) => Box::new(s.clone()),
                Param::Real(f) => Box::new(*f),
                Param::Int(i) => Box::new(*i),
                Param::Bool(b) => Box::new(*b),
                Param::Json(v) => Box::new(v.to_string()),
            }
        })
        .collect()
}

fn refs(bound: &[Box<dyn ToSql + Sync>]) -> Vec<&(dyn ToSql + Sync)> {
    bound.iter().map(|b| &**b as &(dyn ToSql + Sync)).collect()
}

/// A row as JSON (its `SELECT` list is [`select_list`]).
fn read_row(def: &TableDef, r: &postgres::Row) -> Result<Row, TableError> {
    fn get<'a, T: postgres::types::FromSql<'a>>(
        r: &'a postgres::Row,
        i: usize,
    ) -> Result<T, TableError> {
        r.try_get(i)
            .map_err(|e| TableError::Store(format!("unexpected column {i}: {e}")))
    }
    let mut row = Map::with_capacity(def.columns.len() + 4);
    row.insert("id".into(), Value::from(get::<i64>(r, 0)?));
    row.insert("_version".into(), Value::from(get::<i64>(r, 1)?));
    for (i, t) in ["_created", "_updated"].into_iter().enumerate() {
        let v = get::<Option<String>>(r, i + 2)?.map_or(Value::Null, Value::String);
        row.insert(t.to_string(), v);
    }
    for (i, c) in def.columns.iter().enumerate() {
        let i = i + 4;
        let v = match c.ty {
            ColumnType::Text | ColumnType::Date => {
                get::<Option<String>>(r, i)?.map_or(Value::Null, Value::String)
            }
            ColumnType::Number => get::<Option<f64>>(r, i)?.map_or(Value::Null, number),
            ColumnType::Boolean => get::<Option<bool>>(r, i)?.map_or(Value::Null, Value::Bool),
            ColumnType::Object => get::<Option<String>>(r, i)?.map_or(Value::Null, |t| {
                serde_json::from_str(&t).unwrap_or(Value::String(t))
            }),
        };
        row.insert(c.name.clone(), v);
    }
    Ok(row)
}

/// Runs one statement returning at most one row; a unique key violation is a duplicate of
/// `values`.
fn one(
    client: &mut impl GenericClient,
    target: &super::conn::Target,
    def: &TableDef,
    sql: &str,
    params: &[Param],
    values: &Map<String, Value>,
) -> Result<Option<Row>, TableError> {
    match client.query_opt(sql, &refs(&bind(params))) {
        Ok(Some(r)) => Ok(Some(read_row(def, &r)?)),
        Ok(None) => Ok(None),
        Err(e) if is_unique_violation(&e) => Err(duplicate(def, values)),
        Err(e) => Err(err(target, &e)),
    }
}

impl TableStore for PostgresTables {
    fn table(&self, name: &str) -> Result<&TableDef, TableError> {
        self.def(name)
    }

    fn tables(&self) -> Vec<&TableDef> {
        self.defs.values().collect()
    }

    fn create_row(&self, table: &str, values: &Map<String, Value>) -> Result<Row, TableError> {
        let def = self.def(table)?;
        def.check_values(values)?;
        let (sql, params) = insert_sql(def, values, &self.now(), Dialect::Postgres)?;
        let sql = format!("{sql} RETURNING {}", select_list(def, Dialect::Postgres));
        self.on(|c| {
            one(&mut c.client, &c.target, def, &sql, &params, values)?
                .ok_or_else(|| TableError::Store("an insert returned no row".into()))
        })
    }

    fn create_rows(&self, table: &str, rows: &[Map<String, Value>]) -> Result<usize, TableError> {
        let def = self.def(table)?;
        let mut statements = Vec::with_capacity(rows.len());
        let now = self.now();
        for r in rows {
            def.check_values(r)?;
            statements.push(insert_sql(def, r, &now, Dialect::Postgres)?);
        }
        self.on(|c| {
            let target = c.target.clone();
            let mut tx = c.client.transaction().map_err(|e| err(&target, &e))?;
            // Rows naming the same columns share one statement, prepared once.
            let mut prepared: HashMap<&str, postgres::Statement> = HashMap::new();
            for ((sql, params), r) in statements.iter().zip(rows) {
                let stmt = match prepared.get(sql.as_str()) {
                    Some(stmt) => stmt.clone(),
                    None => {
                        let stmt = tx.prepare(sql).map_err(|e| err(&target, &e))?;
                        prepared.insert(sql, stmt.clone());
                        stmt
                    }
                };
                match tx.execute(&stmt, &refs(&bind(params))) {
                    Ok(_) => {}
                    Err(e) if is_unique_violation(&e) => return Err(duplicate(def, r)),
                    Err(e) => return Err(err(&target, &e)),
                }
            }
            tx.commit().map_err(|e| err(&target, &e))?;
            Ok(rows.len())
        })
    }

    fn read_row(&self, table: &str, id: i64) -> Result<Option<Row>, TableError> {
        let def = self.def(table)?;
        let sql = format!(
            "SELECT {} FROM {} WHERE id = $1",
            select_list(def, Dialect::Postgres),
            sql_table(&def.name)
        );
        Ok(self.rows(def, &sql, &[Param::Int(id)])?.into_iter().next())
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
            def,
            id,
            values,
            expect_version,
            &self.now(),
            Dialect::Postgres,
        )?;
        let updated = self.on(|c| one(&mut c.client, &c.target, def, &sql, &params, values))?;
        match (updated, expect_version) {
            (Some(row), _) => Ok(Some(row)),
            (None, None) => Ok(None),
            (None, Some(expected)) => match self.read_row(table, id)? {
                None => Ok(None),
                Some(row) => Err(TableError::Conflict {
                    table: def.name.clone(),
                    id,
                    expected,
                    found: row.get("_version").and_then(Value::as_i64).unwrap_or(0),
                }),
            },
        }
    }

    fn upsert_row(&self, table: &str, values: &Map<String, Value>) -> Result<Row, TableError> {
        let def = self.def(table)?;
        let (sql, params) = upsert_sql(def, values, &self.now(), Dialect::Postgres)?;
        self.on(|c| {
            one(&mut c.client, &c.target, def, &sql, &params, values)?
                .ok_or_else(|| TableError::Store("an upsert returned no row".into()))
        })
    }

    fn delete_row(&self, table: &str, id: i64) -> Result<bool, TableError> {
        let def = self.def(table)?;
        let sql = format!("DELETE FROM {} WHERE id = $1", sql_table(&def.name));
        self.on(|c| {
            let n = c
                .client
                .execute(sql.as_str(), &[&id])
                .map_err(|e| err(&c.target, &e))?;
            Ok(n > 0)
        })
    }

    fn delete_rows(&self, table: &str, filter: &Filter) -> Result<u64, TableError> {
        let def = self.def(table)?;
        let (sql, params) = filtered_sql(def, filter, "DELETE FROM", Dialect::Postgres)?;
        self.on(|c| {
            c.client
                .execute(sql.as_str(), &refs(&bind(&params)))
                .map_err(|e| err(&c.target, &e))
        })
    }

    fn search(&self, table: &str, search: &Search) -> Result<Vec<Row>, TableError> {
        let def = self.def(table)?;
        let (sql, params) = search_sql(def, search, Dialect::Postgres)?;
        self.rows(def, &sql, &params)
    }

    fn count(&self, table: &str, filter: &Filter) -> Result<u64, TableError> {
        let def = self.def(table)?;
        let (sql, params) = filtered_sql(def, filter, "SELECT count(*) FROM", Dialect::Postgres)?;
        self.on(|c| {
            let row = c
                .client
                .query_one(sql.as_str(), &refs(&bind(&params)))
                .map_err(|e| err(&c.target, &e))?;
            let n: i64 = row.try_get(0).map_err(|e| err(&c.target, &e))?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
    }

    fn clear(&self, table: &str) -> Result<u64, TableError> {
        let def = self.def(table)?;
        let sql = format!("DELETE FROM {}", sql_table(&def.name));
        self.on(|c| {
            c.client
                .execute(sql.as_str(), &[])
                .map_err(|e| err(&c.target, &e))
        })
    }

    fn stream(
        &self,
        table: &str,
        filter: &Filter,
        each: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<u64, TableError> {
        let def = self.def(table)?;
        let (sql, params) = stream_sql(def, filter, Dialect::Postgres)?;
        let mut after = i64::MIN;
        let mut handed = 0u64;
        loop {
            let mut page_params = params.clone();
            page_params.push(Param::Int(after));
            let page = self.rows(def, &sql, &page_params)?;
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
