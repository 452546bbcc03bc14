//! The template parser: Handlebars syntax (mustaches, blocks, comments, whitespace control,
//! standalone lines) into [`Template`] parts, keeping the byte range of every expression.

use crate::ast::{Anchor, DataVar, Expr, Part, Path, Template};
use crate::helpers::{self, HELPERS, Helper};
use crate::{ErrorKind, Escape, TemplateError};
use flow_model::suggest;
use std::ops::Range;

/// The most nested blocks and subexpressions a template may have.
const MAX_NESTING: usize = 64;

impl Template {
    /// Parses `source`; `{{ }}` values are escaped with `escape` when rendered into text.
    pub fn parse(source: &str, escape: Escape) -> Result<Template, TemplateError> {
        let tokens = scan(source)?;
        let tokens = apply_whitespace_rules(tokens, source);
        let (parts, deferred) = build(tokens, source)?;
        Ok(Template {
            source: source.to_string(),
            parts,
            escape,
            slots: Vec::new(),
            deferred,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum TagKind {
    Out,
    Raw,
    Comment,
    Open,
    Close,
    Else,
}

#[derive(Debug)]
enum Tok {
    Text(String),
    Tag {
        kind: TagKind,
        /// The content between the delimiters and the sigil, as a range of the source.
        body: Range<usize>,
        /// The whole tag.
        range: Range<usize>,
        trim_before: bool,
        trim_after: bool,
    },
}

fn syntax(range: Range<usize>, msg: impl Into<String>) -> TemplateError {
    TemplateError::new(ErrorKind::Syntax, range, msg)
}

fn scan(src: &str) -> Result<Vec<Tok>, TemplateError> {
    let mut toks = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    let bytes = src.as_bytes();
    while i < src.len() {
        let Some(rel) = src[i..].find("{{") else {
            text.push_str(&src[i..]);
            break;
        };
        let start = i + rel;
        // `\{{` is a literal `{{`.
        if start > 0 && bytes[start - 1] == b'\\' {
            text.push_str(&src[i..start - 1]);
            text.push_str("{{");
            i = start + 2;
            continue;
        }
        text.push_str(&src[i..start]);
        if !text.is_empty() {
            toks.push(Tok::Text(std::mem::take(&mut text)));
        }
        let (tok, end) = scan_tag(src, start)?;
        toks.push(tok);
        i = end;
    }
    if !text.is_empty() {
        toks.push(Tok::Text(text));
    }
    Ok(toks)
}

/// Scans one tag starting at `start` (at `{{`); returns it and the offset after it.
fn scan_tag(src: &str, start: usize) -> Result<(Tok, usize), TemplateError> {
    let rest = &src[start..];
    if rest.starts_with("{{!--") || rest.starts_with("{{~!--") {
        let open = if rest.starts_with("{{~") { 6 } else { 5 };
        let Some(end_rel) = find_comment_end(&rest[open..]) else {
            return Err(syntax(
                start..src.len(),
                "this comment is never closed with `--}}`",
            ));
        };
        let (close_at, close_len, trim_after) = end_rel;
        let end = start + open + close_at + close_len;
        return Ok((
            Tok::Tag {
                kind: TagKind::Comment,
                body: start + open..start + open + close_at,
                range: start..end,
                trim_before: open == 6,
                trim_after,
            },
            end,
        ));
    }
    let triple = rest.starts_with("{{{") || rest.starts_with("{{~{");
    let open_len = match (rest.starts_with("{{~"), triple) {
        (true, true) => 4,
        (true, false) => 3,
        (false, true) => 3,
        (false, false) => 2,
    };
    let trim_before = rest.starts_with("{{~");
    let close = if triple { "}}}" } else { "}}" };
    let Some(close_rel) = rest[open_len..].find(close) else {
        return Err(syntax(
            start..src.len(),
            format!("this `{{{{` is never closed with `{close}`"),
        ));
    };
    let mut body_end = start + open_len + close_rel;
    let end = body_end + close.len();
    let mut trim_after = false;
    if src[..body_end].ends_with('~') && body_end > start + open_len {
        trim_after = true;
        body_end -= 1;
    }
    let body_start = start + open_len;
    if triple {
        return Ok((
            Tok::Tag {
                kind: TagKind::Raw,
                body: body_start..body_end,
                range: start..end,
                trim_before,
                trim_after,
            },
            end,
        ));
    }
    let body = &src[body_start..body_end];
    let lead = body.len() - body.trim_start().len();
    let content_start = body_start + lead;
    let first = body.trim_start().chars().next();
    let (kind, skip) = match first {
        Some('!') => (TagKind::Comment, 1),
        Some('#') => (TagKind::Open, 1),
        Some('/') => (TagKind::Close, 1),
        Some('&') => (TagKind::Raw, 1),
        Some('^') => {
            if body.trim_start()[1..].trim().is_empty() {
                (TagKind::Else, 1)
            } else {
                return Err(
                    syntax(start..end, "inverse sections `{{^name}}` are not supported")
                        .help(Some("use `{{#unless name}}` instead".into())),
                );
            }
        }
        Some('>') => {
            return Err(syntax(
                start..end,
                "partials `{{> name}}` are not supported in flow templates",
            ));
        }
        _ => {
            let t = body.trim();
            if t == "else" || t.starts_with("else ") {
                (TagKind::Else, 4)
            } else {
                (TagKind::Out, 0)
            }
        }
    };
    Ok((
        Tok::Tag {
            kind,
            body: content_start + skip..body_end,
            range: start..end,
            trim_before,
            trim_after,
        },
        end,
    ))
}

/// Finds `--}}` or `--~}}` in a long comment body; returns (offset, closing length, trim).
fn find_comment_end(s: &str) -> Option<(usize, usize, bool)> {
    let mut from = 0;
    while let Some(rel) = s[from..].find("--") {
        let at = from + rel;
        if s[at..].starts_with("--}}") {
            return Some((at, 4, false));
        }
        if s[at..].starts_with("--~}}") {
            return Some((at, 5, true));
        }
        from = at + 1;
    }
    None
}

/// Applies `~` whitespace control and removes standalone block and comment lines, as
/// Handlebars does, so block templates written one tag per line render without blank lines.
fn apply_whitespace_rules(mut toks: Vec<Tok>, _src: &str) -> Vec<Tok> {
    // Standalone lines: decide on the original text first, then strip, so two standalone tags on
    // consecutive lines both count.
    let standalone: Vec<bool> = (0..toks.len())
        .map(|i| {
            let Tok::Tag { kind, .. } = &toks[i] else {
                return false;
            };
            if !matches!(
                kind,
                TagKind::Open | TagKind::Close | TagKind::Else | TagKind::Comment
            ) {
                return false;
            }
            let before_ok = match i.checked_sub(1).map(|j| &toks[j]) {
                None => true,
                Some(Tok::Text(t)) => {
                    let line = t.rsplit('\n').next().unwrap_or("");
                    line.chars().all(|c| c == ' ' || c == '\t') && (t.contains('\n') || i == 1)
                }
                Some(Tok::Tag { .. }) => false,
            };
            let after_ok = match toks.get(i + 1) {
                None => true,
                Some(Tok::Text(t)) => {
                    let line = t.split('\n').next().unwrap_or("");
                    line.chars().all(|c| c == ' ' || c == '\t' || c == '\r')
                        && (t.contains('\n') || i + 2 == toks.len())
                }
                Some(Tok::Tag { .. }) => false,
            };
            before_ok && after_ok
        })
        .collect();
    for (i, _) in standalone.iter().enumerate().filter(|(_, s)| **s) {
        if i > 0
            && let Tok::Text(t) = &mut toks[i - 1]
        {
            let keep = t.rfind('\n').map_or(0, |p| p + 1);
            t.truncate(keep);
        }
        if let Some(Tok::Text(t)) = toks.get_mut(i + 1) {
            match t.find('\n') {
                Some(p) => {
                    t.drain(..=p);
                }
                None => t.clear(),
            }
        }
    }
    // `~` trims.
    for i in 0..toks.len() {
        let (trim_before, trim_after) = match &toks[i] {
            Tok::Tag {
                trim_before,
                trim_after,
                ..
            } => (*trim_before, *trim_after),
            Tok::Text(_) => continue,
        };
        if trim_before
            && i > 0
            && let Tok::Text(t) = &mut toks[i - 1]
        {
            let n = t.trim_end().len();
            t.truncate(n);
        }
        if trim_after && let Some(Tok::Text(t)) = toks.get_mut(i + 1) {
            let n = t.len() - t.trim_start().len();
            t.drain(..n);
        }
    }
    toks.retain(|t| !matches!(t, Tok::Text(s) if s.is_empty()));
    toks
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum BlockKind {
    If { negate: bool },
    Each,
    With,
}

impl BlockKind {
    fn name(self) -> &'static str {
        match self {
            BlockKind::If { negate: false } => "if",
            BlockKind::If { negate: true } => "unless",
            BlockKind::Each => "each",
            BlockKind::With => "with",
        }
    }
}

struct Open {
    kind: BlockKind,
    expr: Expr,
    then: Vec<Part>,
    otherwise: Option<Vec<Part>>,
    range: Range<usize>,
    /// Opened by `{{else if}}`; closed together with its parent.
    chained: bool,
}

struct Builder<'s> {
    src: &'s str,
    stack: Vec<Open>,
    top: Vec<Part>,
}

impl Builder<'_> {
    /// The number of enclosing blocks that set a new `this`.
    fn depth(&self) -> u32 {
        self.stack
            .iter()
            .filter(|o| {
                matches!(o.kind, BlockKind::Each | BlockKind::With) && o.otherwise.is_none()
            })
            .count() as u32
    }

    fn push_part(&mut self, part: Part) {
        match self.stack.last_mut() {
            Some(open) => match &mut open.otherwise {
                Some(o) => o.push(part),
                None => open.then.push(part),
            },
            None => self.top.push(part),
        }
    }

    fn close_one(&mut self) -> Option<Open> {
        let open = self.stack.pop()?;
        let part = finish(
            open.kind,
            open.expr.clone(),
            open.then.clone(),
            open.otherwise.clone().unwrap_or_default(),
        );
        let chained = open.chained;
        self.push_part(part);
        if chained { None } else { Some(open) }
    }
}

fn finish(kind: BlockKind, expr: Expr, then: Vec<Part>, otherwise: Vec<Part>) -> Part {
    match kind {
        BlockKind::If { negate } => Part::If {
            cond: expr,
            negate,
            then,
            otherwise,
        },
        BlockKind::Each => Part::Each {
            list: expr,
            body: then,
            otherwise,
        },
        BlockKind::With => Part::With {
            value: expr,
            body: then,
            otherwise,
        },
    }
}

/// The parts of a template, and the problems found on the way that did not stop the parse.
fn build(toks: Vec<Tok>, src: &str) -> Result<(Vec<Part>, Vec<TemplateError>), TemplateError> {
    let mut deferred = Vec::new();
    let mut b = Builder {
        src,
        stack: Vec::new(),
        top: Vec::new(),
    };
    for tok in toks {
        match tok {
            Tok::Text(t) => b.push_part(Part::Text(t)),
            Tok::Tag {
                kind, body, range, ..
            } => match kind {
                TagKind::Comment => {}
                TagKind::Out | TagKind::Raw => {
                    let depth = b.depth();
                    let expr = parse_expr_list(b.src, body.clone(), depth, &range, &mut deferred)?;
                    b.push_part(Part::Out {
                        expr,
                        raw: kind == TagKind::Raw,
                    });
                }
                TagKind::Open => {
                    if b.stack.len() >= MAX_NESTING {
                        return Err(syntax(range, "blocks are nested too deeply"));
                    }
                    let text = &b.src[body.clone()];
                    let name_len = text.find(char::is_whitespace).unwrap_or(text.len());
                    let name = &text[..name_len];
                    let kind = match name {
                        "if" => BlockKind::If { negate: false },
                        "unless" => BlockKind::If { negate: true },
                        "each" => BlockKind::Each,
                        "with" => BlockKind::With,
                        other => {
                            return Err(syntax(range, format!("unknown block `#{other}`")).help(
                                suggest::hint(other, ["if", "unless", "each", "with"]).or_else(
                                    || Some("blocks are #if, #unless, #each and #with".into()),
                                ),
                            ));
                        }
                    };
                    let arg = body.start + name_len..body.end;
                    if b.src[arg.clone()].trim().is_empty() {
                        return Err(syntax(range, format!("`#{name}` needs a value")));
                    }
                    if b.src[arg.clone()].contains(" as |") {
                        return Err(
                            syntax(range, "block parameters (`as |x|`) are not supported")
                                .help(Some("inside #each, use `this` and `@index`".into())),
                        );
                    }
                    let expr = parse_expr_list(b.src, arg, b.depth(), &range, &mut deferred)?;
                    b.stack.push(Open {
                        kind,
                        expr,
                        then: Vec::new(),
                        otherwise: None,
                        range,
                        chained: false,
                    });
                }
                TagKind::Else => {
                    let rest = b.src[body.clone()].trim().to_string();
                    let Some(open) = b.stack.last_mut() else {
                        return Err(syntax(range, "`{{else}}` outside of a block"));
                    };
                    if open.otherwise.is_some() {
                        return Err(syntax(
                            range,
                            format!("`#{}` has two `{{{{else}}}}`", open.kind.name()),
                        ));
                    }
                    open.otherwise = Some(Vec::new());
                    if !rest.is_empty() {
                        // `{{else if cond}}` / `{{else unless cond}}` chains a block into the else part.
                        let name_len = rest.find(char::is_whitespace).unwrap_or(rest.len());
                        let kind = match &rest[..name_len] {
                            "if" => BlockKind::If { negate: false },
                            "unless" => BlockKind::If { negate: true },
                            other => {
                                return Err(syntax(
                                    range,
                                    format!("`{{{{else {other}}}}}` is not supported"),
                                ));
                            }
                        };
                        let offset = body.start
                            + (b.src[body.clone()].len() - b.src[body.clone()].trim_start().len());
                        let arg = offset + name_len..body.end;
                        let expr = parse_expr_list(b.src, arg, b.depth(), &range, &mut deferred)?;
                        b.stack.push(Open {
                            kind,
                            expr,
                            then: Vec::new(),
                            otherwise: None,
                            range,
                            chained: true,
                        });
                    }
                }
                TagKind::Close => {
                    let name = b.src[body.clone()].trim().to_string();
                    loop {
                        let Some(top) = b.stack.last() else {
                            return Err(syntax(
                                range,
                                format!("`{{{{/{name}}}}}` closes a block that was never opened"),
                            ));
                        };
                        if !top.chained && top.kind.name() != name {
                            return Err(syntax(
                                range,
                                format!(
                                    "`{{{{/{name}}}}}` does not match `{{{{#{}}}}}`",
                                    top.kind.name()
                                ),
                            ));
                        }
                        if b.close_one().is_some() {
                            break;
                        }
                    }
                }
            },
        }
    }
    if let Some(open) = b.stack.iter().rev().find(|o| !o.chained) {
        let name = open.kind.name();
        return Err(syntax(
            open.range.clone(),
            format!("`{{{{#{name}}}}}` is never closed"),
        )
        .help(Some(format!("add `{{{{/{name}}}}}`"))));
    }
    Ok((b.top, deferred))
}

/// A token of an expression.
#[derive(Debug, Clone)]
enum ETok {
    Word(String, Range<usize>),
    Str(String, Range<usize>),
    Open(usize),
    Close(usize),
}

fn lex_expr(
    src: &str,
    range: Range<usize>,
    tag: &Range<usize>,
) -> Result<Vec<ETok>, TemplateError> {
    let mut out = Vec::new();
    let s = &src[range.clone()];
    let base = range.start;
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (off, c) = chars[i];
        let at = base + off;
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push(ETok::Open(at));
                i += 1;
            }
            ')' => {
                out.push(ETok::Close(at));
                i += 1;
            }
            '"' | '\'' => {
                let quote = c;
                let mut value = String::new();
                let mut j = i + 1;
                let mut closed = false;
                while j < chars.len() {
                    let (_, d) = chars[j];
                    if d == '\\' && j + 1 < chars.len() {
                        value.push(chars[j + 1].1);
                        j += 2;
                        continue;
                    }
                    if d == quote {
                        closed = true;
                        break;
                    }
                    value.push(d);
                    j += 1;
                }
                if !closed {
                    return Err(syntax(at..tag.end, "this text literal is never closed"));
                }
                let end = base + chars[j].0 + 1;
                out.push(ETok::Str(value, at..end));
                i = j + 1;
            }
            '=' => {
                return Err(syntax(
                    at..at + 1,
                    "named arguments (`key=value`) are not supported",
                ));
            }
            _ => {
                let mut j = i;
                let mut in_bracket = false;
                while j < chars.len() {
                    let d = chars[j].1;
                    if d == '[' {
                        in_bracket = true;
                    } else if d == ']' {
                        in_bracket = false;
                    } else if !in_bracket
                        && (d.is_whitespace()
                            || d == '('
                            || d == ')'
                            || d == '"'
                            || d == '\''
                            || d == '=')
                    {
                        break;
                    }
                    j += 1;
                }
                let end = if j < chars.len() {
                    base + chars[j].0
                } else {
                    range.end
                };
                if in_bracket {
                    return Err(syntax(at..end, "`[` is never closed with `]`"));
                }
                out.push(ETok::Word(src[at..end].to_string(), at..end));
                i = j;
            }
        }
    }
    Ok(out)
}

