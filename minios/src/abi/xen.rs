//! The core guest interface (`xen.h`): start info, shared info, vcpu info, MMU updates.

use super::arch_x86::{ArchSharedInfo, ArchVcpuInfo, XenPfn, XenUlong, XEN_LEGACY_MAX_VCPUS};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// The interface version these types follow (`__XEN_LATEST_INTERFACE_VERSION__` of Xen 4.17).
pub const XEN_INTERFACE_VERSION: u32 = 0x0004_0e00;

/// A domain id (`domid_t`).
pub type DomId = u16;

/// The calling domain (`DOMID_SELF`).
pub const DOMID_SELF: DomId = 0x7FF0;
/// First reserved domain id (`DOMID_FIRST_RESERVED`).
pub const DOMID_FIRST_RESERVED: DomId = 0x7FF0;
/// Pseudo-domain owning I/O memory (`DOMID_IO`).
pub const DOMID_IO: DomId = 0x7FF1;
/// Pseudo-domain owning Xen's own pages (`DOMID_XEN`).
pub const DOMID_XEN: DomId = 0x7FF2;
/// Pseudo-domain owning shared copy-on-write pages (`DOMID_COW`).
pub const DOMID_COW: DomId = 0x7FF3;
/// No domain (`DOMID_INVALID`).
pub const DOMID_INVALID: DomId = 0x7FF4;
/// The idle domain (`DOMID_IDLE`).
pub const DOMID_IDLE: DomId = 0x7FFF;
/// Mask of the bits a domain id may use (`DOMID_MASK`).
pub const DOMID_MASK: DomId = 0x7FFF;

/// Virtual timer: timebase update and/or requested timeout (`VIRQ_TIMER`).
pub const VIRQ_TIMER: u32 = 0;
/// Request to dump debug information (`VIRQ_DEBUG`).
pub const VIRQ_DEBUG: u32 = 1;
/// Bytes received on the emergency console, dom0 only (`VIRQ_CONSOLE`).
pub const VIRQ_CONSOLE: u32 = 2;
/// Exceptional event for some domain, dom0 only (`VIRQ_DOM_EXC`).
pub const VIRQ_DOM_EXC: u32 = 3;
/// Trace buffer has records available (`VIRQ_TBUF`).
pub const VIRQ_TBUF: u32 = 4;
/// A domain paused for debugging (`VIRQ_DEBUGGER`).
pub const VIRQ_DEBUGGER: u32 = 6;
/// XenOprofile sample available (`VIRQ_XENOPROF`).
pub const VIRQ_XENOPROF: u32 = 7;
/// Bytes received on the console ring, dom0 only (`VIRQ_CON_RING`).
pub const VIRQ_CON_RING: u32 = 8;
/// Physical CPU state changed (`VIRQ_PCPU_STATE`).
pub const VIRQ_PCPU_STATE: u32 = 9;
/// A memory event occurred (`VIRQ_MEM_EVENT`).
pub const VIRQ_MEM_EVENT: u32 = 10;
/// Argo message notification (`VIRQ_ARGO`).
pub const VIRQ_ARGO: u32 = 11;
/// Xen is low on heap memory (`VIRQ_ENOMEM`).
pub const VIRQ_ENOMEM: u32 = 12;
/// Performance counter interrupt (`VIRQ_XENPMU`).
pub const VIRQ_XENPMU: u32 = 13;
/// First architecture-specific virtual IRQ (`VIRQ_ARCH_0`); on x86 it is `VIRQ_MCA`.
pub const VIRQ_ARCH_0: u32 = 16;
/// Machine check event, dom0 only (`VIRQ_MCA`, x86's `VIRQ_ARCH_0`).
pub const VIRQ_MCA: u32 = VIRQ_ARCH_0;
/// Number of virtual IRQs (`NR_VIRQS`).
pub const NR_VIRQS: u32 = 24;

