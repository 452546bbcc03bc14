//! List cards (Okta's List functions): join, count, pluck, filter, find, de-duplicate, sort,
//! index, and the iterators that run a helper flow per item.

pub mod iterate;
pub mod ops;

use flow_card::Checker;
use flow_card::expr::ExprId;
use flow_model::{Code, Type};

/// Checks a `list` input and returns its item type (reporting a non-list once).
pub(crate) fn item_type(cx: &mut dyn Checker, list: ExprId) -> Type {
    let t = cx.expr_type(list);
    match t.item() {
        Some(item) => item,
        None => {
            cx.report(
                Some(list),
                Code::TypeMismatch,
                format!("`list` must be a list, found {t}"),
                None,
            );
            Type::Any
        }
    }
}

cards!(
    append,
    at,
    construct,
    difference,
    filter,
    filter_custom,
    find,
    flatten,
    for_each,
    includes,
    intersection,
    length,
    map,
    merge,
    pluck,
    reduce,
    remove,
    reverse,
    sample,
    shift,
    slice,
    sort,
    to_text,
    union,
    unique,
    zip,
);
