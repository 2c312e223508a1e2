//! Time from Xen: the TSC, vCPU 0's `vcpu_time_info` and the wall clock in shared_info, and
//! the one-shot timer (VCPUOP_set_singleshot_timer), which raises VIRQ_TIMER.

use core::sync::atomic::{fence, Ordering};

use super::hypercall::call3;
use super::xen::shared_info;
use crate::abi::hypercall as nr;
use crate::abi::vcpu::{
    VcpuRunstateInfo, VcpuSetSingleshotTimer, VCPUOP_GET_RUNSTATE_INFO,
    VCPUOP_SET_SINGLESHOT_TIMER, VCPUOP_STOP_PERIODIC_TIMER, VCPUOP_STOP_SINGLESHOT_TIMER,
};
use crate::abi::VcpuTimeInfo;

/// Reads the CPU's time-stamp counter.
pub(crate) fn rdtsc() -> u64 {
    // SAFETY: rdtsc has no memory effects; Xen lets PV guests execute it (natively or
    // emulated, with vcpu_time_info describing whichever TSC the guest sees).
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// A volatile read followed by an acquire fence (so later reads are not hoisted above it).
///
/// # Safety
/// `p` must point at a field of the mapped shared_info page.
unsafe fn read_field<T: Copy>(p: *const T) -> T {
    // SAFETY: in the mapped shared_info page (caller's contract); Xen may write the field
    // concurrently, which the callers' version checks detect.
    let v = unsafe { p.read_volatile() };
    fence(Ordering::Acquire);
    v
}

/// vCPU 0's `vcpu_time_info.version` (odd while Xen updates the record).
pub(crate) fn vcpu_time_version() -> u32 {
    // SAFETY: a place projection inside the mapped shared_info page; no reference is made.
    unsafe { read_field(&raw const (*shared_info()).vcpu_info[0].time.version) }
}

/// A copy of vCPU 0's `vcpu_time_info`, possibly torn: check the version around it.
pub(crate) fn vcpu_time_record() -> VcpuTimeInfo {
    // SAFETY: as for `vcpu_time_version`.
    unsafe { read_field(&raw const (*shared_info()).vcpu_info[0].time) }
}

/// shared_info's `wc_version` (odd while Xen updates the wall clock).
pub(crate) fn wall_clock_version() -> u32 {
    // SAFETY: as for `vcpu_time_version`.
    unsafe { read_field(&raw const (*shared_info()).wc_version) }
}

/// shared_info's wall clock base `(wc_sec, wc_sec_hi, wc_nsec)`, possibly torn: check the
/// version around it.
pub(crate) fn wall_clock_record() -> (u32, u32, u32) {
    // SAFETY: as for `vcpu_time_version`.
    unsafe {
        (
            read_field(&raw const (*shared_info()).wc_sec),
            read_field(&raw const (*shared_info()).wc_sec_hi),
            read_field(&raw const (*shared_info()).wc_nsec),
        )
    }
}

/// Arms vCPU 0's one-shot timer to raise VIRQ_TIMER at Xen system time `deadline_ns`
/// (at once if that is already past).
pub(crate) fn set_singleshot_timer(deadline_ns: u64) -> Result<(), i32> {
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

/// Stops vCPU 0's one-shot timer (before another kernel takes the domain over).
pub(crate) fn stop_singleshot_timer() -> Result<(), i32> {
    // SAFETY: VCPUOP_stop_singleshot_timer takes no argument.
    let rc = unsafe { call3(nr::VCPU_OP, VCPUOP_STOP_SINGLESHOT_TIMER as usize, 0, 0) };
    if rc < 0 {
        Err(rc as i32)
    } else {
        Ok(())
    }
}

/// Stops vCPU 0's periodic timer, so that an idle domain is not woken for nothing.
pub(crate) fn stop_periodic_timer() -> Result<(), i32> {
    // SAFETY: VCPUOP_stop_periodic_timer takes no argument.
    let rc = unsafe { call3(nr::VCPU_OP, VCPUOP_STOP_PERIODIC_TIMER as usize, 0, 0) };
    if rc < 0 {
        Err(rc as i32)
    } else {
        Ok(())
    }
}

/// vCPU 0's runstate: nanoseconds spent running, runnable, blocked and offline.
pub(crate) fn runstate() -> Result<VcpuRunstateInfo, i32> {
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
