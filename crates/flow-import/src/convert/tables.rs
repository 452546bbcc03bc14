//! The Tables cards → `table.*` on the table the export declares: Search Rows (its Where
//! Expression as `where:` conditions), Create Row, Update Row, Read Row, Delete Row and Clear
//! Table (a row's values by column, `Fields/<column>`; its id `Row/Row ID`), Export to CSV
//! (`table.export_csv`, its File Content the CSV text) and Read Table (no step: its Column
//! Schema is the table's declared columns, a constant).

use super::{Cx, Step};
use crate::export::{Method, find_field, text};
use crate::names::Unique;
use crate::value::Val;
use crate::yaml::Yaml;
use serde_json::Value;
use std::collections::HashSet;

/// A table of the export, declared in `flowctl.yaml`.
#[derive(Debug, Clone)]
pub struct TableInfo {
    /// The flowctl table name (`Allowed domain list` → `allowed_domain_list`).
    pub name: String,
    /// Its columns: Okta name, flowctl name, flowctl type.
    pub columns: Vec<(String, String, &'static str)>,
}

impl TableInfo {
    /// Names `table` and its columns, or says why it cannot be declared (a column type with no
    /// flowctl counterpart).
    pub fn of(table: &crate::export::Table, names: &mut Unique) -> Result<TableInfo, String> {
        if table.columns.is_empty() {
            return Err("it has no columns".into());
        }
        let mut cols = Unique::default();
        let mut columns = Vec::new();
        for (okta, ty) in &table.columns {
            let Some(ty) = column_type(ty) else {
                return Err(format!(
                    "its column `{okta}` has the Okta type `{ty}`, which has no flowctl column type"
                ));
            };
            let mut name = crate::names::snake(okta, "column");
            if name == "id" || name.starts_with('_') {
                name = format!(
                    "column{}{name}",
                    if name.starts_with('_') { "" } else { "_" }
                );
            }
            columns.push((okta.clone(), cols.claim(fit(name), "_"), ty));
        }
        let mut name = crate::names::snake(&table.name, "table");
        if name.starts_with('_') {
            name.insert_str(0, "table");
        }
        let name = fit(name);
        Ok(TableInfo {
            name: names.claim(name, "_"),
            columns,
        })
    }

    /// The flowctl name of the Okta column `okta`. A card keeps the column names of when it
    /// was made: a name no column has exactly is the one column whose name differs from it
    /// only in case and spaces (`Row Number` for a column renamed `RowNumber`), if one does.
    pub fn column(&self, okta: &str) -> Option<&str> {
        if okta == "Row ID" {
            return Some("id");
        }
        if let Some((_, n, _)) = self.columns.iter().find(|(o, _, _)| o == okta) {
            return Some(n.as_str());
        }
        let loose = |s: &str| -> String {
            s.chars()
                .filter(|c| !c.is_whitespace())
                .flat_map(char::to_lowercase)
                .collect()
        };
        let want = loose(okta);
        let mut like = self.columns.iter().filter(|(o, _, _)| loose(o) == want);
        match (like.next(), like.next()) {
            (Some((_, n, _)), None) if !want.is_empty() => Some(n.as_str()),
            _ => None,
        }
    }
}

/// A table or column name short enough for flowctl (48 characters at most), with room for
/// the `_2` that tells two of one name apart.
fn fit(name: String) -> String {
    const MAX: usize = 45;
    if name.len() <= MAX {
        return name;
    }
    name[..MAX].trim_end_matches('_').to_string()
}

/// The flowctl column type of an Okta Tables column type.
fn column_type(okta: &str) -> Option<&'static str> {
    match okta {
        "str" | "string" | "text" => Some("text"),
        // Okta's Number column is `dec` in exports (a decimal); whole numbers fit it too.
        "num" | "number" | "dec" | "int" => Some("number"),
        "bool" | "boolean" | "bln" => Some("boolean"),
        // Okta's Date & Time column is `dte` in exports.
        "date" | "Date" | "dte" => Some("date"),
        _ => None,
    }
}

