//! The p2m and M2P tables, and the 1:1 mapping of all RAM built at boot.
//!
//! Xen's initial mapping covers the image and the boot structures; [`init`] extends it to
//! every page of the domain, taking new page-table frames from the first free frames (each
//! made read-only before it is hooked in, as PV requires).

use crate::abi::xen::SIF_MOD_START_PFN;
use crate::abi::xen::{MmuUpdate, MMU_NORMAL_PT_UPDATE};
use crate::abi::StartInfo;
use crate::sys::error::XenError;
use crate::sys::xen::{machphys_mapping, mmu_update, update_va_mapping};
use crate::sys::PAGE_SIZE;

const PTE_PRESENT: u64 = 1 << 0;
const PTE_RW: u64 = 1 << 1;
const PTE_USER: u64 = 1 << 2;
const PTE_ACCESSED: u64 = 1 << 5;
const PTE_DIRTY: u64 = 1 << 6;
const PTE_ADDR: u64 = 0x000f_ffff_ffff_f000;
/// Flags of a read-write data mapping.
pub(in crate::sys) const PTE_DATA: u64 = PTE_PRESENT | PTE_RW | PTE_USER | PTE_ACCESSED | PTE_DIRTY;
/// Flags of a read-only mapping (what page-table frames need).
pub(in crate::sys) const PTE_READONLY: u64 = PTE_PRESENT | PTE_USER | PTE_ACCESSED;
/// Flags of an entry pointing at a lower-level table.
const PTE_TABLE: u64 = PTE_PRESENT | PTE_RW | PTE_USER | PTE_ACCESSED | PTE_DIRTY;
/// The p2m marks a pfn with no machine frame with this value.
const INVALID_MFN: u64 = u64::MAX;

/// The p2m list Xen gave us (one mfn per pfn), read-only.
static P2M: spin::Once<&'static [u64]> = spin::Once::new();
/// The M2P table: its base address and the highest mfn it covers.
static M2P: spin::Once<(usize, u64)> = spin::Once::new();
/// The pfn of our top-level page table.
static L4: spin::Once<usize> = spin::Once::new();

/// The machine frame backing pseudo-physical frame `pfn` (panics past the domain's end).
pub(crate) fn pfn_to_mfn(pfn: usize) -> u64 {
    P2M.get().expect("memory initialised")[pfn]
}

/// The virtual address of pseudo-physical frame `pfn` in the 1:1 mapping.
pub(crate) const fn pfn_to_va(pfn: usize) -> usize {
    pfn * PAGE_SIZE
}

/// The pseudo-physical frame of machine frame `mfn`, if it is one of ours: the M2P entry is
/// checked against the p2m, so a stale or foreign entry gives `None`.
///
/// # Safety
/// `mfn` must be a frame Xen gave this domain (read from our page tables or start_info):
/// Xen maps the M2P entries of RAM frames, but reading the entry of another frame (a hole in
/// the host's memory map) may fault.
unsafe fn mfn_to_pfn(mfn: u64) -> Option<usize> {
    let &(base, max_mfn) = M2P.get().expect("memory initialised");
    if mfn > max_mfn {
        return None;
    }
    // SAFETY: Xen maps the read-only M2P table at `base` for mfns up to `max_mfn` in every PV
    // guest; the entry of one of our frames is present (caller's contract).
    let pfn = unsafe { (base as *const u64).add(mfn as usize).read_volatile() } as usize;
    let p2m = P2M.get().expect("memory initialised");
    (p2m.get(pfn) == Some(&mfn)).then_some(pfn)
}

/// The pfn of one of our frames named by start_info (xenstore or console ring).
pub(in crate::sys) fn start_info_frame(mfn: u64) -> Option<usize> {
    // SAFETY: start_info's frames are frames Xen gave this domain.
    unsafe { mfn_to_pfn(mfn) }
}

