//! The project's build and run driver as a library: guest image builds ([`build`]), the static
//! checks ([`check`]), the Xen-in-QEMU rig ([`rig`]) and benchmarks on it ([`bench`]), used by
//! the `cargo xtask` binary and by the rig tests.
#![forbid(unsafe_code)]

pub mod bench;
pub mod build;
pub mod check;
pub mod new;
pub mod pvgrub_bench;
pub mod rig;
pub mod tcp_bench;
pub mod tftp_bench;
pub mod vchan_bench;
