//! The `netfront_rx` target: one netfront queue against a hostile netback. The input's first
//! bytes pick the queue's shape (scatter-gather or not, GSO-size frames or not, checksum
//! offload, how many pages each pool may grant before granting fails); the rest is a sequence
//! of backend actions: raw rx and tx responses (ids, status, offset, flags, extra-info slots:
//! any eight or four bytes), data in the pages offered, producer indices written honestly or
//! anywhere, and the frontend's calls in between (receive, send, reclaim). Checked: no panic;
//! each call touches a bounded number of ring slots; no delivered packet is longer than the
//! negotiated frame; the rx ring never has more pages posted than slots, nor tx more requests
//! in flight; the pools never grant more than their limit; closing ends every grant.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use minios::abi::grant_table::GrantRef;
use minios::abi::netif::XEN_NETIF_MAX_TX_SIZE;
use minios::abi::ring::SRING_ENTRIES_OFFSET;
use minios::blkfront::bufpool::{BufPage, BufPool, Granter};
use minios::grant::GrantError;
use minios::netfront::queue::{Kick, Queue, QueueParts};
use minios::ring::SharedMem;

const PAGE: usize = 4096;
/// Slots of a one-page netif ring (both rings).
const RING: u32 = 256;
const REQ_PROD: usize = 0;
const RSP_PROD: usize = 8;
/// Bytes of an rx and a tx ring entry (the request/response unions).
const RX_ENTRY: usize = 8;
const TX_ENTRY: usize = 12;
/// Calls into the queue per input, at most.
const MAX_OPS: usize = 4096;

/// Ring memory that counts how many entry-sized reads the frontend makes.
struct Mem {
    bytes: RefCell<Vec<u8>>,
    reads: Cell<usize>,
}

impl Mem {
    fn new() -> Rc<Self> {
        Rc::new(Mem {
            bytes: RefCell::new(vec![0; PAGE]),
            reads: Cell::new(0),
        })
    }
}

impl SharedMem for Mem {
    fn len(&self) -> usize {
        PAGE
    }
    fn load_u32(&self, off: usize) -> u32 {
        self.reads.set(self.reads.get() + 1);
        let b = self.bytes.borrow();
        u32::from_le_bytes(b[off..off + 4].try_into().unwrap())
    }
    fn store_u32(&self, off: usize, value: u32) {
        self.bytes.borrow_mut()[off..off + 4].copy_from_slice(&value.to_le_bytes());
    }
    fn read(&self, off: usize, out: &mut [u8]) {
        self.reads.set(self.reads.get() + 1);
        out.copy_from_slice(&self.bytes.borrow()[off..off + out.len()]);
    }
    fn write(&self, off: usize, data: &[u8]) {
        self.bytes.borrow_mut()[off..off + data.len()].copy_from_slice(data);
    }
}

/// The fake grant table: the pages granted now, by ref; grants fail past a budget.
#[derive(Default)]
struct Table {
    pages: BTreeMap<GrantRef, Vec<u8>>,
    next: GrantRef,
}

type Grants = Rc<RefCell<Table>>;

struct Page {
    gref: GrantRef,
    table: Grants,
}

impl BufPage for Page {
    fn gref(&self) -> GrantRef {
        self.gref
    }
    fn read(&self, off: usize, out: &mut [u8]) {
        out.copy_from_slice(&self.table.borrow().pages[&self.gref][off..off + out.len()]);
    }
    fn write(&self, off: usize, data: &[u8]) {
        let mut t = self.table.borrow_mut();
        t.pages.get_mut(&self.gref).unwrap()[off..off + data.len()].copy_from_slice(data);
    }
}

struct FakeGranter {
    table: Grants,
    /// Grants this granter may still make.
    budget: usize,
}

