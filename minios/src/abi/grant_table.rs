//! Grant tables (`grant_table.h`): v1 entries and `grant_table_op` arguments.

use super::arch_x86::{GuestHandle, XenPfn};
use super::xen::DomId;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// A grant reference: an index into the granting domain's table (`grant_ref_t`).
pub type GrantRef = u32;

/// A handle for a mapped grant (`grant_handle_t`).
pub type GrantHandle = u32;

/// Number of entries reserved for the toolstack (`GNTTAB_NR_RESERVED_ENTRIES`).
pub const GNTTAB_NR_RESERVED_ENTRIES: u32 = 8;
/// Reserved entry granting the console page (`GNTTAB_RESERVED_CONSOLE`).
pub const GNTTAB_RESERVED_CONSOLE: u32 = 0;
/// Reserved entry granting the xenstore page (`GNTTAB_RESERVED_XENSTORE`).
pub const GNTTAB_RESERVED_XENSTORE: u32 = 1;

/// Entry type: unused (`GTF_invalid`).
pub const GTF_INVALID: u16 = 0;
/// Entry type: the domain may map or copy the frame (`GTF_permit_access`).
pub const GTF_PERMIT_ACCESS: u16 = 1;
/// Entry type: the domain may transfer a frame to us (`GTF_accept_transfer`).
pub const GTF_ACCEPT_TRANSFER: u16 = 2;
/// Entry type: transitive grant, v2 only (`GTF_transitive`).
pub const GTF_TRANSITIVE: u16 = 3;
/// Mask of the entry type bits (`GTF_type_mask`).
pub const GTF_TYPE_MASK: u16 = 3;
/// The grantee may only read (`GTF_readonly`).
pub const GTF_READONLY: u16 = 1 << 2;
/// Set by Xen while the grantee has the frame mapped or is reading (`GTF_reading`).
pub const GTF_READING: u16 = 1 << 3;
/// Set by Xen while the grantee has the frame mapped writable or is writing
/// (`GTF_writing`).
pub const GTF_WRITING: u16 = 1 << 4;
/// Map write-through (`GTF_PWT`).
pub const GTF_PWT: u16 = 1 << 5;
/// Map cache-disabled (`GTF_PCD`).
pub const GTF_PCD: u16 = 1 << 6;
/// Map with the PAT bit (`GTF_PAT`).
pub const GTF_PAT: u16 = 1 << 7;
/// Sub-page grant, v2 only (`GTF_sub_page`).
pub const GTF_SUB_PAGE: u16 = 1 << 8;
/// Transfer: Xen committed to transferring a frame (`GTF_transfer_committed`).
pub const GTF_TRANSFER_COMMITTED: u16 = 1 << 2;
/// Transfer: the frame was transferred (`GTF_transfer_completed`).
pub const GTF_TRANSFER_COMPLETED: u16 = 1 << 3;

/// Map a foreign grant (`GNTTABOP_map_grant_ref`).
pub const GNTTABOP_MAP_GRANT_REF: u32 = 0;
/// Unmap a foreign grant (`GNTTABOP_unmap_grant_ref`).
pub const GNTTABOP_UNMAP_GRANT_REF: u32 = 1;
/// Get the frames of our grant table (`GNTTABOP_setup_table`).
pub const GNTTABOP_SETUP_TABLE: u32 = 2;
/// Dump a grant table to the Xen console (`GNTTABOP_dump_table`).
pub const GNTTABOP_DUMP_TABLE: u32 = 3;
/// Transfer a frame to a domain (`GNTTABOP_transfer`).
pub const GNTTABOP_TRANSFER: u32 = 4;
/// Copy between granted frames (`GNTTABOP_copy`).
pub const GNTTABOP_COPY: u32 = 5;
/// Ask the size of a grant table (`GNTTABOP_query_size`).
pub const GNTTABOP_QUERY_SIZE: u32 = 6;
/// Unmap and replace a mapping (`GNTTABOP_unmap_and_replace`).
pub const GNTTABOP_UNMAP_AND_REPLACE: u32 = 7;
/// Choose the grant table version (`GNTTABOP_set_version`).
pub const GNTTABOP_SET_VERSION: u32 = 8;
/// Get the v2 status frames (`GNTTABOP_get_status_frames`).
pub const GNTTABOP_GET_STATUS_FRAMES: u32 = 9;
/// Read the grant table version (`GNTTABOP_get_version`).
pub const GNTTABOP_GET_VERSION: u32 = 10;
/// Swap two grant entries (`GNTTABOP_swap_grant_ref`).
pub const GNTTABOP_SWAP_GRANT_REF: u32 = 11;
/// Flush caches of a granted frame (`GNTTABOP_cache_flush`).
pub const GNTTABOP_CACHE_FLUSH: u32 = 12;

