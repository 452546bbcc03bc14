//! Flow control cards: call a helper, return outputs, fail, stop early.

cards!(call, continue_if, fail, ret);
