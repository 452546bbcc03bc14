//! `http.close`: answers the caller of an endpoint flow now, while the flow goes on (Okta's
//! Close). Put it first in flows whose callers must not wait or retry.

use crate::util::done;
use flow_card::card::{Response, ResponseBody, schema_of};
use flow_card::kinds::{AnyValue, Number, Object};
use flow_card::{
    Card, CardError, CardFuture, CardSpec, Checker, Effect, Expr, Outcome, Signal, StepCx,
};
use flow_card::{CardDoc, Example};
use flow_model::{Code, Type};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;

/// Inputs of `http.close`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The status: 2xx (default 200), or 400–599.
    #[serde(default)]
    status: Option<Expr<Number>>,
    /// Extra response headers.
    #[serde(default)]
    headers: Option<Expr<Object>>,
    /// The body: an object or list is sent as JSON, text as text.
    #[serde(default)]
    body: Option<Expr<AnyValue>>,
}

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "http.close",
    summary: "Answer the endpoint's caller now; the flow goes on",
    effect: Effect::Responds,
    output: "null",
    default_timeout: Duration::from_secs(5),
    default_attempts: 1,
    trigger: Some("api_endpoint"),
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(cx.config::<Config>()?)),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Answers the endpoint's caller now; the flow goes on (Okta's Close). Put it first in flows whose
callers must not wait or retry. A flow may have at most one (`E0213`); in a helper flow it is
`E0212`.

`status` is 2xx (default 200) or 400–599; any other status (1xx, 3xx, a fraction such as
`204.5`, …) is refused: `E0006` when the flow writes it as a number, otherwise an `input` error
when the step runs. Header names are lower-cased; a `content-type` given in `headers` replaces
the one the body sets. A text body is sent as `text/plain; charset=utf-8`; an object, list,
number or boolean as JSON; `null` or no body sends none. Output: `null`."#,
    okta: &["Flow Control - Close", "Flow Control - Return Raw"],
    examples: &[
        Example::rejected(
            "Only in api_endpoint flows",
            r#"{ status: 200, body: { received: true } }"#,
            "E0212",
        ),
        Example::rejected("A redirect status", r#"{ status: 302 }"#, "E0006"),
    ],
};

/// A status `http.close` may answer with: a whole number, any 2xx, or an error (400–599).
/// Not 1xx or 3xx, and not `204.5`.
fn valid_status(n: f64) -> bool {
    n.fract() == 0.0 && ((200.0..300.0).contains(&n) || (400.0..=599.0).contains(&n))
}

impl Card for Config {
    fn check(&self, cx: &mut dyn Checker) -> Type {
        if let Some(s) = &self.status
            && let Some(Value::Number(n)) = cx.constant(s.id)
            && !valid_status(n.as_f64().unwrap_or(0.0))
        {
            cx.report(
                Some(s.id),
                Code::InvalidValue,
                format!("`status` must be 2xx or 400–599, found {n}"),
                None,
            );
        }
        Type::Null
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        done((|| {
            let status = match &self.status {
                Some(s) => cx.number(s)?,
                None => 200.0,
            };
            if !valid_status(status) {
                return Err(CardError::input(format!(
                    "`status` must be 2xx or 400–599, found {status}"
                )));
            }
            let headers = match &self.headers {
                Some(h) => match &*cx.value(h)? {
                    Value::Object(m) => m
                        .iter()
                        .map(|(k, v)| {
                            (
                                k.to_ascii_lowercase(),
                                flow_template::to_text(v).into_owned(),
                            )
                        })
                        .collect(),
                    Value::Null => Vec::new(),
                    _ => return Err(CardError::input("`headers` must be a mapping")),
                },
                None => Vec::new(),
            };
            let body = match &self.body {
                None => ResponseBody::Empty,
                Some(b) => match cx.value(b)?.into_owned() {
                    Value::Null => ResponseBody::Empty,
                    Value::String(s) => ResponseBody::Text(s),
                    other => ResponseBody::Json(other),
                },
            };
            let response = Response {
                status: status as u16,
                headers,
                body,
            };
            Ok(Outcome {
                output: Value::Null,
                signal: Some(Signal::Respond(response)),
            })
        })())
    }
}

#[cfg(test)]
mod tests {
    use super::{SPEC, valid_status};

    #[test]
    fn statuses_accepted_are_the_ones_documented() {
        for ok in [
            200.0, 201.0, 202.0, 204.0, 299.0, 400.0, 404.0, 429.0, 500.0, 599.0,
        ] {
            assert!(valid_status(ok), "{ok}");
        }
        for bad in [
            0.0, 100.0, 199.0, 300.0, 302.0, 399.0, 600.0, -200.0, 204.5, 404.01,
        ] {
            assert!(!valid_status(bad), "{bad}");
        }
        // The field's documentation (schema, `flowctl cards`) says the same.
        let schema = (SPEC.schema)(&mut schemars::SchemaGenerator::default());
        let doc = schema.as_value()["properties"]["status"]["description"]
            .as_str()
            .unwrap();
        assert!(doc.contains("2xx") && doc.contains("400–599"), "{doc}");
    }
}
