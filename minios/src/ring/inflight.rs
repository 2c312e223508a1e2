//! Requests in flight, by id: what a frontend checks a backend's response ids against.

use alloc::vec::Vec;
use core::fmt;

/// A response named an id that is not in flight: never issued, or already completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownId(pub u64);

impl fmt::Display for UnknownId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "response id {} was never issued or was already completed",
            self.0
        )
    }
}

impl core::error::Error for UnknownId {}

/// Up to `capacity` requests in flight, each with its state `T`, named by small ids.
/// Issuing takes a free id; completing checks the id a response carries and hands the
/// state back once. Both are O(1).
pub struct InFlight<T> {
    slots: Vec<Option<T>>,
    free: Vec<u32>,
}

impl<T> InFlight<T> {
    /// Room for `capacity` requests (ids `0..capacity`).
    pub fn new(capacity: u32) -> Self {
        Self {
            slots: (0..capacity).map(|_| None).collect(),
            free: (0..capacity).rev().collect(),
        }
    }

    /// Records `state` under a free id; `None` when all ids are in flight.
    pub fn issue(&mut self, state: T) -> Option<u32> {
        let id = self.free.pop()?;
        self.slots[id as usize] = Some(state);
        Some(id)
    }

    /// The state of the request `id` a response names, removed; an error for an id that is
    /// not in flight.
    pub fn complete(&mut self, id: u64) -> Result<T, UnknownId> {
        let state = usize::try_from(id)
            .ok()
            .and_then(|i| self.slots.get_mut(i))
            .and_then(Option::take)
            .ok_or(UnknownId(id))?;
        self.free.push(id as u32);
        Ok(state)
    }

    /// Requests in flight.
    pub fn len(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    /// Whether nothing is in flight.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes every request still in flight (when the device goes away: each fails).
    pub fn drain(&mut self) -> impl Iterator<Item = T> + '_ {
        self.free.clear();
        let n = self.slots.len() as u32;
        self.free.extend((0..n).rev());
        self.slots.iter_mut().filter_map(Option::take)
    }
}
