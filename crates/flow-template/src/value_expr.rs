//! A YAML value whose strings may be templates: `{ email: "{{ item }}", tags: [a, "{{ x }}"] }`.
//! Parts without templates are constants, computed once at compile time.

use crate::ast::Slot;
use crate::check::TypeScope;
use crate::eval::{EvalError, Scope};
use crate::{Escape, Template, TemplateError};
use flow_model::node::key_text;
use flow_model::{Node, NodeKind, Span, Type};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// A value with templates in it, compiled.
#[derive(Debug, Clone)]
pub enum ValueExpr {
    /// No template anywhere inside.
    Const(Value),
    /// A template string.
    Template {
        /// The compiled template.
        template: Box<Template>,
        /// The node it was written at (for mapping errors to positions).
        node: Box<Node>,
    },
    /// A list with templates in it.
    List(Vec<ValueExpr>),
    /// A mapping with templates in it.
    Object(Vec<(String, ValueExpr)>),
}

/// A template problem at a position in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct ExprError {
    /// Where.
    pub span: Span,
    /// What.
    pub error: TemplateError,
}

impl ValueExpr {
    /// Compiles a node; `source` is the text of the node's file.
    pub fn compile(node: &Node, source: &str, escape: Escape) -> Result<ValueExpr, Vec<ExprError>> {
        if !node.has_template() {
            return Ok(ValueExpr::Const(node.to_json()));
        }
        let mut errors = Vec::new();
        let e = Self::compile_inner(node, source, escape, &mut errors);
        if errors.is_empty() {
            Ok(e)
        } else {
            Err(errors)
        }
    }

    fn compile_inner(
        node: &Node,
        source: &str,
        escape: Escape,
        errors: &mut Vec<ExprError>,
    ) -> ValueExpr {
        match &node.kind {
            NodeKind::Str(s) if s.contains("{{") => match Template::parse(s, escape) {
                Ok(t) => ValueExpr::Template {
                    template: Box::new(t),
                    node: Box::new(node.clone()),
                },
                Err(e) => {
                    errors.push(ExprError {
                        span: node.span_of_range(source, e.range.clone()),
                        error: e,
                    });
                    ValueExpr::Const(Value::Null)
                }
            },
            NodeKind::Seq(items) if node.has_template() => ValueExpr::List(
                items
                    .iter()
                    .map(|i| Self::compile_inner(i, source, escape, errors))
                    .collect(),
            ),
            NodeKind::Map(entries) if node.has_template() => ValueExpr::Object(
                entries
                    .iter()
                    .map(|(k, v)| (key_text(k), Self::compile_inner(v, source, escape, errors)))
                    .collect(),
            ),
            _ => ValueExpr::Const(node.to_json()),
        }
    }

    /// Resolves names and infers the type; `source` is the text of the node's file.
    pub fn check(&mut self, scope: &dyn TypeScope, source: &str) -> Result<Type, Vec<ExprError>> {
        let mut errors = Vec::new();
        let t = self.check_inner(scope, source, &mut errors);
        if errors.is_empty() {
            Ok(t)
        } else {
            Err(errors)
        }
    }

    fn check_inner(
        &mut self,
        scope: &dyn TypeScope,
        source: &str,
        errors: &mut Vec<ExprError>,
    ) -> Type {
        match self {
            ValueExpr::Const(v) => Type::of_value(v),
            ValueExpr::Template { template, node } => match template.check(scope) {
                Ok(t) => t,
                Err(errs) => {
                    errors.extend(errs.into_iter().map(|e| ExprError {
                        span: node.span_of_range(source, e.range.clone()),
                        error: e,
                    }));
                    Type::Any
                }
            },
            ValueExpr::List(items) => {
                let mut item = None::<Type>;
                for i in items {
                    let t = i.check_inner(scope, source, errors);
                    item = Some(match item {
                        None => t,
                        Some(prev) if prev == t => prev,
                        Some(_) => Type::Any,
                    });
                }
                Type::list(item.unwrap_or(Type::Any))
            }
            ValueExpr::Object(entries) => {
                let fields: Vec<(String, Type)> = entries
                    .iter_mut()
                    .map(|(k, v)| (k.clone(), v.check_inner(scope, source, errors)))
                    .collect();
                Type::object(fields)
            }
        }
    }

