//! Event channels on the live domain: binding, notifying, waiting, dispatching.

use core::sync::atomic::{AtomicU64, Ordering};

use super::bits::{self, EventBits};
use super::registry::{Handler, Registry, WaitFor};
use super::{EventError, Port};
use crate::abi::event_channel as ec;
use crate::abi::xen::{DomId, VIRQ_DEBUG};
use crate::sys::events::{self as sys, SharedEvents};
use crate::sys::{upcall, xen};

static REGISTRY: Registry = Registry::new();
static READY: spin::Once<()> = spin::Once::new();
static SCANNED: AtomicU64 = AtomicU64::new(0);
static DEBUG_VIRQS: AtomicU64 = AtomicU64::new(0);

/// Counters since boot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventStats {
    /// Times the vCPU went to sleep in SCHEDOP_block.
    pub blocks: u64,
    /// Upcalls Xen delivered (each ends one SCHEDOP_block).
    pub upcalls: u64,
    /// Port events taken out of shared_info by the pending scan.
    pub events: u64,
    /// VIRQ_DEBUG events (`xl debug-keys q` in dom0).
    pub debug_virqs: u64,
}

/// Counters since boot.
pub fn stats() -> EventStats {
    EventStats {
        blocks: upcall::block_count(),
        upcalls: upcall::upcall_count(),
        events: SCANNED.load(Ordering::Relaxed),
        debug_virqs: DEBUG_VIRQS.load(Ordering::Relaxed),
    }
}

/// Sets up event delivery (the upcall entry is installed at boot by `sys`): the channels
/// start_info gave us (console and xenstore, unmasked here), and a VIRQ_DEBUG handler.
/// Called once at boot, with the heap.
pub(crate) fn init() {
    READY.call_once(|| ());
    let si = crate::start_info();
    for raw in [si.console.evtchn, si.store_evtchn] {
        if let Some(port) = Port::new(raw) {
            port.unmask();
        }
    }
    match bind_virq(VIRQ_DEBUG) {
        Ok(port) => set_handler(port, Some(alloc::sync::Arc::new(on_debug_virq))),
        Err(e) => log::warn!("events: cannot bind VIRQ_DEBUG: {e}"),
    }
}

fn on_debug_virq(_: Port) {
    DEBUG_VIRQS.fetch_add(1, Ordering::Relaxed);
    log::info!("debug VIRQ: {:?}", stats());
}

/// Takes fired ports out of shared_info into the registry. Lock-free.
fn scan() {
    if SharedEvents::upcall_pending_byte().load(Ordering::SeqCst) != 0 {
        let n = bits::scan(&SharedEvents, |p| REGISTRY.record(p));
        SCANNED.fetch_add(n as u64, Ordering::Relaxed);
    }
}

/// Scans for fired ports, then calls their handlers and wakes their waiters. The executor
/// calls this between tasks; returns how many handlers and waiters it ran.
pub(crate) fn dispatch() -> usize {
    scan();
    REGISTRY.deliver()
}

/// The live shared_info's bits: every access is sequentially consistent, as Xen's own
/// locked updates are.
impl EventBits for SharedEvents {
    fn clear_upcall_pending(&self) {
        Self::upcall_pending_byte().store(0, Ordering::SeqCst)
    }
    fn set_upcall_pending(&self) {
        Self::upcall_pending_byte().store(1, Ordering::SeqCst)
    }
    fn take_selector(&self) -> u64 {
        Self::selector_word().swap(0, Ordering::SeqCst)
    }
    fn set_selector(&self, word: usize) -> bool {
        let bit = 1u64 << (word % 64);
        Self::selector_word().fetch_or(bit, Ordering::SeqCst) & bit != 0
    }
    fn pending(&self, word: usize) -> u64 {
        Self::pending_word(word).load(Ordering::SeqCst)
    }
    fn clear_pending(&self, word: usize, bits: u64) {
        Self::pending_word(word).fetch_and(!bits, Ordering::SeqCst);
    }
    fn masked(&self, word: usize) -> u64 {
        Self::mask_word(word).load(Ordering::SeqCst)
    }
    fn set_mask(&self, word: usize, bits: u64) {
        Self::mask_word(word).fetch_or(bits, Ordering::SeqCst);
    }
    fn clear_mask(&self, word: usize, bits: u64) {
        Self::mask_word(word).fetch_and(!bits, Ordering::SeqCst);
    }
}

fn checked(raw: Result<u32, i32>) -> Result<Port, EventError> {
    let raw = raw.map_err(EventError::from_errno)?;
    match Port::new(raw) {
        Some(port) => {
            port.unmask();
            Ok(port)
        }
        None => {
            let _ = sys::close(raw);
            Err(EventError::PortOutOfRange(raw))
        }
    }
}

/// Binds virtual IRQ `virq` (`VIRQ_*`) on vCPU 0; the port comes unmasked.
pub fn bind_virq(virq: u32) -> Result<Port, EventError> {
    checked(sys::bind_virq(virq))
}

/// Allocates a port that domain `remote` may bind to; the port comes unmasked.
pub fn alloc_unbound(remote: DomId) -> Result<Port, EventError> {
    checked(sys::alloc_unbound(remote))
}

