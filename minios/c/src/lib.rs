//! minios-c: the C API over minios, for stub domains written in C.
//!
//! `include/minios.h` declares it; `include/` also holds the headers of a small libc
//! (string.h, stdio.h, stdlib.h, ctype.h, unistd.h): tinyrlibc's string functions, strtol
//! family, qsort and vsnprintf (wrapped so that a cut-short buffer ends in a NUL, as C99
//! says), with printf over the console (`libc/stdio.c`) and the
//! allocator, exit and sleep in Rust. A C stubdom's build script compiles its sources with
//! [`minios_cc`](../minios_cc/index.html), and its Rust entry is two lines:
//!
//! ```ignore
//! minios::main!(main);
//! fn main() { minios_c::run(env!("CARGO_PKG_NAME")) }
//! ```
//!
//! The FFI layer, `ffi`, is this crate's only `unsafe` code, held to the rules of
//! `minios::sys`: every function that takes a pointer from C is an `unsafe extern "C" fn`
//! with a `# Safety` section (what C must guarantee), every `unsafe` block has its
//! `// SAFETY:` comment, and raw pointers become references only in its few helpers. What
//! it needs that is not about pointers (handle tables, errno numbers, argv, C strings) is
//! safe code here, host-tested.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

extern crate alloc;

pub mod args;
pub mod errno;
pub mod slots;

#[cfg(target_os = "none")]
extern crate tinyrlibc;

#[cfg(target_os = "none")]
mod ffi;

#[cfg(target_os = "none")]
pub use ffi::run;

#[cfg(test)]
mod tests;
