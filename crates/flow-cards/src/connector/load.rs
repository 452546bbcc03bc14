//! Loading a connector file: YAML to [`ConnectorDef`] with positions, every template compiled
//! and type-checked against the names its place allows, paths parsed, types read. The result,
//! a [`Connector`], is all a run needs: no YAML is read at run time.

use super::format::{ActionDef, ConnectorDef, PagingStyle, TPL_MARKER, Tpl};
use flow_model::de::{DeError, Hooks, from_node};
use flow_model::node::parse_yaml;
use flow_model::{Code, Diagnostic, Diagnostics, Node, SourceId, Span, Type};
use flow_template::{Escape, Slot, ValueExpr};
use flow_template::{NameError, TypeScope};
use serde_json::Value;
use std::cell::RefCell;

/// The slots of a connector template's scope.
pub mod slots {
    use flow_template::Slot;
    /// `settings`: the connection's resolved settings.
    pub const SETTINGS: Slot = Slot(0);
    /// `inputs`: the action's inputs.
    pub const INPUTS: Slot = Slot(1);
    /// `status`: the answer's status.
    pub const STATUS: Slot = Slot(2);
    /// `headers`: the answer's headers (lower-case names).
    pub const HEADERS: Slot = Slot(3);
    /// `body`: the answer's body (JSON, text, or null when empty).
    pub const BODY: Slot = Slot(4);
    /// How many there are.
    pub const COUNT: usize = 5;
}

/// A loaded, compiled connector.
#[derive(Debug)]
pub struct Connector {
    /// The file it came from (`connectors/jira.yaml`).
    pub file: String,
    /// The file's text (diagnostics quote it).
    pub text: String,
    /// What the file says; its [`Tpl`]s index `tpls`.
    pub def: ConnectorDef,
    /// Every template, compiled and checked.
    pub tpls: Vec<ValueExpr>,
    /// The actions, in file order.
    pub actions: Vec<Action>,
}

/// An action, ready to build cards from.
#[derive(Debug)]
pub struct Action {
    /// The key in `actions:` (`read_user`).
    pub name: String,
    /// The card kind (`okta.read_user`).
    pub kind: String,
    /// The path, in parts.
    pub path: Vec<PathPart>,
    /// The method, upper-case.
    pub method: String,
    /// Inputs: name, type, required (paged actions gain an optional `limit`).
    pub inputs: Vec<(String, Type, bool)>,
    /// The output type.
    pub output: Type,
    /// The output type as text, for docs.
    pub output_text: String,
    /// The paging style, for list actions.
    pub paging: Option<PagingStyle>,
    /// Error prefixes by status.
    pub error_messages: Vec<(u16, Tpl)>,
    /// Error prefixes by vendor code (`error_messages` keys that are not statuses).
    pub error_codes: Vec<(String, Tpl)>,
}

impl Connector {
    /// The definition of action `i`.
    pub fn action_def(&self, i: usize) -> Option<&ActionDef> {
        self.def.actions.get_index(i).map(|(_, d)| d)
    }

    /// A compiled template.
    pub fn tpl(&self, t: Tpl) -> &ValueExpr {
        static NULL: ValueExpr = ValueExpr::Const(Value::Null);
        self.tpls.get(t.0 as usize).unwrap_or(&NULL)
    }
}

/// A piece of a path.
#[derive(Debug, Clone, PartialEq)]
pub enum PathPart {
    /// Text as written.
    Lit(String),
    /// An input, sent as one percent-encoded path segment.
    Input(String),
    /// An input written `{name*}`: one or more segments separated by `/` (a file path in a
    /// repository), each percent-encoded; none may be empty, `.` or `..`.
    Segments(String),
}

/// Compiles the templates of a file while it decodes.
struct Compiler<'s> {
    text: &'s str,
    tpls: RefCell<Vec<(ValueExpr, Span)>>,
    diags: RefCell<Diagnostics>,
}