/// Checked `*ptr = val`, `ptr` being a machine address (`MMU_NORMAL_PT_UPDATE`).
pub const MMU_NORMAL_PT_UPDATE: u64 = 0;
/// Set the M2P entry of the frame at `ptr` to `val` (`MMU_MACHPHYS_UPDATE`).
pub const MMU_MACHPHYS_UPDATE: u64 = 1;
/// Like a normal update but keeps the accessed/dirty bits (`MMU_PT_UPDATE_PRESERVE_AD`).
pub const MMU_PT_UPDATE_PRESERVE_AD: u64 = 2;
/// Checked update without GFN translation (`MMU_PT_UPDATE_NO_TRANSLATE`).
pub const MMU_PT_UPDATE_NO_TRANSLATE: u64 = 3;

/// Pin a page as an L1 page table (`MMUEXT_PIN_L1_TABLE`).
pub const MMUEXT_PIN_L1_TABLE: u32 = 0;
/// Pin a page as an L2 page table (`MMUEXT_PIN_L2_TABLE`).
pub const MMUEXT_PIN_L2_TABLE: u32 = 1;
/// Pin a page as an L3 page table (`MMUEXT_PIN_L3_TABLE`).
pub const MMUEXT_PIN_L3_TABLE: u32 = 2;
/// Pin a page as an L4 page table (`MMUEXT_PIN_L4_TABLE`).
pub const MMUEXT_PIN_L4_TABLE: u32 = 3;
/// Unpin a page table (`MMUEXT_UNPIN_TABLE`).
pub const MMUEXT_UNPIN_TABLE: u32 = 4;
/// Switch the kernel page table base (`MMUEXT_NEW_BASEPTR`).
pub const MMUEXT_NEW_BASEPTR: u32 = 5;
/// Flush the local TLB (`MMUEXT_TLB_FLUSH_LOCAL`).
pub const MMUEXT_TLB_FLUSH_LOCAL: u32 = 6;
/// Invalidate one local TLB entry (`MMUEXT_INVLPG_LOCAL`).
pub const MMUEXT_INVLPG_LOCAL: u32 = 7;
/// Flush the TLBs of a set of vcpus (`MMUEXT_TLB_FLUSH_MULTI`).
pub const MMUEXT_TLB_FLUSH_MULTI: u32 = 8;
/// Invalidate one TLB entry on a set of vcpus (`MMUEXT_INVLPG_MULTI`).
pub const MMUEXT_INVLPG_MULTI: u32 = 9;
/// Flush the TLBs of all vcpus (`MMUEXT_TLB_FLUSH_ALL`).
pub const MMUEXT_TLB_FLUSH_ALL: u32 = 10;
/// Invalidate one TLB entry on all vcpus (`MMUEXT_INVLPG_ALL`).
pub const MMUEXT_INVLPG_ALL: u32 = 11;
/// Write back and flush the local cache (`MMUEXT_FLUSH_CACHE`).
pub const MMUEXT_FLUSH_CACHE: u32 = 12;
/// Load a local descriptor table (`MMUEXT_SET_LDT`).
pub const MMUEXT_SET_LDT: u32 = 13;
/// Switch the user page table base (`MMUEXT_NEW_USER_BASEPTR`).
pub const MMUEXT_NEW_USER_BASEPTR: u32 = 15;
/// Zero a page (`MMUEXT_CLEAR_PAGE`).
pub const MMUEXT_CLEAR_PAGE: u32 = 16;
/// Copy a page (`MMUEXT_COPY_PAGE`).
pub const MMUEXT_COPY_PAGE: u32 = 17;
/// Flush the caches of all CPUs (`MMUEXT_FLUSH_CACHE_GLOBAL`).
pub const MMUEXT_FLUSH_CACHE_GLOBAL: u32 = 18;
/// Mark a superpage (`MMUEXT_MARK_SUPER`).
pub const MMUEXT_MARK_SUPER: u32 = 19;
/// Unmark a superpage (`MMUEXT_UNMARK_SUPER`).
pub const MMUEXT_UNMARK_SUPER: u32 = 20;

