//! `object.merge`: merges objects into one (Okta's Merge).

use crate::util::{output, pure};
use flow_card::kinds::{Boolean, List};
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Map;
use serde_json::Value;

/// Inputs of `object.merge`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The objects, in order; a later one's keys replace an earlier one's.
    objects: Expr<List>,
    /// Merge objects found under the same key too, instead of replacing them (default false).
    #[serde(default)]
    deep: Option<Expr<Boolean>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "object.merge",
    "Merge objects into one, later keys winning",
    "an object",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Merges the objects of `objects` in order: a key of a later object replaces the same key of an earlier one. With `deep: true`, two objects under the same key are merged the same way (lists and other values are still replaced). An item that is not an object is an `input` error."#,
    okta: &["Object - Merge"],
    examples: &[
        Example::gives(
            "Later wins",
            r#"{ objects: [{a: 1, b: {x: 1}}, {b: {y: 2}, c: 3}] }"#,
            r#"{"a": 1, "b": {"y": 2}, "c": 3}"#,
        ),
        Example::gives(
            "Deep",
            r#"{ objects: [{a: 1, b: {x: 1}}, {b: {y: 2}}], deep: true }"#,
            r#"{"a": 1, "b": {"x": 1, "y": 2}}"#,
        ),
        Example::fails(
            "Not an object",
            r#"{ objects: [{a: 1}, 2] }"#,
            r#"item 1 of `objects` must be an object"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.objects.id);
        if let Some(e) = &self.deep {
            cx.expr_type(e.id);
        }
        Type::Object(None)
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let objects = cx.list(&self.objects)?;
            let deep = match &self.deep {
                Some(d) => cx.truthy(d)?,
                None => false,
            };
            let mut out = Map::new();
            for (i, o) in objects
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                match o {
                    Value::Object(m) => merge(&mut out, m, deep),
                    other => {
                        return Err(flow_card::CardError::input(format!(
                            "item {i} of `objects` must be an object, found {}",
                            flow_model::types::value_kind(other)
                        )));
                    }
                }
            }
            Ok(Value::Object(out))
        })())
    }
}

fn merge(into: &mut Map<String, Value>, from: &Map<String, Value>, deep: bool) {
    for (k, v) in from {
        match (into.get_mut(k), v) {
            (Some(Value::Object(a)), Value::Object(b)) if deep => merge(a, b, deep),
            _ => {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}
