//! The built-in template helpers, each with a type rule for the checker and an evaluation.

use crate::dates;
use crate::value::{compare, is_truthy, loose_eq, render_text, slack_escape, to_text};
use flow_model::Type;
use serde_json::Value;
use std::borrow::Cow;
use std::cmp::Ordering;

/// A helper's type rule: the result type, or the index of the bad argument and why.
pub(crate) type CheckFn = fn(&[Type]) -> Result<Type, (usize, String)>;

/// A helper callable as `{{ name arg… }}` or `(name arg…)`.
pub struct Helper {
    /// Its name.
    pub name: &'static str,
    /// Fewest arguments.
    pub min_args: usize,
    /// Most arguments.
    pub max_args: usize,
    /// How it is called.
    pub usage: &'static str,
    /// What it does.
    pub doc: &'static str,
    /// The result type for the argument types, or (argument index, message).
    pub(crate) check: CheckFn,
    /// Evaluation, given the arguments and the longest text it may build (the scope's
    /// `max_text`); errors are messages.
    pub(crate) eval: fn(&[Cow<'_, Value>], usize) -> Result<Value, String>,
}

impl std::fmt::Debug for Helper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Helper({})", self.name)
    }
}

impl Helper {
    /// "2 arguments", "1 to 2 arguments", "2 or more arguments".
    pub fn arity_text(&self) -> String {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        if self.min_args == self.max_args {
            format!("{} argument{}", self.min_args, plural(self.min_args))
        } else if self.max_args >= 16 {
            format!("{} or more arguments", self.min_args)
        } else {
            format!("{} to {} arguments", self.min_args, self.max_args)
        }
    }
}

/// Finds a helper by name.
pub fn find(name: &str) -> Option<&'static Helper> {
    HELPERS.iter().find(|h| h.name == name)
}

fn any_to_bool(_: &[Type]) -> Result<Type, (usize, String)> {
    Ok(Type::Boolean)
}

fn text_arg(args: &[Type]) -> Result<Type, (usize, String)> {
    match &args[0] {
        t if t.fits(&Type::Text) => Ok(Type::Text),
        t => Err((0, format!("expects text, found {t}"))),
    }
}

fn cmp_args(args: &[Type]) -> Result<Type, (usize, String)> {
    for (i, t) in args.iter().enumerate() {
        if matches!(t, Type::List(_) | Type::Object(_)) {
            return Err((i, format!("compares numbers, text or dates, found {t}")));
        }
    }
    Ok(Type::Boolean)
}

fn ordered(args: &[Cow<'_, Value>], want: fn(Ordering) -> bool) -> Result<Value, String> {
    match compare(&args[0], &args[1]) {
        Some(o) => Ok(Value::Bool(want(o))),
        None if args[0].is_null() || args[1].is_null() => Ok(Value::Bool(false)),
        None => Err(format!(
            "cannot compare {} with {}",
            flow_model::types::value_kind(&args[0]),
            flow_model::types::value_kind(&args[1])
        )),
    }
}

fn text_of<'a>(v: &'a Value, helper: &str) -> Result<Cow<'a, str>, String> {
    match v {
        Value::Array(_) | Value::Object(_) => Err(format!(
            "`{helper}` expects text, found {}",
            flow_model::types::value_kind(v)
        )),
        other => Ok(to_text(other)),
    }
}

