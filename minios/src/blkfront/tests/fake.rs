//! The fake peer: shared ring memory, a grant table, and a blkback.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use zerocopy::{FromBytes, IntoBytes};

use crate::abi::blkif::*;
use crate::blkfront::bufpool::BufPool;
use crate::blkfront::device::{Device, SharedQueue};
use crate::blkfront::features::{BackendNodes, Features, Overrides, Transport};
use crate::blkfront::queue::{Kick, Queue};
pub use crate::blkfront::tests::grants::{FakeGranter, Grants};
use crate::ring::SharedMem;

/// Ring memory shared by the frontend under test and the fake backend.
#[derive(Clone)]
pub struct Mem(pub Arc<Mutex<Vec<u8>>>);

impl Mem {
    pub fn new(pages: usize) -> Self {
        Mem(Arc::new(Mutex::new(vec![0; pages * 4096])))
    }
}

impl SharedMem for Mem {
    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
    fn load_u32(&self, off: usize) -> u32 {
        u32::from_le_bytes(self.0.lock().unwrap()[off..off + 4].try_into().unwrap())
    }
    fn store_u32(&self, off: usize, v: u32) {
        self.0.lock().unwrap()[off..off + 4].copy_from_slice(&v.to_le_bytes());
    }
    fn read(&self, off: usize, out: &mut [u8]) {
        out.copy_from_slice(&self.0.lock().unwrap()[off..off + out.len()]);
    }
    fn write(&self, off: usize, data: &[u8]) {
        self.0.lock().unwrap()[off..off + data.len()].copy_from_slice(data);
    }
}

/// Counts notifications.
#[derive(Clone, Default)]
pub struct Kicks(pub Arc<Mutex<u64>>);

impl Kick for Kicks {
    fn kick(&self) {
        *self.0.lock().unwrap() += 1;
    }
}

/// How the fake backend answers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// As blkback does.
    Honest,
    /// Takes requests and never answers.
    Silent,
}

/// One ring of the fake blkback.
pub struct Backend {
    pub mem: Mem,
    pub grants: Grants,
    pub disk: Arc<Mutex<Vec<u8>>>,
    pub req_cons: u32,
    pub rsp_prod: u32,
    pub persistent: bool,
    pub mode: Mode,
    /// Requests seen: (operation as sent, segments, sector).
    pub seen: Vec<(u8, usize, u64)>,
    pub flushes: u32,
}

pub const ENTRY: usize = 112;

impl Backend {
    pub fn size(&self) -> u32 {
        crate::abi::ring::ring_size(self.mem.len(), ENTRY) as u32
    }

    pub fn slot(&self, idx: u32) -> usize {
        64 + (idx & (self.size() - 1)) as usize * ENTRY
    }

    /// Writes a response in the next slot (not yet published).
    pub fn respond(&mut self, id: u64, op: u8, status: i16) {
        let rsp = BlkifResponse {
            id,
            operation: op,
            status,
            ..Default::default()
        };
        let at = self.slot(self.rsp_prod);
        self.mem.write(at, rsp.as_bytes());
        self.rsp_prod = self.rsp_prod.wrapping_add(1);
    }

    pub fn publish(&self) {
        self.mem.store_u32(8, self.rsp_prod);
    }

    /// Takes the published requests (without answering them).
    pub fn take_requests(&mut self) -> Vec<BlkifRequest> {
        let prod = self.mem.load_u32(0);
        let mut out = Vec::new();
        while self.req_cons != prod {
            let mut r = BlkifRequest::default();
            self.mem.read(self.slot(self.req_cons), r.as_mut_bytes());
            self.req_cons = self.req_cons.wrapping_add(1);
            out.push(r);
        }
        out
    }

