//! The console rings against the fake backend (`backend.rs`): flow control both ways,
//! full rings, wrap-around, one event channel for both rings, hostile indices. Every wait
//! must be woken by the backend's signal: a lost wake-up or a missing notify fails.

use super::backend::{run, Backend, IN_CONS, IN_PROD, OUT_CONS, OUT_PROD};
use crate::abi::console::{XENCONS_IN_SIZE, XENCONS_OUT_SIZE};
use crate::console::{Reader, Writer};
use crate::ring::tests::Fake;
use crate::ring::RingError;

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
    run(&be, w.write_all(&data)).unwrap();
    run(&be, w.flush()).unwrap();
    assert_eq!(*be.got.borrow(), data);
    assert!(
        be.waits.get() >= (100_000 / 700) as u32,
        "the writer waited when full"
    );
    assert!(be.notified.get() > 0);
    assert_eq!(w.unsent(), Ok(0));
}

/// The rig's save stream: the guest reads a credit byte, writes a window, and so on, its
/// reads and writes waiting on one event channel (each may take a signal meant for the
/// other), against a backend that gives credit only once it received the window.
#[test]
fn a_stream_with_credit_waits_both_ways_on_one_channel() {
    const WINDOW: usize = 3 * XENCONS_OUT_SIZE + 100;
    let mem = page();
    let mut be = Backend::new(&mem, 1500, 64);
    be.credit = Some(WINDOW);
    be.to_send.borrow_mut().push_back(b'G');
    let mut r = Reader::new(&mem, &be).unwrap();
    let mut w = Writer::new(&mem, &be).unwrap();
    let data = pattern(20 * WINDOW);
    for window in data.chunks(WINDOW) {
        let mut credit = [0];
        run(&be, r.read_exact(&mut credit)).unwrap();
        assert_eq!(credit, *b"G");
        for chunk in window.chunks(1000) {
            run(&be, w.write_all(chunk)).unwrap();
        }
    }
    run(&be, w.flush()).unwrap();
    assert_eq!(*be.got.borrow(), data);
    assert_eq!(
        r.available(),
        Ok(1),
        "the credit for the next window is there"
    );
}

#[test]
fn a_full_ring_is_never_overwritten_while_the_backend_stalls() {
    let mem = page();
    let be = Backend::new(&mem, 1, 0);
    be.stall.set(50);
    let mut w = Writer::new(&mem, &be).unwrap();
    let data = pattern(XENCONS_OUT_SIZE * 3 + 17);
    run(&be, w.write_all(&data)).unwrap();
    run(&be, w.flush()).unwrap();
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
    run(&be, r.read_exact(&mut got)).unwrap();
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
    assert_eq!(run(&be, r.read(&mut buf)), Ok(5));
    assert_eq!(&buf[..5], b"hello");
    assert_eq!(run(&be, r.read(&mut [])), Ok(0));
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
    run(&be, w.write_all(&data)).unwrap();
    run(&be, w.flush()).unwrap();
    let mut got = vec![0; data.len()];
    run(&be, r.read_exact(&mut got)).unwrap();
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
    assert_eq!(run(&be, r.read(&mut buf)), Err(e));
    mem.set(IN_PROD, 3);
    assert_eq!(
        run(&be, r.read(&mut buf)),
        Err(e),
        "a broken ring stays broken"
    );
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
    run(&be, w.write_all(b"abc")).unwrap();
    mem.set(OUT_CONS, 10);
    assert!(matches!(
        run(&be, w.write_all(b"more")),
        Err(RingError::ConsumerAhead {
            cons: 10,
            prod: 3,
            ..
        })
    ));
    assert!(run(&be, w.flush()).is_err());
    // A consumer more than a ring behind (it "unconsumed" bytes) is refused too.
    let mem = page();
    let mut w = Writer::new(&mem, &be).unwrap();
    run(&be, w.write_all(b"abc")).unwrap();
    mem.set(OUT_CONS, 3u32.wrapping_sub(XENCONS_OUT_SIZE as u32 + 1));
    assert!(w.unsent().is_err());
}
