//! Event channels: atomic access to the event bits in shared_info, and the
//! `event_channel_op` hypercalls.

use core::sync::atomic::{AtomicU64, AtomicU8};

use super::hypercall::call2;
use super::xen::shared_info;
use crate::abi::event_channel::{
    EvtchnAllocUnbound, EvtchnBindInterdomain, EvtchnBindVirq, EvtchnClose, EvtchnStatus,
    EVTCHNOP_ALLOC_UNBOUND, EVTCHNOP_BIND_INTERDOMAIN, EVTCHNOP_BIND_VIRQ, EVTCHNOP_CLOSE,
    EVTCHNOP_STATUS, EVTCHNSTAT_CLOSED,
};
use crate::abi::hypercall as nr;
use crate::abi::xen::{DomId, DOMID_SELF};

/// An atomic view of a u64 field of shared_info.
///
/// # Safety
/// `p` must point at an 8-byte aligned u64 inside the mapped shared_info page.
unsafe fn word64(p: *const u64) -> &'static AtomicU64 {
    // SAFETY: shared_info is mapped for the life of the domain and `p` is in it, aligned
    // (caller's contract). Rust never forms plain references to the page; Xen updates these
    // words with locked instructions, so atomics are the right view.
    unsafe { AtomicU64::from_ptr(p.cast_mut()) }
}

/// An atomic view of a byte of shared_info.
///
/// # Safety
/// `p` must point inside the mapped shared_info page.
unsafe fn byte(p: *const u8) -> &'static AtomicU8 {
    // SAFETY: as for `word64`; a byte is always aligned.
    unsafe { AtomicU8::from_ptr(p.cast_mut()) }
}

/// The event bits of the live shared_info page, for vCPU 0.
pub(crate) struct SharedEvents;

impl SharedEvents {
    /// `evtchn_pending[word]` (panics for `word` of 64 or more).
    pub(crate) fn pending_word(word: usize) -> &'static AtomicU64 {
        // SAFETY: a place projection inside the mapped shared_info page (bounds-checked
        // index); no reference is created. The field is an aligned u64.
        unsafe { word64(&raw const (*shared_info()).evtchn_pending[word]) }
    }

    /// `evtchn_mask[word]` (panics for `word` of 64 or more).
    pub(crate) fn mask_word(word: usize) -> &'static AtomicU64 {
        // SAFETY: as for `pending_word`.
        unsafe { word64(&raw const (*shared_info()).evtchn_mask[word]) }
    }

    /// vCPU 0's `evtchn_pending_sel`.
    pub(crate) fn selector_word() -> &'static AtomicU64 {
        // SAFETY: as for `pending_word`.
        unsafe { word64(&raw const (*shared_info()).vcpu_info[0].evtchn_pending_sel) }
    }

    /// vCPU 0's `evtchn_upcall_pending`.
    pub(crate) fn upcall_pending_byte() -> &'static AtomicU8 {
        // SAFETY: as for `pending_word`.
        unsafe { byte(&raw const (*shared_info()).vcpu_info[0].evtchn_upcall_pending) }
    }
}

/// An argument struct of `event_channel_op` and the command it belongs to.
trait EvtchnArg {
    /// The `EVTCHNOP_*` command.
    const CMD: u32;
}

impl EvtchnArg for EvtchnBindVirq {
    const CMD: u32 = EVTCHNOP_BIND_VIRQ;
}
impl EvtchnArg for EvtchnAllocUnbound {
    const CMD: u32 = EVTCHNOP_ALLOC_UNBOUND;
}
impl EvtchnArg for EvtchnBindInterdomain {
    const CMD: u32 = EVTCHNOP_BIND_INTERDOMAIN;
}
impl EvtchnArg for EvtchnClose {
    const CMD: u32 = EVTCHNOP_CLOSE;
}
impl EvtchnArg for EvtchnStatus {
    const CMD: u32 = EVTCHNOP_STATUS;
}

/// Issues `event_channel_op` with `arg` and its command; returns Xen's negative errno on
/// failure.
fn evtchn_op<T: EvtchnArg>(arg: &mut T) -> Result<(), i32> {
    // SAFETY: `T` is the argument struct of `T::CMD` (the ABI types of event_channel.h, each
    // paired with its command above); it lives on our stack for the duration of the call,
    // and no event channel operation touches guest memory beyond it.
    let rc = unsafe {
        call2(
            nr::EVENT_CHANNEL_OP,
            T::CMD as usize,
            arg as *mut T as usize,
        )
    };
    if rc < 0 {
        Err(rc as i32)
    } else {
        Ok(())
    }
}

/// EVTCHNOP_bind_virq on vCPU 0; returns the new local port.
pub(crate) fn bind_virq(virq: u32) -> Result<u32, i32> {
    let mut arg = EvtchnBindVirq {
        virq,
        vcpu: 0,
        port: 0,
    };
    evtchn_op(&mut arg).map(|()| arg.port)
}

/// EVTCHNOP_alloc_unbound: a port that domain `remote` may bind to.
pub(crate) fn alloc_unbound(remote: DomId) -> Result<u32, i32> {
    let mut arg = EvtchnAllocUnbound {
        dom: DOMID_SELF,
        remote_dom: remote,
        port: 0,
    };
    evtchn_op(&mut arg).map(|()| arg.port)
}

/// EVTCHNOP_bind_interdomain to `remote`'s unbound port; returns the new local port.
pub(crate) fn bind_interdomain(remote: DomId, remote_port: u32) -> Result<u32, i32> {
    let mut arg = EvtchnBindInterdomain {
        remote_dom: remote,
        _pad0: 0,
        remote_port,
        local_port: 0,
    };
    evtchn_op(&mut arg).map(|()| arg.local_port)
}

/// EVTCHNOP_close.
pub(crate) fn close(port: u32) -> Result<(), i32> {
    evtchn_op(&mut EvtchnClose { port })
}

/// EVTCHNOP_status of one of our ports.
pub(crate) fn status(port: u32) -> Result<EvtchnStatus, i32> {
    let mut arg = EvtchnStatus {
        dom: DOMID_SELF,
        port,
        ..Default::default()
    };
    evtchn_op(&mut arg).map(|()| arg)
}

/// Closes every port of ours but those in `keep` (before another kernel takes the domain
/// over; it binds VIRQ_TIMER and the rest itself). Ports are scanned from 1 until Xen says
/// a port is not valid.
pub(crate) fn close_all_except(keep: &[u32]) {
    for port in 1..4096u32 {
        match status(port) {
            Err(_) => break,
            Ok(s) if s.status == EVTCHNSTAT_CLOSED || keep.contains(&port) => {}
            Ok(_) => {
                let _ = close(port);
            }
        }
    }
}
