//! A bitmap page-frame allocator over a contiguous range of pfns.

/// The most frames one pool manages (32 MiB of 4 KiB pages).
pub const MAX_FRAMES: usize = 8192;

/// Free/used state of the frames `[base, base + len)`: bit set = in use.
pub struct FramePool {
    base: usize,
    len: usize,
    used: [u64; MAX_FRAMES / 64],
}

impl FramePool {
    /// A pool of `len` free frames starting at pfn `base` (`len` is capped at MAX_FRAMES).
    pub fn new(base: usize, len: usize) -> Self {
        Self {
            base,
            len: len.min(MAX_FRAMES),
            used: [0; MAX_FRAMES / 64],
        }
    }

    fn is_used(&self, i: usize) -> bool {
        self.used[i / 64] & (1 << (i % 64)) != 0
    }

    fn set(&mut self, i: usize, used: bool) {
        if used {
            self.used[i / 64] |= 1 << (i % 64);
        } else {
            self.used[i / 64] &= !(1 << (i % 64));
        }
    }

    /// Finds and takes `count` contiguous free frames (first fit); returns the first pfn.
    pub fn alloc(&mut self, count: usize) -> Option<usize> {
        if count == 0 || count > self.len {
            return None;
        }
        let mut run = 0;
        for i in 0..self.len {
            run = if self.is_used(i) { 0 } else { run + 1 };
            if run == count {
                let start = i + 1 - count;
                (start..=i).for_each(|j| self.set(j, true));
                return Some(self.base + start);
            }
        }
        None
    }

    /// Gives up the pool's first frames, keeping its last `keep`, if all the frames given
    /// are free: returns the first pfn and the count given up (none if the pool is not
    /// larger than `keep` or one of those frames is in use).
    pub fn shrink(&mut self, keep: usize) -> Option<(usize, usize)> {
        let give = self.len.checked_sub(keep).filter(|&g| g > 0)?;
        if (0..give).any(|i| self.is_used(i)) {
            return None;
        }
        for i in 0..keep {
            let used = self.is_used(i + give);
            self.set(i, used);
        }
        for i in keep..self.len {
            self.set(i, false);
        }
        let given = (self.base, give);
        self.base += give;
        self.len = keep;
        Some(given)
    }

    /// Frees `count` frames from `pfn`. Frames outside the pool or already free are a bug
    /// in the caller and panic (a double free must not go unnoticed).
    pub fn free(&mut self, pfn: usize, count: usize) {
        let start = pfn.checked_sub(self.base).expect("frame below pool");
        assert!(start + count <= self.len, "frame above pool");
        for i in start..start + count {
            assert!(self.is_used(i), "double free of pfn {:#x}", self.base + i);
            self.set(i, false);
        }
    }

    /// How many frames are free.
    pub fn free_count(&self) -> usize {
        (0..self.len).filter(|&i| !self.is_used(i)).count()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn shrink_gives_up_a_free_head_only() {
        let mut p = super::FramePool::new(100, 10);
        let a = p.alloc(2).unwrap();
        assert_eq!(p.shrink(4), None, "frames 100 and 101 are in use");
        p.free(a, 2);
        let b = p.alloc(10).unwrap();
        p.free(b, 7);
        // 107..110 are in use; 100..106 are free.
        assert_eq!(p.shrink(3), Some((100, 7)));
        assert_eq!(p.free_count(), 0);
        p.free(108, 1);
        assert_eq!(p.alloc(1), Some(108));
        assert_eq!(p.shrink(3), None, "nothing left to give");
    }

    use super::*;

    #[test]
    fn allocates_contiguous_runs_and_reuses_freed_frames() {
        let mut p = FramePool::new(100, 10);
        assert_eq!(p.alloc(3), Some(100));
        assert_eq!(p.alloc(3), Some(103));
        p.free(100, 3);
        assert_eq!(
            p.alloc(4),
            Some(106),
            "a run of 4 only fits after the second block"
        );
        assert_eq!(p.alloc(3), Some(100));
        assert_eq!(p.free_count(), 0);
        assert_eq!(p.alloc(1), None);
    }

    #[test]
    fn rejects_empty_and_oversized_requests() {
        let mut p = FramePool::new(0, 4);
        assert_eq!(p.alloc(0), None);
        assert_eq!(p.alloc(5), None);
        assert_eq!(p.alloc(4), Some(0));
    }

    #[test]
    #[should_panic(expected = "double free")]
    fn double_free_panics() {
        let mut p = FramePool::new(0, 4);
        let f = p.alloc(1).unwrap();
        p.free(f, 1);
        p.free(f, 1);
    }

    #[test]
    fn caps_at_max_frames() {
        let mut p = FramePool::new(0, MAX_FRAMES + 100);
        assert_eq!(p.free_count(), MAX_FRAMES);
        assert_eq!(p.alloc(MAX_FRAMES + 1), None);
    }
}
