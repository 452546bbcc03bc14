//! Number cards (Okta's Number functions): arithmetic, rounding, comparison, sums and
//! extremes of lists, and reading numbers from text. Text that holds a number is read as one,
//! as Okta converts it; anything else is an `input` error naming the field.

use flow_card::{CardError, Expr, StepCx};
use serde_json::Value;

cards!(
    absolute,
    add,
    average,
    ceiling,
    compare,
    divide,
    floor,
    formula,
    max,
    min,
    multiply,
    parse,
    power,
    random,
    remainder,
    round,
    square_root,
    subtract,
    sum,
);

/// A result as JSON: whole numbers as integers (`3`, not `3.0`); infinity and NaN are errors.
pub fn num(n: f64) -> Result<Value, CardError> {
    if !n.is_finite() {
        return Err(CardError::input("the result is not a finite number"));
    }
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        return Ok(Value::from(n as i64));
    }
    Ok(Value::from(n))
}

/// A number from a JSON value: a number, or text that holds one.
pub fn of_value(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

/// The numbers of a list input; an item that is not a number (or numeric text) is an error
/// naming its position.
pub fn numbers<K>(cx: &StepCx<'_>, e: &Expr<K>) -> Result<Vec<f64>, CardError> {
    let list = cx.list(e)?;
    list.as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .map(|(i, v)| {
            of_value(v).ok_or_else(|| {
                CardError::input(format!(
                    "item {i} of `list` must be a number, found {}",
                    flow_model::types::value_kind(v)
                ))
            })
        })
        .collect()
}

/// `number.min` and `number.max`: the number of `list` that `pick` keeps, pairwise; an empty
/// list is an `input` error saying it has no `what` number.
pub fn extreme<K>(
    cx: &StepCx<'_>,
    list: &Expr<K>,
    pick: fn(f64, f64) -> f64,
    what: &str,
) -> Result<Value, CardError> {
    numbers(cx, list)?
        .into_iter()
        .reduce(pick)
        .ok_or_else(|| CardError::input(format!("`list` is empty: it has no {what} number")))
        .and_then(num)
}