/// Map flag: map for device DMA (`GNTMAP_device_map`).
pub const GNTMAP_DEVICE_MAP: u32 = 1 << 0;
/// Map flag: map into the host's address space (`GNTMAP_host_map`).
pub const GNTMAP_HOST_MAP: u32 = 1 << 1;
/// Map flag: read-only mapping (`GNTMAP_readonly`).
pub const GNTMAP_READONLY: u32 = 1 << 2;
/// Map flag: user-accessible mapping (`GNTMAP_application_map`).
pub const GNTMAP_APPLICATION_MAP: u32 = 1 << 3;
/// Map flag: `host_addr` is the machine address of a PTE (`GNTMAP_contains_pte`).
pub const GNTMAP_CONTAINS_PTE: u32 = 1 << 4;

/// Copy flag: the source is a grant reference (`GNTCOPY_source_gref`).
pub const GNTCOPY_SOURCE_GREF: u16 = 1 << 0;
/// Copy flag: the destination is a grant reference (`GNTCOPY_dest_gref`).
pub const GNTCOPY_DEST_GREF: u16 = 1 << 1;

/// Status: success (`GNTST_okay`).
pub const GNTST_OKAY: i16 = 0;
/// Status: undefined error (`GNTST_general_error`).
pub const GNTST_GENERAL_ERROR: i16 = -1;
/// Status: unrecognised domain id (`GNTST_bad_domain`).
pub const GNTST_BAD_DOMAIN: i16 = -2;
/// Status: invalid grant reference (`GNTST_bad_gntref`).
pub const GNTST_BAD_GNTREF: i16 = -3;
/// Status: invalid mapping handle (`GNTST_bad_handle`).
pub const GNTST_BAD_HANDLE: i16 = -4;
/// Status: invalid virtual address (`GNTST_bad_virt_addr`).
pub const GNTST_BAD_VIRT_ADDR: i16 = -5;
/// Status: invalid device address (`GNTST_bad_dev_addr`).
pub const GNTST_BAD_DEV_ADDR: i16 = -6;
/// Status: no spare translation slot in the I/O MMU (`GNTST_no_device_space`).
pub const GNTST_NO_DEVICE_SPACE: i16 = -7;
/// Status: permission denied (`GNTST_permission_denied`).
pub const GNTST_PERMISSION_DENIED: i16 = -8;
/// Status: bad page (`GNTST_bad_page`).
pub const GNTST_BAD_PAGE: i16 = -9;
/// Status: copy arguments cross a page boundary (`GNTST_bad_copy_arg`).
pub const GNTST_BAD_COPY_ARG: i16 = -10;
/// Status: page address size too large (`GNTST_address_too_big`).
pub const GNTST_ADDRESS_TOO_BIG: i16 = -11;
/// Status: operation not done, try again (`GNTST_eagain`).
pub const GNTST_EAGAIN: i16 = -12;
/// Status: out of space (`GNTST_no_space`).
pub const GNTST_NO_SPACE: i16 = -13;

/// A version 1 grant table entry (`struct grant_entry_v1`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct GrantEntryV1 {
    /// `GTF_*` type and flags; written last when granting.
    pub flags: u16,
    /// The domain being granted access.
    pub domid: DomId,
    /// The granted frame (or, for transfers, the frame received).
    pub frame: u32,
}
const _: () = assert!(size_of::<GrantEntryV1>() == 8);

