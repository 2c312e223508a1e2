//! Raw hypercalls through the hypercall page Xen filled in at boot.
//!
//! x86_64 PV calling convention: the hypercall number selects a 32-byte slot in the page;
//! arguments go in rdi, rsi, rdx, r10, r8; the result comes back in rax; the `syscall`
//! inside the slot clobbers rcx and r11, and a debug Xen may clobber the argument registers.

use core::arch::asm;

extern "C" {
    /// The page Xen fills with hypercall stubs (HYPERCALL_PAGE note; see `entry.rs`).
    static hypercall_page: [u8; 4096];
}

/// The hypercall page's bytes (to give a copy to a kernel booted in this domain).
#[cfg(target_os = "none")]
pub(super) fn page() -> &'static [u8; 4096] {
    // SAFETY: Xen fills the page before entering us and nothing writes it afterwards.
    unsafe { &hypercall_page }
}

/// Issues hypercall `nr` with five arguments and returns Xen's result (negative errno on
/// failure).
///
/// # Safety
/// The arguments must be valid for hypercall `nr`: pointers must reference live, correctly
/// typed memory for the whole call, and the operation must not break memory safety (e.g.
/// by unmapping memory Rust still references).
pub(super) unsafe fn call5(
    nr: usize,
    a1: usize,
    a2: usize,
    a3: usize,
    a4: usize,
    a5: usize,
) -> isize {
    let entry = (&raw const hypercall_page).cast::<u8>() as usize + nr * 32;
    let ret: isize;
    // SAFETY: `entry` is a stub in the hypercall page Xen filled in; the caller guarantees
    // the arguments are valid for this hypercall. Every register the stub may change is
    // declared as an output.
    unsafe {
        asm!(
            "call {entry}",
            entry = in(reg) entry,
            inlateout("rdi") a1 => _,
            inlateout("rsi") a2 => _,
            inlateout("rdx") a3 => _,
            inlateout("r10") a4 => _,
            inlateout("r8") a5 => _,
            lateout("rax") ret,
            lateout("rcx") _,
            lateout("r11") _,
        );
    }
    ret
}

/// Issues hypercall `nr` with two arguments.
///
/// # Safety
/// As for [`call5`].
pub(super) unsafe fn call2(nr: usize, a1: usize, a2: usize) -> isize {
    // SAFETY: forwarded from the caller's contract; unused arguments are zero.
    unsafe { call5(nr, a1, a2, 0, 0, 0) }
}

/// Issues hypercall `nr` with three arguments.
///
/// # Safety
/// As for [`call5`].
pub(super) unsafe fn call3(nr: usize, a1: usize, a2: usize, a3: usize) -> isize {
    // SAFETY: forwarded from the caller's contract; unused arguments are zero.
    unsafe { call5(nr, a1, a2, a3, 0, 0) }
}

/// Issues hypercall `nr` with four arguments.
///
/// # Safety
/// As for [`call5`].
pub(super) unsafe fn call4(nr: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> isize {
    // SAFETY: forwarded from the caller's contract; unused arguments are zero.
    unsafe { call5(nr, a1, a2, a3, a4, 0) }
}
