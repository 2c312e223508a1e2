//! The allocator of our grant references.
//!
//! Refs below [`GNTTAB_NR_RESERVED_ENTRIES`] belong to the toolstack (console and xenstore
//! pages) and are never handed out. Freed refs go to the back of a FIFO queue, so a ref that
//! was just released is the last one to be reused: a peer that still holds a stale ref number
//! is unlikely to meet a new grant under it.

use alloc::collections::VecDeque;
use alloc::vec;
use alloc::vec::Vec;

use crate::abi::grant_table::{GrantRef, GNTTAB_NR_RESERVED_ENTRIES};

/// Hands out grant references in `[GNTTAB_NR_RESERVED_ENTRIES, nr_entries)`.
#[derive(Debug)]
pub struct RefAllocator {
    free: VecDeque<GrantRef>,
    in_use: Vec<bool>,
}

/// Freeing a ref that is not currently allocated (a double free or a foreign number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAllocated(pub GrantRef);

impl RefAllocator {
    /// An allocator for a table of `nr_entries` entries.
    pub fn new(nr_entries: u32) -> Self {
        Self {
            free: (GNTTAB_NR_RESERVED_ENTRIES..nr_entries.max(GNTTAB_NR_RESERVED_ENTRIES))
                .collect(),
            in_use: vec![false; nr_entries as usize],
        }
    }

    /// Takes a free ref, or `None` when all are in use.
    pub fn alloc(&mut self) -> Option<GrantRef> {
        let r = self.free.pop_front()?;
        if let Some(slot) = self.in_use.get_mut(r as usize) {
            *slot = true;
        }
        Some(r)
    }

    /// Returns `r` to the allocator. The caller must have ended the peer's access first.
    pub fn free(&mut self, r: GrantRef) -> Result<(), NotAllocated> {
        match self.in_use.get_mut(r as usize) {
            Some(slot) if *slot => {
                *slot = false;
                self.free.push_back(r);
                Ok(())
            }
            _ => Err(NotAllocated(r)),
        }
    }

    /// How many refs are free.
    pub fn free_count(&self) -> usize {
        self.free.len()
    }

    /// How many refs are allocated (granted, or kept because a peer still held them).
    pub fn in_use_count(&self) -> usize {
        self.in_use.iter().filter(|&&u| u).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_hands_out_reserved_refs_and_runs_out_cleanly() {
        let mut a = RefAllocator::new(12);
        let got: Vec<_> = core::iter::from_fn(|| a.alloc()).collect();
        assert_eq!(got, [8, 9, 10, 11]);
        assert_eq!(a.alloc(), None);
        assert_eq!(a.free_count(), 0);
    }

    #[test]
    fn freed_refs_are_reused_last() {
        let mut a = RefAllocator::new(11);
        let first = a.alloc().unwrap();
        a.free(first).unwrap();
        assert_ne!(a.alloc(), Some(first), "the freed ref went to the back");
        assert_ne!(a.alloc(), Some(first));
        assert_eq!(a.alloc(), Some(first));
    }

    #[test]
    fn double_and_foreign_frees_are_refused() {
        let mut a = RefAllocator::new(16);
        let r = a.alloc().unwrap();
        assert_eq!(a.free(r), Ok(()));
        assert_eq!(a.free(r), Err(NotAllocated(r)));
        assert_eq!(
            a.free(3),
            Err(NotAllocated(3)),
            "reserved refs are never ours"
        );
        assert_eq!(a.free(1000), Err(NotAllocated(1000)));
        assert_eq!(a.free_count(), 8);
        assert_eq!(a.in_use_count(), 0);
        let _ = a.alloc();
        assert_eq!(a.in_use_count(), 1);
    }

    #[test]
    fn a_table_smaller_than_the_reserved_area_has_no_refs() {
        let mut a = RefAllocator::new(4);
        assert_eq!(a.alloc(), None);
    }
}
