//! `object.clear_empty`: the object without empty values (Okta's Clear Empty).

use crate::util::{output, pure};
use flow_card::kinds::{Boolean, Object};
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Map;
use serde_json::Value;

/// Inputs of `object.clear_empty`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The object.
    object: Expr<Object>,
    /// Clear empty values inside nested objects too (default false).
    #[serde(default)]
    deep: Option<Expr<Boolean>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "object.clear_empty",
    "Remove the empty values of an object",
    "the object",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"A copy of `object` without the keys whose value is `null`, `""`, `[]` or `{}`. With `deep: true`, nested objects are cleared first (so one left empty is removed too)."#,
    okta: &["Object - Clear Empty"],
    examples: &[
        Example::gives(
            "Top level",
            r#"{ object: {a: "", b: null, c: [], d: 0, e: {f: null}} }"#,
            r#"{"d": 0, "e": {"f": null}}"#,
        ),
        Example::gives(
            "Deep",
            r#"{ object: {d: 0, e: {f: null}}, deep: true }"#,
            r#"{"d": 0}"#,
        ),
        Example::fails(
            "Not an object",
            r#"{ object: "{{ inputs.v }}" }"#,
            r#"`object` must be an object"#,
        )
        .with_inputs(r#"{"v": [1]}"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.object.id);
        if let Some(e) = &self.deep {
            cx.expr_type(e.id);
        }
        Type::Object(None)
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let o = super::object(cx, &self.object, "object")?;
            let deep = match &self.deep {
                Some(d) => cx.truthy(d)?,
                None => false,
            };
            Ok(Value::Object(clear(o, deep)))
        })())
    }
}

fn clear(o: Map<String, Value>, deep: bool) -> Map<String, Value> {
    o.into_iter()
        .filter_map(|(k, v)| {
            let v = match v {
                Value::Object(inner) if deep => Value::Object(clear(inner, deep)),
                other => other,
            };
            let empty = match &v {
                Value::Null => true,
                Value::String(s) => s.is_empty(),
                Value::Array(a) => a.is_empty(),
                Value::Object(m) => m.is_empty(),
                _ => false,
            };
            (!empty).then_some((k, v))
        })
        .collect()
}
