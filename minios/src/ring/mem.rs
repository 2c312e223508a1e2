//! Memory a ring lives in, shared with a peer that may write it at any time.

use alloc::rc::Rc;
use alloc::sync::Arc;

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

/// Shared memory that also holds byte flags both sides update atomically (vchan's liveness
/// and notification bytes).
pub trait SharedFlags: SharedMem {
    /// Loads the byte at `off` with acquire ordering.
    fn load_u8(&self, off: usize) -> u8;

    /// Stores `value` at `off` with release ordering.
    fn store_u8(&self, off: usize, value: u8);

    /// Atomically ORs `bits` into the byte at `off` (a full barrier); returns the old value.
    fn fetch_or_u8(&self, off: usize, bits: u8) -> u8;

    /// Atomically ANDs the byte at `off` with `mask` (a full barrier); returns the old value.
    fn fetch_and_u8(&self, off: usize, mask: u8) -> u8;
}

/// References and shared pointers to shared memory are shared memory.
macro_rules! forward {
    ($($ptr:ty),*) => {$(
        impl<T: SharedMem + ?Sized> SharedMem for $ptr {
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
    )*};
}

/// References and shared pointers to flag memory are flag memory.
macro_rules! forward_flags {
    ($($ptr:ty),*) => {$(
        impl<T: SharedFlags + ?Sized> SharedFlags for $ptr {
            fn load_u8(&self, off: usize) -> u8 {
                (**self).load_u8(off)
            }
            fn store_u8(&self, off: usize, value: u8) {
                (**self).store_u8(off, value)
            }
            fn fetch_or_u8(&self, off: usize, bits: u8) -> u8 {
                (**self).fetch_or_u8(off, bits)
            }
            fn fetch_and_u8(&self, off: usize, mask: u8) -> u8 {
                (**self).fetch_and_u8(off, mask)
            }
        }
    )*};
}

// Arc: the two halves of a console share one granted page, and a console may move between
// tasks.
forward!(&T, Rc<T>, Arc<T>);
forward_flags!(&T, Rc<T>, Arc<T>);

/// Bytes in a page.
#[cfg(any(test, target_os = "none"))]
pub(crate) const PAGE: usize = 4096;

/// The pieces of an access of `len` bytes at `off` of memory made of pages: for each, the
/// page's index, the offset in that page, and the range of the caller's buffer.
#[cfg(any(test, target_os = "none"))]
pub(crate) fn page_pieces(
    off: usize,
    len: usize,
) -> impl Iterator<Item = (usize, usize, core::ops::Range<usize>)> {
    let mut done = 0;
    core::iter::from_fn(move || {
        if done == len {
            return None;
        }
        let at = off + done;
        let n = (len - done).min(PAGE - at % PAGE);
        let piece = (at / PAGE, at % PAGE, done..done + n);
        done += n;
        Some(piece)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accesses_are_split_at_page_boundaries() {
        let pieces: Vec<_> = page_pieces(4090, 8200).collect();
        assert_eq!(
            pieces,
            [
                (0, 4090, 0..6),
                (1, 0, 6..4102),
                (2, 0, 4102..8198),
                (3, 0, 8198..8200)
            ]
        );
        assert_eq!(page_pieces(8192, 16).collect::<Vec<_>>(), [(2, 0, 0..16)]);
        assert_eq!(page_pieces(5, 0).count(), 0);
    }
}
