//! JSON cards: parse text into declared fields, and turn values into JSON text.

pub mod parse;
pub mod stringify;
