//! The pages of the kernel to boot, and the switch itself.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::plan::{plan, Plan, Request};
use super::trampoline::{self, Args, MAX_RUNS};
use super::KexecError;
use crate::abi::xen::{
    MmuUpdate, MmuextOp, MMUEXT_PIN_L4_TABLE, MMUEXT_UNPIN_TABLE, MMU_MACHPHYS_UPDATE,
};
use crate::sys::mm::map::{self, pfn_to_mfn, pfn_to_va, PTE_DATA, PTE_READONLY};
use crate::sys::xen::{mmu_update, mmuext_op, update_va_mapping};
use crate::sys::{boot, events, hypercall, PAGE_SIZE};

/// A page-aligned page of the heap.
#[repr(C, align(4096))]
struct Page([u8; PAGE_SIZE]);

impl Page {
    fn boxed() -> Box<Page> {
        Box::new(Page([0; PAGE_SIZE]))
    }

    fn pfn(&self) -> usize {
        (self as *const Page as usize) / PAGE_SIZE
    }
}

/// A buffer whose pages become pfns of the new kernel: its data starts `shift` bytes in,
/// on a page boundary.
struct Buffer {
    data: Vec<u8>,
    shift: usize,
}

impl Buffer {
    fn pages(&self) -> usize {
        (self.data.len() - self.shift) / PAGE_SIZE
    }

    fn pfn(&self, page: usize) -> usize {
        (self.data.as_ptr() as usize + self.shift) / PAGE_SIZE + page
    }

    fn page_mut(&mut self, page: usize) -> &mut [u8; PAGE_SIZE] {
        let at = self.shift + page * PAGE_SIZE;
        (&mut self.data[at..at + PAGE_SIZE])
            .try_into()
            .expect("a page is PAGE_SIZE bytes")
    }
}

/// Where a new pfn's contents are.
enum Source {
    /// Page `page` of buffer `buf`.
    Buffer { buf: usize, page: usize },
    /// A page of its own.
    Page(Box<Page>),
}

/// The frames reserved when the plan is made: the trampoline and the tables that map it.
struct Trampoline {
    page: Box<Page>,
    tables: [Box<Page>; 3],
}

/// What the switch needs besides the pages.
pub struct ExecSpec<'a> {
    /// The new page tables' pfns, the top-level one first.
    pub tables: &'a [usize],
    /// The pfn that gets a copy of our hypercall page, if the kernel asked for one.
    pub hypercall_pfn: Option<usize>,
    /// Virtual address of pfn 0 in the new tables.
    pub virt_base: u64,
    /// The kernel's entry point.
    pub entry: u64,
    /// Virtual address of the new start_info page.
    pub start_info_va: u64,
}

/// The layout facts the plan needs.
pub struct Fixed {
    /// New pfns below this one are mapped by the new kernel's initial mapping.
    pub mapped_end: usize,
    /// The new boot stack page (the trampoline goes there).
    pub stack_pfn: usize,
    /// The new pfn of the xenstore ring page.
    pub xenstore_pfn: usize,
    /// The new pfn of the console ring page.
    pub console_pfn: usize,
}

/// The new kernel's pages, then its frame plan, then the switch.
pub struct Builder {
    nr_pages: usize,
    buffers: Vec<Buffer>,
    pages: BTreeMap<usize, Source>,
    planned: Option<(Plan, Fixed, Trampoline)>,
}

impl Default for Builder {
    /// An empty builder for a kernel of this domain's size.
    fn default() -> Self {
        Self {
            nr_pages: boot::start_info().nr_pages as usize,
            buffers: Vec::new(),
            pages: BTreeMap::new(),
            planned: None,
        }
    }
}

impl Builder {
    /// An empty builder for a kernel of this domain's size.
    pub fn new() -> Self {
        Self::default()
    }

    /// The domain's size in pages.
    pub fn nr_pages(&self) -> usize {
        self.nr_pages
    }

