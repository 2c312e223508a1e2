//! Types of the ELF notes a PV kernel carries for its loader (`elfnote.h`).
//!
//! The notes have the name `"Xen"`; their type is one of these numbers.

/// Free-form information (`XEN_ELFNOTE_INFO`).
pub const XEN_ELFNOTE_INFO: u32 = 0;
/// Virtual address of the entry point (`XEN_ELFNOTE_ENTRY`).
pub const XEN_ELFNOTE_ENTRY: u32 = 1;
/// Virtual address of the hypercall page (`XEN_ELFNOTE_HYPERCALL_PAGE`).
pub const XEN_ELFNOTE_HYPERCALL_PAGE: u32 = 2;
/// Virtual address where the kernel expects to be mapped (`XEN_ELFNOTE_VIRT_BASE`).
pub const XEN_ELFNOTE_VIRT_BASE: u32 = 3;
/// Difference between virtual and ELF physical addresses (`XEN_ELFNOTE_PADDR_OFFSET`).
pub const XEN_ELFNOTE_PADDR_OFFSET: u32 = 4;
/// Xen version the kernel was built for, a string (`XEN_ELFNOTE_XEN_VERSION`).
pub const XEN_ELFNOTE_XEN_VERSION: u32 = 5;
/// Guest OS name, a string (`XEN_ELFNOTE_GUEST_OS`).
pub const XEN_ELFNOTE_GUEST_OS: u32 = 6;
/// Guest OS version, a string (`XEN_ELFNOTE_GUEST_VERSION`).
pub const XEN_ELFNOTE_GUEST_VERSION: u32 = 7;
/// Loader type, `"generic"` (`XEN_ELFNOTE_LOADER`).
pub const XEN_ELFNOTE_LOADER: u32 = 8;
/// PAE support, a string (`XEN_ELFNOTE_PAE_MODE`).
pub const XEN_ELFNOTE_PAE_MODE: u32 = 9;
/// Required/optional features, a `|`-separated string (`XEN_ELFNOTE_FEATURES`).
pub const XEN_ELFNOTE_FEATURES: u32 = 10;
/// Load the symbol table after the kernel (`XEN_ELFNOTE_BSD_SYMTAB`).
pub const XEN_ELFNOTE_BSD_SYMTAB: u32 = 11;
/// Lowest virtual address Xen may use, 32-bit PAE only (`XEN_ELFNOTE_HV_START_LOW`).
pub const XEN_ELFNOTE_HV_START_LOW: u32 = 12;
/// Mask and value marking a valid L1 MFN (`XEN_ELFNOTE_L1_MFN_VALID`).
pub const XEN_ELFNOTE_L1_MFN_VALID: u32 = 13;
/// The kernel supports suspend cancellation (`XEN_ELFNOTE_SUSPEND_CANCEL`).
pub const XEN_ELFNOTE_SUSPEND_CANCEL: u32 = 14;
/// Virtual address where the p2m list should be mapped (`XEN_ELFNOTE_INIT_P2M`).
pub const XEN_ELFNOTE_INIT_P2M: u32 = 15;
/// The kernel accepts `mod_start` as a PFN (`XEN_ELFNOTE_MOD_START_PFN`).
pub const XEN_ELFNOTE_MOD_START_PFN: u32 = 16;
/// Supported features as a bitmap (`XEN_ELFNOTE_SUPPORTED_FEATURES`).
pub const XEN_ELFNOTE_SUPPORTED_FEATURES: u32 = 17;
/// 32-bit physical entry point for PVH (`XEN_ELFNOTE_PHYS32_ENTRY`).
pub const XEN_ELFNOTE_PHYS32_ENTRY: u32 = 18;
/// Highest ordinary note type (`XEN_ELFNOTE_MAX`).
pub const XEN_ELFNOTE_MAX: u32 = XEN_ELFNOTE_PHYS32_ENTRY;
/// Crash dump: crash information (`XEN_ELFNOTE_CRASH_INFO`).
pub const XEN_ELFNOTE_CRASH_INFO: u32 = 0x100_0001;
/// Crash dump: registers (`XEN_ELFNOTE_CRASH_REGS`).
pub const XEN_ELFNOTE_CRASH_REGS: u32 = 0x100_0002;
/// Core dump: placeholder note (`XEN_ELFNOTE_DUMPCORE_NONE`).
pub const XEN_ELFNOTE_DUMPCORE_NONE: u32 = 0x200_0000;
/// Core dump: header (`XEN_ELFNOTE_DUMPCORE_HEADER`).
pub const XEN_ELFNOTE_DUMPCORE_HEADER: u32 = 0x200_0001;
/// Core dump: Xen version (`XEN_ELFNOTE_DUMPCORE_XEN_VERSION`).
pub const XEN_ELFNOTE_DUMPCORE_XEN_VERSION: u32 = 0x200_0002;
/// Core dump: format version (`XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION`).
pub const XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION: u32 = 0x200_0003;
