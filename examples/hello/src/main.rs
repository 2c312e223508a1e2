//! hello: the first minios stubdom.
#![no_std]
#![no_main]
