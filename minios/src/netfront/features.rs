//! Feature negotiation: what netback offers (its xenstore nodes, `io/netif.h`), what we
//! allow ([`Overrides`]), and what the device then uses ([`Features`]). Linux's netback
//! writes all of its nodes before it reaches InitWait, so everything is decided before we
//! publish our rings.
//!
//! The backend is untrusted: a feature whose node is malformed is off, limits beyond ours
//! are capped to ours, a malformed `mtu` is the Ethernet default. Only `feature-rx-copy` is
//! required.

use alloc::string::String;
use core::fmt;

use super::NetError;
use crate::blkfront::features::BackendNodes;
use crate::xenbus;

/// The most queues we set up.
pub const MAX_QUEUES: u32 = 4;
/// The Ethernet header's bytes (no VLAN tag: we do not use VLANs).
pub const ETH_HEADER: usize = 14;
/// Bytes in a page: a slot's most.
pub const PAGE: usize = 4096;
/// The default IP MTU (`ETH_DATA_LEN`), when the backend has no `mtu` node.
pub const DEFAULT_MTU: u16 = 1500;
/// The largest IP MTU we accept: a frame must still fit `XEN_NETIF_MAX_TX_SIZE`.
pub const MAX_MTU: u16 = (crate::abi::netif::XEN_NETIF_MAX_TX_SIZE - ETH_HEADER) as u16;
/// The smallest IP MTU we accept (IPv4's minimum).
pub const MIN_MTU: u16 = 68;

/// Backend nodes read before we publish ours.
pub const BACKEND_NODES: &[&str] = &[
    "feature-rx-copy",
    "feature-sg",
    "feature-gso-tcpv4",
    "feature-gso-tcpv6",
    "feature-no-csum-offload",
    "feature-ipv6-csum-offload",
    "multi-queue-max-queues",
    "feature-split-event-channels",
    "mtu",
];

/// Node `key` as a decimal number: `None` if missing, `Some(None)` if malformed.
fn number(nodes: &BackendNodes, key: &str) -> Option<Option<u64>> {
    nodes
        .get(key)
        .map(|v| v.trim_end_matches('\0').trim().parse().ok())
}

/// A boolean feature, as Linux reads it (`xenbus_read_unsigned(.., 0) != 0`); a malformed
/// value is off.
fn flag(nodes: &BackendNodes, key: &str) -> bool {
    matches!(number(nodes, key), Some(Some(v)) if v != 0)
}

/// What we allow: every feature can be switched off, for tests and for backends that offer
/// more than they can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overrides {
    /// Packets of more than one slot, both ways, if offered (`net.sg=0|1`).
    pub sg: bool,
    /// Accept TCP segmentation offload packets (up to 64 KiB, `feature-gso-tcpv4/6`) if
    /// offered, with scatter-gather (`net.gso=0|1`; smoltcp makes none, but taking them
    /// saves netback segmenting dom0's TCP: `cargo xtask bench tcp` measured 1.45x).
    pub gso: bool,
    /// Checksum offload both ways (`net.csum=0|1`): the backend fills in our TCP and UDP
    /// checksums and may hand us packets whose checksum is blank (we complete it).
    pub csum: bool,
    /// The most queues to use (`net.queues=1..4`).
    pub max_queues: u32,
    /// Separate tx and rx event channels, if offered (`net.split=0|1`).
    pub split_events: bool,
}

impl Default for Overrides {
    fn default() -> Self {
        Self {
            sg: true,
            gso: true,
            csum: true,
            max_queues: MAX_QUEUES,
            split_events: true,
        }
    }
}

/// A `net.*` word of the command line that is not a known switch with a valid value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadOverride(pub String);

impl fmt::Display for BadOverride {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bad netfront switch {:?} (known: net.sg=0|1 net.gso=0|1 net.csum=0|1 \
             net.queues=1..4 net.split=0|1)",
            self.0
        )
    }
}

impl core::error::Error for BadOverride {}

impl Overrides {
    /// Reads the `net.*` words of a command line (other words are ignored).
    pub fn parse(cmdline: &str) -> Result<Self, BadOverride> {
        let mut o = Self::default();
        for s in xenbus::switches(cmdline, "net.") {
            let s = s.map_err(|w| BadOverride(String::from(w)))?;
            let bad = || BadOverride(String::from(s.word));
            let (n, on) = (s.value, s.on());
            match s.key {
                "sg" => o.sg = on.ok_or_else(bad)?,
                "gso" => o.gso = on.ok_or_else(bad)?,
                "csum" => o.csum = on.ok_or_else(bad)?,
                "split" => o.split_events = on.ok_or_else(bad)?,
                "queues" if (1..=MAX_QUEUES).contains(&n) => o.max_queues = n,
                _ => return Err(bad()),
            }
        }
        Ok(o)
    }
}

