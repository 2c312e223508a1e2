//! The echo server against smoltcp clients over a simulated wire.

mod wire;

use smoltcp::iface::SocketHandle;
use smoltcp::socket::{tcp, udp};
use smoltcp::wire::IpAddress;

use super::*;
use wire::{pattern, tcp_flags, Net, SERVER};

const PORT: u16 = 7;

fn cfg(conns: usize, window_kib: usize) -> Config {
    Config {
        port: PORT,
        conns,
        window: window_kib << 10,
    }
}

/// Sends `data` on `h` and reads the echo until it is all back (at most `limit` steps);
/// returns the echo.
fn echo_through(net: &mut Net, h: SocketHandle, data: &[u8], limit: usize) -> Vec<u8> {
    echo_rest(net, h, data, 0, limit)
}

/// [`echo_through`] when the first `sent` bytes of `data` have been sent already.
fn echo_rest(
    net: &mut Net,
    h: SocketHandle,
    data: &[u8],
    mut sent: usize,
    limit: usize,
) -> Vec<u8> {
    let mut got = Vec::with_capacity(data.len());
    let mut buf = vec![0; 64 << 10];
    net.run_until(limit, |net| {
        let s = net.tcp(h);
        if s.may_send() && sent < data.len() {
            sent += s.send_slice(&data[sent..]).unwrap();
        }
        while let Ok(n @ 1..) = s.recv_slice(&mut buf) {
            got.extend_from_slice(&buf[..n]);
        }
        got.len() >= data.len()
    });
    got
}

fn closed(net: &Net) -> Vec<(u64, u64, End)> {
    net.events
        .iter()
        .filter_map(|e| match *e {
            Event::Closed { id, bytes, end, .. } => Some((id, bytes, end)),
            Event::Open { .. } => None,
        })
        .collect()
}

fn opened(net: &Net) -> usize {
    let open = |e: &&Event| matches!(e, Event::Open { .. });
    net.events.iter().filter(open).count()
}

/// The client closes `h` and the server's report of it comes.
fn close_and_wait(net: &mut Net, h: SocketHandle) {
    let before = closed(net).len();
    net.tcp(h).close();
    net.run_until(5_000, |net| closed(net).len() > before);
}

#[test]
fn tcp_echoes_megabytes_and_reports_the_close() {
    let mut net = Net::new(&cfg(8, 256));
    let h = net.connect(PORT, 256 << 10);
    let data = pattern(4 << 20, 1);
    let got = echo_through(&mut net, h, &data, 200_000);
    assert!(got == data, "the echo differs from what was sent");
    close_and_wait(&mut net, h);
    assert_eq!(closed(&net), [(1, 4 << 20, End::Finished)]);
    net.run_until(5_000, |net| {
        matches!(
            net.tcp(h).state(),
            tcp::State::TimeWait | tcp::State::Closed
        )
    });
    let t = net.echo.as_ref().unwrap().totals();
    assert_eq!((t.tcp_conns, t.tcp_bytes), (1, 4 << 20));
    let peer = match net.events[0] {
        Event::Open { id: 1, peer } => peer,
        e => panic!("first event {e:?}"),
    };
    assert_eq!(peer.port, 40001);
}

#[test]
fn eight_at_once_the_ninth_refused_and_a_freed_slot_listens_again() {
    let mut net = Net::new(&cfg(8, 16));
    let hs: Vec<_> = (0..9).map(|_| net.connect(PORT, 16 << 10)).collect();
    net.run_until(5_000, |net| opened(net) == 8 && !net.tcp(hs[8]).is_open());
    assert!(net.echo.as_ref().unwrap().open() == 8);
    for (i, &h) in hs[..8].iter().enumerate() {
        let msg = format!("hello from {i}");
        assert_eq!(
            echo_through(&mut net, h, msg.as_bytes(), 5_000),
            msg.as_bytes()
        );
    }
    close_and_wait(&mut net, hs[0]);
    assert_eq!(closed(&net), [(1, 12, End::Finished)]);
    let late = net.connect(PORT, 16 << 10);
    assert_eq!(echo_through(&mut net, late, b"late", 5_000), b"late");
    assert_eq!(opened(&net), 9);
}

#[test]
fn a_peer_that_does_not_read_is_held_back_and_loses_nothing() {
    let mut net = Net::new(&cfg(1, 16));
    let h = net.connect(PORT, 8 << 10);
    net.run_until(5_000, |net| opened(net) == 1);
    let data = pattern(256 << 10, 2);
    let mut sent = 0;
    // The client sends without reading: the buffers on both sides fill and stay full.
    for _ in 0..5_000 {
        sent += net.tcp(h).send_slice(&data[sent..]).unwrap();
        net.step();
    }
    assert!(
        sent < data.len(),
        "sent {sent}: nothing held the client back"
    );
    let got = echo_rest(&mut net, h, &data, sent, 100_000);
    assert!(got == data);
}

#[test]
fn a_lossy_wire_costs_time_not_bytes() {
    let mut net = Net::new(&cfg(2, 64));
    let mut n = 0;
    net.filter_server(Box::new(move |_| {
        n += 1;
        n % 13 == 0
    }));
    let mut m = 0;
    net.filter_client(Box::new(move |_| {
        m += 1;
        m % 17 == 0
    }));
    let h = net.connect(PORT, 64 << 10);
    let data = pattern(1 << 20, 3);
    let got = echo_through(&mut net, h, &data, 2_000_000);
    assert!(got == data);
}

