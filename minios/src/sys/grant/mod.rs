//! Grant tables in the audited layer: our table's frames and their entries, grant copy, and
//! mappings of other domains' grants.
//!
//! Virtual addresses: our table frames and every foreign mapping sit on frames taken from the
//! frame pool. Their pfns are in the 1:1 mapping, so the page tables for them exist; we point
//! the PTE at the other frame, and give the pfn's own frame its mapping back before returning
//! it to the pool.

use core::sync::atomic::{AtomicU16, AtomicU32, Ordering};

use super::hypercall::call3;
use super::mm::{pfn_to_mfn, pfn_to_va, PTE_DATA};
use super::shared::PAGE_SIZE;
use super::xen::update_va_mapping;
use crate::abi::grant_table::{
    GnttabQuerySize, GnttabSetupTable, GrantEntryV1, GrantRef, GNTTABOP_QUERY_SIZE,
    GNTTABOP_SETUP_TABLE,
};
use crate::abi::hypercall::GRANT_TABLE_OP;
use crate::abi::xen::{DomId, DOMID_SELF};
use crate::grant::{EntryFlags, GntStatus, GrantError};

mod copy;
mod foreign;
mod page;

pub use copy::{copy_from_grant, copy_to_grant};
pub use foreign::{map_foreign, ForeignPage};
pub use page::PoolPage;

/// The most table frames we set up: 4 frames hold 2048 v1 entries.
pub const MAX_TABLE_FRAMES: u32 = 4;
const ENTRIES_PER_FRAME: u32 = (PAGE_SIZE / size_of::<GrantEntryV1>()) as u32;

/// Issues `GNTTABOP_<cmd>` on `ops`.
///
/// # Safety
/// `T` must be the argument struct of `cmd`, and every guest address inside the structs must
/// be valid for what Xen does with it during the call.
unsafe fn grant_table_op<T>(cmd: u32, ops: &mut [T]) -> Result<(), GrantError> {
    // SAFETY: forwarded from the caller's contract; `ops` lives across the call.
    let rc = unsafe {
        call3(
            GRANT_TABLE_OP,
            cmd as usize,
            ops.as_mut_ptr() as usize,
            ops.len(),
        )
    };
    if rc < 0 {
        Err(GrantError::Hypercall(rc as i32))
    } else {
        Ok(())
    }
}

/// Our grant table: `nr_entries` v1 entries mapped at `base`.
pub struct Table {
    base: usize,
    nr_entries: u32,
}

/// Asks Xen for our grant table (up to [`MAX_TABLE_FRAMES`] frames) and maps it.
pub fn setup_table() -> Result<Table, GrantError> {
    let mut query = [GnttabQuerySize {
        dom: DOMID_SELF,
        ..Default::default()
    }];
    // SAFETY: a query_size struct, no guest addresses inside.
    unsafe { grant_table_op(GNTTABOP_QUERY_SIZE, &mut query)? };
    GntStatus::check(query[0].status)?;
    let nr = MAX_TABLE_FRAMES.min(query[0].max_nr_frames).max(1);
    let mut frames = [0u64; MAX_TABLE_FRAMES as usize];
    let mut setup = [GnttabSetupTable {
        dom: DOMID_SELF,
        nr_frames: nr,
        frame_list: frames.as_mut_ptr() as u64,
        ..Default::default()
    }];
    // SAFETY: frame_list points at `nr` writable u64s that live across the call.
    unsafe { grant_table_op(GNTTABOP_SETUP_TABLE, &mut setup)? };
    GntStatus::check(setup[0].status)?;
    let pfn = crate::mm::alloc_frames(nr as usize).ok_or(GrantError::NoFrames)?;
    for (i, &mfn) in frames.iter().take(nr as usize).enumerate() {
        // SAFETY: the pool frames are ours alone and nothing references them; their
        // addresses become the table, accessed only through atomics below.
        unsafe { update_va_mapping(pfn_to_va(pfn + i), (mfn << 12) | PTE_DATA) }
            .map_err(|e| GrantError::Hypercall(e.0))?;
    }
    log::debug!("grant table: {nr} frames (max {})", query[0].max_nr_frames);
    Ok(Table {
        base: pfn_to_va(pfn),
        nr_entries: nr * ENTRIES_PER_FRAME,
    })
}

impl Table {
    /// Number of entries.
    pub fn nr_entries(&self) -> u32 {
        self.nr_entries
    }

    fn field(&self, r: GrantRef, offset: usize) -> usize {
        assert!(r < self.nr_entries, "grant ref {r} out of the table");
        self.base + r as usize * size_of::<GrantEntryV1>() + offset
    }

    /// The flags of entry `r`, shared with Xen.
    pub fn flags(&self, r: GrantRef) -> &AtomicU16 {
        // SAFETY: in the mapped table (checked by `field`), 2-byte aligned; Xen changes the
        // word concurrently, which atomics allow; the table stays mapped for good.
        unsafe { &*(self.field(r, 0) as *const AtomicU16) }
    }

    /// Fills entry `r`: domid and frame first, then the flags with release ordering.
    pub fn publish(&self, r: GrantRef, domid: DomId, frame: u32, flags: u16) {
        // SAFETY: as in `flags`; domid is at offset 2 (2-byte aligned), frame at offset 4
        // (4-byte aligned).
        let (dom, fr) = unsafe {
            (
                &*(self.field(r, 2) as *const AtomicU16),
                &*(self.field(r, 4) as *const AtomicU32),
            )
        };
        dom.store(domid, Ordering::Relaxed);
        fr.store(frame, Ordering::Relaxed);
        self.flags(r).store(flags, Ordering::Release);
    }
}

impl EntryFlags for AtomicU16 {
    fn load(&self) -> u16 {
        AtomicU16::load(self, Ordering::Acquire)
    }

    fn compare_exchange(&self, current: u16, new: u16) -> Result<u16, u16> {
        AtomicU16::compare_exchange(self, current, new, Ordering::AcqRel, Ordering::Acquire)
    }
}

/// Points the PTE of pool frame `pfn` back at its own frame.
fn restore_own_mapping(pfn: usize) -> Result<(), GrantError> {
    // SAFETY: the pfn is a pool frame we hold; its address maps nothing Rust references.
    unsafe { update_va_mapping(pfn_to_va(pfn), (pfn_to_mfn(pfn) << 12) | PTE_DATA) }
        .map_err(|e| GrantError::Hypercall(e.0))
}
