//! PV-GRUB's core: everything pv-grub reads, parsed by pure code.
//!
//! Every byte handled here comes from an untrusted guest disk, ramdisk or network, so each
//! parser checks its input once and then offers accessors that cannot panic. The crate is
//! `no_std` + `alloc`; it is tested and fuzzed on the host and linked into the guest binary.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod boot;
pub mod decompress;
pub mod disk;
pub mod fs;
pub mod image;
pub mod io;
pub mod layout;
pub mod menu;
pub mod screen;
pub mod text;
