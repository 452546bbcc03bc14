//! A serde `Deserializer` over a [`Node`] tree, so typed configs (a card's `with:`) decode with
//! errors that point at the exact key or value, and every unknown key is reported, not just the
//! first.
//!
//! Newtype structs whose name starts with [`MARKER_PREFIX`] are handed to [`Hooks::marker`]
//! together with their node. The card layer uses this to compile templates and register
//! references while the config decodes, without a second walk over the tree.

use crate::diag::{Code, Diagnostic};
use crate::node::{Node, NodeKind, key_text};
use crate::span::Span;
use crate::suggest;
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};
use std::fmt;

/// Names of newtype structs that start with this are passed to [`Hooks::marker`].
pub const MARKER_PREFIX: &str = "$flowctl::";

/// Callbacks from the deserializer to the code that drives it.
pub trait Hooks {
    /// Handles a marker newtype (`name` starts with [`MARKER_PREFIX`]) found at `node`, at key
    /// path `path` (e.g. `fields.users`). Returns a handle given to the marker's visitor as a `u64`.
    fn marker(&self, name: &'static str, node: &Node, path: &str) -> Result<u64, DeError>;
    /// Reports a problem that does not stop decoding (an unknown key).
    fn report(&self, diagnostic: Diagnostic);
}

/// A decoding error, with the span of the innermost value it concerns.
#[derive(Debug, Clone, PartialEq)]
pub struct DeError {
    /// The code for the diagnostic.
    pub code: Code,
    /// What is wrong.
    pub message: String,
    /// Where, once known.
    pub span: Option<Span>,
    /// A hint.
    pub help: Option<String>,
}

impl DeError {
    /// An error with a code and message.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        DeError {
            code,
            message: message.into(),
            span: None,
            help: None,
        }
    }

    /// Into a diagnostic.
    pub fn into_diagnostic(self) -> Diagnostic {
        Diagnostic::error(self.code, self.span, self.message).with_help_opt(self.help)
    }

    fn at(mut self, span: Span) -> Self {
        if self.span.is_none() {
            self.span = Some(span);
        }
        self
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

/// Builds a serde error that carries a diagnostic code through any `Deserialize` impl; when it
/// reaches [`DeError`] the code is restored (other deserializers show the plain message).
pub fn coded<E: de::Error>(code: Code, msg: impl fmt::Display) -> E {
    E::custom(format_args!("{CODE_TAG}{}{CODE_TAG}{msg}", code.as_str()))
}

const CODE_TAG: char = '\u{1}';

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        let text = msg.to_string();
        if let Some(rest) = text.strip_prefix(CODE_TAG)
            && let Some((code, message)) = rest.split_once(CODE_TAG)
            && let Some(code) = Code::ALL.iter().find(|c| c.as_str() == code)
        {
            return DeError::new(*code, message);
        }
        DeError::new(Code::InvalidValue, text)
    }

    fn invalid_type(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        let found = match unexp {
            de::Unexpected::Str(s) => format!("text `{s}`"),
            de::Unexpected::Signed(i) => format!("the number {i}"),
            de::Unexpected::Unsigned(i) => format!("the number {i}"),
            de::Unexpected::Float(x) => format!("the number {x}"),
            de::Unexpected::Bool(b) => format!("`{b}`"),
            de::Unexpected::Unit | de::Unexpected::Option => "null".to_string(),
            de::Unexpected::Seq => "a list".to_string(),
            de::Unexpected::Map => "a mapping".to_string(),
            other => other.to_string(),
        };
        let expected = exp
            .to_string()
            .replace("a string", "text")
            .replace("a sequence", "a list")
            .replace("struct ", "")
            .replace("a map", "a mapping");
        DeError::new(
            Code::WrongType,
            format!("expected {expected}, found {found}"),
        )
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        let mut e = DeError::new(Code::UnknownKey, format!("unknown key `{field}`"));
        e.help = suggest::hint(field, expected.iter().copied())
            .or_else(|| Some(format!("allowed keys: {}", expected.join(", "))));
        e
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        let mut e = DeError::new(Code::InvalidValue, format!("unknown value `{variant}`"));
        e.help = suggest::hint(variant, expected.iter().copied())
            .or_else(|| Some(format!("use one of: {}", expected.join(", "))));
        e
    }

    fn missing_field(field: &'static str) -> Self {
        DeError::new(Code::MissingKey, format!("missing key `{field}`"))
    }

    fn duplicate_field(field: &'static str) -> Self {
        DeError::new(Code::DuplicateKey, format!("key `{field}` is given twice"))
    }
}

/// Decodes `node` into `T`, calling `hooks` for markers; `path` names the node in messages.
pub fn from_node<'de, T: de::Deserialize<'de>>(
    node: &'de Node,
    hooks: &dyn Hooks,
    path: &str,
) -> Result<T, DeError> {
    T::deserialize(NodeDeserializer {
        node,
        hooks,
        path: path.to_string(),
    })
    .map_err(|e| e.at(node.span))
}

