//! Values on their way from Okta wires and constants into flowctl inputs: constants, template
//! references (`user.id`), lists and mappings of them, and text with references inside.

use crate::names::{template_path, words};
use crate::yaml::Yaml;
use serde_json::Value;

/// A value for a flowctl input.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// A constant.
    Const(Value),
    /// A template path: `user.id`, `trigger.json`, `inputs.email`, `item`.
    Ref(String),
    /// A list of values (written where it is read: List Construct, `wrapArray`).
    List(Vec<Val>),
    /// A mapping of values (Construct fields).
    Map(Vec<(String, Val)>),
    /// Text made of literal parts and values (Compose, API paths).
    Text(Vec<Val>),
    /// The first of these paths that is not null: `default a (default b c)` (an If/Else
    /// Join, the error of an If Error's Try block).
    FirstOf(Vec<String>),
    /// A template function applied to a path (`text item`): a value converted where it is
    /// read.
    Call(String),
    /// A template path whose fields are not known (a connector card's output, whose Okta
    /// field names are not its flowctl ones): reading a field of it is an error, the reason.
    Sealed(String, String),
    /// A template path to a record whose fields a connector action declares: each name a
    /// field is read by → its dotted path in the record. The names are the fields' flowctl
    /// names (`first_name`) and the Okta names the action lists (`okta_outputs`); Okta reads
    /// them by names of its own (`First Name`), found by the same words, and `Raw Output` is
    /// the whole record. A name with no such field is an error.
    Record(String, Vec<(String, String)>),
}

impl Val {
    /// This value with `segments` appended to its path (object fields, Get Multiple keys).
    pub fn field<'a>(&self, segments: impl IntoIterator<Item = &'a str>) -> Result<Val, String> {
        let segments: Vec<&str> = segments.into_iter().filter(|s| !s.is_empty()).collect();
        if segments.is_empty() {
            return Ok(self.clone());
        }
        match self {
            // A field of the API Endpoint's raw body text: Okta reads it from the JSON the
            // text holds, which flowctl has parsed as `trigger.json`.
            Val::Ref(base) if base == "trigger.body" => Ok(Val::Ref(format!(
                "trigger.json.{}",
                template_path(segments)
            ))),
            // An event card's Full Details is the hook's body, `{ data: { events: [..] } }`;
            // flowctl runs once per event, which is `trigger.event`.
            Val::Ref(base) if base == "trigger.event" && segments.starts_with(&["data", "events"]) => {
                match &segments[2..] {
                    [] => Ok(Val::List(vec![Val::Ref(base.clone())])),
                    ["0"] => Ok(Val::Ref(base.clone())),
                    ["0", rest @ ..] => Ok(Val::Ref(format!("{base}.{}", template_path(rest.iter().copied())))),
                    _ => Err("reads an event of the hook's batch other than the first, which flowctl runs as a run of its own".into()),
                }
            }
            Val::Ref(base) => Ok(Val::Ref(format!("{base}.{}", template_path(segments)))),
            Val::Const(c) => {
                let mut v = c;
                for s in &segments {
                    v = match v {
                        Value::Object(o) => o.get(*s).unwrap_or(&Value::Null),
                        Value::Array(a) => s
                            .parse::<usize>()
                            .ok()
                            .and_then(|i| a.get(i))
                            .unwrap_or(&Value::Null),
                        _ => &Value::Null,
                    };
                }
                Ok(Val::Const(v.clone()))
            }
            // A value built in place with known fields (an event's party, a Construct).
            Val::Map(entries) => match entries.iter().find(|(k, _)| k == segments[0]) {
                Some((_, v)) => v.field(segments[1..].iter().copied()),
                None => Err(format!(
                    "reads field `{}` of a value built in place, which has no such field",
                    segments.join(".")
                )),
            },
            Val::Call(_) => Err(format!(
                "reads field `{}` of a value converted in place",
                segments.join(".")
            )),
            Val::Record(base, fields) => {
                if segments[0] == "Raw Output" {
                    return Val::Ref(base.clone()).field(segments[1..].iter().copied());
                }
                let wanted = words(segments[0]);
                let Some((_, path)) = fields
                    .iter()
                    .find(|(name, _)| name.as_str() == segments[0] || words(name) == wanted)
                else {
                    let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
                    return Err(format!(
                        "reads field `{}` of a record streamed to this helper, whose fields are {}",
                        segments.join("."),
                        names.join(", ")
                    ));
                };
                Val::Ref(format!("{base}.{}", template_path(path.split('.'))))
                    .field(segments[1..].iter().copied())
            }
            Val::Sealed(_, why) => Err(format!(
                "reads field `{}` of an output {why}",
                segments.join(".")
            )),
            Val::FirstOf(paths) => Ok(Val::FirstOf(
                paths
                    .iter()
                    .map(|p| format!("{p}.{}", template_path(segments.iter().copied())))
                    .collect(),
            )),
            _ => Err(format!(
                "reads field `{}` of a value built in place",
                segments.join(".")
            )),
        }
    }

    /// The value as it is written in a step's `with:`.
    pub fn to_yaml(&self) -> Yaml {
        match self {
            Val::Const(c) => const_yaml(c),
            Val::Ref(p) | Val::Sealed(p, _) | Val::Record(p, _) => {
                Yaml::Str(format!("{{{{ {p} }}}}"))
            }
            Val::Call(c) => Yaml::Str(format!("{{{{ {c} }}}}")),
            Val::FirstOf(paths) => Yaml::Str(format!("{{{{ {} }}}}", first_of(paths))),
            Val::List(items) => Yaml::Seq(items.iter().map(Val::to_yaml).collect()),
            Val::Map(entries) => Yaml::Map(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_yaml()))
                    .collect(),
            ),
            Val::Text(parts) => Yaml::Str(parts.iter().map(part_text).collect()),
        }
    }

    /// The value as an operand of a template helper (`eq a b`): a path or a literal.
    pub fn operand(&self) -> Result<String, String> {
        match self {
            Val::Ref(p) | Val::Sealed(p, _) | Val::Record(p, _) => Ok(p.clone()),
            Val::FirstOf(paths) => Ok(format!("({})", first_of(paths))),
            Val::Call(c) => Ok(format!("({c})")),
            Val::Const(Value::String(s)) => Ok(format!(
                "\"{}\"",
                s.replace('\\', "\\\\").replace('"', "\\\"")
            )),
            Val::Const(c @ (Value::Number(_) | Value::Bool(_) | Value::Null)) => Ok(c.to_string()),
            _ => Err("compares a list or an object built in place".into()),
        }
    }
}

