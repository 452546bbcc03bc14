//! Evaluation: a checked template against a runtime scope, borrowing values in place.

use crate::Escape;
use crate::ast::{Anchor, DataVar, Expr, Part, Slot, Template};
use crate::value::{is_truthy, render_text, slack_escape};
use serde_json::Value;
use std::borrow::Cow;
use std::ops::Range;

/// The longest text a template renders unless its scope says otherwise (16 MiB, the default of
/// `limits.max_value`).
pub const DEFAULT_MAX_TEXT: usize = 16 << 20;

/// The values of root slots while a run goes on.
pub trait Scope {
    /// The value of a slot; `None` reads as `null`.
    fn get(&self, slot: Slot) -> Option<&Value>;

    /// The longest text a template may render here, in bytes; rendering stops with an error
    /// past it (so `{{#each}}` over large lists cannot exhaust memory).
    fn max_text(&self) -> usize {
        DEFAULT_MAX_TEXT
    }
}

/// A template failed while it ran (a helper got a value it cannot use).
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError {
    /// What went wrong.
    pub message: String,
    /// Where in the template.
    pub range: Range<usize>,
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EvalError {}

static NULL: Value = Value::Null;

/// The value of `this` and the `@` variables inside `#each` and `#with`.
struct Frame<'a> {
    this: &'a Value,
    index: Option<usize>,
    key: Option<&'a str>,
    len: usize,
    parent: Option<&'a Frame<'a>>,
}

impl Template {
    /// Evaluates to a value: the typed value of a single `{{ expression }}` (text escaped when
    /// the template escapes), otherwise the rendered text.
    pub fn eval<'a>(&'a self, scope: &'a dyn Scope) -> Result<Cow<'a, Value>, EvalError> {
        if let [Part::Out { expr, raw }] = self.parts.as_slice() {
            let v = eval_expr(expr, scope, None)?;
            if self.escape == Escape::Slack
                && !raw
                && let Value::String(s) = &*v
                && let Cow::Owned(escaped) = slack_escape(s)
            {
                return Ok(Cow::Owned(Value::String(escaped)));
            }
            return Ok(v);
        }
        if let [Part::Text(t)] = self.parts.as_slice() {
            return Ok(Cow::Owned(Value::String(t.clone())));
        }
        let mut out = String::new();
        self.render(scope, &mut out)?;
        Ok(Cow::Owned(Value::String(out)))
    }

    /// Renders the template as text into `out`.
    pub fn render(&self, scope: &dyn Scope, out: &mut String) -> Result<(), EvalError> {
        render_parts(&self.parts, scope, None, self.escape, out)
    }

    /// Renders the template as text.
    pub fn render_to_string(&self, scope: &dyn Scope) -> Result<String, EvalError> {
        let mut out = String::new();
        self.render(scope, &mut out)?;
        Ok(out)
    }
}

fn render_parts(
    parts: &[Part],
    scope: &dyn Scope,
    frame: Option<&Frame<'_>>,
    escape: Escape,
    out: &mut String,
) -> Result<(), EvalError> {
    for part in parts {
        if out.len() > scope.max_text() {
            return Err(too_long(scope.max_text()));
        }
        match part {
            Part::Text(t) => out.push_str(t),
            Part::Out { expr, raw } => {
                let v = eval_expr(expr, scope, frame)?;
                match (&*v, escape, raw) {
                    (Value::String(s), Escape::Slack, false) => out.push_str(&slack_escape(s)),
                    (other, Escape::Slack, false) => {
                        let mut s = String::new();
                        render_text(other, &mut s);
                        out.push_str(&slack_escape(&s));
                    }
                    (other, _, _) => render_text(other, out),
                }
            }
            Part::If {
                cond,
                negate,
                then,
                otherwise,
            } => {
                let v = eval_expr(cond, scope, frame)?;
                let branch = if is_truthy(&v) != *negate {
                    then
                } else {
                    otherwise
                };
                render_parts(branch, scope, frame, escape, out)?;
            }
            Part::Each {
                list,
                body,
                otherwise,
            } => {
                let v = eval_expr(list, scope, frame)?;
                match &*v {
                    Value::Array(items) if !items.is_empty() => {
                        for (i, item) in items.iter().enumerate() {
                            let f = Frame {
                                this: item,
                                index: Some(i),
                                key: None,
                                len: items.len(),
                                parent: frame,
                            };
                            render_parts(body, scope, Some(&f), escape, out)?;
                        }
                    }
                    Value::Object(map) if !map.is_empty() => {
                        for (i, (k, item)) in map.iter().enumerate() {
                            let f = Frame {
                                this: item,
                                index: Some(i),
                                key: Some(k),
                                len: map.len(),
                                parent: frame,
                            };
                            render_parts(body, scope, Some(&f), escape, out)?;
                        }
                    }
                    _ => render_parts(otherwise, scope, frame, escape, out)?,
                }
            }
            Part::With {
                value,
                body,
                otherwise,
            } => {
                let v = eval_expr(value, scope, frame)?;
                if is_truthy(&v) {
                    let f = Frame {
                        this: &v,
                        index: None,
                        key: None,
                        len: 0,
                        parent: frame,
                    };
                    render_parts(body, scope, Some(&f), escape, out)?;
                } else {
                    render_parts(otherwise, scope, frame, escape, out)?;
                }
            }
        }
    }
    if out.len() > scope.max_text() {
        return Err(too_long(scope.max_text()));
    }
    Ok(())
}

