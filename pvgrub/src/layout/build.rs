//! The domain builder's allocation order (libxenguest's `xc_dom_build_image` with the x86_64
//! PV hooks).

use super::pgtable::Mapping;
use super::{
    Area, DomainConfig, KernelPlacement, Layout, LayoutError, Segment, StartInfo, PAGE_SHIFT,
    PAGE_SIZE, SIF_MOD_START_PFN,
};

/// Pages added to the initial mapping beyond what is allocated: 512 KiB.
const PADDING_PAGES: u64 = (512 * 1024) / PAGE_SIZE;
/// The initial mapping ends on a 4 MiB boundary: its last address has these bits set.
const MAPPING_END_MASK: u64 = (4 << 20) - 1;
/// Bytes of a p2m entry.
const P2M_ENTRY: u64 = 8;

/// Where the p2m list goes.
enum P2mPlan {
    /// In the initial mapping, allocated there.
    Mapped(Segment),
    /// At this `INIT_P2M` address, after everything else.
    At(u64),
}

/// The builder's running allocation: the next pfn and the virtual address it gets.
struct Alloc {
    nr_pages: u64,
    pfn: u64,
    vaddr: u64,
}

impl Alloc {
    /// Takes `pages` pages (`xc_dom_chk_alloc_pages`). Inside the initial mapping a virtual
    /// address past 2^64 is an error; after it the builder lets it wrap, as nothing uses it.
    fn take(&mut self, area: Area, pages: u64, mapped: bool) -> Result<(), LayoutError> {
        let free = self.nr_pages.saturating_sub(self.pfn);
        if pages > self.nr_pages || self.pfn > self.nr_pages || pages > free {
            return Err(LayoutError::DoesNotFit { area, pages, free });
        }
        let bytes = pages.checked_mul(PAGE_SIZE).ok_or(LayoutError::Overflow)?;
        self.vaddr = if mapped {
            self.vaddr.checked_add(bytes).ok_or(LayoutError::Overflow)?
        } else {
            self.vaddr.wrapping_add(bytes)
        };
        self.pfn += pages;
        Ok(())
    }

    /// Pads up to the page-aligned virtual address `boundary` (`xc_dom_alloc_pad`).
    fn pad_to(&mut self, boundary: u64, mapped: bool) -> Result<(), LayoutError> {
        if !boundary.is_multiple_of(PAGE_SIZE) {
            return Err(LayoutError::Unaligned { addr: boundary });
        }
        let gap = boundary
            .checked_sub(self.vaddr)
            .ok_or(LayoutError::Overflow)?;
        self.take(Area::Padding, gap / PAGE_SIZE, mapped)
    }

    /// Allocates `len` bytes (`xc_dom_alloc_segment` without a start address).
    fn segment(&mut self, area: Area, len: u64, mapped: bool) -> Result<Segment, LayoutError> {
        let pages = len.div_ceil(PAGE_SIZE);
        let seg = Segment {
            pfn: self.pfn,
            pages,
            vstart: self.vaddr,
            len,
        };
        self.take(area, pages, mapped)?;
        Ok(seg)
    }

    /// Allocates one page and returns its pfn (`xc_dom_alloc_page`).
    fn page(&mut self, area: Area) -> Result<u64, LayoutError> {
        Ok(self.segment(area, PAGE_SIZE, true)?.pfn)
    }
}

/// Lays a domain out; see the module documentation for the order.
pub(super) fn build(kernel: &KernelPlacement, dom: &DomainConfig) -> Result<Layout, LayoutError> {
    let virt_base = kernel.virt_base;
    if !virt_base.is_multiple_of(PAGE_SIZE) {
        return Err(LayoutError::Unaligned { addr: virt_base });
    }
    if kernel.start < virt_base || kernel.end < kernel.start {
        return Err(LayoutError::KernelOutOfBounds {
            start: kernel.start,
            end: kernel.end,
            entry: kernel.entry,
        });
    }
    let mut alloc = Alloc {
        nr_pages: dom.nr_pages,
        pfn: 0,
        vaddr: virt_base,
    };
    if kernel.start != 0 {
        alloc.pad_to(kernel.start, true)?;
    }
    let kernel_seg = alloc.segment(Area::Kernel, kernel.end - kernel.start, true)?;
    let hypercall_page_pfn = hypercall_pfn(kernel, &kernel_seg)?;

    // An empty module is no module (the builder cannot map a segment of no pages).
    let module_len = dom.module_len.filter(|&len| len > 0);
    let mut module = match module_len {
        Some(len) if !kernel.unmapped_module => Some(alloc.segment(Area::Module, len, true)?),
        _ => None,
    };

    let p2m_len = dom
        .nr_pages
        .checked_mul(P2M_ENTRY)
        .and_then(|b| b.checked_next_multiple_of(PAGE_SIZE))
        .ok_or(LayoutError::Overflow)?;
    // INIT_P2M counts only below virt_base and page aligned; else the list is mapped here.
    let p2m_plan = match kernel.p2m_base {
        Some(base) if base < virt_base && base.is_multiple_of(PAGE_SIZE) => P2mPlan::At(base),
        _ => P2mPlan::Mapped(alloc.segment(Area::P2m, p2m_len, true)?),
    };

    let start_info_pfn = alloc.page(Area::StartInfo)?;
    let xenstore_pfn = alloc.page(Area::Xenstore)?;
    let console_pfn = alloc.page(Area::Console)?;

    let (initial, v_end) = initial_mapping(&alloc, virt_base)?;
    let page_tables = alloc.segment(Area::PageTables, initial.area.tables * PAGE_SIZE, true)?;
    let stack_pfn = alloc.page(Area::Stack)?;
    alloc.pad_to(v_end, true)?;

    let mut flags = dom.flags;
    let (mut mod_start, mut mod_len) = (0, 0);
    match (module_len, module) {
        (Some(len), None) => {
            let seg = alloc.segment(Area::Module, len, false)?;
            flags |= SIF_MOD_START_PFN;
            (mod_start, mod_len) = (seg.pfn, seg.pages * PAGE_SIZE);
            module = Some(seg);
        }
        (_, Some(seg)) => (mod_start, mod_len) = (seg.vstart, seg.len),
        (None, None) => {}
    }

    let mut maps = [Some(initial), None];
    let (p2m, first_p2m_pfn, nr_p2m_frames) = match p2m_plan {
        P2mPlan::Mapped(seg) => (seg, 0, 0),
        P2mPlan::At(base) => {
            let (seg, map) = p2m_mapping(&mut alloc, &initial, base, p2m_len, virt_base)?;
            maps[1] = Some(map);
            (seg, seg.pfn, seg.pages)
        }
    };

    let start_info = StartInfo {
        nr_pages: dom.nr_pages,
        flags,
        pt_base: page_tables.vstart,
        nr_pt_frames: page_tables.pages,
        mfn_list: p2m.vstart,
        mod_start,
        mod_len,
        first_p2m_pfn,
        nr_p2m_frames,
    };
    Ok(Layout {
        virt_base,
        entry: kernel.entry,
        nr_pages: dom.nr_pages,
        kernel: kernel_seg,
        module,
        p2m,
        start_info_pfn,
        xenstore_pfn,
        console_pfn,
        page_tables,
        stack_pfn,
        v_end,
        pfn_end: alloc.pfn,
        hypercall_page_pfn,
        start_info,
        maps,
    })
}