/// A constant as YAML; text is escaped so that a literal `{{` is not read as a template.
fn const_yaml(v: &Value) -> Yaml {
    match v {
        Value::String(s) => Yaml::Str(escape_template(s)),
        Value::Array(a) => Yaml::Seq(a.iter().map(const_yaml).collect()),
        Value::Object(o) => Yaml::Map(o.iter().map(|(k, v)| (k.clone(), const_yaml(v))).collect()),
        other => Yaml::from_json(other),
    }
}

/// One part of a text value.
fn part_text(v: &Val) -> String {
    match v {
        Val::Const(Value::String(s)) => escape_template(s),
        Val::Const(Value::Null) => String::new(),
        Val::Const(c) => escape_template(&c.to_string()),
        Val::Ref(p) | Val::Sealed(p, _) | Val::Record(p, _) => format!("{{{{ {p} }}}}"),
        Val::FirstOf(paths) => format!("{{{{ {} }}}}", first_of(paths)),
        Val::Call(c) => format!("{{{{ {c} }}}}"),
        Val::Text(parts) => parts.iter().map(part_text).collect(),
        Val::List(_) | Val::Map(_) => {
            // Rendered as JSON, like a list or object output in a template.
            match v.to_yaml() {
                Yaml::Str(s) => s,
                _ => String::new(),
            }
        }
    }
}

/// `default a (default b c)`: the first path whose value is not null (or `""`).
fn first_of(paths: &[String]) -> String {
    match paths {
        [] => "null".into(),
        [one] => one.clone(),
        [first, second] => format!("default {first} {second}"),
        [first, rest @ ..] => format!("default {first} ({})", first_of(rest)),
    }
}

