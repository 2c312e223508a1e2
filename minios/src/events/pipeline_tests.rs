//! The whole receive path on the host: a fake Xen raising ports, the 2-level scan into a
//! registry, and tasks awaiting ports on the executor, as `sched` wires them on Xen.

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, Ordering};

use super::bits::{self, tests::FakeXen};
use super::registry::Registry;
use super::Port;
use crate::sched::{Executor, Platform};

/// Xen and the executor's idle hooks: scan, deliver; blocking with nothing pending would
/// sleep forever, so it fails the test.
struct Loop {
    xen: &'static FakeXen,
    reg: &'static Registry,
}

impl Platform for Loop {
    fn poll_sources(&self) {
        bits::scan(self.xen, |p| self.reg.record(p));
        self.reg.deliver();
    }

    fn block(&self) {
        assert!(
            self.xen.upcall_pending.load(Ordering::SeqCst),
            "blocked with no event pending: a notification was lost"
        );
    }
}

fn setup() -> (&'static FakeXen, &'static Registry, Loop) {
    let xen: &'static FakeXen = Box::leak(Box::default());
    let reg: &'static Registry = Box::leak(Box::new(Registry::new()));
    (xen, reg, Loop { xen, reg })
}

fn port(n: u32) -> Port {
    Port::new(n).unwrap()
}

#[test]
fn loopback_ping_pong_loses_no_notification() {
    let (xen, reg, platform) = setup();
    let (a, b) = (port(70), port(3000));
    const ROUNDS: u32 = 1000;
    let exec = Executor::new();
    let pongs = Arc::new(AtomicU32::new(0));
    let p = pongs.clone();
    // Notifying one end raises the other, as Xen does for an interdomain pair.
    let ponger = exec.spawn(async move {
        for _ in 0..ROUNDS {
            reg.wait(b).await;
            xen.raise(a.raw());
            p.fetch_add(1, Ordering::SeqCst);
        }
    });
    let pings = exec.block_on(&platform, async move {
        let mut n = 0;
        for _ in 0..ROUNDS {
            xen.raise(b.raw());
            reg.wait(a).await;
            n += 1;
        }
        ponger.await;
        n
    });
    assert_eq!(pings, ROUNDS);
    assert_eq!(pongs.load(Ordering::SeqCst), ROUNDS);
    assert!(!reg.is_fired(a) && !reg.is_fired(b));
}

#[test]
fn event_before_the_wait_is_kept_and_masked_port_waits_for_unmask() {
    let (xen, reg, platform) = setup();
    let exec = Executor::new();
    // Fired and scanned before anyone waits: the first wait completes at once.
    xen.raise(9);
    platform.poll_sources();
    exec.block_on(&platform, reg.wait(port(9)));

    // A masked port's event is held by "Xen" until unmasked.
    bits::mask(xen, port(10));
    xen.raise(10);
    platform.poll_sources();
    assert!(!reg.is_fired(port(10)));
    assert!(bits::is_pending(xen, port(10)));
    let waited = exec.spawn(reg.wait(port(10)));
    exec.run_ready();
    assert!(!waited.is_finished());
    bits::unmask(xen, port(10));
    exec.block_on(&platform, waited);
}
