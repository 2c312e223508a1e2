//! The life of one grant entry's flags, shared with Xen.
//!
//! `sys` writes `domid` and `frame` first and the flags last (with release ordering), so Xen
//! never sees a half-made grant. To end access we swap the flags to 0 with
//! compare-and-exchange, and only while neither `GTF_reading` nor `GTF_writing` is set: Xen
//! sets those (also with a compare-and-exchange) while the peer has the frame mapped or is
//! copying, and clearing the entry under it would let us reuse a frame the peer still writes
//! to.

use super::GrantError;
use crate::abi::grant_table::{GTF_READING, GTF_WRITING};

/// How often [`revoke`] retries when the flags change under it before it reports the entry
/// as busy (a peer mapping and unmapping in a loop must not hold us forever).
pub const REVOKE_ATTEMPTS: usize = 64;

/// Atomic access to the `flags` word of one grant entry.
pub trait EntryFlags {
    /// The current flags (acquire).
    fn load(&self) -> u16;
    /// Clears the flags (to 0) if they are still `current`; else returns the value seen.
    fn clear_if(&self, current: u16) -> Result<(), u16>;
}

#[cfg(target_os = "none")]
impl EntryFlags for crate::sys::grant::EntryFlagsWord {
    fn load(&self) -> u16 {
        crate::sys::grant::EntryFlagsWord::load(*self)
    }

    fn clear_if(&self, current: u16) -> Result<(), u16> {
        crate::sys::grant::EntryFlagsWord::clear_if(*self, current)
    }
}

/// Whether the peer is using the entry right now (mapped, or a copy in progress).
pub const fn in_use(flags: u16) -> bool {
    flags & (GTF_READING | GTF_WRITING) != 0
}

/// Clears the entry unless the peer is using it. On `Err(GrantError::InUse)` the entry is
/// unchanged and still granted: the caller must not reuse the ref or the frame.
pub fn revoke(entry: &impl EntryFlags) -> Result<(), GrantError> {
    let mut flags = entry.load();
    for _ in 0..REVOKE_ATTEMPTS {
        if in_use(flags) {
            return Err(GrantError::InUse);
        }
        match entry.clear_if(flags) {
            Ok(()) => return Ok(()),
            Err(seen) => flags = seen,
        }
    }
    Err(GrantError::InUse)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::grant_table::{GTF_PERMIT_ACCESS, GTF_READONLY};
    use core::cell::{Cell, RefCell};

    fn permit_flags(readonly: bool) -> u16 {
        GTF_PERMIT_ACCESS | if readonly { GTF_READONLY } else { 0 }
    }

    /// An entry whose "Xen" applies scripted changes just before each compare-and-exchange,
    /// the way a concurrent mapping by the peer would.
    struct Scripted {
        flags: Cell<u16>,
        races: RefCell<Vec<u16>>,
    }

    impl Scripted {
        fn new(flags: u16, races: &[u16]) -> Self {
            Self {
                flags: Cell::new(flags),
                races: RefCell::new(races.iter().rev().copied().collect()),
            }
        }
    }

    impl EntryFlags for Scripted {
        fn load(&self) -> u16 {
            self.flags.get()
        }
        fn clear_if(&self, current: u16) -> Result<(), u16> {
            if let Some(v) = self.races.borrow_mut().pop() {
                self.flags.set(v);
            }
            let seen = self.flags.get();
            if seen == current {
                self.flags.set(0);
                Ok(())
            } else {
                Err(seen)
            }
        }
    }

    #[test]
    fn an_idle_grant_is_revoked() {
        for ro in [false, true] {
            let e = Scripted::new(permit_flags(ro), &[]);
            assert_eq!(revoke(&e), Ok(()));
            assert_eq!(e.load(), 0);
        }
    }

    #[test]
    fn a_mapped_grant_is_left_alone() {
        for busy in [GTF_READING, GTF_WRITING, GTF_READING | GTF_WRITING] {
            let e = Scripted::new(GTF_PERMIT_ACCESS | busy, &[]);
            assert_eq!(revoke(&e), Err(GrantError::InUse));
            assert_eq!(e.load(), GTF_PERMIT_ACCESS | busy, "entry untouched");
        }
    }

    #[test]
    fn a_mapping_that_races_the_revoke_wins() {
        // The peer maps between our load and our compare-and-exchange.
        let e = Scripted::new(GTF_PERMIT_ACCESS, &[GTF_PERMIT_ACCESS | GTF_READING]);
        assert_eq!(revoke(&e), Err(GrantError::InUse));
        assert_eq!(e.load(), GTF_PERMIT_ACCESS | GTF_READING);
    }

    #[test]
    fn a_change_that_leaves_the_entry_idle_is_retried() {
        // The flags changed under us to another idle value: the exchange is retried with it.
        let e = Scripted::new(GTF_PERMIT_ACCESS, &[GTF_PERMIT_ACCESS | GTF_READONLY]);
        assert_eq!(revoke(&e), Ok(()));
        assert_eq!(e.load(), 0);
    }

    #[test]
    fn a_busy_entry_can_be_revoked_once_the_peer_unmaps() {
        let e = Scripted::new(GTF_PERMIT_ACCESS | GTF_WRITING, &[]);
        assert_eq!(revoke(&e), Err(GrantError::InUse));
        e.flags.set(GTF_PERMIT_ACCESS);
        assert_eq!(revoke(&e), Ok(()));
        assert_eq!(e.load(), 0);
    }

    #[test]
    fn a_peer_that_keeps_changing_flags_is_bounded() {
        // Flags flip between two idle values forever: we give up after REVOKE_ATTEMPTS.
        let script: Vec<u16> = (0..REVOKE_ATTEMPTS + 4)
            .map(|i| GTF_PERMIT_ACCESS | if i % 2 == 0 { GTF_READONLY } else { 0 })
            .collect();
        let e = Scripted::new(GTF_PERMIT_ACCESS | 0x80, &script);
        assert_eq!(revoke(&e), Err(GrantError::InUse));
    }
}
