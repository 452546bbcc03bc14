//! Flow control cards: call a helper (and wait, or not), repeat one, wait, return outputs, fail,
//! stop early.

cards!(call, call_async, continue_if, fail, repeat, ret, wait);
