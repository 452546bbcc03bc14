//! `csv.create`: writes rows as CSV text (RFC 4180; Okta's List to CSV).

use crate::util::{output, pure};
use flow_card::kinds::{Boolean, List, Text};
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `csv.create`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The rows: objects (one column per key) or lists of values.
    rows: Expr<List>,
    /// The columns, in order (objects only; default: every key, in the order first seen).
    #[serde(default)]
    columns: Option<Expr<List>>,
    /// Write a first row with the column names (default true for objects; lists have none).
    #[serde(default)]
    header: Option<Expr<Boolean>>,
    /// The field separator, one character (default `,`; `\t` for tabs).
    #[serde(default)]
    separator: Option<Expr<Text>>,
}

/// Registration.
pub static SPEC: CardSpec =
    pure::<Config>("csv.create", "Write a list of rows as CSV text", "text");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Writes `rows` as CSV (RFC 4180), rows ending with `\r\n`. For objects, each column is a key
(`columns`, or every key in the order first seen) and a missing key is an empty field; the
first row names the columns unless `header: false`. Lists are written as they are. Text is
written as it is, numbers and booleans as text, `null` as an empty field, lists and objects as
JSON. A field holding the separator, a quote, a line break, or space at either end is quoted,
with quotes doubled."#,
    okta: &["List - To CSV"],
    examples: &[
        Example::gives(
            "Objects",
            r#"{ rows: [{login: ada, n: 1}, {login: "Hopper, G", dept: "R\"D"}] }"#,
            r#""login,n,dept\r\nada,1,\r\n\"Hopper, G\",,\"R\"\"D\"\r\n""#,
        ),
        Example::gives(
            "Chosen columns, no header",
            r#"{ rows: [{a: 1, b: 2}], columns: [b], header: false }"#,
            r#""2\r\n""#,
        ),
        Example::gives(
            "Lists",
            r#"{ rows: [[x, null, true]], separator: ";" }"#,
            r#""x;;true\r\n""#,
        ),
        Example::fails(
            "A row of another kind",
            r#"{ rows: [{a: 1}, 2] }"#,
            r#"row 1 must be an object or a list"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.rows.id);
        if let Some(e) = &self.columns {
            cx.expr_type(e.id);
        }
        if let Some(e) = &self.header {
            cx.expr_type(e.id);
        }
        if let Some(e) = &self.separator {
            cx.expr_type(e.id);
        }
        Type::Text
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let rows = cx.list(&self.rows)?;
            let rows = rows.as_array().map(Vec::as_slice).unwrap_or(&[]);
            let sep = super::separator(cx, &self.separator)?;
            let columns: Vec<String> = match &self.columns {
                Some(c) => cx
                    .list(c)?
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or(&[])
                    .iter()
                    .map(|v| flow_template::to_text(v).into_owned())
                    .collect(),
                None => {
                    let mut cols: Vec<String> = Vec::new();
                    for r in rows {
                        if let Value::Object(m) = r {
                            for k in m.keys() {
                                if !cols.contains(k) {
                                    cols.push(k.clone());
                                }
                            }
                        }
                    }
                    cols
                }
            };
            let header = match &self.header {
                Some(h) => cx.truthy(h)?,
                None => true,
            };
            let mut out = String::new();
            if header && rows.iter().any(Value::is_object) {
                write_row(
                    &mut out,
                    columns.iter().map(|c| Value::String(c.clone())),
                    sep,
                );
            }
            for (i, r) in rows.iter().enumerate() {
                match r {
                    Value::Object(m) => write_row(
                        &mut out,
                        columns
                            .iter()
                            .map(|c| m.get(c).cloned().unwrap_or(Value::Null)),
                        sep,
                    ),
                    Value::Array(items) => write_row(&mut out, items.iter().cloned(), sep),
                    other => {
                        return Err(flow_card::CardError::input(format!(
                            "row {i} must be an object or a list, found {}",
                            flow_model::types::value_kind(other)
                        )));
                    }
                }
            }
            Ok(Value::String(out))
        })())
    }
}

fn write_row(out: &mut String, fields: impl Iterator<Item = Value>, sep: char) {
    for (i, v) in fields.enumerate() {
        if i > 0 {
            out.push(sep);
        }
        let text = match &v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            Value::Array(_) | Value::Object(_) => v.to_string(),
            other => flow_template::to_text(other).into_owned(),
        };
        let quote =
            text.contains([sep, '"', '\r', '\n']) || text.starts_with(' ') || text.ends_with(' ');
        if quote {
            out.push('"');
            out.push_str(&text.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&text);
        }
    }
    out.push_str("\r\n");
}
