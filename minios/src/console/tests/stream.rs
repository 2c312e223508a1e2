//! The console rings against a fake backend that runs whenever the guest side waits.

use core::cell::{Cell, RefCell};
use core::future::Future;
use core::mem::offset_of;
use core::pin::pin;
use core::task::{Context, Poll, Waker};
use std::collections::VecDeque;

use crate::abi::console::{XenconsInterface, XENCONS_IN_SIZE, XENCONS_OUT_SIZE};
use crate::console::{Reader, Signal, Writer};
use crate::ring::tests::Fake;
use crate::ring::{RingError, SharedMem};

const IN: usize = offset_of!(XenconsInterface, r#in);
const OUT: usize = offset_of!(XenconsInterface, out);
const IN_CONS: usize = offset_of!(XenconsInterface, in_cons);
const IN_PROD: usize = offset_of!(XenconsInterface, in_prod);
const OUT_CONS: usize = offset_of!(XenconsInterface, out_cons);
const OUT_PROD: usize = offset_of!(XenconsInterface, out_prod);

/// The backend: each time the guest waits it consumes up to `take` output bytes and
/// produces up to `give` input bytes (as much as the input ring has room for).
struct Backend<'a> {
    mem: &'a Fake,
    take: usize,
    give: usize,
    /// Waits during which the backend does nothing (a slow backend).
    stall: Cell<u32>,
    got: RefCell<Vec<u8>>,
    to_send: RefCell<VecDeque<u8>>,
    notified: Cell<u32>,
    waits: Cell<u32>,
}

impl<'a> Backend<'a> {
    fn new(mem: &'a Fake, take: usize, give: usize) -> Self {
        Self {
            mem,
            take,
            give,
            stall: Cell::new(0),
            got: RefCell::new(Vec::new()),
            to_send: RefCell::new(VecDeque::new()),
            notified: Cell::new(0),
            waits: Cell::new(0),
        }
    }

    fn step(&self) {
        if self.stall.get() > 0 {
            self.stall.set(self.stall.get() - 1);
            return;
        }
        let m = self.mem;
        let (mut cons, prod) = (m.get(OUT_CONS), m.get(OUT_PROD));
        let mut n = 0;
        while cons != prod && n < self.take {
            let mut b = [0];
            m.read(OUT + (cons as usize % XENCONS_OUT_SIZE), &mut b);
            self.got.borrow_mut().push(b[0]);
            cons = cons.wrapping_add(1);
            n += 1;
        }
        m.set(OUT_CONS, cons);
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
    }
}

impl Signal for &Backend<'_> {
    fn notify(&self) {
        self.notified.set(self.notified.get() + 1);
    }
    fn wait(&self) -> impl Future<Output = ()> {
        self.waits.set(self.waits.get() + 1);
        assert!(self.waits.get() < 1_000_000, "the guest side waits forever");
        self.step();
        core::future::ready(())
    }
}

/// Runs a future whose waits are all ready (the fake backend runs inside them).
fn run<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    match f.as_mut().poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("a console future waited for a real event"),
    }
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

fn page() -> Fake {
    Fake::new(4096)
}

#[test]
fn output_waits_for_the_backend_and_wraps_around() {
    let mem = page();
    let be = Backend::new(&mem, 700, 0);
    let mut w = Writer::new(&mem, &be).unwrap();
    let data = pattern(100_000);
    run(w.write_all(&data)).unwrap();
    run(w.flush()).unwrap();
    assert_eq!(*be.got.borrow(), data);
    assert!(
        be.waits.get() >= (100_000 / 700) as u32,
        "the writer waited when full"
    );
    assert!(be.notified.get() > 0);
    assert_eq!(w.unsent(), Ok(0));
}

#[test]
fn a_full_ring_is_never_overwritten_while_the_backend_stalls() {
    let mem = page();
    let be = Backend::new(&mem, 1, 0);
    be.stall.set(50);
    let mut w = Writer::new(&mem, &be).unwrap();
    let data = pattern(XENCONS_OUT_SIZE * 3 + 17);
    run(w.write_all(&data)).unwrap();
    run(w.flush()).unwrap();
    assert_eq!(*be.got.borrow(), data);
}