fn too_long(max: usize) -> EvalError {
    EvalError {
        message: format!(
            "the text is longer than {max} bytes, the most a value may be (`limits.max_value`)"
        ),
        range: 0..0,
    }
}

fn eval_expr<'a>(
    expr: &'a Expr,
    scope: &'a dyn Scope,
    frame: Option<&Frame<'a>>,
) -> Result<Cow<'a, Value>, EvalError> {
    match expr {
        Expr::Lit(v, _) => Ok(Cow::Borrowed(v)),
        Expr::Path(p) => {
            let root: Cow<'a, Value> = match &p.anchor {
                Anchor::Slot(slot) => Cow::Borrowed(scope.get(*slot).unwrap_or(&NULL)),
                Anchor::This(up) => {
                    let mut f = frame;
                    for _ in 0..*up {
                        f = f.and_then(|f| f.parent);
                    }
                    Cow::Borrowed(f.map_or(&NULL, |f| f.this))
                }
                Anchor::Data(var) => {
                    let f = frame.ok_or_else(|| EvalError {
                        message: format!("`{}` outside of `#each`", p.text),
                        range: p.range.clone(),
                    })?;
                    let idx = f.index.unwrap_or(0);
                    Cow::Owned(match var {
                        DataVar::Index => Value::from(idx),
                        DataVar::First => Value::Bool(idx == 0),
                        DataVar::Last => Value::Bool(idx + 1 == f.len),
                        DataVar::Key => f.key.map_or(Value::Null, |k| Value::String(k.to_string())),
                    })
                }
                Anchor::Name(name) => {
                    return Err(EvalError {
                        message: format!(
                            "`{name}` was never resolved (the template was not checked)"
                        ),
                        range: p.range.clone(),
                    });
                }
            };
            Ok(match root {
                Cow::Borrowed(v) => Cow::Borrowed(walk(v, &p.segs)),
                Cow::Owned(v) => Cow::Owned(walk(&v, &p.segs).clone()),
            })
        }
        Expr::Call {
            helper,
            args,
            range,
        } => {
            let mut values = Vec::with_capacity(args.len());
            for a in args {
                values.push(eval_expr(a, scope, frame)?);
            }
            let max = scope.max_text();
            match (helper.eval)(&values, max) {
                // Helpers nest (`json (json …)` doubles the text each time): every result is
                // held to the limit, not just the rendered output.
                Ok(Value::String(s)) if s.len() > max => Err(EvalError {
                    range: range.clone(),
                    ..too_long(max)
                }),
                Ok(v) => Ok(Cow::Owned(v)),
                Err(message) => Err(EvalError {
                    message,
                    range: range.clone(),
                }),
            }
        }
    }
}

