//! The vchan shared page (`io/libxenvchan.h`).
//!
//! The control page starts with a [`VchanInterface`]; the grant references of the two
//! rings (left first) follow it at offset `size_of::<VchanInterface>()` when a ring's
//! order is 12 or more.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Peer flag: notify me when data is written (`VCHAN_NOTIFY_WRITE`).
pub const VCHAN_NOTIFY_WRITE: u8 = 0x1;
/// Peer flag: notify me when data is read (`VCHAN_NOTIFY_READ`).
pub const VCHAN_NOTIFY_READ: u8 = 0x2;

/// Consumer and producer indexes of one vchan ring (`struct ring_shared`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct RingShared {
    /// Free-running consumer index.
    pub cons: u32,
    /// Free-running producer index.
    pub prod: u32,
}
const _: () = assert!(size_of::<RingShared>() == 8);

/// The vchan control structure (`struct vchan_interface`, without the flexible `grants`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct VchanInterface {
    /// Client-to-server ring (client writes, server reads).
    pub left: RingShared,
    /// Server-to-client ring (server writes, client reads).
    pub right: RingShared,
    /// log2 of the left ring's size: 10 and 11 mean in this page at offset 1024 or 2048,
    /// 12 and more mean `2^(order-12)` granted pages.
    pub left_order: u16,
    /// log2 of the right ring's size (same encoding).
    pub right_order: u16,
    /// Client state: 0 gone, 1 connected, 2 not yet connected.
    pub cli_live: u8,
    /// Server state: 0 gone, 1 connected.
    pub srv_live: u8,
    /// `VCHAN_NOTIFY_*` the server wants from the client.
    pub cli_notify: u8,
    /// `VCHAN_NOTIFY_*` the client wants from the server.
    pub srv_notify: u8,
}
const _: () = assert!(size_of::<VchanInterface>() == 24);
