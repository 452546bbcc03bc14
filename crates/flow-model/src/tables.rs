//! Tables: the `tables:` declaration of `flowctl.yaml` (a name and typed columns, indexes, an
//! optional unique key), the row and search types, and the [`TableStore`] trait the store
//! implements and table cards use.
//!
//! ```yaml
//! tables:
//!   suspended_users:
//!     columns:
//!       user_id: text
//!       email: text
//!       suspended_at: date
//!       strikes: number
//!     key: user_id          # unique; upsert and `read_row … by key` use it
//!     indexes: [email]      # a column, or a list of columns
//! ```
//!
//! Every row also has `id` (a number the store gives it), a version that each write
//! increments (`_version` in rows read), for optimistic updates, and when it was written first
//! and last (`_created`, `_updated`: RFC 3339 in UTC with milliseconds, from the store's clock).

pub mod csv;

use crate::decode::{fields, text, wrong_type};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::node::{Node, key_text};
use crate::span::Span;
use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::fmt;
use std::ops::ControlFlow;

/// The type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// Text.
    Text,
    /// A number (stored as a double).
    Number,
    /// `true` or `false`.
    Boolean,
    /// A date or date-time in RFC 3339 / ISO 8601 form (`2026-01-31`, `2026-01-31T10:00:00Z`),
    /// stored as text so it sorts in time order.
    Date,
    /// Any JSON value (stored as JSON text).
    Object,
}

impl ColumnType {
    /// The word written in `flowctl.yaml`.
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnType::Text => "text",
            ColumnType::Number => "number",
            ColumnType::Boolean => "boolean",
            ColumnType::Date => "date",
            ColumnType::Object => "object",
        }
    }

    /// Parses the word written in `flowctl.yaml`.
    pub fn parse(word: &str) -> Option<ColumnType> {
        Some(match word {
            "text" => ColumnType::Text,
            "number" => ColumnType::Number,
            "boolean" => ColumnType::Boolean,
            "date" => ColumnType::Date,
            "object" => ColumnType::Object,
            _ => return None,
        })
    }

    /// Whether `value` may be stored in a column of this type (null always may).
    pub fn accepts(self, value: &Value) -> bool {
        match (self, value) {
            (_, Value::Null) | (ColumnType::Object, _) => true,
            (ColumnType::Text, Value::String(_)) => true,
            (ColumnType::Number, Value::Number(_)) => true,
            (ColumnType::Boolean, Value::Bool(_)) => true,
            (ColumnType::Date, Value::String(s)) => is_date(s),
            _ => false,
        }
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// True for `YYYY-MM-DD`, optionally followed by `T` and a time (what Okta's date columns hold).
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let date = b.len() >= 10
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10);
    date && (b.len() == 10 || (b[10] == b'T' && b.len() >= 16 && digits(11..13) && b[13] == b':'))
}

/// One declared column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The name (`[a-z_][a-z0-9_]*`, not `id`).
    pub name: String,
    /// Its type.
    pub ty: ColumnType,
}

/// One declared table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableDef {
    /// The name (`[a-z_][a-z0-9_]*`).
    pub name: String,
    /// The columns, in written order.
    pub columns: Vec<Column>,
    /// The unique key column, when declared.
    pub key: Option<String>,
    /// Indexes, each one or more columns.
    pub indexes: Vec<Vec<String>>,
    /// Where the table is declared.
    pub span: Option<Span>,
}

impl TableDef {
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Checks a value for `column`: the column exists and the value fits its type.
    pub fn check_value(&self, column: &str, value: &Value) -> Result<ColumnType, TableError> {
        let Some(col) = self.column(column) else {
            return Err(TableError::UnknownColumn {
                table: self.name.clone(),
                column: column.to_string(),
                known: self.column_names(),
            });
        };
        if !col.ty.accepts(value) {
            return Err(TableError::WrongType {
                table: self.name.clone(),
                column: column.to_string(),
                expected: col.ty,
                found: value_kind(value),
            });
        }
        Ok(col.ty)
    }

    /// Checks every value of a row (column → value).
    pub fn check_values(&self, values: &Map<String, Value>) -> Result<(), TableError> {
        for (k, v) in values {
            self.check_value(k, v)?;
        }
        Ok(())
    }

