//! Safe wrappers over the hypercalls minios uses.

use super::error::{ShutdownReason, XenError};
use super::hypercall::{call2, call3, call4};
use super::PAGE_SIZE;
use crate::abi::event_channel::{EvtchnSend, EVTCHNOP_SEND};
use crate::abi::hypercall as nr;
use crate::abi::memory::{XenMachphysMapping, XENMEM_MACHPHYS_MAPPING};
use crate::abi::sched::{self, SchedShutdown};
use crate::abi::xen::{MmuUpdate, MmuextOp, DOMID_SELF, UVMF_INVLPG};
use crate::abi::SharedInfo;

/// Stops the domain with `reason` (SCHEDOP_shutdown); never returns.
pub(crate) fn shutdown(reason: ShutdownReason) -> ! {
    let arg = SchedShutdown {
        reason: reason.code(),
    };
    loop {
        // SAFETY: `arg` is a valid sched_shutdown struct for the duration of the call.
        unsafe {
            call2(
                nr::SCHED_OP,
                sched::SCHEDOP_SHUTDOWN as usize,
                &raw const arg as usize,
            )
        };
    }
}

/// Gives the CPU to other domains for a while (SCHEDOP_yield).
pub(crate) fn sched_yield() {
    // SAFETY: SCHEDOP_yield takes no argument.
    unsafe { call2(nr::SCHED_OP, sched::SCHEDOP_YIELD as usize, 0) };
}

/// Notifies the other end of event channel `port` (EVTCHNOP_send).
pub(crate) fn evtchn_send(port: u32) -> Result<(), XenError> {
    let arg = EvtchnSend { port };
    // SAFETY: `arg` is a valid evtchn_send struct for the duration of the call.
    XenError::check(unsafe {
        call2(
            nr::EVENT_CHANNEL_OP,
            EVTCHNOP_SEND as usize,
            &raw const arg as usize,
        )
    })
}

/// Writes to Xen's own console (CONSOLEIO_write). Xen drops it unless it lets domUs log;
/// used only when the console ring is not available (very early, or while panicking).
pub(crate) fn console_io_write(data: &[u8]) {
    // SAFETY: the buffer is valid for `len` bytes for the duration of the call.
    unsafe {
        call3(
            nr::CONSOLE_IO,
            nr::CONSOLEIO_WRITE as usize,
            data.len(),
            data.as_ptr() as usize,
        )
    };
}

/// Applies page-table updates (HYPERVISOR_mmu_update).
///
/// # Safety
/// The updates must not unmap or retarget memory that Rust code still references.
pub(super) unsafe fn mmu_update(reqs: &[MmuUpdate]) -> Result<(), XenError> {
    let mut done = 0u32;
    // SAFETY: the array and counter live across the call; the caller vouches for the effect.
    XenError::check(unsafe {
        call4(
            nr::MMU_UPDATE,
            reqs.as_ptr() as usize,
            reqs.len(),
            &raw mut done as usize,
            DOMID_SELF as usize,
        )
    })
}

/// Applies extended MMU operations (HYPERVISOR_mmuext_op) on our own domain.
///
/// # Safety
/// The operations must not unmap or retarget memory that Rust code still references
/// (pinning and unpinning tables that are not in use is always fine).
pub(super) unsafe fn mmuext_op(ops: &[MmuextOp]) -> Result<(), XenError> {
    let mut done = 0u32;
    // SAFETY: the array and counter live across the call; the caller vouches for the effect.
    XenError::check(unsafe {
        call4(
            nr::MMUEXT_OP,
            ops.as_ptr() as usize,
            ops.len(),
            &raw mut done as usize,
            DOMID_SELF as usize,
        )
    })
}

/// Sets the PTE that maps `va` (HYPERVISOR_update_va_mapping, invalidating that page).
///
/// # Safety
/// The new mapping must not break memory Rust still references through `va`.
pub(super) unsafe fn update_va_mapping(va: usize, pte: u64) -> Result<(), XenError> {
    // SAFETY: forwarded from the caller's contract.
    XenError::check(unsafe {
        call3(
            nr::UPDATE_VA_MAPPING,
            va,
            pte as usize,
            UVMF_INVLPG as usize,
        )
    })
}

/// The page where Xen's shared_info is mapped (a .bss page whose PTE we retarget).
#[repr(C, align(4096))]
struct SharedInfoPage([u8; PAGE_SIZE]);
static mut SHARED_INFO_PAGE: SharedInfoPage = SharedInfoPage([0; PAGE_SIZE]);
static SHARED_INFO_MAPPED: spin::Once<()> = spin::Once::new();

/// Maps the shared_info frame (machine address `ma` from start_info) at our shared page.
///
/// # Safety
/// `ma` must be the `shared_info` machine address of start_info: another frame (one of our
/// own) would then be reachable both there and through the 1:1 mapping.
pub(super) unsafe fn map_shared_info(ma: u64) -> Result<(), XenError> {
    let va = (&raw const SHARED_INFO_PAGE) as usize;
    let pte = ma | super::mm::map::PTE_DATA;
    // SAFETY: no Rust reference to SHARED_INFO_PAGE exists (it is only used through raw
    // pointers after this point); the page becomes Xen's shared_info (caller's contract).
    unsafe { update_va_mapping(va, pte)? };
    SHARED_INFO_MAPPED.call_once(|| ());
    Ok(())
}

/// Xen's shared_info page, once mapped.
fn shared_info_if_mapped() -> Option<*const SharedInfo> {
    SHARED_INFO_MAPPED
        .get()
        .map(|_| (&raw const SHARED_INFO_PAGE).cast::<SharedInfo>())
}

/// Xen's shared_info page (mapped first thing at boot; panics before that).
pub(super) fn shared_info() -> *const SharedInfo {
    shared_info_if_mapped().expect("shared_info mapped")
}

/// The faulting address of the last page fault on vCPU 0 (0 before shared_info is mapped).
pub(super) fn fault_address() -> u64 {
    match shared_info_if_mapped() {
        // SAFETY: the page is mapped to shared_info (SHARED_INFO_MAPPED); cr2 is read with a
        // volatile load because Xen writes it.
        Some(si) => unsafe { (&raw const (*si).vcpu_info[0].arch.cr2).read_volatile() },
        None => 0,
    }
}

/// Where Xen maps the read-only machine-to-phys table, and the highest mfn it covers
/// (XENMEM_machphys_mapping).
pub(super) fn machphys_mapping() -> Result<XenMachphysMapping, XenError> {
    let mut arg = XenMachphysMapping::default();
    // SAFETY: `arg` is a valid xen_machphys_mapping that Xen fills during the call.
    XenError::check(unsafe {
        call2(
            nr::MEMORY_OP,
            XENMEM_MACHPHYS_MAPPING as usize,
            &raw mut arg as usize,
        )
    })?;
    Ok(arg)
}