impl Granter for FakeGranter {
    type Page = Page;
    fn grant(&mut self, _writable: bool) -> Result<Page, GrantError> {
        if self.budget == 0 {
            return Err(GrantError::NoFreeRefs);
        }
        self.budget -= 1;
        let mut t = self.table.borrow_mut();
        t.next += 1;
        let gref = t.next;
        t.pages.insert(gref, vec![0; PAGE]);
        Ok(Page {
            gref,
            table: self.table.clone(),
        })
    }
    fn end(&mut self, page: Page) -> Result<(), Page> {
        self.table.borrow_mut().pages.remove(&page.gref);
        Ok(())
    }
}

struct NoKick;

impl Kick for NoKick {
    fn kick(&self) {}
}

/// Reads the input front to back; zeros once it runs out.
struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn byte(&mut self) -> u8 {
        let (&b, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        b
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }
    fn array<const N: usize>(&mut self) -> [u8; N] {
        core::array::from_fn(|_| self.byte())
    }
}

fn slot(idx: u32, entry: usize) -> usize {
    SRING_ENTRIES_OFFSET + (idx % RING) as usize * entry
}

/// The backend's side of both rings.
struct Backend {
    tx: Rc<Mem>,
    rx: Rc<Mem>,
    table: Grants,
    /// Next rx and tx response slot the backend writes.
    rx_rsp: u32,
    tx_rsp: u32,
}

impl Backend {
    /// The gref of the rx request at `idx` (what the frontend posted there).
    fn rx_gref(&self, idx: u32) -> GrantRef {
        let mut r = [0u8; 8];
        r.copy_from_slice(&self.rx.bytes.borrow()[slot(idx, RX_ENTRY)..][..8]);
        u32::from_le_bytes(r[4..8].try_into().unwrap())
    }

    /// Bytes of the page offered at rx slot `idx`, if it is granted.
    fn fill(&self, idx: u32, off: usize, data: &[u8]) {
        let gref = self.rx_gref(idx);
        if let Some(page) = self.table.borrow_mut().pages.get_mut(&gref) {
            let off = off.min(PAGE);
            let n = data.len().min(PAGE - off);
            page[off..off + n].copy_from_slice(&data[..n]);
        }
    }
}