    /// The column names, comma separated (for messages).
    pub fn column_names(&self) -> String {
        let names: Vec<&str> = self.columns.iter().map(|c| c.name.as_str()).collect();
        names.join(", ")
    }
}

/// What a JSON value is, for messages.
fn value_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(s) if is_date(s) => "a date",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The declared tables, by name.
pub type Tables = IndexMap<String, TableDef>;

const TABLE_KEYS: &[&str] = &["columns", "key", "indexes"];

/// Names a table or column may have: `[a-z_][a-z0-9_]*`, at most 48 characters.
fn is_name(s: &str) -> bool {
    s.len() <= 48 && crate::decode::is_identifier(s)
}

/// Decodes `tables:`.
pub fn decode_tables(node: &Node, diags: &mut Diagnostics) -> Tables {
    let mut tables = Tables::new();
    if matches!(node.kind, crate::node::NodeKind::Null) {
        return tables;
    }
    let Some(entries) = node.as_map() else {
        diags.push(wrong_type(node, "`tables`", "a mapping of table names"));
        return tables;
    };
    for (k, v) in entries {
        let name = key_text(k);
        if !is_name(&name) {
            diags.push(
                Diagnostic::error(
                    Code::Config,
                    Some(k.span),
                    format!("invalid table name `{name}`"),
                )
                .with_help("use lower-case letters, digits and `_` (at most 48)"),
            );
            continue;
        }
        if let Some(def) = decode_table(&name, k.span, v, diags) {
            tables.insert(name, def);
        }
    }
    tables
}

fn decode_table(name: &str, span: Span, node: &Node, diags: &mut Diagnostics) -> Option<TableDef> {
    let what = format!("table `{name}`");
    let f = fields(node, &what, TABLE_KEYS, diags)?;
    let cols = f.required("columns", diags)?;
    let Some(entries) = cols.as_map() else {
        diags.push(wrong_type(
            cols,
            "`columns`",
            "a mapping of column names to types",
        ));
        return None;
    };
    let mut def = TableDef {
        name: name.to_string(),
        columns: Vec::new(),
        key: None,
        indexes: Vec::new(),
        span: Some(span),
    };
    for (k, v) in entries {
        let col = key_text(k);
        if !is_name(&col) || col == "id" || col.starts_with('_') {
            diags.push(
                Diagnostic::error(Code::Config, Some(k.span), format!("invalid column name `{col}`"))
                    .with_help("use lower-case letters, digits and `_`; `id` and names starting with `_` are the store's"),
            );
            continue;
        }
        let Some(word) = text(v, &format!("the type of column `{col}`"), diags) else {
            continue;
        };
        match ColumnType::parse(&word.value) {
            Some(ty) => def.columns.push(Column { name: col, ty }),
            None => diags.push(
                Diagnostic::error(
                    Code::Config,
                    Some(word.span),
                    format!("unknown column type `{}`", word.value),
                )
                .with_help("use text, number, boolean, date or object"),
            ),
        }
    }
    let columns = def.columns.clone();
    let known = |c: &str, span: Span, diags: &mut Diagnostics| {
        let ok = columns.iter().any(|col| col.name == c);
        if !ok {
            diags.push(
                Diagnostic::error(
                    Code::Config,
                    Some(span),
                    format!("table `{name}` has no column `{c}`"),
                )
                .with_help_opt(crate::suggest::hint(c, columns.iter().map(|c| &c.name))),
            );
        }
        ok
    };
    if let Some(key) = f.opt_str("key", diags)
        && known(&key.value, key.span, diags)
    {
        def.key = Some(key.value);
    }
    if let Some(idx) = f.get("indexes") {
        let Some(items) = idx.as_seq() else {
            diags.push(wrong_type(
                idx,
                "`indexes`",
                "a list of columns (or lists of columns)",
            ));
            return Some(def);
        };
        for item in items {
            let cols: Vec<Node> = match item.as_seq() {
                Some(seq) => seq.to_vec(),
                None => vec![item.clone()],
            };
            let mut index = Vec::new();
            for c in &cols {
                if let Some(t) = text(c, "an index column", diags)
                    && known(&t.value, t.span, diags)
                {
                    index.push(t.value);
                }
            }
            if !index.is_empty() && index.len() == cols.len() {
                def.indexes.push(index);
            }
        }
    }
    Some(def)
}

