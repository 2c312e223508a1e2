//! The vchan target: a control page a hostile server wrote, then a hostile peer that rewrites
//! the shared indices, orders and flags between our reads and writes. [`Layout::read`] must
//! refuse what it cannot use; an endpoint over what it accepts must never panic, never read or
//! write more than asked, and once broken stay broken.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use minios::ring::{SharedFlags, SharedMem};
use minios::vchan::{endpoint, Endpoint, Layout, Notify, Orders, VchanError};

#[derive(Clone)]
struct Mem(Rc<RefCell<Vec<u8>>>);

impl Mem {
    fn new(bytes: Vec<u8>) -> Self {
        Mem(Rc::new(RefCell::new(bytes)))
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
        self.0.borrow_mut()[off..off + 4].copy_from_slice(&value.to_le_bytes());
    }
    fn read(&self, off: usize, out: &mut [u8]) {
        out.copy_from_slice(&self.0.borrow()[off..off + out.len()]);
    }
    fn write(&self, off: usize, data: &[u8]) {
        self.0.borrow_mut()[off..off + data.len()].copy_from_slice(data);
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

#[derive(Clone, Default)]
struct Kicks(Rc<Cell<u64>>);

impl Notify for Kicks {
    fn notify(&self) {
        self.0.set(self.0.get() + 1);
    }
}

type End = Endpoint<Mem, Mem, Kicks>;

/// The hostile peer's moves, three bytes each, against `end` and the memory it sees.
fn play(end: &mut End, ctrl: &Mem, ops: &[u8]) {
    let mut buf = vec![0u8; 4096];
    let mut broken: Option<VchanError> = None;
    for op in ops.chunks_exact(3) {
        let (kind, a, b) = (op[0], usize::from(op[1]), op[2]);
        let len = (a * 16).min(buf.len());
        let r = match kind % 6 {
            0 => end.try_read(&mut buf[..len]).map(|n| assert!(n <= len)),
            1 => end.try_write(&buf[..len]).map(|n| assert!(n <= len)),
            2 => end.data_ready().map(drop),
            3 => end.buffer_space().map(drop),
            4 => {
                // The peer rewrites one index or order word of the header.
                let at = (a % 6) * 4;
                ctrl.store_u32(at, u32::from(b) << (8 * (a % 4)));
                Ok(())
            }
            _ => {
                // The peer sets a liveness or notify byte.
                ctrl.store_u8(20 + a % 4, b);
                Ok(())
            }
        };
        match (&broken, r) {
            (_, Ok(())) | (_, Err(VchanError::Closed)) => {}
            (None, Err(e)) => broken = Some(e),
            (Some(_), Err(_)) => {}
        }
        if broken.is_some() && kind % 6 < 2 {
            assert!(
                end.try_read(&mut buf[..1]).is_err() || end.try_write(&buf[..1]).is_err(),
                "a broken channel works again"
            );
        }
    }
}

fn ring(ctrl: &Mem, pages: usize) -> endpoint::RingMem<Mem, Mem> {
    endpoint::ring_mem(ctrl, pages, Some(Mem::new(vec![0; pages * 4096]))).expect("pages given")
}

/// vchan: the first 4096 bytes are the control page (zero-padded), the rest the peer's moves.
/// As a client of that page if it passes the check, then as a server of the orders its first
/// two bytes name.
pub fn run(data: &[u8]) {
    let (page, ops) = data.split_at(data.len().min(4096));
    let mut bytes = page.to_vec();
    bytes.resize(4096, 0);
    let ctrl = Mem::new(bytes);
    if let Ok(layout) = Layout::read(&ctrl) {
        let o = layout.orders;
        assert_eq!(layout.left.len(), o.left_pages());
        assert_eq!(layout.right.len(), o.right_pages());
        let left = ring(&ctrl, o.left_pages());
        let right = ring(&ctrl, o.right_pages());
        if let Ok(mut end) = Endpoint::client(ctrl.clone(), o, left, right, Kicks::default()) {
            play(&mut end, &ctrl, ops);
        }
    }
    let (l, r) = (u16::from(page.first().copied().unwrap_or(0) % 12) + 10, 11);
    if let Ok(orders) = Orders::new(l, r) {
        let ctrl = Mem::new(vec![0; 4096]);
        let layout = Layout {
            orders,
            left: vec![1; orders.left_pages()],
            right: vec![2; orders.right_pages()],
        };
        let (left, right) = (
            ring(&ctrl, orders.left_pages()),
            ring(&ctrl, orders.right_pages()),
        );
        if let Ok(mut end) = Endpoint::server(ctrl.clone(), &layout, left, right, Kicks::default())
        {
            play(&mut end, &ctrl, ops);
        }
    }
}