    fn segments(&mut self, r: &BlkifRequest) -> (u8, u64, Vec<BlkifRequestSegment>) {
        if r.operation == BLKIF_OP_INDIRECT {
            let ind = BlkifRequestIndirect::read_from_prefix(r.as_bytes())
                .unwrap()
                .0;
            let n = ind.nr_segments as usize;
            let mut segs = Vec::new();
            let t = self.grants.lock().unwrap();
            for (i, g) in ind.indirect_grefs[..n.div_ceil(512)].iter().enumerate() {
                let page = &t.pages[g].data;
                let here = (n - i * 512).min(512);
                for k in 0..here {
                    segs.push(
                        BlkifRequestSegment::read_from_bytes(&page[k * 8..k * 8 + 8]).unwrap(),
                    );
                }
            }
            (ind.indirect_op, ind.sector_number, segs)
        } else {
            let n = r.nr_segments as usize;
            (r.operation, r.sector_number, r.seg[..n].to_vec())
        }
    }

    /// Answers every published request, as blkback does.
    pub fn process(&mut self) {
        if self.mode == Mode::Silent {
            return;
        }
        for r in self.take_requests() {
            let status = self.serve(&r);
            let op = if r.operation == BLKIF_OP_INDIRECT {
                r.as_bytes()[1]
            } else {
                r.operation
            };
            self.respond(r.id, op, status);
        }
        self.publish();
    }

    fn serve(&mut self, r: &BlkifRequest) -> i16 {
        match r.operation {
            BLKIF_OP_FLUSH_DISKCACHE | BLKIF_OP_WRITE_BARRIER => {
                self.flushes += 1;
                self.seen.push((r.operation, 0, 0));
                BLKIF_RSP_OKAY
            }
            BLKIF_OP_DISCARD => {
                let d = BlkifRequestDiscard::read_from_prefix(r.as_bytes())
                    .unwrap()
                    .0;
                self.seen.push((d.operation, 0, d.sector_number));
                let mut disk = self.disk.lock().unwrap();
                let start = d.sector_number as usize * 512;
                let end = start + d.nr_sectors as usize * 512;
                disk[start..end].fill(0);
                BLKIF_RSP_OKAY
            }
            BLKIF_OP_READ | BLKIF_OP_WRITE | BLKIF_OP_INDIRECT => {
                let (op, sector, segs) = self.segments(r);
                self.seen.push((r.operation, segs.len(), sector));
                let mut t = self.grants.lock().unwrap();
                let mut disk = self.disk.lock().unwrap();
                let mut at = sector as usize * 512;
                for s in &segs {
                    if self.persistent {
                        t.mapped.insert(s.gref);
                    }
                    let page = t.pages.get_mut(&s.gref).expect("a granted page");
                    let from = s.first_sect as usize * 512;
                    let len = (s.last_sect as usize + 1) * 512 - from;
                    if at + len > disk.len() {
                        return BLKIF_RSP_ERROR;
                    }
                    if op == BLKIF_OP_READ {
                        assert!(page.writable, "the backend writes a read's pages");
                        page.data[from..from + len].copy_from_slice(&disk[at..at + len]);
                    } else {
                        disk[at..at + len].copy_from_slice(&page.data[from..from + len]);
                    }
                    at += len;
                }
                BLKIF_RSP_OKAY
            }
            _ => BLKIF_RSP_EOPNOTSUPP,
        }
    }

    /// The backend closes: it unmaps every persistent grant.
    pub fn unmap_all(&self) {
        self.grants.lock().unwrap().mapped.clear();
    }
}

/// Blkback's nodes for a disk of `bytes` bytes with everything offered.
pub fn linux_nodes(bytes: u64) -> BackendNodes {
    let mut n = BackendNodes::new();
    for (k, v) in [
        ("sector-size", "512".to_string()),
        ("physical-sector-size", "512".to_string()),
        ("info", "0".to_string()),
        ("feature-flush-cache", "1".to_string()),
        ("feature-barrier", "1".to_string()),
        ("feature-discard", "1".to_string()),
        ("discard-granularity", "4096".to_string()),
        ("discard-alignment", "0".to_string()),
        ("discard-secure", "0".to_string()),
        ("feature-persistent", "1".to_string()),
        ("feature-max-indirect-segments", "256".to_string()),
        ("max-ring-page-order", "4".to_string()),
        ("multi-queue-max-queues", "2".to_string()),
    ] {
        n.insert(k, v);
    }
    n.insert("sectors", format!("{}", bytes / 512));
    n
}

pub type TestDevice = Device<Mem, FakeGranter, Kicks>;