#[test]
fn input_is_read_and_the_backend_told_after_consuming() {
    let mem = page();
    let be = Backend::new(&mem, 0, 300);
    let data = pattern(50_000);
    be.to_send.borrow_mut().extend(&data);
    let mut r = Reader::new(&mem, &be).unwrap();
    let mut got = vec![0; data.len()];
    run(r.read_exact(&mut got)).unwrap();
    assert_eq!(got, data);
    // The backend only fills what the guest freed: it must have been told every time.
    assert!(be.notified.get() >= (50_000 / 300) as u32);
    assert_eq!(mem.get(IN_CONS), mem.get(IN_PROD));
}

#[test]
fn read_returns_what_is_ready_without_waiting_for_more() {
    let mem = page();
    let be = Backend::new(&mem, 0, 5);
    be.to_send.borrow_mut().extend(b"hello world");
    let mut r = Reader::new(&mem, &be).unwrap();
    let mut buf = [0; 64];
    assert_eq!(r.try_read(&mut buf), Ok(0));
    assert_eq!(run(r.read(&mut buf)), Ok(5));
    assert_eq!(&buf[..5], b"hello");
    assert_eq!(run(r.read(&mut [])), Ok(0));
}

#[test]
fn indices_near_the_u32_wrap_work() {
    let mem = page();
    let start = u32::MAX - 1000;
    for off in [IN_CONS, IN_PROD, OUT_CONS, OUT_PROD] {
        mem.set(off, start);
    }
    let be = Backend::new(&mem, 333, 333);
    let data = pattern(10_000);
    be.to_send.borrow_mut().extend(&data);
    let mut w = Writer::new(&mem, &be).unwrap();
    let mut r = Reader::new(&mem, &be).unwrap();
    run(w.write_all(&data)).unwrap();
    run(w.flush()).unwrap();
    let mut got = vec![0; data.len()];
    run(r.read_exact(&mut got)).unwrap();
    assert_eq!(*be.got.borrow(), data);
    assert_eq!(got, data);
    assert!(mem.get(OUT_PROD) < start, "the producer index wrapped");
}

#[test]
fn a_hostile_input_producer_is_a_typed_error_and_sticks() {
    let mem = page();
    let be = Backend::new(&mem, 0, 0);
    let mut r = Reader::new(&mem, &be).unwrap();
    mem.set(IN_PROD, XENCONS_IN_SIZE as u32 + 1);
    let mut buf = [0; 16];
    let e = RingError::ProducerAhead {
        prod: 1025,
        cons: 0,
        size: 1024,
    };
    assert_eq!(run(r.read(&mut buf)), Err(e));
    mem.set(IN_PROD, 3);
    assert_eq!(run(r.read(&mut buf)), Err(e), "a broken ring stays broken");
    // A producer behind the consumer is the same lie.
    let mem = page();
    mem.set(IN_CONS, 100);
    mem.set(IN_PROD, 100);
    let mut r = Reader::new(&mem, &be).unwrap();
    mem.set(IN_PROD, 99);
    assert!(matches!(
        r.available(),
        Err(RingError::ProducerAhead { prod: 99, .. })
    ));
}

#[test]
fn a_hostile_output_consumer_is_a_typed_error() {
    let mem = page();
    let be = Backend::new(&mem, 0, 0);
    let mut w = Writer::new(&mem, &be).unwrap();
    run(w.write_all(b"abc")).unwrap();
    mem.set(OUT_CONS, 10);
    assert!(matches!(
        run(w.write_all(b"more")),
        Err(RingError::ConsumerAhead {
            cons: 10,
            prod: 3,
            ..
        })
    ));
    assert!(run(w.flush()).is_err());
    // A consumer more than a ring behind (it "unconsumed" bytes) is refused too.
    let mem = page();
    let mut w = Writer::new(&mem, &be).unwrap();
    run(w.write_all(b"abc")).unwrap();
    mem.set(OUT_CONS, 3u32.wrapping_sub(XENCONS_OUT_SIZE as u32 + 1));
    assert!(w.unsent().is_err());
}
