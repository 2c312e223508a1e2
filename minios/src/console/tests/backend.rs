//! A fake console backend that behaves as QEMU's console backend does:
//! it runs only when the guest notified it (or, for input, when it has bytes and the ring
//! had room the last time it looked), and signals the guest only when it moved bytes. The
//! driver polls a console future again only after it was woken, so a wait that can never
//! be woken (a lost wake-up, or a missing notify) fails the test instead of passing by luck.

use core::cell::{Cell, RefCell};
use core::future::Future;
use core::mem::offset_of;
use core::pin::{pin, Pin};
use core::task::{Context, Poll, Waker};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::Wake;

use crate::abi::console::{XenconsInterface, XENCONS_IN_SIZE, XENCONS_OUT_SIZE};
use crate::console::Signal;
use crate::ring::tests::Fake;
use crate::ring::SharedMem;

pub(super) const IN: usize = offset_of!(XenconsInterface, r#in);
pub(super) const OUT: usize = offset_of!(XenconsInterface, out);
pub(super) const IN_CONS: usize = offset_of!(XenconsInterface, in_cons);
pub(super) const IN_PROD: usize = offset_of!(XenconsInterface, in_prod);
pub(super) const OUT_CONS: usize = offset_of!(XenconsInterface, out_cons);
pub(super) const OUT_PROD: usize = offset_of!(XenconsInterface, out_prod);

/// The backend: each time it runs it consumes up to `take` output bytes and produces up to
/// `give` input bytes (as much as the input ring has room for). It runs when notified, and
/// again by itself while output it left is there.
pub(super) struct Backend<'a> {
    pub(super) mem: &'a Fake,
    pub(super) take: usize,
    pub(super) give: usize,
    /// Runs during which the backend does nothing (a slow backend).
    pub(super) stall: Cell<u32>,
    pub(super) got: RefCell<Vec<u8>>,
    /// Like dom0 on the save stream: one credit byte `G` per this many output bytes
    /// received (the first one up front).
    pub(super) credit: Option<usize>,
    pub(super) to_send: RefCell<VecDeque<u8>>,
    /// Notifications from the guest, in all.
    pub(super) notified: Cell<u32>,
    /// A notification from the guest the backend has not acted on.
    pub(super) kicked: Cell<bool>,
    /// Whether the input ring had room when the backend last looked (QEMU reads its pty
    /// only then: its `can_receive`).
    pub(super) listening: Cell<bool>,
    /// The backend's signal to the guest, not yet taken by a wait.
    pub(super) fired: Cell<bool>,
    /// The guest's waiter, woken by the backend's signal.
    pub(super) waiter: RefCell<Option<Waker>>,
    pub(super) waits: Cell<u32>,
}

impl<'a> Backend<'a> {
    pub(super) fn new(mem: &'a Fake, take: usize, give: usize) -> Self {
        Self {
            mem,
            take,
            give,
            stall: Cell::new(0),
            got: RefCell::new(Vec::new()),
            credit: None,
            to_send: RefCell::new(VecDeque::new()),
            notified: Cell::new(0),
            kicked: Cell::new(false),
            listening: Cell::new(true),
            fired: Cell::new(false),
            waiter: RefCell::new(None),
            waits: Cell::new(0),
        }
    }

    /// Runs the backend if something woke it: a notification, or input for a ring that had
    /// room. Returns whether it ran.
    pub(super) fn step(&self) -> bool {
        let has_input = self.listening.get() && !self.to_send.borrow().is_empty();
        if !self.kicked.get() && !has_input {
            return false;
        }
        if self.stall.get() > 0 {
            self.stall.set(self.stall.get() - 1);
            return true;
        }
        let m = self.mem;
        let (mut cons, prod) = (m.get(OUT_CONS), m.get(OUT_PROD));
        let mut moved = false;
        let mut n = 0;
        while cons != prod && n < self.take {
            let mut b = [0];
            m.read(OUT + (cons as usize % XENCONS_OUT_SIZE), &mut b);
            self.got.borrow_mut().push(b[0]);
            cons = cons.wrapping_add(1);
            n += 1;
        }
        m.set(OUT_CONS, cons);
        moved |= n > 0;
        // Output it left for its own reasons (its `take`) it goes on with by itself, as
        // xenconsoled does once its buffer drained; QEMU takes all there is.
        self.kicked.set(cons != prod);
        if let Some(window) = self.credit {
            if n > 0 && self.got.borrow().len().is_multiple_of(window) {
                self.to_send.borrow_mut().push_back(b'G');
            }
        }
        let (cons, mut prod) = (m.get(IN_CONS), m.get(IN_PROD));
        let mut n = 0;
        while prod.wrapping_sub(cons) < XENCONS_IN_SIZE as u32 && n < self.give {
            let Some(b) = self.to_send.borrow_mut().pop_front() else {
                break;
            };
            m.write(IN + (prod as usize % XENCONS_IN_SIZE), &[b]);
            prod = prod.wrapping_add(1);
            n += 1;
        }
        m.set(IN_PROD, prod);
        moved |= n > 0;
        self.listening
            .set(prod.wrapping_sub(cons) < XENCONS_IN_SIZE as u32);
        if moved {
            self.fired.set(true);
            if let Some(w) = self.waiter.borrow_mut().take() {
                w.wake();
            }
        }
        true
    }
}

/// The guest's wait on the console's event channel: ready once the backend signalled
/// since the last completed wait.
struct Wait<'b, 'a>(&'b Backend<'a>);

impl Future for Wait<'_, '_> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0.fired.replace(false) {
            return Poll::Ready(());
        }
        *self.0.waiter.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl<'b, 'a> Signal for &'b Backend<'a> {
    fn notify(&self) {
        self.notified.set(self.notified.get() + 1);
        self.kicked.set(true);
    }
    fn wait(&self) -> impl Future<Output = ()> {
        self.waits.set(self.waits.get() + 1);
        assert!(self.waits.get() < 1_000_000, "the guest side waits forever");
        Wait(self)
    }
}

/// A waker that remembers it was woken.
#[derive(Default)]
struct Woken(AtomicBool);

impl Wake for Woken {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Polls `f` to its end as an executor would: again only after it was woken, running the
/// backend while it waits. A future left waiting with nothing that could wake it (the
/// backend has no reason to run) fails: a lost wake-up or a missing notify.
pub(super) fn run<F: Future>(be: &Backend<'_>, f: F) -> F::Output {
    let mut f = pin!(f);
    let woken = Arc::new(Woken::default());
    let waker = Waker::from(woken.clone());
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        while !woken.0.swap(false, Ordering::SeqCst) {
            let ran = be.step();
            assert!(
                ran,
                "the console future waits, and nothing will wake it (a lost wake-up)"
            );
        }
    }
}
