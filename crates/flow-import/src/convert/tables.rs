//! The Tables cards: Search Rows (first matching row) → `table.search_rows` on the table the
//! export declares, its Where Expression as `where:` conditions.

use super::{Cx, Step};
use crate::export::{Method, find_field, text};
use crate::value::Val;
use serde_json::Value;
use std::collections::HashSet;

impl<'a> Cx<'a> {
    /// Search Rows → `table.search_rows` with `limit: 1`; its Row ID and Fields outputs read
    /// the first row found (`null` when none is).
    pub(super) fn search_rows(&mut self, m: &'a Method, id: &str) -> Result<Step, String> {
        let mut used: HashSet<String> = HashSet::new();
        let table = find_field(&m.inputs, "parameters/stash")
            .ok_or_else(|| "names no table".to_string())?;
        used.insert(table.id.clone());
        let info = match self.catalog.tables.get(&text(Some(&table.data))) {
            Some(Ok(info)) => info.clone(),
            Some(Err(why)) => return Err(format!("its table is not declared: {why}")),
            None => return Err("its table is not in the export".into()),
        };
        let result_set = find_field(&m.inputs, "parameters/resultSet");
        let set = result_set.map(|f| text(Some(&f.data))).unwrap_or_default();
        match set.as_str() {
            "one" => {}
            "" => return Err("its Result Set is not chosen".into()),
            "all-new" => {
                return Err("its Result Set \"All matching rows\" is not converted yet".into());
            }
            other => return Err(format!("its Result Set `{other}` is not known")),
        }
        used.extend(result_set.map(|f| f.id.clone()));
        let mut conditions = Vec::new();
        if let Some(f) = find_field(&m.inputs, "Filter/Where Expression") {
            used.insert(f.id.clone());
            if self.wires.contains_key(&(m.uuid.as_str(), f.id.as_str())) {
                return Err("its Where Expression is wired, not written".into());
            }
            let expr = f.data.get("expr").and_then(Value::as_array);
            for (i, e) in expr.into_iter().flatten().enumerate() {
                if i > 0 && !text(e.get("join")).eq_ignore_ascii_case("and") {
                    return Err("its conditions are joined with OR (not yet)".into());
                }
                let lhs = text(e.get("lhs"));
                let column = info.column(&lhs).ok_or_else(|| {
                    format!("its condition names the column `{lhs}`, which the table does not have")
                })?;
                let comparison = match text(e.get("op")).as_str() {
                    "=" | "==" => "equals",
                    "!=" | "<>" => "not_equals",
                    ">" => "greater_than",
                    "<" => "less_than",
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
                conditions.push(Val::Map(vec![
                    (
                        "column".into(),
                        Val::Const(Value::String(column.to_string())),
                    ),
                    (comparison.into(), value),
                ]));
            }
        }
        used.extend(
            m.inputs
                .iter()
                .filter(|f| f.group.as_deref() == Some("_expr"))
                .map(|f| f.id.clone()),
        );
        // Okta sorts by a column chosen in the Sort group; with none chosen (Direction alone)
        // the direction orders nothing, so it is dropped.
        let sort_column = m
            .inputs
            .iter()
            .any(|f| f.group.as_deref() == Some("Sort") && f.key != "Direction");
        if !sort_column {
            used.extend(find_field(&m.inputs, "Sort/Direction").map(|f| f.id.clone()));
        }
        for f in &m.inputs {
            let wired = self.wires.contains_key(&(m.uuid.as_str(), f.id.as_str()));
            if !used.contains(&f.id) && !f.wormhole && (wired || !f.is_blank()) {
                return Err(format!(
                    "its input `{}` has no flowctl counterpart",
                    f.label()
                ));
            }
        }
        for o in &m.outputs {
            let v = match (o.group.as_deref(), o.key.as_str()) {
                (Some("Row"), "Row ID") => Ok(Val::Ref(format!("{id}.rows.0.id"))),
                (Some("Fields"), col) => match info.column(col) {
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
        let mut with = vec![("table".to_string(), crate::yaml::Yaml::str(info.name))];
        if !conditions.is_empty() {
            with.push(("where".into(), Val::List(conditions).to_yaml()));
        }
        with.push(("limit".into(), crate::yaml::Yaml::Num("1".into())));
        Ok(Step {
            id: id.to_string(),
            card: "table.search_rows",
            with,
            ..Step::default()
        })
    }
}
