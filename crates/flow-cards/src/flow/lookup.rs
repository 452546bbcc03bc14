//! `flow.lookup`: a value from a table of cases, with a default (Okta's Lookup).

use crate::util::{output, pure};
use flow_card::kinds::{AnyValue, Object, Text};
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::{Code, Type};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `flow.lookup`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The value to look up; numbers and booleans are compared as their text (`1`, `true`).
    value: Expr<Text>,
    /// The table: each key is a case, its value the result, e.g. `{ ACTIVE: 0, SUSPENDED: 1 }`.
    cases: Expr<Object>,
    /// The result when no case matches (default `null`).
    #[serde(default)]
    default: Option<Expr<AnyValue>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "flow.lookup",
    "A value from a table of cases, with a default",
    "the value of the case equal to `value`, else `default` (null when not given)",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Looks `value` up among the keys of `cases` and gives that key's value; when no key is equal
(case-sensitive, exact), gives `default`, or `null` without one (Okta's Lookup). A number or a
boolean `value` is compared as its text, so `1` finds the case `"1"`. The output type is the
type every case (and the default) has, or `any` when they differ."#,
    okta: &["Branching - Lookup"],
    examples: &[
        Example::gives(
            "A case",
            r#"{ value: "{{ inputs.status }}", cases: { ACTIVE: low, SUSPENDED: high }, default: unknown }"#,
            r#""high""#,
        )
        .with_inputs(r#"{"status": "SUSPENDED"}"#),
        Example::gives(
            "The default",
            r#"{ value: DEPROVISIONED, cases: { ACTIVE: 1, SUSPENDED: 2 }, default: 0 }"#,
            r#"0"#,
        ),
        Example::gives(
            "No default is null",
            r#"{ value: x, cases: { a: 1 } }"#,
            r#"null"#,
        ),
        Example::gives(
            "A number looked up as text",
            r#"{ value: "{{ inputs.code }}", cases: { "404": not found, "500": server error } }"#,
            r#""not found""#,
        )
        .with_inputs(r#"{"code": 404}"#),
        Example::fails(
            "Cases that are not an object",
            r#"{ value: a, cases: "{{ inputs.c }}" }"#,
            "`cases` must be an object",
        )
        .with_inputs(r#"{"c": [1, 2]}"#),
        Example::rejected("A case table that is a list", r#"{ value: a, cases: [1] }"#, "E0206"),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        cx.expr_type(self.value.id);
        let cases = cx.expr_type(self.cases.id);
        let default = self.default.map(|d| cx.expr_type(d.id));
        let mut types: Vec<Type> = match &cases {
            Type::Object(Some(obj)) if !obj.open => obj.fields.values().cloned().collect(),
            Type::Object(_) | Type::Any => return Type::Any,
            other => {
                cx.report(
                    Some(self.cases.id),
                    Code::TypeMismatch,
                    format!("`cases` must be an object, found {other}"),
                    Some("write the cases as a mapping: `{ ACTIVE: low, SUSPENDED: high }`".into()),
                );
                return Type::Any;
            }
        };
        types.push(default.unwrap_or(Type::Null));
        let mut out: Option<Type> = None;
        for t in types.into_iter().filter(|t| *t != Type::Null) {
            out = match out {
                None => Some(t),
                Some(prev) if prev == t => Some(prev),
                Some(_) => return Type::Any,
            };
        }
        out.unwrap_or(Type::Null)
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let value = cx.text(&self.value)?;
            let cases = cx.value(&self.cases)?;
            let Value::Object(map) = &*cases else {
                return Err(flow_card::CardError::input(format!(
                    "`cases` must be an object, found {}",
                    flow_model::types::value_kind(&cases)
                )));
            };
            match map.get(value.as_ref()) {
                Some(v) => Ok(v.clone()),
                None => match &self.default {
                    Some(d) => Ok(cx.value(d)?.into_owned()),
                    None => Ok(Value::Null),
                },
            }
        })())
    }
}