/// Every helper, in the order `flowctl cards` documents them.
pub static HELPERS: &[Helper] = &[
    Helper {
        name: "eq",
        min_args: 2,
        max_args: 2,
        usage: "{{ eq a b }}",
        doc: "true when a equals b (numbers by value)",
        check: any_to_bool,
        eval: |a, _| Ok(Value::Bool(loose_eq(&a[0], &a[1]))),
    },
    Helper {
        name: "ne",
        min_args: 2,
        max_args: 2,
        usage: "{{ ne a b }}",
        doc: "true when a differs from b",
        check: any_to_bool,
        eval: |a, _| Ok(Value::Bool(!loose_eq(&a[0], &a[1]))),
    },
    Helper {
        name: "gt",
        min_args: 2,
        max_args: 2,
        usage: "{{ gt a b }}",
        doc: "a > b (numbers numerically, text by character)",
        check: cmp_args,
        eval: |a, _| ordered(a, |o| o == Ordering::Greater),
    },
    Helper {
        name: "gte",
        min_args: 2,
        max_args: 2,
        usage: "{{ gte a b }}",
        doc: "a >= b",
        check: cmp_args,
        eval: |a, _| ordered(a, |o| o != Ordering::Less),
    },
    Helper {
        name: "lt",
        min_args: 2,
        max_args: 2,
        usage: "{{ lt a b }}",
        doc: "a < b",
        check: cmp_args,
        eval: |a, _| ordered(a, |o| o == Ordering::Less),
    },
    Helper {
        name: "lte",
        min_args: 2,
        max_args: 2,
        usage: "{{ lte a b }}",
        doc: "a <= b",
        check: cmp_args,
        eval: |a, _| ordered(a, |o| o != Ordering::Greater),
    },
    Helper {
        name: "and",
        min_args: 2,
        max_args: 16,
        usage: "{{ and a b … }}",
        doc: "true when every argument is truthy",
        check: any_to_bool,
        eval: |a, _| Ok(Value::Bool(a.iter().all(|v| is_truthy(v)))),
    },
    Helper {
        name: "or",
        min_args: 2,
        max_args: 16,
        usage: "{{ or a b … }}",
        doc: "true when any argument is truthy",
        check: any_to_bool,
        eval: |a, _| Ok(Value::Bool(a.iter().any(|v| is_truthy(v)))),
    },
    Helper {
        name: "not",
        min_args: 1,
        max_args: 1,
        usage: "{{ not a }}",
        doc: "true when a is falsy (false, null, \"\", 0, [] or {})",
        check: any_to_bool,
        eval: |a, _| Ok(Value::Bool(!is_truthy(&a[0]))),
    },
    Helper {
        name: "join",
        min_args: 2,
        max_args: 2,
        usage: "{{ join list \", \" }}",
        doc: "the items of a list as text, with a separator between them",
        check: |args| {
            if !args[0].fits(&Type::list(Type::Any)) {
                return Err((0, format!("joins a list, found {}", args[0])));
            }
            if !args[1].fits(&Type::Text) {
                return Err((1, format!("the separator must be text, found {}", args[1])));
            }
            Ok(Type::Text)
        },
        eval: |a, max| {
            let sep = text_of(&a[1], "join")?;
            match &*a[0] {
                Value::Null => Ok(Value::String(String::new())),
                Value::Array(items) => {
                    let mut out = String::new();
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            out.push_str(&sep);
                        }
                        render_text(item, &mut out);
                        // A long separator times a long list must not exhaust memory.
                        if out.len() > max {
                            return Err(format!(
                                "`join` would give more than {max} bytes, the most a value may be (`limits.max_value`)"
                            ));
                        }
                    }
                    Ok(Value::String(out))
                }
                other => Err(format!(
                    "`join` expects a list, found {}",
                    flow_model::types::value_kind(other)
                )),
            }
        },
    },
    Helper {
        name: "json",
        min_args: 1,
        max_args: 1,
        usage: "{{ json value }}",
        doc: "the value as compact JSON text",
        check: |_| Ok(Type::Text),
        eval: |a, _| Ok(Value::String(a[0].to_string())),
    },
    Helper {
        name: "text",
        min_args: 1,
        max_args: 1,
        usage: "{{ text value }}",
        doc: "the value as text: text as it is, null as null, anything else as compact JSON (an object handed to a text input, as Okta Workflows does)",
        check: |_| Ok(Type::Text),
        eval: |a, _| {
            Ok(match &*a[0] {
                v @ (Value::String(_) | Value::Null) => v.clone(),
                other => Value::String(other.to_string()),
            })
        },
    },
    Helper {
        name: "default",
        min_args: 2,
        max_args: 2,
        usage: "{{ default value fallback }}",
        doc: "value, or fallback when value is null or empty text",
        check: |args| {
            Ok(if args[0] == Type::Any || args[0] == Type::Null {
                args[1].clone()
            } else {
                args[0].clone()
            })
        },
        eval: |a, _| {
            let empty =
                matches!(&*a[0], Value::Null) || matches!(&*a[0], Value::String(s) if s.is_empty());
            Ok(if empty {
                a[1].clone().into_owned()
            } else {
                a[0].clone().into_owned()
            })
        },
    },
    Helper {
        name: "lower",
        min_args: 1,
        max_args: 1,
        usage: "{{ lower text }}",
        doc: "the text in lower case",
        check: text_arg,
        eval: |a, _| Ok(Value::String(text_of(&a[0], "lower")?.to_lowercase())),
    },
    Helper {
        name: "upper",
        min_args: 1,
        max_args: 1,
        usage: "{{ upper text }}",
        doc: "the text in upper case",
        check: text_arg,
        eval: |a, _| Ok(Value::String(text_of(&a[0], "upper")?.to_uppercase())),
    },
    Helper {
        name: "trim",
        min_args: 1,
        max_args: 1,
        usage: "{{ trim text }}",
        doc: "the text without leading and trailing white space",
        check: text_arg,
        eval: |a, _| Ok(Value::String(text_of(&a[0], "trim")?.trim().to_string())),
    },
    Helper {
        name: "len",
        min_args: 1,
        max_args: 1,
        usage: "{{ len value }}",
        doc: "the number of items of a list, characters of a text, or fields of an object",
        check: |args| match &args[0] {
            Type::Number | Type::Boolean => Err((0, format!("has no length: {}", args[0]))),
            _ => Ok(Type::Number),
        },
        eval: |a, _| match &*a[0] {
            Value::Array(x) => Ok(Value::from(x.len())),
            Value::String(s) => Ok(Value::from(s.chars().count())),
            Value::Object(o) => Ok(Value::from(o.len())),
            Value::Null => Ok(Value::from(0)),
            other => Err(format!(
                "`len` of {} has no meaning",
                flow_model::types::value_kind(other)
            )),
        },
    },
    Helper {
        name: "contains",
        min_args: 2,
        max_args: 2,
        usage: "{{ contains list_or_text value }}",
        doc: "true when the list has an item equal to value, or the text contains it",
        check: |args| match &args[0] {
            Type::Number | Type::Boolean => {
                Err((0, format!("searches a list or text, found {}", args[0])))
            }
            _ => Ok(Type::Boolean),
        },
        eval: |a, _| match &*a[0] {
            Value::Array(items) => Ok(Value::Bool(items.iter().any(|i| loose_eq(i, &a[1])))),
            Value::String(s) => Ok(Value::Bool(s.contains(&*to_text(&a[1])))),
            Value::Null => Ok(Value::Bool(false)),
            Value::Object(o) => Ok(Value::Bool(o.contains_key(&*to_text(&a[1])))),
            other => Err(format!(
                "`contains` cannot search {}",
                flow_model::types::value_kind(other)
            )),
        },
    },
    Helper {
        name: "slack_escape",
        min_args: 1,
        max_args: 1,
        usage: "{{ slack_escape text }}",
        doc: "the text with Slack's control characters & < > escaped",
        check: text_arg,
        eval: |a, _| {
            Ok(Value::String(
                slack_escape(&text_of(&a[0], "slack_escape")?).into_owned(),
            ))
        },
    },
    Helper {
        name: "date_add",
        min_args: 3,
        max_args: 4,
        usage: "{{ date_add date amount unit [zone] }}",
        doc: "the date (ISO 8601) plus a whole amount of seconds, minutes, hours, days, weeks, months or years, as `date.add` computes it",
        check: date_add_args,
        eval: |a, _| {
            let zone = zone_arg(a.get(3))?;
            let ts = date_arg(&a[0], &zone)?;
            let amount = match &*a[1] {
                Value::Number(n) => n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 1e15),
                Value::String(s) => s
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 1e15),
                _ => None,
            }
            .ok_or_else(|| format!("`date_add` needs a whole amount, found {}", to_text(&a[1])))?;
            let unit = dates::unit_named(&text_of(&a[2], "date_add")?).map_err(|e| e.0)?;
            let shifted = dates::shift(ts, amount as i64, unit, &zone).map_err(|e| e.0)?;
            Ok(Value::String(dates::iso(shifted)))
        },
    },
    Helper {
        name: "date_format",
        min_args: 2,
        max_args: 3,
        usage: "{{ date_format date format [zone] }}",
        doc: "the date written in a format (Okta's codes such as `M/D/Y`, or strftime's `%d.%m.%Y`), in a time zone, as `date.format` writes it",
        check: |args| {
            date_type(&args[0], 0)?;
            Ok(Type::Text)
        },
        eval: |a, _| {
            let zone = zone_arg(a.get(2))?;
            let ts = date_arg(&a[0], &zone)?;
            let format = text_of(&a[1], "date_format")?;
            dates::format_in(ts, &zone, &format)
                .map(Value::String)
                .map_err(|e| e.0)
        },
    },
    Helper {
        name: "split",
        min_args: 2,
        max_args: 2,
        usage: "{{ split text separator }}",
        doc: "the list of the parts of the text between separators, as `text.split` gives it",
        check: |args| {
            text_arg(args)?;
            Ok(Type::list(Type::Text))
        },
        eval: |a, _| {
            let text = text_of(&a[0], "split")?;
            let sep = text_of(&a[1], "split")?;
            Ok(Value::Array(if sep.is_empty() {
                text.chars().map(|c| Value::String(c.to_string())).collect()
            } else {
                text.split(&*sep)
                    .map(|p| Value::String(p.to_string()))
                    .collect()
            }))
        },
    },
    Helper {
        name: "pluck",
        min_args: 2,
        max_args: 2,
        usage: "{{ pluck body.records \"Id\" }}",
        doc: "the list of one field of each object of a list (`null` where an object lacks it)",
        check: |args| {
            if !args[0].fits(&Type::list(Type::Any)) {
                return Err((
                    0,
                    format!("plucks from a list of objects, found {}", args[0]),
                ));
            }
            if !args[1].fits(&Type::Text) {
                return Err((1, format!("the field must be text, found {}", args[1])));
            }
            Ok(Type::list(Type::Any))
        },
        eval: |a, _| {
            let field = text_of(&a[1], "pluck")?;
            match &*a[0] {
                Value::Null => Ok(Value::Array(Vec::new())),
                Value::Array(items) => items
                    .iter()
                    .map(|item| match item {
                        Value::Object(o) => Ok(o.get(&*field).cloned().unwrap_or(Value::Null)),
                        other => Err(format!(
                            "`pluck` expects a list of objects, found an item that is {}",
                            flow_model::types::value_kind(other)
                        )),
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::Array),
                other => Err(format!(
                    "`pluck` expects a list, found {}",
                    flow_model::types::value_kind(other)
                )),
            }
        },
    },
    Helper {
        name: "soql_quote",
        min_args: 1,
        max_args: 1,
        usage: "{{ soql_quote trigger.email }}",
        doc: "the value as a Salesforce SOQL literal: text quoted with `'` and its quotes, backslashes and control characters escaped; numbers, booleans and `null` as they are",
        check: |args| match &args[0] {
            t @ (Type::List(_) | Type::Object(_)) => {
                Err((0, format!("quotes text, a number or a boolean, found {t}")))
            }
            _ => Ok(Type::Text),
        },
        eval: |a, _| soql_quote(&a[0]).map(Value::String),
    },
    Helper {
        name: "soql_name",
        min_args: 1,
        max_args: 1,
        usage: "{{ soql_name inputs.record_type }}",
        doc: "the text when it is a Salesforce object or field name (`Contact`, `Custom__c`, `Account.Name`), else an error: names cannot be quoted in SOQL",
        check: text_arg,
        eval: |a, _| {
            let name = text_of(&a[0], "soql_name")?;
            if is_soql_name(&name) {
                Ok(Value::String(name.into_owned()))
            } else {
                Err(format!(
                    "`{}` is not a Salesforce object or field name (letters, digits and `_`, starting with a letter; `.` between relationship names)",
                    name.chars().take(80).collect::<String>()
                ))
            }
        },
    },
    Helper {
        name: "xml_escape",
        min_args: 1,
        max_args: 1,
        usage: "{{ xml_escape inputs.message }}",
        doc: "the text with `&`, `<`, `>`, `\"` and `'` escaped for XML; a control character XML cannot hold is an error",
        check: text_arg,
        eval: |a, _| xml_escape(&text_of(&a[0], "xml_escape")?).map(Value::String),
    },
];

