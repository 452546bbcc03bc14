//! The `template` target: a template parsed (plain and Slack-escaped), checked against a
//! typed scope like a flow's, and rendered and evaluated against sample values.

use flow_model::Type;
use flow_template::{ErrorKind, Escape, NameError, Scope, Slot, Template, TypeScope};
use serde_json::{Value, json};
use std::sync::OnceLock;

/// The root names in scope, their types and sample values.
fn names() -> &'static [(&'static str, Type, Value)] {
    static NAMES: OnceLock<Vec<(&'static str, Type, Value)>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let user = Type::object([
            ("id", Type::Text),
            (
                "profile",
                Type::object([("login", Type::Text), ("email", Type::Text)]),
            ),
            ("status", Type::Text),
        ]);
        vec![
            (
                "trigger",
                Type::Any,
                json!({
                    "body": "{\"id\": 7, \"tags\": [\"a\", \"b\"]}",
                    "json": {"id": 7, "tags": ["a", "b"], "nested": {"deep": [1, 2.5, null, true]}},
                    "headers": {"content-type": "application/json", "x-api-client-token": "***"},
                    "query": {"q": "a&b<c>"},
                    "method": "POST"
                }),
            ),
            (
                "inputs",
                Type::Any,
                json!({"email": "ada@example.com", "n": 3, "list": [3, 1, 2], "empty": [], "none": null}),
            ),
            (
                "execution",
                Type::object([("id", Type::Text)]),
                json!({"id": "0193e8a0-0000-7000-8000-000000000000"}),
            ),
            ("item", Type::Any, json!({"id": "00u1", "n": -1})),
            ("index", Type::Number, json!(2)),
            (
                "user",
                user.clone(),
                json!({"id": "00u1", "profile": {"login": "ada", "email": "ada@example.com"}, "status": "ACTIVE"}),
            ),
            (
                "users",
                Type::list(user),
                json!([
                    {"id": "00u1", "profile": {"login": "ada", "email": "a@x"}, "status": "ACTIVE"},
                    {"id": "00u2", "profile": {"login": "bob", "email": "b@x"}, "status": "SUSPENDED"}
                ]),
            ),
            ("n", Type::Number, json!(1.5e300)),
            ("big", Type::Number, json!(18446744073709551615u64)),
            ("flag", Type::Boolean, json!(true)),
            ("text", Type::Text, json!("x<y & \"z\" \u{1F600}\n")),
            ("when", Type::Date, json!("2026-01-02T03:04:05Z")),
            ("nothing", Type::Null, Value::Null),
            ("tags", Type::list(Type::Text), json!(["a", "", "<b>"])),
        ]
    })
}

struct Types;

impl TypeScope for Types {
    fn resolve(&self, name: &str) -> Result<(Slot, Type), NameError> {
        match names().iter().position(|(n, _, _)| *n == name) {
            Some(i) => Ok((Slot(i as u32), names()[i].1.clone())),
            None => Err(NameError {
                kind: ErrorKind::UnknownName,
                message: format!("unknown name `{name}`"),
                help: None,
            }),
        }
    }
}

struct Values;

impl Scope for Values {
    fn get(&self, slot: Slot) -> Option<&Value> {
        names().get(slot.0 as usize).map(|(_, _, v)| v)
    }
}

/// Input: the template text (invalid UTF-8 replaced). It is parsed with both escapes; a
/// template that checks is rendered and evaluated.
pub fn template(data: &[u8]) {
    let _ = std::hint::black_box(template_render(data));
}

/// [`template`], returning how far the plain (not escaped) template got: `Err` with the first
/// problem's message when it does not parse or check, else the rendered text (or the error it
/// ran into).
pub fn template_render(data: &[u8]) -> Result<String, String> {
    let src = String::from_utf8_lossy(data);
    let mut plain = Err(String::new());
    for escape in [Escape::Slack, Escape::None] {
        plain = run(&src, escape);
    }
    plain
}

fn run(src: &str, escape: Escape) -> Result<String, String> {
    let mut t = Template::parse(src, escape).map_err(|e| e.message)?;
    std::hint::black_box((t.is_single(), t.is_constant(), t.source().len()));
    t.check(&Types)
        .map_err(|e| e.first().map(|e| e.message.clone()).unwrap_or_default())?;
    let _ = std::hint::black_box(t.eval(&Values).map(|v| v.into_owned()));
    t.render_to_string(&Values).map_err(|e| e.message)
}
