//! The device-model stub domain for HVM guests (see README.md for what it will hold).
//!
//! - [`qmp`]: the QMP server a Linux-style device model offers libxl over vchan.
//! - [`command`]: the traditional protocol's commands (`pci-ins`, `pci-rem`, `save`,
//!   `continue`) and `logdirty`, as states to write back.
//! - [`dmargs`]: the device model's arguments from libxl (`image/dmargs`, `image/dm-argv`).
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod command;
pub mod dmargs;
pub mod qmp;
