//! The xenstore ring page Xen set up for us (`xenstore_domain_interface`), as a
//! [`Transport`].
//!
//! We keep our own copies of the indexes we produce (`req_prod`, `rsp_cons`) instead of
//! trusting the shared page, and never believe xenstored has more than a ring's worth of
//! bytes in flight.

use core::mem::offset_of;

use super::client::Transport;
use crate::abi::xs_wire::{mask_xenstore_idx, XenstoreDomainInterface, XENSTORE_RING_SIZE};
use crate::sys::shared::SharedPage;
use crate::sys::xen;

const REQ: usize = offset_of!(XenstoreDomainInterface, req);
const RSP: usize = offset_of!(XenstoreDomainInterface, rsp);
const REQ_CONS: usize = offset_of!(XenstoreDomainInterface, req_cons);
const REQ_PROD: usize = offset_of!(XenstoreDomainInterface, req_prod);
const RSP_CONS: usize = offset_of!(XenstoreDomainInterface, rsp_cons);
const RSP_PROD: usize = offset_of!(XenstoreDomainInterface, rsp_prod);

/// The ring page and its event channel.
pub struct Ring {
    page: SharedPage,
    port: u32,
    req_prod: u32,
    rsp_cons: u32,
}

impl Ring {
    /// The ring of start_info (`store_mfn`, `store_evtchn`).
    pub fn from_start_info() -> Self {
        let page = crate::sys::boot::store_ring();
        Self {
            req_prod: page.load_u32(REQ_PROD),
            rsp_cons: page.load_u32(RSP_CONS),
            page,
            port: crate::start_info().store_evtchn,
        }
    }

    /// The event channel xenstored signals.
    pub fn port(&self) -> u32 {
        self.port
    }
}

impl Transport for Ring {
    fn write(&mut self, data: &[u8]) -> usize {
        let cons = self.page.load_u32(REQ_CONS);
        let used = self.req_prod.wrapping_sub(cons) as usize;
        let space = XENSTORE_RING_SIZE.saturating_sub(used);
        let start = mask_xenstore_idx(self.req_prod);
        let n = space.min(data.len()).min(XENSTORE_RING_SIZE - start);
        let Some(chunk) = data.get(..n) else {
            return 0;
        };
        self.page.write_bytes(REQ + start, chunk);
        self.req_prod = self.req_prod.wrapping_add(n as u32);
        self.page.store_u32(REQ_PROD, self.req_prod);
        n
    }

    fn read(&mut self, buf: &mut [u8]) -> usize {
        let prod = self.page.load_u32(RSP_PROD);
        let avail = (prod.wrapping_sub(self.rsp_cons) as usize).min(XENSTORE_RING_SIZE);
        let start = mask_xenstore_idx(self.rsp_cons);
        let n = avail.min(buf.len()).min(XENSTORE_RING_SIZE - start);
        let Some(chunk) = buf.get_mut(..n) else {
            return 0;
        };
        self.page.read_bytes(RSP + start, chunk);
        self.rsp_cons = self.rsp_cons.wrapping_add(n as u32);
        self.page.store_u32(RSP_CONS, self.rsp_cons);
        n
    }

    fn notify(&mut self) {
        // A failed notify only delays xenstored; the next pump notifies again.
        let _ = xen::evtchn_send(self.port);
    }
}
