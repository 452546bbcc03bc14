//! `object.set`: the object with a value set at a dot path (Okta's Set).

use crate::util::{output, pure};
use flow_card::kinds::{AnyValue, Object, Text};
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `object.set`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The object (default: an empty one, as Okta's Set with nothing in `object` starts from).
    #[serde(default)]
    object: Option<Expr<Object>>,
    /// A dot path such as `profile.department`.
    path: Expr<Text>,
    /// The value to set.
    value: Expr<AnyValue>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>(
    "object.set",
    "Set a value at a dot path of an object",
    "the object",
);

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"A copy of `object` (an empty object when not given) with `value` at `path`, creating objects on the way. A part of the path that holds something other than an object is an `input` error."#,
    okta: &["Object - Set"],
    examples: &[
        Example::gives(
            "Nested",
            r#"{ object: {profile: {login: ada}}, path: profile.dept, value: R&D }"#,
            r#"{"profile": {"login": "ada", "dept": "R&D"}}"#,
        ),
        Example::gives(
            "Created on the way",
            r#"{ object: {}, path: a.b, value: 1 }"#,
            r#"{"a": {"b": 1}}"#,
        ),
        Example::gives(
            "From nothing",
            r#"{ path: name, value: Ada }"#,
            r#"{"name": "Ada"}"#,
        ),
        Example::fails(
            "Through a value",
            r#"{ object: {a: 1}, path: a.b, value: 1 }"#,
            r#"`a` holds number"#,
        ),
    ],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        if let Some(o) = &self.object {
            cx.expr_type(o.id);
        }
        cx.expr_type(self.path.id);
        cx.expr_type(self.value.id);
        Type::Object(None)
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let mut o = match &self.object {
                Some(e) => super::object(cx, e, "object")?,
                None => serde_json::Map::new(),
            };
            let path = cx.text(&self.path)?;
            super::set_path(&mut o, &path, cx.value(&self.value)?.into_owned())?;
            Ok(Value::Object(o))
        })())
    }
}
