//! Event channels: atomic access to the event bits in shared_info, and the
//! `event_channel_op` hypercalls.

use core::sync::atomic::{AtomicU64, AtomicU8, Ordering};

use super::hypercall::call2;
use crate::abi::event_channel::{
    EvtchnAllocUnbound, EvtchnBindInterdomain, EvtchnBindVirq, EvtchnClose, EvtchnStatus,
    EVTCHNOP_ALLOC_UNBOUND, EVTCHNOP_BIND_INTERDOMAIN, EVTCHNOP_BIND_VIRQ, EVTCHNOP_CLOSE,
    EVTCHNOP_STATUS,
};
use crate::abi::hypercall as nr;
use crate::abi::xen::{DomId, DOMID_SELF};
use crate::abi::SharedInfo;
use crate::events::bits::EventBits;

fn si() -> *const SharedInfo {
    super::xen::shared_info().expect("shared_info mapped")
}

fn word64(p: *const u64) -> &'static AtomicU64 {
    // SAFETY: `p` points into shared_info, mapped for the life of the domain and 8-byte
    // aligned (the fields are u64 at 8-aligned offsets). Rust never forms plain references
    // to it; Xen updates these words with locked instructions, so atomics are the right view.
    unsafe { AtomicU64::from_ptr(p.cast_mut()) }
}

fn byte(p: *const u8) -> &'static AtomicU8 {
    // SAFETY: as for `word64`; a byte is always aligned.
    unsafe { AtomicU8::from_ptr(p.cast_mut()) }
}

/// The event bits of the live shared_info page, for vCPU 0.
pub struct SharedEvents;

impl SharedEvents {
    fn pending_word(word: usize) -> &'static AtomicU64 {
        // SAFETY: a place projection inside the mapped shared_info page (bounds-checked
        // index); no reference is created.
        let p = unsafe { &raw const (*si()).evtchn_pending[word] };
        word64(p)
    }

    fn mask_word(word: usize) -> &'static AtomicU64 {
        // SAFETY: as for `pending_word`.
        let p = unsafe { &raw const (*si()).evtchn_mask[word] };
        word64(p)
    }

    fn selector() -> &'static AtomicU64 {
        // SAFETY: as for `pending_word`.
        let p = unsafe { &raw const (*si()).vcpu_info[0].evtchn_pending_sel };
        word64(p)
    }

    fn upcall_pending() -> &'static AtomicU8 {
        // SAFETY: as for `pending_word`.
        let p = unsafe { &raw const (*si()).vcpu_info[0].evtchn_upcall_pending };
        byte(p)
    }

    /// Whether Xen flagged an event for vCPU 0 since the last scan.
    pub fn upcall_is_pending() -> bool {
        Self::upcall_pending().load(Ordering::SeqCst) != 0
    }
}

impl EventBits for SharedEvents {
    fn clear_upcall_pending(&self) {
        Self::upcall_pending().store(0, Ordering::SeqCst)
    }
    fn set_upcall_pending(&self) {
        Self::upcall_pending().store(1, Ordering::SeqCst)
    }
    fn take_selector(&self) -> u64 {
        Self::selector().swap(0, Ordering::SeqCst)
    }
    fn set_selector(&self, word: usize) -> bool {
        let bit = 1u64 << (word % 64);
        Self::selector().fetch_or(bit, Ordering::SeqCst) & bit != 0
    }
    fn pending(&self, word: usize) -> u64 {
        Self::pending_word(word).load(Ordering::SeqCst)
    }
    fn clear_pending(&self, word: usize, bits: u64) {
        Self::pending_word(word).fetch_and(!bits, Ordering::SeqCst);
    }
    fn masked(&self, word: usize) -> u64 {
        Self::mask_word(word).load(Ordering::SeqCst)
    }
    fn set_mask(&self, word: usize, bits: u64) {
        Self::mask_word(word).fetch_or(bits, Ordering::SeqCst);
    }
    fn clear_mask(&self, word: usize, bits: u64) {
        Self::mask_word(word).fetch_and(!bits, Ordering::SeqCst);
    }
}

/// Issues `event_channel_op(cmd, arg)`; returns Xen's negative errno on failure.
fn evtchn_op<T>(cmd: u32, arg: &mut T) -> Result<(), i32> {
    // SAFETY: every caller passes the argument struct that matches `cmd` (the ABI types of
    // event_channel.h); it lives on our stack for the duration of the call.
    let rc = unsafe { call2(nr::EVENT_CHANNEL_OP, cmd as usize, arg as *mut T as usize) };
    if rc < 0 {
        Err(rc as i32)
    } else {
        Ok(())
    }
}

/// EVTCHNOP_bind_virq on vCPU 0; returns the new local port.
pub fn bind_virq(virq: u32) -> Result<u32, i32> {
    let mut arg = EvtchnBindVirq {
        virq,
        vcpu: 0,
        port: 0,
    };
    evtchn_op(EVTCHNOP_BIND_VIRQ, &mut arg).map(|()| arg.port)
}

/// EVTCHNOP_alloc_unbound: a port that domain `remote` may bind to.
pub fn alloc_unbound(remote: DomId) -> Result<u32, i32> {
    let mut arg = EvtchnAllocUnbound {
        dom: DOMID_SELF,
        remote_dom: remote,
        port: 0,
    };
    evtchn_op(EVTCHNOP_ALLOC_UNBOUND, &mut arg).map(|()| arg.port)
}

/// EVTCHNOP_bind_interdomain to `remote`'s unbound port; returns the new local port.
pub fn bind_interdomain(remote: DomId, remote_port: u32) -> Result<u32, i32> {
    let mut arg = EvtchnBindInterdomain {
        remote_dom: remote,
        _pad0: 0,
        remote_port,
        local_port: 0,
    };
    evtchn_op(EVTCHNOP_BIND_INTERDOMAIN, &mut arg).map(|()| arg.local_port)
}

/// EVTCHNOP_close.
pub fn close(port: u32) -> Result<(), i32> {
    evtchn_op(EVTCHNOP_CLOSE, &mut EvtchnClose { port })
}

/// EVTCHNOP_status of one of our ports.
pub fn status(port: u32) -> Result<EvtchnStatus, i32> {
    let mut arg = EvtchnStatus {
        dom: DOMID_SELF,
        port,
        ..Default::default()
    };
    evtchn_op(EVTCHNOP_STATUS, &mut arg).map(|()| arg)
}
