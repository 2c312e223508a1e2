//! The 2-level event channel ABI: the pending scan and unmasking, over any [`EventBits`].
//!
//! Xen marks port `p` pending by setting bit `p % 64` of `evtchn_pending[p / 64]`; if the port
//! is not masked it also sets bit `p / 64` of the vCPU's `evtchn_pending_sel` and then
//! `evtchn_upcall_pending`. The guest clears them in the reverse order.

use super::Port;

/// Number of 64-bit words of pending (and mask) bits: the 2-level ABI has 64 * 64 ports.
pub const WORDS: usize = 64;

/// Atomic access to the event bits of shared_info and of vCPU 0's vcpu_info.
pub trait EventBits {
    /// Clears `evtchn_upcall_pending`.
    fn clear_upcall_pending(&self);
    /// Sets `evtchn_upcall_pending`.
    fn set_upcall_pending(&self);
    /// Atomically takes `evtchn_pending_sel`, leaving zero.
    fn take_selector(&self) -> u64;
    /// Atomically sets bit `word` of `evtchn_pending_sel`; returns whether it was set before.
    fn set_selector(&self, word: usize) -> bool;
    /// `evtchn_pending[word]`.
    fn pending(&self, word: usize) -> u64;
    /// Atomically clears `bits` in `evtchn_pending[word]`.
    fn clear_pending(&self, word: usize, bits: u64);
    /// `evtchn_mask[word]`.
    fn masked(&self, word: usize) -> u64;
    /// Atomically sets `bits` in `evtchn_mask[word]`.
    fn set_mask(&self, word: usize, bits: u64);
    /// Atomically clears `bits` in `evtchn_mask[word]`.
    fn clear_mask(&self, word: usize, bits: u64);
}

fn split(port: Port) -> (usize, u64) {
    let p = port.index();
    (p / 64, 1u64 << (p % 64))
}

/// One pass of the 2-level scan: takes every pending, unmasked port, clears its pending bit
/// and hands it to `deliver` (in port order). Returns how many were delivered.
///
/// One pass is enough: a port Xen raises after we took the selector sets the selector and
/// `evtchn_upcall_pending` again, which the next scan (or SCHEDOP_block) sees. Pending but
/// masked ports stay pending; [`unmask`] re-raises them.
pub fn scan(bits: &impl EventBits, mut deliver: impl FnMut(Port)) -> usize {
    bits.clear_upcall_pending();
    let sel = bits.take_selector();
    let mut delivered = 0;
    for word in set_bits(sel) {
        let ready = bits.pending(word) & !bits.masked(word);
        if ready == 0 {
            continue;
        }
        bits.clear_pending(word, ready);
        for bit in set_bits(ready) {
            if let Some(port) = Port::new((word * 64 + bit) as u32) {
                deliver(port);
                delivered += 1;
            }
        }
    }
    delivered
}

/// Masks `port`: Xen keeps recording it as pending but does not raise the selector.
pub fn mask(bits: &impl EventBits, port: Port) {
    let (word, bit) = split(port);
    bits.set_mask(word, bit);
}

/// Unmasks `port`. If it became pending while masked, raises the selector and
/// `evtchn_upcall_pending` as Xen would have (the local-vCPU fast path of EVTCHNOP_unmask).
pub fn unmask(bits: &impl EventBits, port: Port) {
    let (word, bit) = split(port);
    bits.clear_mask(word, bit);
    if bits.pending(word) & bit != 0 && !bits.set_selector(word) {
        bits.set_upcall_pending();
    }
}

/// Whether `port` is pending in shared_info (not yet taken by a scan).
pub fn is_pending(bits: &impl EventBits, port: Port) -> bool {
    let (word, bit) = split(port);
    bits.pending(word) & bit != 0
}