/// `update_va_mapping` flag: no TLB flush (`UVMF_NONE`).
pub const UVMF_NONE: u64 = 0;
/// `update_va_mapping` flag: flush the whole TLB (`UVMF_TLB_FLUSH`).
pub const UVMF_TLB_FLUSH: u64 = 1;
/// `update_va_mapping` flag: flush only the one entry (`UVMF_INVLPG`).
pub const UVMF_INVLPG: u64 = 2;
/// `update_va_mapping` flag: flush the local TLB only (`UVMF_LOCAL`).
pub const UVMF_LOCAL: u64 = 0;
/// `update_va_mapping` flag: flush all TLBs (`UVMF_ALL`).
pub const UVMF_ALL: u64 = 4;

/// `vm_assist` command: enable an assist (`VMASST_CMD_enable`).
pub const VMASST_CMD_ENABLE: u32 = 0;
/// `vm_assist` command: disable an assist (`VMASST_CMD_disable`).
pub const VMASST_CMD_DISABLE: u32 = 1;
/// `vm_assist` type: writable page tables (`VMASST_TYPE_writable_pagetables`).
pub const VMASST_TYPE_WRITABLE_PAGETABLES: u32 = 2;
/// `vm_assist` type: runstate update flag (`VMASST_TYPE_runstate_update_flag`).
pub const VMASST_TYPE_RUNSTATE_UPDATE_FLAG: u32 = 5;
/// `vm_assist` type: strict M2P (`VMASST_TYPE_m2p_strict`).
pub const VMASST_TYPE_M2P_STRICT: u32 = 32;

/// One request of the `mmu_update` hypercall (`struct mmu_update`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct MmuUpdate {
    /// Machine address of the entry; its low 2 bits are the `MMU_*` command.
    pub ptr: u64,
    /// New contents.
    pub val: u64,
}
const _: () = assert!(size_of::<MmuUpdate>() == 16);

/// One request of the `mmuext_op` hypercall (`struct mmuext_op`).
///
/// The C unions are kept as their raw 64-bit words: `arg1` is `mfn` or `linear_addr`;
/// `arg2` is `nr_ents` (low 32 bits), the `vcpumask` guest handle, or `src_mfn`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct MmuextOp {
    /// One of `MMUEXT_*`.
    pub cmd: u32,
    /// Explicit padding (implicit in C); keep zero.
    pub _pad0: u32,
    /// First argument (`arg1.mfn` or `arg1.linear_addr`).
    pub arg1: u64,
    /// Second argument (`arg2.nr_ents`, `arg2.vcpumask` or `arg2.src_mfn`).
    pub arg2: u64,
}
const _: () = assert!(size_of::<MmuextOp>() == 24);

impl MmuextOp {
    /// An operation on one frame (pin, unpin, new base pointer, clear page, mark super).
    pub const fn with_mfn(cmd: u32, mfn: XenPfn) -> Self {
        Self {
            cmd,
            _pad0: 0,
            arg1: mfn,
            arg2: 0,
        }
    }

    /// An operation on one virtual address (`MMUEXT_INVLPG_LOCAL`, `MMUEXT_INVLPG_ALL`).
    pub const fn with_linear_addr(cmd: u32, linear_addr: u64) -> Self {
        Self {
            cmd,
            _pad0: 0,
            arg1: linear_addr,
            arg2: 0,
        }
    }

    /// `MMUEXT_SET_LDT` with the LDT's address and number of entries.
    pub const fn set_ldt(linear_addr: u64, nr_ents: u32) -> Self {
        Self {
            cmd: MMUEXT_SET_LDT,
            _pad0: 0,
            arg1: linear_addr,
            arg2: nr_ents as u64,
        }
    }

