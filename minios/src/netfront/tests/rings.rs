//! The tx and rx paths against an honest netback: slots, chaining, flags, wrap-around,
//! full rings, pages granted once.

use super::fake::*;
use crate::abi::netif::*;
use crate::netfront::tx::TxRefused;

#[test]
fn a_small_frame_takes_one_slot() {
    let mut rig = Rig::with("net.csum=0");
    let mut f = frame(60, 1);
    rig.q().send(&mut f).unwrap();
    rig.step();
    let s = &rig.b().sent[0];
    assert_eq!((s.data.as_slice(), s.flags), (f.as_slice(), 0));
    assert_eq!(s.slots.len(), 1);
    assert_eq!((s.slots[0].offset, s.slots[0].size), (0, 60));
    rig.q().reclaim();
    let st = rig.q().stats().tx;
    assert_eq!(
        (st.packets, st.bytes, st.slots, st.in_flight),
        (1, 60, 1, 0)
    );
    // The first tx request notified; the rx fill before the backend connected did not.
    assert_eq!((rig.kicks(), rig.q().stats().kicks), (1, 1));
}

#[test]
fn a_jumbo_frame_is_chained_over_pages() {
    let mut n = linux_nodes();
    n.insert("mtu", "9000".into());
    let o = crate::netfront::Overrides::parse("net.queues=1").unwrap();
    let f = crate::netfront::Features::negotiate(&n, "00:16:3e:00:00:01", &o).unwrap();
    let mut rig = Rig::new(f);
    let mut big = frame(9014, 2);
    rig.q().send(&mut big).unwrap();
    rig.step();
    let s = rig.b().sent[0].clone();
    assert_eq!(s.data, big);
    let shape: Vec<(u16, u16, bool)> = s
        .slots
        .iter()
        .map(|r| (r.offset, r.size, r.flags & NETTXF_MORE_DATA != 0))
        .collect();
    assert_eq!(
        shape,
        [(0, 9014, true), (0, 4096, true), (0, 9014 - 8192, false)]
    );
    // And one too big is refused.
    assert_eq!(rig.q().send(&mut frame(9015, 0)), Err(TxRefused::TooBig));
    assert_eq!(rig.q().stats().tx.too_big, 1);
}

#[test]
fn tx_wraps_around_and_pages_are_reused() {
    let mut rig = Rig::with("");
    for i in 0..1000u32 {
        let mut f = frame(100 + (i as usize % 1400), i as u8);
        rig.q().send(&mut f).unwrap();
        rig.step();
        assert_eq!(rig.b().sent.last().unwrap().data, f);
    }
    rig.q().reclaim();
    let st = rig.q().stats();
    assert_eq!((st.tx.packets, st.tx.in_flight, st.tx.errors), (1000, 0, 0));
    // 256 rx pages, and a single tx page went round and round.
    assert_eq!(rig.grants.lock().unwrap().grants_made, 257);
}

#[test]
fn a_full_tx_ring_refuses_until_responses_come_back() {
    let mut rig = Rig::with("");
    rig.b().answer_tx = false;
    for i in 0..256 {
        rig.q().send(&mut frame(64, i as u8)).unwrap();
    }
    assert!(!rig.q().tx_ready(64));
    assert_eq!(rig.q().send(&mut frame(64, 0)), Err(TxRefused::Busy));
    assert_eq!(rig.q().stats().tx_dropped, 1);
    let reqs = rig.b().tx_requests();
    assert_eq!(reqs.len(), 256);
    for r in &reqs[..10] {
        rig.b().tx_respond(r.id, NETIF_RSP_OKAY);
    }
    assert!(rig.q().tx_ready(64));
    for r in &reqs[10..] {
        rig.b().tx_respond(r.id, NETIF_RSP_ERROR);
    }
    rig.q().reclaim();
    let st = rig.q().stats().tx;
    assert_eq!((st.in_flight, st.errors), (0, 246));
}

