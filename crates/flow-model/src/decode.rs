//! Small helpers to decode a [`Node`] mapping by hand while collecting every problem: unknown
//! keys (with "did you mean"), missing keys and wrong types each become a diagnostic, and
//! decoding goes on so that one run of `flowctl validate` shows them all.

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::node::{Node, NodeKind, key_text};
use crate::span::Span;
use crate::suggest;
use crate::units;
use std::time::Duration;

/// A value with the span it was written at.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it is written.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Wraps a value.
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// The entries of a mapping, checked against the keys allowed in it.
pub struct Fields<'a> {
    /// The mapping node.
    pub node: &'a Node,
    what: String,
    entries: Vec<(&'a str, &'a Node, &'a Node)>,
}

/// Reads `node` as a mapping named `what` (for messages) whose keys must be in `allowed`.
/// Reports a non-mapping and every unknown key; returns `None` only for a non-mapping.
pub fn fields<'a>(
    node: &'a Node,
    what: &str,
    allowed: &[&str],
    diags: &mut Diagnostics,
) -> Option<Fields<'a>> {
    let Some(map) = node.as_map() else {
        diags.push(wrong_type(node, what, "a mapping"));
        return None;
    };
    let mut entries = Vec::with_capacity(map.len());
    for (k, v) in map {
        let Some(key) = k.as_str() else {
            diags.push(Diagnostic::error(
                Code::WrongType,
                Some(k.span),
                format!("keys of {what} must be text, found `{}`", key_text(k)),
            ));
            continue;
        };
        if !allowed.contains(&key) {
            diags.push(unknown_key(key, k.span, what, allowed));
            continue;
        }
        entries.push((key, k, v));
    }
    Some(Fields {
        node,
        what: what.to_string(),
        entries,
    })
}

/// An "unknown key" diagnostic with a suggestion from `allowed`.
pub fn unknown_key(key: &str, span: Span, what: &str, allowed: &[&str]) -> Diagnostic {
    let help = suggest::hint(key, allowed.iter().copied())
        .or_else(|| (!allowed.is_empty()).then(|| format!("allowed keys: {}", allowed.join(", "))));
    Diagnostic::error(
        Code::UnknownKey,
        Some(span),
        format!("unknown key `{key}` in {what}"),
    )
    .with_help_opt(help)
}

/// A "wrong type" diagnostic: `what` must be `expected`, found the node's kind.
pub fn wrong_type(node: &Node, what: &str, expected: &str) -> Diagnostic {
    Diagnostic::error(
        Code::WrongType,
        Some(node.span),
        format!("{what} must be {expected}, found {}", node.kind_name()),
    )
}