/// Literal text for a template: `{{` becomes `\{{`.
pub fn escape_template(s: &str) -> String {
    s.replace("{{", "\\{{")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_and_constants_render_as_templates() {
        assert_eq!(
            Val::Ref("user.id".into()).to_yaml(),
            Yaml::str("{{ user.id }}")
        );
        assert_eq!(
            Val::Const(json!("a {{ b }}")).to_yaml(),
            Yaml::str("a \\{{ b }}")
        );
        let text = Val::Text(vec![
            Val::Const(json!("/groups/")),
            Val::Ref("g".into()),
            Val::Const(json!(3)),
        ]);
        assert_eq!(text.to_yaml(), Yaml::str("/groups/{{ g }}3"));
    }

    #[test]
    fn a_streamed_record_is_read_by_okta_names_of_its_declared_fields() {
        let record = Val::Record(
            "inputs.record".into(),
            vec![
                ("first_name".into(), "first_name".into()),
                ("Login".into(), "profile.login".into()),
            ],
        );
        assert_eq!(
            record.field(["First Name"]),
            Ok(Val::Ref("inputs.record.first_name".into()))
        );
        assert_eq!(
            record.field(["Login"]),
            Ok(Val::Ref("inputs.record.profile.login".into()))
        );
        assert_eq!(
            record.field(["Raw Output", "id"]),
            Ok(Val::Ref("inputs.record.id".into()))
        );
        let e = record.field(["Manager"]).unwrap_err();
        assert!(e.contains("whose fields are first_name, Login"), "{e}");
    }

    #[test]
    fn the_first_event_of_the_hook_body_is_the_event() {
        let event = Val::Ref("trigger.event".into());
        assert_eq!(
            event.field(["data", "events", "0", "target", "0", "id"]),
            Ok(Val::Ref("trigger.event.target.0.id".into()))
        );
        assert_eq!(
            event.field(["data", "events"]),
            Ok(Val::List(vec![event.clone()]))
        );
        assert!(event.field(["data", "events", "1", "uuid"]).is_err());
        assert_eq!(
            event.field(["uuid"]),
            Ok(Val::Ref("trigger.event.uuid".into()))
        );
    }

    #[test]
    fn a_field_of_the_raw_body_is_read_from_its_json() {
        assert_eq!(
            Val::Ref("trigger.body".into()).field(["event", "id"]),
            Ok(Val::Ref("trigger.json.event.id".into()))
        );
        assert_eq!(
            Val::Ref("trigger.body".into()).field([""]),
            Ok(Val::Ref("trigger.body".into()))
        );
    }

    #[test]
    fn fields_of_a_value_built_in_place_are_its_entries() {
        let party = Val::Map(vec![
            ("ID".into(), Val::Ref("u.item.id".into())),
            ("Profile".into(), Val::Ref("u.item.profile".into())),
        ]);
        assert_eq!(party.field(["ID"]), Ok(Val::Ref("u.item.id".into())));
        assert_eq!(
            party.field(["Profile", "email"]),
            Ok(Val::Ref("u.item.profile.email".into()))
        );
        assert!(party.field(["Login"]).is_err());
        assert!(Val::Call("text item".into()).field(["a"]).is_err());
    }

    #[test]
    fn fields_extend_paths_and_read_into_constants() {
        let r = Val::Ref("event".into())
            .field(["detail", "users Failing"])
            .unwrap();
        assert_eq!(r, Val::Ref("event.detail.[users Failing]".into()));
        let c = Val::Const(json!({"a": [1, {"b": 2}]}))
            .field(["a", "1", "b"])
            .unwrap();
        assert_eq!(c, Val::Const(json!(2)));
        assert!(Val::List(vec![]).field(["x"]).is_err());
    }

    #[test]
    fn first_of_reads_fields_of_every_path() {
        let v = Val::FirstOf(vec!["a.error".into(), "b.error".into(), "c.error".into()]);
        assert_eq!(
            v.field(["message"]).unwrap().to_yaml(),
            Yaml::str("{{ default a.error.message (default b.error.message c.error.message) }}")
        );
        assert_eq!(
            v.operand().unwrap(),
            "(default a.error (default b.error c.error))"
        );
    }

    #[test]
    fn operands_quote_text() {
        assert_eq!(
            Val::Const(json!("say \"hi\"")).operand().unwrap(),
            "\"say \\\"hi\\\"\""
        );
        assert_eq!(Val::Const(json!(3)).operand().unwrap(), "3");
    }
}
