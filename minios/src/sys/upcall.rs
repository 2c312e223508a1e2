//! The event upcall: how Xen tells this vCPU that an event channel is pending.
//!
//! minios runs with upcalls masked (`vcpu_info.evtchn_upcall_mask = 1`) at all times except
//! inside [`block`]: SCHEDOP_block unmasks atomically and sleeps until an event is pending.
//! When it returns with an event pending, Xen builds a bounce frame on our stack and enters
//! [`minios_event_upcall`] before the hypercall returns. The upcall is only a doorbell: it
//! clears IF in the saved RFLAGS and returns through HYPERVISOR_iret, which restores the
//! upcall mask from that IF, so execution resumes after the hypercall with upcalls masked
//! again. The pending-bit scan and every handler then run in ordinary code (see
//! `crate::events`), never in interrupt context: no handler can interrupt a lock holder.
//!
//! Bounce frame of an x86_64 PV event callback (Xen's `create_bounce_frame`), lowest address
//! first: `rcx, r11, rip, cs, rflags, rsp, ss`. The CS word carries the saved upcall mask in
//! bits 32-39 and Xen folds `!mask` into RFLAGS.IF. HYPERVISOR_iret expects
//! `[flags], rip, cs, rflags, rsp, ss` on the stack with the values to restore in rax, rcx
//! and r11; its slot in the hypercall page pushes those three and does not return.

use core::arch::global_asm;
use core::sync::atomic::{AtomicU64, AtomicU8, Ordering};

use super::hypercall::{call2, call3};
use crate::abi::hypercall as nr;
use crate::abi::sched::SCHEDOP_BLOCK;

/// Number of event upcalls taken since boot (incremented by the entry stub).
static UPCALLS: AtomicU64 = AtomicU64::new(0);
/// Number of SCHEDOP_block calls since boot.
static BLOCKS: AtomicU64 = AtomicU64::new(0);

/// The failsafe callback's frame: Xen could not load a segment register on return.
#[repr(C)]
pub struct FailsafeFrame {
    rcx: u64,
    r11: u64,
    ds: u64,
    es: u64,
    fs: u64,
    gs: u64,
    rip: u64,
    cs: u64,
    rflags: u64,
    rsp: u64,
    ss: u64,
}

global_asm!(
    r#"
    .globl minios_event_upcall
minios_event_upcall:
    lock incq {upcalls}(%rip)
    mov (%rsp), %rcx
    mov 8(%rsp), %r11
    add $16, %rsp
    andq $~0x200, 16(%rsp)
    push $0
    jmp hypercall_page + {iret_offset}

    .globl minios_failsafe_callback
minios_failsafe_callback:
    mov %rsp, %rdi
    and $-16, %rsp
    call {failsafe}
    ud2
    "#,
    upcalls = sym UPCALLS,
    iret_offset = const nr::IRET * 32,
    failsafe = sym failsafe,
    options(att_syntax)
);

extern "C" {
    fn minios_event_upcall();
    fn minios_failsafe_callback();
}

/// Xen failed to restore our segment registers; minios never loads any, so this is fatal.
extern "C" fn failsafe(frame: &FailsafeFrame) -> ! {
    panic!(
        "failsafe callback at rip {:#x} (ds {:#x} es {:#x} fs {:#x} gs {:#x})",
        frame.rip, frame.ds, frame.es, frame.fs, frame.gs
    );
}

/// vCPU 0's upcall mask byte in shared_info.
fn upcall_mask() -> &'static AtomicU8 {
    let si = super::xen::shared_info();
    // SAFETY: shared_info stays mapped for the life of the domain; the byte is only accessed
    // atomically (by us) or by Xen, and AtomicU8 has the layout of u8.
    unsafe { AtomicU8::from_ptr((&raw const (*si).vcpu_info[0].evtchn_upcall_mask).cast_mut()) }
}

/// Registers the upcall and failsafe entry points (HYPERVISOR_set_callbacks) and masks
/// upcalls. Called once at boot, before any event channel is unmasked.
pub(super) fn install() {
    upcall_mask().store(1, Ordering::SeqCst);
    // SAFETY: both addresses are the entry stubs above, which follow Xen's bounce-frame
    // protocol; no syscall callback is registered (minios has no user mode).
    let rc = unsafe {
        call3(
            nr::SET_CALLBACKS,
            minios_event_upcall as unsafe extern "C" fn() as usize,
            minios_failsafe_callback as unsafe extern "C" fn() as usize,
            0,
        )
    };
    assert_eq!(rc, 0, "set_callbacks failed");
}

/// Sleeps until an event is pending for this vCPU (SCHEDOP_block), then returns with upcalls
/// masked. Returns at once if an event is already pending.
pub(crate) fn block() {
    BLOCKS.fetch_add(1, Ordering::Relaxed);
    // SAFETY: SCHEDOP_block takes no argument. It unmasks upcalls; the upcall stub may run
    // on this stack before the call returns and leaves every register as it was.
    unsafe { call2(nr::SCHED_OP, SCHEDOP_BLOCK as usize, 0) };
    // With an upcall the mask is already set again; without one (a spurious wake) we set it.
    upcall_mask().store(1, Ordering::SeqCst);
}

/// Number of event upcalls taken since boot.
pub fn upcall_count() -> u64 {
    UPCALLS.load(Ordering::Relaxed)
}

/// Number of times the vCPU blocked (SCHEDOP_block) since boot.
pub fn block_count() -> u64 {
    BLOCKS.load(Ordering::Relaxed)
}