impl<'a> Cx<'a> {
    /// Search Rows → `table.search_rows` with `limit: 1`; its Row ID, Created, Updated and
    /// Fields outputs read the first row found (`null` when none is).
    pub(super) fn search_rows(&mut self, m: &'a Method, id: &str) -> Result<Step, String> {
        let mut used: HashSet<String> = HashSet::new();
        let info = self.table_of(m, &mut used)?;
        let result_set = find_field(&m.inputs, "parameters/resultSet");
        let set = result_set.map(|f| text(Some(&f.data))).unwrap_or_default();
        let first = match set.as_str() {
            "one" => true,
            "all-new" | "all" => false,
            "" => return Err("its Result Set is not chosen".into()),
            other => return Err(format!("its Result Set `{other}` is not known")),
        };
        used.extend(result_set.map(|f| f.id.clone()));
        let conditions = self.where_conditions(m, &info, &mut used)?;
        used.extend(
            m.inputs
                .iter()
                .filter(|f| f.group.as_deref() == Some("_expr"))
                .map(|f| f.id.clone()),
        );
        // The Sort group: a Column (none chosen: Okta's own order, and the Direction orders
        // nothing), a Direction, a Limit and an Offset (0: none).
        let mut sort = Vec::new();
        let mut sorted = false;
        if let Some(f) = find_field(&m.inputs, "Sort/Column") {
            used.insert(f.id.clone());
            let fid = f.id.clone();
            if let Some(v) = self.input(m, &fid, 0)? {
                let column = match &v {
                    Val::Const(Value::String(c)) => info
                        .column(c)
                        .map(|c| Val::Const(Value::String(c.to_string())))
                        .ok_or_else(|| {
                            format!("it sorts by the column `{c}`, which the table does not have")
                        })?,
                    _ => return Err("its Sort Column is wired, not chosen".into()),
                };
                sort.push(("sort_by".to_string(), column.to_yaml()));
                sorted = true;
            }
        }
        if let Some(f) = find_field(&m.inputs, "Sort/Direction") {
            used.insert(f.id.clone());
            let dir = text(Some(&f.data)).to_ascii_lowercase();
            match dir.as_str() {
                "desc" if sorted => sort.push(("descending".into(), Yaml::Bool(true))),
                "asc" | "desc" | "" => {}
                other => return Err(format!("its Sort Direction `{other}` is not known")),
            }
        }
        let mut limit = None;
        for (key, name) in [("Sort/Limit", "limit"), ("Sort/Offset", "offset")] {
            let Some(f) = find_field(&m.inputs, key) else {
                continue;
            };
            used.insert(f.id.clone());
            let fid = f.id.clone();
            match self.input(m, &fid, 0)? {
                None => {}
                Some(Val::Const(c)) if matches!(text(Some(&c)).trim(), "" | "0") => {}
                Some(v) if name == "limit" => limit = Some(v.to_yaml()),
                Some(v) => sort.push((name.into(), v.to_yaml())),
            }
        }
        self.refuse_unused(m, &used)?;
        for o in &m.outputs {
            let v = match (o.group.as_deref(), o.key.as_str()) {
                _ if !first && (o.group.as_deref() == Some("Rows") || o.key == "Rows") => {
                    Ok(Val::Sealed(
                        format!("{id}.rows"),
                        "of Search Rows (all matching rows), whose rows name their columns as flowctl does".into(),
                    ))
                }
                (Some("Row"), "Row ID") if first => Ok(Val::Ref(format!("{id}.rows.0.id"))),
                // When the row was written first and last: the store's `_created`, `_updated`.
                (Some("Row"), "Created") if first => Ok(Val::Ref(format!("{id}.rows.0._created"))),
                (Some("Row"), "Updated") if first => Ok(Val::Ref(format!("{id}.rows.0._updated"))),
                (Some("Fields"), col) if first => match info.column(col) {
                    Some(c) => Ok(Val::Ref(format!("{id}.rows.0.{c}"))),
                    None => Err(format!(
                        "reads the column `{col}`, which the table does not have"
                    )),
                },
                _ => Err(format!(
                    "reads the Search Rows output `{}`, which has no flowctl counterpart",
                    o.label()
                )),
            };
            self.outputs.insert((m.uuid.clone(), o.id.clone()), v);
        }
        if !first {
            self.rows.insert(format!("{id}.rows"), info.clone());
        }
        let mut with = vec![("table".to_string(), crate::yaml::Yaml::str(info.name))];
        if !conditions.is_empty() {
            with.push(("where".into(), Val::List(conditions).to_yaml()));
        }
        with.extend(sort);
        if first {
            with.push(("limit".into(), crate::yaml::Yaml::Num("1".into())));
        } else if let Some(limit) = limit {
            with.push(("limit".into(), limit));
        }
        Ok(Step {
            id: id.to_string(),
            card: "table.search_rows".into(),
            with,
            ..Step::default()
        })
    }