/// Entry `index` of the page table at `pfn`.
///
/// # Safety
/// `pfn` must be one of this domain's page-table frames (mapped read-only in the 1:1
/// mapping); `index` below 512.
unsafe fn pte(pfn: usize, index: usize) -> u64 {
    debug_assert!(index < 512);
    // SAFETY: the table is mapped (caller's contract); Xen changes it only on our own
    // mmu_update requests, and the read is volatile so no reference to it is ever formed.
    unsafe { (pfn_to_va(pfn) as *const u64).add(index).read_volatile() }
}

/// The pfn of the table an entry points at.
///
/// # Safety
/// `entry` must be a present entry of one of our page tables.
unsafe fn child(entry: u64) -> usize {
    // SAFETY: a present entry of our tables names one of our frames (caller's contract).
    unsafe { mfn_to_pfn((entry & PTE_ADDR) >> 12) }.expect("page table frame is ours")
}

fn entry_ma(table_pfn: usize, index: usize) -> u64 {
    (pfn_to_mfn(table_pfn) << 12) + (index as u64) * 8
}

/// Where new page-table frames come from.
trait TableFrames {
    /// A free frame, mapped read-write at its 1:1 address and referenced by nothing.
    fn take(&mut self) -> usize;
}

/// Frames handed out in order during boot, before the frame pool exists.
struct BootFrames {
    next: usize,
    mapped_end: usize,
}

impl TableFrames for BootFrames {
    fn take(&mut self) -> usize {
        assert!(
            self.next < self.mapped_end,
            "boot frames exhausted the initial mapping"
        );
        self.next += 1;
        self.next - 1
    }
}

/// What [`init`] learned: the pfn range left free, and the domain's size.
pub(in crate::sys) struct MemoryMap {
    /// First frame not used by the image, Xen's boot structures or page tables.
    pub first_free: usize,
    /// Number of pseudo-physical frames (start_info nr_pages).
    pub nr_pages: usize,
}

/// Whether `pfn` is mapped in the tables rooted at `l4`.
///
/// # Safety
/// `l4` must be our top-level page table.
unsafe fn is_mapped(l4: usize, pfn: usize) -> bool {
    let va = pfn_to_va(pfn);
    let mut t = l4;
    for shift in [39, 30, 21, 12] {
        // SAFETY: `t` is one of our tables: the root, then tables named by present entries.
        let e = unsafe { pte(t, (va >> shift) & 511) };
        if e & PTE_PRESENT == 0 {
            return false;
        }
        if shift > 12 {
            // SAFETY: a present entry of our tables.
            t = unsafe { child(e) };
        }
    }
    true
}

/// Returns the child table of `parent[index]`, creating it from a boot frame if absent.
///
/// # Safety
/// `parent` must be one of our page tables; `frames` must hand out free, mapped frames that
/// nothing references.
unsafe fn ensure_table(
    parent: usize,
    index: usize,
    frames: &mut impl TableFrames,
) -> Result<usize, XenError> {
    // SAFETY: `parent` is one of our tables (caller's contract).
    let e = unsafe { pte(parent, index) };
    if e & PTE_PRESENT != 0 {
        // SAFETY: a present entry of our tables.
        return Ok(unsafe { child(e) });
    }
    let new = frames.take();
    let va = pfn_to_va(new);
    // SAFETY: `new` is a free frame below the mapped end, mapped read-write and referenced by
    // nothing else; we zero it, then make it read-only before it becomes a page table.
    unsafe {
        core::ptr::write_bytes(va as *mut u8, 0, PAGE_SIZE);
        update_va_mapping(va, (pfn_to_mfn(new) << 12) | PTE_READONLY)?;
        let link = MmuUpdate {
            ptr: entry_ma(parent, index) | MMU_NORMAL_PT_UPDATE,
            val: (pfn_to_mfn(new) << 12) | PTE_TABLE,
        };
        mmu_update(&[link])?;
    }
    Ok(new)
}

