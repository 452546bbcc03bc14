//! CSV cards: read CSV text (RFC 4180) into rows, and write rows as CSV text.

cards!(create, parse);

use flow_card::{CardError, Expr, StepCx};

/// The one-character separator of a `separator` input (default `,`).
pub(crate) fn separator<K>(cx: &StepCx<'_>, e: &Option<Expr<K>>) -> Result<char, CardError> {
    let Some(s) = cx.opt_text(e)? else {
        return Ok(',');
    };
    let s = if s == "\\t" { "\t".to_string() } else { s };
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c != '"' && c != '\r' && c != '\n' => Ok(c),
        _ => Err(CardError::input(format!(
            "`separator` must be one character other than a quote or a line break, found `{s}`"
        ))),
    }
}
