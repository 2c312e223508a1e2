//! The PV domain layout a loaded kernel expects, as Xen's domain builder makes it.
//!
//! A 64-bit PV kernel starts with its pseudo-physical space laid out from pfn 0 by the domain
//! builder (libxenguest, `xc_dom_build_image` and the x86 hooks; Xen 4.17). pv-grub must lay
//! out the kernel it boots the same way, so this module computes that layout as a pure
//! function, with the builder's order and rounding:
//!
//! 1. padding from `virt_base` up to the kernel's first address, then the kernel segment;
//! 2. the module (initrd), right after the kernel, unless the kernel has the `MOD_START_PFN`
//!    note (then it comes after the initial mapping, step 8);
//! 3. the p2m list (8 bytes per page, rounded up to pages), unless the kernel has a usable
//!    `INIT_P2M` note (then it comes last, step 9, with page tables of its own);
//! 4. the start_info, xenstore and console pages;
//! 5. the page tables of the initial mapping: one L4, then the L3s, L2s and L1s that map
//!    `virt_base` up to `v_end`, where `v_end` is the end of everything so far plus the
//!    tables themselves, the boot stack and 512 KiB, rounded up to 4 MiB;
//! 6. the boot stack page;
//! 7. padding up to `v_end`, so that everything the initial mapping covers is memory;
//! 8. the unmapped module, if any;
//! 9. the p2m list at `INIT_P2M`, followed by the L3/L2/L1 tables that map it.
//!
//! [`KernelPlacement::from_image`] takes what the layout needs from a loaded kernel
//! ([`crate::image::load`]); [`Layout::new`] lays the domain out; [`Layout::page_table_plan`] renders the
//! page-table plan and [`StartInfo::encode`] the start_info page.
//!
//! Validation: `pvgrub/tests/layout_peer.rs` runs Debian's libxenguest 4.17 on the same inputs
//! and compares every pfn, page-table entry and start_info byte. A test in a real domain can
//! compare its start_info with [`Layout::start_info`] (see `pvgrub/tests/layout_support/`).

mod build;
mod error;
mod kernel;
mod pages;
mod pgtable;
mod start_info;

pub use error::{Area, LayoutError};
pub use kernel::KernelPlacement;
pub use pages::{PageSource, Part};
pub use pgtable::{EntryRun, PageTable};
pub use start_info::{StartInfo, StartInfoRuntime, MAX_CMDLINE, START_INFO_MAGIC, START_INFO_SIZE};

use alloc::vec::Vec;

use pgtable::Mapping;

/// Size of a page.
pub const PAGE_SIZE: u64 = 4096;
/// log2 of [`PAGE_SIZE`].
pub const PAGE_SHIFT: u32 = 12;

/// `start_info.flags`: the module is a multiboot module list (`SIF_MULTIBOOT_MOD`).
pub const SIF_MULTIBOOT_MOD: u32 = 1 << 2;
/// `start_info.flags`: `mod_start` is a pfn and `mod_len` a multiple of pages
/// (`SIF_MOD_START_PFN`); set by the layout when the module is not mapped.
pub const SIF_MOD_START_PFN: u32 = 1 << 3;
/// `start_info.flags`: the p2m list is virtually mapped for the tools
/// (`SIF_VIRT_P2M_4TOOLS`). libxenguest starts every domain's flags with this one, so a domU
/// built by `xl create` sees it.
pub const SIF_VIRT_P2M_4TOOLS: u32 = 1 << 4;

/// The biggest gzip'd module libxenguest inflates when it loads it (1 GiB).
const BUILDER_GUNZIP_MAX: u64 = 1 << 30;

/// What the domain gives the kernel: its memory and its module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DomainConfig {
    /// Pages of memory the domain has (`start_info.nr_pages`); pfns are `0..nr_pages`.
    pub nr_pages: u64,
    /// Length in bytes of the module (initrd) as placed in memory, if there is one; see
    /// [`builder_module_len`] for what libxenguest places for a gzip'd module.
    pub module_len: Option<u64>,
    /// `start_info.flags` before the layout adds [`SIF_MOD_START_PFN`]: libxenguest uses
    /// [`SIF_VIRT_P2M_4TOOLS`], C pv-grub used 0 or [`SIF_MULTIBOOT_MOD`].
    pub flags: u32,
}

/// Pages and addresses of one area of the layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// First pfn.
    pub pfn: u64,
    /// Number of pages.
    pub pages: u64,
    /// Virtual address the kernel sees it at (`INIT_P2M` for a p2m outside the initial
    /// mapping; for an unmapped module, the address it would have had, as the builder keeps).
    pub vstart: u64,
    /// Length in bytes (the pages may hold more).
    pub len: u64,
}