/// Maps every pfn in `[from, to)` at `pfn << 12` (read-write).
///
/// # Safety
/// As for [`ensure_table`], with `l4` our top-level table; the pfns must be unmapped so far
/// or already mapped at their 1:1 address.
unsafe fn extend_mapping(
    l4: usize,
    from: usize,
    to: usize,
    frames: &mut BootFrames,
) -> Result<(), XenError> {
    let mut pfn = from;
    while pfn < to {
        let va = pfn_to_va(pfn);
        // SAFETY: forwarded from the caller's contract; each level is one of our tables.
        let l1 = unsafe {
            let l3 = ensure_table(l4, (va >> 39) & 511, frames)?;
            let l2 = ensure_table(l3, (va >> 30) & 511, frames)?;
            ensure_table(l2, (va >> 21) & 511, frames)?
        };
        // Fill the rest of this L1 table in one batch.
        let mut batch = [MmuUpdate { ptr: 0, val: 0 }; 512];
        let mut n = 0;
        let first = (va >> 12) & 511;
        for index in first..512 {
            let p = pfn + (index - first);
            if p >= to {
                break;
            }
            let mfn = pfn_to_mfn(p);
            // SAFETY: `l1` is one of our tables.
            if mfn != INVALID_MFN && unsafe { pte(l1, index) } & PTE_PRESENT == 0 {
                batch[n] = MmuUpdate {
                    ptr: entry_ma(l1, index) | MMU_NORMAL_PT_UPDATE,
                    val: (mfn << 12) | PTE_DATA,
                };
                n += 1;
            }
        }
        // SAFETY: these entries were empty; they map frames we own that nothing references.
        unsafe { mmu_update(&batch[..n])? };
        pfn += 512 - first;
        frames.mapped_end = frames.mapped_end.max(pfn.min(to));
    }
    Ok(())
}

/// Sets up the p2m and M2P views and maps all of the domain's memory. `si_va` is where Xen
/// mapped start_info, `entry_sp` the stack pointer Xen entered with (its boot stack is in
/// use until we switched stacks).
///
/// # Safety
/// Called once, at boot, with the start_info Xen entered with and before anything else
/// touches memory above the image.
pub(in crate::sys) unsafe fn init(
    si: &StartInfo,
    si_va: usize,
    entry_sp: usize,
) -> Result<MemoryMap, XenError> {
    let nr_pages = si.nr_pages as usize;
    // SAFETY: Xen maps the p2m list (nr_pages entries) at mfn_list in the initial mapping and
    // leaves it to us; nothing writes it.
    let p2m = unsafe { core::slice::from_raw_parts(si.mfn_list as *const u64, nr_pages) };
    P2M.call_once(|| p2m);
    let m2p = machphys_mapping()?;
    M2P.call_once(|| (m2p.v_start as usize, m2p.max_mfn));

    extern "C" {
        static _end: u8;
    }
    let page_up = |va: usize| va.div_ceil(PAGE_SIZE);
    let l4 = si.pt_base as usize / PAGE_SIZE;
    L4.call_once(|| l4);
    let module_end = if si.flags & SIF_MOD_START_PFN != 0 {
        si.mod_start as usize + page_up(si.mod_len as usize)
    } else {
        page_up((si.mod_start + si.mod_len) as usize)
    };
    let mut first_free = [
        page_up((&raw const _end) as usize),
        si_va / PAGE_SIZE + 1,
        l4 + si.nr_pt_frames as usize,
        page_up(si.mfn_list as usize + nr_pages * 8),
        module_end,
        entry_sp / PAGE_SIZE + 1,
    ]
    .into_iter()
    .max()
    .unwrap_or(0);
    for mfn in [si.store_mfn, si.console.mfn] {
        let pfn = start_info_frame(mfn).expect("start_info's ring frames are ours");
        first_free = first_free.max(pfn + 1);
    }
    let mut mapped_end = first_free;
    // SAFETY: `l4` is the top-level table Xen built for us (pt_base).
    while mapped_end < nr_pages && unsafe { is_mapped(l4, mapped_end) } {
        mapped_end += 1;
    }
    let mut frames = BootFrames {
        next: first_free,
        mapped_end,
    };
    // SAFETY: the frames from `first_free` are free (above everything Xen set up), mapped up
    // to `mapped_end` and unmapped above it.
    unsafe { extend_mapping(l4, mapped_end, nr_pages, &mut frames)? };
    Ok(MemoryMap {
        first_free: frames.next,
        nr_pages,
    })
}

