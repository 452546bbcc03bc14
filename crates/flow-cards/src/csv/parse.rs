//! `csv.parse`: reads CSV text into rows (RFC 4180).

use crate::util::{output, pure};
use flow_card::CardError;
use flow_card::kinds::{Boolean, Text};
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `csv.parse`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The CSV text.
    text: Expr<Text>,
    /// The first row names the columns: each row becomes an object (default true).
    #[serde(default)]
    header: Option<Expr<Boolean>>,
    /// The field separator, one character (default `,`; `\t` for tabs).
    #[serde(default)]
    separator: Option<Expr<Text>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "csv.parse",
    "Read CSV text into a list of rows",
    "a list of objects (with a header) or of lists of text",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Reads CSV as RFC 4180 writes it: fields are separated by `separator`, rows by line breaks
(`\r\n` or `\n`); a field in double quotes may hold separators, line breaks and doubled
quotes (`""`). With `header` (the default) the first row names the columns and each later row
becomes an object; a row with more fields than the header is an error naming its line, and a
shorter one gets `""` for the missing fields. Without `header`, each row is a list of texts.
Fields are always text; `number.parse` reads numbers. A blank last line is ignored."#,
    okta: &[],
    examples: &[
        Example::gives(
            "With a header",
            r#"{ text: "login,dept\nada,\"R&D, Labs\"\ngrace,Ops\n" }"#,
            r#"[{"login": "ada", "dept": "R&D, Labs"}, {"login": "grace", "dept": "Ops"}]"#,
        ),
        Example::gives(
            "Without a header, semicolons",
            r#"{ text: "a;\"say \"\"hi\"\"\"\n1;2", header: false, separator: ";" }"#,
            r#"[["a", "say \"hi\""], ["1", "2"]]"#,
        ),
        Example::fails(
            "An unclosed quote",
            r#"{ text: "a,\"b\nc" }"#,
            r#"quote opened on line 1 is never closed"#,
        ),
        Example::fails(
            "A row longer than the header",
            r#"{ text: "a,b\n1,2,3" }"#,
            r#"line 2 has 3 fields"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.text.id);
        if let Some(e) = &self.header {
            cx.expr_type(e.id);
        }
        if let Some(e) = &self.separator {
            cx.expr_type(e.id);
        }
        Type::list(Type::Any)
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let text = cx.text(&self.text)?;
            let sep = super::separator(cx, &self.separator)?;
            let header = match &self.header {
                Some(h) => cx.truthy(h)?,
                None => true,
            };
            let rows = read(&text, sep)?;
            if !header {
                return Ok(Value::Array(
                    rows.into_iter()
                        .map(|(_, r)| Value::Array(r.into_iter().map(Value::String).collect()))
                        .collect(),
                ));
            }
            let mut rows = rows.into_iter();
            let Some((_, names)) = rows.next() else {
                return Ok(Value::Array(Vec::new()));
            };
            let mut out = Vec::new();
            for (line, row) in rows {
                if row.len() > names.len() {
                    return Err(CardError::input(format!(
                        "line {line} has {} fields, the header has {}",
                        row.len(),
                        names.len()
                    )));
                }
                let mut obj = serde_json::Map::new();
                let mut fields = row.into_iter();
                for name in &names {
                    obj.insert(
                        name.clone(),
                        Value::String(fields.next().unwrap_or_default()),
                    );
                }
                out.push(Value::Object(obj));
            }
            Ok(Value::Array(out))
        })())
    }
}

/// Splits CSV text into rows of fields, each with the line it starts on (from 1).
fn read(text: &str, sep: char) -> Result<Vec<(usize, Vec<String>)>, CardError> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut row_line = 1;
    let mut chars = text.chars().peekable();
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        match c {
            '"' if at_field_start => {
                let opened = line;
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some(c) => {
                            if c == '\n' {
                                line += 1;
                            }
                            field.push(c);
                        }
                        None => {
                            return Err(CardError::input(format!(
                                "the quote opened on line {opened} is never closed"
                            )));
                        }
                    }
                }
                at_field_start = false;
            }
            c if c == sep => {
                row.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push((row_line, std::mem::take(&mut row)));
                line += 1;
                row_line = line;
                at_field_start = true;
            }
            c => {
                field.push(c);
                at_field_start = false;
            }
        }
    }
    if !row.is_empty() || !field.is_empty() {
        row.push(field);
        rows.push((row_line, row));
    }
    Ok(rows)
}