/// The deserializer for one node.
pub struct NodeDeserializer<'de, 'h> {
    node: &'de Node,
    hooks: &'h dyn Hooks,
    path: String,
}

impl<'de, 'h> NodeDeserializer<'de, 'h> {
    fn child(&self, node: &'de Node, key: &str) -> Self {
        let path = if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        };
        NodeDeserializer {
            node,
            hooks: self.hooks,
            path,
        }
    }
}

macro_rules! forward_to_any {
    ($($name:ident)*) => {
        $(fn $name<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            self.deserialize_any(visitor)
        })*
    };
}

impl<'de> Deserializer<'de> for NodeDeserializer<'de, '_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let span = self.node.span;
        let r = match &self.node.kind {
            NodeKind::Null => visitor.visit_unit(),
            NodeKind::Bool(b) => visitor.visit_bool(*b),
            NodeKind::Int(i) => visitor.visit_i64(*i),
            NodeKind::Float(f) => visitor.visit_f64(*f),
            NodeKind::Str(s) => visitor.visit_borrowed_str(s),
            NodeKind::Seq(items) => visitor.visit_seq(Seq {
                de: &self,
                items: items.iter().enumerate(),
            }),
            NodeKind::Map(entries) => visitor.visit_map(Map {
                de: &self,
                entries: entries.iter(),
                value: None,
                fields: None,
            }),
        };
        r.map_err(|e| e.at(span))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.node.kind {
            NodeKind::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        if name.starts_with(MARKER_PREFIX) {
            let handle = self
                .hooks
                .marker(name, self.node, &self.path)
                .map_err(|e| e.at(self.node.span))?;
            return visitor.visit_u64(handle);
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let span = self.node.span;
        match &self.node.kind {
            NodeKind::Map(entries) => visitor
                .visit_map(Map {
                    de: &self,
                    entries: entries.iter(),
                    value: None,
                    fields: Some(fields),
                })
                .map_err(|e| e.at(span)),
            // `with:` left empty decodes as a struct with every field defaulted.
            NodeKind::Null => visitor
                .visit_map(Map {
                    de: &self,
                    entries: [].iter(),
                    value: None,
                    fields: Some(fields),
                })
                .map_err(|e| e.at(span)),
            _ => Err(DeError::new(
                Code::WrongType,
                format!("expected a mapping, found {}", self.node.kind_name()),
            )
            .at(span)),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let span = self.node.span;
        match &self.node.kind {
            NodeKind::Str(_) => visitor.visit_enum(Enum {
                de: self,
                value: None,
            }),
            NodeKind::Map(entries) if entries.len() == 1 => {
                let (k, v) = &entries[0];
                visitor.visit_enum(Enum {
                    de: NodeDeserializer {
                        node: k,
                        hooks: self.hooks,
                        path: self.path.clone(),
                    },
                    value: Some(v),
                })
            }
            _ => Err(DeError::new(
                Code::WrongType,
                format!(
                    "expected one of the allowed values, found {}",
                    self.node.kind_name()
                ),
            )),
        }
        .map_err(|e| e.at(span))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    forward_to_any! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_f32
        deserialize_f64 deserialize_char deserialize_str deserialize_string deserialize_bytes
        deserialize_byte_buf deserialize_unit deserialize_seq deserialize_map
        deserialize_identifier deserialize_i128 deserialize_u128
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_any(visitor)
    }
}

struct Seq<'a, 'de, 'h> {
    de: &'a NodeDeserializer<'de, 'h>,
    items: std::iter::Enumerate<std::slice::Iter<'de, Node>>,
}

impl<'de> SeqAccess<'de> for Seq<'_, 'de, '_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.items.next() {
            Some((i, node)) => seed
                .deserialize(self.de.child(node, &i.to_string()))
                .map(Some)
                .map_err(|e| e.at(node.span)),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Map<'a, 'de, 'h> {
    de: &'a NodeDeserializer<'de, 'h>,
    entries: std::slice::Iter<'de, (Node, Node)>,
    value: Option<(&'de Node, String)>,
    fields: Option<&'static [&'static str]>,
}

impl<'de> MapAccess<'de> for Map<'_, 'de, '_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        for (k, v) in self.entries.by_ref() {
            let name = key_text(k);
            if let Some(fields) = self.fields
                && !fields.contains(&name.as_str())
            {
                // Report every unknown key and keep decoding the rest.
                let e = <DeError as de::Error>::unknown_field(&name, fields).at(k.span);
                self.de.hooks.report(e.into_diagnostic());
                continue;
            }
            self.value = Some((v, name));
            let key_de = NodeDeserializer {
                node: k,
                hooks: self.de.hooks,
                path: self.de.path.clone(),
            };
            return seed.deserialize(key_de).map(Some).map_err(|e| e.at(k.span));
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let Some((node, name)) = self.value.take() else {
            return Err(DeError::new(Code::InvalidValue, "a value without a key"));
        };
        seed.deserialize(self.de.child(node, &name))
            .map_err(|e| e.at(node.span))
    }
}

