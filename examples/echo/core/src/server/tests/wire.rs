//! Two smoltcp interfaces joined by a simulated Ethernet wire, the echo server on one, test
//! clients on the other, and a clock the test moves.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use smoltcp::iface::{Config as IfaceConfig, Interface, SocketHandle, SocketSet};
use smoltcp::phy::{self, Device, DeviceCapabilities, Medium};
use smoltcp::socket::tcp;
use smoltcp::time::{Duration, Instant};
use smoltcp::wire::{
    EthernetAddress, EthernetFrame, EthernetProtocol, IpAddress, IpCidr, IpProtocol, Ipv4Address,
    Ipv4Packet, TcpPacket,
};

use crate::{Config, Echo, Event};

/// The server's address.
pub const SERVER: Ipv4Address = Ipv4Address::new(10, 0, 2, 50);
const CLIENT: Ipv4Address = Ipv4Address::new(10, 0, 2, 2);
const MTU: usize = 1514;

type Queue = Rc<RefCell<VecDeque<Vec<u8>>>>;
/// Decides whether a frame is lost on the wire (true: dropped).
pub type Filter = Box<dyn FnMut(&[u8]) -> bool>;

/// One end of the wire.
pub struct End {
    rx: Queue,
    tx: Queue,
    filter: Option<Filter>,
}

pub struct Rx(Vec<u8>);
pub struct Tx<'a>(&'a mut End);

impl phy::RxToken for Rx {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

impl phy::TxToken for Tx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut frame = vec![0; len];
        let r = f(&mut frame);
        let lost = self.0.filter.as_mut().is_some_and(|f| f(&frame));
        if !lost {
            self.0.tx.borrow_mut().push_back(frame);
        }
        r
    }
}

impl Device for End {
    type RxToken<'a> = Rx;
    type TxToken<'a> = Tx<'a>;

    fn receive(&mut self, _: Instant) -> Option<(Rx, Tx<'_>)> {
        let frame = self.rx.borrow_mut().pop_front()?;
        Some((Rx(frame), Tx(self)))
    }

    fn transmit(&mut self, _: Instant) -> Option<Tx<'_>> {
        Some(Tx(self))
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ethernet;
        caps.max_transmission_unit = MTU;
        caps
    }
}

/// A host on the wire.
pub struct Host {
    pub iface: Interface,
    pub dev: End,
    pub sockets: SocketSet<'static>,
}

impl Host {
    fn new(mac: u8, ip: Ipv4Address, rx: Queue, tx: Queue, now: Instant) -> Host {
        let mut dev = End {
            rx,
            tx,
            filter: None,
        };
        let hw = EthernetAddress([2, 0, 0, 0, 0, mac]).into();
        let mut iface = Interface::new(IfaceConfig::new(hw), &mut dev, now);
        iface.update_ip_addrs(|a| a.push(IpCidr::new(ip.into(), 24)).unwrap());
        Host {
            iface,
            dev,
            sockets: SocketSet::new(vec![]),
        }
    }

    fn poll(&mut self, now: Instant) {
        self.iface.poll(now, &mut self.dev, &mut self.sockets);
    }
}

/// The server (with the echo server) and the client host, and the clock.
pub struct Net {
    pub now: Instant,
    pub server: Host,
    pub client: Host,
    pub echo: Option<Echo>,
    pub events: Vec<Event>,
    next_port: u16,
}

impl Net {
    pub fn new(cfg: &Config) -> Net {
        let now = Instant::from_secs(1000);
        let (a, b): (Queue, Queue) = Default::default();
        let mut server = Host::new(1, SERVER, a.clone(), b.clone(), now);
        let client = Host::new(2, CLIENT, b, a, now);
        let echo = Echo::new(&mut server.sockets, cfg).unwrap();
        Net {
            now,
            server,
            client,
            echo: Some(echo),
            events: Vec::new(),
            next_port: 40000,
        }
    }

    /// Frames the server sends go through `f` (true: lost).
    pub fn filter_server(&mut self, f: Filter) {
        self.server.dev.filter = Some(f);
    }

    /// Frames the client sends go through `f` (true: lost).
    pub fn filter_client(&mut self, f: Filter) {
        self.client.dev.filter = Some(f);
    }

    /// Both hosts poll once (the server services its sockets in between) and the clock
    /// moves 1 ms.
    pub fn step(&mut self) {
        self.server.poll(self.now);
        if let Some(e) = self.echo.as_mut() {
            let events = &mut self.events;
            e.service(&mut self.server.sockets, self.now, &mut |ev| {
                events.push(ev)
            });
        }
        self.server.poll(self.now);
        self.client.poll(self.now);
        self.now += Duration::from_millis(1);
    }

    /// Steps until `done` holds; panics after `limit` steps.
    pub fn run_until(&mut self, limit: usize, mut done: impl FnMut(&mut Net) -> bool) {
        for _ in 0..limit {
            if done(self) {
                return;
            }
            self.step();
        }
        panic!("not done after {limit} steps; events {:?}", self.events);
    }

    /// A client TCP socket connecting to the server's `port`, with `buf` bytes each way.
    pub fn connect(&mut self, port: u16, buf: usize) -> SocketHandle {
        let mut s = tcp::Socket::new(
            tcp::SocketBuffer::new(vec![0; buf]),
            tcp::SocketBuffer::new(vec![0; buf]),
        );
        self.next_port += 1;
        s.connect(
            self.client.iface.context(),
            (IpAddress::Ipv4(SERVER), port),
            self.next_port,
        )
        .unwrap();
        self.client.sockets.add(s)
    }

    pub fn tcp(&mut self, h: SocketHandle) -> &mut tcp::Socket<'static> {
        self.client.sockets.get_mut(h)
    }
}

/// The TCP header of an IPv4 frame, if it is one: (source port, destination port, SYN, ACK).
pub fn tcp_flags(frame: &[u8]) -> Option<(u16, u16, bool, bool)> {
    let eth = EthernetFrame::new_checked(frame).ok()?;
    if eth.ethertype() != EthernetProtocol::Ipv4 {
        return None;
    }
    let ip = Ipv4Packet::new_checked(eth.payload()).ok()?;
    if ip.next_header() != IpProtocol::Tcp {
        return None;
    }
    let t = TcpPacket::new_checked(ip.payload()).ok()?;
    Some((t.src_port(), t.dst_port(), t.syn(), t.ack()))
}

/// `len` bytes that do not repeat (xorshift).
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}
