//! The fake peer: ring memory, a grant table, and a netback that follows `io/netif.h` (or
//! breaks it on purpose, through its raw helpers).

use std::cell::Cell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::Arc;

use zerocopy::{FromBytes, IntoBytes};

use crate::abi::netif::*;
use crate::abi::ring::SRING_ENTRIES_OFFSET;
use crate::blkfront::bufpool::BufPool;
pub use crate::blkfront::tests::grants::{FakeGranter, Grants};
use crate::netfront::device::{NetDevice, SharedQueue};
use crate::netfront::features::{Features, Overrides};
use crate::netfront::queue::Kick;
use crate::netfront::queue::{Queue, QueueParts};
use crate::ring::tests::Fake;
use crate::ring::SharedMem;

pub type Mem = Rc<Fake>;

/// Counts notifications.
#[derive(Clone, Default)]
pub struct Kicks(pub Rc<Cell<u64>>);

impl Kick for Kicks {
    fn kick(&self) {
        self.0.set(self.0.get() + 1);
    }
}

const REQ_PROD: usize = 0;
const RSP_PROD: usize = 8;
const SIZE: u32 = 256;

fn slot(idx: u32, entry: usize) -> usize {
    SRING_ENTRIES_OFFSET + (idx & (SIZE - 1)) as usize * entry
}

/// A packet the frontend sent, as the backend assembled it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub data: Vec<u8>,
    pub flags: u16,
    pub slots: Vec<NetifTxRequest>,
}

/// One queue of the fake netback.
pub struct Backend {
    pub tx: Mem,
    pub rx: Mem,
    pub grants: Grants,
    pub tx_cons: u32,
    pub tx_rsp: u32,
    pub rx_cons: u32,
    pub rx_rsp: u32,
    /// Packets to deliver to the frontend, with their first slot's flags.
    pub to_guest: VecDeque<(Vec<u8>, u16)>,
    /// Packets the frontend sent.
    pub sent: Vec<Sent>,
    /// Answer tx requests (else take them and keep silent).
    pub answer_tx: bool,
}

impl Backend {
    /// Takes the published tx requests (without answering).
    pub fn tx_requests(&mut self) -> Vec<NetifTxRequest> {
        let prod = self.tx.load_u32(REQ_PROD);
        let mut out = Vec::new();
        while self.tx_cons != prod {
            let mut r = NetifTxRequest::default();
            self.tx.read(slot(self.tx_cons, 12), r.as_mut_bytes());
            self.tx_cons = self.tx_cons.wrapping_add(1);
            out.push(r);
        }
        out
    }

    /// Writes a tx response and publishes it.
    pub fn tx_respond(&mut self, id: u16, status: i16) {
        let rsp = NetifTxResponse { id, status };
        self.tx.write(slot(self.tx_rsp, 12), rsp.as_bytes());
        self.tx_rsp = self.tx_rsp.wrapping_add(1);
        self.tx.store_u32(RSP_PROD, self.tx_rsp);
    }

    /// Takes the published rx requests (the pages offered).
    pub fn rx_request(&mut self) -> Option<NetifRxRequest> {
        let prod = self.rx.load_u32(REQ_PROD);
        if self.rx_cons == prod {
            return None;
        }
        let mut r = NetifRxRequest::default();
        self.rx.read(slot(self.rx_cons, 8), r.as_mut_bytes());
        self.rx_cons = self.rx_cons.wrapping_add(1);
        Some(r)
    }

    /// Rx requests posted and not yet used.
    pub fn rx_available(&self) -> u32 {
        self.rx.load_u32(REQ_PROD).wrapping_sub(self.rx_cons)
    }

    /// Writes raw bytes as the next rx response (not published).
    pub fn rx_raw(&mut self, bytes: [u8; 8]) {
        self.rx.write(slot(self.rx_rsp, 8), &bytes);
        self.rx_rsp = self.rx_rsp.wrapping_add(1);
    }

    /// Writes an rx response (not published).
    pub fn rx_respond(&mut self, rsp: NetifRxResponse) {
        let mut b = [0; 8];
        b.copy_from_slice(rsp.as_bytes());
        self.rx_raw(b);
    }

    /// Publishes the rx responses written.
    pub fn rx_publish(&self) {
        self.rx.store_u32(RSP_PROD, self.rx_rsp);
    }

    /// Fills the page of `req` with `data` at `offset`.
    pub fn fill(&self, req: &NetifRxRequest, offset: usize, data: &[u8]) {
        let mut t = self.grants.lock().unwrap();
        let page = t.pages.get_mut(&req.gref).expect("a granted rx page");
        page.data[offset..offset + data.len()].copy_from_slice(data);
    }

    /// Consumes and answers every tx request, as netback does.
    pub fn process_tx(&mut self) {
        if !self.answer_tx {
            return;
        }
        let reqs = self.tx_requests();
        let mut i = 0;
        while i < reqs.len() {
            let first = reqs[i];
            let mut slots = vec![first];
            while slots.last().unwrap().flags & NETTXF_MORE_DATA != 0
                && i + slots.len() < reqs.len()
            {
                slots.push(reqs[i + slots.len()]);
            }
            i += slots.len();
            let rest: usize = slots[1..].iter().map(|s| s.size as usize).sum();
            let mut data = Vec::new();
            {
                let t = self.grants.lock().unwrap();
                for (k, s) in slots.iter().enumerate() {
                    let len = if k == 0 {
                        first.size as usize - rest
                    } else {
                        s.size as usize
                    };
                    let off = s.offset as usize;
                    assert!(off + len <= 4096, "a slot within its page");
                    data.extend_from_slice(&t.pages[&s.gref].data[off..off + len]);
                }
            }
            assert_eq!(data.len(), first.size as usize);
            for s in &slots {
                self.tx_respond(s.id, NETIF_RSP_OKAY);
            }
            self.sent.push(Sent {
                data,
                flags: first.flags,
                slots,
            });
        }
    }