/// Parses a `mac` node: six `:`-separated bytes of one or two hex digits each, a unicast
/// address.
pub fn parse_mac(s: &str) -> Result<[u8; 6], NetError> {
    let mut mac = [0u8; 6];
    let mut parts = s.trim_end_matches('\0').trim().split(':');
    for b in &mut mac {
        let p = parts.next().ok_or(NetError::BadMac)?;
        if p.is_empty() || p.len() > 2 {
            return Err(NetError::BadMac);
        }
        *b = u8::from_str_radix(p, 16).map_err(|_| NetError::BadMac)?;
    }
    if parts.next().is_some() || mac[0] & 1 != 0 {
        return Err(NetError::BadMac);
    }
    Ok(mac)
}

/// What the device uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Features {
    /// Our MAC address (our `mac` node).
    pub mac: [u8; 6],
    /// The IP MTU (the backend's `mtu`, default 1500; at most a page less the Ethernet
    /// header without `sg`).
    pub mtu: u16,
    /// Packets may span several slots both ways (`feature-sg` offered and allowed; we
    /// publish `feature-sg=1`).
    pub sg: bool,
    /// We accept TCPv4 segmentation offload packets (we publish `feature-gso-tcpv4=1`).
    pub gso_tcpv4: bool,
    /// We accept TCPv6 segmentation offload packets (we publish `feature-gso-tcpv6=1`).
    pub gso_tcpv6: bool,
    /// The backend takes TCPv4 segmentation offload packets (`feature-gso-tcpv4`); smoltcp
    /// makes none, so this is informational.
    pub backend_gso_tcpv4: bool,
    /// The backend takes TCPv6 segmentation offload packets (`feature-gso-tcpv6`);
    /// informational.
    pub backend_gso_tcpv6: bool,
    /// Checksum offload for IPv4 TCP and UDP, both ways (else we publish
    /// `feature-no-csum-offload=1`).
    pub csum: bool,
    /// The backend takes IPv6 packets with a blank checksum (`feature-ipv6-csum-offload`);
    /// we send no IPv6, so this is informational.
    pub backend_ipv6_csum: bool,
    /// Queues (tx and rx ring pairs).
    pub queues: u32,
    /// Each queue has separate tx and rx event channels.
    pub split_events: bool,
}

impl Features {
    /// Decides from the backend's [`BACKEND_NODES`], our `mac` node's value and `o`.
    pub fn negotiate(nodes: &BackendNodes, mac: &str, o: &Overrides) -> Result<Self, NetError> {
        if !flag(nodes, "feature-rx-copy") {
            return Err(NetError::NoRxCopy);
        }
        let mac = parse_mac(mac)?;
        let sg = o.sg && flag(nodes, "feature-sg");
        let gso = o.gso && sg;
        let max_mtu = if sg {
            MAX_MTU
        } else {
            (PAGE - ETH_HEADER) as u16
        };
        let mtu = match number(nodes, "mtu") {
            None => DEFAULT_MTU,
            Some(Some(m)) if (u64::from(MIN_MTU)..=u64::from(MAX_MTU)).contains(&m) => m as u16,
            Some(_) => {
                log::warn!("netfront: backend mtu is malformed or out of range; using 1500");
                DEFAULT_MTU
            }
        }
        .min(max_mtu);
        let queues = match number(nodes, "multi-queue-max-queues") {
            Some(Some(q)) => q.clamp(1, u64::from(o.max_queues)) as u32,
            _ => 1,
        };
        Ok(Self {
            mac,
            mtu,
            sg,
            gso_tcpv4: gso,
            gso_tcpv6: gso,
            backend_gso_tcpv4: flag(nodes, "feature-gso-tcpv4"),
            backend_gso_tcpv6: flag(nodes, "feature-gso-tcpv6"),
            csum: o.csum && !flag(nodes, "feature-no-csum-offload"),
            backend_ipv6_csum: flag(nodes, "feature-ipv6-csum-offload"),
            queues,
            split_events: o.split_events && flag(nodes, "feature-split-event-channels"),
        })
    }

    /// The largest Ethernet frame we accept (without FCS): the MTU and header, or 64 KiB
    /// when we accept segmentation offload packets.
    pub fn rx_frame(&self) -> usize {
        if self.gso_tcpv4 || self.gso_tcpv6 {
            crate::abi::netif::XEN_NETIF_MAX_TX_SIZE
        } else {
            self.tx_frame()
        }
    }

    /// The largest Ethernet frame we send (without FCS): the MTU and header (we make no
    /// segmentation offload packets).
    pub fn tx_frame(&self) -> usize {
        usize::from(self.mtu) + ETH_HEADER
    }

    /// The most slots one packet may take (its data slots; extra-info slots not counted).
    pub fn max_slots(&self) -> usize {
        if self.sg {
            crate::abi::netif::XEN_NETIF_NR_SLOTS_MIN
        } else {
            1
        }
    }
}
