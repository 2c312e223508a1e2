//! The protocol without Xen: a server and a client end over the same memory, the orders
//! libxenvchan would choose, and a hostile peer's indices, orders and flags.

use alloc::rc::Rc;
use core::cell::{Cell, RefCell};

use super::layout::off;
use super::*;
use crate::ring::{RingError, SharedFlags, SharedMem};

/// Memory both ends see.
#[derive(Clone)]
struct Mem(Rc<RefCell<Vec<u8>>>);

impl Mem {
    fn new(pages: usize) -> Self {
        Mem(Rc::new(RefCell::new(vec![0; pages * 4096])))
    }
    fn poke(&self, at: usize, bytes: &[u8]) {
        self.0.borrow_mut()[at..at + bytes.len()].copy_from_slice(bytes);
    }
}

impl SharedMem for Mem {
    fn len(&self) -> usize {
        self.0.borrow().len()
    }
    fn load_u32(&self, off: usize) -> u32 {
        u32::from_le_bytes(self.0.borrow()[off..off + 4].try_into().unwrap())
    }
    fn store_u32(&self, off: usize, value: u32) {
        self.poke(off, &value.to_le_bytes());
    }
    fn read(&self, off: usize, out: &mut [u8]) {
        out.copy_from_slice(&self.0.borrow()[off..off + out.len()]);
    }
    fn write(&self, off: usize, data: &[u8]) {
        self.poke(off, data);
    }
}

impl SharedFlags for Mem {
    fn load_u8(&self, off: usize) -> u8 {
        self.0.borrow()[off]
    }
    fn store_u8(&self, off: usize, value: u8) {
        self.0.borrow_mut()[off] = value;
    }
    fn fetch_or_u8(&self, off: usize, bits: u8) -> u8 {
        let old = self.load_u8(off);
        self.store_u8(off, old | bits);
        old
    }
    fn fetch_and_u8(&self, off: usize, mask: u8) -> u8 {
        let old = self.load_u8(off);
        self.store_u8(off, old & mask);
        old
    }
}

/// Counts the signals one end sends.
#[derive(Clone, Default)]
struct Kicks(Rc<Cell<u32>>);

impl Notify for Kicks {
    fn notify(&self) {
        self.0.set(self.0.get() + 1);
    }
}

impl Kicks {
    fn take(&self) -> u32 {
        self.0.replace(0)
    }
}

type End = Endpoint<Mem, Mem, Kicks>;

struct Pair {
    ctrl: Mem,
    server: End,
    client: End,
    /// Signals the server sent the client.
    to_client: Kicks,
    /// Signals the client sent the server.
    to_server: Kicks,
}

fn server_only(orders: Orders) -> (Mem, End, Vec<Mem>, Kicks) {
    let ctrl = Mem::new(1);
    let left = Mem::new(orders.left_pages());
    let right = Mem::new(orders.right_pages());
    let layout = Layout {
        orders,
        left: (0..orders.left_pages() as u32).map(|i| 100 + i).collect(),
        right: (0..orders.right_pages() as u32).map(|i| 500 + i).collect(),
    };
    let mem = |pages: usize, m: &Mem| endpoint::ring_mem(&ctrl, pages, Some(m.clone())).unwrap();
    let kicks = Kicks::default();
    let server = Endpoint::server(
        ctrl.clone(),
        &layout,
        mem(orders.left_pages(), &left),
        mem(orders.right_pages(), &right),
        kicks.clone(),
    )
    .unwrap();
    (ctrl, server, vec![left, right], kicks)
}

fn pair(orders: Orders) -> Pair {
    let (ctrl, server, rings, to_client) = server_only(orders);
    let layout = Layout::read(&ctrl).unwrap();
    assert_eq!(layout.orders, orders);
    let to_server = Kicks::default();
    let mem = |pages: usize, m: &Mem| endpoint::ring_mem(&ctrl, pages, Some(m.clone())).unwrap();
    let client = Endpoint::client(
        ctrl.clone(),
        layout.orders,
        mem(orders.left_pages(), &rings[0]),
        mem(orders.right_pages(), &rings[1]),
        to_server.clone(),
    )
    .unwrap();
    Pair {
        ctrl,
        server,
        client,
        to_client,
        to_server,
    }
}

