//! Text cards (Okta's Text functions): compose, split, segment, replace, patterns, Base64 and
//! URL encoding, length, find, pad, trim, case. Positions count characters (Unicode scalar
//! values) from 0; patterns are Rust `regex` syntax, compiled with a size limit.

cards!(
    base64_decode,
    base64_encode,
    compose,
    find,
    find_email,
    find_last,
    find_pattern,
    length,
    lower,
    matches,
    pad,
    random,
    replace,
    replace_pattern,
    search,
    segment,
    split,
    trim,
    upper,
    url_decode,
    url_encode,
);

use flow_card::expr::ExprId;
use flow_card::{CardError, Checker, Expr, StepCx};
use flow_model::Code;
use regex::Regex;
use serde_json::Value;

/// The most memory a compiled pattern may use: a pattern comes from the flow's author or from
/// event data, and must not exhaust the engine.
const PATTERN_LIMIT: usize = 1 << 20;

fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    regex::RegexBuilder::new(pattern)
        .size_limit(PATTERN_LIMIT)
        .dfa_size_limit(PATTERN_LIMIT)
        .build()
}

/// Checks a pattern input; a constant that is not a valid pattern is reported when the flow
/// loads.
pub(crate) fn check_pattern(cx: &mut dyn Checker, id: ExprId) {
    cx.expr_type(id);
    if let Some(Value::String(p)) = cx.constant(id)
        && let Err(e) = compile(&p)
    {
        cx.report(
            Some(id),
            Code::InvalidValue,
            format!(
                "`{p}` is not a valid pattern: {}",
                first_line(&e.to_string())
            ),
            Some("patterns use Rust regex syntax (like Perl's, without look-around)".into()),
        );
    }
}

/// Evaluates and compiles a pattern input.
pub(crate) fn pattern<K>(cx: &StepCx<'_>, e: &Expr<K>) -> Result<Regex, CardError> {
    let p = cx.text(e)?;
    compile(&p).map_err(|err| {
        CardError::input(format!(
            "`{p}` is not a valid pattern: {}",
            first_line(&err.to_string())
        ))
    })
}

fn first_line(s: &str) -> &str {
    s.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(s)
        .trim()
}