    fn claim(&mut self, pfn: usize) -> Result<(), KexecError> {
        if self.planned.is_some() {
            return Err(KexecError::Unsupported(
                "pages cannot be added once planned",
            ));
        }
        if pfn >= self.nr_pages {
            return Err(KexecError::Pfn {
                pfn,
                what: "outside the domain",
            });
        }
        if self.pages.contains_key(&pfn) {
            return Err(KexecError::Pfn {
                pfn,
                what: "given twice",
            });
        }
        Ok(())
    }

    /// Takes `data` as a buffer whose pages will become pfns; returns its number. The data is
    /// moved to start on a page boundary and padded with zeros to whole pages.
    pub fn add_buffer(&mut self, mut data: Vec<u8>) -> usize {
        let len = data.len();
        data.reserve_exact(2 * PAGE_SIZE);
        let shift = (PAGE_SIZE - data.as_ptr() as usize % PAGE_SIZE) % PAGE_SIZE;
        // Within the capacity just reserved: no reallocation moves the data again.
        data.splice(0..0, core::iter::repeat_n(0, shift));
        data.resize(shift + len.next_multiple_of(PAGE_SIZE), 0);
        debug_assert_eq!((data.as_ptr() as usize + shift) % PAGE_SIZE, 0);
        self.buffers.push(Buffer { data, shift });
        self.buffers.len() - 1
    }

    /// The bytes of buffer `buf` (after its alignment, padded to whole pages).
    pub fn buffer_mut(&mut self, buf: usize) -> Option<&mut [u8]> {
        self.buffers.get_mut(buf).map(|b| &mut b.data[b.shift..])
    }

    /// New pfn `pfn` is page `page` of buffer `buf`.
    pub fn use_buffer_page(
        &mut self,
        pfn: usize,
        buf: usize,
        page: usize,
    ) -> Result<(), KexecError> {
        self.claim(pfn)?;
        let pages = self.buffers.get(buf).map_or(0, Buffer::pages);
        if page >= pages {
            return Err(KexecError::BufferPage { page, pages });
        }
        self.pages.insert(pfn, Source::Buffer { buf, page });
        Ok(())
    }

    /// New pfn `pfn` is a page of its own, zeroed; returns it to be filled.
    pub fn new_page(&mut self, pfn: usize) -> Result<&mut [u8; PAGE_SIZE], KexecError> {
        self.claim(pfn)?;
        self.pages.insert(pfn, Source::Page(Page::boxed()));
        Ok(self.page_mut(pfn).expect("just inserted"))
    }

    /// The contents of new pfn `pfn`, if it was given.
    pub fn page_mut(&mut self, pfn: usize) -> Option<&mut [u8; PAGE_SIZE]> {
        match self.pages.get_mut(&pfn)? {
            Source::Page(p) => Some(&mut p.0),
            Source::Buffer { buf, page } => Some(self.buffers[*buf].page_mut(*page)),
        }
    }

    fn our_pfn(&self, source: &Source) -> usize {
        match source {
            Source::Page(p) => p.pfn(),
            Source::Buffer { buf, page } => self.buffers[*buf].pfn(*page),
        }
    }

    /// Plans which frame becomes which new pfn; returns the new p2m list (the machine frame
    /// of every new pfn), which the caller writes into the kernel's p2m pages. No page can
    /// be added afterwards.
    pub fn plan(&mut self, fixed: Fixed) -> Result<Vec<u64>, KexecError> {
        if self.planned.is_some() {
            return Err(KexecError::Unsupported("the frames are already planned"));
        }
        for pfn in [fixed.stack_pfn, fixed.xenstore_pfn, fixed.console_pfn] {
            self.claim(pfn)?;
        }
        let tramp = Trampoline {
            page: Page::boxed(),
            tables: [Page::boxed(), Page::boxed(), Page::boxed()],
        };
        let mut pairs: Vec<(usize, usize)> = self
            .pages
            .iter()
            .map(|(&new, source)| (new, self.our_pfn(source)))
            .collect();
        pairs.push((fixed.stack_pfn, tramp.page.pfn()));
        pairs.push((fixed.xenstore_pfn, boot::store_ring().addr() / PAGE_SIZE));
        pairs.push((fixed.console_pfn, boot::console_ring().addr() / PAGE_SIZE));
        let mut tables = map::table_pfns();
        tables.extend(tramp.tables.iter().map(|t| t.pfn()));
        let plan = plan(&Request {
            nr_pages: self.nr_pages,
            mapped_end: fixed.mapped_end,
            fixed: &pairs,
            our_tables: &tables,
        })?;
        if plan.zero.len() > MAX_RUNS {
            return Err(KexecError::Unsupported(
                "the kernel's initial mapping has too many holes",
            ));
        }
        let mfns = plan.src.iter().map(|&s| pfn_to_mfn(s as usize)).collect();
        self.planned = Some((plan, fixed, tramp));
        Ok(mfns)
    }

