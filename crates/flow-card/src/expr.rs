//! Typed handles that card configs hold in place of values: [`Expr`] for anything that may be
//! a template, [`FlowRef`] for a helper flow, [`ConnRef`] for a connection, and
//! [`JsonPathField`] for a JSONPath checked when the flow loads.
//!
//! Each handle decodes through a marker newtype name; the [`crate::BuildCx`] hook compiles the
//! node and returns a number, which is all the card keeps.

use flow_model::Code;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserialize, Deserializer, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// The reserved slots of a template scope. Step `i` of a flow has slot `FIRST_STEP + i`.
pub mod slots {
    use flow_template::Slot;
    /// `trigger`.
    pub const TRIGGER: Slot = Slot(0);
    /// `inputs`.
    pub const INPUTS: Slot = Slot(1);
    /// `execution`.
    pub const EXECUTION: Slot = Slot(2);
    /// `item` (inside a list card's `inputs`).
    pub const ITEM: Slot = Slot(3);
    /// `index` (inside a list card's `inputs`).
    pub const INDEX: Slot = Slot(4);
    /// The first step.
    pub const FIRST_STEP: u32 = 5;
    /// The slot of step number `i` (0-based, in file order).
    pub fn step(i: usize) -> Slot {
        Slot(FIRST_STEP + u32::try_from(i).unwrap_or(u32::MAX - FIRST_STEP))
    }
    /// The step number of a slot, when it is a step.
    pub fn step_index(s: Slot) -> Option<usize> {
        s.0.checked_sub(FIRST_STEP).map(|i| i as usize)
    }
}

/// What an expression must produce, named in its marker.
pub trait ExprKind: 'static {
    /// The marker name: `$flowctl::expr:<kind>` or `$flowctl::item_expr:<kind>`.
    const MARKER: &'static str;
    /// The JSON Schema of what may be written.
    fn schema() -> Schema;
}

/// The expression kinds.
pub mod kinds {
    use super::*;

    fn template_or(schema: serde_json::Value) -> Schema {
        json_schema!({
            "anyOf": [
                schema,
                { "type": "string", "pattern": "\\{\\{", "description": "a template, e.g. {{ step.field }}" }
            ]
        })
    }

    macro_rules! kind {
        ($(#[$doc:meta])* $name:ident, $marker:literal, $schema:expr) => {
            $(#[$doc])*
            #[derive(Debug, Clone, Copy)]
            pub struct $name;
            impl ExprKind for $name {
                const MARKER: &'static str = $marker;
                fn schema() -> Schema {
                    $schema
                }
            }
        };
    }

    kind!(
        /// Any value.
        AnyValue, "$flowctl::expr:any", json_schema!({})
    );
    kind!(
        /// Text (other scalars are converted).
        Text, "$flowctl::expr:text", json_schema!({ "type": ["string", "number", "boolean"] })
    );
    kind!(
        /// Slack text: `{{ }}` values are escaped for Slack.
        SlackText, "$flowctl::expr:slack", json_schema!({ "type": "string" })
    );
    kind!(
        /// A number.
        Number, "$flowctl::expr:number", template_or(serde_json::json!({ "type": "number" }))
    );
    kind!(
        /// true or false.
        Boolean, "$flowctl::expr:boolean", template_or(serde_json::json!({ "type": "boolean" }))
    );
    kind!(
        /// A list of anything.
        List, "$flowctl::expr:list", template_or(serde_json::json!({ "type": "array" }))
    );
    kind!(
        /// An object.
        Object, "$flowctl::expr:object", template_or(serde_json::json!({ "type": "object" }))
    );
    kind!(
        /// An object evaluated once per list item, with `item` and `index` in scope.
        ItemObject, "$flowctl::item_expr:object", json_schema!({ "type": "object" })
    );
    kind!(
        /// A value evaluated once per list item, with `item` and `index` in scope.
        ItemValue, "$flowctl::item_expr:any", json_schema!({})
    );
}

/// The number of a compiled expression of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExprId(pub u32);

/// A config field that may be a template; holds only its number.
pub struct Expr<K> {
    /// The expression's number in the step.
    pub id: ExprId,
    _kind: PhantomData<K>,
}

impl<K> Expr<K> {
    /// A handle for a number (for tests and generated configs).
    pub fn from_id(id: u32) -> Self {
        Expr {
            id: ExprId(id),
            _kind: PhantomData,
        }
    }
}

impl<K> Clone for Expr<K> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K> Copy for Expr<K> {}
impl<K> fmt::Debug for Expr<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Expr#{}", self.id.0)
    }
}