/// The free frames `[first, end)` as one `'static` byte slice (for the heap).
///
/// # Safety
/// The frames must be mapped, free, and given out only once.
pub(in crate::sys) unsafe fn frames_as_slice(first: usize, end: usize) -> &'static mut [u8] {
    // SAFETY: forwarded from the caller's contract.
    unsafe {
        core::slice::from_raw_parts_mut(pfn_to_va(first) as *mut u8, (end - first) * PAGE_SIZE)
    }
}

/// The pfns of our page tables: the top-level table and every table under its first 256
/// slots (the guest half, where the 1:1 mapping lives; the other slots hold Xen's own
/// tables, and the kexec trampoline's, which [`map_at`] reports itself).
pub(in crate::sys) fn table_pfns() -> alloc::vec::Vec<usize> {
    let l4 = current_l4();
    let mut out = alloc::vec![l4];
    let mut level = alloc::vec![l4];
    for depth in 0..3 {
        let mut next = alloc::vec::Vec::new();
        for &t in &level {
            let slots = if depth == 0 { 256 } else { 512 };
            for index in 0..slots {
                // SAFETY: `t` is one of our tables: the root, then tables named by present
                // entries of our tables.
                let e = unsafe { pte(t, index) };
                if e & PTE_PRESENT != 0 {
                    // SAFETY: a present entry of our tables.
                    next.push(unsafe { child(e) });
                }
            }
        }
        out.extend_from_slice(&next);
        level = next;
    }
    out
}

/// The pfn of our top-level page table (start_info's `pt_base`, at VIRT_BASE 0).
pub(in crate::sys) fn current_l4() -> usize {
    L4.get().copied().expect("memory initialised")
}

/// Frames handed over by the caller of [`map_at`].
struct GivenFrames<'a>(core::slice::Iter<'a, usize>);

impl TableFrames for GivenFrames<'_> {
    fn take(&mut self) -> usize {
        *self.0.next().expect("enough table frames were given")
    }
}

/// Maps machine frame `mfn` read-write at `va`, outside the 1:1 mapping, creating the
/// tables on the way from `frames` (three are always enough).
///
/// # Safety
/// `va` must be page aligned, in the guest's half of a slot the 1:1 mapping does not use,
/// and not mapped yet; `frames` must be at least three free frames mapped read-write at
/// their 1:1 addresses that nothing references (they become page tables for good); `mfn`
/// must be a frame of ours that Rust reaches only through raw accesses, or not at all.
pub(in crate::sys) unsafe fn map_at(va: usize, mfn: u64, frames: &[usize]) -> Result<(), XenError> {
    let mut given = GivenFrames(frames.iter());
    let l4 = current_l4();
    // SAFETY: forwarded from the caller's contract; each level is one of our tables.
    unsafe {
        let l3 = ensure_table(l4, (va >> 39) & 511, &mut given)?;
        let l2 = ensure_table(l3, (va >> 30) & 511, &mut given)?;
        let l1 = ensure_table(l2, (va >> 21) & 511, &mut given)?;
        let set = MmuUpdate {
            ptr: entry_ma(l1, (va >> 12) & 511) | MMU_NORMAL_PT_UPDATE,
            val: (mfn << 12) | PTE_DATA,
        };
        mmu_update(&[set])
    }
}
