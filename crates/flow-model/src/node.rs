//! A YAML document as a tree of [`Node`]s that keeps the span of every key and value.
//!
//! Parsing uses `serde-saphyr` (pure Rust, maintained, with budgets against alias bombs and deep
//! nesting) and its `Spanned` wrapper; `serde_yaml` is archived and keeps no value positions.
//! Plain `yes`/`no` stay text (YAML 1.2 booleans only), so `on: no` never turns into `false`.

use crate::diag::{Code, Diagnostic};
use crate::span::{SourceId, Span};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;
use std::sync::{OnceLock, mpsc};

/// One YAML value with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the value is written.
    pub span: Span,
    /// The value.
    pub kind: NodeKind,
}

/// The value of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// `null`, `~` or nothing.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// Text (plain, quoted or block).
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in written order.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The text when this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The entries when this is a mapping.
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            NodeKind::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The items when this is a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The value under a string key of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// A short name of the kind, for "expected X, found Y" messages.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Int(_) | NodeKind::Float(_) => "a number",
            NodeKind::Str(_) => "text",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }

    /// The value as plain JSON (spans dropped).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as V;
        match &self.kind {
            NodeKind::Null => V::Null,
            NodeKind::Bool(b) => V::Bool(*b),
            NodeKind::Int(i) => V::from(*i),
            NodeKind::Float(f) => serde_json::Number::from_f64(*f).map_or(V::Null, V::Number),
            NodeKind::Str(s) => V::String(s.clone()),
            NodeKind::Seq(items) => V::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Map(entries) => V::Object(
                entries
                    .iter()
                    .map(|(k, v)| (key_text(k), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// The span of bytes `range` of this text node's value, found in `source` (the whole file).
    ///
    /// Plain scalars map one to one. Quoted and block scalars differ from their value by quotes,
    /// escapes and indentation, so the piece is searched for from the earliest place it could
    /// start on its line. When it cannot be found, the whole node's span is returned.
    pub fn span_of_range(&self, source: &str, range: std::ops::Range<usize>) -> Span {
        let Some(value) = self.as_str() else {
            return self.span;
        };
        let raw = source
            .get(self.span.start as usize..self.span.end as usize)
            .unwrap_or("");
        let Some(piece) = value.get(range.clone()) else {
            return self.span;
        };
        if raw == value {
            return self.span.sub(range.start, range.end);
        }
        let line = value[..range.start].matches('\n').count();
        let col = range.start - value[..range.start].rfind('\n').map_or(0, |p| p + 1);
        let line_start = if line == 0 {
            0
        } else {
            raw.match_indices('\n')
                .nth(line - 1)
                .map_or(raw.len(), |(i, _)| i + 1)
        };
        let from = (line_start + col).min(raw.len());
        match raw.get(from..).and_then(|r| r.find(piece)) {
            Some(pos) if !piece.is_empty() => self.span.sub(from + pos, from + pos + piece.len()),
            _ => self.span,
        }
    }

    /// True when a string anywhere inside contains `{{`.
    pub fn has_template(&self) -> bool {
        match &self.kind {
            NodeKind::Str(s) => s.contains("{{"),
            NodeKind::Seq(items) => items.iter().any(Node::has_template),
            NodeKind::Map(entries) => entries.iter().any(|(_, v)| v.has_template()),
            _ => false,
        }
    }
}

/// The text of a mapping key (non-text keys are written as YAML would print them).
pub fn key_text(k: &Node) -> String {
    match &k.kind {
        NodeKind::Str(s) => s.clone(),
        NodeKind::Null => "null".into(),
        NodeKind::Bool(b) => b.to_string(),
        NodeKind::Int(i) => i.to_string(),
        NodeKind::Float(f) => f.to_string(),
        NodeKind::Seq(_) | NodeKind::Map(_) => "<complex key>".into(),
    }
}

/// The deepest nesting a flow file may have. Real flows stay under 10 levels.
pub const MAX_DEPTH: usize = 128;

/// Parses one YAML document of `source`. An empty document is `null`.
///
/// serde's recursive descent needs tens of kilobytes of stack per nesting level in debug
/// builds, so parsing runs on a helper thread with a stack sized for [`MAX_DEPTH`]; deeper
/// documents are a clear error, never a stack overflow. The thread is started once and kept:
/// starting and unmapping a 64 MiB stack per file would cost more than parsing a flow.
pub fn parse_yaml(source: SourceId, text: &str) -> Result<Node, Diagnostic> {
    let failed = || Diagnostic::error(Code::YamlSyntax, None, "the YAML parser failed");
    let Some(parser) = parser() else {
        return Err(Diagnostic::error(
            Code::Io,
            None,
            "cannot start the YAML parser thread",
        ));
    };
    let (reply, answer) = mpsc::sync_channel(1);
    let job = ParseJob {
        source,
        text: text.to_string(),
        reply,
    };
    if parser.send(job).is_err() {
        return Err(failed());
    }
    answer.recv().unwrap_or_else(|_| Err(failed()))
}

/// Stack of the parser thread.
const PARSER_STACK: usize = 64 << 20;

/// One document for the parser thread.
struct ParseJob {
    source: SourceId,
    text: String,
    reply: mpsc::SyncSender<Result<Node, Diagnostic>>,
}

/// The parser thread's queue, started on first use.
fn parser() -> Option<mpsc::Sender<ParseJob>> {
    static PARSER: OnceLock<Option<mpsc::Sender<ParseJob>>> = OnceLock::new();
    let sender = PARSER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<ParseJob>();
        std::thread::Builder::new()
            .name("yaml-parse".into())
            .stack_size(PARSER_STACK)
            .spawn(move || {
                for job in rx {
                    // A parser bug must not take the thread, and every later parse, with it.
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        parse_yaml_here(job.source, &job.text)
                    }))
                    .unwrap_or_else(|_| {
                        Err(Diagnostic::error(
                            Code::YamlSyntax,
                            None,
                            "the YAML parser failed",
                        ))
                    });
                    // The caller may have gone; nothing to do then.
                    let _ = job.reply.send(result);
                }
            })
            .ok()?;
        Some(tx)
    });
    sender.clone()
}

