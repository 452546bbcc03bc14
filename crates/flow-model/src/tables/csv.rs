//! Rows as CSV (RFC 4180: `,` between fields, `"` around fields holding `,`, `"` or a line
//! break, `""` for a quote), for `flowctl table import|export` and the CSV cards.
//!
//! The header names the columns; `id` is written on export and ignored on import. A cell is
//! read by its column's type: empty is null, numbers and booleans are parsed, object cells
//! hold JSON.

use super::{ColumnType, Row, TableDef, TableError};
use serde_json::{Map, Value};

/// Appends one CSV record (and its line break) to `out`.
pub fn write_record<'a>(out: &mut String, fields: impl IntoIterator<Item = &'a str>) {
    for (i, f) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if f.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&f.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(f);
        }
    }
    out.push_str("\r\n");
}

/// The header of a table's CSV: `id` and its columns.
pub fn header(def: &TableDef) -> String {
    let mut out = String::new();
    write_record(
        &mut out,
        std::iter::once("id").chain(def.columns.iter().map(|c| c.name.as_str())),
    );
    out
}

/// One row as a CSV record, in the header's order.
pub fn record(def: &TableDef, row: &Row) -> String {
    let cell = |v: Option<&Value>| match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let cells: Vec<String> = std::iter::once(cell(row.get("id")))
        .chain(def.columns.iter().map(|c| cell(row.get(&c.name))))
        .collect();
    let mut out = String::new();
    write_record(&mut out, cells.iter().map(String::as_str));
    out
}

/// Splits CSV text into records of fields; `line` numbers start at 1.
pub fn parse(text: &str) -> Result<Vec<(usize, Vec<String>)>, TableError> {
    let mut records = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let (mut line, mut start) = (1, 1);
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                fields.push(std::mem::take(&mut field));
                records.push((start, std::mem::take(&mut fields)));
                line += 1;
                start = line;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(TableError::Csv {
            line: start,
            message: "a quoted field is not closed".into(),
        });
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        records.push((start, fields));
    }
    Ok(records)
}

/// Reads CSV text (a header naming columns, then rows) into rows of `def`, each value checked
/// against its column.
pub fn rows(def: &TableDef, text: &str) -> Result<Vec<Map<String, Value>>, TableError> {
    let mut records = parse(text)?.into_iter();
    let Some((_, names)) = records.next() else {
        return Ok(Vec::new());
    };
    let mut columns = Vec::with_capacity(names.len());
    for name in &names {
        let name = name.trim();
        if name == "id" || name == "_version" {
            columns.push(None);
            continue;
        }
        def.check_value(name, &Value::Null)?;
        columns.push(def.column(name).map(|c| (c.name.clone(), c.ty)));
    }
    let mut out = Vec::new();
    for (line, cells) in records {
        if cells.len() == 1 && cells[0].is_empty() {
            continue;
        }
        if cells.len() != columns.len() {
            return Err(TableError::Csv {
                line,
                message: format!(
                    "{} fields, but the header has {}",
                    cells.len(),
                    columns.len()
                ),
            });
        }
        let mut row = Map::new();
        for (cell, col) in cells.into_iter().zip(&columns) {
            let Some((name, ty)) = col else { continue };
            let value = cell_value(*ty, cell).map_err(|message| TableError::Csv {
                line,
                message: format!("column `{name}`: {message}"),
            })?;
            def.check_value(name, &value).map_err(|e| TableError::Csv {
                line,
                message: e.to_string(),
            })?;
            row.insert(name.clone(), value);
        }
        out.push(row);
    }
    Ok(out)
}

fn cell_value(ty: ColumnType, cell: String) -> Result<Value, String> {
    if cell.is_empty() {
        return Ok(Value::Null);
    }
    match ty {
        ColumnType::Text | ColumnType::Date => Ok(Value::String(cell)),
        ColumnType::Number => cell
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("`{cell}` is not a number")),
        ColumnType::Boolean => match cell.trim() {
            "true" | "TRUE" | "True" => Ok(Value::Bool(true)),
            "false" | "FALSE" | "False" => Ok(Value::Bool(false)),
            _ => Err(format!("`{cell}` is not true or false")),
        },
        ColumnType::Object => Ok(serde_json::from_str(&cell).unwrap_or(Value::String(cell))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::Column;
    use serde_json::json;

    fn def() -> TableDef {
        TableDef {
            name: "t".into(),
            columns: vec![
                Column {
                    name: "name".into(),
                    ty: ColumnType::Text,
                },
                Column {
                    name: "n".into(),
                    ty: ColumnType::Number,
                },
                Column {
                    name: "ok".into(),
                    ty: ColumnType::Boolean,
                },
            ],
            key: None,
            indexes: Vec::new(),
            span: None,
        }
    }

    #[test]
    fn export_then_import_keeps_values() {
        let d = def();
        let row = json!({"id": 3, "_version": 1, "name": "a, \"b\"\nc", "n": 2.5, "ok": true});
        let Value::Object(row) = row else {
            unreachable!()
        };
        let text = format!("{}{}", header(&d), record(&d, &row));
        assert_eq!(text, "id,name,n,ok\r\n3,\"a, \"\"b\"\"\nc\",2.5,true\r\n");
        let back = rows(&d, &text).unwrap();
        assert_eq!(
            Value::Object(back[0].clone()),
            json!({"name": "a, \"b\"\nc", "n": 2.5, "ok": true})
        );
    }

    #[test]
    fn bad_cells_name_their_line_and_column() {
        let e = rows(&def(), "name,n\nx,1\ny,two\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "CSV line 3: column `n`: `two` is not a number"
        );
        let e = rows(&def(), "name,nope\n").unwrap_err();
        assert!(matches!(e, TableError::UnknownColumn { .. }), "{e}");
        let e = rows(&def(), "name\n\"open\n").unwrap_err();
        assert!(e.to_string().contains("not closed"), "{e}");
    }
}
