//! Time from Xen: the TSC, vCPU 0's `vcpu_time_info` and the wall clock in shared_info, and
//! the one-shot timer (VCPUOP_set_singleshot_timer), which raises VIRQ_TIMER.

use core::sync::atomic::{fence, Ordering};

use super::hypercall::call3;
use crate::abi::hypercall as nr;
use crate::abi::vcpu::{
    VcpuRunstateInfo, VcpuSetSingleshotTimer, VCPUOP_GET_RUNSTATE_INFO,
    VCPUOP_SET_SINGLESHOT_TIMER, VCPUOP_STOP_PERIODIC_TIMER,
};
use crate::abi::{SharedInfo, VcpuTimeInfo};
use crate::time::pvclock::{read_consistent, WallClockInfo};

fn si() -> *const SharedInfo {
    super::xen::shared_info().expect("shared_info mapped")
}

/// Reads the CPU's time-stamp counter.
pub fn rdtsc() -> u64 {
    // SAFETY: rdtsc has no memory effects; Xen lets PV guests execute it (natively or
    // emulated, with vcpu_time_info describing whichever TSC the guest sees).
    unsafe { core::arch::x86_64::_rdtsc() }
}

fn volatile<T: Copy>(p: *const T) -> T {
    // SAFETY: callers pass pointers into the mapped shared_info page; Xen may write the
    // field concurrently, which `read_consistent`'s version check detects.
    unsafe { p.read_volatile() }
}

/// A consistent copy of vCPU 0's `vcpu_time_info` (retried while Xen updates it).
pub fn vcpu_time() -> VcpuTimeInfo {
    // SAFETY: a place projection inside the mapped shared_info page; no reference is made.
    let info = unsafe { &raw const (*si()).vcpu_info[0].time };
    // SAFETY: as above.
    let version = unsafe { &raw const (*info).version };
    read_consistent(
        || {
            let v = volatile(version);
            fence(Ordering::Acquire);
            v
        },
        || {
            let copy = volatile(info);
            fence(Ordering::Acquire);
            copy
        },
    )
}

/// A consistent copy of the wall clock base in shared_info (retried on `wc_version`).
pub fn wall_clock_info() -> WallClockInfo {
    let s = si();
    read_consistent(
        || {
            // SAFETY: projection inside the mapped shared_info page.
            let v = volatile(unsafe { &raw const (*s).wc_version });
            fence(Ordering::Acquire);
            v
        },
        || {
            // SAFETY: projections inside the mapped shared_info page.
            let info = unsafe {
                WallClockInfo {
                    sec: volatile(&raw const (*s).wc_sec),
                    sec_hi: volatile(&raw const (*s).wc_sec_hi),
                    nsec: volatile(&raw const (*s).wc_nsec),
                }
            };
            fence(Ordering::Acquire);
            info
        },
    )
}

/// Arms vCPU 0's one-shot timer to raise VIRQ_TIMER at Xen system time `deadline_ns`
/// (at once if that is already past).
pub fn set_singleshot_timer(deadline_ns: u64) -> Result<(), i32> {
    let arg = VcpuSetSingleshotTimer {
        timeout_abs_ns: deadline_ns,
        flags: 0,
        _pad0: 0,
    };
    // SAFETY: `arg` is a valid vcpu_set_singleshot_timer for the duration of the call.
    let rc = unsafe {
        call3(
            nr::VCPU_OP,
            VCPUOP_SET_SINGLESHOT_TIMER as usize,
            0,
            &raw const arg as usize,
        )
    };
    if rc < 0 {
        Err(rc as i32)
    } else {
        Ok(())
    }
}

/// Stops vCPU 0's periodic timer, so that an idle domain is not woken for nothing.
pub fn stop_periodic_timer() -> Result<(), i32> {
    // SAFETY: VCPUOP_stop_periodic_timer takes no argument.
    let rc = unsafe { call3(nr::VCPU_OP, VCPUOP_STOP_PERIODIC_TIMER as usize, 0, 0) };
    if rc < 0 {
        Err(rc as i32)
    } else {
        Ok(())
    }
}

/// vCPU 0's runstate: nanoseconds spent running, runnable, blocked and offline.
pub fn runstate() -> Result<VcpuRunstateInfo, i32> {
    let mut info = VcpuRunstateInfo::default();
    // SAFETY: `info` is a valid vcpu_runstate_info that Xen fills during the call.
    let rc = unsafe {
        call3(
            nr::VCPU_OP,
            VCPUOP_GET_RUNSTATE_INFO as usize,
            0,
            &raw mut info as usize,
        )
    };
    if rc < 0 {
        Err(rc as i32)
    } else {
        Ok(info)
    }
}
