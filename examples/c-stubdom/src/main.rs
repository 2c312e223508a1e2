//! c-stubdom: a stub domain written in C (src/main.c) on minios's C API; this is its Rust
//! entry, which runs C's `main` with the command line's words.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

minios::main!(main);

fn main() {
    minios_c::run(env!("CARGO_PKG_NAME"))
}
