//! wasm-stubdom: a stub domain whose program is a WebAssembly module, run by wasmi with
//! minios's console, xenstore, timers and exit as host functions (`wasm_stubdom_core`;
//! `wasm_stubdom_core::guest` says where the module comes from and how it ends). The
//! built-in module is the sample modules/hello.wat.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

minios::main!(main);

/// The built-in sample module.
const HELLO: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/hello.wasm"));

fn main() {
    wasm_stubdom_core::guest::main(HELLO)
}