/// Parses the content of a mustache: a single value, or a helper call with arguments.
/// Calls that cannot be made (an unknown helper, a wrong number of arguments) are reported in
/// `deferred` and parsed as a call of [`UNUSABLE`].
fn parse_expr_list(
    src: &str,
    range: Range<usize>,
    depth: u32,
    tag: &Range<usize>,
    deferred: &mut Vec<TemplateError>,
) -> Result<Expr, TemplateError> {
    let toks = lex_expr(src, range, tag)?;
    if toks.is_empty() {
        return Err(syntax(tag.clone(), "empty `{{ }}`"));
    }
    let mut p = ExprParser {
        toks,
        pos: 0,
        depth,
        tag: tag.clone(),
        nesting: 0,
        deferred,
    };
    let e = p.call_or_value(true)?;
    if let Some(t) = p.toks.get(p.pos) {
        return Err(syntax(tok_range(t), "unexpected token"));
    }
    Ok(e)
}

/// Stands in for a call that cannot be made, so the parse goes on and the checker still
/// resolves the names in its arguments: every problem of a template is reported at once. A
/// template with such a call never runs (its error stops the compile); if it did, the call
/// would fail.
static UNUSABLE: Helper = Helper {
    name: "?",
    min_args: 0,
    max_args: usize::MAX,
    usage: "",
    doc: "a call that cannot be made",
    check: |_| Ok(flow_model::Type::Any),
    eval: |_, _| Err("this call cannot be made".into()),
};

