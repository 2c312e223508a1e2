//! The nodes we publish for the connect handshake (`io/netif.h`, as Linux's
//! `talk_to_netback` writes them and netback's `connect` reads them): one queue puts its
//! rings and event channel(s) at the top, several put them under `queue-N/` with
//! `multi-queue-num-queues`.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::features::Features;
use crate::abi::grant_table::GrantRef;

/// A queue's event channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ports {
    /// One channel for both rings (`event-channel`).
    Shared(u32),
    /// Separate channels (`event-channel-tx`, `event-channel-rx`).
    Split {
        /// For the tx ring.
        tx: u32,
        /// For the rx ring.
        rx: u32,
    },
}

/// One queue's rings and event channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueRefs {
    /// `tx-ring-ref`.
    pub tx: GrantRef,
    /// `rx-ring-ref`.
    pub rx: GrantRef,
    /// The event channel(s).
    pub ports: Ports,
}

fn bit(on: bool) -> String {
    String::from(if on { "1" } else { "0" })
}

/// The `(node, value)` pairs to write under our device node, in one transaction with our
/// state.
pub fn front_nodes(f: &Features, queues: &[QueueRefs]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut put = |k: String, v: String| out.push((k, v));
    put("request-rx-copy".into(), "1".into());
    put("feature-rx-notify".into(), "1".into());
    put("feature-sg".into(), bit(f.sg));
    put("feature-gso-tcpv4".into(), bit(f.gso_tcpv4));
    put("feature-gso-tcpv6".into(), bit(f.gso_tcpv6));
    put("feature-no-csum-offload".into(), bit(!f.csum));
    put("feature-ipv6-csum-offload".into(), "0".into());
    if queues.len() > 1 {
        put("multi-queue-num-queues".into(), format!("{}", queues.len()));
    }
    for (i, q) in queues.iter().enumerate() {
        let dir = if queues.len() > 1 {
            format!("queue-{i}/")
        } else {
            String::new()
        };
        put(format!("{dir}tx-ring-ref"), format!("{}", q.tx));
        put(format!("{dir}rx-ring-ref"), format!("{}", q.rx));
        match q.ports {
            Ports::Shared(p) => put(format!("{dir}event-channel"), format!("{p}")),
            Ports::Split { tx, rx } => {
                put(format!("{dir}event-channel-tx"), format!("{tx}"));
                put(format!("{dir}event-channel-rx"), format!("{rx}"));
            }
        }
    }
    out
}
