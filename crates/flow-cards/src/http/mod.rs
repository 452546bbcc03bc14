//! HTTP cards: answer an endpoint's caller, call any HTTP API; and the pooled transport.

pub mod close;
pub mod connection;
pub mod request;
pub mod target;
pub mod transport;