    /// `MMUEXT_COPY_PAGE` from `src_mfn` to `mfn`.
    pub const fn copy_page(mfn: XenPfn, src_mfn: XenPfn) -> Self {
        Self {
            cmd: MMUEXT_COPY_PAGE,
            _pad0: 0,
            arg1: mfn,
            arg2: src_mfn,
        }
    }
}

/// One entry of a `multicall` batch (`struct multicall_entry`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct MulticallEntry {
    /// Hypercall number.
    pub op: XenUlong,
    /// Result, written by Xen.
    pub result: XenUlong,
    /// Arguments.
    pub args: [XenUlong; 6],
}
const _: () = assert!(size_of::<MulticallEntry>() == 64);

/// `vcpu_time_info.flags`: the TSC is stable across vcpus (`XEN_PVCLOCK_TSC_STABLE_BIT`).
pub const XEN_PVCLOCK_TSC_STABLE_BIT: u8 = 1 << 0;
/// `vcpu_time_info.flags`: the guest was stopped (`XEN_PVCLOCK_GUEST_STOPPED`).
pub const XEN_PVCLOCK_GUEST_STOPPED: u8 = 1 << 1;

/// Per-vcpu system time, updated by Xen (`struct vcpu_time_info`).
///
/// Read it like a seqlock: `version` is odd while Xen updates the fields.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct VcpuTimeInfo {
    /// Update counter (odd while an update is in progress).
    pub version: u32,
    /// Padding.
    pub pad0: u32,
    /// TSC at the last update.
    pub tsc_timestamp: u64,
    /// Nanoseconds since boot at `tsc_timestamp`.
    pub system_time: u64,
    /// TSC to nanoseconds multiplier (32.32 fixed point, after `tsc_shift`).
    pub tsc_to_system_mul: u32,
    /// Shift applied to TSC deltas before the multiplication (may be negative).
    pub tsc_shift: i8,
    /// `XEN_PVCLOCK_*` flags.
    pub flags: u8,
    /// Padding.
    pub pad1: [u8; 2],
}
const _: () = assert!(size_of::<VcpuTimeInfo>() == 32);

/// Per-vcpu event and time state in the shared info page (`struct vcpu_info`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct VcpuInfo {
    /// Set non-zero by Xen when an event is pending for this vcpu.
    pub evtchn_upcall_pending: u8,
    /// Non-zero masks event upcalls (the guest's interrupt flag).
    pub evtchn_upcall_mask: u8,
    /// Explicit padding (implicit in C); keep zero.
    pub _pad0: [u8; 6],
    /// One bit per word of `SharedInfo::evtchn_pending` holding a pending event.
    pub evtchn_pending_sel: XenUlong,
    /// Architecture part.
    pub arch: ArchVcpuInfo,
    /// System time.
    pub time: VcpuTimeInfo,
}
const _: () = assert!(size_of::<VcpuInfo>() == 64);

/// The shared info page (`struct shared_info`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct SharedInfo {
    /// Per-vcpu state of the first vcpus.
    pub vcpu_info: [VcpuInfo; XEN_LEGACY_MAX_VCPUS],
    /// Pending bit of each event channel.
    pub evtchn_pending: [XenUlong; 64],
    /// Mask bit of each event channel.
    pub evtchn_mask: [XenUlong; 64],
    /// Wallclock update counter (like `VcpuTimeInfo::version`).
    pub wc_version: u32,
    /// Wallclock seconds at system time 0 (low 32 bits).
    pub wc_sec: u32,
    /// Wallclock nanoseconds at system time 0.
    pub wc_nsec: u32,
    /// Wallclock seconds, high 32 bits.
    pub wc_sec_hi: u32,
    /// Architecture part.
    pub arch: ArchSharedInfo,
}
const _: () = assert!(size_of::<SharedInfo>() == 3136);

