//! Memory reservation and physmap operations (`memory.h`), arguments of `memory_op`.

use super::arch_x86::{GuestHandle, XenPfn, XenUlong};
use super::xen::DomId;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Give the domain more memory (`XENMEM_increase_reservation`).
pub const XENMEM_INCREASE_RESERVATION: u32 = 0;
/// Return memory to Xen (`XENMEM_decrease_reservation`).
pub const XENMEM_DECREASE_RESERVATION: u32 = 1;
/// Highest machine frame of the host (`XENMEM_maximum_ram_page`).
pub const XENMEM_MAXIMUM_RAM_PAGE: u32 = 2;
/// Current number of pages of a domain (`XENMEM_current_reservation`).
pub const XENMEM_CURRENT_RESERVATION: u32 = 3;
/// Maximum number of pages of a domain (`XENMEM_maximum_reservation`).
pub const XENMEM_MAXIMUM_RESERVATION: u32 = 4;
/// Frames of the machine-to-phys table (`XENMEM_machphys_mfn_list`).
pub const XENMEM_MACHPHYS_MFN_LIST: u32 = 5;
/// Populate pseudo-physical frames (`XENMEM_populate_physmap`).
pub const XENMEM_POPULATE_PHYSMAP: u32 = 6;
/// Map a Xen-owned page into the physmap ([`XenAddToPhysmap`], `XENMEM_add_to_physmap`).
pub const XENMEM_ADD_TO_PHYSMAP: u32 = 7;
/// The domain's memory map (`XENMEM_memory_map`).
pub const XENMEM_MEMORY_MAP: u32 = 9;
/// The host's memory map (`XENMEM_machine_memory_map`).
pub const XENMEM_MACHINE_MEMORY_MAP: u32 = 10;
/// Exchange frames for others (`XENMEM_exchange`).
pub const XENMEM_EXCHANGE: u32 = 11;
/// Where the M2P table is mapped (`XENMEM_machphys_mapping`).
pub const XENMEM_MACHPHYS_MAPPING: u32 = 12;
/// Set a domain's memory map (`XENMEM_set_memory_map`).
pub const XENMEM_SET_MEMORY_MAP: u32 = 13;
/// Highest pseudo-physical frame of a domain (`XENMEM_maximum_gpfn`).
pub const XENMEM_MAXIMUM_GPFN: u32 = 14;
/// Remove a page from the physmap (`XENMEM_remove_from_physmap`).
pub const XENMEM_REMOVE_FROM_PHYSMAP: u32 = 15;
/// Batched `XENMEM_add_to_physmap` (`XENMEM_add_to_physmap_batch`).
pub const XENMEM_ADD_TO_PHYSMAP_BATCH: u32 = 23;

/// Physmap space: the shared info page (`XENMAPSPACE_shared_info`).
pub const XENMAPSPACE_SHARED_INFO: u32 = 0;
/// Physmap space: a grant table frame (`XENMAPSPACE_grant_table`).
pub const XENMAPSPACE_GRANT_TABLE: u32 = 1;
/// Physmap space: a guest frame (`XENMAPSPACE_gmfn`).
pub const XENMAPSPACE_GMFN: u32 = 2;
/// Physmap space: a range of guest frames (`XENMAPSPACE_gmfn_range`).
pub const XENMAPSPACE_GMFN_RANGE: u32 = 3;
/// Physmap space: a frame of another domain (`XENMAPSPACE_gmfn_foreign`).
pub const XENMAPSPACE_GMFN_FOREIGN: u32 = 4;
/// Physmap space: device MMIO (`XENMAPSPACE_dev_mmio`).
pub const XENMAPSPACE_DEV_MMIO: u32 = 5;

/// `XenAddToPhysmap::idx` bit selecting a grant status frame (`XENMAPIDX_grant_table_status`).
pub const XENMAPIDX_GRANT_TABLE_STATUS: u64 = 0x8000_0000;

/// `mem_flags`: populate on demand (`XENMEMF_populate_on_demand`).
pub const XENMEMF_POPULATE_ON_DEMAND: u32 = 1 << 16;

/// `mem_flags` for a given maximum machine address width (`XENMEMF_address_bits`).
pub const fn xenmemf_address_bits(bits: u32) -> u32 {
    bits & 0xff
}

/// Arguments of the reservation operations (`struct xen_memory_reservation`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct XenMemoryReservation {
    /// Guest address of an array of frame numbers (IN and/or OUT).
    pub extent_start: GuestHandle,
    /// Number of extents.
    pub nr_extents: XenUlong,
    /// Each extent is `2^extent_order` pages.
    pub extent_order: u32,
    /// `XENMEMF_*` flags.
    pub mem_flags: u32,
    /// The domain (`DOMID_SELF`).
    pub domid: DomId,
    /// Explicit padding (implicit in C); keep zero.
    pub _pad0: [u16; 3],
}
const _: () = assert!(size_of::<XenMemoryReservation>() == 32);

/// Arguments of `XENMEM_exchange` (`struct xen_memory_exchange`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct XenMemoryExchange {
    /// Extents given up.
    pub r#in: XenMemoryReservation,
    /// Extents received.
    pub out: XenMemoryReservation,
    /// OUT: number of input extents exchanged.
    pub nr_exchanged: XenUlong,
}
const _: () = assert!(size_of::<XenMemoryExchange>() == 72);

/// Arguments of `XENMEM_add_to_physmap` (`struct xen_add_to_physmap`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct XenAddToPhysmap {
    /// The domain (`DOMID_SELF`).
    pub domid: DomId,
    /// Number of pages for `XENMAPSPACE_gmfn_range`.
    pub size: u16,
    /// One of `XENMAPSPACE_*`.
    pub space: u32,
    /// Index within the space.
    pub idx: XenUlong,
    /// Pseudo-physical frame to map at.
    pub gpfn: XenPfn,
}
const _: () = assert!(size_of::<XenAddToPhysmap>() == 24);

/// Arguments of `XENMEM_remove_from_physmap` (`struct xen_remove_from_physmap`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct XenRemoveFromPhysmap {
    /// The domain (`DOMID_SELF`).
    pub domid: DomId,
    /// Explicit padding (implicit in C); keep zero.
    pub _pad0: [u16; 3],
    /// Pseudo-physical frame to unmap.
    pub gpfn: XenPfn,
}
const _: () = assert!(size_of::<XenRemoveFromPhysmap>() == 16);

/// Result of `XENMEM_machphys_mapping` (`struct xen_machphys_mapping`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct XenMachphysMapping {
    /// Start of the M2P table's virtual range.
    pub v_start: XenUlong,
    /// End of the M2P table's virtual range.
    pub v_end: XenUlong,
    /// Highest machine frame the table covers.
    pub max_mfn: XenUlong,
}
const _: () = assert!(size_of::<XenMachphysMapping>() == 24);

/// Arguments of `XENMEM_memory_map` (`struct xen_memory_map`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct XenMemoryMap {
    /// IN: capacity of the buffer in entries; OUT: entries written.
    pub nr_entries: u32,
    /// Explicit padding (implicit in C); keep zero.
    pub _pad0: u32,
    /// Guest address of an array of e820 entries.
    pub buffer: GuestHandle,
}
const _: () = assert!(size_of::<XenMemoryMap>() == 16);