    /// The Where Expression of a Tables card (`Filter/Where Expression`) as `where:`
    /// conditions: all must hold (AND), or one `any:` of them (OR).
    fn where_conditions(
        &mut self,
        m: &'a Method,
        info: &TableInfo,
        used: &mut HashSet<String>,
    ) -> Result<Vec<Val>, String> {
        let mut conditions = Vec::new();
        let mut any = false;
        if let Some(f) = find_field(&m.inputs, "Filter/Where Expression") {
            used.insert(f.id.clone());
            if self.wires.contains_key(&(m.uuid.as_str(), f.id.as_str())) {
                return Err("its Where Expression is wired, not written".into());
            }
            let expr = f.data.get("expr").and_then(Value::as_array);
            let expr: Vec<&Value> = expr.into_iter().flatten().collect();
            // Each condition's `join` (AND, OR) joins it to the next one; the last one's
            // joins nothing.
            let joins: Vec<String> = expr
                .iter()
                .take(expr.len().saturating_sub(1))
                .map(|e| text(e.get("join")).to_ascii_uppercase())
                .collect();
            any = !joins.is_empty() && joins.iter().all(|j| j == "OR");
            if !any && joins.iter().any(|j| j != "AND") {
                return Err(
                    "its conditions mix AND and OR joins (Okta's precedence is not known)".into(),
                );
            }
            for e in expr {
                let lhs = text(e.get("lhs"));
                let column = info.column(&lhs).ok_or_else(|| {
                    format!("its condition names the column `{lhs}`, which the table does not have")
                })?;
                let op = text(e.get("op"));
                // `<=` and `>=` are "less (greater) than, or equal": an `any:` of the two.
                let (comparison, or_equal) = match op.as_str() {
                    "=" | "==" => ("equals", false),
                    "!=" | "<>" => ("not_equals", false),
                    ">" => ("greater_than", false),
                    "<" => ("less_than", false),
                    ">=" => ("greater_than", true),
                    "<=" => ("less_than", true),
                    other => {
                        return Err(format!(
                            "its condition operator `{other}` has no flowctl counterpart yet"
                        ));
                    }
                };
                let value = match e.get("rhd").or_else(|| e.get("rhs")) {
                    // A value from another card: its output, which also reaches this card
                    // through a hidden `_expr` input (marked used below).
                    Some(Value::Object(r)) => {
                        Some(self.output(&text(r.get("methodId")), &text(r.get("outputId")), 0)?)
                    }
                    Some(c @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => {
                        Some(Val::Const(c.clone()))
                    }
                    _ => None,
                }
                .ok_or_else(|| format!("its condition on `{lhs}` has no value"))?;
                let column = Val::Const(Value::String(column.to_string()));
                let cond = |comparison: &str, value: Val| {
                    Val::Map(vec![
                        ("column".into(), column.clone()),
                        (comparison.into(), value),
                    ])
                };
                conditions.push(if or_equal {
                    Val::Map(vec![(
                        "any".into(),
                        Val::List(vec![cond(comparison, value.clone()), cond("equals", value)]),
                    )])
                } else {
                    cond(comparison, value)
                });
            }
        }
        if any {
            return Ok(vec![Val::Map(vec![("any".into(), Val::List(conditions))])]);
        }
        Ok(conditions)
    }

    /// Export to CSV → `table.export_csv`: its Where Expression as `where:` conditions (as
    /// Search Rows'), its File Content the CSV text (`<step>.csv`). Okta's options that
    /// flowctl's CSV has no counterpart for block the card unless they hold their default: a
    /// Delimiter other than `,`, a Limit or Offset other than 0, chosen Columns. Okta's file
    /// name has none either (flowctl's CSV is text, with no name): it is kept as a comment.
    pub(super) fn export_csv(&mut self, m: &'a Method, id: &str) -> Result<Step, String> {
        let mut used: HashSet<String> = HashSet::new();
        let info = self.table_of(m, &mut used)?;
        let conditions = self.where_conditions(m, &info, &mut used)?;
        used.extend(
            m.inputs
                .iter()
                .filter(|f| f.group.as_deref() == Some("_expr"))
                .map(|f| f.id.clone()),
        );
        // Each option and the values that mean "as flowctl does": a comma, every row, from
        // the first, every column.
        let options: [(&str, &[&str], &str); 4] = [
            (
                "Options/Delimiter",
                &[",", ""],
                "`table.export_csv` writes comma-separated CSV",
            ),
            (
                "Options/Limit",
                &["0", ""],
                "`table.export_csv` writes every row `where:` selects",
            ),
            (
                "Options/Offset",
                &["0", ""],
                "`table.export_csv` writes every row `where:` selects, from the first",
            ),
            (
                "Options/Columns",
                &[""],
                "`table.export_csv` writes every column of the table",
            ),
        ];
        for (key, defaults, why) in options {
            let Some(f) = find_field(&m.inputs, key) else {
                continue;
            };
            used.insert(f.id.clone());
            let wired = self.wires.contains_key(&(m.uuid.as_str(), f.id.as_str()));
            let value = match &f.data {
                Value::Array(items) => items
                    .iter()
                    .map(|i| text(Some(i)))
                    .collect::<Vec<_>>()
                    .join(", "),
                Value::Object(o) if o.is_empty() => String::new(),
                Value::Object(_) => "an object".to_string(),
                other => text(Some(other)).trim().to_string(),
            };
            if wired {
                return Err(format!(
                    "its option {} is set by another card, which has no flowctl counterpart: {why}",
                    f.key
                ));
            }
            if !defaults.contains(&value.as_str()) {
                return Err(format!(
                    "its option {} = `{value}` has no flowctl counterpart: {why}",
                    f.key
                ));
            }
        }
        let mut comments = vec![format!(
            "Okta's CSV file is text here (`{id}.csv`); its header names the columns as flowctl does, `id` first"
        )];
        if let Some(f) = find_field(&m.inputs, "File/Filename") {
            used.insert(f.id.clone());
            let wire = self.wires.get(&(m.uuid.as_str(), f.id.as_str())).copied();
            let named = match wire {
                Some((src, _, _)) => Some(format!(
                    "with the output of {}",
                    self.by_uuid
                        .get(src)
                        .map_or_else(|| "another card".to_string(), |s| super::display_name(s))
                )),
                None if !f.is_blank() => Some(format!("\"{}\"", text(Some(&f.data)))),
                None => None,
            };
            if let Some(named) = named {
                comments.push(format!(
                    "Okta names the file {named}; flowctl's CSV text has no name (a card that stores it names it itself)"
                ));
            }
        }
        self.refuse_unused(m, &used)?;
        for o in &m.outputs {
            let v = match (o.group.as_deref(), o.key.as_str()) {
                (Some("CSV") | None, "File Content") => Ok(Val::Ref(format!("{id}.csv"))),
                _ => Err(format!(
                    "reads the Export to CSV output `{}`, which has no flowctl counterpart",
                    o.label()
                )),
            };
            self.outputs.insert((m.uuid.clone(), o.id.clone()), v);
        }
        let mut with = vec![("table".to_string(), Yaml::str(info.name))];
        if !conditions.is_empty() {
            with.push(("where".into(), Val::List(conditions).to_yaml()));
        }
        Ok(Step {
            id: id.to_string(),
            card: "table.export_csv".into(),
            comments,
            with,
            ..Step::default()
        })
    }

    /// Read Table → no step: its Column Schema is the table's columns as the export declares
    /// them, a constant list of `{ name, type }` (Okta's column name; `string`, `number` or
    /// `boolean`, as Okta's reference shows them). A Date & Time column, whose type name there
    /// is not known, blocks the card.
    pub(super) fn read_table(&mut self, m: &'a Method) -> Result<(), String> {
        let mut used: HashSet<String> = HashSet::new();
        let info = self.table_of(m, &mut used)?;
        self.refuse_unused(m, &used)?;
        let mut schema = Vec::new();
        for (okta, _, ty) in &info.columns {
            let ty = match *ty {
                "text" => "string",
                "number" => "number",
                "boolean" => "boolean",
                _ => {
                    return Err(format!(
                        "its table's column `{okta}` is a Date & Time column, whose type name in Okta's Column Schema is not known"
                    ));
                }
            };
            schema.push(serde_json::json!({ "name": okta, "type": ty }));
        }
        for o in &m.outputs {
            let v = match (o.group.as_deref(), o.key.as_str()) {
                (Some("Output") | None, "Column Schema") => {
                    Ok(Val::Const(Value::Array(schema.clone())))
                }
                _ => Err(format!(
                    "reads the Read Table output `{}`, which has no flowctl counterpart",
                    o.label()
                )),
            };
            self.outputs.insert((m.uuid.clone(), o.id.clone()), v);
        }
        Ok(())
    }

    /// The table a Tables card names (`parameters/stash`), as declared.
    fn table_of(&self, m: &Method, used: &mut HashSet<String>) -> Result<TableInfo, String> {
        let table = find_field(&m.inputs, "parameters/stash")
            .ok_or_else(|| "names no table".to_string())?;
        used.insert(table.id.clone());
        match self.catalog.tables.get(&text(Some(&table.data))) {
            Some(Ok(info)) => Ok(info.clone()),
            Some(Err(why)) => Err(format!("its table is not declared: {why}")),
            None => Err("its table is not in the export".into()),
        }
    }

    /// Create Row, Update Row, Read Row, Delete Row, Clear Table → `table.create_row`,
    /// `table.update_row`, `table.read_row`, `table.delete_row`, `table.clear`; a row's Created
    /// and Updated (`Row/Created`, `Row/Updated`) are its `_created` and `_updated`.
    pub(super) fn table_row(
        &mut self,
        m: &'a Method,
        id: &str,
        card: &'static str,
    ) -> Result<Step, String> {
        let mut used: HashSet<String> = HashSet::new();
        let info = self.table_of(m, &mut used)?;
        let mut with = vec![("table".to_string(), Yaml::str(info.name.clone()))];
        let takes_id = matches!(
            card,
            "table.update_row" | "table.read_row" | "table.delete_row"
        );
        if takes_id {
            let f = find_field(&m.inputs, "Row/Row ID")
                .or_else(|| find_field(&m.inputs, "Row ID"))
                .ok_or_else(|| "names no row (its Row ID is missing)".to_string())?;
            used.insert(f.id.clone());
            let fid = f.id.clone();
            let v = self
                .input(m, &fid, 0)?
                .ok_or_else(|| "its Row ID is not set".to_string())?;
            with.push(("id".into(), v.to_yaml()));
        }
        // Update Row's "Update Empty Inputs": No leaves a column whose input is empty as it is
        // (blank inputs are left out, and `skip_empty` leaves out those empty when the flow
        // runs); Yes empties it (a blank input writes `null`). Older cards have no such option
        // and leave blank inputs out.
        let mut write_blanks = false;
        let mut skip_empty = false;
        if card == "table.update_row"
            && let Some(f) = find_field(&m.inputs, "parameters/updateEmptyInputs")
        {
            used.insert(f.id.clone());
            if self.wires.contains_key(&(m.uuid.as_str(), f.id.as_str())) {
                return Err("its option Update Empty Inputs is wired, not chosen".into());
            }
            match text(Some(&f.data)).as_str() {
                "No" => skip_empty = true,
                "Yes" => write_blanks = true,
                "" => {}
                other => {
                    return Err(format!(
                        "its option Update Empty Inputs = `{other}` is not known"
                    ));
                }
            }
        }
        if matches!(card, "table.create_row" | "table.update_row") {
            let mut values = Vec::new();
            let fields: Vec<(String, String)> = m
                .inputs
                .iter()
                .filter(|f| f.group.as_deref() == Some("Fields"))
                .map(|f| (f.id.clone(), f.key.clone()))
                .collect();
            for (fid, col) in fields {
                used.insert(fid.clone());
                let name = info.column(&col).ok_or_else(|| {
                    format!("writes the column `{col}`, which the table does not have")
                })?;
                match self.input(m, &fid, 0)? {
                    Some(v) => values.push((name.to_string(), v)),
                    None if write_blanks => {
                        values.push((name.to_string(), Val::Const(Value::Null)))
                    }
                    None => {}
                }
            }
            with.push(("values".into(), Val::Map(values).to_yaml()));
            if skip_empty {
                with.push(("skip_empty".into(), Yaml::Bool(true)));
            }
        }
        self.refuse_unused(m, &used)?;
        for o in &m.outputs {
            let v = match (o.group.as_deref(), o.key.as_str()) {
                // Create Row names its Row ID under `Output` in the public templates.
                (Some("Row" | "Output"), "Row ID") if card != "table.delete_row" => {
                    Ok(Val::Ref(format!("{id}.id")))
                }
                // When the row was written first and last: the store's `_created`, `_updated`.
                (Some("Row"), key @ ("Created" | "Updated"))
                    if matches!(
                        card,
                        "table.read_row" | "table.create_row" | "table.update_row"
                    ) =>
                {
                    Ok(Val::Ref(format!("{id}._{}", key.to_ascii_lowercase())))
                }
                (Some("Fields"), col)
                    if matches!(
                        card,
                        "table.read_row" | "table.create_row" | "table.update_row"
                    ) =>
                {
                    match info.column(col) {
                        Some(c) => Ok(Val::Ref(format!("{id}.{c}"))),
                        None => Err(format!(
                            "reads the column `{col}`, which the table does not have"
                        )),
                    }
                }
                (_, "Rows Deleted" | "Deleted" | "Count")
                    if matches!(card, "table.delete_row" | "table.clear") =>
                {
                    Ok(Val::Ref(format!("{id}.deleted")))
                }
                _ => Err(format!(
                    "reads the output `{}` of `{}`, which has no flowctl counterpart",
                    o.label(),
                    m.name.trim()
                )),
            };
            self.outputs.insert((m.uuid.clone(), o.id.clone()), v);
        }
        Ok(Step {
            id: id.to_string(),
            card: card.into(),
            with,
            ..Step::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::Table;

    #[test]
    fn tables_get_store_safe_names_and_known_types_only() {
        let table = |name: &str, cols: &[(&str, &str)]| Table {
            id: "t".into(),
            name: name.into(),
            columns: cols
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect(),
        };
        let mut names = Unique::default();
        let info = TableInfo::of(
            &table(
                "2024 Allowed Domains",
                &[
                    ("ID", "str"),
                    ("_hidden", "number"),
                    ("Id", "boolean"),
                    ("When", "date"),
                ],
            ),
            &mut names,
        )
        .unwrap();
        assert_eq!(info.name, "table_2024_allowed_domains");
        let cols: Vec<(&str, &str)> = info
            .columns
            .iter()
            .map(|(_, n, t)| (n.as_str(), *t))
            .collect();
        assert_eq!(
            cols,
            [
                ("column_id", "text"),
                ("hidden", "number"),
                ("column_id_2", "boolean"),
                ("when", "date")
            ]
        );
        assert_eq!(info.column("When"), Some("when"));
        assert_eq!(info.column("wHe n"), Some("when"));
        // `ID` and `Id` are both like `id`: no guess.
        assert_eq!(info.column("id"), None);
        assert_eq!(info.column("Whence"), None);
        let again = TableInfo::of(&table("2024 allowed domains", &[("a", "str")]), &mut names);
        assert_eq!(again.unwrap().name, "table_2024_allowed_domains_2");
        let refused = TableInfo::of(&table("files", &[("doc", "file")]), &mut names);
        assert!(
            refused
                .unwrap_err()
                .contains("`doc` has the Okta type `file`")
        );
        assert!(TableInfo::of(&table("empty", &[]), &mut names).is_err());
    }
}