/// `start_info.flags`: the domain is privileged (`SIF_PRIVILEGED`).
pub const SIF_PRIVILEGED: u32 = 1 << 0;
/// `start_info.flags`: the initial control domain (`SIF_INITDOMAIN`).
pub const SIF_INITDOMAIN: u32 = 1 << 1;
/// `start_info.flags`: the module is a multiboot module (`SIF_MULTIBOOT_MOD`).
pub const SIF_MULTIBOOT_MOD: u32 = 1 << 2;
/// `start_info.flags`: `mod_start` is a PFN (`SIF_MOD_START_PFN`).
pub const SIF_MOD_START_PFN: u32 = 1 << 3;
/// `start_info.flags`: the tools understand a virtually mapped p2m (`SIF_VIRT_P2M_4TOOLS`).
pub const SIF_VIRT_P2M_4TOOLS: u32 = 1 << 4;
/// `start_info.flags`: bits reserved for power management (`SIF_PM_MASK`).
pub const SIF_PM_MASK: u32 = 0xFF << 8;

/// Size of `start_info.cmd_line` (`MAX_GUEST_CMDLINE`).
pub const MAX_GUEST_CMDLINE: usize = 1024;

/// The console part of `start_info` (C: `union { domU, dom0 } console`), as its domU view.
///
/// For dom0 the first 8 bytes are instead `info_off` and `info_size`; see
/// [`StartInfoConsole::dom0_info`].
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct StartInfoConsole {
    /// Machine frame of the console ring page (`console.domU.mfn`).
    pub mfn: XenPfn,
    /// Event channel of the console ring (`console.domU.evtchn`).
    pub evtchn: u32,
    /// Explicit padding (implicit in C).
    pub _pad0: u32,
}
const _: () = assert!(size_of::<StartInfoConsole>() == 16);

impl StartInfoConsole {
    /// The dom0 view: (`console.dom0.info_off`, `console.dom0.info_size`).
    pub const fn dom0_info(&self) -> (u32, u32) {
        (self.mfn as u32, (self.mfn >> 32) as u32)
    }
}

/// What Xen tells a PV guest at boot (`struct start_info`), found through `rsi`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct StartInfo {
    /// `"xen-<version>-<platform>"`, NUL-padded.
    pub magic: [u8; 32],
    /// Total pages allocated to the domain.
    pub nr_pages: u64,
    /// Machine address of the shared info page.
    pub shared_info: u64,
    /// `SIF_*` flags.
    pub flags: u32,
    /// Explicit padding (implicit in C).
    pub _pad0: u32,
    /// Machine frame of the xenstore ring page.
    pub store_mfn: XenPfn,
    /// Event channel of the xenstore ring.
    pub store_evtchn: u32,
    /// Explicit padding (implicit in C).
    pub _pad1: u32,
    /// Console ring page and event channel.
    pub console: StartInfoConsole,
    /// Virtual address of the top-level page table.
    pub pt_base: u64,
    /// Number of bootstrap page-table frames.
    pub nr_pt_frames: u64,
    /// Virtual address of the p2m list (one machine frame number per pfn).
    pub mfn_list: u64,
    /// Virtual address (or pfn, with `SIF_MOD_START_PFN`) of the pre-loaded module.
    pub mod_start: u64,
    /// Size in bytes of the pre-loaded module.
    pub mod_len: u64,
    /// Command line, NUL-terminated.
    pub cmd_line: [u8; MAX_GUEST_CMDLINE],
    /// First pfn of the initial p2m table frames.
    pub first_p2m_pfn: u64,
    /// Number of initial p2m table frames.
    pub nr_p2m_frames: u64,
}
const _: () = assert!(size_of::<StartInfo>() == 1168);

impl StartInfo {
    /// The magic string without its NUL padding.
    pub fn magic_bytes(&self) -> &[u8] {
        until_nul(&self.magic)
    }

    /// The command line without its NUL terminator.
    pub fn cmd_line_bytes(&self) -> &[u8] {
        until_nul(&self.cmd_line)
    }
}

/// The prefix of `bytes` before its first NUL (all of it when there is none).
fn until_nul(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    bytes.split_at(end).0
}
