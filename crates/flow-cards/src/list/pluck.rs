//! `list.pluck`: the value at a dot path of every item (Okta's Pluck).

use crate::util::{PURE_TIMEOUT, done, dot_get};
use flow_card::card::schema_of;
use flow_card::kinds::List;
use flow_card::{Card, CardFuture, CardSpec, Checker, Effect, Expr, Outcome, StepCx};
use flow_card::{CardDoc, Example};
use flow_model::Type;
use flow_model::types::FieldLookup;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `list.pluck`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// A list of objects.
    list: Expr<List>,
    /// The dot path to read in each item, e.g. `profile.email`.
    key: String,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "list.pluck",
    summary: "Read one field of every item of a list",
    effect: Effect::Pure,
    output: "a list of the values (null where missing)",
    default_timeout: PURE_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Reads the value at a dot path in each item. Output: a list of the values, `null` where
missing."#,
    okta: &["List - Pluck"],
    examples: &[
        Example::gives(
            "Emails",
            r#"{ list: "{{ inputs.users }}", key: profile.email }"#,
            r#"["a@x", null]"#,
        )
        .with_inputs(r#"{"users": [{"profile": {"email": "a@x"}}, {"profile": {}}]}"#),
        Example::fails(
            "Not a list",
            r#"{ list: "{{ inputs.v }}", key: a }"#,
            r#"`list` must be a list"#,
        )
        .with_inputs(r#"{"v": "abc"}"#),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        let mut t = super::item_type(cx, self.list.id);
        for seg in self.key.split('.') {
            t = match t.field(seg) {
                FieldLookup::Found(t) => t,
                FieldLookup::Missing(names) => {
                    cx.report(
                        Some(self.list.id),
                        flow_model::Code::UnknownField,
                        format!("the items have no field `{seg}`"),
                        flow_model::suggest::hint(seg, names.iter()),
                    );
                    Type::Any
                }
                FieldLookup::NotAnObject => Type::Any,
            };
        }
        Type::list(t)
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        done(cx.list(&self.list).map(|l| {
            let items = l.as_array().into_iter().flatten();
            Outcome::value(Value::Array(
                items
                    .map(|i| dot_get(i, &self.key).cloned().unwrap_or(Value::Null))
                    .collect(),
            ))
        }))
    }
}
