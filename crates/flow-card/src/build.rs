//! Building a card from its `with:` block: the config decodes through serde, and every
//! [`crate::Expr`], [`crate::FlowRef`] and [`crate::ConnRef`] in it is compiled and registered
//! on the way, giving [`StepParts`] that the compiler resolves and the runtime reads.

use crate::expr::{CONN_MARKER, FLOW_MARKER};
use crate::registry::KindData;
use flow_model::de::{DeError, Hooks, from_node};
use flow_model::{Code, Diagnostic, Diagnostics, Node, NodeKind, Span, Type};
use flow_template::{Escape, ValueExpr};
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use std::sync::Arc;

/// A compiled expression of a step.
#[derive(Debug, Clone)]
pub struct CompiledExpr {
    /// The value or template.
    pub expr: ValueExpr,
    /// The config field it was written at (`list`, `inputs.email`).
    pub field: String,
    /// The type the card wants.
    pub expected: Type,
    /// Evaluated per list item, with `item` and `index` in scope.
    pub item_scope: bool,
    /// Where it is written.
    pub span: Span,
    /// When written as a mapping: each key and where it is written.
    pub keys: Vec<(String, Span)>,
}

/// A reference to a helper flow.
#[derive(Debug, Clone)]
pub struct FlowRefInfo {
    /// The flow name as written.
    pub name: String,
    /// Where.
    pub span: Span,
    /// The compiled flow's number, filled in by the compiler.
    pub target: Option<u32>,
}

/// A reference to a connection.
#[derive(Debug, Clone)]
pub struct ConnRefInfo {
    /// The connection name as written.
    pub name: String,
    /// The kind the card needs.
    pub kind: &'static str,
    /// Where.
    pub span: Span,
}

/// Everything a card's config registered while it decoded.
#[derive(Debug, Clone, Default)]
pub struct StepParts {
    /// Expressions, by [`crate::expr::ExprId`].
    pub exprs: Vec<CompiledExpr>,
    /// Helper flow references, by [`crate::FlowRef::id`].
    pub flows: Vec<FlowRefInfo>,
    /// Connection references, by [`crate::ConnRef::id`].
    pub conns: Vec<ConnRefInfo>,
}

/// What a card's `build` function works with.
pub struct BuildCx<'a> {
    with: &'a Node,
    source: &'a str,
    step_id: &'a str,
    card: &'a str,
    parts: RefCell<StepParts>,
    diags: RefCell<Diagnostics>,
    data: Option<KindData>,
}

impl<'a> BuildCx<'a> {
    /// A context for step `step_id` of card kind `card`, whose `with:` is `with` in a file
    /// whose text is `source`.
    pub fn new(with: &'a Node, source: &'a str, step_id: &'a str, card: &'a str) -> Self {
        BuildCx {
            with,
            source,
            step_id,
            card,
            parts: RefCell::new(StepParts::default()),
            diags: RefCell::new(Diagnostics::new()),
            data: None,
        }
    }

    /// Gives the build function the data of its kind (for cards defined as data, see
    /// [`crate::Registry::add_data_card`]).
    pub fn with_data(mut self, data: Option<KindData>) -> Self {
        self.data = data;
        self
    }

