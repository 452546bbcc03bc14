//! Flow control cards: call a helper (and wait, or not), repeat one, wait, return outputs, fail,
//! stop early.

cards!(
    assign_if,
    call,
    call_async,
    continue_if,
    fail,
    lookup,
    repeat,
    ret,
    wait
);
