//! hello: the first minios stubdom. Prints a greeting, its domid, its command line, uses the
//! heap, and powers off.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::vec::Vec;
use minios::println;

minios::main!(main);

fn main() {
    println!("Hello from minios, a Rust stub domain on Xen!");
    match minios::xenstore::read("domid") {
        Ok(domid) => println!("domid: {domid}"),
        Err(e) => println!("domid: unknown ({e:?})"),
    }
    println!("command line: {:?}", minios::cmdline());
    let v: Vec<u64> = (0..100_000).collect();
    let sum: u64 = v.iter().sum();
    let bytes = v.capacity() * core::mem::size_of::<u64>();
    drop(v);
    println!("heap: allocated {bytes} bytes (sum {sum}), freed them");
    log::info!("hello: powering off");
}