#[test]
fn checksum_offload_leaves_the_sum_to_the_backend() {
    let mut rig = Rig::with("");
    let mut udp = super::csum::udp_frame(b"hello", true);
    let full = udp.clone();
    rig.q().send(&mut udp).unwrap();
    let mut arp = frame(60, 3);
    rig.q().send(&mut arp).unwrap();
    rig.step();
    let s = rig.b().sent.clone();
    assert_eq!(s[0].flags, NETTXF_CSUM_BLANK | NETTXF_DATA_VALIDATED);
    let mut done = s[0].data.clone();
    assert!(crate::netfront::csum::complete(&mut done));
    assert_eq!(
        done, full,
        "completed as a NIC would, it is the right checksum"
    );
    assert_eq!(s[1].flags, 0);
    assert_eq!(rig.q().stats().tx.csum_blank, 1);
}

#[test]
fn rx_delivers_packets_and_reuses_its_pages() {
    let mut rig = Rig::with("");
    assert_eq!(rig.q().stats().rx.posted, 256);
    let made = rig.grants.lock().unwrap().grants_made;
    for i in 0..1000u32 {
        let f = frame(60 + (i as usize * 13) % 1454, i as u8);
        rig.b()
            .to_guest
            .push_back((f.clone(), NETRXF_DATA_VALIDATED));
        rig.step();
        let p = rig.q().receive().expect("a packet");
        assert_eq!(p.data, f);
        assert!(p.validated && !p.csum_blank);
    }
    assert!(rig.q().receive().is_none());
    assert_eq!(
        rig.grants.lock().unwrap().grants_made,
        made,
        "no grant per packet"
    );
    let st = rig.q().stats().rx;
    assert_eq!((st.packets, st.slots, st.posted), (1000, 1000, 256));
}

#[test]
fn rx_assembles_multi_slot_packets_and_skips_extras() {
    let mut rig = Rig::with("net.gso=1");
    let big = frame(20_000, 9);
    rig.b().to_guest.push_back((big.clone(), 0));
    rig.step();
    assert_eq!(rig.q().receive().unwrap().data, big);
    // A GSO packet: data, an extra-info slot, more data.
    let b = rig.b();
    let (r0, r1, r2) = (
        b.rx_request().unwrap(),
        b.rx_request().unwrap(),
        b.rx_request().unwrap(),
    );
    b.fill(&r0, 0, &big[..4096]);
    b.fill(&r2, 100, &big[4096..5000]);
    b.rx_respond(NetifRxResponse {
        id: r0.id,
        offset: 0,
        flags: NETRXF_EXTRA_INFO | NETRXF_MORE_DATA | NETRXF_CSUM_BLANK,
        status: 4096,
    });
    let _ = r1;
    b.rx_raw(extra_bytes(NetifExtraInfo::gso(
        1448,
        XEN_NETIF_GSO_TYPE_TCPV4,
        0,
        0,
    )));
    b.rx_respond(NetifRxResponse {
        id: r2.id,
        offset: 100,
        flags: 0,
        status: 904,
    });
    b.rx_publish();
    let p = rig.q().receive().unwrap();
    assert!(p.data == big[..5000], "the two data slots, in order");
    assert!(p.csum_blank);
    let st = rig.q().stats().rx;
    assert_eq!((st.packets, st.extras, st.posted), (2, 1, 256));
}

#[test]
fn a_full_rx_ring_waits_for_the_guest() {
    let mut rig = Rig::with("");
    for i in 0..300 {
        rig.b().to_guest.push_back((frame(64, i as u8), 0));
    }
    rig.step();
    assert_eq!(rig.b().to_guest.len(), 44, "256 slots were posted");
    for i in 0..300 {
        let first = rig.q().receive();
        let p = match first {
            Some(p) => p,
            None => {
                rig.step();
                rig.q()
                    .receive()
                    .expect("the rest, once pages were reposted")
            }
        };
        assert_eq!(p.data, frame(64, i as u8));
    }
}

#[test]
fn an_empty_frame_takes_one_slot_and_its_page_comes_back() {
    let mut rig = Rig::with("net.csum=0");
    rig.b().answer_tx = false;
    rig.q().send(&mut []).unwrap();
    let reqs = rig.b().tx_requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!((reqs[0].size, reqs[0].flags), (0, 0));
    rig.b().tx_respond(reqs[0].id, NETIF_RSP_ERROR);
    rig.q().reclaim();
    let s = rig.q().stats().tx;
    assert_eq!((s.in_flight, s.errors), (0, 1));
    // Every tx page is back: the pool can fill the ring again.
    let mut sent = 0;
    while rig.q().send(&mut frame(60, 1)).is_ok() {
        sent += 1;
    }
    assert_eq!(sent, 256);
}
