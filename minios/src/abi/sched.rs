//! Scheduler operations (`sched.h`), arguments of `sched_op`.

use super::arch_x86::GuestHandle;
use super::xen::DomId;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Give up the CPU voluntarily (`SCHEDOP_yield`).
pub const SCHEDOP_YIELD: u32 = 0;
/// Block until an event arrives; clears the upcall mask (`SCHEDOP_block`).
pub const SCHEDOP_BLOCK: u32 = 1;
/// Stop the domain, with a [`SchedShutdown`] reason (`SCHEDOP_shutdown`).
pub const SCHEDOP_SHUTDOWN: u32 = 2;
/// Wait for one of some ports, with a timeout ([`SchedPoll`], `SCHEDOP_poll`).
pub const SCHEDOP_POLL: u32 = 3;
/// Shut another domain down (`SCHEDOP_remote_shutdown`).
pub const SCHEDOP_REMOTE_SHUTDOWN: u32 = 4;
/// Record the shutdown code without stopping (`SCHEDOP_shutdown_code`).
pub const SCHEDOP_SHUTDOWN_CODE: u32 = 5;
/// Arm or disarm a domain watchdog (`SCHEDOP_watchdog`).
pub const SCHEDOP_WATCHDOG: u32 = 6;
/// Temporarily pin the vcpu to a physical CPU (`SCHEDOP_pin_override`).
pub const SCHEDOP_PIN_OVERRIDE: u32 = 7;

/// Shutdown reason: power off (`SHUTDOWN_poweroff`).
pub const SHUTDOWN_POWEROFF: u32 = 0;
/// Shutdown reason: restart (`SHUTDOWN_reboot`).
pub const SHUTDOWN_REBOOT: u32 = 1;
/// Shutdown reason: suspend for save or migration (`SHUTDOWN_suspend`).
pub const SHUTDOWN_SUSPEND: u32 = 2;
/// Shutdown reason: the guest crashed (`SHUTDOWN_crash`).
pub const SHUTDOWN_CRASH: u32 = 3;
/// Shutdown reason: the watchdog fired (`SHUTDOWN_watchdog`).
pub const SHUTDOWN_WATCHDOG: u32 = 4;
/// Shutdown reason: soft reset (`SHUTDOWN_soft_reset`).
pub const SHUTDOWN_SOFT_RESET: u32 = 5;

/// Arguments of `SCHEDOP_shutdown` and `SCHEDOP_shutdown_code` (`struct sched_shutdown`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct SchedShutdown {
    /// One of `SHUTDOWN_*`.
    pub reason: u32,
}
const _: () = assert!(size_of::<SchedShutdown>() == 4);

/// Arguments of `SCHEDOP_poll` (`struct sched_poll`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct SchedPoll {
    /// Guest address of an array of `evtchn_port_t`.
    pub ports: GuestHandle,
    /// Number of ports in the array.
    pub nr_ports: u32,
    /// Explicit padding (implicit in C); keep zero.
    pub _pad0: u32,
    /// Absolute system time (ns) to give up at; 0 for none.
    pub timeout: u64,
}
const _: () = assert!(size_of::<SchedPoll>() == 24);

/// Arguments of `SCHEDOP_remote_shutdown` (`struct sched_remote_shutdown`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct SchedRemoteShutdown {
    /// The domain to shut down.
    pub domain_id: DomId,
    /// Explicit padding (implicit in C); keep zero.
    pub _pad0: u16,
    /// One of `SHUTDOWN_*`.
    pub reason: u32,
}
const _: () = assert!(size_of::<SchedRemoteShutdown>() == 8);

/// Arguments of `SCHEDOP_watchdog` (`struct sched_watchdog`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct SchedWatchdog {
    /// Watchdog id (0 allocates a new one).
    pub id: u32,
    /// Timeout in seconds (0 destroys the watchdog).
    pub timeout: u32,
}
const _: () = assert!(size_of::<SchedWatchdog>() == 8);
