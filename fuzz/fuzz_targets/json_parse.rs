//! The `json_parse` fuzz target: see [`flow_fuzz::json_parse`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| flow_fuzz::json_parse(data));
