//! A frame of our own from the pool, shared with a peer (a ring, a granted buffer).

use crate::grant::GrantError;
use crate::sys::mm::pfn_to_va;
use crate::sys::shared::{SharedPage, PAGE_SIZE};

/// One frame taken from the frame pool, zeroed, and accessed only through volatile or atomic
/// operations because a peer may be granted it. Dropping it returns the frame to the pool, so
/// whoever grants it must end the grant first (see `grant::GrantedPage`).
pub struct PoolPage {
    pfn: usize,
    /// The page; never handed out, so it cannot outlive the frame's return to the pool.
    page: SharedPage,
}

impl PoolPage {
    /// Takes a frame from the pool and zeroes it.
    pub fn alloc() -> Result<Self, GrantError> {
        let pfn = crate::mm::alloc_frames(1).ok_or(GrantError::NoFrames)?;
        // SAFETY: the pool frame is mapped read-write in the 1:1 mapping and ours alone until
        // this PoolPage returns it; the SharedPage never leaves the struct.
        let page = unsafe { SharedPage::new(pfn_to_va(pfn)) };
        page.write_bytes(0, &[0; PAGE_SIZE]);
        Ok(Self { pfn, page })
    }

    /// The page's pseudo-physical frame number.
    pub fn pfn(&self) -> usize {
        self.pfn
    }

    /// Copies `out.len()` bytes from offset `off` (panics past the page).
    pub fn read_bytes(&self, off: usize, out: &mut [u8]) {
        self.page.read_bytes(off, out)
    }

    /// Copies `data` to offset `off` (panics past the page).
    pub fn write_bytes(&self, off: usize, data: &[u8]) {
        self.page.write_bytes(off, data)
    }

    /// Loads the u32 at `off` (acquire).
    pub fn load_u32(&self, off: usize) -> u32 {
        self.page.load_u32(off)
    }

    /// Stores `value` at `off` (release).
    pub fn store_u32(&self, off: usize, value: u32) {
        self.page.store_u32(off, value)
    }
}

impl Drop for PoolPage {
    fn drop(&mut self) {
        crate::mm::free_frames(self.pfn, 1);
    }
}
