//! Object cards (Okta's Object functions): read by dot path, build, merge, set, remove, keys,
//! values, entries, clear empty values.

cards!(
    construct,
    get,
    merge,
    set,
    remove,
    keys,
    values,
    map_to_list,
    clear_empty,
    get_multiple,
);

use flow_card::{CardError, Expr, StepCx};
use serde_json::{Map, Value};

/// Evaluates an object input; anything else is an `input` error naming the field.
pub(crate) fn object<K>(
    cx: &StepCx<'_>,
    e: &Expr<K>,
    field: &str,
) -> Result<Map<String, Value>, CardError> {
    match cx.value(e)?.into_owned() {
        Value::Object(m) => Ok(m),
        other => Err(CardError::input(format!(
            "`{field}` must be an object, found {}",
            flow_model::types::value_kind(&other)
        ))),
    }
}

/// Sets `value` at a dot path, creating objects on the way; a part of the path that holds a
/// value other than an object is an error.
pub(crate) fn set_path(
    target: &mut Map<String, Value>,
    path: &str,
    value: Value,
) -> Result<(), CardError> {
    let mut parts = path.split('.').peekable();
    let mut cur = target;
    while let Some(part) = parts.next() {
        if part.is_empty() {
            return Err(CardError::input(format!("`{path}` is not a dot path")));
        }
        if parts.peek().is_none() {
            cur.insert(part.to_string(), value);
            return Ok(());
        }
        let next = cur
            .entry(part.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        cur = match next {
            Value::Object(m) => m,
            other => {
                return Err(CardError::input(format!(
                    "cannot set `{path}`: `{part}` holds {}, not an object",
                    flow_model::types::value_kind(other)
                )));
            }
        };
    }
    Ok(())
}

/// Removes the value at a dot path, if there is one.
pub(crate) fn remove_path(target: &mut Map<String, Value>, path: &str) {
    match path.split_once('.') {
        None => {
            target.shift_remove(path);
        }
        Some((head, rest)) => {
            if let Some(Value::Object(inner)) = target.get_mut(head) {
                remove_path(inner, rest);
            }
        }
    }
}
