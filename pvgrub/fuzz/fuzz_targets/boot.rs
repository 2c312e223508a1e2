#![no_main]
#![forbid(unsafe_code)]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|d: &[u8]| harness::run("boot", d));