fn parse_yaml_here(source: SourceId, text: &str) -> Result<Node, Diagnostic> {
    let options = serde_saphyr::options! {
        strict_booleans: true,
        budget: serde_saphyr::budget! { max_depth: MAX_DEPTH, flow_nesting_limit: MAX_DEPTH, max_documents: 1 },
    };
    match serde_saphyr::from_str_with_options::<Option<Spanned<RawKind>>>(text, options) {
        Ok(Some(root)) => Ok(convert(source, text, root)),
        Ok(None) => Ok(Node {
            span: Span::new(source, 0, 0),
            kind: NodeKind::Null,
        }),
        Err(err) => Err(yaml_error(source, text, &err)),
    }
}

fn yaml_error(source: SourceId, text: &str, err: &serde_saphyr::Error) -> Diagnostic {
    let message = err.without_snippet().to_string();
    let message = strip_location_prefix(message.lines().next().unwrap_or("invalid YAML"));
    let span = err.location().and_then(|loc| {
        let (line, col) = (loc.line() as usize, loc.column() as usize);
        (line > 0).then(|| {
            let offset = offset_of(text, line, col);
            Span::new(source, offset, offset + 1)
        })
    });
    let code = if message.contains("duplicate mapping key") {
        Code::DuplicateKey
    } else {
        Code::YamlSyntax
    };
    let message = message
        .replace(", set DuplicateKeyPolicy in Options if acceptable", "")
        .to_string();
    Diagnostic::error(code, span, message)
}

/// Drops the "line 3 column 4: " that serde-saphyr puts in front; we print our own location.
fn strip_location_prefix(msg: &str) -> &str {
    let m = msg.trim_start_matches("error: ");
    if let Some(rest) = m.strip_prefix("line ")
        && let Some(idx) = rest.find(": ")
    {
        let head = &rest[..idx];
        if head
            .split(' ')
            .all(|w| w == "column" || w.parse::<u64>().is_ok())
        {
            return &rest[idx + 2..];
        }
    }
    m
}

fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return offset
                + l.char_indices()
                    .nth(col.saturating_sub(1))
                    .map_or(l.len(), |(b, _)| b);
        }
        offset += l.len();
    }
    text.len()
}

fn convert(source: SourceId, text: &str, raw: Spanned<RawKind>) -> Node {
    let loc = raw.referenced;
    let span = loc.span();
    let (start, end) = match (span.byte_offset(), span.byte_len()) {
        (Some(o), Some(l)) => (o as usize, (o + l) as usize),
        _ => {
            let o = offset_of(text, loc.line() as usize, loc.column() as usize);
            (o, o)
        }
    };
    let kind = match raw.value {
        RawKind::Null => NodeKind::Null,
        RawKind::Bool(b) => NodeKind::Bool(b),
        RawKind::Int(i) => NodeKind::Int(i),
        RawKind::Float(f) => NodeKind::Float(f),
        RawKind::Str(s) => NodeKind::Str(s),
        RawKind::Seq(items) => NodeKind::Seq(
            items
                .into_iter()
                .map(|i| convert(source, text, i))
                .collect(),
        ),
        RawKind::Map(entries) => NodeKind::Map(
            entries
                .into_iter()
                .map(|(k, v)| (convert(source, text, k), convert(source, text, v)))
                .collect(),
        ),
    };
    Node {
        span: Span::new(source, start, end),
        kind,
    }
}

/// The shape serde-saphyr fills in; converted to [`Node`] right after parsing.
enum RawKind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<RawKind>>),
    Map(Vec<(Spanned<RawKind>, Spanned<RawKind>)>),
}