/// A row as read: `id`, `_version`, `_created`, `_updated` and every column (null when not
/// set).
pub type Row = Map<String, Value>;

/// A comparison in a search condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `equals`.
    Equals,
    /// `not_equals`.
    NotEquals,
    /// `contains` (text).
    Contains,
    /// `starts_with` (text).
    StartsWith,
    /// `greater_than`.
    GreaterThan,
    /// `less_than`.
    LessThan,
    /// `is_empty` (null or empty text); takes no value.
    IsEmpty,
    /// `is_not_empty`; takes no value.
    IsNotEmpty,
}

impl Op {
    /// Parses the word written in a condition.
    pub fn parse(word: &str) -> Option<Op> {
        Some(match word {
            "equals" | "eq" | "=" => Op::Equals,
            "not_equals" | "ne" | "!=" => Op::NotEquals,
            "contains" => Op::Contains,
            "starts_with" => Op::StartsWith,
            "greater_than" | "gt" | ">" => Op::GreaterThan,
            "less_than" | "lt" | "<" => Op::LessThan,
            "is_empty" => Op::IsEmpty,
            "is_not_empty" => Op::IsNotEmpty,
            _ => return None,
        })
    }

    /// The words a condition may use, for messages.
    pub const WORDS: &'static str = "equals, not_equals, contains, starts_with, greater_than, less_than, is_empty, is_not_empty";

    /// Whether the comparison takes a value.
    pub fn takes_value(self) -> bool {
        !matches!(self, Op::IsEmpty | Op::IsNotEmpty)
    }
}

/// A search condition: a comparison, or all / any of several conditions.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Every row.
    All,
    /// `column op value`.
    Cmp {
        /// The column (or `id`).
        column: String,
        /// The comparison.
        op: Op,
        /// The value compared with (null for `is_empty`).
        value: Value,
    },
    /// Every condition holds.
    And(Vec<Filter>),
    /// At least one holds.
    Or(Vec<Filter>),
}

impl Filter {
    /// Checks every column named exists, and that each value fits its column's type.
    pub fn check(&self, table: &TableDef) -> Result<(), TableError> {
        match self {
            Filter::All => Ok(()),
            Filter::Cmp { column, op, value } => {
                if column == "id" {
                    return if value.is_number() || !op.takes_value() {
                        Ok(())
                    } else {
                        Err(TableError::WrongType {
                            table: table.name.clone(),
                            column: "id".into(),
                            expected: ColumnType::Number,
                            found: value_kind(value),
                        })
                    };
                }
                let ty = table.check_value(column, &Value::Null)?;
                let fits = match op {
                    Op::IsEmpty | Op::IsNotEmpty => true,
                    // Text operations on dates compare their text.
                    Op::Contains | Op::StartsWith => value.is_string(),
                    _ => ty.accepts(value) && !value.is_null(),
                };
                if fits {
                    Ok(())
                } else {
                    Err(TableError::WrongType {
                        table: table.name.clone(),
                        column: column.clone(),
                        expected: ty,
                        found: value_kind(value),
                    })
                }
            }
            Filter::And(fs) | Filter::Or(fs) => fs.iter().try_for_each(|f| f.check(table)),
        }
    }
}

/// The order of a search.
#[derive(Debug, Clone, PartialEq)]
pub struct Sort {
    /// The column (or `id`).
    pub column: String,
    /// Largest first.
    pub descending: bool,
}

/// A search: which rows, in which order, how many from where.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    /// Which rows.
    pub filter: Filter,
    /// The order (then by `id`); by `id` when empty.
    pub sort: Vec<Sort>,
    /// At most this many rows.
    pub limit: Option<u64>,
    /// Skip this many first (paging).
    pub offset: u64,
}

impl Search {
    /// Every row, by id.
    pub fn all() -> Search {
        Search {
            filter: Filter::All,
            sort: Vec::new(),
            limit: None,
            offset: 0,
        }
    }
}

