//! The network misbehaving: lost, repeated and reordered packets, retransmission with
//! backoff, and a server that goes silent.

use super::fake::{deliver, file, midway, run, tid, FakeServer, Fate, SERVER};
use crate::tftp::wire::{self, Packet};
use crate::tftp::{Client, Options, Status, TftpError};
use crate::time::{Duration, Instant};

fn is_data(pkt: &[u8], n: u16) -> bool {
    matches!(Packet::new_checked(pkt), Ok(Packet::Data { block, .. }) if block == n)
}

#[test]
fn repeated_blocks_are_delivered_once() {
    let content = file(10_000);
    for windowsize in [1, 4] {
        let mut server = FakeServer::new(content.clone());
        let opts = Options {
            blksize: 512,
            windowsize,
            ..Options::default()
        };
        // Each packet delivered twice in a row (the copy is the next packet).
        let twice = |n: usize, _: &[u8]| {
            if n.is_multiple_of(2) {
                Fate::Repeat
            } else {
                Fate::Deliver
            }
        };
        let r = run(&mut server, opts, twice, deliver);
        assert_eq!(r.status, Status::Done);
        assert_eq!(r.data, content, "window {windowsize}");
    }
}

#[test]
fn a_gap_in_a_window_acks_the_last_block_in_order_once() {
    let content = file(512 * 20);
    let mut server = FakeServer::new(content.clone());
    let opts = Options {
        blksize: 512,
        windowsize: 8,
        ..Options::default()
    };
    // Block 3 comes after block 4: the client asks again from block 3, once.
    let mut delayed = false;
    let reorder = |_: usize, p: &[u8]| {
        if is_data(p, 3) && !delayed {
            delayed = true;
            return Fate::Delay;
        }
        Fate::Deliver
    };
    let r = run(&mut server, opts, reorder, deliver);
    assert_eq!(r.status, Status::Done);
    assert_eq!(r.data, content);
    assert_eq!(r.timeouts, 0);
    // ACK 0, ACK 2 (the gap), then windows of 8 from block 3: 10, 18, and the last, 21.
    assert_eq!(server.acks(), [0, 2, 10, 18, 21]);
}

#[test]
fn lost_data_and_lost_acks_are_sent_again_with_backoff() {
    let content = file(512 * 6 + 100);
    let mut server = FakeServer::new(content.clone());
    let opts = Options {
        blksize: 512,
        windowsize: 1,
        timeout_s: Some(2),
        ..Options::default()
    };
    // DATA 3 lost twice, ACK 5 lost once.
    let mut lost3 = 0;
    let lose_data = |_: usize, p: &[u8]| {
        if is_data(p, 3) && lost3 < 2 {
            lost3 += 1;
            return Fate::Lose;
        }
        Fate::Deliver
    };
    let mut lost_ack = false;
    let lose_ack = |_: usize, p: &[u8]| {
        if p == wire_ack(5) && !lost_ack {
            lost_ack = true;
            return Fate::Lose;
        }
        Fate::Deliver
    };
    let start = Instant::from_nanos(1_000_000_000);
    let r = run(&mut server, opts, lose_data, lose_ack);
    assert_eq!(r.status, Status::Done);
    assert_eq!(r.data, content);
    assert_eq!(r.timeouts, 3);
    // ACK 2 waits 2 s then 4 s (doubled) before DATA 3 comes; ACK 5 waits 2 s.
    assert_eq!(r.end - start, Duration::from_secs(2 + 4 + 2));
    // (The lost ACK 5 never reached the server.)
    assert_eq!(server.acks(), [0, 1, 2, 2, 2, 3, 4, 5, 6, 7]);
}

fn wire_ack(n: u16) -> Vec<u8> {
    let mut b = [0; 4];
    wire::emit_ack(&mut b, n).unwrap();
    b.to_vec()
}

