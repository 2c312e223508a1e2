//! Memory: the p2m and M2P tables, the 1:1 mapping of all RAM, and the boot allocator.
//!
//! minios runs with VIRT_BASE 0, so pseudo-physical frame `pfn` is mapped at virtual address
//! `pfn << 12`. Xen's initial mapping covers the image and the boot structures; [`init`]
//! extends it to every page of the domain, taking new page-table frames from the first free
//! frames (each made read-only before it is hooked in, as PV requires).

use super::shared::PAGE_SIZE;
use super::xen::{mmu_update, update_va_mapping, XenError};
use crate::abi::arch_x86::HYPERVISOR_VIRT_START;
use crate::abi::xen::SIF_MOD_START_PFN;
use crate::abi::xen::{MmuUpdate, MMU_NORMAL_PT_UPDATE};
use crate::abi::StartInfo;

const PTE_PRESENT: u64 = 1 << 0;
const PTE_RW: u64 = 1 << 1;
const PTE_USER: u64 = 1 << 2;
const PTE_ACCESSED: u64 = 1 << 5;
const PTE_DIRTY: u64 = 1 << 6;
const PTE_ADDR: u64 = 0x000f_ffff_ffff_f000;
/// Flags of a read-write data mapping.
pub const PTE_DATA: u64 = PTE_PRESENT | PTE_RW | PTE_USER | PTE_ACCESSED | PTE_DIRTY;
/// Flags of a read-only mapping (what page-table frames need).
const PTE_READONLY: u64 = PTE_PRESENT | PTE_USER | PTE_ACCESSED;
/// Flags of an entry pointing at a lower-level table.
const PTE_TABLE: u64 = PTE_PRESENT | PTE_RW | PTE_USER | PTE_ACCESSED | PTE_DIRTY;
/// The p2m marks a pfn with no machine frame with this value.
const INVALID_MFN: u64 = u64::MAX;

static P2M: spin::Once<&'static [u64]> = spin::Once::new();

/// The machine frame backing pseudo-physical frame `pfn`.
pub fn pfn_to_mfn(pfn: usize) -> u64 {
    P2M.get().expect("memory initialised")[pfn]
}

/// The pseudo-physical frame of machine frame `mfn` (which must be ours).
pub fn mfn_to_pfn(mfn: u64) -> usize {
    let m2p = HYPERVISOR_VIRT_START as *const u64;
    // SAFETY: Xen maps the read-only M2P table at HYPERVISOR_VIRT_START in every PV guest;
    // our own frames are inside it.
    unsafe { m2p.add(mfn as usize).read_volatile() as usize }
}

/// The virtual address of pseudo-physical frame `pfn` in the 1:1 mapping.
pub const fn pfn_to_va(pfn: usize) -> usize {
    pfn * PAGE_SIZE
}

/// The page-table page at `pfn` (mapped read-only in the 1:1 mapping).
fn table(pfn: usize) -> &'static [u64; 512] {
    // SAFETY: page-table frames are mapped (read-only) in the 1:1 mapping; Xen only changes
    // them on our own mmu_update requests, issued from this module between reads.
    unsafe { &*(pfn_to_va(pfn) as *const [u64; 512]) }
}

fn entry_ma(table_pfn: usize, index: usize) -> u64 {
    (pfn_to_mfn(table_pfn) << 12) + (index as u64) * 8
}

/// Frames handed out in order during boot, before the frame allocator exists.
struct BootFrames {
    next: usize,
    mapped_end: usize,
}

impl BootFrames {
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
pub(crate) struct MemoryMap {
    /// First frame not used by the image, Xen's boot structures or page tables.
    pub first_free: usize,
    /// Number of pseudo-physical frames (start_info nr_pages).
    pub nr_pages: usize,
}

/// Walks the tables for `va` and returns the L1 table pfn if all upper levels exist.
fn l1_for(l4: usize, va: usize) -> Option<usize> {
    let mut t = l4;
    for shift in [39, 30, 21] {
        let e = table(t)[(va >> shift) & 511];
        if e & PTE_PRESENT == 0 {
            return None;
        }
        t = mfn_to_pfn((e & PTE_ADDR) >> 12);
    }
    Some(t)
}

fn is_mapped(l4: usize, pfn: usize) -> bool {
    let va = pfn_to_va(pfn);
    l1_for(l4, va).is_some_and(|l1| table(l1)[(va >> 12) & 511] & PTE_PRESENT != 0)
}

/// Returns the child table of `parent[index]`, creating it from a boot frame if absent.
fn ensure_table(parent: usize, index: usize, frames: &mut BootFrames) -> Result<usize, XenError> {
    let e = table(parent)[index];
    if e & PTE_PRESENT != 0 {
        return Ok(mfn_to_pfn((e & PTE_ADDR) >> 12));
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
fn extend_mapping(
    l4: usize,
    from: usize,
    to: usize,
    frames: &mut BootFrames,
) -> Result<(), XenError> {
    let mut pfn = from;
    while pfn < to {
        let va = pfn_to_va(pfn);
        let l3 = ensure_table(l4, (va >> 39) & 511, frames)?;
        let l2 = ensure_table(l3, (va >> 30) & 511, frames)?;
        let l1 = ensure_table(l2, (va >> 21) & 511, frames)?;
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
            if mfn != INVALID_MFN && table(l1)[index] & PTE_PRESENT == 0 {
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

/// Sets up the p2m view and maps all of the domain's memory. `entry_sp` is the stack pointer
/// Xen entered with (its boot stack is in use until we switched stacks).
pub(crate) fn init(si: &StartInfo, si_va: usize, entry_sp: usize) -> Result<MemoryMap, XenError> {
    let nr_pages = si.nr_pages as usize;
    // SAFETY: Xen maps the p2m list (nr_pages entries) at mfn_list in the initial mapping and
    // leaves it to us; we only read it.
    let p2m = unsafe { core::slice::from_raw_parts(si.mfn_list as *const u64, nr_pages) };
    P2M.call_once(|| p2m);

    extern "C" {
        static _end: u8;
    }
    let page_up = |va: usize| va.div_ceil(PAGE_SIZE);
    let l4 = si.pt_base as usize / PAGE_SIZE;
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
        first_free = first_free.max(mfn_to_pfn(mfn) + 1);
    }
    let mut mapped_end = first_free;
    while mapped_end < nr_pages && is_mapped(l4, mapped_end) {
        mapped_end += 1;
    }
    let mut frames = BootFrames {
        next: first_free,
        mapped_end,
    };
    extend_mapping(l4, mapped_end, nr_pages, &mut frames)?;
    Ok(MemoryMap {
        first_free: frames.next,
        nr_pages,
    })
}

/// Turns the free frames `[first, end)` into a `'static` byte slice (for the heap).
///
/// # Safety
/// The frames must be mapped, free, and given out only once.
pub(crate) unsafe fn frames_as_slice(first: usize, end: usize) -> &'static mut [u8] {
    // SAFETY: forwarded from the caller's contract.
    unsafe {
        core::slice::from_raw_parts_mut(pfn_to_va(first) as *mut u8, (end - first) * PAGE_SIZE)
    }
}

/// The xenstore ring page of machine frame `mfn` (from start_info).
pub fn store_page(mfn: u64) -> super::shared::SharedPage {
    // SAFETY: Xen maps the xenstore page in the initial mapping; it is only accessed through
    // SharedPage (volatile/atomic) for the life of the domain.
    unsafe { super::shared::SharedPage::new(pfn_to_va(mfn_to_pfn(mfn))) }
}
