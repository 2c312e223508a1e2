//! The PV entry point, the hypercall page, the boot stack and the Xen ELF notes.
//!
//! Xen's domain builder reads the notes, maps the image at VIRT_BASE (0), fills the hypercall
//! page and enters `_start` with `rsi` pointing at the start_info page (mapped in the initial
//! mapping). We switch to our own stack in .bss and call into Rust.

use core::arch::global_asm;

/// Bytes of the boot stack (the only stack while the scheduler has none of its own).
pub const BOOT_STACK_SIZE: usize = 128 * 1024;

global_asm!(
    r#"
    .section .text.boot, "ax"
    .globl _start
_start:
    cld
    mov %rsi, %rdi
    mov %rsp, %rsi
    lea minios_boot_stack_top(%rip), %rsp
    xor %ebp, %ebp
    call {entry}
    ud2

    .p2align 12
    .globl hypercall_page
hypercall_page:
    .fill 4096, 1, 0xcc

    .section .bss.minios_stack, "aw", @nobits
    .p2align 12
minios_boot_stack:
    .skip {stack_size}
minios_boot_stack_top:

    .section .note.Xen, "a", @note
    .macro xen_note_head type
    .p2align 2
    .long 4
    .long 2f - 1f
    .long \type
    .asciz "Xen"
    .p2align 2
    .endm
    xen_note_head 6
1:  .asciz "minios"
2:  xen_note_head 5
1:  .asciz "xen-3.0"
2:  xen_note_head 8
1:  .asciz "generic"
2:  xen_note_head 3
1:  .quad 0
2:  xen_note_head 4
1:  .quad 0
2:  xen_note_head 1
1:  .quad _start
2:  xen_note_head 2
1:  .quad hypercall_page
2:  xen_note_head 10
1:  .asciz "!writable_page_tables"
2:
    .p2align 2
    .text
    "#,
    entry = sym super::boot::minios_entry,
    stack_size = const BOOT_STACK_SIZE,
    options(att_syntax)
);
