//! The nodes we publish for the connect handshake (`io/blkif.h`, as Linux's
//! `talk_to_blkback` writes them): one ring page is `ring-ref`, more are `ring-page-order`
//! and `ring-ref0..N`; one queue puts its ring and `event-channel` at the top, several put
//! them under `queue-N/` with `multi-queue-num-queues`.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::features::Transport;
use crate::abi::grant_table::GrantRef;

/// The `protocol` we speak: the native 64-bit layout.
pub const PROTOCOL: &str = "x86_64-abi";

/// One queue's ring: its pages' grant references (in order) and its event channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueRefs {
    /// `ring-ref`/`ring-refN`.
    pub grefs: Vec<GrantRef>,
    /// `event-channel`.
    pub port: u32,
}

/// The `(node, value)` pairs to write under our device node, in one transaction with our
/// `Initialised` state.
pub fn front_nodes(t: Transport, queues: &[QueueRefs], persistent: bool) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut put = |k: String, v: String| out.push((k, v));
    put("protocol".into(), PROTOCOL.into());
    put(
        "feature-persistent".into(),
        String::from(if persistent { "1" } else { "0" }),
    );
    if t.ring_page_order > 0 {
        put("ring-page-order".into(), format!("{}", t.ring_page_order));
    }
    if queues.len() > 1 {
        put("multi-queue-num-queues".into(), format!("{}", queues.len()));
    }
    for (i, q) in queues.iter().enumerate() {
        let dir = if queues.len() > 1 {
            format!("queue-{i}/")
        } else {
            String::new()
        };
        if t.ring_page_order == 0 {
            let gref = q.grefs.first().copied().unwrap_or(0);
            put(format!("{dir}ring-ref"), format!("{gref}"));
        } else {
            for (j, gref) in q.grefs.iter().enumerate() {
                put(format!("{dir}ring-ref{j}"), format!("{gref}"));
            }
        }
        put(format!("{dir}event-channel"), format!("{}", q.port));
    }
    out
}