/// A deterministic byte stream.
fn stream(seed: u32, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

#[test]
fn orders_are_checked_as_libxenvchan_checks_them() {
    assert!(Orders::new(10, 11).is_ok());
    assert!(Orders::new(11, 10).is_ok());
    assert!(Orders::new(12, 12).is_ok());
    assert!(Orders::new(20, 20).is_ok());
    assert!(Orders::new(11, 20).is_ok());
    for (l, r) in [
        (9, 11),
        (10, 21),
        (0, 0),
        (u16::MAX, 12),
        (10, 10),
        (11, 11),
    ] {
        assert_eq!(
            Orders::new(l, r),
            Err(VchanError::BadOrders { left: l, right: r }),
            "{l}/{r}"
        );
    }
    // 256 grant refs after the 24-byte header run into a ring at offset 1024.
    assert!(Orders::new(10, 20).is_err());
    assert!(Orders::new(20, 10).is_err());
    assert_eq!(Orders::SMALLEST, Orders::new(10, 11).unwrap());
    assert_eq!(Orders::LARGEST, Orders::new(20, 20).unwrap());
}

#[test]
fn sizes_pick_the_orders_libxenvchan_s_server_picks() {
    let o = |l, r| Orders::for_sizes(l, r).map(|o| (o.left(), o.right()));
    assert_eq!(o(0, 0), Ok((10, 11)));
    assert_eq!(o(1024, 2048), Ok((10, 11)));
    assert_eq!(o(2048, 1024), Ok((11, 10)));
    assert_eq!(o(4096, 0), Ok((12, 11)));
    assert_eq!(o(0, 4097), Ok((11, 13)));
    assert_eq!(o(1 << 20, 1 << 20), Ok((20, 20)));
    assert_eq!(o(0, 1 << 20), Ok((11, 20)));
    assert_eq!(
        Orders::for_sizes((1 << 20) + 1, 0),
        Err(VchanError::TooLarge {
            bytes: (1 << 20) + 1
        })
    );
}

#[test]
fn a_fresh_server_page_reads_back_as_its_layout() {
    let (ctrl, mut server, _, _) = server_only(Orders::new(12, 14).unwrap());
    let layout = Layout::read(&ctrl).unwrap();
    assert_eq!(layout.left, [100]);
    assert_eq!(layout.right, [500, 501, 502, 503]);
    assert_eq!(ctrl.load_u8(off::CLI_LIVE), 2);
    assert_eq!(ctrl.load_u8(off::SRV_LIVE), 1);
    assert_eq!(server.peer(), Ok(Peer::Waiting));
}

/// Moves `a` to the server and `b` to the client at once, in uneven pieces, until both
/// arrived; returns what each side received.
fn exchange(p: &mut Pair, a: &[u8], b: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (mut sent_a, mut sent_b) = (0, 0);
    let (mut got_a, mut got_b) = (Vec::new(), Vec::new());
    let mut buf = [0u8; 3001];
    let mut round = 0;
    while got_a.len() < a.len() || got_b.len() < b.len() {
        round += 1;
        assert!(round < 1_000_000, "no progress");
        let piece = 1 + round % 2999;
        let end = (sent_a + piece).min(a.len());
        sent_a += p.client.try_write(&a[sent_a..end]).unwrap();
        let end = (sent_b + piece / 2 + 1).min(b.len());
        sent_b += p.server.try_write(&b[sent_b..end]).unwrap();
        let n = p.server.try_read(&mut buf[..piece]).unwrap();
        got_a.extend_from_slice(&buf[..n]);
        let n = p.client.try_read(&mut buf[..piece / 3 + 1]).unwrap();
        got_b.extend_from_slice(&buf[..n]);
    }
    (got_a, got_b)
}

#[test]
fn bytes_cross_both_ways_intact_through_every_ring_size() {
    for orders in [
        Orders::SMALLEST,
        Orders::new(11, 10).unwrap(),
        Orders::new(12, 11).unwrap(),
        Orders::new(13, 16).unwrap(),
        Orders::LARGEST,
    ] {
        let mut p = pair(orders);
        assert_eq!(p.server.peer(), Ok(Peer::Connected));
        assert_eq!(p.client.peer(), Ok(Peer::Connected));
        let (a, b) = (stream(1, 3 << 20), stream(2, 2 << 20));
        let (got_a, got_b) = exchange(&mut p, &a, &b);
        assert!(got_a == a && got_b == b, "orders {orders}");
    }
}

#[test]
fn a_full_ring_takes_a_partial_write_and_the_reader_wakes_the_writer() {
    let mut p = pair(Orders::SMALLEST);
    p.to_client.take();
    p.to_server.take();
    // The client writes the 1 KiB left ring: 3000 bytes do not fit.
    let data = stream(3, 3000);
    assert_eq!(p.client.try_write(&data), Ok(1024));
    // The server asked (at setup) to be told of writes: one signal, and the request is used.
    assert_eq!(p.to_server.take(), 1);
    assert_eq!(p.client.try_write(&data[1024..]), Ok(0));
    assert_eq!(p.to_server.take(), 0, "a write of nothing signals nobody");
    // The writer asked to be told of the server's read: the read signals it, once.
    let mut buf = [0u8; 100];
    assert_eq!(p.server.try_read(&mut buf), Ok(100));
    assert_eq!(p.to_client.take(), 1);
    assert_eq!(p.server.try_read(&mut buf), Ok(100));
    assert_eq!(p.to_client.take(), 0, "the writer's request was used up");
    assert_eq!(&buf[..], &data[100..200]);
}

#[test]
fn a_reader_that_has_data_is_not_signalled_again() {
    let mut p = pair(Orders::LARGEST);
    p.to_server.take();
    // The server never found the ring empty since setup: only the first write signals.
    for i in 0..10 {
        assert_eq!(p.client.try_write(&[i; 10]), Ok(10));
    }
    assert_eq!(p.to_server.take(), 1);
    let mut buf = [0u8; 100];
    assert_eq!(p.server.try_read(&mut buf), Ok(100));
    // Found it empty now: asks again, and the next write signals once.
    assert_eq!(p.server.try_read(&mut buf), Ok(0));
    p.client.try_write(b"x").unwrap();
    p.client.try_write(b"y").unwrap();
    assert_eq!(p.to_server.take(), 1);
}

#[test]
fn a_close_is_seen_after_the_last_byte() {
    let mut p = pair(Orders::SMALLEST);
    p.client.try_write(b"last words").unwrap();
    p.to_server.take();
    p.client.close();
    assert_eq!(p.to_server.take(), 1, "closing signals the peer");
    assert_eq!(p.server.peer(), Ok(Peer::Gone));
    let mut buf = [0u8; 64];
    assert_eq!(p.server.try_read(&mut buf), Ok(10));
    assert_eq!(&buf[..10], b"last words");
    assert_eq!(p.server.try_read(&mut buf), Err(VchanError::Closed));
    assert_eq!(p.server.try_write(b"?"), Err(VchanError::Closed));
    // The closed end refuses too.
    assert_eq!(p.client.try_write(b"?"), Err(VchanError::Closed));
}

#[test]
fn dropping_an_end_closes_it() {
    let Pair {
        ctrl,
        mut server,
        client,
        to_server,
        ..
    } = pair(Orders::SMALLEST);
    to_server.take();
    drop(client);
    assert_eq!(ctrl.load_u8(off::CLI_LIVE), 0);
    assert_eq!(to_server.take(), 1);
    assert_eq!(server.peer(), Ok(Peer::Gone));
}

#[test]
fn a_client_that_leaves_before_connecting_is_gone_not_waiting() {
    let (ctrl, mut server, _, _) = server_only(Orders::SMALLEST);
    assert_eq!(server.peer(), Ok(Peer::Waiting));
    // Linux's gntdev clears the flag when the client's process dies.
    ctrl.store_u8(off::CLI_LIVE, 0);
    assert_eq!(server.peer(), Ok(Peer::Gone));
}

#[test]
fn a_hostile_producer_index_breaks_the_channel_for_good() {
    let mut p = pair(Orders::new(12, 12).unwrap());
    // The client claims to have written 5000 bytes into a 4096-byte ring.
    p.ctrl.store_u32(off::LEFT_PROD, 5000);
    let mut buf = [0u8; 16];
    let e = p.server.try_read(&mut buf);
    assert!(
        matches!(
            e,
            Err(VchanError::Ring(RingError::ProducerAhead {
                prod: 5000,
                ..
            }))
        ),
        "{e:?}"
    );
    // Even once the index looks sane again.
    p.ctrl.store_u32(off::LEFT_PROD, 0);
    assert!(p.server.try_read(&mut buf).is_err());
}

#[test]
fn a_hostile_consumer_index_breaks_writes() {
    let mut p = pair(Orders::SMALLEST);
    p.server.try_write(b"abc").unwrap();
    // The client claims to have read more than was written.
    p.ctrl.store_u32(off::RIGHT_CONS, 1000);
    let e = p.server.try_write(b"d");
    assert!(
        matches!(
            e,
            Err(VchanError::Ring(RingError::ConsumerAhead {
                cons: 1000,
                ..
            }))
        ),
        "{e:?}"
    );
}

#[test]
fn a_liveness_flag_out_of_the_protocol_is_an_error() {
    let mut p = pair(Orders::SMALLEST);
    p.ctrl.store_u8(off::SRV_LIVE, 7);
    assert_eq!(p.client.peer(), Err(VchanError::BadLive { value: 7 }));
    let mut buf = [0u8; 4];
    assert_eq!(
        p.client.try_read(&mut buf),
        Err(VchanError::BadLive { value: 7 })
    );
    // A client may not claim to be "not yet connected" to a client.
    let mut p = pair(Orders::SMALLEST);
    p.ctrl.store_u8(off::SRV_LIVE, 2);
    assert_eq!(p.client.peer(), Err(VchanError::BadLive { value: 2 }));
}

#[test]
fn a_hostile_control_page_is_refused_before_anything_is_mapped() {
    let ctrl = Mem::new(1);
    for (l, r) in [(0u16, 0u16), (10, 10), (21, 12), (10, 20), (400, 11)] {
        let mut raw = [0u8; 4];
        raw[..2].copy_from_slice(&l.to_le_bytes());
        raw[2..].copy_from_slice(&r.to_le_bytes());
        ctrl.write(off::LEFT_ORDER, &raw);
        assert_eq!(
            Layout::read(&ctrl),
            Err(VchanError::BadOrders { left: l, right: r })
        );
    }
    // Any grant refs at all are taken as refs: mapping them is what checks them.
    ctrl.write(off::LEFT_ORDER, &[12, 0, 13, 0]);
    ctrl.write(off::GRANTS, &[0xff; 12]);
    let layout = Layout::read(&ctrl).unwrap();
    assert_eq!(layout.left, [u32::MAX]);
    assert_eq!(layout.right, [u32::MAX, u32::MAX]);
}

#[test]
fn a_ring_without_its_pages_is_refused() {
    let ctrl = Mem::new(1);
    assert!(matches!(
        endpoint::ring_mem::<Mem, Mem>(&ctrl, 2, None),
        Err(VchanError::MissingPages { pages: 2 })
    ));
}
