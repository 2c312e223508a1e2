//! The PV console ring shared with xenconsoled (`io/console.h`).

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// A free-running console ring index (`XENCONS_RING_IDX`).
pub type XenconsRingIdx = u32;

/// Size of the input ring (backend to guest).
pub const XENCONS_IN_SIZE: usize = 1024;

/// Size of the output ring (guest to backend).
pub const XENCONS_OUT_SIZE: usize = 2048;

/// The console page (`struct xencons_interface`).
///
/// Indexes run freely; a byte at index `i` is at `i % size` (`MASK_XENCONS_IDX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct XenconsInterface {
    /// Input ring: bytes typed on the console, produced by the backend.
    pub r#in: [u8; XENCONS_IN_SIZE],
    /// Output ring: bytes the guest writes.
    pub out: [u8; XENCONS_OUT_SIZE],
    /// Next input byte the guest will read.
    pub in_cons: XenconsRingIdx,
    /// Next input byte the backend will write.
    pub in_prod: XenconsRingIdx,
    /// Next output byte the backend will read.
    pub out_cons: XenconsRingIdx,
    /// Next output byte the guest will write.
    pub out_prod: XenconsRingIdx,
}
const _: () = assert!(size_of::<XenconsInterface>() == 3088);

/// Position in the input ring of free-running index `idx`.
pub const fn mask_in_idx(idx: XenconsRingIdx) -> usize {
    idx as usize & (XENCONS_IN_SIZE - 1)
}

/// Position in the output ring of free-running index `idx`.
pub const fn mask_out_idx(idx: XenconsRingIdx) -> usize {
    idx as usize & (XENCONS_OUT_SIZE - 1)
}