/// Arguments of `GNTTABOP_map_grant_ref` (`struct gnttab_map_grant_ref`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct GnttabMapGrantRef {
    /// IN: virtual address (or PTE address) to map at.
    pub host_addr: u64,
    /// IN: `GNTMAP_*` flags.
    pub flags: u32,
    /// IN: the foreign grant reference.
    pub r#ref: GrantRef,
    /// IN: the granting domain.
    pub dom: DomId,
    /// OUT: `GNTST_*`.
    pub status: i16,
    /// OUT: handle for the unmap.
    pub handle: GrantHandle,
    /// OUT: bus address for device mappings.
    pub dev_bus_addr: u64,
}
const _: () = assert!(size_of::<GnttabMapGrantRef>() == 32);

/// Arguments of `GNTTABOP_unmap_grant_ref` (`struct gnttab_unmap_grant_ref`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct GnttabUnmapGrantRef {
    /// IN: virtual address (or PTE address) of the mapping.
    pub host_addr: u64,
    /// IN: bus address of a device mapping.
    pub dev_bus_addr: u64,
    /// IN: handle returned by the map.
    pub handle: GrantHandle,
    /// OUT: `GNTST_*`.
    pub status: i16,
    /// Explicit padding (implicit in C); keep zero.
    pub _pad0: u16,
}
const _: () = assert!(size_of::<GnttabUnmapGrantRef>() == 24);

/// Arguments of `GNTTABOP_setup_table` (`struct gnttab_setup_table`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct GnttabSetupTable {
    /// IN: the domain (`DOMID_SELF`).
    pub dom: DomId,
    /// Explicit padding (implicit in C); keep zero.
    pub _pad0: u16,
    /// IN: number of table frames wanted.
    pub nr_frames: u32,
    /// OUT: `GNTST_*`.
    pub status: i16,
    /// Explicit padding (implicit in C); keep zero.
    pub _pad1: [u16; 3],
    /// OUT: guest address of an array of `nr_frames` frame numbers.
    pub frame_list: GuestHandle,
}
const _: () = assert!(size_of::<GnttabSetupTable>() == 24);

/// Arguments of `GNTTABOP_transfer` (`struct gnttab_transfer`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct GnttabTransfer {
    /// IN: the frame to give away.
    pub mfn: XenPfn,
    /// IN: the receiving domain.
    pub domid: DomId,
    /// Explicit padding (implicit in C); keep zero.
    pub _pad0: u16,
    /// IN: the receiver's `GTF_accept_transfer` entry.
    pub r#ref: GrantRef,
    /// OUT: `GNTST_*`.
    pub status: i16,
    /// Explicit padding (implicit in C); keep zero.
    pub _pad1: [u16; 3],
}
const _: () = assert!(size_of::<GnttabTransfer>() == 24);

/// One side of a grant copy (`struct gnttab_copy_ptr`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct GnttabCopyPtr {
    /// C union `u`: a grant reference (with `GNTCOPY_*_gref`) or a frame number.
    pub u: u64,
    /// The domain owning the frame.
    pub domid: DomId,
    /// Byte offset within the frame.
    pub offset: u16,
    /// Explicit padding (implicit in C); keep zero.
    pub _pad0: u32,
}
const _: () = assert!(size_of::<GnttabCopyPtr>() == 16);

/// Arguments of `GNTTABOP_copy` (`struct gnttab_copy`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct GnttabCopy {
    /// IN: where to copy from.
    pub source: GnttabCopyPtr,
    /// IN: where to copy to.
    pub dest: GnttabCopyPtr,
    /// IN: number of bytes (within one page on both sides).
    pub len: u16,
    /// IN: `GNTCOPY_*` flags.
    pub flags: u16,
    /// OUT: `GNTST_*`.
    pub status: i16,
    /// Explicit padding (implicit in C); keep zero.
    pub _pad0: u16,
}
const _: () = assert!(size_of::<GnttabCopy>() == 40);

/// Arguments of `GNTTABOP_query_size` (`struct gnttab_query_size`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct GnttabQuerySize {
    /// IN: the domain (`DOMID_SELF`).
    pub dom: DomId,
    /// Explicit padding (implicit in C); keep zero.
    pub _pad0: u16,
    /// OUT: current number of table frames.
    pub nr_frames: u32,
    /// OUT: maximum number of table frames.
    pub max_nr_frames: u32,
    /// OUT: `GNTST_*`.
    pub status: i16,
    /// Explicit padding (implicit in C); keep zero.
    pub _pad1: u16,
}
const _: () = assert!(size_of::<GnttabQuerySize>() == 16);
