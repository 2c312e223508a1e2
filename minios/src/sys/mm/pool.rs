//! The frame pool: page-granular memory that may be shared with peers.
//!
//! Frames leave the pool only as owned values: [`Frames`] (used by `sys` to hold address
//! slots for foreign mappings and the grant table) and [`PoolPage`] (a zeroed page accessed
//! only through volatile or atomic operations, which is what may be granted to a peer).
//! Dropping either returns the frames. Pool frames are never part of the heap, so a peer that
//! still writes a frame after it went back to the pool only ever meets another pool page.

use core::fmt;

use super::frames::FramePool;
use super::map::pfn_to_va;
use crate::sys::shared::SharedPage;
use crate::sys::PAGE_SIZE;

static POOL: spin::Mutex<Option<FramePool>> = spin::Mutex::new(None);

/// Hands the frames `[base, base + len)` to the pool.
///
/// # Safety
/// The frames must be mapped read-write in the 1:1 mapping, free (no Rust reference or other
/// owner, not part of the heap) and given to the pool only once.
pub(in crate::sys) unsafe fn init(base: usize, len: usize) {
    *POOL.lock() = Some(FramePool::new(base, len));
}

/// Shrinks the pool to its last `keep` frames and gives the others (those next to the
/// heap) to the heap, which grows into them, if none of them is in use; returns how many
/// frames moved. For applications that need one big allocation more than many shared pages
/// (pv-grub holds a whole unpacked kernel). Frames never go back.
pub fn give_to_heap(keep: usize) -> usize {
    let Some((first, count)) = POOL.lock().as_mut().and_then(|p| p.shrink(keep)) else {
        return 0;
    };
    // SAFETY: the frames were free pool frames (checked under the lock), mapped read-write
    // in the 1:1 mapping, and lie right above the heap (the pool is the top of the free
    // frames, the heap the rest); the pool gave them up for good.
    unsafe { crate::sys::heap::extend_to(pfn_to_va(first + count)) };
    count
}

/// Frames currently free in the pool.
pub fn free_frame_count() -> usize {
    POOL.lock().as_ref().map_or(0, FramePool::free_count)
}

/// The frame pool has no run of free frames that large.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfFrames {
    /// How many contiguous frames were asked for.
    pub wanted: usize,
}

impl fmt::Display for OutOfFrames {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the frame pool has no {} free contiguous frame(s) ({} free in all)",
            self.wanted,
            free_frame_count()
        )
    }
}

/// Contiguous frames taken from the pool, owned: they go back when this is dropped.
#[derive(Debug)]
pub(crate) struct Frames {
    pfn: usize,
    count: usize,
}

impl Frames {
    /// Takes `count` contiguous free frames.
    pub(crate) fn alloc(count: usize) -> Result<Self, OutOfFrames> {
        let pfn = POOL
            .lock()
            .as_mut()
            .and_then(|p| p.alloc(count))
            .ok_or(OutOfFrames { wanted: count })?;
        Ok(Self { pfn, count })
    }

    /// The first frame's pfn.
    pub(crate) fn pfn(&self) -> usize {
        self.pfn
    }

    /// Gives the frames up for good (their mapping could not be restored).
    pub(in crate::sys) fn leak(self) {
        core::mem::forget(self);
    }
}

impl Drop for Frames {
    fn drop(&mut self) {
        if let Some(pool) = POOL.lock().as_mut() {
            pool.free(self.pfn, self.count);
        }
    }
}

/// One zeroed frame of the pool, accessed only through volatile or atomic operations, so it
/// can be granted to a peer (see `grant::Grant`). Dropping it returns the frame to the pool.
pub struct PoolPage {
    frame: Frames,
    /// The page; never handed out, so it cannot outlive the frame's return to the pool.
    page: SharedPage,
}

impl PoolPage {
    /// Takes a frame from the pool and zeroes it.
    pub fn alloc() -> Result<Self, OutOfFrames> {
        let frame = Frames::alloc(1)?;
        // SAFETY: the pool frame is mapped read-write in the 1:1 mapping and ours alone while
        // `frame` is held; the SharedPage never leaves this struct, which holds `frame`.
        let page = unsafe { SharedPage::new(pfn_to_va(frame.pfn())) };
        page.write_bytes(0, &[0; PAGE_SIZE]);
        Ok(Self { frame, page })
    }

    /// The page's pseudo-physical frame number.
    pub fn pfn(&self) -> usize {
        self.frame.pfn()
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

    /// Loads the byte at `off` (acquire).
    pub fn load_u8(&self, off: usize) -> u8 {
        self.page.load_u8(off)
    }

    /// Stores `value` at `off` (release).
    pub fn store_u8(&self, off: usize, value: u8) {
        self.page.store_u8(off, value)
    }

    /// ORs `bits` into the byte at `off` (atomic, a full barrier); returns the old value.
    pub fn fetch_or_u8(&self, off: usize, bits: u8) -> u8 {
        self.page.fetch_or_u8(off, bits)
    }

    /// ANDs the byte at `off` with `mask` (atomic, a full barrier); returns the old value.
    pub fn fetch_and_u8(&self, off: usize, mask: u8) -> u8 {
        self.page.fetch_and_u8(off, mask)
    }
}