impl<'de> Deserialize<'de> for RawKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawKind;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<RawKind, E> {
        Ok(RawKind::Null)
    }
    fn visit_none<E>(self) -> Result<RawKind, E> {
        Ok(RawKind::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawKind, D::Error> {
        d.deserialize_any(RawVisitor)
    }
    fn visit_bool<E>(self, v: bool) -> Result<RawKind, E> {
        Ok(RawKind::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<RawKind, E> {
        Ok(RawKind::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<RawKind, E> {
        Ok(i64::try_from(v).map_or(RawKind::Float(v as f64), RawKind::Int))
    }
    fn visit_i128<E>(self, v: i128) -> Result<RawKind, E> {
        Ok(i64::try_from(v).map_or(RawKind::Float(v as f64), RawKind::Int))
    }
    fn visit_u128<E>(self, v: u128) -> Result<RawKind, E> {
        Ok(i64::try_from(v).map_or(RawKind::Float(v as f64), RawKind::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<RawKind, E> {
        Ok(RawKind::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<RawKind, E> {
        Ok(RawKind::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<RawKind, E> {
        Ok(RawKind::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<RawKind, E> {
        Ok(RawKind::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<RawKind, A::Error> {
        let mut items = Vec::new();
        while let Some(x) = a.next_element::<Spanned<RawKind>>()? {
            items.push(x);
        }
        Ok(RawKind::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<RawKind, A::Error> {
        let mut entries = Vec::new();
        while let Some(k) = a.next_key::<Spanned<RawKind>>()? {
            let v = a.next_value::<Spanned<RawKind>>()?;
            entries.push((k, v));
        }
        Ok(RawKind::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Node {
        parse_yaml(SourceId(0), text).unwrap()
    }

    #[test]
    fn keeps_spans_of_values() {
        let text = "flow: demo\nsteps:\n  - id: a\n    with: { text: \"{{ x }}\" }\n";
        let root = parse(text);
        let flow = root.get("flow").unwrap();
        assert_eq!(
            &text[flow.span.start as usize..flow.span.end as usize],
            "demo"
        );
        let with = root.get("steps").unwrap().as_seq().unwrap()[0]
            .get("with")
            .unwrap();
        let t = with.get("text").unwrap();
        assert_eq!(
            &text[t.span.start as usize..t.span.end as usize],
            "\"{{ x }}\""
        );
    }

    #[test]
    fn maps_ranges_inside_quoted_and_block_scalars() {
        let text = "a: \"x \\\" {{ b }}\"\nt: |\n  one\n  two {{ c }}\np: plain {{ d }}\n";
        let root = parse(text);
        let slice = |s: Span| &text[s.start as usize..s.end as usize];
        let a = root.get("a").unwrap();
        let v = a.as_str().unwrap();
        let r = v.find("{{").unwrap();
        assert_eq!(slice(a.span_of_range(text, r..r + 7)), "{{ b }}");
        let t = root.get("t").unwrap();
        let v = t.as_str().unwrap();
        let r = v.find("{{").unwrap();
        assert_eq!(slice(t.span_of_range(text, r..r + 7)), "{{ c }}");
        let p = root.get("p").unwrap();
        assert_eq!(slice(p.span_of_range(text, 6..13)), "{{ d }}");
    }

    #[test]
    fn yes_and_no_stay_text() {
        let root = parse("a: yes\nb: no\nc: true\nd: 12\ne: 1.5\nf: ~\n");
        assert_eq!(root.get("a").unwrap().kind, NodeKind::Str("yes".into()));
        assert_eq!(root.get("b").unwrap().kind, NodeKind::Str("no".into()));
        assert_eq!(root.get("c").unwrap().kind, NodeKind::Bool(true));
        assert_eq!(root.get("d").unwrap().kind, NodeKind::Int(12));
        assert_eq!(root.get("e").unwrap().kind, NodeKind::Float(1.5));
        assert_eq!(root.get("f").unwrap().kind, NodeKind::Null);
    }

    #[test]
    fn syntax_errors_point_at_the_line() {
        let err = parse_yaml(SourceId(0), "flow: x\nsteps:\n  - id: a\n   card: b\n").unwrap_err();
        assert_eq!(err.code, Code::YamlSyntax);
        let span = err.span.unwrap();
        assert_eq!(span.start as usize, "flow: x\nsteps:\n  - id: a\n   ".len());
        assert!(!err.message.starts_with("line"), "{}", err.message);
        let dup = parse_yaml(SourceId(0), "a: 1\na: 2\n").unwrap_err();
        assert_eq!(dup.code, Code::DuplicateKey);
    }

    #[test]
    fn empty_document_is_null() {
        assert_eq!(parse("").kind, NodeKind::Null);
        assert_eq!(parse("# only a comment\n").kind, NodeKind::Null);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(5000) + &"]".repeat(5000);
        assert!(parse_yaml(SourceId(0), &deep).is_err());
        let ok = "[".repeat(100) + &"]".repeat(100);
        assert!(parse_yaml(SourceId(0), &ok).is_ok());
    }
}
