//! `flowctl table`: the project's tables for people — `list` (each table, its columns and row
//! count), `show NAME [--where COL=VALUE]…` (rows), `import NAME FILE.csv`, `export NAME` (CSV
//! to stdout) — and [`for_run`], which gives a run the tables of its store.

use crate::error::{CliError, CmdResult};
use crate::{Exit, project};
use flow_model::tables::{Filter, Op, Search, TableDef, TableStore, csv};
use flow_store::Store;
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

/// Arguments of `flowctl table`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(clap::Subcommand)]
enum Sub {
    /// Each table: its columns and how many rows it holds.
    List,
    /// Rows of a table, by id.
    Show {
        /// The table.
        name: String,
        /// Only rows where COLUMN=VALUE (also !=, ~ contains, ^ starts with, >, <; an empty
        /// VALUE with = is "is empty"). Repeat for more (all must hold).
        #[arg(long = "where", value_name = "CONDITION")]
        conditions: Vec<String>,
        /// At most this many rows.
        #[arg(long, default_value_t = 50)]
        limit: u64,
        /// Print rows as JSON, one per line.
        #[arg(long)]
        json: bool,
    },
    /// Add the rows of a CSV file (a header naming columns, then rows) in one transaction.
    Import {
        /// The table.
        name: String,
        /// The CSV file.
        file: PathBuf,
    },
    /// Print every row as CSV.
    Export {
        /// The table.
        name: String,
    },
}

/// The project's tables for a run on `store` (None when the project declares none or the run
/// has no store: table cards then fail saying so).
pub fn for_run(
    project: &flow_compile::Project,
    store: Option<&Arc<dyn Store>>,
) -> Result<Option<Arc<dyn TableStore>>, CliError> {
    let tables = &project.config.tables;
    match store {
        Some(store) if !tables.is_empty() => store
            .clone()
            .tables(tables)
            .map(Some)
            .map_err(|e| CliError::msg(format!("cannot open the tables: {e}"))),
        _ => Ok(None),
    }
}

/// Parses `--where` conditions against a table.
fn parse_conditions(def: &TableDef, conditions: &[String]) -> Result<Filter, CliError> {
    let mut all = Vec::new();
    for c in conditions {
        // Two-character operators first.
        let ops = [
            ("!=", Op::NotEquals),
            ("=", Op::Equals),
            ("~", Op::Contains),
            ("^", Op::StartsWith),
            (">", Op::GreaterThan),
            ("<", Op::LessThan),
        ];
        let found = ops
            .iter()
            .filter_map(|(s, op)| c.find(s).map(|i| (i, *s, *op)))
            .min_by_key(|(i, s, _)| (*i, std::cmp::Reverse(s.len())));
        let Some((i, sign, op)) = found else {
            return Err(CliError::msg(format!(
                "--where `{c}`: write COLUMN=VALUE (or !=, ~, ^, >, <)"
            )));
        };
        let (column, text) = (c[..i].trim(), &c[i + sign.len()..]);
        let ty = if column == "id" {
            flow_model::tables::ColumnType::Number
        } else {
            def.check_value(column, &Value::Null)
                .map_err(|e| CliError::msg(format!("--where `{c}`: {e}")))?
        };
        let (op, value) = match (op, text.is_empty()) {
            (Op::Equals, true) => (Op::IsEmpty, Value::Null),
            (Op::NotEquals, true) => (Op::IsNotEmpty, Value::Null),
            (Op::Contains | Op::StartsWith, _) => (op, Value::String(text.to_string())),
            _ => {
                let value = match ty {
                    flow_model::tables::ColumnType::Number => text
                        .parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                        .map(Value::Number),
                    flow_model::tables::ColumnType::Boolean => {
                        text.parse::<bool>().ok().map(Value::Bool)
                    }
                    flow_model::tables::ColumnType::Object => serde_json::from_str(text).ok(),
                    _ => Some(Value::String(text.to_string())),
                };
                let value = value.ok_or_else(|| {
                    CliError::msg(format!("--where `{c}`: `{text}` is not a {ty} value"))
                })?;
                (op, value)
            }
        };
        all.push(Filter::Cmp {
            column: column.to_string(),
            op,
            value,
        });
    }
    Ok(Filter::And(all))
}