/// Binds to port `remote_port` that domain `remote` allocated for us; the local port comes
/// unmasked. `remote_port` may come from an untrusted peer: Xen checks it. Xen marks the new
/// local port pending (a notification the peer sent before the bind would otherwise be
/// lost), so the first wait on it completes at once.
pub fn bind_interdomain(remote: DomId, remote_port: u32) -> Result<Port, EventError> {
    checked(sys::bind_interdomain(remote, remote_port))
}

/// Closes `port` and forgets its waiters and handler.
pub fn close(port: Port) -> Result<(), EventError> {
    port.mask();
    REGISTRY.forget(port);
    sys::close(port.raw()).map_err(EventError::from_errno)
}

/// Sets (or with `None` removes) the handler the executor calls when `port` fires. A port
/// with a handler does not complete waits.
pub fn set_handler(port: Port, handler: Option<Handler>) {
    REGISTRY.set_handler(port, handler);
}

/// What a port is connected to (EVTCHNOP_status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortStatus {
    /// Free.
    Closed,
    /// Allocated for `remote`, not bound yet.
    Unbound {
        /// The domain allowed to bind.
        remote: DomId,
    },
    /// Connected to a port of another domain.
    Interdomain {
        /// The peer domain.
        remote: DomId,
        /// The peer's port.
        remote_port: u32,
    },
    /// Bound to a physical IRQ.
    Pirq(u32),
    /// Bound to a virtual IRQ.
    Virq(u32),
    /// Bound to an inter-vCPU interrupt.
    Ipi,
    /// A state this ABI version does not know.
    Unknown(u32),
}

/// What `port` is connected to.
pub fn status(port: Port) -> Result<PortStatus, EventError> {
    let s = sys::status(port.raw()).map_err(EventError::from_errno)?;
    Ok(match s.status {
        ec::EVTCHNSTAT_CLOSED => PortStatus::Closed,
        ec::EVTCHNSTAT_UNBOUND => PortStatus::Unbound {
            remote: s.remote_dom(),
        },
        ec::EVTCHNSTAT_INTERDOMAIN => PortStatus::Interdomain {
            remote: s.remote_dom(),
            remote_port: s.remote_port(),
        },
        ec::EVTCHNSTAT_PIRQ => PortStatus::Pirq(s.irq()),
        ec::EVTCHNSTAT_VIRQ => PortStatus::Virq(s.irq()),
        ec::EVTCHNSTAT_IPI => PortStatus::Ipi,
        other => PortStatus::Unknown(other),
    })
}

impl Port {
    /// Notifies the other end (EVTCHNOP_send).
    pub fn notify(self) -> Result<(), EventError> {
        xen::evtchn_send(self.raw()).map_err(|e| EventError::from_errno(e.0))
    }

    /// Stops delivery: Xen still records the port as pending.
    pub fn mask(self) {
        bits::mask(&SharedEvents, self);
    }

    /// Resumes delivery, including an event that came while masked.
    pub fn unmask(self) {
        bits::unmask(&SharedEvents, self);
    }

    /// Whether Xen has an event pending on this port that no scan has taken yet (for
    /// diagnostics; waiting uses [`Port::wait`]).
    pub fn is_pending(self) -> bool {
        bits::is_pending(&SharedEvents, self)
    }

    /// A future that completes when the port has fired since the last completed wait.
    pub fn wait(self) -> Wait {
        REGISTRY.wait(self)
    }

    /// Blocks the vCPU until the port has fired since the last completed wait; other ports'
    /// events are recorded for the executor meanwhile. For synchronous code (the console);
    /// takes no lock, so it also works on the panic path. Before event delivery is set up it
    /// only yields the CPU once and returns (a spurious completion).
    pub fn wait_blocking(self) {
        loop {
            if REGISTRY.take(self) {
                return;
            }
            scan();
            if REGISTRY.take(self) {
                return;
            }
            if READY.get().is_none() {
                xen::sched_yield();
                return;
            }
            upcall::block();
        }
    }
}

/// The future of [`Port::wait`].
pub type Wait = WaitFor<'static>;

/// An event channel port this program owns: closed when dropped.
#[derive(Debug)]
pub struct Channel {
    port: Port,
}

impl Channel {
    /// Allocates a port for domain `remote` to bind to (see [`alloc_unbound`]).
    pub fn alloc_unbound(remote: DomId) -> Result<Self, EventError> {
        alloc_unbound(remote).map(|port| Self { port })
    }

    /// Binds to `remote`'s unbound port (see [`bind_interdomain`]).
    pub fn bind_interdomain(remote: DomId, remote_port: u32) -> Result<Self, EventError> {
        bind_interdomain(remote, remote_port).map(|port| Self { port })
    }

    /// Binds a virtual IRQ (see [`bind_virq`]).
    pub fn bind_virq(virq: u32) -> Result<Self, EventError> {
        bind_virq(virq).map(|port| Self { port })
    }

    /// The local port.
    pub fn port(&self) -> Port {
        self.port
    }

    /// Notifies the other end.
    pub fn notify(&self) -> Result<(), EventError> {
        self.port.notify()
    }

    /// Waits until the port fires (see [`Port::wait`]).
    pub fn wait(&self) -> Wait {
        self.port.wait()
    }

    /// Gives up ownership: the port stays open.
    pub fn into_port(self) -> Port {
        let port = self.port;
        core::mem::forget(self);
        port
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        if let Err(e) = close(self.port) {
            log::warn!("events: closing port {}: {e}", self.port);
        }
    }
}
