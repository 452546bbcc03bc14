//! HTTP cards: answer an endpoint's caller, call any HTTP API; and the pooled transport.

pub mod connection;
pub mod target;
pub mod transport;

cards!(close, request);
