//! Checksum offload arithmetic against smoltcp's own checksums.

use smoltcp::phy::ChecksumCapabilities;
use smoltcp::wire::*;

use crate::netfront::csum::{complete, fill_partial};

/// An Ethernet frame with an IPv4 UDP datagram carrying `payload`, its checksum computed
/// (else zero).
pub fn udp_frame(payload: &[u8], with_sum: bool) -> Vec<u8> {
    let src = Ipv4Address::new(10, 0, 2, 15);
    let dst = Ipv4Address::new(10, 0, 2, 2);
    let udp = UdpRepr {
        src_port: 7,
        dst_port: 40000,
    };
    let ip = Ipv4Repr {
        src_addr: src,
        dst_addr: dst,
        next_header: IpProtocol::Udp,
        payload_len: udp.header_len() + payload.len(),
        hop_limit: 64,
    };
    let mut buf = vec![0; 14 + ip.buffer_len() + ip.payload_len];
    let mut eth = EthernetFrame::new_unchecked(&mut buf);
    EthernetRepr {
        src_addr: EthernetAddress([0, 0x16, 0x3e, 1, 2, 3]),
        dst_addr: EthernetAddress([0, 0x16, 0x3e, 4, 5, 6]),
        ethertype: EthernetProtocol::Ipv4,
    }
    .emit(&mut eth);
    let caps = ChecksumCapabilities::default();
    let mut ipp = Ipv4Packet::new_unchecked(eth.payload_mut());
    ip.emit(&mut ipp, &caps);
    let mut u = UdpPacket::new_unchecked(ipp.payload_mut());
    let mut caps = ChecksumCapabilities::default();
    if !with_sum {
        caps.udp = smoltcp::phy::Checksum::None;
    }
    udp.emit(
        &mut u,
        &src.into(),
        &dst.into(),
        payload.len(),
        |p| p.copy_from_slice(payload),
        &caps,
    );
    buf
}

fn udp_ok(frame: &[u8]) -> bool {
    let ip = Ipv4Packet::new_checked(&frame[14..]).unwrap();
    let (s, d) = (ip.src_addr(), ip.dst_addr());
    UdpPacket::new_checked(ip.payload())
        .unwrap()
        .verify_checksum(&s.into(), &d.into())
}

#[test]
fn partial_then_completed_is_the_full_checksum() {
    for len in [0, 1, 2, 3, 17, 1000, 1471] {
        let payload: Vec<u8> = (0..len).map(|i| (i * 31 + 7) as u8).collect();
        let full = udp_frame(&payload, true);
        assert!(udp_ok(&full));
        let mut f = udp_frame(&payload, false);
        assert!(fill_partial(&mut f));
        assert!(!udp_ok(&f) || f == full);
        assert!(complete(&mut f));
        assert_eq!(f, full, "payload of {len} bytes");
    }
}

#[test]
fn frames_that_are_not_ipv4_tcp_or_udp_are_left_alone() {
    let good = udp_frame(b"abc", true);
    let mut cases = Vec::new();
    let mut arp = good.clone();
    arp[12..14].copy_from_slice(&0x0806u16.to_be_bytes());
    cases.push(arp);
    let mut frag = good.clone();
    frag[14 + 6] = 0x20; // more fragments
    cases.push(frag);
    let mut long = good.clone();
    long[14 + 2..14 + 4].copy_from_slice(&2000u16.to_be_bytes());
    cases.push(long);
    let mut icmp = good.clone();
    icmp[14 + 9] = 1;
    cases.push(icmp);
    let mut ihl = good.clone();
    ihl[14] = 0x44;
    cases.push(ihl);
    cases.push(good[..20].to_vec());
    cases.push(Vec::new());
    for mut c in cases {
        let before = c.clone();
        assert!(!fill_partial(&mut c) && !complete(&mut c));
        assert_eq!(c, before);
    }
}
