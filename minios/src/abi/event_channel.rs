//! Event channel operations (`event_channel.h`), arguments of `event_channel_op`.

use super::xen::DomId;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// An event channel port (`evtchn_port_t`).
pub type EvtchnPort = u32;

/// Number of event channels of the 2-level ABI (`EVTCHN_2L_NR_CHANNELS`): one bit per
/// port in `SharedInfo::evtchn_pending`.
pub const EVTCHN_2L_NR_CHANNELS: usize = 64 * 64;

/// Bind to a port another domain allocated (`EVTCHNOP_bind_interdomain`).
pub const EVTCHNOP_BIND_INTERDOMAIN: u32 = 0;
/// Bind a virtual IRQ (`EVTCHNOP_bind_virq`).
pub const EVTCHNOP_BIND_VIRQ: u32 = 1;
/// Bind a physical IRQ (`EVTCHNOP_bind_pirq`).
pub const EVTCHNOP_BIND_PIRQ: u32 = 2;
/// Close a port (`EVTCHNOP_close`).
pub const EVTCHNOP_CLOSE: u32 = 3;
/// Notify the remote end of a port (`EVTCHNOP_send`).
pub const EVTCHNOP_SEND: u32 = 4;
/// Query a port's state (`EVTCHNOP_status`).
pub const EVTCHNOP_STATUS: u32 = 5;
/// Allocate a port another domain may bind to (`EVTCHNOP_alloc_unbound`).
pub const EVTCHNOP_ALLOC_UNBOUND: u32 = 6;
/// Bind an inter-vcpu interrupt (`EVTCHNOP_bind_ipi`).
pub const EVTCHNOP_BIND_IPI: u32 = 7;
/// Deliver a port to another vcpu (`EVTCHNOP_bind_vcpu`).
pub const EVTCHNOP_BIND_VCPU: u32 = 8;
/// Unmask a port, re-raising it if pending (`EVTCHNOP_unmask`).
pub const EVTCHNOP_UNMASK: u32 = 9;
/// Close all ports of a domain (`EVTCHNOP_reset`).
pub const EVTCHNOP_RESET: u32 = 10;
/// Switch to the FIFO ABI (`EVTCHNOP_init_control`).
pub const EVTCHNOP_INIT_CONTROL: u32 = 11;
/// Add a page to the FIFO event array (`EVTCHNOP_expand_array`).
pub const EVTCHNOP_EXPAND_ARRAY: u32 = 12;
/// Set a port's FIFO priority (`EVTCHNOP_set_priority`).
pub const EVTCHNOP_SET_PRIORITY: u32 = 13;

/// `EvtchnStatus::status`: the port is free (`EVTCHNSTAT_closed`).
pub const EVTCHNSTAT_CLOSED: u32 = 0;
/// `EvtchnStatus::status`: waiting for a remote domain (`EVTCHNSTAT_unbound`).
pub const EVTCHNSTAT_UNBOUND: u32 = 1;
/// `EvtchnStatus::status`: connected to a remote port (`EVTCHNSTAT_interdomain`).
pub const EVTCHNSTAT_INTERDOMAIN: u32 = 2;
/// `EvtchnStatus::status`: bound to a physical IRQ (`EVTCHNSTAT_pirq`).
pub const EVTCHNSTAT_PIRQ: u32 = 3;
/// `EvtchnStatus::status`: bound to a virtual IRQ (`EVTCHNSTAT_virq`).
pub const EVTCHNSTAT_VIRQ: u32 = 4;
/// `EvtchnStatus::status`: bound to an IPI (`EVTCHNSTAT_ipi`).
pub const EVTCHNSTAT_IPI: u32 = 5;

/// Arguments of `EVTCHNOP_alloc_unbound` (`struct evtchn_alloc_unbound`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct EvtchnAllocUnbound {
    /// IN: the allocating domain (usually `DOMID_SELF`).
    pub dom: DomId,
    /// IN: the domain allowed to bind.
    pub remote_dom: DomId,
    /// OUT: the new port.
    pub port: EvtchnPort,
}
const _: () = assert!(size_of::<EvtchnAllocUnbound>() == 8);

