//! Object cards: read a value by dot path, build an object.

pub mod construct;
pub mod get;