/// A value as a SOQL literal (`'O\'Brien'`, `42`, `true`, `null`): text escaped as the SOQL
/// reference lists (quotes, backslash, `\n` `\r` `\t` `\b` `\f`, other control characters as
/// `\uXXXX`), so no value can end the literal.
fn soql_quote(v: &Value) -> Result<String, String> {
    match v {
        Value::Null => Ok("null".into()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        Value::String(s) => {
            let mut out = String::with_capacity(s.len() + 2);
            out.push('\'');
            for c in s.chars() {
                match c {
                    '\'' => out.push_str("\\'"),
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    '\u{8}' => out.push_str("\\b"),
                    '\u{c}' => out.push_str("\\f"),
                    c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
                    c => out.push(c),
                }
            }
            out.push('\'');
            Ok(out)
        }
        other => Err(format!(
            "`soql_quote` quotes text, a number or a boolean, found {}",
            flow_model::types::value_kind(other)
        )),
    }
}

/// A SOQL object or field name: ASCII letters, digits and `_`, starting with a letter, with
/// `.` between relationship names (`Account.Owner.Name`).
fn is_soql_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && s.split('.').all(|part| {
            part.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// Text escaped for XML content and attribute values.
fn xml_escape(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() && u32::from(c) < 0x20 => {
                return Err(format!(
                    "`xml_escape`: the control character U+{:04X} cannot be written in XML",
                    u32::from(c)
                ));
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

fn date_type(t: &Type, i: usize) -> Result<(), (usize, String)> {
    match t {
        Type::Number | Type::Boolean | Type::List(_) | Type::Object(_) => Err((
            i,
            format!("expects a date ({}), found {t}", dates::DATE_HINT),
        )),
        _ => Ok(()),
    }
}

fn date_add_args(args: &[Type]) -> Result<Type, (usize, String)> {
    date_type(&args[0], 0)?;
    if matches!(args[1], Type::Boolean | Type::List(_) | Type::Object(_)) {
        return Err((1, format!("expects a number, found {}", args[1])));
    }
    Ok(Type::Date)
}

fn zone_arg(v: Option<&Cow<'_, Value>>) -> Result<jiff::tz::TimeZone, String> {
    match v {
        None => Ok(jiff::tz::TimeZone::UTC),
        Some(z) => dates::zone_named(&text_of(z, "zone")?).map_err(|e| e.0),
    }
}

fn date_arg(v: &Value, zone: &jiff::tz::TimeZone) -> Result<jiff::Timestamp, String> {
    match v {
        Value::String(s) => dates::parse_iso(s, zone)
            .ok_or_else(|| format!("`{s}` is not a date ({})", dates::DATE_HINT)),
        other => Err(format!(
            "expects a date ({}), found {}",
            dates::DATE_HINT,
            flow_model::types::value_kind(other)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(name: &str, args: &[Value]) -> Result<Value, String> {
        let args: Vec<Cow<'_, Value>> = args.iter().map(Cow::Borrowed).collect();
        let h = find(name).unwrap();
        (h.eval)(&args, usize::MAX)
    }

    #[test]
    fn date_add_adds_calendar_units_in_a_zone() {
        let seven = call(
            "date_add",
            &[json!("2024-05-01T09:30:00Z"), json!(7), json!("days")],
        );
        assert_eq!(seven, Ok(json!("2024-05-08T09:30:00.000Z")));
        let back = call(
            "date_add",
            &[json!("2024-05-01"), json!("-90"), json!("day")],
        );
        assert_eq!(back, Ok(json!("2024-02-01T00:00:00.000Z")));
        // A day across Paris's spring DST change keeps 12:00 local: 23 hours later in UTC.
        let dst = call(
            "date_add",
            &[
                json!("2024-03-30T12:00:00+01:00"),
                json!(1),
                json!("days"),
                json!("Europe/Paris"),
            ],
        );
        assert_eq!(dst, Ok(json!("2024-03-31T10:00:00.000Z")));
        assert!(
            call("date_add", &[json!("90 days ago"), json!(1), json!("days")])
                .unwrap_err()
                .contains("is not a date")
        );
        assert!(
            call(
                "date_add",
                &[json!("2024-05-01"), json!(1.5), json!("days")]
            )
            .unwrap_err()
            .contains("whole amount")
        );
        assert!(
            call(
                "date_add",
                &[json!("2024-05-01"), json!(1), json!("fortnights")]
            )
            .unwrap_err()
            .contains("`unit` must be")
        );
    }

    #[test]
    fn date_format_writes_okta_and_strftime_formats() {
        assert_eq!(
            call(
                "date_format",
                &[json!("2016-09-07T16:55:25Z"), json!("M/D/Y")]
            ),
            Ok(json!("9/7/2016"))
        );
        assert_eq!(
            call(
                "date_format",
                &[
                    json!("2016-09-07T16:55:25Z"),
                    json!("%d.%m.%Y %H:%M"),
                    json!("Europe/Paris")
                ]
            ),
            Ok(json!("07.09.2016 18:55"))
        );
        assert!(
            call("date_format", &[json!(5), json!("Y")])
                .unwrap_err()
                .contains("expects a date")
        );
    }

    #[test]
    fn date_helpers_are_checked_by_type() {
        let add = find("date_add").unwrap();
        assert!((add.check)(&[Type::Number, Type::Number, Type::Text]).is_err());
        assert_eq!(
            (add.check)(&[Type::Date, Type::Number, Type::Text]),
            Ok(Type::Date)
        );
        assert!((add.check)(&[Type::Text, Type::Boolean, Type::Text]).is_err());
    }

    #[test]
    fn pluck_takes_one_field_of_each_object() {
        assert_eq!(
            call(
                "pluck",
                &[json!([{ "Id": "a", "x": 1 }, { "x": 2 }]), json!("Id")]
            ),
            Ok(json!(["a", null]))
        );
        assert_eq!(call("pluck", &[json!(null), json!("Id")]), Ok(json!([])));
        assert!(
            call("pluck", &[json!(["a"]), json!("Id")])
                .unwrap_err()
                .contains("list of objects")
        );
        let pluck = find("pluck").unwrap();
        assert!((pluck.check)(&[Type::Text, Type::Text]).is_err());
    }

    #[test]
    fn text_keeps_text_and_writes_the_rest_as_json() {
        assert_eq!(call("text", &[json!("ann")]), Ok(json!("ann")));
        assert_eq!(call("text", &[json!(null)]), Ok(json!(null)));
        assert_eq!(call("text", &[json!(42)]), Ok(json!("42")));
        assert_eq!(
            call("text", &[json!({"id": "00u1", "tags": ["a"]})]),
            Ok(json!(r#"{"id":"00u1","tags":["a"]}"#))
        );
    }

    #[test]
    fn soql_quote_cannot_be_escaped_from() {
        assert_eq!(
            call("soql_quote", &[json!("ann@acme.com")]),
            Ok(json!("'ann@acme.com'"))
        );
        // A quote, a backslash before a quote, and a newline stay inside the literal.
        assert_eq!(
            call("soql_quote", &[json!("x' OR Name != '")]),
            Ok(json!("'x\\' OR Name != \\''"))
        );
        assert_eq!(
            call("soql_quote", &[json!("a\\' OR 1=1 --\n\u{1}")]),
            Ok(json!("'a\\\\\\' OR 1=1 --\\n\\u0001'"))
        );
        assert_eq!(call("soql_quote", &[json!(42)]), Ok(json!("42")));
        assert_eq!(call("soql_quote", &[json!(false)]), Ok(json!("false")));
        assert_eq!(call("soql_quote", &[json!(null)]), Ok(json!("null")));
        assert!(call("soql_quote", &[json!(["a"])]).is_err());
        let quote = find("soql_quote").unwrap();
        assert!((quote.check)(&[Type::list(Type::Text)]).is_err());
        assert_eq!((quote.check)(&[Type::Any]), Ok(Type::Text));
    }

    #[test]
    fn soql_name_takes_only_names() {
        for ok in [
            "Contact",
            "Custom_Object__c",
            "ns__Field__c",
            "Account.Owner.Name",
        ] {
            assert_eq!(call("soql_name", &[json!(ok)]), Ok(json!(ok)), "{ok}");
        }
        for bad in [
            "",
            "Contact WHERE Id != null",
            "Name'",
            "1Field",
            "Account.",
            "a-b",
            "Émile",
        ] {
            let e = call("soql_name", &[json!(bad)]).unwrap_err();
            assert!(
                e.contains("is not a Salesforce object or field name"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn xml_escape_escapes_markup_and_refuses_control_characters() {
        assert_eq!(
            call("xml_escape", &[json!("<b>Tom & \"Jerry's\"</b>")]),
            Ok(json!(
                "&lt;b&gt;Tom &amp; &quot;Jerry&apos;s&quot;&lt;/b&gt;"
            ))
        );
        assert_eq!(
            call("xml_escape", &[json!("line\nnext")]),
            Ok(json!("line\nnext"))
        );
        assert!(
            call("xml_escape", &[json!("a\u{0}b")])
                .unwrap_err()
                .contains("U+0000")
        );
    }

    #[test]
    fn split_splits_like_the_card() {
        assert_eq!(
            call("split", &[json!("a,b,,c"), json!(",")]),
            Ok(json!(["a", "b", "", "c"]))
        );
        assert_eq!(
            call("split", &[json!("hé"), json!("")]),
            Ok(json!(["h", "é"]))
        );
    }
}
