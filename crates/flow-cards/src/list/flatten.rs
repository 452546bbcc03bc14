//! `list.flatten`: flattens nested lists (Okta's Flatten).

use crate::util::{output, pure};
use flow_card::kinds::{Boolean, List};
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `list.flatten`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The list.
    list: Expr<List>,
    /// Flatten at every depth, not only one level (default false).
    #[serde(default)]
    deep: Option<Expr<Boolean>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>("list.flatten", "Flatten lists inside a list", "a list");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Replaces each item that is a list by its items: one level, or with `deep: true` at every depth (Okta's Flatten and Collapse). Other items stay."#,
    okta: &["List - Flatten", "List - Collapse"],
    examples: &[
        Example::gives(
            "One level",
            r#"{ list: [1, [2, [3]], 4] }"#,
            r#"[1, 2, [3], 4]"#,
        ),
        Example::gives(
            "Every level",
            r#"{ list: [1, [2, [3]], 4], deep: true }"#,
            r#"[1, 2, 3, 4]"#,
        ),
        Example::fails(
            "Not a list",
            r#"{ list: "{{ inputs.v }}" }"#,
            r#"`list` must be a list"#,
        )
        .with_inputs(r#"{"v": "abc"}"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        if let Some(e) = &self.deep {
            cx.expr_type(e.id);
        }
        super::item_type(cx, self.list.id);
        Type::list(Type::Any)
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let list = cx.list(&self.list)?;
            let deep = match &self.deep {
                Some(d) => cx.truthy(d)?,
                None => false,
            };
            let mut out = Vec::new();
            flatten(
                list.as_array().map(Vec::as_slice).unwrap_or(&[]),
                deep,
                &mut out,
            );
            Ok(Value::Array(out))
        })())
    }
}

fn flatten(items: &[Value], deep: bool, out: &mut Vec<Value>) {
    for v in items {
        match v {
            Value::Array(inner) if deep => flatten(inner, deep, out),
            Value::Array(inner) => out.extend(inner.iter().cloned()),
            other => out.push(other.clone()),
        }
    }
}