struct HandleVisitor(&'static str);

impl Visitor<'_> for HandleVisitor {
    type Value = u64;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a value for {}", self.0)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        Ok(v)
    }
}

fn handle<'de, D: Deserializer<'de>>(d: D, marker: &'static str) -> Result<u32, D::Error> {
    let v = d.deserialize_newtype_struct(marker, HandleVisitor(marker))?;
    u32::try_from(v).map_err(|_| de::Error::custom("too many expressions"))
}

impl<'de, K: ExprKind> Deserialize<'de> for Expr<K> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Expr::from_id(handle(d, K::MARKER)?))
    }
}

impl<K: ExprKind> JsonSchema for Expr<K> {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed(K::MARKER.rsplit(':').next().unwrap_or("expr"))
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        K::schema()
    }
}

/// The marker of a helper flow reference.
pub const FLOW_MARKER: &str = "$flowctl::flow";
/// The marker prefix of a connection reference.
pub const CONN_MARKER: &str = "$flowctl::conn:";

/// A reference to a helper flow by name, resolved by the compiler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowRef {
    /// The reference's number in the step.
    pub id: u32,
}

impl<'de> Deserialize<'de> for FlowRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(FlowRef {
            id: handle(d, FLOW_MARKER)?,
        })
    }
}

impl JsonSchema for FlowRef {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("FlowName")
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$", "description": "the name of a helper flow" })
    }
}

/// What kind of connection a [`ConnRef`] must name.
pub trait ConnKind: 'static {
    /// `$flowctl::conn:<kind>`.
    const MARKER: &'static str;
}

/// A reference to a connection of `flowctl.yaml`, of kind `K`.
pub struct ConnRef<K> {
    /// The reference's number in the step.
    pub id: u32,
    _kind: PhantomData<K>,
}

impl<K> ConnRef<K> {
    /// A handle for a registered reference's number (see [`crate::BuildCx::conn_of`]).
    pub fn from_id(id: u32) -> Self {
        ConnRef {
            id,
            _kind: PhantomData,
        }
    }
}

impl<K> Clone for ConnRef<K> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K> Copy for ConnRef<K> {}
impl<K> fmt::Debug for ConnRef<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ConnRef#{}", self.id)
    }
}

impl<'de, K: ConnKind> Deserialize<'de> for ConnRef<K> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(ConnRef {
            id: handle(d, K::MARKER)?,
            _kind: PhantomData,
        })
    }
}

impl<K: ConnKind> JsonSchema for ConnRef<K> {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("ConnectionName")
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "description": "the name of a connection in flowctl.yaml" })
    }
}

/// A JSONPath (RFC 9535), parsed when the flow loads.
#[derive(Debug, Clone)]
pub struct JsonPathField {
    /// The compiled path.
    pub path: serde_json_path::JsonPath,
    /// The text as written.
    pub text: String,
}

impl<'de> Deserialize<'de> for JsonPathField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match serde_json_path::JsonPath::parse(&text) {
            Ok(path) => Ok(JsonPathField { path, text }),
            Err(e) => Err(flow_model::de::coded(
                Code::JsonPathSyntax,
                format!(
                    "`{text}` is not a JSONPath: {}",
                    e.to_string().lines().next().unwrap_or("")
                ),
            )),
        }
    }
}

impl JsonSchema for JsonPathField {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("JsonPath")
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "pattern": "^\\$", "description": "a JSONPath (RFC 9535), e.g. $.detail.title" })
    }
}