impl<'a> Fields<'a> {
    /// The value of a key, when present.
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.entries.iter().find(|(k, _, _)| *k == key).map(|e| e.2)
    }

    /// The span of a key, when present.
    pub fn key_span(&self, key: &str) -> Option<Span> {
        self.entries
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|e| e.1.span)
    }

    /// The keys present, in order.
    pub fn keys(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.entries.iter().map(|e| e.0)
    }

    /// Reports a missing required key at the mapping.
    pub fn missing(&self, key: &str, diags: &mut Diagnostics) {
        diags.push(Diagnostic::error(
            Code::MissingKey,
            Some(self.node.span),
            format!("{} is missing the key `{key}`", self.what),
        ));
    }

    /// A required key's node.
    pub fn required(&self, key: &str, diags: &mut Diagnostics) -> Option<&'a Node> {
        let v = self.get(key);
        if v.is_none() {
            self.missing(key, diags);
        }
        v
    }

    /// An optional text value.
    pub fn opt_str(&self, key: &str, diags: &mut Diagnostics) -> Option<Spanned<String>> {
        let node = self.get(key)?;
        text(node, &format!("`{key}`"), diags)
    }

    /// A required text value.
    pub fn req_str(&self, key: &str, diags: &mut Diagnostics) -> Option<Spanned<String>> {
        let node = self.required(key, diags)?;
        text(node, &format!("`{key}`"), diags)
    }

    /// An optional boolean.
    pub fn opt_bool(&self, key: &str, diags: &mut Diagnostics) -> Option<Spanned<bool>> {
        let node = self.get(key)?;
        match node.kind {
            NodeKind::Bool(b) => Some(Spanned::new(b, node.span)),
            _ => {
                diags.push(wrong_type(node, &format!("`{key}`"), "true or false"));
                None
            }
        }
    }

    /// An optional whole number within `[min, max]`.
    pub fn opt_u64(
        &self,
        key: &str,
        min: u64,
        max: u64,
        diags: &mut Diagnostics,
    ) -> Option<Spanned<u64>> {
        let node = self.get(key)?;
        match node.kind {
            NodeKind::Int(i) if i >= 0 && (i as u64) >= min && (i as u64) <= max => {
                Some(Spanned::new(i as u64, node.span))
            }
            NodeKind::Int(i) => {
                diags.push(Diagnostic::error(
                    Code::InvalidValue,
                    Some(node.span),
                    format!("`{key}` must be between {min} and {max}, found {i}"),
                ));
                None
            }
            _ => {
                diags.push(wrong_type(node, &format!("`{key}`"), "a whole number"));
                None
            }
        }
    }

    /// An optional duration (`30s`, `5m`, or a number of seconds).
    pub fn opt_duration(&self, key: &str, diags: &mut Diagnostics) -> Option<Spanned<Duration>> {
        let node = self.get(key)?;
        duration(node, key, diags)
    }

    /// An optional size (`1MiB`, or a number of bytes).
    pub fn opt_size(&self, key: &str, diags: &mut Diagnostics) -> Option<Spanned<u64>> {
        let node = self.get(key)?;
        let parsed = match &node.kind {
            NodeKind::Int(i) if *i >= 0 => Ok(*i as u64),
            NodeKind::Str(s) => units::parse_size(s).map_err(|e| e.to_string()),
            _ => Err(format!(
                "`{key}` must be a size such as 1MiB, found {}",
                node.kind_name()
            )),
        };
        match parsed {
            Ok(v) => Some(Spanned::new(v, node.span)),
            Err(e) => {
                diags.push(Diagnostic::error(Code::InvalidValue, Some(node.span), e));
                None
            }
        }
    }

    /// An optional list of text values.
    pub fn opt_str_list(
        &self,
        key: &str,
        diags: &mut Diagnostics,
    ) -> Option<Spanned<Vec<Spanned<String>>>> {
        let node = self.get(key)?;
        let Some(items) = node.as_seq() else {
            diags.push(wrong_type(node, &format!("`{key}`"), "a list"));
            return None;
        };
        let values = items
            .iter()
            .filter_map(|i| text(i, &format!("an item of `{key}`"), diags))
            .collect();
        Some(Spanned::new(values, node.span))
    }
}

/// Reads a node as text; numbers and booleans are not silently accepted.
pub fn text(node: &Node, what: &str, diags: &mut Diagnostics) -> Option<Spanned<String>> {
    match &node.kind {
        NodeKind::Str(s) => Some(Spanned::new(s.clone(), node.span)),
        _ => {
            diags.push(wrong_type(node, what, "text"));
            None
        }
    }
}

/// Reads a node as a duration.
pub fn duration(node: &Node, key: &str, diags: &mut Diagnostics) -> Option<Spanned<Duration>> {
    let parsed = match &node.kind {
        NodeKind::Int(i) if *i >= 0 => Ok(Duration::from_secs(*i as u64)),
        NodeKind::Str(s) => units::parse_duration(s).map_err(|e| e.to_string()),
        _ => Err(format!(
            "`{key}` must be a duration such as 30s, found {}",
            node.kind_name()
        )),
    };
    match parsed {
        Ok(d) => Some(Spanned::new(d, node.span)),
        Err(e) => {
            diags.push(Diagnostic::error(Code::InvalidValue, Some(node.span), e));
            None
        }
    }
}

/// True when `name` matches `[a-z0-9][a-z0-9-]*` (flow names).
pub fn is_flow_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// True when `id` matches `[a-z_][a-z0-9_]*` (step ids and input names).
pub fn is_identifier(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::parse_yaml;
    use crate::span::SourceId;

    #[test]
    fn collects_every_unknown_key() {
        let node = parse_yaml(SourceId(0), "id: a\ncrad: x\nwiht: {}\n").unwrap();
        let mut diags = Diagnostics::new();
        let f = fields(&node, "step `a`", &["id", "card", "with"], &mut diags).unwrap();
        assert_eq!(f.req_str("id", &mut diags).unwrap().value, "a");
        assert!(f.req_str("card", &mut diags).is_none());
        let codes: Vec<_> = diags.iter().map(|d| (d.code, d.help.clone())).collect();
        assert_eq!(
            codes,
            vec![
                (Code::UnknownKey, Some("did you mean `card`?".into())),
                (Code::UnknownKey, Some("did you mean `with`?".into())),
                (Code::MissingKey, None),
            ]
        );
    }

    #[test]
    fn names() {
        assert!(is_flow_name("oort-failing-check"));
        assert!(!is_flow_name("Oort"));
        assert!(!is_flow_name("-x"));
        assert!(is_identifier("user_2"));
        assert!(!is_identifier("2user"));
        assert!(!is_identifier("user-2"));
    }
}