    /// The data of this card's kind, as type `T`, when it has some of that type.
    pub fn card_data<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        self.data.clone()?.downcast::<T>().ok()
    }

    /// The source text of the file the step is in.
    pub fn source(&self) -> &str {
        self.source
    }

    /// Compiles `node` (written at config field `field`) as an expression that must give a
    /// value of type `expected`, and registers it: the typed [`crate::Expr`] handle for it is
    /// `Expr::from_id(returned id)`. For configs decoded by hand.
    pub fn expr_of(&self, node: &Node, field: &str, expected: Type) -> u32 {
        let kind = match &expected {
            Type::Text => "text",
            Type::Number => "number",
            Type::Boolean => "boolean",
            Type::List(_) => "list",
            Type::Object(_) => "object",
            _ => "any",
        };
        let id = self.expr(kind, node, field).unwrap_or(0);
        if let Some(e) = self.parts.borrow_mut().exprs.get_mut(id as usize) {
            e.expected = expected;
        }
        u32::try_from(id).unwrap_or(u32::MAX)
    }

    /// Registers a reference to a connection of kind `kind` written at `node` (for configs
    /// decoded by hand, and connection kinds defined as data); the [`crate::ConnRef`] handle
    /// for it is `ConnRef::from_id(returned id)`. `None` (reported) when `node` is not a name.
    pub fn conn_of(&self, node: &Node, kind: &'static str) -> Option<u32> {
        match name_of(node, "a connection") {
            Ok(name) => {
                let mut parts = self.parts.borrow_mut();
                parts.conns.push(ConnRefInfo {
                    name,
                    kind,
                    span: node.span,
                });
                u32::try_from(parts.conns.len() - 1).ok()
            }
            Err(e) => {
                let mut e = e;
                e.span = Some(node.span);
                self.diags.borrow_mut().push(e.into_diagnostic());
                None
            }
        }
    }

    /// Reports a problem (for configs decoded by hand).
    pub fn push_diagnostic(&self, d: Diagnostic) {
        self.diags.borrow_mut().push(d);
    }

    /// The card kind being built.
    pub fn card_kind(&self) -> &str {
        self.card
    }

    /// Decodes `with:` into the card's config. On error the problem is reported and `None`
    /// returned; unknown keys are reported without failing.
    pub fn config<C: DeserializeOwned>(&mut self) -> Option<C> {
        let with = self.with;
        match from_node::<C>(with, &*self, "") {
            Ok(c) => Some(c),
            Err(e) => {
                let mut d = e.into_diagnostic();
                d.message = format!("step `{}` ({}): {}", self.step_id, self.card, d.message);
                self.diags.get_mut().push(d);
                None
            }
        }
    }

    /// Reports a problem found while building.
    pub fn report(&mut self, code: Code, span: Option<Span>, message: impl Into<String>) {
        self.diags.get_mut().push(Diagnostic::error(
            code,
            span.or(Some(self.with.span)),
            message,
        ));
    }

    /// The `with:` node.
    pub fn with_node(&self) -> &Node {
        self.with
    }

    /// The step id.
    pub fn step_id(&self) -> &str {
        self.step_id
    }

    /// Takes what was registered and reported.
    pub fn finish(self) -> (StepParts, Diagnostics) {
        (self.parts.into_inner(), self.diags.into_inner())
    }

    fn expr(&self, kind: &str, node: &Node, path: &str) -> Result<u64, DeError> {
        let (item_scope, kind) = match kind.strip_prefix("item_expr:") {
            Some(k) => (true, k),
            None => (false, kind.strip_prefix("expr:").unwrap_or(kind)),
        };
        let (expected, escape) = match kind {
            "text" => (Type::Text, Escape::None),
            "slack" => (Type::Text, Escape::Slack),
            "number" => (Type::Number, Escape::None),
            "boolean" => (Type::Boolean, Escape::None),
            "list" => (Type::list(Type::Any), Escape::None),
            "object" => (Type::Object(None), Escape::None),
            _ => (Type::Any, Escape::None),
        };
        let expr = match ValueExpr::compile(node, self.source, escape) {
            Ok(e) => e,
            Err(errors) => {
                let mut diags = self.diags.borrow_mut();
                for e in errors {
                    diags.push(
                        Diagnostic::error(e.error.code(), Some(e.span), e.error.message)
                            .with_help_opt(e.error.help),
                    );
                }
                ValueExpr::Const(serde_json::Value::Null)
            }
        };
        let mut parts = self.parts.borrow_mut();
        parts.exprs.push(CompiledExpr {
            expr,
            field: path.to_string(),
            expected,
            item_scope,
            span: node.span,
            keys: node
                .as_map()
                .map(|m| {
                    m.iter()
                        .map(|(k, _)| (flow_model::node::key_text(k), k.span))
                        .collect()
                })
                .unwrap_or_default(),
        });
        Ok(parts.exprs.len() as u64 - 1)
    }
}

fn name_of(node: &Node, what: &str) -> Result<String, DeError> {
    match &node.kind {
        NodeKind::Str(s) if !s.contains("{{") => Ok(s.clone()),
        NodeKind::Str(_) => Err(DeError::new(
            Code::InvalidValue,
            format!("{what} must be written as a name, not a template"),
        )),
        _ => Err(DeError::new(
            Code::WrongType,
            format!("{what} must be a name, found {}", node.kind_name()),
        )),
    }
}

impl Hooks for BuildCx<'_> {
    fn marker(&self, name: &'static str, node: &Node, path: &str) -> Result<u64, DeError> {
        let rest = name
            .strip_prefix(flow_model::de::MARKER_PREFIX)
            .unwrap_or(name);
        if name == FLOW_MARKER {
            let flow = name_of(node, "a flow")?;
            let mut parts = self.parts.borrow_mut();
            parts.flows.push(FlowRefInfo {
                name: flow,
                span: node.span,
                target: None,
            });
            return Ok(parts.flows.len() as u64 - 1);
        }
        if let Some(kind) = name.strip_prefix(CONN_MARKER) {
            let conn = name_of(node, "a connection")?;
            let mut parts = self.parts.borrow_mut();
            parts.conns.push(ConnRefInfo {
                name: conn,
                kind: static_kind(kind),
                span: node.span,
            });
            return Ok(parts.conns.len() as u64 - 1);
        }
        self.expr(rest, node, path)
    }

    fn report(&self, diagnostic: Diagnostic) {
        self.diags.borrow_mut().push(diagnostic);
    }
}

/// Connection kinds are few and static; this keeps `ConnRefInfo` free of allocations.
fn static_kind(kind: &str) -> &'static str {
    match kind {
        "okta" => "okta",
        "slack" => "slack",
        "slack_webhook" => "slack_webhook",
        "http" => "http",
        "google_workspace" => "google_workspace",
        "microsoft365" => "microsoft365",
        "github" => "github",
        "google_sheets" => "google_sheets",
        "google_drive" => "google_drive",
        "key" => "key",
        _ => "unknown",
    }
}
