//! Xen's paravirtual clock: system time from the TSC, and the wall clock.
//!
//! Xen publishes, per vCPU, a TSC timestamp, the system time (ns since the host booted) at
//! that timestamp, and a scale: `ns = ((tsc_delta << tsc_shift) * tsc_to_system_mul) >> 32`
//! (a negative shift shifts right). The wall clock is published once for the domain as the
//! UTC time at system time 0. Both are seqlocks: a `version` that is odd while Xen writes.

use core::time::Duration;

use crate::abi::VcpuTimeInfo;

/// How many times a torn read is retried before the last copy is used anyway. Xen's
/// updates take nanoseconds, so a few retries always suffice; the bound keeps a broken
/// hypervisor from hanging us.
const MAX_RETRIES: usize = 1000;

/// Reads a seqlock-protected value: `version` before and after `read` must be equal and
/// even. Retries up to a bound, then returns the last copy.
pub fn read_consistent<T>(version: impl Fn() -> u32, read: impl Fn() -> T) -> T {
    let mut tries = 0;
    loop {
        let before = version();
        let value = read();
        let after = version();
        tries += 1;
        if (before == after && before.is_multiple_of(2)) || tries >= MAX_RETRIES {
            return value;
        }
    }
}

/// Scales a TSC delta to nanoseconds with Xen's (shift, 32.32 multiplier) pair.
pub fn scale_delta(delta: u64, mul: u32, shift: i8) -> u64 {
    let shifted = if shift >= 0 {
        delta.checked_shl(shift as u32).unwrap_or(0)
    } else {
        delta.checked_shr(shift.unsigned_abs() as u32).unwrap_or(0)
    };
    // (u64 * u32) >> 32 always fits in u64.
    ((u128::from(shifted) * u128::from(mul)) >> 32) as u64
}

/// Xen system time (ns) at TSC value `tsc`, from a consistent copy of `vcpu_time_info`.
pub fn system_time(info: &VcpuTimeInfo, tsc: u64) -> u64 {
    let delta = tsc.saturating_sub(info.tsc_timestamp);
    info.system_time
        .wrapping_add(scale_delta(delta, info.tsc_to_system_mul, info.tsc_shift))
}

/// The wall clock base of shared_info: UTC at system time 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WallClockInfo {
    /// `wc_sec`: seconds, low 32 bits.
    pub sec: u32,
    /// `wc_sec_hi`: seconds, high 32 bits.
    pub sec_hi: u32,
    /// `wc_nsec`: nanoseconds.
    pub nsec: u32,
}

/// Time since the Unix epoch when Xen's system time reads `system_ns`.
pub fn wall_clock(base: &WallClockInfo, system_ns: u64) -> Duration {
    let secs = (u64::from(base.sec_hi) << 32) | u64::from(base.sec);
    Duration::new(secs, 0)
        .saturating_add(Duration::from_nanos(u64::from(base.nsec)))
        .saturating_add(Duration::from_nanos(system_ns))
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::cell::Cell;

    /// Xen's own way to pick (shift, mul) for a TSC frequency (compute_time_scale in
    /// xen/arch/x86/time.c, re-derived): normalise the ratio 1e9/freq into [0.5, 1) by
    /// shifting, then take it as a 32-bit fraction.
    fn time_scale(tsc_hz: u64) -> (u32, i8) {
        let mut tps = tsc_hz;
        let ns = 1_000_000_000u64;
        let mut shift: i8 = 0;
        let mut tps32 = tps as u128;
        while tps32 > (ns as u128) * 2 {
            tps >>= 1;
            tps32 = tps as u128;
            shift -= 1;
        }
        while tps32 <= ns as u128 {
            tps32 <<= 1;
            shift += 1;
        }
        let mul = ((ns as u128) << 32) / tps32;
        (mul as u32, shift)
    }

    fn ns_for(ticks: u64, hz: u64) -> u64 {
        let (mul, shift) = time_scale(hz);
        scale_delta(ticks, mul, shift)
    }

    #[test]
    fn one_second_of_ticks_is_one_second() {
        for hz in [
            1_000_000_000,
            2_400_000_000,
            3_192_576_000,
            800_000_000,
            100_000_000,
        ] {
            let got = ns_for(hz, hz);
            // A 32-bit fraction is exact to ~1 part in 2^31.
            assert!(got.abs_diff(1_000_000_000) <= 2, "{hz} Hz: {got} ns");
            let ms = ns_for(hz / 1000 * 250, hz);
            assert!(ms.abs_diff(250_000_000) <= 2, "{hz} Hz: {ms} ns");
        }
    }

    #[test]
    fn large_deltas_do_not_overflow() {
        let hz = 3_000_000_000;
        let day = hz * 86_400;
        let got = ns_for(day, hz);
        assert!(got.abs_diff(86_400_000_000_000) < 100_000, "{got}");
        // Absurd shifts from a broken hypervisor give 0, not a panic.
        assert_eq!(scale_delta(5, u32::MAX, 100), 0);
        assert_eq!(scale_delta(5, u32::MAX, -100), 0);
    }

    #[test]
    fn system_time_adds_scaled_delta_to_the_base() {
        let (mul, shift) = time_scale(2_000_000_000);
        let info = VcpuTimeInfo {
            version: 2,
            tsc_timestamp: 1_000_000,
            system_time: 5_000_000_000,
            tsc_to_system_mul: mul,
            tsc_shift: shift,
            ..Default::default()
        };
        // 2e9 ticks later at 2 GHz is one second later.
        let t = system_time(&info, 1_000_000 + 2_000_000_000);
        assert!(t.abs_diff(6_000_000_000) <= 2, "{t}");
        // A TSC read from before the timestamp does not go back in time by 2^64.
        assert_eq!(system_time(&info, 0), 5_000_000_000);
    }

    #[test]
    fn seqlock_retries_odd_and_changed_versions() {
        let versions = [3u32, 3, 4, 6, 6, 6];
        let i = Cell::new(0);
        let reads = Cell::new(0);
        let got = read_consistent(
            || {
                let v = versions[i.get()];
                i.set(i.get() + 1);
                v
            },
            || {
                reads.set(reads.get() + 1);
                reads.get()
            },
        );
        // (3,3) odd: retry; (4,6) changed: retry; (6,6): accept the third read.
        assert_eq!(got, 3);
        assert_eq!(i.get(), 6);
    }

    #[test]
    fn seqlock_gives_up_after_the_bound() {
        let n = Cell::new(0u32);
        let got = read_consistent(
            || {
                n.set(n.get() + 1);
                1
            },
            || 7,
        );
        assert_eq!(got, 7);
        assert_eq!(n.get() as usize, 2 * MAX_RETRIES);
    }

    #[test]
    fn wall_clock_combines_high_low_seconds_and_system_time() {
        let base = WallClockInfo {
            sec: 0x8000_0000,
            sec_hi: 1,
            nsec: 999_999_999,
        };
        let t = wall_clock(&base, 1);
        assert_eq!(t.as_secs(), 0x1_8000_0001);
        assert_eq!(t.subsec_nanos(), 0);
        let t = wall_clock(&base, 2_500_000_000);
        assert_eq!(t.as_secs(), 0x1_8000_0003);
        assert_eq!(t.subsec_nanos(), 499_999_999);
    }
}
