//! The x86_64 parts of the Xen ABI (`arch-x86/xen.h` and `arch-x86/xen-x86_64.h`).

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// A guest pseudo-physical or machine frame number (`xen_pfn_t`, `unsigned long`).
pub type XenPfn = u64;

/// An unsigned long as seen by the hypervisor (`xen_ulong_t`).
pub type XenUlong = u64;

/// A guest handle (`XEN_GUEST_HANDLE(...)`): a guest virtual address, 64 bits on x86_64.
pub type GuestHandle = u64;

/// Number of vcpus that have a `vcpu_info` slot in the shared info page
/// (`XEN_LEGACY_MAX_VCPUS`).
pub const XEN_LEGACY_MAX_VCPUS: usize = 32;

/// Start of the virtual address range reserved for Xen in a 64-bit PV guest
/// (`__HYPERVISOR_VIRT_START`).
pub const HYPERVISOR_VIRT_START: u64 = 0xFFFF_8000_0000_0000;

/// End of the virtual address range reserved for Xen in a 64-bit PV guest
/// (`__HYPERVISOR_VIRT_END`).
pub const HYPERVISOR_VIRT_END: u64 = 0xFFFF_8800_0000_0000;

/// Flat ring-3 code selector for 64-bit PV guests (`FLAT_RING3_CS64`).
pub const FLAT_RING3_CS64: u16 = 0xe033;

/// Flat ring-3 data selector for 64-bit PV guests (`FLAT_RING3_DS64`).
pub const FLAT_RING3_DS64: u16 = 0x0000;

/// Flat ring-3 stack selector for 64-bit PV guests (`FLAT_RING3_SS64`).
pub const FLAT_RING3_SS64: u16 = 0xe02b;

/// Flat kernel code selector for 64-bit PV guests (`FLAT_KERNEL_CS64`).
pub const FLAT_KERNEL_CS64: u16 = FLAT_RING3_CS64;

/// Flat kernel stack selector for 64-bit PV guests (`FLAT_KERNEL_SS64`).
pub const FLAT_KERNEL_SS64: u16 = FLAT_RING3_SS64;

/// One entry of the virtual IDT given to `set_trap_table` (`struct trap_info`).
///
/// A table passed to the hypervisor ends with an entry whose `address` is 0.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct TrapInfo {
    /// Exception vector.
    pub vector: u8,
    /// Bits 0-3: privilege level allowed to raise it; bit 4: clear event mask on entry.
    pub flags: u8,
    /// Code selector of the handler.
    pub cs: u16,
    /// Explicit padding (implicit in C); keep zero.
    pub _pad0: u32,
    /// Virtual address of the handler.
    pub address: u64,
}
const _: () = assert!(size_of::<TrapInfo>() == 16);

/// The per-vcpu architecture part of `vcpu_info` (`struct arch_vcpu_info`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct ArchVcpuInfo {
    /// Faulting address of the last page fault delivered to the guest.
    pub cr2: u64,
    /// Padding so that `vcpu_info` is 64 bytes.
    pub pad: u64,
}
const _: () = assert!(size_of::<ArchVcpuInfo>() == 16);

/// The architecture part of the shared info page (`struct arch_shared_info`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct ArchSharedInfo {
    /// Number of valid entries in the guest's p2m table.
    pub max_pfn: u64,
    /// Frame of the list of frames of lists of p2m frames (0: not set, !0: invalid).
    pub pfn_to_mfn_frame_list_list: XenPfn,
    /// Reason of the last NMI (`_XEN_NMIREASON_*` bits).
    pub nmi_reason: u64,
    /// cr3 of the address space where `p2m_vaddr` is valid (0: no linear p2m).
    pub p2m_cr3: u64,
    /// Virtual address of the linear p2m list.
    pub p2m_vaddr: u64,
    /// Generation count of the p2m mapping (odd while an update is in progress).
    pub p2m_generation: u64,
}
const _: () = assert!(size_of::<ArchSharedInfo>() == 48);
