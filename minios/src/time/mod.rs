//! Time: a monotonic [`Instant`] from Xen's pvclock, the wall clock, and timers.
//!
//! [`Instant`] counts nanoseconds of Xen system time (time since the host booted, which
//! does not jump). Timers ([`sleep`], [`sleep_until`], [`timeout`]) sit in one queue; the
//! executor arms vCPU 0's one-shot timer for the earliest deadline before it blocks, and
//! VIRQ_TIMER wakes it.

pub mod pvclock;
pub mod timers;

#[cfg(target_os = "none")]
mod xen;

#[cfg(target_os = "none")]
pub(crate) use xen::{arm_next, init, wake_expired};
#[cfg(target_os = "none")]
pub use xen::{
    cpu_time, sleep, sleep_until, timeout, timer_virq_count, wall_clock, Elapsed, Sleep, Timeout,
};

pub use core::time::Duration;

use core::ops::{Add, AddAssign, Sub};

/// A point in Xen system time, in nanoseconds since the host booted. Monotonic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(u64);

impl Instant {
    /// The instant `ns` nanoseconds of Xen system time.
    pub const fn from_nanos(ns: u64) -> Self {
        Self(ns)
    }

    /// Nanoseconds of Xen system time.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// Time from `earlier` to `self`, zero if `earlier` is later.
    pub fn duration_since(self, earlier: Instant) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }

    /// `self + d`, or `None` if that is beyond the clock's range.
    pub fn checked_add(self, d: Duration) -> Option<Instant> {
        let ns = u64::try_from(d.as_nanos()).ok()?;
        self.0.checked_add(ns).map(Instant)
    }

    /// `self + d`, saturating at the end of the clock's range.
    pub fn saturating_add(self, d: Duration) -> Instant {
        self.checked_add(d).unwrap_or(Instant(u64::MAX))
    }

    /// `self - d`, saturating at 0.
    pub fn saturating_sub(self, d: Duration) -> Instant {
        let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        Instant(self.0.saturating_sub(ns))
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    /// Saturates at the end of the clock's range (584 years after host boot).
    fn add(self, d: Duration) -> Instant {
        self.saturating_add(d)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, d: Duration) {
        *self = *self + d;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;
    /// Saturates at 0.
    fn sub(self, d: Duration) -> Instant {
        self.saturating_sub(d)
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    /// Saturates at zero, like [`Instant::duration_since`].
    fn sub(self, earlier: Instant) -> Duration {
        self.duration_since(earlier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instant_arithmetic_saturates() {
        let a = Instant::from_nanos(1_000);
        let b = a + Duration::from_micros(2);
        assert_eq!(b.as_nanos(), 3_000);
        assert_eq!(b - a, Duration::from_nanos(2_000));
        assert_eq!(a - b, Duration::ZERO);
        assert_eq!((a - Duration::from_secs(1)).as_nanos(), 0);
        assert_eq!(a + Duration::MAX, Instant::from_nanos(u64::MAX));
        assert_eq!(a.checked_add(Duration::MAX), None);
        let mut c = a;
        c += Duration::from_nanos(5);
        assert_eq!(c.as_nanos(), 1_005);
    }
}