    /// Makes the pages of `tables` read-only (`ro`) or read-write again in our mapping.
    fn protect(&self, tables: &[usize], ro: bool) -> Result<(), KexecError> {
        for &t in tables {
            let Some(Source::Page(page)) = self.pages.get(&t) else {
                return Err(KexecError::Pfn {
                    pfn: t,
                    what: "a page table must be a page of its own",
                });
            };
            let pfn = page.pfn();
            let flags = if ro { PTE_READONLY } else { PTE_DATA };
            // SAFETY: the page is ours (boxed, owned by this builder); while it is read-only
            // nothing writes it: the builder hands out no reference until it is writable again
            // (on failure) or never again (after the switch).
            unsafe { update_va_mapping(pfn_to_va(pfn), (pfn_to_mfn(pfn) << 12) | flags) }.map_err(
                |e| KexecError::Xen {
                    step: "read-only tables",
                    errno: e.0,
                },
            )?;
        }
        Ok(())
    }

    /// Switches to the new kernel. Returns only if the switch could not start, with the
    /// domain as it was.
    pub fn exec(mut self, spec: &ExecSpec<'_>) -> KexecError {
        match self.prepare(spec) {
            Ok(go) => go.run(self),
            Err(e) => e,
        }
    }

    /// Steps 1 to 3 of the module documentation; undoes what it did on failure.
    fn prepare(&mut self, spec: &ExecSpec<'_>) -> Result<Go, KexecError> {
        let Some(&l4) = spec.tables.first() else {
            return Err(KexecError::Unsupported("no page tables were given"));
        };
        let (stack_pfn, store_evtchn, console_evtchn) = match &self.planned {
            Some((_, fixed, _)) => (
                fixed.stack_pfn,
                boot::start_info().store_evtchn,
                boot::start_info().console.evtchn,
            ),
            None => return Err(KexecError::Unsupported("the frames are not planned")),
        };
        let target =
            spec.virt_base
                .checked_add((stack_pfn as u64) << 12)
                .ok_or(KexecError::Unsupported(
                    "the boot stack's address overflows",
                ))?;
        // The trampoline's address must be in a top-level slot of the upper half that neither
        // Xen (slots 256..272) nor our 1:1 mapping (the lower half) uses.
        if target < 0xffff_8800_0000_0000 {
            return Err(KexecError::Unsupported(
                "kernels whose boot stack is below 0xffff880000000000 cannot be booted",
            ));
        }
        if let Some(h) = spec.hypercall_pfn {
            let hp = hypercall::page();
            self.page_mut(h)
                .ok_or(KexecError::Pfn {
                    pfn: h,
                    what: "the hypercall page was not given",
                })?
                .copy_from_slice(hp);
        }
        let new_l4_mfn = match self.pages.get(&l4) {
            Some(source) => pfn_to_mfn(self.our_pfn(source)),
            None => {
                return Err(KexecError::Pfn {
                    pfn: l4,
                    what: "the top-level table was not given",
                })
            }
        };
        if let Err(e) = self.protect(spec.tables, true) {
            // Pages not made read-only yet are made writable again: harmless.
            let _ = self.protect(spec.tables, false);
            return Err(e);
        }
        let pin = [MmuextOp::with_mfn(MMUEXT_PIN_L4_TABLE, new_l4_mfn)];
        // SAFETY: pinning validates the new tables; it changes no mapping of ours.
        if let Err(e) = unsafe { mmuext_op(&pin) } {
            let _ = self.protect(spec.tables, false);
            return Err(KexecError::Xen {
                step: "pin",
                errno: e.0,
            });
        }
        let (plan, _, tramp) = self.planned.take().expect("checked above");
        let old_l4_mfn = pfn_to_mfn(map::current_l4());
        let Trampoline { mut page, tables } = tramp;
        Args {
            virt_base: spec.virt_base,
            entry: spec.entry,
            start_info_va: spec.start_info_va,
            new_l4_mfn,
            old_l4_mfn,
            zero: &plan.zero,
        }
        .write(&mut page.0);
        let tramp_mfn = pfn_to_mfn(page.pfn());
        let frames = tables.each_ref().map(|t| t.pfn());
        // The trampoline page and its tables are ours for good from here: mapped a second time
        // (or made page tables), they must never go back to the heap.
        core::mem::forget(page);
        core::mem::forget(tables);
        // SAFETY: `target` is page aligned in a free upper-half slot (checked above); the
        // three frames are ours, free and referenced by nothing (leaked just above); the page
        // mapped there is the trampoline's, which only the trampoline reaches afterwards.
        if let Err(e) = unsafe { map::map_at(target as usize, tramp_mfn, &frames) } {
            let unpin = [MmuextOp::with_mfn(MMUEXT_UNPIN_TABLE, new_l4_mfn)];
            // SAFETY: unpinning the tables just pinned, which nothing uses.
            let _ = unsafe { mmuext_op(&unpin) };
            let _ = self.protect(spec.tables, false);
            return Err(KexecError::Xen {
                step: "trampoline",
                errno: e.0,
            });
        }
        Ok(Go {
            target: target as usize,
            src: plan.src,
            store_evtchn,
            console_evtchn,
        })
    }
}