struct Enum<'de, 'h> {
    de: NodeDeserializer<'de, 'h>,
    value: Option<&'de Node>,
}

impl<'de, 'h> EnumAccess<'de> for Enum<'de, 'h> {
    type Error = DeError;
    type Variant = Variant<'de, 'h>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), DeError> {
        let span = self.de.node.span;
        let name = key_text(self.de.node);
        let v = seed
            .deserialize(name.clone().into_deserializer())
            .map_err(|e: DeError| e.at(span))?;
        let value = self.value.map(|n| self.de.child(n, &name));
        Ok((v, Variant { value, span }))
    }
}

struct Variant<'de, 'h> {
    value: Option<NodeDeserializer<'de, 'h>>,
    span: Span,
}

impl<'de> VariantAccess<'de> for Variant<'de, '_> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        match self.value {
            None => Ok(()),
            Some(v) => {
                Err(DeError::new(Code::WrongType, "this value takes no settings").at(v.node.span))
            }
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        match self.value {
            Some(v) => seed.deserialize(v),
            None => Err(DeError::new(Code::WrongType, "this value needs settings").at(self.span)),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Some(v) => v.deserialize_any(visitor),
            None => Err(DeError::new(Code::WrongType, "this value needs settings").at(self.span)),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.value {
            Some(v) => v.deserialize_struct("", fields, visitor),
            None => Err(DeError::new(Code::WrongType, "this value needs settings").at(self.span)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::parse_yaml;
    use crate::span::SourceId;
    use serde::Deserialize;
    use std::cell::RefCell;

    #[derive(Default)]
    struct Collect {
        reported: RefCell<Vec<Diagnostic>>,
        markers: RefCell<Vec<(String, String)>>,
    }

    impl Hooks for Collect {
        fn marker(&self, name: &'static str, node: &Node, path: &str) -> Result<u64, DeError> {
            let mut m = self.markers.borrow_mut();
            m.push((name.to_string(), format!("{path}={}", node.to_json())));
            Ok(m.len() as u64 - 1)
        }
        fn report(&self, d: Diagnostic) {
            self.reported.borrow_mut().push(d);
        }
    }

    #[allow(dead_code)]
    struct Marked(u64);
    impl<'de> Deserialize<'de> for Marked {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl Visitor<'_> for V {
                type Value = Marked;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a marked value")
                }
                fn visit_u64<E>(self, v: u64) -> Result<Marked, E> {
                    Ok(Marked(v))
                }
            }
            d.deserialize_newtype_struct("$flowctl::test", V)
        }
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Config {
        list: Marked,
        #[serde(default)]
        concurrency: Option<u32>,
        #[serde(default)]
        mode: Mode,
        inner: Option<Inner>,
    }

    #[derive(Deserialize, Default, Debug, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Mode {
        #[default]
        Stop,
        Continue,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        value: Marked,
    }

    fn decode(text: &str) -> (Result<Config, DeError>, Collect) {
        let node = parse_yaml(SourceId(0), text).unwrap();
        let hooks = Collect::default();
        let node: &'static Node = Box::leak(Box::new(node));
        let r = from_node::<Config>(node, &hooks, "");
        (r, hooks)
    }

    #[test]
    fn markers_see_node_and_path() {
        let (r, hooks) = decode("list: \"{{ a }}\"\ninner: { value: [1, 2] }\nmode: continue\n");
        let c = r.unwrap();
        assert_eq!(c.mode, Mode::Continue);
        assert_eq!(
            *hooks.markers.borrow(),
            vec![
                ("$flowctl::test".to_string(), "list=\"{{ a }}\"".to_string()),
                (
                    "$flowctl::test".to_string(),
                    "inner.value=[1,2]".to_string()
                ),
            ]
        );
    }

    #[test]
    fn every_unknown_key_is_reported_with_a_hint() {
        let (r, hooks) = decode("list: x\nconcurency: 2\nlsit: y\n");
        assert!(r.is_ok());
        let reported = hooks.reported.borrow();
        assert_eq!(reported.len(), 2);
        assert_eq!(
            reported[0].help.as_deref(),
            Some("did you mean `concurrency`?")
        );
        assert_eq!(reported[0].span.unwrap().start, 8);
    }

    #[test]
    fn type_errors_point_at_the_value() {
        let (r, _) = decode("list: x\nconcurrency: lots\n");
        let e = r.err().unwrap();
        assert_eq!(e.code, Code::WrongType);
        assert_eq!(e.message, "expected u32, found text `lots`");
        assert_eq!(e.span.unwrap().start, 21);
        let (r, _) = decode("list: x\nmode: contnue\n");
        let e = r.err().unwrap();
        assert_eq!(e.help.as_deref(), Some("did you mean `continue`?"));
        let (r, _) = decode("concurrency: 1\n");
        assert_eq!(r.err().unwrap().code, Code::MissingKey);
    }
}
