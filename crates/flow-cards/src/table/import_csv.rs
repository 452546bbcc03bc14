//! `table.import_csv`: adds the rows of CSV text (a header naming columns, then rows) to a
//! table in one transaction: all of them or, on a bad cell, none (Okta's Import CSV). In a dry
//! run the text is read and checked, nothing is written.

use super::{TABLE_TIMEOUT, blocking, check_table, def_of, table_error, tables};
use flow_card::card::schema_of;
use flow_card::kinds::Text;
use flow_card::{
    Card, CardDoc, CardFuture, CardSpec, Checker, Effect, Example, Expr, Outcome, StepCx,
};
use flow_model::Type;
use flow_model::tables::csv;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

/// Inputs of `table.import_csv`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The table, by name.
    table: Expr<Text>,
    /// The CSV text (RFC 4180; the header names columns, `id` is ignored).
    csv: Expr<Text>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "table.import_csv",
    summary: "Add the rows of CSV text to a table, all or none",
    effect: Effect::Writes,
    output: "{ imported: number }",
    default_timeout: TABLE_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation; the examples run as tests against a real table store
/// (`crates/flow-store/tests/it/table_examples.rs`).
pub static DOC: CardDoc = CardDoc {
    description: r#"Adds the rows of CSV text (RFC 4180) to the table in one transaction: all of them or, on a
bad cell, none. The header names the columns (an `id` column is ignored); cells are read as
their column's type (numbers, `true`/`false`, dates), and an empty cell is null. A column
the table does not have, or a cell that is not of its column's type, fails the step and
names its line. In a dry run the text is read and checked, and nothing is written.

In the examples `people` (columns `email` text, the key; `name` text; `age` number) holds Ann (`id` 1, `ann@example.com`, 34) and Bob (`id` 2, `bob@example.com`, 27)."#,
    okta: &["Tables - Import CSV"],
    examples: &[
        Example::gives(
            "Two rows",
            r#"{ table: people, csv: "email,name,age\ncy@example.com,Cy,41\ndee@example.com,Dee,\n" }"#,
            r#"{"imported": 2}"#,
        ),
        Example::fails(
            "A number column with text: nothing imported",
            r#"{ table: people, csv: "email,age\ncy@example.com,41\ndee@example.com,old\n" }"#,
            r#"CSV line 3: column `age`: `old` is not a number"#,
        ),
        Example::fails(
            "A column the table does not have",
            r#"{ table: people, csv: "email,phone\ncy@example.com,555\n" }"#,
            r#"table `people` has no column `phone`"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        check_table(cx, &self.table);
        cx.expr_type(self.csv.id);
        Type::object([("imported", Type::Number)])
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let store = tables(cx)?;
            let table = cx.text(&self.table)?.into_owned();
            let def = def_of(&*store, &table)?;
            let rows = csv::rows(&def, &cx.text(&self.csv)?).map_err(|e| table_error(&e))?;
            let imported = if cx.dry_run() {
                rows.len()
            } else {
                blocking(move || store.create_rows(&table, &rows)).await?
            };
            Ok(Outcome::value(json!({ "imported": imported })))
        })
    }
}