/// Runs the command.
pub fn run(config: Option<PathBuf>, args: Args) -> CmdResult {
    let loaded = project::load(config.clone())?;
    let store = crate::store::open(&loaded.config.store, config.as_deref())?
        .ok_or_else(|| CliError::msg("tables need a store, and this project sets `store: none`"))?;
    let tables = store
        .tables(&loaded.config.tables)
        .map_err(|e| CliError::msg(format!("cannot open the tables: {e}")))?;
    let def = |name: &str| tables.table(name).cloned().map_err(CliError::msg);
    let mut out = std::io::stdout().lock();
    match args.command {
        Sub::List => {
            if tables.tables().is_empty() {
                writeln!(
                    out,
                    "no tables (declare them under `tables:` in flowctl.yaml)"
                )?;
            }
            for t in tables.tables() {
                let n = tables.count(&t.name, &Filter::All).map_err(CliError::msg)?;
                let cols: Vec<String> = t
                    .columns
                    .iter()
                    .map(|c| {
                        let key = if t.key.as_deref() == Some(&c.name) {
                            " (key)"
                        } else {
                            ""
                        };
                        format!("{} {}{key}", c.name, c.ty)
                    })
                    .collect();
                writeln!(out, "{}  {n} rows  {}", t.name, cols.join(", "))?;
            }
        }
        Sub::Show {
            name,
            conditions,
            limit,
            json,
        } => {
            let d = def(&name)?;
            let search = Search {
                filter: parse_conditions(&d, &conditions)?,
                limit: Some(limit),
                ..Search::all()
            };
            let rows = tables.search(&name, &search).map_err(CliError::msg)?;
            if json {
                for r in rows {
                    writeln!(out, "{}", Value::Object(r))?;
                }
            } else {
                let mut header = vec!["id".to_string()];
                header.extend(d.columns.iter().map(|c| c.name.clone()));
                let cells: Vec<Vec<String>> = rows
                    .iter()
                    .map(|r| {
                        header
                            .iter()
                            .map(|h| match r.get(h) {
                                None | Some(Value::Null) => String::new(),
                                Some(Value::String(s)) => s.clone(),
                                Some(v) => v.to_string(),
                            })
                            .collect()
                    })
                    .collect();
                let widths: Vec<usize> = (0..header.len())
                    .map(|i| {
                        cells
                            .iter()
                            .map(|r| r[i].chars().count())
                            .chain([header[i].len()])
                            .max()
                            .unwrap_or(0)
                            .min(40)
                    })
                    .collect();
                for line in std::iter::once(&header).chain(&cells) {
                    let shown: Vec<String> = line
                        .iter()
                        .zip(&widths)
                        .map(|(c, w)| format!("{:<w$}", c.chars().take(*w).collect::<String>()))
                        .collect();
                    writeln!(out, "{}", shown.join("  ").trim_end())?;
                }
                if cells.is_empty() {
                    writeln!(out, "(no rows)")?;
                }
            }
        }
        Sub::Import { name, file } => {
            let d = def(&name)?;
            let text = std::fs::read_to_string(&file)
                .map_err(|e| CliError::msg(format!("cannot read {}: {e}", file.display())))?;
            let rows = csv::rows(&d, &text)
                .map_err(|e| CliError::msg(format!("{}: {e}", file.display())))?;
            let n = tables.create_rows(&name, &rows).map_err(CliError::msg)?;
            writeln!(out, "imported {n} rows into `{name}`")?;
        }
        Sub::Export { name } => {
            let d = def(&name)?;
            write!(out, "{}", csv::header(&d))?;
            let mut failed = None;
            tables
                .stream(&name, &Filter::All, &mut |row| match write!(
                    out,
                    "{}",
                    csv::record(&d, &row)
                ) {
                    Ok(()) => std::ops::ControlFlow::Continue(()),
                    Err(e) => {
                        failed = Some(e);
                        std::ops::ControlFlow::Break(())
                    }
                })
                .map_err(CliError::msg)?;
            if let Some(e) = failed {
                return Err(e.into());
            }
        }
    }
    Ok(Exit::Ok)
}
