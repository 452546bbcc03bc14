//! Tables in flow tests: a case's `tables:` seeds a fresh in-memory table store (every declared
//! table created, the listed rows inserted), and `expect: { tables: … }` compares a table's rows
//! afterwards, in id order, each row as a subset (so `id` and `_version` count only if given).

use crate::expect::subset;
use flow_model::tables::{Search, TableError, TableStore, Tables};
use flow_store::{SqliteStore, SqliteTables, StoreError};
use serde_json::{Map, Value};
use std::sync::Arc;

/// Why a case's tables could not be seeded.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The in-memory store did not open.
    #[error("cannot open the in-memory table store: {0}")]
    Store(#[from] StoreError),
    /// The declared tables could not be created.
    #[error("cannot create the project's tables: {0}")]
    Create(TableError),
    /// A seeded row was refused (unknown table or column, wrong type, duplicate key).
    #[error("tables.{table}: {error}")]
    Row {
        /// The table named in the case.
        table: String,
        /// What the store said.
        error: TableError,
    },
}

/// A fresh in-memory store holding every table `defs` declares, with `seeds` inserted in order.
pub fn seed(
    defs: &Tables,
    seeds: &[(String, Vec<Map<String, Value>>)],
) -> Result<Arc<dyn TableStore>, SeedError> {
    let store = Arc::new(SqliteStore::open_in_memory()?);
    let tables = SqliteTables::open(store, defs).map_err(SeedError::Create)?;
    for (table, rows) in seeds {
        tables
            .create_rows(table, rows)
            .map_err(|error| SeedError::Row {
                table: table.clone(),
                error,
            })?;
    }
    Ok(Arc::new(tables))
}

/// Compares each expected table with the store's rows (in id order, the same count, each row a
/// subset of the actual one); each difference is one message in `out`.
pub fn check(store: &dyn TableStore, expected: &[(String, Vec<Value>)], out: &mut Vec<String>) {
    for (table, rows) in expected {
        let path = format!("tables.{table}");
        match store.search(table, &Search::all()) {
            Ok(actual) => {
                let actual: Vec<Value> = actual.into_iter().map(Value::Object).collect();
                subset(
                    &path,
                    &Value::Array(rows.clone()),
                    &Value::Array(actual),
                    out,
                );
            }
            Err(e) => out.push(format!("{path}: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flow_model::tables::decode_tables;
    use flow_model::{Diagnostics, Sources, node::parse_yaml};
    use serde_json::json;

    fn defs() -> Tables {
        let mut sources = Sources::new();
        let text = "people:\n  columns: { email: text, age: number }\n  key: email\n";
        let id = sources.add("t.yaml", text);
        let node = parse_yaml(id, text).unwrap();
        let mut diags = Diagnostics::new();
        let defs = decode_tables(&node, &mut diags);
        assert!(!diags.has_errors());
        defs
    }

    fn row(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn seeded_rows_are_read_back_and_differences_named() {
        let seeds = vec![(
            "people".to_string(),
            vec![
                row(json!({"email": "a@x", "age": 1})),
                row(json!({"email": "b@x"})),
            ],
        )];
        let store = seed(&defs(), &seeds).unwrap();
        let mut out = Vec::new();
        let same = vec![(
            "people".to_string(),
            vec![
                json!({"email": "a@x", "age": 1, "id": 1}),
                json!({"email": "b@x"}),
            ],
        )];
        check(&*store, &same, &mut out);
        assert!(out.is_empty(), "{out:?}");

        let differ = vec![(
            "people".to_string(),
            vec![json!({"email": "a@x", "age": 2}), json!({"email": "b@x"})],
        )];
        check(&*store, &differ, &mut out);
        assert_eq!(out, vec!["tables.people[0].age: expected 2, got 1"]);

        let mut out = Vec::new();
        let fewer = vec![("people".to_string(), vec![json!({"email": "a@x"})])];
        check(&*store, &fewer, &mut out);
        assert_eq!(out.len(), 1);
        assert!(
            out[0].starts_with("tables.people: expected 1 items, got 2"),
            "{out:?}"
        );
    }

    #[test]
    fn a_row_the_table_refuses_is_a_seed_error() {
        let seeds = vec![("people".to_string(), vec![row(json!({"name": "x"}))])];
        let err = seed(&defs(), &seeds).err().unwrap();
        assert!(
            matches!(err, SeedError::Row { ref table, .. } if table == "people"),
            "{err}"
        );
        let seeds = vec![("nobody".to_string(), vec![row(json!({"email": "x"}))])];
        assert!(matches!(seed(&defs(), &seeds), Err(SeedError::Row { .. })));
    }
}
