//! `table.count`: how many rows a table holds, or how many match `where` (Okta's Count
//! Rows / Search Rows' count).

use super::{Cond, TABLE_TIMEOUT, blocking, check_conds, check_table, eval_conds, tables};
use flow_card::card::schema_of;
use flow_card::kinds::Text;
use flow_card::{Card, CardFuture, CardSpec, Checker, Effect, Expr, Outcome, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `table.count`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The table, by name.
    table: Expr<Text>,
    /// Count only the rows these conditions select (all must hold).
    #[serde(rename = "where", default)]
    conditions: Vec<Cond>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "table.count",
    summary: "Count the rows of a table (or those a condition selects)",
    effect: Effect::Reads,
    output: "a number",
    default_timeout: TABLE_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        if let Some(def) = check_table(cx, &self.table) {
            check_conds(cx, &def, &self.conditions, self.table.id);
        }
        Type::Number
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move {
            let store = tables(cx)?;
            let table = cx.text(&self.table)?.into_owned();
            let filter = eval_conds(cx, &self.conditions)?;
            let n = blocking(move || store.count(&table, &filter)).await?;
            Ok(Outcome::value(Value::from(n)))
        })
    }
}
