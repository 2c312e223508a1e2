//! The trampoline page: the last code of ours that runs, from the new kernel's boot stack
//! page, mapped at the same address in our tables and in the new ones.
//!
//! Its copy (a page we own) holds the code at offset 0, the arguments at [`ARGS`] (written by
//! [`Args::write`]) and the `mmuext_op` array at [`OPS`]; its top is the new kernel's initial
//! stack. The code is position independent: it finds its page through `rip`. Hypercalls are
//! made with `syscall` directly (the x86_64 PV convention), since our hypercall page is not
//! mapped once the new tables are in use.

use core::arch::{asm, global_asm};

use crate::abi::hypercall::MMUEXT_OP;
use crate::abi::xen::{
    MmuextOp, DOMID_SELF, MMUEXT_NEW_BASEPTR, MMUEXT_NEW_USER_BASEPTR, MMUEXT_UNPIN_TABLE,
};
use crate::sys::PAGE_SIZE;

/// Offset of the arguments in the page.
const ARGS: usize = 0x800;
/// Offset of the `mmuext_op` array.
const OPS: usize = 0xc00;
/// Offset of the first zero run.
const RUNS: usize = ARGS + 0x20;
/// The most zero runs the page holds.
pub(super) const MAX_RUNS: usize = (OPS - RUNS) / 16;

global_asm!(
    r#"
    .section .text.minios_kexec, "ax"
    .p2align 12
    .globl minios_kexec_trampoline
minios_kexec_trampoline:
    cld
    lea minios_kexec_trampoline(%rip), %rbx
    lea {page}(%rbx), %rsp
    lea {ops}(%rbx), %rdi
    mov $3, %esi
    xor %edx, %edx
    mov ${domid}, %r10d
    mov ${mmuext}, %eax
    syscall
    test %rax, %rax
    jnz 9f
    lea {runs}(%rbx), %r13
    mov {args}+0x18(%rbx), %r12
1:  test %r12, %r12
    jz 2f
    mov (%r13), %rdi
    shl $12, %rdi
    add {args}(%rbx), %rdi
    mov 8(%r13), %rcx
    shl $9, %rcx
    xor %eax, %eax
    rep stosq
    add $16, %r13
    dec %r12
    jmp 1b
2:  mov {args}+0x10(%rbx), %rsi
    mov {args}+0x08(%rbx), %rax
    xor %ebx, %ebx
    xor %ecx, %ecx
    xor %edx, %edx
    xor %edi, %edi
    xor %ebp, %ebp
    xor %r12d, %r12d
    xor %r13d, %r13d
    jmp *%rax
9:  ud2
    .globl minios_kexec_trampoline_end
minios_kexec_trampoline_end:
    .text
    "#,
    page = const PAGE_SIZE,
    ops = const OPS,
    runs = const RUNS,
    args = const ARGS,
    domid = const DOMID_SELF,
    mmuext = const MMUEXT_OP,
    options(att_syntax)
);

extern "C" {
    static minios_kexec_trampoline: u8;
    static minios_kexec_trampoline_end: u8;
}

/// What the trampoline needs.
pub(super) struct Args<'a> {
    /// The new kernel's `virt_base`: pfn `p` is at `virt_base + p * 4096` in the new tables.
    pub virt_base: u64,
    /// The kernel's entry point.
    pub entry: u64,
    /// Virtual address of the new start_info.
    pub start_info_va: u64,
    /// Machine frame of the new top-level table (pinned).
    pub new_l4_mfn: u64,
    /// Machine frame of our top-level table (unpinned by the trampoline).
    pub old_l4_mfn: u64,
    /// `(first pfn, pages)` runs to zero (at most [`MAX_RUNS`]).
    pub zero: &'a [(usize, usize)],
}

impl Args<'_> {
    /// The trampoline page: its code and these arguments.
    pub(super) fn write(&self, page: &mut [u8; PAGE_SIZE]) {
        let start = (&raw const minios_kexec_trampoline) as usize;
        let end = (&raw const minios_kexec_trampoline_end) as usize;
        let len = end - start;
        assert!(len <= ARGS, "the trampoline code fits below its arguments");
        // SAFETY: [start, end) is the trampoline's code in our image, mapped and never
        // written; it is read as plain bytes.
        let code = unsafe { core::slice::from_raw_parts(start as *const u8, len) };
        page.fill(0);
        page[..len].copy_from_slice(code);
        let mut put = |at: usize, v: u64| page[at..at + 8].copy_from_slice(&v.to_le_bytes());
        put(ARGS, self.virt_base);
        put(ARGS + 8, self.entry);
        put(ARGS + 0x10, self.start_info_va);
        put(ARGS + 0x18, self.zero.len() as u64);
        for (i, &(pfn, count)) in self.zero.iter().take(MAX_RUNS).enumerate() {
            put(RUNS + i * 16, pfn as u64);
            put(RUNS + i * 16 + 8, count as u64);
        }
        let ops = [
            MmuextOp::with_mfn(MMUEXT_NEW_BASEPTR, self.new_l4_mfn),
            MmuextOp::with_mfn(MMUEXT_NEW_USER_BASEPTR, 0),
            MmuextOp::with_mfn(MMUEXT_UNPIN_TABLE, self.old_l4_mfn),
        ];
        for (i, op) in ops.iter().enumerate() {
            let at = OPS + i * size_of::<MmuextOp>();
            put(at, u64::from(op.cmd));
            put(at + 8, op.arg1);
            put(at + 16, op.arg2);
        }
    }
}

/// Jumps to the trampoline mapped at `va`; never returns.
///
/// # Safety
/// `va` must map a page [`Args::write`] filled, with the new tables pinned, the same page
/// mapped at `va` by them, and the M2P already describing the new kernel's pfns: nothing of
/// ours runs afterwards.
pub(super) unsafe fn enter(va: usize) -> ! {
    // SAFETY: the caller's contract; the trampoline never comes back.
    unsafe { asm!("jmp {0}", in(reg) va, options(noreturn)) }
}
