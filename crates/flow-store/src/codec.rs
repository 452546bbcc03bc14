//! JSON in and out of the database: everything the store writes, it can read back.
//!
//! serde_json refuses to parse JSON nested deeper than 128 levels by default, while it
//! serialises any depth. A value the front door accepted 127 levels deep sits a few levels
//! deeper once inside a record (record → steps → step → output → …), so the default would
//! store records that no read (`get`, `progress`, `history show`, `replay`) can decode.
//! Instead, [`encode`] refuses a text deeper than [`MAX_DEPTH`] before it is stored, and
//! [`decode`] parses without serde_json's limit: every text the store wrote is at most
//! [`MAX_DEPTH`] deep, which the reading thread's stack holds. A deeper text (a file written
//! by something else) is refused before it is parsed, so it cannot overflow the stack.

use crate::error::StoreError;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The deepest nesting of arrays and objects a stored text may have.
pub(crate) const MAX_DEPTH: usize = 512;

/// `value` as JSON text, refused when nested deeper than [`MAX_DEPTH`].
pub(crate) fn encode<T: Serialize + ?Sized>(value: &T) -> Result<String, StoreError> {
    let text = serde_json::to_string(value).map_err(StoreError::json)?;
    check(&text)?;
    Ok(text)
}

/// Refuses a text nested deeper than [`MAX_DEPTH`].
fn check(text: &str) -> Result<(), StoreError> {
    let depth = depth(text);
    if depth > MAX_DEPTH {
        return Err(StoreError::TooDeep {
            depth,
            max: MAX_DEPTH,
        });
    }
    Ok(())
}

/// Decodes a stored text up to [`MAX_DEPTH`] deep (see the module documentation).
pub(crate) fn decode<T: DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    check(text)?;
    let mut de = serde_json::Deserializer::from_str(text);
    de.disable_recursion_limit();
    let value = T::deserialize(&mut de).map_err(StoreError::json)?;
    de.end().map_err(StoreError::json)?;
    Ok(value)
}

/// The deepest nesting of arrays and objects in a JSON text (brackets inside strings do not
/// count).
fn depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for b in text.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn nested(levels: usize) -> Value {
        (0..levels).fold(json!(1), |inner, _| json!([inner]))
    }

    #[test]
    fn depth_counts_brackets_outside_strings_only() {
        assert_eq!(depth("1"), 0);
        assert_eq!(depth(r#"{"a":[1,{"b":[]}],"c":{}}"#), 4);
        assert_eq!(depth(r#"["[[[{{\"]]]", "\\"]"#), 1);
        assert_eq!(depth(&nested(300).to_string()), 300);
    }

    #[test]
    fn the_deepest_text_allowed_is_read_back_and_one_level_more_is_refused() {
        let deepest = json!({ "record": nested(MAX_DEPTH - 1) });
        let text = encode(&deepest).unwrap();
        assert_eq!(decode::<Value>(&text).unwrap(), deepest);
        let err = encode(&json!([deepest])).unwrap_err();
        assert_eq!(
            err,
            StoreError::TooDeep {
                depth: MAX_DEPTH + 1,
                max: MAX_DEPTH
            }
        );
    }

    #[test]
    fn a_deeper_text_is_refused_before_it_is_parsed() {
        // 100,000 levels would overflow the stack if parsed without a limit.
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(
            decode::<Value>(&text).unwrap_err(),
            StoreError::TooDeep {
                depth: 100_000,
                max: MAX_DEPTH
            }
        );
    }

    #[test]
    fn decode_refuses_trailing_text() {
        assert!(matches!(
            decode::<Value>("[1] [2]"),
            Err(StoreError::Record(_))
        ));
    }
}
