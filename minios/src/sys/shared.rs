//! Pages shared with Xen or another domain, accessed only through bounds-checked volatile or
//! atomic operations (the peer may write them at any time).

use core::ptr::NonNull;
use core::sync::atomic::{AtomicU32, Ordering};

use super::PAGE_SIZE;

/// One mapped 4 KiB page whose contents another party may change concurrently.
#[derive(Clone, Copy)]
pub(crate) struct SharedPage {
    base: NonNull<u8>,
}

// SAFETY: a SharedPage is only an address; every access is atomic or volatile.
unsafe impl Send for SharedPage {}
// SAFETY: as above; concurrent accesses are atomic or volatile byte copies.
unsafe impl Sync for SharedPage {}

impl SharedPage {
    /// Wraps the page mapped at `va`.
    ///
    /// # Safety
    /// `va` must be page aligned and mapped read-write for the rest of the program, and no
    /// Rust reference may point into the page.
    pub(super) unsafe fn new(va: usize) -> Self {
        assert!(va.is_multiple_of(PAGE_SIZE), "shared page not aligned");
        let base = NonNull::new(va as *mut u8).expect("shared page at address 0");
        Self { base }
    }

    /// The page's virtual address.
    pub(crate) fn addr(&self) -> usize {
        self.base.as_ptr() as usize
    }

    fn atomic_u32(&self, off: usize) -> &AtomicU32 {
        assert!(
            off.is_multiple_of(4) && off + 4 <= PAGE_SIZE,
            "u32 access out of page"
        );
        // SAFETY: in bounds and aligned (checked); the page stays mapped (contract of new);
        // AtomicU32 has the layout of u32 and tolerates concurrent peers.
        unsafe { &*self.base.as_ptr().add(off).cast::<AtomicU32>() }
    }

    /// Loads a u32 index at `off` with acquire ordering (a peer's producer index).
    pub(crate) fn load_u32(&self, off: usize) -> u32 {
        self.atomic_u32(off).load(Ordering::Acquire)
    }

    /// Stores a u32 index at `off` with release ordering (publishes our earlier writes).
    pub(crate) fn store_u32(&self, off: usize, value: u32) {
        self.atomic_u32(off).store(value, Ordering::Release)
    }

    /// Copies `out.len()` bytes from the page at `off`.
    pub(crate) fn read_bytes(&self, off: usize, out: &mut [u8]) {
        assert!(
            off <= PAGE_SIZE && out.len() <= PAGE_SIZE - off,
            "read out of page"
        );
        for (i, b) in out.iter_mut().enumerate() {
            // SAFETY: in bounds (checked); volatile because the peer may write concurrently.
            *b = unsafe { self.base.as_ptr().add(off + i).read_volatile() };
        }
    }

    /// Copies `data` into the page at `off`.
    pub(crate) fn write_bytes(&self, off: usize, data: &[u8]) {
        assert!(
            off <= PAGE_SIZE && data.len() <= PAGE_SIZE - off,
            "write out of page"
        );
        for (i, b) in data.iter().enumerate() {
            // SAFETY: in bounds (checked); volatile because the peer may read concurrently.
            unsafe { self.base.as_ptr().add(off + i).write_volatile(*b) };
        }
    }
}
