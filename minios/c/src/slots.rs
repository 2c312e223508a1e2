//! Handle tables: the small integers C holds for minios objects (watches, disks).

use alloc::vec::Vec;

enum Slot<T> {
    Free,
    /// Taken out for a call that blocks (the table's lock is not held meanwhile).
    Busy,
    Held(T),
}

/// Objects C refers to by handle (`>= 0`). A handle stays valid until [`Slots::remove`];
/// a freed handle is reused by a later [`Slots::insert`].
pub struct Slots<T>(Vec<Slot<T>>);

impl<T> Slots<T> {
    /// An empty table.
    pub const fn new() -> Self {
        Self(Vec::new())
    }

    /// Stores `t`; its handle, or `None` when the table holds `i32::MAX` objects already.
    pub fn insert(&mut self, t: T) -> Option<i32> {
        let at = match self.0.iter().position(|s| matches!(s, Slot::Free)) {
            Some(at) => at,
            None => {
                self.0.push(Slot::Free);
                self.0.len() - 1
            }
        };
        let handle = i32::try_from(at).ok()?;
        self.0[at] = Slot::Held(t);
        Some(handle)
    }

    /// Takes the object out for a blocking call; give it back with [`Slots::put_back`].
    /// `None` for a handle that is not held (never given, removed, or busy in another call).
    pub fn take(&mut self, handle: i32) -> Option<T> {
        let slot = self.0.get_mut(usize::try_from(handle).ok()?)?;
        match core::mem::replace(slot, Slot::Busy) {
            Slot::Held(t) => Some(t),
            other => {
                *slot = other;
                None
            }
        }
    }

    /// Returns an object [`Slots::take`] took.
    pub fn put_back(&mut self, handle: i32, t: T) {
        if let Some(slot) = usize::try_from(handle).ok().and_then(|i| self.0.get_mut(i)) {
            *slot = Slot::Held(t);
        }
    }

    /// Takes the object out for good, freeing its handle; `None` as for [`Slots::take`].
    pub fn remove(&mut self, handle: i32) -> Option<T> {
        let t = self.take(handle)?;
        if let Some(slot) = usize::try_from(handle).ok().and_then(|i| self.0.get_mut(i)) {
            *slot = Slot::Free;
        }
        Some(t)
    }
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Self::new()
    }
}
