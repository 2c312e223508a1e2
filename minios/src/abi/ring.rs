//! The generic shared ring of split drivers (`io/ring.h`).
//!
//! A shared ring page starts with a [`SringHeader`]; the ring entries (each the size of a
//! union of the request and response types) follow at [`SRING_ENTRIES_OFFSET`].

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// A free-running ring index (`RING_IDX`).
pub type RingIdx = u32;

/// Offset of the first entry in a shared ring page (`offsetof(struct X_sring, ring)`).
pub const SRING_ENTRIES_OFFSET: usize = size_of::<SringHeader>();

/// The header of a shared ring page (`struct X_sring` up to `ring`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct SringHeader {
    /// Requests produced by the frontend.
    pub req_prod: RingIdx,
    /// The frontend wants an event when `req_prod` passes this.
    pub req_event: RingIdx,
    /// Responses produced by the backend.
    pub rsp_prod: RingIdx,
    /// The backend wants an event when `rsp_prod` passes this.
    pub rsp_event: RingIdx,
    /// Driver-private bytes (C union `pvt`, e.g. netif `smartpoll_active`).
    pub pvt: [u8; 4],
    /// Padding up to the entries (`__pad`).
    pub __pad: [u8; 44],
}
const _: () = assert!(size_of::<SringHeader>() == 64);

/// Number of entries of a shared ring of `bytes` bytes with entries of `entry_size` bytes:
/// as many as fit, rounded down to a power of two (`__CONST_RING_SIZE`).
pub const fn ring_size(bytes: usize, entry_size: usize) -> usize {
    if bytes <= SRING_ENTRIES_OFFSET || entry_size == 0 {
        return 0;
    }
    let fit = (bytes - SRING_ENTRIES_OFFSET) / entry_size;
    if fit == 0 {
        0
    } else {
        1 << fit.ilog2()
    }
}

/// Size of the union of a request and a response type, the size of one ring entry.
pub const fn entry_size<Req, Rsp>() -> usize {
    let (req, rsp) = (size_of::<Req>(), size_of::<Rsp>());
    let align = if align_of::<Req>() > align_of::<Rsp>() {
        align_of::<Req>()
    } else {
        align_of::<Rsp>()
    };
    let max = if req > rsp { req } else { rsp };
    max.div_ceil(align) * align
}
