//! Several queues behind one smoltcp device: sent frames spread by flow, each flow on one
//! queue; smoltcp is offered room only while every queue has it.

use std::collections::BTreeMap;

use smoltcp::phy::{Device, RxToken, TxToken};
use smoltcp::time::Instant;

use super::fake::*;
use crate::netfront::Overrides;

/// An IPv4 UDP frame from port `port` of 10.0.2.15 to 10.0.2.2:7, payload byte `seq`.
fn udp_frame(port: u16, seq: u8) -> Vec<u8> {
    let mut f = vec![seq; 14 + 20 + 8 + 32];
    f[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
    let ip = &mut f[14..];
    ip[0] = 0x45;
    ip[2..4].copy_from_slice(&(20u16 + 8 + 32).to_be_bytes());
    ip[6..8].copy_from_slice(&0x4000u16.to_be_bytes());
    ip[8] = 64;
    ip[9] = 17;
    ip[10..12].fill(0);
    ip[12..20].copy_from_slice(&[10, 0, 2, 15, 10, 0, 2, 2]);
    ip[20..22].copy_from_slice(&port.to_be_bytes());
    ip[22..24].copy_from_slice(&7u16.to_be_bytes());
    ip[24..26].copy_from_slice(&(8u16 + 32).to_be_bytes());
    ip[26..28].fill(0);
    f
}

/// Sends `f` through a smoltcp tx token; false if the device offered no room.
fn transmit(rig: &mut Rig, f: &[u8]) -> bool {
    let Some(tok) = rig.dev.transmit(Instant::ZERO) else {
        return false;
    };
    tok.consume(f.len(), |b| b.copy_from_slice(f));
    true
}

#[test]
fn flows_spread_over_the_queues_and_each_stays_on_one() {
    let mut rig = Rig::new(features(&Overrides::default()));
    assert_eq!(rig.backends.len(), 2);
    for round in 0..5 {
        for port in 1000..1032 {
            assert!(transmit(&mut rig, &udp_frame(port, round)));
        }
        rig.step();
    }
    let mut queue_of = BTreeMap::new();
    for (i, b) in rig.backends.iter().enumerate() {
        assert!(!b.sent.is_empty(), "queue {i} was never used");
        for s in &b.sent {
            let port = u16::from_be_bytes([s.data[34], s.data[35]]);
            assert_eq!(*queue_of.entry(port).or_insert(i), i, "port {port} moved");
        }
        // In order within the queue: the rounds of each flow come one after the other.
        let mut last = BTreeMap::new();
        for s in &b.sent {
            let port = u16::from_be_bytes([s.data[34], s.data[35]]);
            let seq = s.data[s.data.len() - 1];
            assert!(last.insert(port, seq).is_none_or(|prev| prev < seq));
        }
    }
    assert_eq!(queue_of.len(), 32);
    let sent: usize = rig.backends.iter().map(|b| b.sent.len()).sum();
    assert_eq!(sent, 160);
}

#[test]
fn a_full_queue_holds_smoltcp_back_until_it_drains() {
    let mut rig = Rig::new(features(&Overrides::default()));
    for b in &mut rig.backends {
        b.answer_tx = false;
    }
    let f = udp_frame(1000, 0);
    let mut sent = 0;
    while transmit(&mut rig, &f) {
        sent += 1;
        assert!(sent <= 256, "more than a ring's worth offered");
    }
    // One flow filled its queue's 256 slots; the other queue is idle, yet no room is offered
    // (the next frame could be of the full queue's flow).
    assert_eq!(sent, 256);
    let stats = rig.dev.stats();
    assert_eq!(stats.iter().map(|s| s.tx.in_flight).sum::<usize>(), 256);
    assert_eq!(stats.iter().map(|s| s.tx_dropped).sum::<u64>(), 0);
    // The refusal is remembered once (for the stack to wait on the backend, not spin).
    assert!(rig.dev.take_tx_refused());
    assert!(!rig.dev.take_tx_refused());
    for b in &mut rig.backends {
        b.answer_tx = true;
    }
    rig.step();
    assert!(transmit(&mut rig, &f));
    assert!(!rig.dev.take_tx_refused());
}

#[test]
fn a_read_frame_s_buffer_is_reused_for_the_next() {
    let mut rig = Rig::with("");
    let mut seen = Vec::new();
    for (i, len) in [1500, 60, 1400, 1514].into_iter().enumerate() {
        rig.b().to_guest.push_back((frame(len, i as u8), 0));
        rig.step();
        let (rx, _) = rig.dev.receive(Instant::ZERO).expect("a frame");
        let (ptr, got) = rx.consume(|b| (b.as_ptr(), b.to_vec()));
        assert_eq!(got, frame(len, i as u8));
        seen.push(ptr);
    }
    // The first buffer grew to the largest frame and was handed back each time (the last,
    // larger, frame may have moved it).
    assert_eq!(seen[0], seen[1]);
    assert_eq!(seen[1], seen[2]);
}

#[test]
fn a_frame_past_the_mtu_is_refused_and_the_device_goes_on() {
    let mut rig = Rig::with("");
    let tok = rig.dev.transmit(Instant::ZERO).unwrap();
    tok.consume(1515, |b| b.fill(1));
    assert_eq!(rig.q().stats().tx.too_big, 1);
    assert!(transmit(&mut rig, &udp_frame(5, 5)));
    rig.step();
    assert_eq!(rig.b().sent.len(), 1);
}