#[test]
fn a_silent_server_fails_after_the_tries_with_doubling_waits() {
    // Silent after the OACK: ACK 0 is sent 5 times.
    let mut server = FakeServer::new(file(5000));
    let lose_after_oack = |n: usize, _: &[u8]| if n == 0 { Fate::Deliver } else { Fate::Lose };
    let opts = Options::default();
    let start = Instant::from_nanos(1_000_000_000);
    let r = run(&mut server, opts, lose_after_oack, deliver);
    let e = r.error();
    assert!(matches!(e, TftpError::NoAnswer { tries: 5, .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "the transfer stopped: no answer from 10.0.0.1 after 5 tries"
    );
    assert_eq!(server.acks(), [0; 5]);
    assert_eq!(r.end - start, Duration::from_secs(1 + 2 + 4 + 8 + 16));
    // Silent from the start: the RRQ is sent `tries` times; waits stop doubling at 16 times.
    let mut server = FakeServer::new(file(10));
    let opts = Options {
        tries: 8,
        ..Options::default()
    };
    let r = run(&mut server, opts, |_, _| Fate::Lose, deliver);
    assert!(matches!(r.error(), TftpError::NoAnswer { tries: 8, .. }));
    assert_eq!(server.got.len(), 8);
    assert!(server.got.iter().all(|p| p == &server.got[0]));
    let waits = 1 + 2 + 4 + 8 + 16 + 16 + 16 + 16;
    assert_eq!(r.end - start, Duration::from_secs(waits));
}

#[test]
fn progress_resets_the_tries() {
    // Every block is lost 4 times of 5 tries: slow, but the transfer completes.
    let content = file(512 * 3);
    let mut server = FakeServer::new(content.clone());
    let mut seen = std::collections::HashMap::new();
    let lossy = |_: usize, p: &[u8]| {
        let n: &mut u32 = seen.entry(p.to_vec()).or_insert(0);
        *n += 1;
        if (*n).is_multiple_of(5) {
            Fate::Deliver
        } else {
            Fate::Lose
        }
    };
    let opts = Options {
        blksize: 512,
        ..Options::default()
    };
    let r = run(&mut server, opts, lossy, deliver);
    assert_eq!(r.status, Status::Done);
    assert_eq!(r.data, content);
}

#[test]
fn a_lost_final_ack_is_sent_again_after_done() {
    let content = file(100);
    let (mut client, server) = midway(&content, Options::plain(1 << 20), 0);
    let last = server.data(1);
    let now = Instant::from_nanos(0);
    let step = client.receive(tid(), &last, now);
    assert_eq!(step.status, Status::Done);
    assert_eq!(step.data, &content[..]);
    assert_eq!(step.send.unwrap().bytes, wire_ack(1));
    // The server did not get it and sends the block again: ACK again, no data twice.
    let step = client.receive(tid(), &last, now);
    assert_eq!(step.send.unwrap().bytes, wire_ack(1));
    assert!(step.data.is_empty());
    assert_eq!(client.deadline(), None);
    assert_eq!(
        client.poll_timeout(Instant::from_nanos(u64::MAX)).send,
        None
    );
}

#[test]
fn a_repeated_oack_is_acknowledged_again() {
    let (mut client, mut server) = midway(&file(3000), Options::default(), 0);
    let rrq = server.got[0].clone();
    let again = server.handle(&rrq).remove(0);
    let step = client.receive(tid(), &again, Instant::from_nanos(0));
    assert_eq!(step.send.unwrap().bytes, wire_ack(0));
    assert_eq!(step.status, Status::Running);
}

#[test]
fn the_rrq_is_sent_again_to_the_request_port() {
    let now = Instant::from_nanos(0);
    let mut client = Client::new(SERVER, "f", Options::default(), now).unwrap();
    let rrq = client.start().bytes.to_vec();
    assert_eq!(client.deadline(), Some(now + Duration::from_secs(1)));
    assert_eq!(client.poll_timeout(now).send, None, "not due yet");
    let later = now + Duration::from_secs(1);
    let again = client.poll_timeout(later).send.unwrap();
    assert_eq!((again.to, again.bytes), (SERVER, &rrq[..]));
    assert_eq!(client.deadline(), Some(later + Duration::from_secs(2)));
}
