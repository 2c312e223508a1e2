//! Pages shared with Xen or another domain, accessed only through bounds-checked volatile or
//! atomic operations (the peer may write them at any time).

use core::ptr::NonNull;
use core::sync::atomic::{AtomicU32, AtomicU8, Ordering};

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

    fn atomic_u8(&self, off: usize) -> &AtomicU8 {
        assert!(off < PAGE_SIZE, "u8 access out of page");
        // SAFETY: in bounds (checked); the page stays mapped (contract of new); AtomicU8 has
        // the layout of u8 and tolerates concurrent peers.
        unsafe { &*self.base.as_ptr().add(off).cast::<AtomicU8>() }
    }

    /// Loads the byte at `off` with acquire ordering (a peer's flag).
    pub(crate) fn load_u8(&self, off: usize) -> u8 {
        self.atomic_u8(off).load(Ordering::Acquire)
    }

    /// Stores the byte at `off` with release ordering.
    pub(crate) fn store_u8(&self, off: usize, value: u8) {
        self.atomic_u8(off).store(value, Ordering::Release)
    }

    /// Atomically ORs `bits` into the byte at `off` (a full barrier); returns the old value.
    pub(crate) fn fetch_or_u8(&self, off: usize, bits: u8) -> u8 {
        self.atomic_u8(off).fetch_or(bits, Ordering::SeqCst)
    }

    /// Atomically ANDs the byte at `off` with `mask` (a full barrier); returns the old value.
    pub(crate) fn fetch_and_u8(&self, off: usize, mask: u8) -> u8 {
        self.atomic_u8(off).fetch_and(mask, Ordering::SeqCst)
    }

    /// Copies `out.len()` bytes from the page at `off`: volatile 8-byte loads where aligned,
    /// bytes at the ends (one load per byte costs a softmmu lookup each under emulation).
    pub(crate) fn read_bytes(&self, off: usize, out: &mut [u8]) {
        assert!(
            off <= PAGE_SIZE && out.len() <= PAGE_SIZE - off,
            "read out of page"
        );
        let (head, words, tail) = split_aligned(off, out.len());
        for i in (0..head).chain(out.len() - tail..out.len()) {
            // SAFETY: in bounds (checked); volatile because the peer may write concurrently.
            out[i] = unsafe { self.base.as_ptr().add(off + i).read_volatile() };
        }
        for (w, chunk) in out[head..head + 8 * words].chunks_exact_mut(8).enumerate() {
            // SAFETY: off + head is 8-aligned (page-aligned base) and the word lies within
            // [off, off + out.len()), inside the page (checked); volatile as above.
            let v = unsafe {
                self.base
                    .as_ptr()
                    .add(off + head + 8 * w)
                    .cast::<u64>()
                    .read_volatile()
            };
            chunk.copy_from_slice(&v.to_ne_bytes());
        }
    }

    /// Copies `data` into the page at `off` (8-byte volatile stores where aligned).
    pub(crate) fn write_bytes(&self, off: usize, data: &[u8]) {
        assert!(
            off <= PAGE_SIZE && data.len() <= PAGE_SIZE - off,
            "write out of page"
        );
        let (head, words, tail) = split_aligned(off, data.len());
        for i in (0..head).chain(data.len() - tail..data.len()) {
            // SAFETY: in bounds (checked); volatile because the peer may read concurrently.
            unsafe { self.base.as_ptr().add(off + i).write_volatile(data[i]) };
        }
        for (w, chunk) in data[head..head + 8 * words].chunks_exact(8).enumerate() {
            let mut v = [0u8; 8];
            v.copy_from_slice(chunk);
            // SAFETY: 8-aligned and inside the page, as in read_bytes; volatile as above.
            unsafe {
                self.base
                    .as_ptr()
                    .add(off + head + 8 * w)
                    .cast::<u64>()
                    .write_volatile(u64::from_ne_bytes(v))
            };
        }
    }
}

/// Splits `len` bytes at page offset `off` into leading bytes up to an 8-byte boundary, whole
/// 8-byte words, and trailing bytes: `(head, words, tail)`, `head + 8 * words + tail == len`.
fn split_aligned(off: usize, len: usize) -> (usize, usize, usize) {
    let head = ((8 - off % 8) % 8).min(len);
    let words = (len - head) / 8;
    (head, words, len - head - 8 * words)
}