/// What went wrong with a table operation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TableError {
    /// The project declares no such table.
    #[error("unknown table `{0}` (tables are declared under `tables:` in flowctl.yaml)")]
    UnknownTable(String),
    /// The table has no such column.
    #[error("table `{table}` has no column `{column}` (its columns: {known})")]
    UnknownColumn {
        /// The table.
        table: String,
        /// The column asked for.
        column: String,
        /// Its columns, for the message.
        known: String,
    },
    /// A value that does not fit its column.
    #[error("column `{column}` of table `{table}` holds {expected} values, not {found}")]
    WrongType {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Its type.
        expected: ColumnType,
        /// What was given.
        found: &'static str,
    },
    /// The declaration changes the type of a column the store already holds.
    #[error(
        "column `{column}` of table `{table}` is {stored} in the store but declared {declared}: \
         a column's type cannot change; declare a new column (and copy the values over), or \
         declare the table under a new name"
    )]
    TypeChanged {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The type in the store.
        stored: ColumnType,
        /// The type declared now.
        declared: ColumnType,
    },
    /// An update that expected another version of the row (someone else changed it).
    #[error(
        "row {id} of table `{table}` changed since it was read (version {found}, expected \
         {expected}): read it again and retry"
    )]
    Conflict {
        /// The table.
        table: String,
        /// The row.
        id: i64,
        /// The version the update expected.
        expected: i64,
        /// The version found.
        found: i64,
    },
    /// Another row already holds this key.
    #[error("table `{table}` already has a row with {column} = {value}")]
    Duplicate {
        /// The table.
        table: String,
        /// The key column.
        column: String,
        /// The value, as JSON.
        value: String,
    },
    /// The operation needs the table to declare a `key:`.
    #[error("table `{0}` declares no `key:` column, which this operation needs")]
    NoKey(String),
    /// The run has no store to keep tables in (`store: none`).
    #[error("tables need a store, and this run has none (`store: none`, or `--no-store`)")]
    NoStore,
    /// CSV that cannot be read into the table.
    #[error("CSV line {line}: {message}")]
    Csv {
        /// The line the record starts at.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The store failed (its own message).
    #[error("{0}")]
    Store(String),
}

