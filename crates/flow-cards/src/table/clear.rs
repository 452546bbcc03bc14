//! `table.clear`: deletes every row of a table (Okta's Clear Table). Rehearsed in a dry run:
//! nothing is deleted, the output counts what would be.

use super::{TABLE_TIMEOUT, blocking, check_table, tables};
use flow_card::card::schema_of;
use flow_card::kinds::Text;
use flow_card::{
    Card, CardDoc, CardFuture, CardSpec, Checker, Effect, Example, Expr, Outcome, StepCx,
};
use flow_model::Type;
use flow_model::tables::Filter;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

/// Inputs of `table.clear`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The table, by name.
    table: Expr<Text>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "table.clear",
    summary: "Delete every row of a table",
    effect: Effect::Writes,
    output: "{ deleted: number }",
    default_timeout: TABLE_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation; the examples run as tests against a real table store
/// (`crates/flow-store/tests/it/table_examples.rs`).
pub static DOC: CardDoc = CardDoc {
    description: r#"Deletes every row of the table; the output counts them. The table stays declared, and
empty. In a dry run nothing is deleted and the output counts
what would be.

In the examples `people` (columns `email` text, the key; `name` text; `age` number) holds Ann (`id` 1, `ann@example.com`, 34) and Bob (`id` 2, `bob@example.com`, 27)."#,
    okta: &["Tables - Clear Table"],
    examples: &[
        Example::gives(
            "Empty the table",
            r#"{ table: people }"#,
            r#"{"deleted": 2}"#,
        ),
        Example::rejected(
            "The table named by a template",
            r#"{ table: "{{ inputs.t }}" }"#,
            r#"E0006"#,
        )
        .with_inputs(r#"{"t": "people"}"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        check_table(cx, &self.table);
        Type::object([("deleted", Type::Number)])
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let table = cx.text(&self.table)?.into_owned();
            let deleted = match (cx.dry_run(), cx.tables()) {
                // Rehearsed: what would be deleted is counted (nothing, without tables).
                (true, None) => 0,
                (true, Some(store)) => blocking(move || store.count(&table, &Filter::All)).await?,
                (false, _) => {
                    let store = tables(cx)?;
                    blocking(move || store.clear(&table)).await?
                }
            };
            Ok(Outcome::value(json!({ "deleted": deleted })))
        })
    }
}
