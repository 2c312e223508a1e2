//! A backend that breaks the protocol: every lie is counted and its packet dropped, never a
//! panic or a hang; only impossible ring indices stop the queue.

use super::fake::*;
use crate::abi::netif::*;
use crate::netfront::tx::TxRefused;
use crate::netfront::NetError;
use crate::ring::RingError;

/// Posts one rx response for the next request, filling its page with `len` bytes.
fn rx_one(b: &mut Backend, flags: u16, status: i16, offset: u16, id: Option<u16>) {
    let req = b.rx_request().unwrap();
    b.fill(&req, 0, &frame(64, 5));
    b.rx_respond(NetifRxResponse {
        id: id.unwrap_or(req.id),
        offset,
        flags,
        status,
    });
}

/// The queue still delivers a good packet afterwards.
fn still_works(rig: &mut Rig) {
    let f = frame(100, 42);
    rig.b().to_guest.push_back((f.clone(), 0));
    rig.step();
    assert_eq!(rig.q().receive().map(|p| p.data), Some(f));
    assert_eq!(rig.q().broken(), None);
    assert_eq!(
        rig.q().stats().rx.posted,
        256,
        "every page went back on the ring"
    );
}

#[test]
fn rx_lies_are_counted_and_dropped() {
    let mut rig = Rig::with("");
    let b = rig.b();
    rx_one(b, 0, 64, 0, Some(77)); // an id not of its position
    rx_one(b, 0, NETIF_RSP_ERROR, 0, None);
    rx_one(b, 0, 100, 4000, None); // offset + size past the page
    rx_one(b, 0, 0, 0, None); // empty
    b.rx_publish();
    assert!(rig.q().receive().is_none());
    let s = rig.q().stats().rx;
    assert_eq!((s.bad_id, s.errors, s.bad_slot, s.packets), (1, 2, 1, 0));
    still_works(&mut rig);
}

#[test]
fn a_bad_slot_spoils_its_whole_chain() {
    let mut rig = Rig::with("");
    let b = rig.b();
    rx_one(b, NETRXF_MORE_DATA, 500, 0, None);
    rx_one(b, NETRXF_MORE_DATA, -1, 0, None);
    rx_one(b, 0, 64, 0, None);
    b.rx_publish();
    assert!(rig.q().receive().is_none());
    assert_eq!(rig.q().stats().rx.errors, 1);
    still_works(&mut rig);
}

#[test]
fn packets_too_long_or_of_too_many_slots_are_dropped() {
    let mut rig = Rig::with("net.gso=0");
    let b = rig.b();
    // 1514 bytes is the most without GSO: two slots of 1000 are too long.
    rx_one(b, NETRXF_MORE_DATA, 1000, 0, None);
    rx_one(b, 0, 1000, 0, None);
    // 19 slots of 10 bytes: more than 18.
    for _ in 0..18 {
        rx_one(b, NETRXF_MORE_DATA, 10, 0, None);
    }
    rx_one(b, 0, 10, 0, None);
    b.rx_publish();
    assert!(rig.q().receive().is_none());
    let s = rig.q().stats().rx;
    assert_eq!((s.too_long, s.too_many_slots), (1, 1));
    still_works(&mut rig);
}

#[test]
fn bad_extra_info_is_dropped() {
    let mut rig = Rig::with("");
    let b = rig.b();
    rx_one(b, NETRXF_EXTRA_INFO, 64, 0, None);
    let _ = b.rx_request();
    let mut e = NetifExtraInfo::gso(1448, XEN_NETIF_GSO_TYPE_TCPV4, 0, 0);
    e.r#type = 99;
    b.rx_raw(extra_bytes(e));
    // A chain of extras that never ends within the bound.
    rx_one(b, NETRXF_EXTRA_INFO, 64, 0, None);
    for _ in 0..6 {
        let _ = b.rx_request();
        let e = NetifExtraInfo::gso(1448, XEN_NETIF_GSO_TYPE_TCPV4, 0, XEN_NETIF_EXTRA_FLAG_MORE);
        b.rx_raw(extra_bytes(e));
    }
    let _ = b.rx_request();
    b.rx_raw(extra_bytes(NetifExtraInfo::gso(1, 1, 0, 0)));
    rx_one(b, NETRXF_GSO_PREFIX, 64, 0, None);
    b.rx_publish();
    assert!(rig.q().receive().is_none());
    assert_eq!(rig.q().stats().rx.bad_extra, 3);
    still_works(&mut rig);
}

