//! Our grant table: set up once, on first use, over frames Xen gives us.

use core::sync::atomic::{AtomicU16, AtomicU32, Ordering};

use super::status::{GntStatus, GrantError};
use crate::abi::grant_table::{
    GnttabQuerySize, GnttabSetupTable, GrantEntryV1, GrantRef, GNTTABOP_QUERY_SIZE,
    GNTTABOP_SETUP_TABLE, GTF_PERMIT_ACCESS, GTF_READONLY,
};
use crate::abi::hypercall::GRANT_TABLE_OP;
use crate::abi::xen::{DomId, DOMID_SELF};
use crate::sys::hypercall::call3;
use crate::sys::mm::map::PTE_DATA;
use crate::sys::mm::{pfn_to_mfn, pfn_to_va, Frames, PoolPage};
use crate::sys::xen::update_va_mapping;
use crate::sys::PAGE_SIZE;

/// The most table frames we set up: 4 frames hold 2048 v1 entries.
const MAX_TABLE_FRAMES: u32 = 4;
const ENTRIES_PER_FRAME: u32 = (PAGE_SIZE / size_of::<GrantEntryV1>()) as u32;

/// Issues `GNTTABOP_<cmd>` on `ops`.
///
/// # Safety
/// `T` must be the argument struct of `cmd`, and every guest address inside the structs must
/// be valid for what Xen does with it during the call.
pub(super) unsafe fn grant_table_op<T>(cmd: u32, ops: &mut [T]) -> Result<(), GrantError> {
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

/// Points the PTE of pool frame `pfn` back at its own frame.
///
/// # Safety
/// The caller must own the pool frame `pfn`, and nothing may reference its address (it maps
/// another frame, or nothing, until this returns).
pub(super) unsafe fn restore_own_mapping(pfn: usize) -> Result<(), GrantError> {
    // SAFETY: forwarded from the caller's contract.
    unsafe { update_va_mapping(pfn_to_va(pfn), (pfn_to_mfn(pfn) << 12) | PTE_DATA) }
        .map_err(GrantError::from)
}

/// Our grant table: `nr_entries` v1 entries mapped at `base`.
pub(crate) struct Table {
    base: usize,
    nr_entries: u32,
    /// The pool frames whose addresses map the table, held for good.
    _slots: Frames,
}

static TABLE: spin::Once<Result<Table, GrantError>> = spin::Once::new();

/// Our grant table, set up on first use (up to [`MAX_TABLE_FRAMES`] frames).
pub(crate) fn table() -> Result<&'static Table, GrantError> {
    TABLE.call_once(setup).as_ref().map_err(|&e| e)
}

fn setup() -> Result<Table, GrantError> {
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
    let slots = Frames::alloc(nr as usize)?;
    for (i, &mfn) in frames.iter().take(nr as usize).enumerate() {
        // SAFETY: the pool frames are ours (held in `slots`, never returned) and nothing
        // references them; their addresses become the table, accessed only through atomics.
        unsafe { update_va_mapping(pfn_to_va(slots.pfn() + i), (mfn << 12) | PTE_DATA) }?;
    }
    log::debug!("grant table: {nr} frames (max {})", query[0].max_nr_frames);
    Ok(Table {
        base: pfn_to_va(slots.pfn()),
        nr_entries: nr * ENTRIES_PER_FRAME,
        _slots: slots,
    })
}

/// The flags word of one grant entry, shared with Xen: it can be read and cleared (to end
/// access), never set to anything else.
#[derive(Clone, Copy)]
pub(crate) struct EntryFlagsWord(&'static AtomicU16);

impl EntryFlagsWord {
    /// The current flags (acquire).
    pub(crate) fn load(self) -> u16 {
        self.0.load(Ordering::Acquire)
    }

    /// Sets the flags to 0 if they are still `current`; else returns the value seen.
    pub(crate) fn clear_if(self, current: u16) -> Result<(), u16> {
        self.0
            .compare_exchange(current, 0, Ordering::AcqRel, Ordering::Acquire)
            .map(|_| ())
    }
}

impl Table {
    /// Number of entries.
    pub(crate) fn nr_entries(&self) -> u32 {
        self.nr_entries
    }

    /// The address of the `size`-byte field at `offset` of entry `r` (panics past the table).
    fn field_addr(&self, r: GrantRef, offset: usize, size: usize) -> usize {
        assert!(r < self.nr_entries, "grant ref {r} out of the table");
        assert!(offset + size <= size_of::<GrantEntryV1>() && offset.is_multiple_of(size));
        self.base + r as usize * size_of::<GrantEntryV1>() + offset
    }

    fn word16(&self, r: GrantRef, offset: usize) -> &'static AtomicU16 {
        let addr = self.field_addr(r, offset, 2);
        // SAFETY: in the mapped table and aligned (checked by field_addr: entries are 8-byte
        // aligned in a page-aligned table); the table stays mapped for good (its slots are
        // never returned). Atomics tolerate Xen changing the word concurrently.
        unsafe { AtomicU16::from_ptr(addr as *mut u16) }
    }

    fn word32(&self, r: GrantRef, offset: usize) -> &'static AtomicU32 {
        let addr = self.field_addr(r, offset, 4);
        // SAFETY: as for `word16`.
        unsafe { AtomicU32::from_ptr(addr as *mut u32) }
    }

    /// The flags word of entry `r` (panics past the table).
    pub(crate) fn flags(&self, r: GrantRef) -> EntryFlagsWord {
        EntryFlagsWord(self.word16(r, 0))
    }

    /// Lets `domid` map or copy `page` through entry `r`: domid and frame first, then the
    /// flags with release ordering, so Xen never sees a half-made grant. Only frame-pool
    /// pages can be granted, so a peer can only ever write memory Rust accesses volatilely.
    pub(crate) fn grant(
        &self,
        r: GrantRef,
        domid: DomId,
        page: &PoolPage,
        readonly: bool,
    ) -> Result<(), GrantError> {
        let frame = u32::try_from(pfn_to_mfn(page.pfn())).map_err(|_| GrantError::FrameTooHigh)?;
        self.word16(r, 2).store(domid, Ordering::Relaxed);
        self.word32(r, 4).store(frame, Ordering::Relaxed);
        let flags = GTF_PERMIT_ACCESS | if readonly { GTF_READONLY } else { 0 };
        self.word16(r, 0).store(flags, Ordering::Release);
        Ok(())
    }
}
