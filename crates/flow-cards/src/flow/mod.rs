//! Flow control cards: call a helper, return outputs, fail, stop early.

pub mod call;
pub mod continue_if;
pub mod fail;
pub mod ret;
