//! What minios remembers about each port: whether it fired, who waits for it, its handler.
//!
//! Recording is lock-free ([`Registry::record`], atomic bits) so that any code, even the
//! panic path waiting for console space, can take events out of shared_info. Waking wakers
//! and calling handlers happens only in [`Registry::deliver`], which the executor calls
//! between tasks: handlers never run inside another piece of code.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use core::task::{Context, Poll, Waker};

use super::bits::WORDS;
use super::Port;

/// A per-port handler, called by the executor when the port fired. It may hold its device's
/// state (an `Arc` of it), so a driver needs no table of its own to find the device a port
/// belongs to.
pub type Handler = Arc<dyn Fn(Port) + Send + Sync>;

/// Fired bits, wakers and handlers of every port.
pub struct Registry {
    fired: [AtomicU64; WORDS],
    /// Set by `record`, cleared by `deliver`: something fired since the last delivery.
    dirty: AtomicBool,
    wakers: spin::Mutex<BTreeMap<Port, Vec<Waker>>>,
    handlers: spin::Mutex<BTreeMap<Port, Handler>>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl Registry {
    /// An empty registry.
    pub const fn new() -> Self {
        Self {
            fired: [const { AtomicU64::new(0) }; WORDS],
            dirty: AtomicBool::new(false),
            wakers: spin::Mutex::new(BTreeMap::new()),
            handlers: spin::Mutex::new(BTreeMap::new()),
        }
    }

    fn slot(&self, port: Port) -> (&AtomicU64, u64) {
        let p = port.index();
        // `Port` is always below 64 * WORDS, so the index is in bounds.
        (&self.fired[p / 64], 1 << (p % 64))
    }

    /// Records that `port` fired. Lock-free.
    pub fn record(&self, port: Port) {
        let (word, bit) = self.slot(port);
        word.fetch_or(bit, Ordering::SeqCst);
        self.dirty.store(true, Ordering::SeqCst);
    }

    /// Consumes the fired mark of `port`: true if it fired since the last take.
    pub fn take(&self, port: Port) -> bool {
        let (word, bit) = self.slot(port);
        word.fetch_and(!bit, Ordering::SeqCst) & bit != 0
    }

    /// Whether `port` fired and was not taken yet.
    pub fn is_fired(&self, port: Port) -> bool {
        let (word, bit) = self.slot(port);
        word.load(Ordering::SeqCst) & bit != 0
    }

    /// Registers `waker` to be woken the next time `port` fires (once; re-register after).
    pub fn register(&self, port: Port, waker: &Waker) {
        let mut map = self.wakers.lock();
        let list = map.entry(port).or_default();
        if !list.iter().any(|w| w.will_wake(waker)) {
            list.push(waker.clone());
        }
    }

    /// Sets (or with `None` removes) the handler of `port`. A port with a handler delivers
    /// to the handler only; waiters are for ports without one. If the port already fired,
    /// the next [`Registry::deliver`] calls the new handler.
    pub fn set_handler(&self, port: Port, handler: Option<Handler>) {
        let mut map = self.handlers.lock();
        match handler {
            Some(h) => map.insert(port, h),
            None => map.remove(&port),
        };
        self.dirty.store(true, Ordering::SeqCst);
    }

    /// A future that completes when `port` fired since the last completed wait (it takes
    /// the fired mark).
    pub fn wait(&self, port: Port) -> WaitFor<'_> {
        WaitFor {
            registry: self,
            port,
        }
    }

    /// Forgets everything about `port` (it was closed): its fired mark, waiters, handler.
    pub fn forget(&self, port: Port) {
        self.take(port);
        self.handlers.lock().remove(&port);
        self.wakers.lock().remove(&port);
    }

    /// Calls the handlers of fired ports that have one (consuming the mark) and wakes the
    /// waiters of fired ports (leaving the mark for the waiter to take). Returns the number
    /// of handler calls plus wakers woken.
    pub fn deliver(&self) -> usize {
        if !self.dirty.swap(false, Ordering::SeqCst) {
            return 0;
        }
        let mut calls: Vec<(Port, Handler)> = Vec::new();
        if let Some(map) = self.handlers.try_lock() {
            calls.extend(
                map.iter()
                    .filter(|(p, _)| self.take(**p))
                    .map(|(p, h)| (*p, h.clone())),
            );
        } else {
            // Someone up the stack holds the table: try again on the next delivery.
            self.dirty.store(true, Ordering::SeqCst);
        }
        let mut woken: Vec<Waker> = Vec::new();
        if let Some(mut map) = self.wakers.try_lock() {
            let fired: Vec<Port> = map.keys().copied().filter(|p| self.is_fired(*p)).collect();
            for p in fired {
                woken.extend(map.remove(&p).unwrap_or_default());
            }
        } else {
            self.dirty.store(true, Ordering::SeqCst);
        }
        // Locks are released: handlers and wakers may use the registry.
        let n = calls.len() + woken.len();
        for (port, handler) in calls {
            handler(port);
        }
        woken.into_iter().for_each(Waker::wake);
        n
    }
}

