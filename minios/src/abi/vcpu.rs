//! Vcpu operations (`vcpu.h`), arguments of `vcpu_op`.

use super::arch_x86::GuestHandle;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Set up a vcpu's initial context (`VCPUOP_initialise`).
pub const VCPUOP_INITIALISE: u32 = 0;
/// Start a vcpu (`VCPUOP_up`).
pub const VCPUOP_UP: u32 = 1;
/// Stop a vcpu (`VCPUOP_down`).
pub const VCPUOP_DOWN: u32 = 2;
/// Is the vcpu running? (`VCPUOP_is_up`).
pub const VCPUOP_IS_UP: u32 = 3;
/// Read a vcpu's runstate (`VCPUOP_get_runstate_info`).
pub const VCPUOP_GET_RUNSTATE_INFO: u32 = 4;
/// Register a guest area Xen keeps the runstate in (`VCPUOP_register_runstate_memory_area`).
pub const VCPUOP_REGISTER_RUNSTATE_MEMORY_AREA: u32 = 5;
/// Start a periodic timer (`VCPUOP_set_periodic_timer`).
pub const VCPUOP_SET_PERIODIC_TIMER: u32 = 6;
/// Stop the periodic timer (`VCPUOP_stop_periodic_timer`).
pub const VCPUOP_STOP_PERIODIC_TIMER: u32 = 7;
/// Arm the one-shot timer ([`VcpuSetSingleshotTimer`], `VCPUOP_set_singleshot_timer`).
pub const VCPUOP_SET_SINGLESHOT_TIMER: u32 = 8;
/// Disarm the one-shot timer (`VCPUOP_stop_singleshot_timer`).
pub const VCPUOP_STOP_SINGLESHOT_TIMER: u32 = 9;
/// Move the vcpu_info out of the shared info page (`VCPUOP_register_vcpu_info`).
pub const VCPUOP_REGISTER_VCPU_INFO: u32 = 10;
/// Send an NMI to a vcpu (`VCPUOP_send_nmi`).
pub const VCPUOP_SEND_NMI: u32 = 11;
/// Read the physical id of the vcpu's CPU (`VCPUOP_get_physid`).
pub const VCPUOP_GET_PHYSID: u32 = 12;
/// Register a secondary time area (`VCPUOP_register_vcpu_time_memory_area`).
pub const VCPUOP_REGISTER_VCPU_TIME_MEMORY_AREA: u32 = 13;

/// Singleshot timer flag: fail with `-ETIME` if the timeout is in the past
/// (`VCPU_SSHOTTMR_future`).
pub const VCPU_SSHOTTMR_FUTURE: u32 = 1 << 0;

/// Runstate: running on a physical CPU (`RUNSTATE_running`).
pub const RUNSTATE_RUNNING: i32 = 0;
/// Runstate: runnable, waiting for a CPU (`RUNSTATE_runnable`).
pub const RUNSTATE_RUNNABLE: i32 = 1;
/// Runstate: blocked (`RUNSTATE_blocked`).
pub const RUNSTATE_BLOCKED: i32 = 2;
/// Runstate: offline (`RUNSTATE_offline`).
pub const RUNSTATE_OFFLINE: i32 = 3;

/// Arguments of `VCPUOP_set_singleshot_timer` (`struct vcpu_set_singleshot_timer`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct VcpuSetSingleshotTimer {
    /// Absolute system time (ns) of the timeout.
    pub timeout_abs_ns: u64,
    /// `VCPU_SSHOTTMR_*` flags.
    pub flags: u32,
    /// Explicit padding (implicit in C); keep zero.
    pub _pad0: u32,
}
const _: () = assert!(size_of::<VcpuSetSingleshotTimer>() == 16);

/// Arguments of `VCPUOP_set_periodic_timer` (`struct vcpu_set_periodic_timer`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct VcpuSetPeriodicTimer {
    /// Period in nanoseconds.
    pub period_ns: u64,
}
const _: () = assert!(size_of::<VcpuSetPeriodicTimer>() == 8);

/// Arguments of `VCPUOP_register_vcpu_info` (`struct vcpu_register_vcpu_info`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct VcpuRegisterVcpuInfo {
    /// Machine frame holding the new vcpu_info.
    pub mfn: u64,
    /// Offset of the vcpu_info within the frame.
    pub offset: u32,
    /// Reserved; zero.
    pub rsvd: u32,
}
const _: () = assert!(size_of::<VcpuRegisterVcpuInfo>() == 16);

/// A vcpu's runstate (`struct vcpu_runstate_info`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct VcpuRunstateInfo {
    /// Current `RUNSTATE_*`.
    pub state: i32,
    /// Explicit padding (implicit in C).
    pub _pad0: u32,
    /// System time the current state was entered.
    pub state_entry_time: u64,
    /// Nanoseconds spent in each state.
    pub time: [u64; 4],
}
const _: () = assert!(size_of::<VcpuRunstateInfo>() == 48);

/// Arguments of `VCPUOP_register_runstate_memory_area`
/// (`struct vcpu_register_runstate_memory_area`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct VcpuRegisterRunstateMemoryArea {
    /// Guest virtual address of a [`VcpuRunstateInfo`] (C union `addr`).
    pub addr: GuestHandle,
}
const _: () = assert!(size_of::<VcpuRegisterRunstateMemoryArea>() == 8);