impl Hooks for Compiler<'_> {
    fn marker(&self, name: &'static str, node: &Node, _path: &str) -> Result<u64, DeError> {
        if name != TPL_MARKER {
            return Err(DeError::new(Code::InvalidValue, "unexpected value"));
        }
        let expr = match ValueExpr::compile(node, self.text, Escape::None) {
            Ok(e) => e,
            Err(errors) => {
                let mut d = self.diags.borrow_mut();
                for e in errors {
                    d.push(
                        Diagnostic::error(e.error.code(), Some(e.span), e.error.message)
                            .with_help_opt(e.error.help),
                    );
                }
                ValueExpr::Const(Value::Null)
            }
        };
        let mut t = self.tpls.borrow_mut();
        t.push((expr, node.span));
        Ok(t.len() as u64 - 1)
    }

    fn report(&self, diagnostic: Diagnostic) {
        self.diags.borrow_mut().push(diagnostic);
    }
}

/// The names a template may use where it is written.
struct Names {
    settings: Type,
    inputs: Option<Type>,
    response: bool,
}

impl TypeScope for Names {
    fn resolve(&self, name: &str) -> Result<(Slot, Type), NameError> {
        let unknown = |allowed: &str| NameError {
            kind: flow_template::ErrorKind::UnknownName,
            message: format!("unknown name `{name}` here"),
            help: Some(format!("a template here may use {allowed}")),
        };
        let allowed = match (&self.inputs, self.response) {
            (None, false) => "settings",
            (Some(_), false) => "settings and inputs",
            (None, true) => "settings, status, headers and body",
            (Some(_), true) => "settings, inputs, status, headers and body",
        };
        match name {
            "settings" => Ok((slots::SETTINGS, self.settings.clone())),
            "inputs" => match &self.inputs {
                Some(t) => Ok((slots::INPUTS, t.clone())),
                None => Err(unknown(allowed)),
            },
            "status" if self.response => Ok((slots::STATUS, Type::Number)),
            "headers" if self.response => Ok((slots::HEADERS, Type::Object(None))),
            "body" if self.response => Ok((slots::BODY, Type::Any)),
            _ => Err(unknown(allowed)),
        }
    }
}

/// Loads connector `file` (its `text`), registered as source `source` for diagnostics.
pub fn load(file: &str, text: &str, source: SourceId) -> Result<Connector, Diagnostics> {
    let mut diags = Diagnostics::new();
    let node = parse_yaml(source, text).map_err(|d| {
        let mut ds = Diagnostics::new();
        ds.push(d);
        ds
    })?;
    let c = Compiler {
        text,
        tpls: RefCell::new(Vec::new()),
        diags: RefCell::new(Diagnostics::new()),
    };
    let def = from_node::<ConnectorDef>(&node, &c, "");
    diags.extend(c.diags.into_inner());
    let def = match def {
        Ok(d) => d,
        Err(e) => {
            diags.push(e.into_diagnostic());
            return Err(diags);
        }
    };
    let mut tpls = c.tpls.into_inner();
    let mut cx = Check {
        text,
        tpls: &mut tpls,
        diags: &mut diags,
        node: &node,
    };
    let actions = cx.connector(&def);
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(Connector {
        file: file.to_string(),
        text: text.to_string(),
        def,
        tpls: tpls.into_iter().map(|(e, _)| e).collect(),
        actions,
    })
}

struct Check<'a> {
    text: &'a str,
    tpls: &'a mut Vec<(ValueExpr, Span)>,
    diags: &'a mut Diagnostics,
    node: &'a Node,
}

fn is_name(s: &str) -> bool {
    let mut c = s.chars();
    c.next().is_some_and(|f| f.is_ascii_lowercase())
        && c.all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
}

