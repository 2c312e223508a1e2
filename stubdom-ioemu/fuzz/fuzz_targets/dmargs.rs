#![no_main]
#![forbid(unsafe_code)]
use libfuzzer_sys::fuzz_target;

#[path = "../harness.rs"]
mod harness;

fuzz_target!(|d: &[u8]| harness::run("dmargs", d));
