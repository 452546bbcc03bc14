//! The `request` fuzz target: see [`flow_fuzz::request`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| flow_fuzz::request(data));