impl Check<'_> {
    fn error(&mut self, at: Option<Span>, message: String) {
        self.diags.push(Diagnostic::error(
            Code::Config,
            at.or(Some(self.node.span)),
            message,
        ));
    }

    fn span_of(&self, path: &[&str]) -> Option<Span> {
        let mut n = self.node;
        for p in path {
            n = n.get(p)?;
        }
        Some(n.span)
    }

    fn check(&mut self, t: Tpl, names: &Names) -> Type {
        let text = self.text;
        let Some((expr, _)) = self.tpls.get_mut(t.0 as usize) else {
            return Type::Any;
        };
        match expr.check(names, text) {
            Ok(ty) => ty,
            Err(errors) => {
                for e in errors {
                    self.diags.push(
                        Diagnostic::error(e.error.code(), Some(e.span), e.error.message)
                            .with_help_opt(e.error.help),
                    );
                }
                Type::Any
            }
        }
    }

    fn connector(&mut self, def: &ConnectorDef) -> Vec<Action> {
        if !is_name(&def.connector) {
            self.error(
                self.span_of(&["connector"]),
                format!(
                    "connector name `{}` must be lower-case letters, digits and _",
                    def.connector
                ),
            );
        }
        let settings = Type::object(def.settings.keys().map(|k| (k.clone(), Type::Text)));
        let conn = Names {
            settings: settings.clone(),
            inputs: None,
            response: false,
        };
        let response = Names {
            settings: settings.clone(),
            inputs: None,
            response: true,
        };
        self.check(def.base_url, &conn);
        for t in def.headers.values() {
            self.check(*t, &conn);
        }
        for a in &def.auth {
            for t in super::live::auth_tpls(a) {
                self.check(t, &conn);
            }
        }
        if let Some(e) = &def.errors {
            for t in [e.message, e.code, e.causes, e.when].into_iter().flatten() {
                self.check(t, &response);
            }
        }
        if let Some(p) = &def.paging {
            if let Some(c) = &p.cursor {
                self.check(c.next, &response);
            }
            for o in [&p.offset, &p.page].into_iter().flatten() {
                for t in [o.total, o.more].into_iter().flatten() {
                    self.check(t, &response);
                }
            }
            if let Some(n) = &p.next_url {
                self.check(n.next, &response);
            }
        }
        let mut actions = Vec::new();
        for (name, a) in &def.actions {
            if let Some(action) = self.action(def, name, a, &settings) {
                actions.push(action);
            }
        }
        actions
    }

    fn action(
        &mut self,
        def: &ConnectorDef,
        name: &str,
        a: &ActionDef,
        settings: &Type,
    ) -> Option<Action> {
        let at = self.span_of(&["actions", name]);
        if !is_name(name) {
            self.error(
                at,
                format!("action name `{name}` must be lower-case letters, digits and _"),
            );
        }
        if name == "api_request" {
            self.error(
                at,
                "`api_request` is generated for every connector; configure it under `api_request:`"
                    .into(),
            );
        }
        let mut inputs = Vec::new();
        for (k, i) in &a.inputs {
            if k == "connection" || !is_name(k) {
                self.error(
                    self.span_of(&["actions", name, "inputs", k]),
                    format!("input name `{k}` must be lower-case letters, digits and _ (and not `connection`)"),
                );
            }
            match Type::parse(&i.ty) {
                Ok(t) => inputs.push((k.clone(), t, i.required)),
                Err(e) => self.error(
                    self.span_of(&["actions", name, "inputs", k, "type"]),
                    e.to_string(),
                ),
            }
        }
        let paging = a.paging;
        if paging.is_some() && !inputs.iter().any(|(k, _, _)| k == "limit") {
            inputs.push(("limit".into(), Type::Number, false));
        }
        if let Some(style) = paging {
            let p = def.paging.as_ref();
            let ok = match style {
                PagingStyle::Link => true,
                PagingStyle::Cursor => p.is_some_and(|p| p.cursor.is_some()),
                PagingStyle::Offset => p.is_some_and(|p| p.offset.is_some()),
                PagingStyle::Page => p.is_some_and(|p| p.page.is_some()),
                PagingStyle::NextUrl => p.is_some_and(|p| p.next_url.is_some()),
            };
            if !ok {
                self.error(
                    self.span_of(&["actions", name, "paging"]),
                    format!(
                        "paging style `{}` needs its parameters under the connector's `paging:`",
                        serde_json::to_value(style)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default()
                    ),
                );
            }
        }
        let input_type = Type::object(inputs.iter().map(|(k, t, _)| (k.clone(), t.clone())));
        let req_names = Names {
            settings: settings.clone(),
            inputs: Some(input_type.clone()),
            response: false,
        };
        let resp_names = Names {
            settings: settings.clone(),
            inputs: Some(input_type),
            response: true,
        };
        let r = &a.request;
        if [r.body.is_some(), r.form.is_some(), r.text.is_some()]
            .iter()
            .filter(|b| **b)
            .count()
            > 1
        {
            self.error(
                self.span_of(&["actions", name, "request"]),
                "a request has one of `body`, `form` and `text`".to_string(),
            );
        }
        for t in r
            .query
            .values()
            .chain(r.headers.values())
            .chain(r.body.iter())
            .chain(r.form.iter().flat_map(|f| f.values()))
            .chain(r.text.iter())
            .chain(a.rehearsal.iter())
            .chain(a.rehearsal_body.iter())
            .chain(a.error_messages.values())
        {
            self.check(*t, &req_names);
        }
        let mut error_messages = Vec::new();
        let mut error_codes = Vec::new();
        for (k, t) in &a.error_messages {
            match k.parse::<u16>() {
                Ok(s) => error_messages.push((s, *t)),
                Err(_) if def.errors.as_ref().is_some_and(|e| e.code.is_some()) => {
                    error_codes.push((k.clone(), *t))
                }
                Err(_) => self.error(
                    self.span_of(&["actions", name, "error_messages"]),
                    format!("`{k}` is not an HTTP status (a vendor code needs `errors.code`)"),
                ),
            }
        }
        for s in &a.success {
            if s.status.is_none() && s.code.is_none() {
                self.error(
                    self.span_of(&["actions", name, "success"]),
                    "a success rule needs `status`, `code` or both".into(),
                );
            }
            for t in [s.output, s.when].into_iter().flatten() {
                self.check(t, &resp_names);
            }
        }
        if let Some(t) = a.items {
            self.check(t, &resp_names);
        }
        let method = r.method.to_ascii_uppercase();
        if !matches!(method.as_str(), "GET" | "POST" | "PUT" | "PATCH" | "DELETE") {
            self.error(
                self.span_of(&["actions", name, "request", "method"]),
                format!(
                    "method must be GET, POST, PUT, PATCH or DELETE, found `{}`",
                    r.method
                ),
            );
        }
        let path = self.path(name, &r.path, &inputs);
        for problem in super::example::problems(a, &method, &inputs) {
            self.error(
                self.span_of(&["actions", name, "examples"]),
                format!("action `{name}`: {problem}"),
            );
        }
        let (mut output, output_text) = match &a.output {
            Some(o) => {
                if let Some(t) = o.value {
                    self.check(t, &resp_names);
                }
                match &o.ty {
                    Some(v) => match type_of(v, o.closed) {
                        Ok(t) => (t, describe(v)),
                        Err(e) => {
                            self.error(self.span_of(&["actions", name, "output", "type"]), e);
                            (Type::Any, "any".into())
                        }
                    },
                    None => (Type::Any, "any".into()),
                }
            }
            None => (Type::Any, "the answer's body".into()),
        };
        for (okta, path) in &a.okta_outputs {
            if let Err(why) = okta_output_path(&output, path) {
                self.error(
                    self.span_of(&["actions", name, "okta_outputs", okta]),
                    format!("action `{name}`: okta_outputs `{okta}`: {why}"),
                );
            }
        }
        let output_text = if paging.is_some() {
            output = Type::list(output);
            format!("a list of {output_text}")
        } else {
            output_text
        };
        Some(Action {
            name: name.to_string(),
            kind: format!("{}.{name}", def.connector),
            path,
            method,
            inputs,
            output,
            output_text,
            paging,
            error_messages,
            error_codes,
        })
    }

    fn path(&mut self, action: &str, path: &str, inputs: &[(String, Type, bool)]) -> Vec<PathPart> {
        let at = self.span_of(&["actions", action, "request", "path"]);
        if !path.starts_with('/') || path.contains("{{") || path.contains("..") {
            self.error(
                at,
                format!("path `{path}` must start with `/`, have no `..`, and take inputs as `{{name}}` (not templates)"),
            );
            return Vec::new();
        }
        let mut parts = Vec::new();
        let mut rest = path;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(PathPart::Lit(rest[..open].to_string()));
            }
            let Some(close) = rest[open..].find('}') else {
                self.error(at, format!("path `{path}` has an unclosed `{{`"));
                return parts;
            };
            let written = &rest[open + 1..open + close];
            let (name, many) = match written.strip_suffix('*') {
                Some(n) => (n, true),
                None => (written, false),
            };
            match inputs.iter().find(|(k, _, _)| k == name) {
                Some((_, _, true)) if many => parts.push(PathPart::Segments(name.to_string())),
                Some((_, _, true)) => parts.push(PathPart::Input(name.to_string())),
                Some(_) => self.error(
                    at,
                    format!("path input `{name}` must be required (`required: false` cannot be in a path)"),
                ),
                None => self.error(at, format!("path names input `{name}`, which is not declared")),
            }
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            parts.push(PathPart::Lit(rest.to_string()));
        }
        parts
    }
}

