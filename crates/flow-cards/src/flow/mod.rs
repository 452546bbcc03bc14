//! Flow control cards: call a helper, return outputs, fail, stop early.

cards!(assign_if, call, continue_if, fail, lookup, ret);