/// The indexes of the set bits of `x`, lowest first.
fn set_bits(mut x: u64) -> impl Iterator<Item = usize> {
    core::iter::from_fn(move || {
        if x == 0 {
            return None;
        }
        let i = x.trailing_zeros() as usize;
        x &= x - 1;
        Some(i)
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use core::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};

    /// An in-memory stand-in for shared_info that follows Xen's 2-level set_pending.
    pub(crate) struct FakeXen {
        pub upcall_pending: AtomicBool,
        pub sel: AtomicU64,
        pub pending: [AtomicU64; WORDS],
        pub mask: [AtomicU64; WORDS],
    }

    impl Default for FakeXen {
        fn default() -> Self {
            Self {
                upcall_pending: AtomicBool::new(false),
                sel: AtomicU64::new(0),
                pending: [const { AtomicU64::new(0) }; WORDS],
                mask: [const { AtomicU64::new(0) }; WORDS],
            }
        }
    }

    impl FakeXen {
        /// What Xen's evtchn_2l_set_pending does.
        pub(crate) fn raise(&self, port: u32) {
            let (w, b) = (port as usize / 64, 1u64 << (port % 64));
            if self.pending[w].fetch_or(b, SeqCst) & b != 0 {
                return;
            }
            if self.mask[w].load(SeqCst) & b == 0
                && self.sel.fetch_or(1 << w, SeqCst) & (1 << w) == 0
            {
                self.upcall_pending.store(true, SeqCst);
            }
        }
    }

    impl EventBits for FakeXen {
        fn clear_upcall_pending(&self) {
            self.upcall_pending.store(false, SeqCst)
        }
        fn set_upcall_pending(&self) {
            self.upcall_pending.store(true, SeqCst)
        }
        fn take_selector(&self) -> u64 {
            self.sel.swap(0, SeqCst)
        }
        fn set_selector(&self, word: usize) -> bool {
            self.sel.fetch_or(1 << word, SeqCst) & (1 << word) != 0
        }
        fn pending(&self, word: usize) -> u64 {
            self.pending[word].load(SeqCst)
        }
        fn clear_pending(&self, word: usize, bits: u64) {
            self.pending[word].fetch_and(!bits, SeqCst);
        }
        fn masked(&self, word: usize) -> u64 {
            self.mask[word].load(SeqCst)
        }
        fn set_mask(&self, word: usize, bits: u64) {
            self.mask[word].fetch_or(bits, SeqCst);
        }
        fn clear_mask(&self, word: usize, bits: u64) {
            self.mask[word].fetch_and(!bits, SeqCst);
        }
    }

    fn collect(x: &FakeXen) -> Vec<u32> {
        let mut v = Vec::new();
        let n = scan(x, |p| v.push(p.raw()));
        assert_eq!(n, v.len());
        v
    }

    #[test]
    fn scan_delivers_each_pending_port_once_in_order() {
        let x = FakeXen::default();
        for p in [4095, 0, 63, 64, 1000, 130] {
            x.raise(p);
        }
        x.raise(63); // already pending: coalesced
        assert!(x.upcall_pending.load(SeqCst));
        assert_eq!(collect(&x), [0, 63, 64, 130, 1000, 4095]);
        assert!(!x.upcall_pending.load(SeqCst));
        assert!(x.pending.iter().all(|w| w.load(SeqCst) == 0));
        assert_eq!(collect(&x), Vec::<u32>::new());
    }

    #[test]
    fn masked_port_stays_pending_until_unmasked() {
        let x = FakeXen::default();
        let p = Port::new(200).unwrap();
        mask(&x, p);
        x.raise(200);
        x.raise(7);
        assert_eq!(collect(&x), [7]);
        assert!(is_pending(&x, p));
        assert!(!x.upcall_pending.load(SeqCst));
        unmask(&x, p);
        assert!(
            x.upcall_pending.load(SeqCst),
            "unmask re-raises a pending port"
        );
        assert_eq!(collect(&x), [200]);
        // Unmasking a port that is not pending raises nothing.
        unmask(&x, p);
        assert!(!x.upcall_pending.load(SeqCst));
        assert_eq!(collect(&x), Vec::<u32>::new());
    }

    #[test]
    fn port_raised_during_a_scan_is_seen_by_the_next_one() {
        let x = FakeXen::default();
        x.raise(5);
        let mut seen = Vec::new();
        scan(&x, |p| {
            seen.push(p.raw());
            if p.raw() == 5 {
                x.raise(5); // Xen raises it again while we handle it
                x.raise(300);
            }
        });
        assert_eq!(seen, [5]);
        assert!(x.upcall_pending.load(SeqCst));
        assert_eq!(collect(&x), [5, 300]);
    }

    #[test]
    fn selector_bit_without_pending_bits_is_harmless() {
        let x = FakeXen::default();
        x.sel.store(1 << 3 | 1 << 63, SeqCst);
        assert_eq!(collect(&x), Vec::<u32>::new());
        assert_eq!(x.sel.load(SeqCst), 0);
    }
}