fn tok_range(t: &ETok) -> Range<usize> {
    match t {
        ETok::Word(_, r) | ETok::Str(_, r) => r.clone(),
        ETok::Open(a) | ETok::Close(a) => *a..*a + 1,
    }
}

struct ExprParser<'d> {
    toks: Vec<ETok>,
    pos: usize,
    depth: u32,
    tag: Range<usize>,
    nesting: usize,
    /// Problems that do not stop the parse.
    deferred: &'d mut Vec<TemplateError>,
}

impl ExprParser<'_> {
    /// `name arg…` (a call) when arguments follow, else a single value. At the top of a
    /// mustache the call runs to the end; inside `( )` to the closing parenthesis.
    fn call_or_value(&mut self, top: bool) -> Result<Expr, TemplateError> {
        let first = self.toks.get(self.pos).cloned();
        let has_args = {
            let next = self.toks.get(self.pos + 1);
            match next {
                None => false,
                Some(ETok::Close(_)) => false,
                Some(_) => true,
            }
        };
        match first {
            Some(ETok::Word(name, r)) if has_args || (!top && helpers::find(&name).is_some()) => {
                self.pos += 1;
                let found = helpers::find(&name);
                if found.is_none() {
                    self.deferred.push(
                        TemplateError::new(
                            ErrorKind::Helper,
                            r.clone(),
                            format!("unknown helper `{name}`"),
                        )
                        .help(
                            suggest::hint(&name, HELPERS.iter().map(|h| h.name)).or_else(|| {
                                Some(format!(
                                    "helpers: {}",
                                    HELPERS
                                        .iter()
                                        .map(|h| h.name)
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ))
                            }),
                        ),
                    );
                }
                let mut args = Vec::new();
                while let Some(t) = self.toks.get(self.pos) {
                    if matches!(t, ETok::Close(_)) {
                        break;
                    }
                    args.push(self.value()?);
                }
                let end = args.last().map_or(r.end, |a| a.range().end.max(r.end));
                let range = r.start..end;
                let mut helper = found.unwrap_or(&UNUSABLE);
                if found.is_some() && (args.len() < helper.min_args || args.len() > helper.max_args)
                {
                    self.deferred.push(
                        TemplateError::new(
                            ErrorKind::Helper,
                            range.clone(),
                            format!(
                                "`{}` takes {}, found {}",
                                helper.name,
                                helper.arity_text(),
                                args.len()
                            ),
                        )
                        .help(Some(format!("usage: {}", helper.usage))),
                    );
                    helper = &UNUSABLE;
                }
                Ok(Expr::Call {
                    helper,
                    args,
                    range,
                })
            }
            _ => self.value(),
        }
    }

    fn value(&mut self) -> Result<Expr, TemplateError> {
        let Some(tok) = self.toks.get(self.pos).cloned() else {
            return Err(syntax(self.tag.clone(), "expected a value"));
        };
        self.pos += 1;
        match tok {
            ETok::Str(s, r) => Ok(Expr::Lit(serde_json::Value::String(s), r)),
            ETok::Open(at) => {
                self.nesting += 1;
                if self.nesting > MAX_NESTING {
                    return Err(syntax(at..at + 1, "subexpressions are nested too deeply"));
                }
                let inner = self.call_or_value(false)?;
                match self.toks.get(self.pos) {
                    Some(ETok::Close(_)) => {
                        self.pos += 1;
                        self.nesting -= 1;
                        Ok(inner)
                    }
                    _ => Err(syntax(at..self.tag.end, "this `(` is never closed")),
                }
            }
            ETok::Close(at) => Err(syntax(at..at + 1, "unexpected `)`")),
            ETok::Word(w, r) => word(&w, r, self.depth),
        }
    }
}