/// Runs one input.
pub fn rx(data: &[u8]) {
    let mut input = Input(data);
    let shape = input.byte();
    let (sg, gso, csum) = (shape & 1 != 0, shape & 2 != 0, shape & 4 != 0);
    let max_slots = if sg { 18 } else { 1 };
    let max_frame = if gso && sg {
        XEN_NETIF_MAX_TX_SIZE
    } else {
        1514
    };
    let (tx_limit, rx_limit) = (64, 256);
    let budget = usize::from(input.byte());
    let table: Grants = Rc::default();
    let (tx, rx) = (Mem::new(), Mem::new());
    let granter = |budget| FakeGranter {
        table: table.clone(),
        budget,
    };
    let parts = QueueParts {
        tx_mem: tx.clone(),
        rx_mem: rx.clone(),
        tx_pool: BufPool::new(granter(budget.min(tx_limit)), true, tx_limit),
        rx_pool: BufPool::new(granter(rx_limit.min(budget * 2)), true, rx_limit),
        tx_kick: NoKick,
        rx_kick: NoKick,
    };
    let Ok(mut q) = Queue::new(parts, max_frame, max_frame, max_slots, csum) else {
        // Not one rx page could be granted.
        assert!(
            table.borrow().pages.is_empty(),
            "a failed queue keeps no grant"
        );
        return;
    };
    let mut b = Backend {
        tx,
        rx,
        table: table.clone(),
        rx_rsp: 0,
        tx_rsp: 0,
    };
    let mut frame = vec![0u8; XEN_NETIF_MAX_TX_SIZE];
    for _ in 0..MAX_OPS {
        if input.0.is_empty() {
            break;
        }
        match input.byte() % 10 {
            0 => {
                // One rx response, any bytes, at the next slot.
                let bytes: [u8; 8] = input.array();
                b.rx.write(slot(b.rx_rsp, RX_ENTRY), &bytes);
                b.rx_rsp = b.rx_rsp.wrapping_add(1);
            }
            1 => {
                // A well-formed data response for the next slot: (id, offset, flags, size).
                let (offset, flags, size) = (input.u16() % 4096, input.byte(), input.u16());
                let size = size % (PAGE as u16 + 64);
                let mut r = [0u8; 8];
                r[0..2].copy_from_slice(&((b.rx_rsp % RING) as u16).to_le_bytes());
                r[2..4].copy_from_slice(&offset.to_le_bytes());
                r[4..6].copy_from_slice(&u16::from(flags & 0x3f).to_le_bytes());
                r[6..8].copy_from_slice(&size.to_le_bytes());
                b.rx.write(slot(b.rx_rsp, RX_ENTRY), &r);
                b.rx_rsp = b.rx_rsp.wrapping_add(1);
            }
            2 => {
                // Data in the page offered at a recent slot.
                let back = u32::from(input.byte() % 4);
                let off = usize::from(input.u16() % 4096);
                let len = usize::from(input.byte());
                let bytes: Vec<u8> = (0..len).map(|_| input.byte()).collect();
                b.fill(b.rx_rsp.wrapping_sub(back), off, &bytes);
            }
            3 => b.rx.store_u32(RSP_PROD, b.rx_rsp),
            4 => {
                // Any rx producer index.
                let v = u32::from_le_bytes(input.array());
                b.rx.store_u32(RSP_PROD, v);
            }
            5 => {
                let before = b.rx.reads.get();
                if let Some(p) = q.receive() {
                    assert!(p.data.len() <= max_frame, "a packet past the frame size");
                    assert!(!p.data.is_empty(), "an empty packet delivered");
                }
                let reads = b.rx.reads.get() - before;
                // Each slot is one read (and a final check of the producer each time).
                assert!(
                    reads <= 4 * RING as usize + 8,
                    "{reads} ring reads in one call"
                );
            }
            6 => {
                let len = usize::from(input.u16()) % (max_frame + 100);
                let before = b.tx.reads.get();
                let _ = q.send(&mut frame[..len]);
                assert!(b.tx.reads.get() - before <= 4 * RING as usize + 8);
            }
            7 => {
                // One tx response, any bytes, published honestly.
                let bytes: [u8; 4] = input.array();
                b.tx.write(slot(b.tx_rsp, TX_ENTRY), &bytes);
                b.tx_rsp = b.tx_rsp.wrapping_add(1);
                b.tx.store_u32(RSP_PROD, b.tx_rsp);
            }
            8 => {
                // Answer the oldest unanswered tx requests correctly, or any tx producer.
                let n = input.byte();
                if n == 255 {
                    let v = u32::from_le_bytes(input.array());
                    b.tx.store_u32(RSP_PROD, v);
                } else {
                    let prod = b.tx.load_u32(REQ_PROD);
                    for _ in 0..n {
                        if b.tx_rsp == prod {
                            break;
                        }
                        let mut req = [0u8; 12];
                        b.tx.read(slot(b.tx_rsp, TX_ENTRY), &mut req);
                        let mut rsp = [0u8; 4];
                        rsp[0..2].copy_from_slice(&req[8..10]); // id
                        b.tx.write(slot(b.tx_rsp, TX_ENTRY), &rsp);
                        b.tx_rsp = b.tx_rsp.wrapping_add(1);
                    }
                    b.tx.store_u32(RSP_PROD, b.tx_rsp);
                }
            }
            _ => {
                let before = b.tx.reads.get();
                q.reclaim();
                assert!(b.tx.reads.get() - before <= 4 * RING as usize + 8);
            }
        }
        let s = q.stats();
        assert!(
            s.rx.posted <= RING as usize,
            "more rx pages posted than slots"
        );
        assert!(
            s.tx.in_flight <= RING as usize,
            "more tx requests than slots"
        );
        assert!(
            table.borrow().pages.len() <= tx_limit + rx_limit,
            "the pools granted past their limits"
        );
    }
    let (_, mems) = q.close();
    assert_eq!(mems.len(), 2, "closing hands back both rings");
    assert_eq!(q.end_grants(), 0);
    assert!(
        table.borrow().pages.is_empty(),
        "a grant left after closing"
    );
}
