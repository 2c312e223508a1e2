//! The rings against a fake peer in ordinary memory: wrap-around, full rings, notification
//! suppression, and every hostile index.

use core::cell::RefCell;

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::*;

/// Shared memory of a test: the peer is the test itself, poking the bytes. (The console
/// tests use it too.)
pub(crate) struct Fake(RefCell<Vec<u8>>);

impl Fake {
    pub(crate) fn new(len: usize) -> Self {
        Fake(RefCell::new(vec![0; len]))
    }
    pub(crate) fn get(&self, off: usize) -> u32 {
        self.load_u32(off)
    }
    pub(crate) fn set(&self, off: usize, v: u32) {
        self.store_u32(off, v)
    }
}

impl SharedMem for Fake {
    fn len(&self) -> usize {
        self.0.borrow().len()
    }
    fn load_u32(&self, off: usize) -> u32 {
        let b = self.0.borrow();
        u32::from_le_bytes(b[off..off + 4].try_into().unwrap())
    }
    fn store_u32(&self, off: usize, value: u32) {
        self.0.borrow_mut()[off..off + 4].copy_from_slice(&value.to_le_bytes());
    }
    fn read(&self, off: usize, out: &mut [u8]) {
        out.copy_from_slice(&self.0.borrow()[off..off + out.len()]);
    }
    fn write(&self, off: usize, data: &[u8]) {
        self.0.borrow_mut()[off..off + data.len()].copy_from_slice(data);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
struct Req {
    id: u64,
    x: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
struct Rsp {
    id: u64,
    status: i64,
}

const REQ_PROD: usize = 0;
const REQ_EVENT: usize = 4;
const RSP_PROD: usize = 8;
const RSP_EVENT: usize = 12;

/// The backend: answers every published request it has not answered, echoing the id.
fn answer(mem: &Fake, done: &mut u32) {
    let prod = mem.get(REQ_PROD);
    let size = crate::abi::ring::ring_size(mem.len(), 16) as u32;
    while *done != prod {
        let slot = 64 + (*done & (size - 1)) as usize * 16;
        let mut req = Req { id: 0, x: 0 };
        mem.read(slot, req.as_mut_bytes());
        let rsp = Rsp {
            id: req.id,
            status: req.x as i64,
        };
        mem.write(slot, rsp.as_bytes());
        *done = done.wrapping_add(1);
    }
    mem.set(RSP_PROD, *done);
}

#[test]
fn requests_and_responses_wrap_around_the_ring() {
    let mem = Fake::new(4096);
    let mut ring: FrontRing<&Fake, Req, Rsp> = FrontRing::new(&mem).unwrap();
    assert_eq!(
        ring.size(),
        128,
        "(4096 - 64) / 16 rounded down to a power of two"
    );
    assert_eq!((mem.get(REQ_EVENT), mem.get(RSP_EVENT)), (1, 1));
    let mut backend = 0;
    let mut next = 0u64;
    for round in 0..10 {
        let n = 100 + round;
        for _ in 0..n {
            assert!(ring.queue_request(&Req {
                id: next,
                x: next * 3
            }));
            next += 1;
        }
        ring.publish();
        answer(&mem, &mut backend);
        for i in 0..n {
            let rsp = ring.take_response().unwrap().unwrap();
            assert_eq!(rsp.id, next - n + i);
            assert_eq!(rsp.status, (rsp.id * 3) as i64);
        }
        assert_eq!(ring.take_response(), Ok(None));
        assert!(!ring.final_check_for_responses().unwrap());
    }
    assert!(next > 5 * u64::from(ring.size()), "wrapped several times");
}

#[test]
fn a_full_ring_takes_no_more_requests() {
    let mem = Fake::new(4096);
    let mut ring: FrontRing<&Fake, Req, Rsp> = FrontRing::new(&mem).unwrap();
    for i in 0..128 {
        assert!(ring.queue_request(&Req { id: i, x: 0 }));
    }
    assert_eq!(ring.free_requests(), 0);
    assert!(!ring.queue_request(&Req { id: 999, x: 0 }));
    ring.publish();
    let mut done = 0;
    answer(&mem, &mut done);
    ring.take_response().unwrap().unwrap();
    assert_eq!(ring.free_requests(), 1);
    assert!(ring.queue_request(&Req { id: 128, x: 0 }));
}

#[test]
fn notifications_only_when_the_backend_asks() {
    let mem = Fake::new(4096);
    let mut ring: FrontRing<&Fake, Req, Rsp> = FrontRing::new(&mem).unwrap();
    ring.queue_request(&Req { id: 0, x: 0 });
    assert!(ring.publish(), "req_event 1: the first request notifies");
    // The backend is still working and wants an event only past request 10.
    mem.set(REQ_EVENT, 11);
    for i in 1..5 {
        ring.queue_request(&Req { id: i, x: 0 });
        assert!(!ring.publish(), "request {i} is before req_event");
    }
    for i in 5..11 {
        ring.queue_request(&Req { id: i, x: 0 });
    }
    assert!(ring.publish(), "the batch passes req_event");
    assert!(!ring.publish(), "nothing new: no notify");
}

#[test]
fn the_final_check_asks_for_the_next_response_and_sees_a_racing_one() {
    let mem = Fake::new(4096);
    let mut ring: FrontRing<&Fake, Req, Rsp> = FrontRing::new(&mem).unwrap();
    for i in 0..3 {
        ring.queue_request(&Req { id: i, x: 0 });
    }
    ring.publish();
    assert!(!ring.final_check_for_responses().unwrap());
    assert_eq!(mem.get(RSP_EVENT), 1, "wake me at the first response");
    let mut done = 0;
    answer(&mem, &mut done);
    assert!(ring.final_check_for_responses().unwrap());
    for _ in 0..3 {
        ring.take_response().unwrap().unwrap();
    }
    assert!(!ring.final_check_for_responses().unwrap());
    assert_eq!(mem.get(RSP_EVENT), 4);
}

#[test]
fn responses_ahead_of_the_requests_break_the_ring() {
    // Three requests published, a fourth only queued: 4 responses are already too many.
    for bad in [4, 129, u32::MAX, 0x8000_0000] {
        let mem = Fake::new(4096);
        let mut ring: FrontRing<&Fake, Req, Rsp> = FrontRing::new(&mem).unwrap();
        ring.queue_request(&Req { id: 0, x: 0 });
        ring.queue_request(&Req { id: 1, x: 0 });
        ring.queue_request(&Req { id: 2, x: 0 });
        ring.publish();
        ring.queue_request(&Req { id: 3, x: 0 });
        mem.set(RSP_PROD, bad);
        let want = RingError::ResponsesAhead {
            rsp_prod: bad,
            rsp_cons: 0,
            outstanding: 3,
        };
        assert_eq!(ring.take_response(), Err(want), "rsp_prod {bad}");
        // Broken for good, even if the backend then behaves.
        mem.set(RSP_PROD, 1);
        assert_eq!(ring.take_response(), Err(want));
        assert_eq!(ring.final_check_for_responses(), Err(want));
        assert_eq!(ring.broken(), Some(want));
        assert!(want.to_string().contains("3 outstanding"));
    }
}

#[test]
fn memory_too_small_for_an_entry_is_refused() {
    let mem = Fake::new(64 + 15);
    assert_eq!(
        FrontRing::<&Fake, Req, Rsp>::new(&mem).err(),
        Some(RingError::TooSmall { bytes: 79 })
    );
}

#[test]
fn a_ring_over_two_pages_has_twice_the_entries() {
    let mem = Fake::new(8192);
    let mut ring: FrontRing<&Fake, Req, Rsp> = FrontRing::new(&mem).unwrap();
    assert_eq!(ring.size(), 256);
    let mut done = 0;
    for i in 0..300 {
        assert!(ring.queue_request(&Req { id: i, x: i }));
        ring.publish();
        answer(&mem, &mut done);
        assert_eq!(ring.take_response().unwrap().unwrap().id, i);
    }
}

/// A console-like page: data at 0..1024, cons at 1024, prod at 1028.
fn byte_ring(mem: &Fake) -> ByteRing<&Fake, &Fake> {
    ByteRing {
        idx: mem,
        cons_off: 1024,
        prod_off: 1028,
        data: mem,
        data_off: 0,
        size: 1024,
    }
}

#[test]
fn byte_rings_wrap_and_fill_and_start_anywhere() {
    let mem = Fake::new(4096);
    // Free-running indices close to u32::MAX, as after a long life.
    mem.set(1024, u32::MAX - 700);
    mem.set(1028, u32::MAX - 700);
    let mut w = ByteWriter::new(byte_ring(&mem)).unwrap();
    let mut r = ByteReader::new(byte_ring(&mem)).unwrap();
    let data: Vec<u8> = (0..5000u32).map(|i| (i * 7 + i / 256) as u8).collect();
    let mut got = Vec::new();
    let mut sent = 0;
    while got.len() < data.len() {
        sent += w.write(&data[sent..(sent + 300).min(data.len())]).unwrap();
        let mut buf = [0u8; 170];
        let n = r.read(&mut buf).unwrap();
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got, data);
    assert!(mem.get(1028) < 5000, "the index wrapped past u32::MAX");
    // Full: 1024 bytes fit, no more.
    assert_eq!(w.write(&[1; 2000]).unwrap(), 1024);
    assert_eq!(w.space().unwrap(), 0);
    assert_eq!(w.write(&[1]).unwrap(), 0);
    assert_eq!(w.pending().unwrap(), 1024);
}

#[test]
fn hostile_byte_ring_indices_break_the_ring() {
    let mem = Fake::new(4096);
    let mut r = ByteReader::new(byte_ring(&mem)).unwrap();
    mem.set(1028, 1025);
    let want = RingError::ProducerAhead {
        prod: 1025,
        cons: 0,
        size: 1024,
    };
    assert_eq!(r.read(&mut [0; 8]), Err(want));
    mem.set(1028, 4);
    assert_eq!(r.read(&mut [0; 8]), Err(want), "stays broken");

    let mem = Fake::new(4096);
    let mut w = ByteWriter::new(byte_ring(&mem)).unwrap();
    w.write(b"abc").unwrap();
    mem.set(1024, 10); // consumed more than was produced
    assert_eq!(
        w.write(b"d"),
        Err(RingError::ConsumerAhead {
            cons: 10,
            prod: 3,
            size: 1024
        })
    );
}

#[test]
fn byte_rings_with_data_in_other_memory() {
    let idx = Fake::new(24);
    let data = Fake::new(8192);
    let ring = ByteRing {
        idx: &idx,
        cons_off: 0,
        prod_off: 4,
        data: &data,
        data_off: 0,
        size: 8192,
    };
    let mut w = ByteWriter::new(ring.clone()).unwrap();
    let mut r = ByteReader::new(ring).unwrap();
    assert_eq!(w.write(&[7; 8192]).unwrap(), 8192);
    let mut out = vec![0; 9000];
    assert_eq!(r.read(&mut out).unwrap(), 8192);
    // A ring that does not fit its memory, or whose size is not a power of two.
    let bad = ByteRing {
        idx: &idx,
        cons_off: 0,
        prod_off: 4,
        data: &data,
        data_off: 4096,
        size: 8192,
    };
    assert!(ByteReader::new(bad).is_err());
    let odd = ByteRing {
        idx: &idx,
        cons_off: 0,
        prod_off: 4,
        data: &data,
        data_off: 0,
        size: 3000,
    };
    assert!(ByteWriter::new(odd).is_err());
}

#[test]
fn in_flight_ids_complete_once() {
    let mut f: InFlight<&str> = InFlight::new(3);
    let a = f.issue("a").unwrap();
    let b = f.issue("b").unwrap();
    let c = f.issue("c").unwrap();
    assert_eq!(f.issue("d"), None);
    assert_eq!(f.complete(u64::from(b)), Ok("b"));
    assert_eq!(
        f.complete(u64::from(b)),
        Err(UnknownId(u64::from(b))),
        "twice"
    );
    assert_eq!(f.complete(3), Err(UnknownId(3)), "never issued");
    assert_eq!(f.complete(u64::MAX), Err(UnknownId(u64::MAX)));
    assert_eq!(f.len(), 2);
    let mut left: Vec<_> = f.drain().collect();
    left.sort();
    assert_eq!(left, ["a", "c"]);
    assert!(f.is_empty());
    assert!(f.complete(u64::from(a)).is_err() && f.complete(u64::from(c)).is_err());
    assert_eq!(f.issue("e").map(|_| f.len()), Some(1));
}