/// A literal or a path.
fn word(w: &str, range: Range<usize>, depth: u32) -> Result<Expr, TemplateError> {
    match w {
        "true" => return Ok(Expr::Lit(true.into(), range)),
        "false" => return Ok(Expr::Lit(false.into(), range)),
        "null" | "undefined" => return Ok(Expr::Lit(serde_json::Value::Null, range)),
        _ => {}
    }
    let numeric = w.strip_prefix('-').unwrap_or(w);
    if numeric.starts_with(|c: char| c.is_ascii_digit()) {
        if let Ok(i) = w.parse::<i64>() {
            return Ok(Expr::Lit(i.into(), range));
        }
        if let Some(n) = w.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
            return Ok(Expr::Lit(serde_json::Value::Number(n), range));
        }
        return Err(syntax(range, format!("`{w}` is not a number or a name")));
    }
    parse_path(w, range, depth).map(Expr::Path)
}

fn split_segments(w: &str, range: &Range<usize>) -> Result<Vec<String>, TemplateError> {
    let mut segs = Vec::new();
    let mut cur = String::new();
    let mut chars = w.chars().peekable();
    let mut bracket = false;
    while let Some(c) = chars.next() {
        if bracket {
            if c == ']' && cur.is_empty() {
                return Err(syntax(range.clone(), "`[]` names nothing").help(Some(
                    "`[…]` quotes one name, e.g. `{{ event.[detail-type] }}`; a list is \
                     written in YAML, not in a template: `list: []`"
                        .into(),
                )));
            }
            if c == ']' {
                bracket = false;
                segs.push(std::mem::take(&mut cur));
                // A bracketed segment ends at `]`; a separator may follow.
                if matches!(chars.peek(), Some('.') | Some('/')) {
                    chars.next();
                }
            } else {
                cur.push(c);
            }
            continue;
        }
        match c {
            '[' if cur.is_empty() => bracket = true,
            '.' if cur.is_empty() && chars.peek() == Some(&'.') => {
                chars.next();
                segs.push("..".into());
                if matches!(chars.peek(), Some('/') | Some('.')) {
                    chars.next();
                }
            }
            '.' | '/' => {
                if cur.is_empty() {
                    if segs.is_empty() && c == '.' && matches!(chars.peek(), Some('/') | None) {
                        segs.push(".".into());
                        if chars.peek() == Some(&'/') {
                            chars.next();
                        }
                        continue;
                    }
                    return Err(syntax(range.clone(), format!("`{w}` has an empty part")));
                }
                segs.push(std::mem::take(&mut cur));
            }
            _ => cur.push(c),
        }
    }
    if bracket {
        return Err(syntax(range.clone(), "`[` is never closed with `]`"));
    }
    if !cur.is_empty() {
        segs.push(cur);
    } else if w.ends_with('.') && !w.ends_with("..") && w != "." {
        return Err(syntax(range.clone(), format!("`{w}` ends with `.`")));
    }
    Ok(segs)
}