/// Follows field names (and list indexes) into a value; anything missing is `null`.
pub(crate) fn walk<'v>(mut v: &'v Value, segs: &[String]) -> &'v Value {
    for seg in segs {
        v = match v {
            Value::Object(map) => map.get(seg.as_str()).unwrap_or(&NULL),
            Value::Array(items) => seg
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i))
                .unwrap_or(&NULL),
            _ => &NULL,
        };
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::check::{NameError, TypeScope};
    use flow_model::Type;
    use serde_json::json;

    struct Names;
    impl TypeScope for Names {
        fn resolve(&self, name: &str) -> Result<(Slot, Type), NameError> {
            match name {
                "event" => Ok((Slot(0), Type::Any)),
                "n" => Ok((Slot(1), Type::Any)),
                _ => Err(NameError {
                    kind: ErrorKind::UnknownName,
                    message: "unknown".into(),
                    help: None,
                }),
            }
        }
    }

    struct Values(Vec<Value>);
    impl Scope for Values {
        fn get(&self, slot: Slot) -> Option<&Value> {
            self.0.get(slot.0 as usize)
        }
    }

    /// `event` with a text limit of `max` bytes.
    struct Small(Vec<Value>, usize);
    impl Scope for Small {
        fn get(&self, slot: Slot) -> Option<&Value> {
            self.0.get(slot.0 as usize)
        }
        fn max_text(&self) -> usize {
            self.1
        }
    }

    fn eval_small(src: &str, event: Value, max: usize) -> Result<Value, EvalError> {
        let mut t = Template::parse(src, Escape::None).unwrap();
        t.check(&Names).unwrap();
        t.eval(&Small(vec![event, json!(0)], max))
            .map(Cow::into_owned)
    }

    #[test]
    fn nested_helpers_are_held_to_the_text_limit() {
        // `json` escapes its quotes again at every level: 40 levels would need terabytes.
        let src = format!(
            "{}event{}",
            "{{ ".to_string() + &"json (".repeat(39) + "json ",
            ")".repeat(39) + " }}"
        );
        let err = eval_small(&src, json!("\"a\""), 1 << 20).unwrap_err();
        assert_eq!(
            err.message,
            "the text is longer than 1048576 bytes, the most a value may be (`limits.max_value`)"
        );
        // Under the limit, the same helpers work.
        assert_eq!(
            eval_small("{{ json (json event) }}", json!("a"), 1 << 20).unwrap(),
            json!("\"\\\"a\\\"\"")
        );
    }

    #[test]
    fn join_stops_at_the_text_limit() {
        let event = json!({ "items": vec!["x"; 1000], "sep": "-".repeat(1000) });
        let err = eval_small("{{ join event.items event.sep }}", event, 64 << 10).unwrap_err();
        assert_eq!(
            err.message,
            "`join` would give more than 65536 bytes, the most a value may be (`limits.max_value`)"
        );
    }

    fn run(src: &str, escape: Escape) -> Value {
        let mut t = Template::parse(src, escape).unwrap();
        t.check(&Names).unwrap();
        let scope = Values(vec![
            json!({"title": "Inactive <admins> & co", "users": ["a@x.com", "svc"], "sev": "high", "empty": []}),
            json!(3),
        ]);
        t.eval(&scope).unwrap().into_owned()
    }

    #[test]
    fn single_expressions_keep_their_type() {
        assert_eq!(
            run("{{ event.users }}", Escape::None),
            json!(["a@x.com", "svc"])
        );
        assert_eq!(run("{{ n }}", Escape::None), json!(3));
        assert_eq!(run("{{ event.missing }}", Escape::None), json!(null));
        assert_eq!(run("{{ event.users.1 }}", Escape::None), json!("svc"));
    }

    #[test]
    fn renders_text_blocks_and_helpers() {
        assert_eq!(
            run(
                "*{{ event.title }}* users: {{ join event.users \", \" }}",
                Escape::None
            ),
            json!("*Inactive <admins> & co* users: a@x.com, svc")
        );
        assert_eq!(
            run(
                "{{#each event.users}}{{@index}}={{this}}{{#unless @last}};{{/unless}}{{/each}}",
                Escape::None
            ),
            json!("0=a@x.com;1=svc")
        );
        assert_eq!(
            run("{{#each event.empty}}x{{else}}none{{/each}}", Escape::None),
            json!("none")
        );
        assert_eq!(
            run(
                "{{#if (eq event.sev \"high\")}}H{{else}}L{{/if}}",
                Escape::None
            ),
            json!("H")
        );
        assert_eq!(
            run("{{#with event}}{{sev}}{{/with}}", Escape::None),
            json!("high")
        );
        assert_eq!(
            run("{{ default event.missing \"-\" }}", Escape::None),
            json!("-")
        );
    }

    #[test]
    fn slack_escaping_applies_to_double_braces_only() {
        assert_eq!(
            run("{{ event.title }}", Escape::Slack),
            json!("Inactive &lt;admins&gt; &amp; co")
        );
        assert_eq!(
            run("{{{ event.title }}}", Escape::Slack),
            json!("Inactive <admins> & co")
        );
        assert_eq!(
            run("<!here> {{ event.title }}", Escape::Slack),
            json!("<!here> Inactive &lt;admins&gt; &amp; co")
        );
    }

    #[test]
    fn helper_errors_at_run_time() {
        let mut t = Template::parse("{{ join event.title \",\" }}", Escape::None).unwrap();
        t.check(&Names).unwrap();
        let scope = Values(vec![json!({"title": "x"})]);
        let e = t.eval(&scope).unwrap_err();
        assert_eq!(e.message, "`join` expects a list, found text \"x\"");
        assert_eq!(e.range, 3..23);
    }
}
