//! Why a kernel cannot be laid out.

use core::fmt;

/// An area of the layout, for error messages and [`super::Layout::areas`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Area {
    /// Padding pages (up to the kernel, or up to the end of the initial mapping).
    Padding,
    /// The kernel image.
    Kernel,
    /// The module (initrd).
    Module,
    /// The p2m list (and with `INIT_P2M`, the tables mapping it).
    P2m,
    /// The start_info page.
    StartInfo,
    /// The xenstore ring page.
    Xenstore,
    /// The console ring page.
    Console,
    /// The page tables of the initial mapping.
    PageTables,
    /// The boot stack page.
    Stack,
    /// The initial mapping (`virt_base..v_end`).
    InitialMapping,
}

impl fmt::Display for Area {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Area::Padding => "padding",
            Area::Kernel => "kernel",
            Area::Module => "module",
            Area::P2m => "p2m list",
            Area::StartInfo => "start_info",
            Area::Xenstore => "xenstore page",
            Area::Console => "console page",
            Area::PageTables => "page tables",
            Area::Stack => "boot stack",
            Area::InitialMapping => "initial mapping",
        })
    }
}

/// Why a kernel cannot be laid out in a domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayoutError {
    /// The kernel's range is reversed or starts below `VIRT_BASE`.
    KernelOutOfBounds {
        /// First virtual address of the kernel.
        start: u64,
        /// End of the kernel.
        end: u64,
        /// Entry point.
        entry: u64,
    },
    /// `VIRT_BASE` or the kernel's first address is not page aligned.
    Unaligned {
        /// The address.
        addr: u64,
    },
    /// An area does not fit in the domain's pages.
    DoesNotFit {
        /// The area.
        area: Area,
        /// Pages it needs.
        pages: u64,
        /// Pages left.
        free: u64,
    },
    /// A virtual mapping needs more pfns than the domain has.
    MappingTooLarge {
        /// The mapping (initial mapping or p2m list).
        area: Area,
        /// The last pfn it would map.
        last_pfn: u64,
        /// Pages of the domain.
        nr_pages: u64,
    },
    /// The p2m list's mapping at `INIT_P2M` overlaps the initial mapping.
    OverlappingMappings,
    /// The p2m list at `INIT_P2M` lies where the initial mapping's tables already translate,
    /// so it needs no tables of its own: Xen's builder fails on such a kernel.
    P2mWithoutTables,
    /// The hypercall page is not one of the kernel's pages.
    HypercallPageOutsideKernel {
        /// The `HYPERCALL_PAGE` address.
        vaddr: u64,
    },
    /// An address or size computation overflows 64 bits (or the initial mapping would reach
    /// the end of the address space).
    Overflow,
}

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            LayoutError::KernelOutOfBounds { start, end, entry } => write!(
                f,
                "kernel range {start:#x}..{end:#x} (entry {entry:#x}) out of bounds"
            ),
            LayoutError::Unaligned { addr } => write!(f, "address {addr:#x} is not page aligned"),
            LayoutError::DoesNotFit { area, pages, free } => {
                write!(f, "{area} needs {pages:#x} pages, only {free:#x} left")
            }
            LayoutError::MappingTooLarge {
                area,
                last_pfn,
                nr_pages,
            } => write!(
                f,
                "{area} would map up to pfn {last_pfn:#x}, domain has {nr_pages:#x} pages"
            ),
            LayoutError::OverlappingMappings => {
                f.write_str("p2m mapping at INIT_P2M overlaps the initial mapping")
            }
            LayoutError::P2mWithoutTables => {
                f.write_str("p2m list at INIT_P2M needs no page tables of its own")
            }
            LayoutError::HypercallPageOutsideKernel { vaddr } => {
                write!(f, "hypercall page {vaddr:#x} is outside the kernel")
            }
            LayoutError::Overflow => f.write_str("address arithmetic overflows"),
        }
    }
}

impl core::error::Error for LayoutError {}
