//! Safe wrappers over the hypercalls minios uses.

use super::hypercall::{call2, call3, call4};
use super::shared::PAGE_SIZE;
use crate::abi::event_channel::{EvtchnSend, EVTCHNOP_SEND};
use crate::abi::hypercall as nr;
use crate::abi::sched::{self, SchedShutdown};
use crate::abi::xen::{MmuUpdate, DOMID_SELF, UVMF_INVLPG};
use crate::abi::SharedInfo;

pub use super::hypercall::call5 as raw_hypercall;

/// Hypercall number of set_trap_table (used by the trap module).
pub(super) const HYPERVISOR_SET_TRAP_TABLE: usize = nr::SET_TRAP_TABLE;

/// A hypercall failed with this (negative) errno value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XenError(pub i32);

fn check(rc: isize) -> Result<(), XenError> {
    if rc < 0 {
        Err(XenError(rc as i32))
    } else {
        Ok(())
    }
}

/// Why the domain stops (SCHEDOP_shutdown reasons).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShutdownReason {
    /// Clean power off.
    Poweroff,
    /// Restart the domain.
    Reboot,
    /// Suspend (the toolstack saves the domain).
    Suspend,
    /// The domain crashed.
    Crash,
}

impl ShutdownReason {
    fn code(self) -> u32 {
        match self {
            Self::Poweroff => sched::SHUTDOWN_POWEROFF,
            Self::Reboot => sched::SHUTDOWN_REBOOT,
            Self::Suspend => sched::SHUTDOWN_SUSPEND,
            Self::Crash => sched::SHUTDOWN_CRASH,
        }
    }
}

/// Stops the domain with `reason` (SCHEDOP_shutdown); never returns.
pub fn shutdown(reason: ShutdownReason) -> ! {
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
pub fn sched_yield() {
    // SAFETY: SCHEDOP_yield takes no argument.
    unsafe { call2(nr::SCHED_OP, sched::SCHEDOP_YIELD as usize, 0) };
}

/// Notifies the other end of event channel `port` (EVTCHNOP_send).
pub fn evtchn_send(port: u32) -> Result<(), XenError> {
    let arg = EvtchnSend { port };
    // SAFETY: `arg` is a valid evtchn_send struct for the duration of the call.
    check(unsafe {
        call2(
            nr::EVENT_CHANNEL_OP,
            EVTCHNOP_SEND as usize,
            &raw const arg as usize,
        )
    })
}

/// Writes to Xen's own console (CONSOLEIO_write). Xen drops it unless it lets domUs log;
/// used only when the console ring is not available (very early, or while panicking).
pub fn console_io_write(data: &[u8]) {
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
    check(unsafe {
        call4(
            nr::MMU_UPDATE,
            reqs.as_ptr() as usize,
            reqs.len(),
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
    check(unsafe {
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
pub(super) fn map_shared_info(ma: u64) -> Result<(), XenError> {
    let va = (&raw const SHARED_INFO_PAGE) as usize;
    let pte = ma | super::mm::PTE_DATA;
    // SAFETY: no Rust reference to SHARED_INFO_PAGE exists (it is only used through raw
    // pointers after this point); the page becomes Xen's shared_info.
    unsafe { update_va_mapping(va, pte)? };
    SHARED_INFO_MAPPED.call_once(|| ());
    Ok(())
}

/// Xen's shared_info page, once mapped.
pub(super) fn shared_info() -> Option<*const SharedInfo> {
    SHARED_INFO_MAPPED
        .get()
        .map(|_| (&raw const SHARED_INFO_PAGE).cast::<SharedInfo>())
}

/// The faulting address of the last page fault on vCPU 0 (0 before shared_info is mapped).
pub fn fault_address() -> u64 {
    match shared_info() {
        // SAFETY: the page is mapped to shared_info (SHARED_INFO_MAPPED); cr2 is read with a
        // volatile load because Xen writes it.
        Some(si) => unsafe { (&raw const (*si).vcpu_info[0].arch.cr2).read_volatile() },
        None => 0,
    }
}
