//! The xenstore ring page (`xenstore_domain_interface`) and a blocking request path.

use alloc::string::String;
use alloc::vec;

use super::wire::{self, Header, XsError, HEADER_LEN};
use crate::sys::shared::SharedPage;
use crate::sys::xen;

const RING_SIZE: usize = 1024;
const REQ: usize = 0;
const RSP: usize = 1024;
const REQ_CONS: usize = 2048;
const REQ_PROD: usize = 2052;
const RSP_CONS: usize = 2056;
const RSP_PROD: usize = 2060;

static LOCK: spin::Mutex<u32> = spin::Mutex::new(0);

fn ring() -> (SharedPage, u32) {
    let si = crate::start_info();
    (crate::sys::mm::store_page(si.store_mfn), si.store_evtchn)
}

fn send(page: &SharedPage, port: u32, mut data: &[u8]) {
    while !data.is_empty() {
        let cons = page.load_u32(REQ_CONS);
        let prod = page.load_u32(REQ_PROD);
        let space = RING_SIZE.saturating_sub(prod.wrapping_sub(cons) as usize);
        if space == 0 {
            let _ = xen::evtchn_send(port);
            xen::sched_yield();
            continue;
        }
        let start = prod as usize % RING_SIZE;
        let n = space.min(data.len()).min(RING_SIZE - start);
        page.write_bytes(REQ + start, &data[..n]);
        page.store_u32(REQ_PROD, prod.wrapping_add(n as u32));
        let _ = xen::evtchn_send(port);
        data = &data[n..];
    }
}

fn recv(page: &SharedPage, port: u32, out: &mut [u8]) {
    let mut got = 0;
    while got < out.len() {
        let cons = page.load_u32(RSP_CONS);
        let prod = page.load_u32(RSP_PROD);
        let avail = (prod.wrapping_sub(cons) as usize).min(RING_SIZE);
        if avail == 0 {
            xen::sched_yield();
            continue;
        }
        let start = cons as usize % RING_SIZE;
        let n = avail.min(out.len() - got).min(RING_SIZE - start);
        page.read_bytes(RSP + start, &mut out[got..got + n]);
        page.store_u32(RSP_CONS, cons.wrapping_add(n as u32));
        let _ = xen::evtchn_send(port);
        got += n;
    }
}

/// Reads the value of `path` (relative paths are under the domain's home).
pub fn read(path: &str) -> Result<String, XsError> {
    let mut next_id = LOCK.lock();
    *next_id = next_id.wrapping_add(1);
    let (page, port) = ring();
    send(&page, port, &wire::read_request(*next_id, path)?);
    let mut hdr = [0u8; HEADER_LEN];
    recv(&page, port, &mut hdr);
    let h = Header::parse(&hdr)?;
    let mut payload = vec![0u8; h.len as usize];
    recv(&page, port, &mut payload);
    wire::read_reply(&h, &payload)
}
