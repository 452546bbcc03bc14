//! `crypto.uuid`: a new random UUID (version 4).

use crate::util::{output, pure};
use flow_card::kinds::Boolean;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Example, Expr, StepCx};
use flow_model::Type;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Inputs of `crypto.uuid`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Write it in upper case (default lower case).
    #[serde(default)]
    upper: Option<Expr<Boolean>>,
}

/// Registration.
pub static SPEC: CardSpec = pure::<Config>("crypto.uuid", "A new random UUID", "text");

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"A new version 4 UUID from the operating system's secure random source, as 36 characters (`8-4-4-4-12` hex digits), lower case unless `upper: true`."#,
    okta: &[],
    examples: &[Example::fails(
        "Not true or false",
        r#"{ upper: "{{ inputs.v }}" }"#,
        r#"must be"#,
    )
    .with_inputs(r#"{"v": [1]}"#)],
};

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        if let Some(e) = &self.upper {
            cx.expr_type(e.id);
        }
        Type::Text
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        output((|| {
            let mut bytes = [0u8; 16];
            super::secure_random(&mut bytes)?;
            let id = uuid::Builder::from_random_bytes(bytes)
                .into_uuid()
                .to_string();
            let upper = match &self.upper {
                Some(u) => match &*cx.value(u)? {
                    Value::Bool(b) => *b,
                    other => {
                        return Err(flow_card::CardError::input(format!(
                            "`upper` must be true or false, found {}",
                            flow_model::types::value_kind(other)
                        )));
                    }
                },
                None => false,
            };
            Ok(Value::String(if upper { id.to_uppercase() } else { id }))
        })())
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::run_card;
    use serde_json::json;

    /// Version 4, RFC 4122 variant, and a new one each run.
    #[test]
    fn uuids_are_random_v4() {
        let a = run_card("crypto.uuid", "{}", &json!({})).unwrap();
        let b = run_card("crypto.uuid", "{ upper: true }", &json!({})).unwrap();
        let a = uuid::Uuid::parse_str(a.as_str().unwrap()).unwrap();
        let b_text = b.as_str().unwrap();
        assert_eq!(b_text, b_text.to_uppercase());
        let b = uuid::Uuid::parse_str(b_text).unwrap();
        assert_eq!(a.get_version_num(), 4);
        assert_eq!(a.get_variant(), uuid::Variant::RFC4122);
        assert_ne!(a, b);
    }
}
