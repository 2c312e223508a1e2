//! Memory a ring lives in, shared with a peer that may write it at any time.

use alloc::rc::Rc;

/// Bytes shared with a peer: one or more pages (granted by us or mapped from the peer).
/// Every access is volatile or atomic; offsets are bytes from the start of the memory, and
/// reads and writes may cross page boundaries. Accesses past [`SharedMem::len`] panic (ring
/// code only uses offsets it computed from its own masked indices).
pub trait SharedMem {
    /// Size in bytes.
    fn len(&self) -> usize;

    /// Whether the memory has no bytes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Loads the u32 at `off` (4-byte aligned) with acquire ordering.
    fn load_u32(&self, off: usize) -> u32;

    /// Stores `value` at `off` (4-byte aligned) with release ordering.
    fn store_u32(&self, off: usize, value: u32);

    /// Copies `out.len()` bytes from `off`.
    fn read(&self, off: usize, out: &mut [u8]);

    /// Copies `data` to `off`.
    fn write(&self, off: usize, data: &[u8]);
}

impl<T: SharedMem + ?Sized> SharedMem for &T {
    fn len(&self) -> usize {
        (**self).len()
    }
    fn load_u32(&self, off: usize) -> u32 {
        (**self).load_u32(off)
    }
    fn store_u32(&self, off: usize, value: u32) {
        (**self).store_u32(off, value)
    }
    fn read(&self, off: usize, out: &mut [u8]) {
        (**self).read(off, out)
    }
    fn write(&self, off: usize, data: &[u8]) {
        (**self).write(off, data)
    }
}

impl<T: SharedMem + ?Sized> SharedMem for Rc<T> {
    fn len(&self) -> usize {
        (**self).len()
    }
    fn load_u32(&self, off: usize) -> u32 {
        (**self).load_u32(off)
    }
    fn store_u32(&self, off: usize, value: u32) {
        (**self).store_u32(off, value)
    }
    fn read(&self, off: usize, out: &mut [u8]) {
        (**self).read(off, out)
    }
    fn write(&self, off: usize, data: &[u8]) {
        (**self).write(off, data)
    }
}
