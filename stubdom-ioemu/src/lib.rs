//! The device-model stub domain for HVM guests (see README.md for what it will hold).
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