/// The pfn of the hypercall page, which must be one of the kernel's pages.
fn hypercall_pfn(kernel: &KernelPlacement, seg: &Segment) -> Result<Option<u64>, LayoutError> {
    let Some(vaddr) = kernel.hypercall_page else {
        return Ok(None);
    };
    match vaddr.checked_sub(kernel.virt_base) {
        Some(off) if seg.contains_pfn(off >> PAGE_SHIFT) => Ok(Some(off >> PAGE_SHIFT)),
        _ => Err(LayoutError::HypercallPageOutsideKernel { vaddr }),
    }
}

/// Sizes the initial mapping (`alloc_pgtables_pv`): it must hold everything allocated so
/// far, its own tables, the boot stack and 512 KiB, and end on a 4 MiB boundary. Returns the
/// mapping and its end.
fn initial_mapping(alloc: &Alloc, virt_base: u64) -> Result<(Mapping, u64), LayoutError> {
    let extra = PADDING_PAGES + 1;
    let mut pages = extra;
    // Each pass that does not settle moves `last` up by at least 4 MiB, and `Mapping::count`
    // fails once the mapping needs more pfns than the domain has: the loop ends.
    loop {
        let want = pages
            .checked_mul(PAGE_SIZE)
            .and_then(|b| alloc.vaddr.checked_add(b))
            .ok_or(LayoutError::Overflow)?;
        let last = want | MAPPING_END_MASK;
        let map = Mapping::count(
            &[],
            Area::InitialMapping,
            (virt_base, last),
            (0, alloc.pfn),
            alloc.nr_pages,
        )?;
        pages = map.area.tables + extra;
        let end = last.checked_add(1).ok_or(LayoutError::Overflow)?;
        let used = pages
            .checked_mul(PAGE_SIZE)
            .and_then(|b| alloc.vaddr.checked_add(b));
        if used.is_some_and(|u| u <= end) {
            let mut map = map;
            map.area.pfn = 0;
            return Ok((map, end));
        }
    }
}

/// Places the p2m list at `INIT_P2M`, after everything else, followed by the tables that map
/// it (`alloc_p2m_list_x86_64`).
fn p2m_mapping(
    alloc: &mut Alloc,
    initial: &Mapping,
    base: u64,
    len: u64,
    virt_base: u64,
) -> Result<(Segment, Mapping), LayoutError> {
    let last = len
        .checked_sub(1)
        .and_then(|l| base.checked_add(l))
        .ok_or(LayoutError::Overflow)?;
    // The builder's own check compares raw and 48-bit-masked addresses and can miss this.
    if last >= virt_base {
        return Err(LayoutError::OverlappingMappings);
    }
    let first_pfn = alloc.pfn;
    let mut map = Mapping::count(
        core::slice::from_ref(initial),
        Area::P2m,
        (base, last),
        (first_pfn, first_pfn),
        alloc.nr_pages,
    )?;
    // The builder then looks for the p2m's top table past the list, finds no page, fails.
    if map.area.tables == 0 {
        return Err(LayoutError::P2mWithoutTables);
    }
    map.area.pfn = first_pfn;
    let p2m_pages = len / PAGE_SIZE;
    for level in &mut map.levels {
        level.pfn += p2m_pages;
    }
    let total = len + map.area.tables * PAGE_SIZE;
    let mut seg = alloc.segment(Area::P2m, total, false)?;
    seg.vstart = base;
    Ok((seg, map))
}
