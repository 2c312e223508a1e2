//! panic: a test image that panics, so the rig can check crash reporting.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

minios::main!(main);

fn main() {
    minios::println!("panic test image: about to panic");
    panic!("minios test panic");
}
