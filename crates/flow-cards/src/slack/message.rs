//! The message body both Slack cards send: text cut to Slack's limit with a visible marker, and
//! optional blocks.

use flow_card::kinds::{List, SlackText};
use flow_card::{BuildCx, CardError, Expr, StepCx};
use flow_model::Code;
use serde_json::{Map, Value};

/// Slack truncates `text` above 40,000 characters; we cut first, visibly.
pub const MAX_TEXT: usize = 40_000;

/// Cuts `text` to [`MAX_TEXT`] characters, ending with a marker saying how much was cut.
pub fn cut(text: String) -> String {
    let count = text.chars().count();
    if count <= MAX_TEXT {
        return text;
    }
    let marker_room = 64;
    let keep = MAX_TEXT - marker_room;
    let mut out: String = text.chars().take(keep).collect();
    out.push_str(&format!("\n… [cut: {} more characters]", count - keep));
    out
}

/// Reports (`E0005`) a message card of `kind` written with neither `text` nor `blocks`.
pub fn require_content(
    cx: &mut BuildCx<'_>,
    kind: &str,
    text: &Option<Expr<SlackText>>,
    blocks: &Option<Expr<List>>,
) {
    if text.is_none() && blocks.is_none() {
        cx.report(
            Code::MissingKey,
            None,
            format!("{kind} needs `text` or `blocks`"),
        );
    }
}

/// The `text` and `blocks` fields of a message.
pub fn fields(
    cx: &StepCx<'_>,
    text: &Option<Expr<SlackText>>,
    blocks: &Option<Expr<List>>,
) -> Result<Map<String, Value>, CardError> {
    let mut body = Map::new();
    if let Some(t) = cx.opt_text(text)? {
        body.insert("text".into(), Value::String(cut(t)));
    }
    if let Some(b) = blocks {
        let v = cx.value(b)?;
        if !v.is_null() {
            body.insert("blocks".into(), v.into_owned());
        }
    }
    if body.is_empty() {
        return Err(CardError::input(
            "the message has no `text` and no `blocks`",
        ));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_visibly() {
        let long = "é".repeat(MAX_TEXT + 500);
        let cut = cut(long);
        assert!(cut.chars().count() <= MAX_TEXT);
        assert!(cut.ends_with("more characters]"));
        assert_eq!(super::cut("short".into()), "short");
    }
}