    /// Evaluates against a run's scope. Constants are borrowed, never copied.
    pub fn eval<'a>(&'a self, scope: &'a dyn Scope) -> Result<Cow<'a, Value>, EvalError> {
        match self {
            ValueExpr::Const(v) => Ok(Cow::Borrowed(v)),
            ValueExpr::Template { template, .. } => template.eval(scope),
            ValueExpr::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(i.eval(scope)?.into_owned());
                }
                Ok(Cow::Owned(Value::Array(out)))
            }
            ValueExpr::Object(entries) => {
                let mut out = Map::with_capacity(entries.len());
                for (k, v) in entries {
                    out.insert(k.clone(), v.eval(scope)?.into_owned());
                }
                Ok(Cow::Owned(Value::Object(out)))
            }
        }
    }

    /// The root slots read anywhere inside (after checking).
    pub fn slots(&self) -> Vec<Slot> {
        let mut out = Vec::new();
        self.collect_slots(&mut out);
        out.sort();
        out.dedup();
        out
    }

    fn collect_slots(&self, out: &mut Vec<Slot>) {
        match self {
            ValueExpr::Const(_) => {}
            ValueExpr::Template { template, .. } => out.extend_from_slice(template.slots()),
            ValueExpr::List(items) => items.iter().for_each(|i| i.collect_slots(out)),
            ValueExpr::Object(entries) => entries.iter().for_each(|(_, v)| v.collect_slots(out)),
        }
    }

    /// The value when it is a constant.
    pub fn as_const(&self) -> Option<&Value> {
        match self {
            ValueExpr::Const(v) => Some(v),
            _ => None,
        }
    }

    /// The keys when this is a mapping (constant or not).
    pub fn keys(&self) -> Option<Vec<String>> {
        match self {
            ValueExpr::Object(entries) => Some(entries.iter().map(|(k, _)| k.clone()).collect()),
            ValueExpr::Const(Value::Object(map)) => Some(map.keys().cloned().collect()),
            _ => None,
        }
    }

    /// A short text for messages: the template source, or the constant as JSON.
    pub fn describe(&self) -> String {
        match self {
            ValueExpr::Const(v) => v.to_string(),
            ValueExpr::Template { template, .. } => template.source().to_string(),
            ValueExpr::List(_) => "a list".into(),
            ValueExpr::Object(_) => "a mapping".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::check::NameError;
    use flow_model::SourceId;
    use flow_model::node::parse_yaml;
    use serde_json::json;

    struct Names;
    impl TypeScope for Names {
        fn resolve(&self, name: &str) -> Result<(Slot, Type), NameError> {
            match name {
                "item" => Ok((Slot(7), Type::Text)),
                _ => Err(NameError {
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
            static V: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
            (slot == Slot(7)).then(|| V.get_or_init(|| json!("a@x.com")))
        }
    }

    #[test]
    fn mixes_constants_and_templates() {
        let src = "inputs: { email: \"{{ item }}\", n: 3, tags: [a, \"<{{ item }}>\"] }\n";
        let root = parse_yaml(SourceId(0), src).unwrap();
        let mut e = ValueExpr::compile(root.get("inputs").unwrap(), src, Escape::None).unwrap();
        let ty = e.check(&Names, src).unwrap();
        assert_eq!(ty.to_string(), "{email: text, n: number, tags: list<text>}");
        assert_eq!(e.slots(), vec![Slot(7)]);
        assert_eq!(
            e.eval(&Values).unwrap().into_owned(),
            json!({"email": "a@x.com", "n": 3, "tags": ["a", "<a@x.com>"]})
        );
        assert_eq!(e.keys().unwrap(), vec!["email", "n", "tags"]);
    }

    #[test]
    fn errors_map_to_file_positions() {
        let src = "text: \"Hi {{ itm }}\"\n";
        let root = parse_yaml(SourceId(0), src).unwrap();
        let mut e = ValueExpr::compile(root.get("text").unwrap(), src, Escape::None).unwrap();
        let errs = e.check(&Names, src).unwrap_err();
        let s = errs[0].span;
        assert_eq!(&src[s.start as usize..s.end as usize], "itm");
        let bad = "text: \"{{#if x}}\"\n";
        let root = parse_yaml(SourceId(0), bad).unwrap();
        let errs = ValueExpr::compile(root.get("text").unwrap(), bad, Escape::None).unwrap_err();
        assert_eq!(errs[0].error.kind, ErrorKind::Syntax);
    }

    #[test]
    fn constants_are_borrowed() {
        let src = "v: [1, 2]\n";
        let root = parse_yaml(SourceId(0), src).unwrap();
        let e = ValueExpr::compile(root.get("v").unwrap(), src, Escape::None).unwrap();
        assert!(matches!(e.eval(&Values).unwrap(), Cow::Borrowed(_)));
    }
}