/// Arguments of `EVTCHNOP_bind_interdomain` (`struct evtchn_bind_interdomain`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct EvtchnBindInterdomain {
    /// IN: the remote domain.
    pub remote_dom: DomId,
    /// Explicit padding (implicit in C); keep zero.
    pub _pad0: u16,
    /// IN: the remote, unbound port.
    pub remote_port: EvtchnPort,
    /// OUT: the local port.
    pub local_port: EvtchnPort,
}
const _: () = assert!(size_of::<EvtchnBindInterdomain>() == 12);

/// Arguments of `EVTCHNOP_bind_virq` (`struct evtchn_bind_virq`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct EvtchnBindVirq {
    /// IN: one of `VIRQ_*`.
    pub virq: u32,
    /// IN: vcpu to deliver to.
    pub vcpu: u32,
    /// OUT: the local port.
    pub port: EvtchnPort,
}
const _: () = assert!(size_of::<EvtchnBindVirq>() == 12);

/// Arguments of `EVTCHNOP_bind_ipi` (`struct evtchn_bind_ipi`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct EvtchnBindIpi {
    /// IN: vcpu to deliver to.
    pub vcpu: u32,
    /// OUT: the local port.
    pub port: EvtchnPort,
}
const _: () = assert!(size_of::<EvtchnBindIpi>() == 8);

/// Arguments of `EVTCHNOP_close` (`struct evtchn_close`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct EvtchnClose {
    /// IN: the port to close.
    pub port: EvtchnPort,
}
const _: () = assert!(size_of::<EvtchnClose>() == 4);

/// Arguments of `EVTCHNOP_send` (`struct evtchn_send`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct EvtchnSend {
    /// IN: the local port to notify through.
    pub port: EvtchnPort,
}
const _: () = assert!(size_of::<EvtchnSend>() == 4);

/// Arguments of `EVTCHNOP_unmask` (`struct evtchn_unmask`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct EvtchnUnmask {
    /// IN: the port to unmask.
    pub port: EvtchnPort,
}
const _: () = assert!(size_of::<EvtchnUnmask>() == 4);

/// Arguments of `EVTCHNOP_bind_vcpu` (`struct evtchn_bind_vcpu`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct EvtchnBindVcpu {
    /// IN: the port.
    pub port: EvtchnPort,
    /// IN: the vcpu to deliver to.
    pub vcpu: u32,
}
const _: () = assert!(size_of::<EvtchnBindVcpu>() == 8);

/// Arguments of `EVTCHNOP_status` (`struct evtchn_status`).
///
/// The C union `u` is kept as two raw words; read it with the accessors that match
/// `status`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct EvtchnStatus {
    /// IN: the domain owning the port (usually `DOMID_SELF`).
    pub dom: DomId,
    /// Explicit padding (implicit in C); keep zero.
    pub _pad0: u16,
    /// IN: the port.
    pub port: EvtchnPort,
    /// OUT: one of `EVTCHNSTAT_*`.
    pub status: u32,
    /// OUT: vcpu the port is delivered to.
    pub vcpu: u32,
    /// OUT: state-specific data (C union `u`).
    pub u: [u32; 2],
}
const _: () = assert!(size_of::<EvtchnStatus>() == 24);

impl EvtchnStatus {
    /// `u.unbound.dom`, or `u.interdomain.dom`: the remote domain.
    pub const fn remote_dom(&self) -> DomId {
        self.u[0] as DomId
    }

    /// `u.interdomain.port`: the remote port.
    pub const fn remote_port(&self) -> EvtchnPort {
        self.u[1]
    }

    /// `u.pirq` or `u.virq`: the bound interrupt number.
    pub const fn irq(&self) -> u32 {
        self.u[0]
    }
}