/// A device over fake rings and backends.
pub struct Rig {
    pub dev: TestDevice,
    pub backends: Mutex<Vec<Backend>>,
    pub grants: Grants,
    pub disk: Arc<Mutex<Vec<u8>>>,
    pub kicks: Kicks,
}

impl Rig {
    /// A device negotiated from `nodes` with `o`, over a disk of `bytes` bytes.
    pub fn new(nodes: &BackendNodes, o: &Overrides, bytes: usize) -> Self {
        let t = Transport::choose(nodes, o);
        let f = Features::negotiate(nodes, t, o).unwrap();
        Self::with_features(f, o.pages.unwrap_or(512) as usize, bytes)
    }

    pub fn with_features(f: Features, pages: usize, bytes: usize) -> Self {
        let grants: Grants = Arc::default();
        let disk = Arc::new(Mutex::new(vec![0u8; bytes]));
        let kicks = Kicks::default();
        let mut queues: Vec<SharedQueue<Mem, FakeGranter, Kicks>> = Vec::new();
        let mut backends = Vec::new();
        for _ in 0..f.transport.queues {
            let mem = Mem::new(1 << f.transport.ring_page_order);
            let pool = BufPool::new(FakeGranter(grants.clone()), f.persistent, pages);
            let q = Queue::new(mem.clone(), pool, kicks.clone(), 51712).unwrap();
            queues.push(Arc::new(spin::Mutex::new(q)));
            backends.push(Backend {
                mem,
                grants: grants.clone(),
                disk: disk.clone(),
                req_cons: 0,
                rsp_prod: 0,
                persistent: f.persistent,
                mode: Mode::Honest,
                seen: Vec::new(),
                flushes: 0,
            });
        }
        Rig {
            dev: Device::new(f, queues),
            backends: Mutex::new(backends),
            grants,
            disk,
            kicks,
        }
    }

    /// Grants in the fake table now.
    pub fn grants_in_use(&self) -> usize {
        self.grants.lock().unwrap().pages.len()
    }

    /// One step of the peer: each backend answers, then the frontend takes the responses
    /// (what the event handler does).
    pub fn step(&self) {
        for b in self.backends.lock().unwrap().iter_mut() {
            b.process();
        }
        self.deliver();
    }

    /// Runs `f` on backend `i`.
    pub fn backend<R>(&self, i: usize, f: impl FnOnce(&mut Backend) -> R) -> R {
        f(&mut self.backends.lock().unwrap()[i])
    }

    /// Runs `fut` to its end with the backends answering.
    pub fn run<F: Future>(&self, fut: F) -> F::Output {
        drive(fut, || self.step())
    }

    /// The event handlers run.
    pub fn deliver(&self) {
        for q in self.dev.queues() {
            q.lock().poll_responses();
        }
    }
}

/// A waker that remembers it was woken.
#[derive(Default)]
pub struct Woken(AtomicBool);

impl Woken {
    /// A new flag and the waker that sets it.
    pub fn waker() -> (Arc<Self>, Waker) {
        let w = Arc::new(Self::default());
        (w.clone(), Waker::from(w))
    }

    /// Whether it was woken since the last call.
    pub fn take(&self) -> bool {
        self.0.swap(false, Ordering::SeqCst)
    }
}

impl Wake for Woken {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Polls `fut` to its end as an executor would: again only after it was woken, running
/// `between` (the backend and the event handlers) while it waits. A future that is never
/// woken although the backend answered (a lost wake-up) fails the test.
pub fn drive<F: Future>(fut: F, mut between: impl FnMut()) -> F::Output {
    let mut fut = pin!(fut);
    let (woken, waker) = Woken::waker();
    let mut cx = Context::from_waker(&waker);
    for _ in 0..100_000 {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        let mut idle = 0;
        while !woken.take() {
            idle += 1;
            assert!(idle < 100, "the future was never woken (a lost wake-up)");
            between();
        }
    }
    panic!("the future never completed");
}

/// The test pattern: each 512-byte sector holds its number and position.
pub fn pattern(sector0: u64, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| {
            let s = sector0 + (i / 512) as u64;
            (s.wrapping_mul(31) as u8) ^ (i % 512) as u8 ^ (s >> 8) as u8
        })
        .collect()
}
