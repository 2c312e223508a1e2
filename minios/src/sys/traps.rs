//! The trap table: every CPU exception is fatal and reported with its frame.
//!
//! On a PV exception Xen enters our handler with `rcx` and `r11` pushed above the hardware
//! frame: `[rcx, r11, (error code), rip, cs, rflags, rsp, ss]`. Each stub restores rcx/r11,
//! pushes a zero where the CPU gives no error code, pushes the vector number and calls
//! [`fatal_trap`] with a pointer to the frame.

use core::arch::global_asm;

use crate::abi::arch_x86::{TrapInfo, FLAT_KERNEL_CS64};

/// The frame the stubs build for [`fatal_trap`].
#[repr(C)]
pub struct TrapFrame {
    vector: u64,
    error_code: u64,
    rip: u64,
    cs: u64,
    rflags: u64,
    rsp: u64,
    ss: u64,
}

macro_rules! trap_stubs {
    ($($vec:literal $name:ident $has_err:literal),* $(,)?) => {
        global_asm!(
            $(
                concat!(".globl ", stringify!($name)),
                concat!(stringify!($name), ":"),
                "    mov (%rsp), %rcx",
                "    mov 8(%rsp), %r11",
                "    add $16, %rsp",
                concat!("    .if ", $has_err, " == 0"),
                "    push $0",
                "    .endif",
                concat!("    push $", $vec),
                "    mov %rsp, %rdi",
                "    and $-16, %rsp",
                "    call {handler}",
                "    ud2",
            )*
            handler = sym fatal_trap,
            options(att_syntax)
        );
        extern "C" { $(fn $name();)* }
        /// (vector, entry) for every exception we handle.
        fn entries() -> [(u8, usize); [$($vec),*].len()] {
            [$(($vec, $name as unsafe extern "C" fn() as usize)),*]
        }
    };
}

trap_stubs!(
    0 trap_divide_error 0,
    1 trap_debug 0,
    3 trap_int3 0,
    4 trap_overflow 0,
    5 trap_bounds 0,
    6 trap_invalid_op 0,
    7 trap_device_not_available 0,
    8 trap_double_fault 1,
    10 trap_invalid_tss 1,
    11 trap_segment_not_present 1,
    12 trap_stack_segment 1,
    13 trap_general_protection 1,
    14 trap_page_fault 1,
    16 trap_coprocessor_error 0,
    17 trap_alignment_check 1,
    19 trap_simd_error 0,
);

/// Installs the trap table (HYPERVISOR_set_trap_table).
pub(super) fn init() {
    const EMPTY: TrapInfo = TrapInfo {
        vector: 0,
        flags: 0,
        cs: 0,
        _pad0: 0,
        address: 0,
    };
    let mut table = [EMPTY; 17];
    for (slot, (vector, entry)) in table.iter_mut().zip(entries()) {
        // flags bit 2: disable event delivery while in the handler (interrupt-gate style).
        *slot = TrapInfo {
            vector,
            flags: 4,
            cs: FLAT_KERNEL_CS64,
            _pad0: 0,
            address: entry as u64,
        };
    }
    // SAFETY: the table is a valid, zero-terminated trap_info array that lives for the call;
    // Xen copies it. Every address is a stub above that never returns.
    let rc = unsafe {
        super::hypercall::call2(
            crate::abi::hypercall::SET_TRAP_TABLE,
            table.as_ptr() as usize,
            0,
        )
    };
    assert_eq!(rc, 0, "set_trap_table failed");
}

/// Reports a CPU exception and crashes the domain; never returns.
extern "C" fn fatal_trap(frame: &TrapFrame) -> ! {
    let cr2 = super::xen::fault_address();
    panic!(
        "CPU exception {} (error code {:#x}) at rip {:#x}, rsp {:#x}, rflags {:#x}, cr2 {:#x}",
        frame.vector, frame.error_code, frame.rip, frame.rsp, frame.rflags, cr2
    );
}