impl Segment {
    /// The pfn after the last one.
    pub fn pfn_end(&self) -> u64 {
        self.pfn + self.pages
    }

    /// Whether `pfn` is one of this segment's pages.
    pub fn contains_pfn(&self, pfn: u64) -> bool {
        pfn >= self.pfn && pfn < self.pfn_end()
    }
}

/// The pseudo-physical layout of a PV domain about to run a kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Virtual address of pfn 0 in the initial mapping.
    pub virt_base: u64,
    /// Where the kernel starts (`rip`).
    pub entry: u64,
    /// Pages of the domain.
    pub nr_pages: u64,
    /// The kernel's loadable range (`vstart` is its first address).
    pub kernel: Segment,
    /// The module, if any. Mapped at `vstart` unless `start_info.flags` has
    /// [`SIF_MOD_START_PFN`].
    pub module: Option<Segment>,
    /// The p2m list (pfn to mfn, 8 bytes a page); with `INIT_P2M`, its page tables follow it
    /// inside this segment.
    pub p2m: Segment,
    /// The start_info page.
    pub start_info_pfn: u64,
    /// The xenstore ring page.
    pub xenstore_pfn: u64,
    /// The console ring page.
    pub console_pfn: u64,
    /// The page tables of the initial mapping; the L4 is the first page (`cr3`).
    pub page_tables: Segment,
    /// The boot stack page; `rsp` starts at its end.
    pub stack_pfn: u64,
    /// End of the initial mapping: `virt_base..v_end` maps pfns from 0.
    pub v_end: u64,
    /// The first pfn the layout does not use.
    pub pfn_end: u64,
    /// The pfn that gets the hypercall page, if the kernel asked for one.
    pub hypercall_page_pfn: Option<u64>,
    /// What start_info says about the layout.
    pub start_info: StartInfo,
    maps: [Option<Mapping>; 2],
}

impl Layout {
    /// Lays a domain out for a kernel, as libxenguest does.
    pub fn new(kernel: &KernelPlacement, domain: &DomainConfig) -> Result<Self, LayoutError> {
        build::build(kernel, domain)
    }

    /// Initial `rsp`: the end of the boot stack page.
    pub fn stack_top(&self) -> u64 {
        self.virt_base + ((self.stack_pfn + 1) << PAGE_SHIFT)
    }

    /// Initial `rsi`: the virtual address of start_info.
    pub fn start_info_vaddr(&self) -> u64 {
        self.virt_base + (self.start_info_pfn << PAGE_SHIFT)
    }

    /// The pfn whose machine frame goes in `cr3` (and gets pinned as an L4).
    pub fn cr3_pfn(&self) -> u64 {
        self.page_tables.pfn
    }

    /// The page-table plan: every table page (those of the initial mapping, then those
    /// mapping the p2m list at `INIT_P2M`), with its level and entries, by pfn.
    pub fn page_table_plan(&self) -> Vec<PageTable> {
        let maps: Vec<Mapping> = self.maps.iter().flatten().copied().collect();
        pgtable::plan(&maps)
    }

    /// The areas of the layout (padding excluded), in pfn order.
    pub fn areas(&self) -> impl Iterator<Item = (Area, Segment)> + '_ {
        let page = |pfn| Segment {
            pfn,
            pages: 1,
            vstart: self.virt_base + (pfn << PAGE_SHIFT),
            len: PAGE_SIZE,
        };
        let mut all = [
            Some((Area::Kernel, self.kernel)),
            self.module.map(|m| (Area::Module, m)),
            Some((Area::P2m, self.p2m)),
            Some((Area::StartInfo, page(self.start_info_pfn))),
            Some((Area::Xenstore, page(self.xenstore_pfn))),
            Some((Area::Console, page(self.console_pfn))),
            Some((Area::PageTables, self.page_tables)),
            Some((Area::Stack, page(self.stack_pfn))),
        ];
        all.sort_by_key(|a| a.map(|(_, s)| s.pfn));
        all.into_iter().flatten()
    }
}

/// The length libxenguest gives a module in memory: a gzip'd module (magic `1f 8b`) whose
/// trailer announces at most 1 GiB is inflated into a segment of that size plus 16 bytes (or
/// its own length if bigger); anything else is placed as it is.
pub fn builder_module_len(module: &[u8]) -> u64 {
    let len = module.len() as u64;
    let isize = match (module.get(..2), module.len().checked_sub(4)) {
        (Some([0x1f, 0x8b]), Some(at)) if module.len() >= 6 => module
            .get(at..)
            .and_then(|t| t.try_into().ok())
            .map(u32::from_le_bytes),
        _ => None,
    };
    match isize.map(u64::from) {
        Some(n) if n <= BUILDER_GUNZIP_MAX => len.max(n + 16),
        _ => len,
    }
}