/// Where tables are kept: the store implements it, cards and `flowctl table` use it.
///
/// Every method blocks (async callers use `spawn_blocking`). Each write is one transaction;
/// searches read one consistent snapshot. SQL is plain (quoted identifiers, `?` parameters
/// numbered in PostgreSQL as `$n`) so a PostgreSQL store can follow the same statements; each
/// method documents its SQL.
pub trait TableStore: Send + Sync {
    /// The declared table named `name`.
    fn table(&self, name: &str) -> Result<&TableDef, TableError>;
    /// The declared tables.
    fn tables(&self) -> Vec<&TableDef>;
    /// Inserts a row; returns it as stored (with `id`, `_version` 1, and `_created` and
    /// `_updated` now). Values are checked against their columns.
    ///
    /// SQL: `INSERT INTO "t_NAME" ("_version", "_created", "_updated", "col", …) VALUES (1, ?,
    /// ?, ?, …) RETURNING *`.
    fn create_row(&self, table: &str, values: &Map<String, Value>) -> Result<Row, TableError>;
    /// Inserts many rows in one transaction; returns how many.
    fn create_rows(&self, table: &str, rows: &[Map<String, Value>]) -> Result<usize, TableError>;
    /// The row with this id.
    ///
    /// SQL: `SELECT * FROM "t_NAME" WHERE id = ?`.
    fn read_row(&self, table: &str, id: i64) -> Result<Option<Row>, TableError>;
    /// Sets the given columns of row `id` (others stay), `_updated` to now, and increments its
    /// version; with `expect_version`, only if the row is still at that version
    /// ([`TableError::Conflict`] otherwise). Returns the row as updated (None when there is no
    /// such row).
    ///
    /// SQL: `UPDATE "t_NAME" SET "col" = ?, …, "_updated" = ?, "_version" = "_version" + 1
    /// WHERE id = ? [AND "_version" = ?] RETURNING *`.
    fn update_row(
        &self,
        table: &str,
        id: i64,
        values: &Map<String, Value>,
        expect_version: Option<i64>,
    ) -> Result<Option<Row>, TableError>;
    /// Inserts the row, or updates the row with the same key (the table's `key:` column, which
    /// `values` must hold). Returns the row as stored.
    ///
    /// SQL: `INSERT … ON CONFLICT ("key") DO UPDATE SET "col" = excluded."col", …,
    /// "_updated" = excluded."_updated", "_version" = "t_NAME"."_version" + 1 RETURNING *`.
    fn upsert_row(&self, table: &str, values: &Map<String, Value>) -> Result<Row, TableError>;
    /// Deletes the row with this id; false when there was none.
    fn delete_row(&self, table: &str, id: i64) -> Result<bool, TableError>;
    /// Deletes the rows a filter selects; returns how many.
    fn delete_rows(&self, table: &str, filter: &Filter) -> Result<u64, TableError>;
    /// The rows a search selects.
    ///
    /// SQL: `SELECT * FROM "t_NAME" WHERE … ORDER BY …, id LIMIT ? OFFSET ?`; `contains` is
    /// `instr(col, ?) > 0` (PostgreSQL: `strpos`), `starts_with` is `substr(col, 1, n) = ?`.
    fn search(&self, table: &str, search: &Search) -> Result<Vec<Row>, TableError>;
    /// How many rows a filter selects (`SELECT count(*) …`).
    fn count(&self, table: &str, filter: &Filter) -> Result<u64, TableError>;
    /// Deletes every row; returns how many (`DELETE FROM "t_NAME"`).
    fn clear(&self, table: &str) -> Result<u64, TableError>;
    /// Hands the rows a filter selects to `each`, in id order, a page at a time (never all in
    /// memory), until `each` breaks; returns how many were handed. Pages are read by id
    /// (`WHERE … AND id > ? ORDER BY id LIMIT n`), so rows written meanwhile may be seen.
    fn stream(
        &self,
        table: &str,
        filter: &Filter,
        each: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<u64, TableError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::parse_yaml;
    use crate::span::SourceId;
    use serde_json::json;

    fn decode(text: &str) -> (Tables, Diagnostics) {
        let node = parse_yaml(SourceId(0), text).unwrap();
        let mut diags = Diagnostics::new();
        let t = decode_tables(&node, &mut diags);
        (t, diags)
    }

    #[test]
    fn decodes_columns_key_and_indexes() {
        let (t, d) = decode(
            "users:\n  columns:\n    user_id: text\n    n: number\n    at: date\n  key: user_id\n  indexes: [n, [at, n]]\n",
        );
        assert!(d.is_empty(), "{d:?}");
        let users = &t["users"];
        assert_eq!(users.columns.len(), 3);
        assert_eq!(users.key.as_deref(), Some("user_id"));
        assert_eq!(
            users.indexes,
            vec![vec!["n".to_string()], vec!["at".into(), "n".into()]]
        );
    }

    #[test]
    fn refuses_unknown_types_and_columns() {
        let (t, d) = decode("users:\n  columns:\n    a: texte\n    id: text\n  key: b\n");
        let text: Vec<String> = d.iter().map(|d| d.message.clone()).collect();
        assert!(
            text.iter()
                .any(|m| m.contains("unknown column type `texte`")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|m| m.contains("invalid column name `id`")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|m| m.contains("has no column `b`")),
            "{text:?}"
        );
        assert!(t["users"].columns.is_empty());
    }

    #[test]
    fn values_are_checked_by_column_type() {
        let (t, _) = decode("u:\n  columns:\n    n: number\n    d: date\n    o: object\n");
        let u = &t["u"];
        assert!(u.check_value("n", &json!(3)).is_ok());
        let e = u.check_value("n", &json!("3")).unwrap_err();
        assert!(e.to_string().contains("column `n`"), "{e}");
        assert!(u.check_value("d", &json!("2026-01-02")).is_ok());
        assert!(u.check_value("d", &json!("2026-01-02T10:00:00Z")).is_ok());
        assert!(u.check_value("d", &json!("yesterday")).is_err());
        assert!(u.check_value("o", &json!({"a": [1]})).is_ok());
        assert!(matches!(
            u.check_value("x", &json!(1)),
            Err(TableError::UnknownColumn { .. })
        ));
    }
}
