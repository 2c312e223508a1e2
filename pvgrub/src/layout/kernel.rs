//! What the layout needs to know about a kernel.

use crate::image::KernelImage;

/// Where a kernel goes and what it asks of the layout: its placement as libelf computes it
/// (see [`crate::image::PvParams`]) and the notes that change the layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelPlacement {
    /// Virtual address of pfn 0 (`VIRT_BASE`, or 0).
    pub virt_base: u64,
    /// First virtual address of the kernel.
    pub start: u64,
    /// End of the kernel (exclusive).
    pub end: u64,
    /// Entry point.
    pub entry: u64,
    /// Where the hypercall page goes (`HYPERCALL_PAGE`), if asked for.
    pub hypercall_page: Option<u64>,
    /// `INIT_P2M`: where the kernel wants its p2m list, outside the initial mapping.
    pub p2m_base: Option<u64>,
    /// `MOD_START_PFN` is non-zero: the module goes after the initial mapping and start_info
    /// gives its pfn.
    pub unmapped_module: bool,
}

impl KernelPlacement {
    /// The placement of a loaded kernel image.
    pub fn from_image(image: &KernelImage<'_>) -> Self {
        let params = &image.params;
        KernelPlacement {
            virt_base: params.virt_base,
            start: params.virt_kstart,
            end: params.virt_kend,
            entry: params.virt_entry,
            hypercall_page: image.notes.hypercall_page,
            p2m_base: image.notes.init_p2m,
            unmapped_module: image.notes.mod_start_pfn.is_some_and(|v| v != 0),
        }
    }
}
