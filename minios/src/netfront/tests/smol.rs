//! Two smoltcp interfaces over two netfronts, their fake netbacks joined by a switch that
//! moves each sent frame to the other guest (keeping a blank checksum blank, as netback
//! does for `CHECKSUM_PARTIAL` packets).

use smoltcp::iface::{Config, Interface, SocketSet};
use smoltcp::socket::{tcp, udp};
use smoltcp::time::Instant;
use smoltcp::wire::{EthernetAddress, HardwareAddress, IpAddress, IpCidr, IpEndpoint};

use super::fake::*;
use crate::abi::netif::{NETRXF_CSUM_BLANK, NETRXF_DATA_VALIDATED, NETTXF_CSUM_BLANK};
use crate::netfront::Overrides;

struct Host {
    rig: Rig,
    iface: Interface,
    sockets: SocketSet<'static>,
}

fn host(mac: &str, ip: [u8; 4], o: &Overrides) -> Host {
    let nodes = linux_nodes();
    let f = crate::netfront::Features::negotiate(&nodes, mac, o).unwrap();
    let mut rig = Rig::new(f);
    let hw = HardwareAddress::Ethernet(EthernetAddress(f.mac));
    let mut iface = Interface::new(Config::new(hw), &mut rig.dev, Instant::ZERO);
    iface.update_ip_addrs(|a| {
        a.push(IpCidr::new(IpAddress::v4(ip[0], ip[1], ip[2], ip[3]), 24))
            .unwrap();
    });
    Host {
        rig,
        iface,
        sockets: SocketSet::new(vec![]),
    }
}

/// The switch: frames sent by `from` go to `to`.
fn forward(from: &mut Host, to: &mut Host) {
    from.rig.step();
    for b in &mut from.rig.backends {
        for s in b.sent.drain(..) {
            let flags = if s.flags & NETTXF_CSUM_BLANK != 0 {
                NETRXF_CSUM_BLANK | NETRXF_DATA_VALIDATED
            } else {
                0
            };
            to.rig.b().to_guest.push_back((s.data, flags));
        }
    }
    to.rig.step();
}

fn switch(a: &mut Host, b: &mut Host) {
    forward(a, b);
    forward(b, a);
}

fn run(a: &mut Host, b: &mut Host, mut done: impl FnMut(&mut Host, &mut Host) -> bool) {
    for ms in 0..20_000 {
        let now = Instant::from_millis(ms);
        a.iface.poll(now, &mut a.rig.dev, &mut a.sockets);
        b.iface.poll(now, &mut b.rig.dev, &mut b.sockets);
        switch(a, b);
        if done(a, b) {
            return;
        }
    }
    panic!("the exchange did not finish");
}

fn pair(o: &str) -> (Host, Host) {
    let o = Overrides::parse(o).unwrap();
    (
        host("00:16:3e:00:00:01", [10, 0, 2, 15], &o),
        host("00:16:3e:00:00:02", [10, 0, 2, 2], &o),
    )
}

fn udp_socket() -> udp::Socket<'static> {
    let buf = || udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 8], vec![0; 8192]);
    udp::Socket::new(buf(), buf())
}

fn udp_echo(o: &str) {
    let (mut a, mut b) = pair(o);
    let sa = a.sockets.add(udp_socket());
    let sb = b.sockets.add(udp_socket());
    a.sockets.get_mut::<udp::Socket>(sa).bind(7).unwrap();
    b.sockets.get_mut::<udp::Socket>(sb).bind(40000).unwrap();
    let to = IpEndpoint::new(IpAddress::v4(10, 0, 2, 15), 7);
    let payload: Vec<u8> = (0..1400).map(|i| (i * 13) as u8).collect();
    b.sockets
        .get_mut::<udp::Socket>(sb)
        .send_slice(&payload, to)
        .unwrap();
    let mut echoed = None;
    run(&mut a, &mut b, |a, b| {
        let s = a.sockets.get_mut::<udp::Socket>(sa);
        if let Ok((data, meta)) = s.recv() {
            let data = data.to_vec();
            s.send_slice(&data, meta.endpoint).unwrap();
        }
        if let Ok((data, _)) = b.sockets.get_mut::<udp::Socket>(sb).recv() {
            echoed = Some(data.to_vec());
        }
        echoed.is_some()
    });
    assert_eq!(echoed.unwrap(), payload);
}

#[test]
fn udp_echo_with_checksum_offload() {
    udp_echo("net.queues=1");
}

#[test]
fn udp_echo_without_checksum_offload_over_two_queues() {
    udp_echo("net.csum=0 net.queues=2");
}

#[test]
fn tcp_transfer() {
    let (mut a, mut b) = pair("net.queues=1");
    let sock = || {
        tcp::Socket::new(
            tcp::SocketBuffer::new(vec![0; 65536]),
            tcp::SocketBuffer::new(vec![0; 65536]),
        )
    };
    let server = a.sockets.add(sock());
    let client = b.sockets.add(sock());
    a.sockets
        .get_mut::<tcp::Socket>(server)
        .listen(5000)
        .unwrap();
    b.sockets
        .get_mut::<tcp::Socket>(client)
        .connect(
            b.iface.context(),
            (IpAddress::v4(10, 0, 2, 15), 5000),
            49152,
        )
        .unwrap();
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let (mut sent, mut got) = (0, Vec::new());
    run(&mut a, &mut b, |a, b| {
        let c = b.sockets.get_mut::<tcp::Socket>(client);
        if c.can_send() && sent < data.len() {
            sent += c.send_slice(&data[sent..]).unwrap();
        }
        let s = a.sockets.get_mut::<tcp::Socket>(server);
        if s.can_recv() {
            s.recv(|d| {
                got.extend_from_slice(d);
                (d.len(), ())
            })
            .unwrap();
        }
        got.len() == data.len()
    });
    assert!(got == data, "the stream arrived whole and in order");
    let (sa, sb) = (a.rig.q().stats(), b.rig.q().stats());
    assert!(sb.tx.csum_blank > 200, "segments went with blank checksums");
    assert!(sa.rx.csum_completed > 200, "and were completed on arrival");
    assert_eq!((sa.tx.errors, sa.rx.errors, sb.tx_dropped), (0, 0, 0));
}
