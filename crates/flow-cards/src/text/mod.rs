//! Text cards.

pub mod compose;
