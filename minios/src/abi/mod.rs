//! Xen ABI types (public headers, Xen 4.17), as zerocopy `#[repr(C)]` structs.
