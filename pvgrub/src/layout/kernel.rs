//! From a kernel's Xen notes to where it goes (libelf's `elf_xen_addr_calc_check`).

use super::LayoutError;

/// What the layout needs from a kernel's Xen notes and program headers. `None` is a note the
/// kernel does not have.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KernelNotes {
    /// `XEN_ELFNOTE_VIRT_BASE`.
    pub virt_base: Option<u64>,
    /// `XEN_ELFNOTE_PADDR_OFFSET`.
    pub paddr_offset: Option<u64>,
    /// `XEN_ELFNOTE_ENTRY`.
    pub entry: Option<u64>,
    /// `XEN_ELFNOTE_HYPERCALL_PAGE`.
    pub hypercall_page: Option<u64>,
    /// `XEN_ELFNOTE_INIT_P2M`: where the kernel wants the p2m list, outside the initial mapping.
    pub init_p2m: Option<u64>,
    /// `XEN_ELFNOTE_MOD_START_PFN` is non-zero: the module need not be mapped.
    pub mod_start_pfn: bool,
    /// The notes came from the legacy `__xen_guest` section (then a missing `PADDR_OFFSET`
    /// means `VIRT_BASE`, not 0).
    pub legacy_guest_section: bool,
    /// The ELF header's `e_entry`, used when there is no `ENTRY` note.
    pub elf_entry: u64,
    /// Lowest `p_paddr` of the loadable program headers.
    pub paddr_start: u64,
    /// Highest `p_paddr + p_memsz` of the loadable program headers.
    pub paddr_end: u64,
}

/// Where a kernel goes and what it asks of the layout, with libelf's defaults applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelPlacement {
    /// Virtual address of pfn 0.
    pub virt_base: u64,
    /// First virtual address of the kernel.
    pub start: u64,
    /// End of the kernel (exclusive).
    pub end: u64,
    /// Entry point.
    pub entry: u64,
    /// Where the hypercall page goes, if asked for.
    pub hypercall_page: Option<u64>,
    /// `INIT_P2M`, if the kernel has it.
    pub p2m_base: Option<u64>,
    /// The module goes after the initial mapping and start_info gives its pfn.
    pub unmapped_module: bool,
}

impl KernelNotes {
    /// Applies libelf's defaults and checks: `VIRT_BASE` defaults to 0, `PADDR_OFFSET` to 0
    /// (to `VIRT_BASE` for `__xen_guest`), `ENTRY` to `e_entry`; the kernel occupies the
    /// loadable physical range moved by `VIRT_BASE - PADDR_OFFSET` (modulo 2^64, as libelf
    /// computes it) and must contain the entry and not start below `VIRT_BASE`; `INIT_P2M`
    /// must not point into the kernel.
    pub fn resolve(&self) -> Result<KernelPlacement, LayoutError> {
        if self.paddr_offset.is_some() && self.virt_base.is_none() {
            return Err(LayoutError::PaddrOffsetWithoutVirtBase);
        }
        let virt_base = self.virt_base.unwrap_or(0);
        let paddr_offset = match (self.paddr_offset, self.legacy_guest_section) {
            (Some(off), _) => off,
            (None, true) => virt_base,
            (None, false) => 0,
        };
        let virt_offset = virt_base.wrapping_sub(paddr_offset);
        let start = self.paddr_start.wrapping_add(virt_offset);
        let end = self.paddr_end.wrapping_add(virt_offset);
        let entry = self.entry.unwrap_or(self.elf_entry);
        if start > end || entry < start || entry > end || virt_base > start {
            return Err(LayoutError::KernelOutOfBounds { start, end, entry });
        }
        if let Some(p2m_base) = self.init_p2m {
            if p2m_base >= start && p2m_base < end {
                return Err(LayoutError::P2mBaseInsideKernel { p2m_base });
            }
        }
        Ok(KernelPlacement {
            virt_base,
            start,
            end,
            entry,
            hypercall_page: self.hypercall_page,
            p2m_base: self.init_p2m,
            unmapped_module: self.mod_start_pfn,
        })
    }
}
