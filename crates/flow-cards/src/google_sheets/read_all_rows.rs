//! `google_sheets.read_all_rows`: a worksheet's rows below its header row, each as Okta's Read
//! All Rows gives it: `{ row_number, Columns: { "0-<header>": cell, "1-<header>": cell, … } }`.

use super::GoogleSheets;
use crate::connector::ConnectorLive;
use crate::connector::action::{Answer, error_of, segment};
use crate::util::CONNECTOR_TIMEOUT;
use flow_card::card::schema_of;
use flow_card::kinds::Text;
use flow_card::{
    Card, CardDoc, CardFuture, CardSpec, Checker, ConnRef, Effect, Example, Expr, HttpResponse,
    Outcome, StepCx,
};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// Inputs of `google_sheets.read_all_rows`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The Google Sheets connection.
    connection: ConnRef<GoogleSheets>,
    /// The spreadsheet's id.
    spreadsheet: Expr<Text>,
    /// The worksheet's (tab's) name.
    worksheet: Expr<Text>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "google_sheets.read_all_rows",
    summary: "Every row of a worksheet below its header row, its cells keyed by the header's names",
    effect: Effect::Reads,
    output: "list of { row_number, Columns: { \"0-<header>\": cell, … } }",
    default_timeout: CONNECTOR_TIMEOUT,
    default_attempts: 3,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Reads the worksheet's used range with `GET /v4/spreadsheets/{spreadsheet}/values/{worksheet}`
(`majorDimension=ROWS`, formatted values) and gives each row below the first, the header row,
as Okta's Read All Rows does: `{ row_number, Columns }`, where `row_number` is the row's number
in the sheet (the first data row is 2) and `Columns` has one field per column, named
`<index>-<header>` (`0-Email`, `1-Name`…, as Okta's Create Row names its inputs), holding the
cell's text (`""` for an empty cell; a cell beyond the header's columns is named `<index>-`).
An empty worksheet, or one with only a header, gives `[]`. For the raw cells of any range, use
`google_sheets.read_range`."#,
    okta: &["Google Sheets - Read All Rows"],
    examples: &[
        Example::gives(
            "A dry run reads no rows",
            r#"{ connection: sheets, spreadsheet: 1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms, worksheet: Sheet1 }"#,
            "[]",
        ),
        Example::fails(
            "A worksheet name with a slash",
            r#"{ connection: sheets, spreadsheet: 1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms, worksheet: "a/b" }"#,
            "cannot be sent as one path segment",
        ),
    ],
};

impl Card for Config {
    fn check(&self, _: &mut dyn Checker) -> Type {
        Type::list(Type::object([
            ("row_number", Type::Number),
            ("Columns", Type::Object(None)),
        ]))
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let live = cx.connection::<ConnectorLive, _>(&self.connection)?;
            let spreadsheet = cx.text(&self.spreadsheet)?.into_owned();
            let worksheet = cx.text(&self.worksheet)?.into_owned();
            let url = format!(
                "{}/v4/spreadsheets/{}/values/{}?majorDimension=ROWS",
                live.base,
                segment("spreadsheet", &Value::String(spreadsheet.clone()))?,
                segment("worksheet", &Value::String(worksheet.clone()))?,
            );
            let req = live.request("GET", url, cx.attempt);
            let resp = live
                .send(cx, req, |_| {
                    HttpResponse::json(200, &json!({ "majorDimension": "ROWS", "values": [] }))
                })
                .await?;
            let answer = Answer::of(&resp);
            if !resp.is_success() {
                let inputs = json!({ "spreadsheet": spreadsheet, "worksheet": worksheet });
                let scope = answer.scope(&live.settings, &inputs);
                return Err(error_of(live.connector, None, &resp, &scope));
            }
            Ok(Outcome::value(rows(&answer.body)))
        })
    }
}

/// The rows below the header of a `values.get` answer, keyed `<index>-<header>`.
fn rows(body: &Value) -> Value {
    let Some(values) = body.get("values").and_then(Value::as_array) else {
        return json!([]);
    };
    let cells = |row: &Value| row.as_array().cloned().unwrap_or_default();
    let header: Vec<String> = values
        .first()
        .map(cells)
        .unwrap_or_default()
        .iter()
        .map(|h| flow_template::to_text(h).into_owned())
        .collect();
    let out: Vec<Value> = values
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, row)| {
            let row = cells(row);
            let width = header.len().max(row.len());
            let mut columns = Map::new();
            for j in 0..width {
                let name = header.get(j).map(String::as_str).unwrap_or("");
                let cell = row.get(j).cloned().unwrap_or_else(|| json!(""));
                columns.insert(format!("{j}-{name}"), cell);
            }
            json!({ "row_number": i + 1, "Columns": columns })
        })
        .collect();
    Value::Array(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_keyed_by_the_header_with_their_sheet_numbers() {
        let body = json!({ "values": [["Email", "Name"], ["liz@example.com", "Liz", "extra"], ["sam@example.com"]] });
        assert_eq!(
            rows(&body),
            json!([
                { "row_number": 2, "Columns": { "0-Email": "liz@example.com", "1-Name": "Liz", "2-": "extra" } },
                { "row_number": 3, "Columns": { "0-Email": "sam@example.com", "1-Name": "" } }
            ])
        );
        assert_eq!(rows(&json!({ "values": [["Email"]] })), json!([]));
        assert_eq!(rows(&json!({ "range": "Empty!A1:Z1000" })), json!([]));
    }
}