/// The future of [`Registry::wait`].
#[derive(Debug)]
pub struct WaitFor<'a> {
    registry: &'a Registry,
    port: Port,
}

impl WaitFor<'_> {
    /// The port waited for.
    pub fn port(&self) -> Port {
        self.port
    }
}

impl Future for WaitFor<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.registry.take(self.port) {
            return Poll::Ready(());
        }
        self.registry.register(self.port, cx.waker());
        Poll::Pending
    }
}

impl core::fmt::Debug for Registry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Registry").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::sync::Arc;
    use alloc::task::Wake;
    use core::sync::atomic::AtomicUsize;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counter() -> (Arc<Count>, Waker) {
        let c = Arc::new(Count(AtomicUsize::new(0)));
        (c.clone(), Waker::from(c))
    }

    fn port(n: u32) -> Port {
        Port::new(n).unwrap()
    }

    #[test]
    fn fired_mark_is_sticky_until_taken() {
        let r = Registry::new();
        assert!(!r.take(port(9)));
        r.record(port(9));
        r.record(port(9));
        assert!(r.is_fired(port(9)));
        assert!(!r.is_fired(port(10)));
        assert!(r.take(port(9)));
        assert!(!r.take(port(9)));
    }

    #[test]
    fn deliver_wakes_waiters_of_fired_ports_only_once() {
        let r = Registry::new();
        let (a, wa) = counter();
        let (b, wb) = counter();
        r.register(port(1), &wa);
        r.register(port(1), &wa); // same waker: kept once
        r.register(port(2), &wb);
        r.record(port(1));
        assert_eq!(r.deliver(), 1);
        assert_eq!(a.0.load(Ordering::SeqCst), 1);
        assert_eq!(b.0.load(Ordering::SeqCst), 0);
        assert!(r.take(port(1)), "the waiter takes the mark itself");
        r.record(port(1));
        assert_eq!(r.deliver(), 0, "woken waiters must register again");
        assert_eq!(a.0.load(Ordering::SeqCst), 1);
    }

    static HANDLED: AtomicUsize = AtomicUsize::new(0);
    fn on_port(p: Port) {
        HANDLED.fetch_add(p.raw() as usize, Ordering::SeqCst);
    }

    #[test]
    fn handler_consumes_the_event() {
        let r = Registry::new();
        let (c, w) = counter();
        r.set_handler(port(700), Some(Arc::new(on_port)));
        r.register(port(700), &w);
        r.record(port(700));
        r.record(port(3));
        assert_eq!(r.deliver(), 1);
        assert_eq!(HANDLED.load(Ordering::SeqCst), 700);
        assert!(!r.is_fired(port(700)));
        assert!(r.is_fired(port(3)), "ports without waiters keep their mark");
        assert_eq!(c.0.load(Ordering::SeqCst), 0);
        r.set_handler(port(700), None);
        r.record(port(700));
        assert_eq!(r.deliver(), 1, "without a handler the waiter is woken");
        assert_eq!(c.0.load(Ordering::SeqCst), 1);
    }

    static LATE: AtomicUsize = AtomicUsize::new(0);
    fn on_late(_: Port) {
        LATE.fetch_add(1, Ordering::SeqCst);
    }

    #[test]
    fn handler_set_after_the_event_still_runs() {
        let r = Registry::new();
        r.record(port(44));
        assert_eq!(r.deliver(), 0, "no one to deliver to yet");
        r.set_handler(port(44), Some(Arc::new(on_late)));
        assert_eq!(r.deliver(), 1);
        assert_eq!(LATE.load(Ordering::SeqCst), 1);
        assert!(!r.is_fired(port(44)));
    }

    #[test]
    fn a_handler_reaches_its_device_state() {
        struct Device {
            port: Port,
            events: AtomicUsize,
        }
        let r = Registry::new();
        let dev = Arc::new(Device {
            port: port(9),
            events: AtomicUsize::new(0),
        });
        let d = dev.clone();
        r.set_handler(
            dev.port,
            Some(Arc::new(move |p| {
                assert_eq!(p, d.port);
                d.events.fetch_add(1, Ordering::SeqCst);
            })),
        );
        for _ in 0..3 {
            r.record(port(9));
            assert_eq!(r.deliver(), 1);
        }
        assert_eq!(dev.events.load(Ordering::SeqCst), 3);
        r.forget(port(9));
        assert_eq!(
            Arc::strong_count(&dev),
            1,
            "the handler let go of the device"
        );
    }

    #[test]
    fn forget_drops_state_of_a_closed_port() {
        let r = Registry::new();
        let (c, w) = counter();
        r.register(port(5), &w);
        r.record(port(5));
        r.forget(port(5));
        assert!(!r.is_fired(port(5)));
        assert_eq!(r.deliver(), 0);
        assert_eq!(c.0.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn busy_table_defers_delivery() {
        let r = Registry::new();
        let (c, w) = counter();
        r.register(port(8), &w);
        r.record(port(8));
        {
            let _held = r.wakers.lock();
            assert_eq!(r.deliver(), 0);
        }
        assert_eq!(r.deliver(), 1);
        assert_eq!(c.0.load(Ordering::SeqCst), 1);
    }
}