#[test]
fn an_endless_chain_is_bounded_work_and_no_memory() {
    let mut rig = Rig::with("");
    for _ in 0..20 {
        let b = rig.b();
        while b.rx_available() > 0 {
            rx_one(b, NETRXF_MORE_DATA, 4096, 0, None);
        }
        b.rx_publish();
        assert!(rig.q().receive().is_none(), "each call returns");
    }
    let s = rig.q().stats().rx;
    assert_eq!(s.slots, 20 * 256);
    assert_eq!(s.posted, 256);
}

#[test]
fn a_flood_of_good_packets_yields_to_the_caller() {
    let mut rig = Rig::with("");
    for round in 0..50 {
        for i in 0..256 {
            rig.b()
                .to_guest
                .push_back((frame(64, (round + i) as u8), 0));
        }
        rig.step();
        let mut n = 0;
        while rig.q().receive().is_some() {
            n += 1;
        }
        assert_eq!(n, 256, "one packet per call, the ring's worth in all");
    }
}

#[test]
fn rx_responses_ahead_of_requests_stop_the_queue() {
    let mut rig = Rig::with("");
    let b = rig.b();
    b.rx_rsp = 300;
    b.rx_publish();
    assert!(rig.q().receive().is_none());
    let e = NetError::Ring(RingError::ResponsesAhead {
        rsp_prod: 300,
        rsp_cons: 0,
        outstanding: 256,
    });
    assert_eq!(rig.q().broken(), Some(e));
    assert!(e.to_string().contains("runs ahead"));
    assert!(!rig.q().tx_ready(60));
    assert!(rig.dev.broken().is_some());
    // Closing still takes every grant back.
    let (failed, mems) = rig.q().close();
    assert_eq!((failed, mems.len()), (0, 2));
    assert_eq!(rig.grants_in_use(), 0);
}

#[test]
fn tx_lies_are_counted_and_dropped() {
    let mut rig = Rig::with("");
    rig.b().answer_tx = false;
    for i in 0..4 {
        rig.q().send(&mut frame(60, i)).unwrap();
    }
    let reqs = rig.b().tx_requests();
    let b = rig.b();
    b.tx_respond(reqs[0].id, NETIF_RSP_OKAY);
    b.tx_respond(reqs[0].id, NETIF_RSP_OKAY); // again
    b.tx_respond(200, NETIF_RSP_OKAY); // never issued
    b.tx_respond(reqs[1].id, 77); // no such status
    rig.q().reclaim();
    let s = rig.q().stats().tx;
    // The ring is empty now although two ids never came back: their pages are taken back.
    assert_eq!(
        (s.bad_id, s.bad_status, s.in_flight, s.orphans),
        (2, 1, 0, 2)
    );
    assert!(rig.q().tx_ready(60));
    // Responses running ahead of the requests stop the queue.
    let rsp = rig.b().tx_rsp + 5;
    rig.b().tx.set(8, rsp);
    rig.q().reclaim();
    assert!(matches!(rig.q().broken(), Some(NetError::Ring(_))));
}

#[test]
fn a_silent_backend_fills_the_ring_then_sends_are_refused_not_blocked() {
    let mut rig = Rig::with("");
    rig.b().answer_tx = false;
    let mut sent = 0;
    for i in 0..1000 {
        if rig.q().send(&mut frame(60, i as u8)).is_ok() {
            sent += 1;
        }
    }
    assert_eq!(sent, 256);
    assert_eq!(rig.q().stats().tx_dropped, 744);
    // Detach: what was in flight is lost, every grant ends.
    let (failed, _) = rig.q().close();
    assert_eq!(failed, 256);
    assert_eq!(rig.q().end_grants(), 0);
    assert_eq!(rig.grants_in_use(), 0);
}

#[test]
fn a_stopped_queue_refuses_new_packets_and_still_takes_the_answers() {
    let mut rig = Rig::with("");
    rig.b().answer_tx = false;
    for i in 0..3 {
        rig.q().send(&mut frame(60, i)).unwrap();
    }
    rig.q().stop_tx();
    assert!(!rig.q().tx_ready(60));
    assert_eq!(rig.q().send(&mut frame(60, 9)), Err(TxRefused::Stopped));
    assert_eq!(rig.q().stats().tx_dropped, 1);
    // The backend answers what it had: nothing is left in flight, nothing lost at close.
    rig.b().answer_tx = true;
    rig.step();
    rig.q().reclaim();
    assert_eq!(rig.q().stats().tx.in_flight, 0);
    assert_eq!(rig.b().sent.len(), 3);
    let (failed, _) = rig.q().close();
    assert_eq!(failed, 0);
    assert_eq!(rig.grants_in_use(), 0);
}
