//! The `template` fuzz target: see [`flow_fuzz::template`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| flow_fuzz::template(data));
