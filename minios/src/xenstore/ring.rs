//! The xenstore ring page Xen set up for us (`xenstore_domain_interface`), as a
//! [`Transport`].
//!
//! Both directions are [`crate::ring`] byte rings: we keep our own copies of the indexes we
//! produce (`req_prod`, `rsp_cons`), and indexes from xenstored that cannot be right break
//! the connection (every request then fails) instead of being believed.

use core::mem::offset_of;

use super::client::Transport;
use crate::abi::xs_wire::{XenstoreDomainInterface, XENSTORE_RING_SIZE};
use crate::ring::{ByteReader, ByteRing, ByteWriter, RingError};
use crate::sys::shared::SharedPage;
use crate::sys::xen;

/// One of the page's two rings.
fn ring(
    page: SharedPage,
    data_off: usize,
    cons_off: usize,
    prod_off: usize,
) -> ByteRing<SharedPage, SharedPage> {
    ByteRing {
        idx: page,
        cons_off,
        prod_off,
        data: page,
        data_off,
        size: XENSTORE_RING_SIZE as u32,
    }
}

/// The ring page and its event channel.
pub struct Ring {
    req: ByteWriter<SharedPage, SharedPage>,
    rsp: ByteReader<SharedPage, SharedPage>,
    port: u32,
}

impl Ring {
    /// The ring of start_info (`store_mfn`, `store_evtchn`).
    pub fn from_start_info() -> Self {
        let page = crate::sys::boot::store_ring();
        let req = ring(
            page,
            offset_of!(XenstoreDomainInterface, req),
            offset_of!(XenstoreDomainInterface, req_cons),
            offset_of!(XenstoreDomainInterface, req_prod),
        );
        let rsp = ring(
            page,
            offset_of!(XenstoreDomainInterface, rsp),
            offset_of!(XenstoreDomainInterface, rsp_cons),
            offset_of!(XenstoreDomainInterface, rsp_prod),
        );
        Self {
            req: ByteWriter::new(req).expect("the xenstore rings fit their page"),
            rsp: ByteReader::new(rsp).expect("the xenstore rings fit their page"),
            port: crate::start_info().store_evtchn,
        }
    }

    /// The event channel xenstored signals.
    pub fn port(&self) -> u32 {
        self.port
    }
}

impl Transport for Ring {
    fn write(&mut self, data: &[u8]) -> Result<usize, RingError> {
        self.req.write(data)
    }

    fn read(&mut self, buf: &mut [u8]) -> Result<usize, RingError> {
        self.rsp.read(buf)
    }

    fn notify(&mut self) {
        // A failed notify only delays xenstored; the next pump notifies again.
        let _ = xen::evtchn_send(self.port);
    }
}
