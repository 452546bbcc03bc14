//! The `project` fuzz target: see [`flow_fuzz::project`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| flow_fuzz::project(data));