/// Checks an `okta_outputs` path: dotted names of fields the output type declares (a type
/// with unknown fields takes any path); for a list action, `output` is the type of each record,
/// whose fields Okta's record outputs name.
fn okta_output_path(output: &Type, path: &str) -> Result<(), String> {
    let mut t = output.clone();
    for seg in path.split('.') {
        if seg.is_empty() {
            return Err(format!("`{path}` is not a dotted path of field names"));
        }
        t = match &t {
            Type::Any | Type::Object(None) => return Ok(()),
            Type::Object(Some(obj)) => match obj.fields.get(seg) {
                Some(f) => f.clone(),
                None => {
                    return Err(format!(
                        "the output type declares no field `{seg}` (it has {})",
                        obj.fields.keys().cloned().collect::<Vec<_>>().join(", ")
                    ));
                }
            },
            other => return Err(format!("`{seg}` is a field of {other}, which has none")),
        };
    }
    Ok(())
}

/// Reads an output type: a type name, or a mapping of fields to types (nested mappings are
/// objects). Objects are open unless `closed`.
pub fn type_of(v: &Value, closed: bool) -> Result<Type, String> {
    match v {
        Value::String(s) => Type::parse(s).map_err(|e| e.to_string()),
        Value::Object(m) => {
            let mut fields = Vec::new();
            for (k, v) in m {
                fields.push((k.clone(), type_of(v, closed)?));
            }
            Ok(if closed {
                Type::object(fields)
            } else {
                Type::open_object(fields)
            })
        }
        Value::Array(a) if a.len() == 1 => Ok(Type::list(type_of(&a[0], closed)?)),
        other => Err(format!(
            "an output type is a type name or a mapping of fields, found `{other}`"
        )),
    }
}

/// The output type as written, for docs: `{ id, key, self }`.
fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(m) => {
            let fields: Vec<String> = m
                .iter()
                .map(|(k, v)| match v {
                    Value::Object(_) => format!("{k}: {}", describe(v)),
                    _ => k.clone(),
                })
                .collect();
            format!("{{ {} }}", fields.join(", "))
        }
        Value::Array(a) => format!("list of {}", a.first().map(describe).unwrap_or_default()),
        other => other.to_string(),
    }
}
