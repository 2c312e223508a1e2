//! Host tests: the key decoder, the line discipline, and the console rings' flow control
//! against a fake backend (full rings, wrap-around, hostile indices).

mod backend;
mod keys;
mod line;
mod stream;
