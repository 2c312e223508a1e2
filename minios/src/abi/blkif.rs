//! The PV block device protocol (`io/blkif.h`), classic segment requests.

use super::grant_table::GrantRef;
use super::ring::{entry_size, ring_size};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// A virtual device handle (`blkif_vdev_t`).
pub type BlkifVdev = u16;

/// A 512-byte sector number (`blkif_sector_t`).
pub type BlkifSector = u64;

/// Read sectors (`BLKIF_OP_READ`).
pub const BLKIF_OP_READ: u8 = 0;
/// Write sectors (`BLKIF_OP_WRITE`).
pub const BLKIF_OP_WRITE: u8 = 1;
/// Write with a barrier (`BLKIF_OP_WRITE_BARRIER`).
pub const BLKIF_OP_WRITE_BARRIER: u8 = 2;
/// Flush the disk cache (`BLKIF_OP_FLUSH_DISKCACHE`).
pub const BLKIF_OP_FLUSH_DISKCACHE: u8 = 3;
/// Reserved (`BLKIF_OP_RESERVED_1`).
pub const BLKIF_OP_RESERVED_1: u8 = 4;
/// Discard sectors ([`BlkifRequestDiscard`], `BLKIF_OP_DISCARD`).
pub const BLKIF_OP_DISCARD: u8 = 5;
/// Indirect request ([`BlkifRequestIndirect`], `BLKIF_OP_INDIRECT`).
pub const BLKIF_OP_INDIRECT: u8 = 6;

/// Segments in a direct request (`BLKIF_MAX_SEGMENTS_PER_REQUEST`).
pub const BLKIF_MAX_SEGMENTS_PER_REQUEST: usize = 11;
/// Indirect pages in an indirect request (`BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST`).
pub const BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST: usize = 8;

/// Discard flag: the data must be erased securely (`BLKIF_DISCARD_SECURE`).
pub const BLKIF_DISCARD_SECURE: u8 = 1 << 0;

/// Response status: operation not supported (`BLKIF_RSP_EOPNOTSUPP`).
pub const BLKIF_RSP_EOPNOTSUPP: i16 = -2;
/// Response status: error (`BLKIF_RSP_ERROR`).
pub const BLKIF_RSP_ERROR: i16 = -1;
/// Response status: success (`BLKIF_RSP_OKAY`).
pub const BLKIF_RSP_OKAY: i16 = 0;

/// `info` bit in xenstore: a CD-ROM (`VDISK_CDROM`).
pub const VDISK_CDROM: u32 = 0x1;
/// `info` bit in xenstore: removable media (`VDISK_REMOVABLE`).
pub const VDISK_REMOVABLE: u32 = 0x2;
/// `info` bit in xenstore: read-only (`VDISK_READONLY`).
pub const VDISK_READONLY: u32 = 0x4;

/// One granted page of a request (`struct blkif_request_segment`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct BlkifRequestSegment {
    /// Grant of the page.
    pub gref: GrantRef,
    /// First 512-byte sector of the page to transfer.
    pub first_sect: u8,
    /// Last 512-byte sector of the page to transfer (inclusive).
    pub last_sect: u8,
    /// Explicit padding (implicit in C); keep zero.
    pub _pad0: u16,
}
const _: () = assert!(size_of::<BlkifRequestSegment>() == 8);

/// A read or write request (`struct blkif_request`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct BlkifRequest {
    /// `BLKIF_OP_*`.
    pub operation: u8,
    /// Number of segments used.
    pub nr_segments: u8,
    /// Device handle (ignored by most backends).
    pub handle: BlkifVdev,
    /// Explicit padding (implicit in C); keep zero.
    pub _pad0: u32,
    /// Private id, echoed in the response.
    pub id: u64,
    /// Start sector on the disk.
    pub sector_number: BlkifSector,
    /// The pages.
    pub seg: [BlkifRequestSegment; BLKIF_MAX_SEGMENTS_PER_REQUEST],
}
const _: () = assert!(size_of::<BlkifRequest>() == 112);

/// A discard request (`struct blkif_request_discard`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct BlkifRequestDiscard {
    /// `BLKIF_OP_DISCARD`.
    pub operation: u8,
    /// `BLKIF_DISCARD_*` flags.
    pub flag: u8,
    /// Device handle.
    pub handle: BlkifVdev,
    /// Explicit padding (implicit in C); keep zero.
    pub _pad0: u32,
    /// Private id, echoed in the response.
    pub id: u64,
    /// Start sector.
    pub sector_number: BlkifSector,
    /// Number of sectors.
    pub nr_sectors: u64,
}
const _: () = assert!(size_of::<BlkifRequestDiscard>() == 32);

/// An indirect request (`struct blkif_request_indirect`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct BlkifRequestIndirect {
    /// `BLKIF_OP_INDIRECT`.
    pub operation: u8,
    /// The real operation, `BLKIF_OP_READ` or `BLKIF_OP_WRITE`.
    pub indirect_op: u8,
    /// Number of segments, described in the indirect pages.
    pub nr_segments: u16,
    /// Explicit padding (implicit in C); keep zero.
    pub _pad0: u32,
    /// Private id, echoed in the response.
    pub id: u64,
    /// Start sector.
    pub sector_number: BlkifSector,
    /// Device handle.
    pub handle: BlkifVdev,
    /// Explicit padding (implicit in C); keep zero.
    pub _pad1: u16,
    /// Grants of the pages holding the segment descriptors.
    pub indirect_grefs: [GrantRef; BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST],
    /// Explicit padding (implicit in C); keep zero.
    pub _pad2: u32,
}
const _: () = assert!(size_of::<BlkifRequestIndirect>() == 64);

/// A response (`struct blkif_response`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct BlkifResponse {
    /// The request's id.
    pub id: u64,
    /// The request's operation.
    pub operation: u8,
    /// Explicit padding (implicit in C).
    pub _pad0: u8,
    /// `BLKIF_RSP_*`.
    pub status: i16,
    /// Explicit padding (implicit in C).
    pub _pad1: u32,
}
const _: () = assert!(size_of::<BlkifResponse>() == 16);

/// Size of one entry of the blkif ring (`sizeof(union blkif_sring_entry)`).
pub const BLKIF_SRING_ENTRY_SIZE: usize = entry_size::<BlkifRequest, BlkifResponse>();

/// Entries of a one-page (4 KiB) blkif ring (`__CONST_RING_SIZE(blkif, 4096)`).
pub const BLKIF_RING_SIZE: usize = ring_size(4096, BLKIF_SRING_ENTRY_SIZE);