fn parse_path(w: &str, range: Range<usize>, depth: u32) -> Result<Path, TemplateError> {
    let text = w.to_string();
    if let Some(data) = w.strip_prefix('@') {
        let (var, rest) = data.split_once('.').map_or((data, ""), |(a, b)| (a, b));
        let anchor = match var {
            "index" => Anchor::Data(DataVar::Index),
            "first" => Anchor::Data(DataVar::First),
            "last" => Anchor::Data(DataVar::Last),
            "key" => Anchor::Data(DataVar::Key),
            "root" => {
                let segs = split_segments(rest, &range)?;
                let mut it = segs.into_iter();
                let Some(first) = it.next() else {
                    return Err(syntax(
                        range,
                        "`@root` alone is not a value; name a step, e.g. `@root.event`",
                    ));
                };
                return Ok(Path {
                    anchor: Anchor::Name(first),
                    segs: it.collect(),
                    range,
                    text,
                });
            }
            other => {
                return Err(
                    syntax(range, format!("unknown data variable `@{other}`")).help(suggest::hint(
                        other,
                        ["index", "first", "last", "key", "root"],
                    )),
                );
            }
        };
        if depth == 0 {
            return Err(syntax(
                range,
                format!("`@{var}` is only set inside `{{{{#each}}}}`"),
            ));
        }
        if !rest.is_empty() {
            return Err(syntax(range, format!("`@{var}` has no fields")));
        }
        return Ok(Path {
            anchor,
            segs: Vec::new(),
            range,
            text,
        });
    }
    let segs = split_segments(w, &range)?;
    let mut up = 0u32;
    let mut i = 0;
    while segs.get(i).map(String::as_str) == Some("..") {
        up += 1;
        i += 1;
    }
    let explicit_this = matches!(segs.get(i).map(String::as_str), Some("this") | Some("."));
    if explicit_this {
        i += 1;
    }
    let rest: Vec<String> = segs[i..].to_vec();
    if rest.iter().any(|s| s == ".." || s == "this") {
        return Err(syntax(
            range,
            format!("`{w}`: `..` and `this` may only start a path"),
        ));
    }
    if up >= depth {
        // At the root, names are steps and the other root names.
        let mut it = rest.into_iter();
        let Some(first) = it.next() else {
            return Err(syntax(
                range,
                format!("`{w}` is the whole scope, not a value; name a step"),
            ));
        };
        if up > depth {
            return Err(syntax(
                range,
                format!("`{w}` goes up more levels than there are blocks"),
            ));
        }
        return Ok(Path {
            anchor: Anchor::Name(first),
            segs: it.collect(),
            range,
            text,
        });
    }
    Ok(Path {
        anchor: Anchor::This(up),
        segs: rest,
        range,
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Template {
        Template::parse(s, Escape::None).unwrap()
    }

    /// The first problem the parser finds, whether it stopped the parse or not.
    fn err(s: &str) -> TemplateError {
        match Template::parse(s, Escape::None) {
            Ok(t) => t.deferred[0].clone(),
            Err(e) => e,
        }
    }

    #[test]
    fn single_expression_is_detected() {
        assert!(parse("{{ event.users }}").is_single());
        assert!(parse("{{{ event.users }}}").is_single());
        assert!(!parse("x {{ a }}").is_single());
        assert!(parse("plain").is_constant());
    }

    #[test]
    fn paths_inside_blocks_are_relative() {
        let t = parse(
            "{{#each event.users}}{{this}} {{login}} {{../event.title}} {{@root.event.title}}{{/each}}",
        );
        let Part::Each { list, body, .. } = &t.parts[0] else {
            panic!()
        };
        assert!(matches!(list, Expr::Path(Path { anchor: Anchor::Name(n), .. }) if n == "event"));
        let anchors: Vec<_> = body
            .iter()
            .filter_map(|p| match p {
                Part::Out {
                    expr: Expr::Path(p),
                    ..
                } => Some(p.anchor.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(
            anchors,
            vec![
                Anchor::This(0),
                Anchor::This(0),
                Anchor::Name("event".into()),
                Anchor::Name("event".into())
            ]
        );
    }

    #[test]
    fn helpers_and_subexpressions() {
        let t = parse("{{ join (default event.users items) \", \" }}");
        let Part::Out {
            expr:
                Expr::Call {
                    helper,
                    args,
                    range,
                },
            ..
        } = &t.parts[0]
        else {
            panic!()
        };
        assert_eq!(helper.name, "join");
        assert_eq!(args.len(), 2);
        assert_eq!(range.clone(), 3..40);
    }

    #[test]
    fn errors_have_ranges() {
        let e = err("Hello {{ evnt.title");
        assert_eq!(e.kind, ErrorKind::Syntax);
        assert_eq!(e.range.start, 6);
        let e = err("{{ jion a \", \" }}");
        assert_eq!(e.kind, ErrorKind::Helper);
        assert_eq!(e.range, 3..7);
        assert_eq!(e.help.as_deref(), Some("did you mean `join`?"));
        assert_eq!(err("{{#if a}}x").kind, ErrorKind::Syntax);
        assert_eq!(err("{{#each a}}x{{/if}}").kind, ErrorKind::Syntax);
        assert_eq!(err("{{ eq a }}").kind, ErrorKind::Helper);
        assert_eq!(err("{{ @index }}").kind, ErrorKind::Syntax);
        assert_eq!(err("{{> partial }}").kind, ErrorKind::Syntax);
        assert_eq!(err("{{ a b=c }}").kind, ErrorKind::Syntax);
        // An empty `[]` is not an empty step name (issue 13 item 6): it is reported where it is.
        let e = err("a\n{{ x }} {{ [] }}");
        assert_eq!((e.kind, e.range), (ErrorKind::Syntax, 13..15));
        assert_eq!(e.message, "`[]` names nothing");
    }

    #[test]
    fn standalone_lines_and_tildes() {
        let t = parse("a\n{{#if x}}\nb\n{{/if}}\nc");
        let texts: Vec<String> = collect_text(&t.parts);
        assert_eq!(texts.concat(), "a\nb\nc");
        let t = parse("a   {{~ x ~}}   b");
        assert_eq!(collect_text(&t.parts).concat(), "ab");
        let t = parse("\\{{ not a tag }}");
        assert_eq!(collect_text(&t.parts).concat(), "{{ not a tag }}");
    }

    fn collect_text(parts: &[Part]) -> Vec<String> {
        let mut out = Vec::new();
        for p in parts {
            match p {
                Part::Text(t) => out.push(t.clone()),
                Part::If {
                    then, otherwise, ..
                } => {
                    out.extend(collect_text(then));
                    out.extend(collect_text(otherwise));
                }
                Part::Each {
                    body, otherwise, ..
                }
                | Part::With {
                    body, otherwise, ..
                } => {
                    out.extend(collect_text(body));
                    out.extend(collect_text(otherwise));
                }
                Part::Out { .. } => {}
            }
        }
        out
    }

    #[test]
    fn else_if_chains() {
        let t = parse("{{#if a}}1{{else if b}}2{{else}}3{{/if}}");
        let Part::If { otherwise, .. } = &t.parts[0] else {
            panic!()
        };
        assert!(matches!(&otherwise[0], Part::If { otherwise, .. } if otherwise.len() == 1));
    }
}
