//! True/False cards (Okta's True/False functions): and, or, not, exclusive or, and comparing
//! two values with the operators of `list.filter`. Values are read by truthiness: `false`,
//! `null`, `0`, `""`, `[]` and `{}` are false, everything else is true.

cards!(and, compare, not, or, xor);

use flow_card::{CardError, Expr, StepCx};

/// The truth of each item of a list input.
pub(crate) fn truths<K>(cx: &StepCx<'_>, e: &Expr<K>) -> Result<Vec<bool>, CardError> {
    let list = cx.list(e)?;
    Ok(list
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .map(flow_template::is_truthy)
        .collect())
}
