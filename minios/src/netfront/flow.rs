//! Which queue a sent frame goes on: by a hash of its flow, as Linux's netfront picks a tx
//! queue (`skb_get_hash`), so the packets of one TCP stream or UDP flow stay on one queue and
//! in order. The flow of an IPv4 frame is its addresses and protocol, and for TCP and UDP
//! its ports too (not for fragments: only the first carries them). Anything else (ARP, IPv6,
//! a truncated header) is one flow of its own.
//!
//! Frames are our stack's, but parsing is still checked: any bytes give a queue.

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETH_HEADER: usize = 14;
const PROTO_TCP: u8 = 6;
const PROTO_UDP: u8 = 17;

/// The bytes that name a frame's flow, or `None` if it is not IPv4.
fn flow_key(frame: &[u8]) -> Option<[u8; 13]> {
    let ethertype = u16::from_be_bytes([*frame.get(12)?, *frame.get(13)?]);
    let ip = frame.get(ETH_HEADER..)?;
    if ethertype != ETHERTYPE_IPV4 || ip.len() < 20 || ip[0] >> 4 != 4 {
        return None;
    }
    let header = usize::from(ip[0] & 0x0f) * 4;
    let proto = ip[9];
    let mut key = [0u8; 13];
    key[..8].copy_from_slice(&ip[12..20]);
    key[8] = proto;
    // More fragments, or a fragment offset: only the first fragment has the ports.
    let fragment = u16::from_be_bytes([ip[6], ip[7]]) & 0x3fff != 0;
    if !fragment && header >= 20 && matches!(proto, PROTO_TCP | PROTO_UDP) {
        if let Some(ports) = ip.get(header..header + 4) {
            key[9..].copy_from_slice(ports);
        }
    }
    Some(key)
}

/// FNV-1a over `bytes`, then a final mix so that the low bits depend on every byte.
fn hash(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in bytes {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^ (h >> 13)
}

/// The queue (of `queues`, at least one) that `frame` is sent on.
pub fn queue_for(frame: &[u8], queues: usize) -> usize {
    match flow_key(frame) {
        Some(key) if queues > 1 => hash(&key) as usize % queues,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An IPv4 frame: protocol, addresses, ports, fragment field.
    fn ipv4(proto: u8, src: [u8; 4], dst: [u8; 4], ports: [u16; 2], frag: u16) -> Vec<u8> {
        let mut f = vec![0u8; 14 + 20 + 8];
        f[12..14].copy_from_slice(&ETHERTYPE_IPV4.to_be_bytes());
        let ip = &mut f[14..];
        ip[0] = 0x45;
        ip[6..8].copy_from_slice(&frag.to_be_bytes());
        ip[9] = proto;
        ip[12..16].copy_from_slice(&src);
        ip[16..20].copy_from_slice(&dst);
        ip[20..22].copy_from_slice(&ports[0].to_be_bytes());
        ip[22..24].copy_from_slice(&ports[1].to_be_bytes());
        f
    }

    #[test]
    fn one_flow_stays_on_one_queue_and_flows_spread() {
        let a = [10, 0, 2, 15];
        let b = [10, 0, 2, 2];
        let mut seen = [0usize; 4];
        for port in 1000..1400u16 {
            let f = ipv4(PROTO_TCP, a, b, [port, 80], 0x4000);
            let q = queue_for(&f, 4);
            // Payload bytes and the packet's other fields do not move it.
            let mut g = f.clone();
            g.extend_from_slice(&[port as u8; 100]);
            g[14 + 4] ^= 0xff; // identification
            assert_eq!(queue_for(&g, 4), q);
            seen[q] += 1;
        }
        assert!(
            seen.iter().all(|&n| n > 60),
            "spread over 4 queues: {seen:?}"
        );
        let udp = |p| queue_for(&ipv4(PROTO_UDP, a, b, [p, 7], 0), 2);
        assert!((0..100).map(udp).any(|q| q == 0) && (0..100).map(udp).any(|q| q == 1));
    }

    #[test]
    fn fragments_and_other_frames_have_a_queue_too() {
        let (a, b) = ([10, 0, 0, 1], [10, 0, 0, 2]);
        // Fragments of one datagram go together whatever their "ports" bytes are.
        let first = queue_for(&ipv4(PROTO_UDP, a, b, [1, 2], 0x2000), 4);
        assert_eq!(queue_for(&ipv4(PROTO_UDP, a, b, [9, 9], 0x00b9), 4), first);
        let mut arp = vec![0u8; 42];
        arp[12..14].copy_from_slice(&0x0806u16.to_be_bytes());
        assert_eq!(queue_for(&arp, 4), 0);
        for len in 0..40 {
            let f = ipv4(PROTO_TCP, a, b, [5, 6], 0);
            assert!(queue_for(&f[..len], 3) < 3);
        }
        // A header length below 20 or past the frame: no ports, still a queue.
        let mut f = ipv4(PROTO_TCP, a, b, [5, 6], 0);
        f[14] = 0x4f;
        assert!(queue_for(&f, 2) < 2);
        f[14] = 0x41;
        assert!(queue_for(&f, 2) < 2);
        assert_eq!(queue_for(&ipv4(PROTO_TCP, a, b, [5, 6], 0), 1), 0);
    }
}
