//! Checksum offload for IPv4 TCP and UDP, as Linux's `CHECKSUM_PARTIAL` works: the sender
//! leaves the pseudo-header sum (not complemented) in the checksum field and flags the
//! packet `csum_blank`; whoever completes it sums the transport header and payload, field
//! included, and stores the complement.
//!
//! Frames are outside bytes: every offset is checked, a frame that is not an unfragmented
//! IPv4 TCP or UDP packet with consistent lengths is left alone.

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETH_HEADER: usize = 14;
const PROTO_TCP: u8 = 6;
const PROTO_UDP: u8 = 17;

/// Where a frame's transport checksum is and what covers it.
struct L4 {
    /// Offset of the transport header in the frame.
    start: usize,
    /// Bytes of transport header and payload.
    len: usize,
    /// Offset of the checksum field in the frame.
    check: usize,
    /// Whether the transport is UDP (a computed 0 is sent as 0xffff).
    udp: bool,
    /// The pseudo-header's sum.
    pseudo: u64,
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// Ones' complement sum of `data` as big-endian 16-bit words (an odd last byte is padded),
/// not folded.
fn sum(data: &[u8]) -> u64 {
    let mut chunks = data.chunks_exact(2);
    let mut s: u64 = chunks
        .by_ref()
        .map(|w| u64::from(u16::from_be_bytes([w[0], w[1]])))
        .sum();
    if let [last] = chunks.remainder() {
        s += u64::from(*last) << 8;
    }
    s
}

fn fold(mut s: u64) -> u16 {
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    s as u16
}

fn locate(frame: &[u8]) -> Option<L4> {
    if be16(frame, 12)? != ETHERTYPE_IPV4 {
        return None;
    }
    let ip = frame.get(ETH_HEADER..)?;
    let vihl = *ip.first()?;
    let ihl = usize::from(vihl & 0xf) * 4;
    let total = usize::from(be16(ip, 2)?);
    let frag = be16(ip, 6)?;
    if vihl >> 4 != 4 || ihl < 20 || total < ihl || total > ip.len() || frag & 0x3fff != 0 {
        return None;
    }
    let proto = *ip.get(9)?;
    let (min, at) = match proto {
        PROTO_TCP => (20, 16),
        PROTO_UDP => (8, 6),
        _ => return None,
    };
    let len = total - ihl;
    if len < min {
        return None;
    }
    let pseudo = sum(ip.get(12..20)?) + u64::from(proto) + len as u64;
    let start = ETH_HEADER + ihl;
    Some(L4 {
        start,
        len,
        check: start + at,
        udp: proto == PROTO_UDP,
        pseudo,
    })
}

/// Prepares a frame for `NETTXF_csum_blank`: writes its pseudo-header sum into the TCP or
/// UDP checksum field. Returns whether the frame is such a packet (else it is unchanged
/// and must be sent with its checksum computed).
pub fn fill_partial(frame: &mut [u8]) -> bool {
    let Some(l4) = locate(frame) else {
        return false;
    };
    frame[l4.check..l4.check + 2].copy_from_slice(&fold(l4.pseudo).to_be_bytes());
    true
}

/// Completes the checksum of a frame that arrived `NETRXF_csum_blank` (its checksum field
/// holds the pseudo-header sum). Returns whether the frame is a packet whose checksum could
/// be completed.
pub fn complete(frame: &mut [u8]) -> bool {
    let Some(l4) = locate(frame) else {
        return false;
    };
    let c = !fold(sum(&frame[l4.start..l4.start + l4.len]));
    let c = if c == 0 && l4.udp { 0xffff } else { c };
    frame[l4.check..l4.check + 2].copy_from_slice(&c.to_be_bytes());
    true
}