    /// Delivers the packets of `to_guest` the posted pages have room for, as netback does.
    pub fn process_rx(&mut self) {
        let mut any = false;
        while let Some((data, flags)) = self.to_guest.front().cloned() {
            let chunks: Vec<&[u8]> = data.chunks(4096).collect();
            if self.rx_available() < chunks.len().max(1) as u32 {
                break;
            }
            self.to_guest.pop_front();
            for (k, c) in chunks.iter().enumerate() {
                let req = self.rx_request().unwrap();
                self.fill(&req, 0, c);
                let more = if k + 1 < chunks.len() {
                    NETRXF_MORE_DATA
                } else {
                    0
                };
                self.rx_respond(NetifRxResponse {
                    id: req.id,
                    offset: 0,
                    flags: more | if k == 0 { flags } else { 0 },
                    status: c.len() as i16,
                });
            }
            any = true;
        }
        if any {
            self.rx_publish();
        }
    }
}

/// Features as Linux's netback and libxl would give them, with `o`.
pub fn features(o: &Overrides) -> Features {
    Features::negotiate(&linux_nodes(), "00:16:3e:01:02:03", o).unwrap()
}

/// Netback's nodes.
pub fn linux_nodes() -> crate::blkfront::features::BackendNodes {
    let mut n = crate::blkfront::features::BackendNodes::new();
    for (k, v) in [
        ("feature-sg", "1"),
        ("feature-gso-tcpv4", "1"),
        ("feature-gso-tcpv6", "1"),
        ("feature-ipv6-csum-offload", "1"),
        ("feature-rx-copy", "1"),
        ("feature-rx-flip", "0"),
        ("feature-multicast-control", "1"),
        ("feature-dynamic-multicast-control", "1"),
        ("feature-split-event-channels", "1"),
        ("multi-queue-max-queues", "2"),
        ("feature-ctrl-ring", "1"),
    ] {
        n.insert(k, v.into());
    }
    n
}

pub type TestQueue = Queue<Mem, FakeGranter, Kicks>;
pub type TestDevice = NetDevice<Mem, FakeGranter, Kicks>;

/// A device over fake rings and a fake netback.
pub struct Rig {
    pub dev: TestDevice,
    pub backends: Vec<Backend>,
    pub grants: Grants,
    pub kicks: Kicks,
}

impl Rig {
    /// Notifications sent so far.
    pub fn kicks(&self) -> u64 {
        self.kicks.0.get()
    }
}

impl Rig {
    pub fn new(f: Features) -> Self {
        let grants: Grants = Arc::default();
        let kicks = Kicks::default();
        let mut queues: Vec<SharedQueue<Mem, FakeGranter, Kicks>> = Vec::new();
        let mut backends = Vec::new();
        for _ in 0..f.queues {
            let (tx, rx) = (Rc::new(Fake::new(4096)), Rc::new(Fake::new(4096)));
            let parts = QueueParts {
                tx_mem: tx.clone(),
                rx_mem: rx.clone(),
                tx_pool: BufPool::new(FakeGranter(grants.clone()), true, 256),
                rx_pool: BufPool::new(FakeGranter(grants.clone()), true, 256),
                tx_kick: kicks.clone(),
                rx_kick: kicks.clone(),
            };
            let q = Queue::new(parts, f.rx_frame(), f.tx_frame(), f.max_slots(), f.csum).unwrap();
            // The device shares its queues by Arc (on Xen with the task that closes it);
            // this single-threaded fake needs no Send.
            #[allow(clippy::arc_with_non_send_sync)]
            queues.push(Arc::new(spin::Mutex::new(q)));
            backends.push(Backend {
                tx,
                rx,
                grants: grants.clone(),
                tx_cons: 0,
                tx_rsp: 0,
                rx_cons: 0,
                rx_rsp: 0,
                to_guest: VecDeque::new(),
                sent: Vec::new(),
                answer_tx: true,
            });
        }
        Rig {
            dev: NetDevice::new(f, queues),
            backends,
            grants,
            kicks,
        }
    }

    /// One queue, everything Linux offers, with `o`'s words.
    pub fn with(words: &str) -> Self {
        let o = Overrides::parse(&format!("net.queues=1 {words}")).unwrap();
        Self::new(features(&o))
    }

    /// Grants in the fake table now.
    pub fn grants_in_use(&self) -> usize {
        self.grants.lock().unwrap().pages.len()
    }

    /// The backends answer.
    pub fn step(&mut self) {
        for b in &mut self.backends {
            b.process_tx();
            b.process_rx();
        }
    }

    /// The first queue.
    pub fn q(&self) -> spin::MutexGuard<'_, TestQueue> {
        self.dev.queues()[0].lock()
    }

    pub fn b(&mut self) -> &mut Backend {
        &mut self.backends[0]
    }
}

/// An Ethernet frame of `len` bytes whose payload is a pattern of `seed`.
pub fn frame(len: usize, seed: u8) -> Vec<u8> {
    let mut f: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(7) ^ seed).collect();
    f[12..14].copy_from_slice(&0x88b5u16.to_be_bytes()); // a local experimental ethertype
    f
}

/// Reads a response's bytes as an extra-info slot.
pub fn extra_bytes(e: NetifExtraInfo) -> [u8; 8] {
    let mut b = [0; 8];
    b.copy_from_slice(e.as_bytes());
    let _ = NetifExtraInfo::read_from_bytes(&b[..]).unwrap();
    b
}