#[test]
fn a_reset_from_the_peer_is_reported() {
    let mut net = Net::new(&cfg(2, 16));
    let h = net.connect(PORT, 16 << 10);
    assert_eq!(echo_through(&mut net, h, b"abc", 5_000), b"abc");
    net.tcp(h).abort();
    net.run_until(5_000, |net| !closed(net).is_empty());
    assert_eq!(closed(&net), [(1, 3, End::Reset)]);
}

#[test]
fn abort_all_resets_every_connection() {
    let mut net = Net::new(&cfg(4, 16));
    let hs = [net.connect(PORT, 16 << 10), net.connect(PORT, 16 << 10)];
    for h in hs {
        assert_eq!(echo_through(&mut net, h, b"x", 5_000), b"x");
    }
    let echo = net.echo.take().unwrap();
    let events = &mut net.events;
    echo.abort_all(&mut net.server.sockets, net.now, &mut |e| events.push(e));
    let mut ends = closed(&net);
    ends.sort_by_key(|e| e.0);
    assert_eq!(ends, [(1, 1, End::Aborted), (2, 1, End::Aborted)]);
    net.run_until(100, |net| hs.iter().all(|&h| !net.tcp(h).is_open()));
    // Nothing listens any more.
    let h = net.connect(PORT, 16 << 10);
    net.run_until(100, |net| !net.tcp(h).is_open());
}

/// A SYN sent again (its SYN-ACK was lost) must reach the socket that took the first one,
/// even when a slot before it was freed meanwhile.
#[test]
fn a_syn_sent_again_reaches_the_socket_that_took_the_first() {
    let mut net = Net::new(&cfg(3, 16));
    let a = net.connect(PORT, 16 << 10);
    let b = net.connect(PORT, 16 << 10);
    assert_eq!(echo_through(&mut net, a, b"a", 5_000), b"a");
    assert_eq!(echo_through(&mut net, b, b"b", 5_000), b"b");
    // C's SYN-ACKs are lost until C has sent its SYN twice.
    let c_port = 40003;
    let syns = std::rc::Rc::new(std::cell::Cell::new(0));
    let seen = syns.clone();
    net.filter_client(Box::new(move |f| {
        if let Some((src, _, true, false)) = tcp_flags(f) {
            if src == c_port {
                seen.set(seen.get() + 1);
            }
        }
        false
    }));
    let counted = syns.clone();
    net.filter_server(Box::new(move |f| {
        matches!(tcp_flags(f), Some((_, dst, true, true)) if dst == c_port) && counted.get() < 2
    }));
    let c = net.connect(PORT, 16 << 10);
    net.run_until(100, |_| syns.get() == 1);
    // A goes while C waits in SYN-RECEIVED on the third slot: the first slot is free again.
    close_and_wait(&mut net, a);
    net.run_until(10_000, |net| net.tcp(c).may_send());
    assert!(syns.get() >= 2, "C never sent its SYN again");
    assert_eq!(echo_through(&mut net, c, b"c", 5_000), b"c");
    assert_eq!(echo_through(&mut net, b, b"b2", 5_000), b"b2");
    let resets = closed(&net).iter().filter(|c| c.2 != End::Finished).count();
    assert_eq!(resets, 0, "{:?}", net.events);
    // Once C is established, the first slot listens again.
    let d = net.connect(PORT, 16 << 10);
    assert_eq!(echo_through(&mut net, d, b"d", 5_000), b"d");
}

#[test]
fn listeners_come_after_the_last_syn_received() {
    assert!(may_listen(0, None));
    assert!(may_listen(3, Some(2)));
    assert!(!may_listen(2, Some(2)));
    assert!(!may_listen(0, Some(5)));
}

#[test]
fn udp_echoes_each_datagram_to_its_sender() {
    let mut net = Net::new(&cfg(1, 16));
    let buf = || udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 32], vec![0; 64 << 10]);
    let mut s = udp::Socket::new(buf(), buf());
    s.bind(5555).unwrap();
    let h = net.client.sockets.add(s);
    let sizes = [1usize, 2, 100, 512, 1000, 1472, 0, 33];
    let to = (IpAddress::Ipv4(SERVER), PORT);
    for (i, &n) in sizes.iter().enumerate() {
        let d = pattern(n, i as u64 + 10);
        net.client
            .sockets
            .get_mut::<udp::Socket>(h)
            .send_slice(&d, to)
            .unwrap();
    }
    let mut got = Vec::new();
    net.run_until(5_000, |net| {
        let s = net.client.sockets.get_mut::<udp::Socket>(h);
        while let Ok((d, m)) = s.recv() {
            assert_eq!(m.endpoint.addr, IpAddress::Ipv4(SERVER));
            assert_eq!(m.endpoint.port, PORT);
            got.push(d.to_vec());
        }
        got.len() == sizes.len()
    });
    for (i, &n) in sizes.iter().enumerate() {
        assert_eq!(got[i], pattern(n, i as u64 + 10));
    }
    let t = net.echo.as_ref().unwrap().totals();
    assert_eq!(t.udp_datagrams, sizes.len() as u64);
    assert_eq!(t.udp_bytes, sizes.iter().sum::<usize>() as u64);
    assert_eq!(t.udp_dropped, 0);
}
