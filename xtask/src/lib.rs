//! The project's build and run driver as a library: guest image builds ([`build`]) and the
//! Xen-in-QEMU rig ([`rig`]), used by the `cargo xtask` binary and by the rig tests.

pub mod build;
pub mod rig;