/// Everything is ready: what the point of no return needs.
struct Go {
    target: usize,
    src: Vec<u32>,
    store_evtchn: u32,
    console_evtchn: u32,
}

impl Go {
    /// Steps 4 and 5 of the module documentation.
    fn run(self, builder: Builder) -> ! {
        // The new kernel's pages must stay where they are: nothing of ours frees them again.
        core::mem::forget(builder);
        // Upcalls are masked whenever minios runs (see `upcall`): no event handler runs again.
        let _ = crate::sys::time::stop_singleshot_timer();
        events::close_all_except(&[self.store_evtchn, self.console_evtchn]);
        let mut batch = [MmuUpdate { ptr: 0, val: 0 }; 256];
        let mut n = 0;
        for (new, &old) in self.src.iter().enumerate() {
            if old as usize == new {
                continue;
            }
            batch[n] = MmuUpdate {
                ptr: (pfn_to_mfn(old as usize) << 12) | MMU_MACHPHYS_UPDATE,
                val: new as u64,
            };
            n += 1;
            if n == batch.len() {
                m2p(&batch);
                n = 0;
            }
        }
        m2p(&batch[..n]);
        // SAFETY: the trampoline is filled and mapped at `target`, in our tables and in the
        // pinned new ones; the M2P describes the new pfns. Nothing of ours runs again.
        unsafe { trampoline::enter(self.target) }
    }
}

/// Applies M2P updates; past the point of no return a failure can only end the domain.
fn m2p(batch: &[MmuUpdate]) {
    // SAFETY: M2P updates change no mapping; from the first one on, our own pfn lookups are
    // stale, and nothing of ours uses them again.
    if unsafe { mmu_update(batch) }.is_err() {
        crate::sys::xen::console_io_write(b"kexec: Xen refused the M2P update\n");
        crate::sys::xen::shutdown(crate::sys::error::ShutdownReason::Crash);
    }
}
