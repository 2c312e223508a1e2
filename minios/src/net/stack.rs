//! The stack on Xen: one vif, its smoltcp `Interface` and sockets, addressed statically or
//! by DHCP; the DHCP socket stays in the set, so every [`Stack::poll`] keeps the lease
//! renewed (or drops the address when it expires).

use alloc::string::String;
use alloc::vec;

use smoltcp::iface::{Config, Interface, PollResult, SocketHandle, SocketSet};
use smoltcp::socket::dhcpv4::{self, Event, RetryConfig};
use smoltcp::socket::AnySocket;
use smoltcp::wire::{EthernetAddress, HardwareAddress, IpCidr};

use super::{Addressing, Lease, StackError, StaticConfig};
use crate::netfront::{Net, Overrides, XenNetDevice};
use crate::time::{self, Duration, Instant};
use crate::xenbus::DeviceStatus;
use crate::{xenbus, xenstore};

/// The options asked for: subnet, router, DNS, lease and renewal times, server id, TFTP
/// server, boot file, GRUB's config file.
const REQUESTED: &[u8] = &[1, 3, 6, 51, 54, 58, 59, 66, 67, 150];
/// The receive buffer for the server's packets (a DHCP packet fits one Ethernet frame).
const DHCP_PACKET: usize = 1536;
/// The first ephemeral UDP port (RFC 6335).
const EPHEMERAL: u16 = 49152;

/// The longest wait for the backend to make tx room before the stack polls again anyway.
const TX_FULL_WAIT: Duration = Duration::from_millis(10);

/// Now, on smoltcp's clock (for sockets' own calls that take the time).
pub fn smol_now() -> smoltcp::time::Instant {
    smoltcp::time::Instant::from_micros((Instant::now().as_nanos() / 1000) as i64)
}

/// An IPv4 stack over one vif.
pub struct Stack {
    net: Net,
    node: String,
    dev: XenNetDevice,
    iface: Interface,
    sockets: SocketSet<'static>,
    dhcp: Option<SocketHandle>,
    lease: Option<Lease>,
    next_port: u16,
}

impl Stack {
    /// Opens the first vif (the lowest device id) with the command line's `net.*` switches
    /// and addresses it as its `dhcp` or `ip=` word says, waiting at most `dhcp_limit` for a
    /// lease.
    pub async fn open(cmdline: &str, dhcp_limit: Duration) -> Result<Stack, StackError> {
        let devs = xenbus::devices(xenstore::client(), "vif")
            .await
            .map_err(|e| StackError::Net(e.into()))?;
        let (_, node) = devs.into_iter().next().ok_or(StackError::NoDevice)?;
        Self::open_node(cmdline, node, dhcp_limit).await
    }

    /// As [`Stack::open`], the vif at xenstore `node` (`device/vif/N`).
    pub async fn open_node(
        cmdline: &str,
        node: String,
        dhcp_limit: Duration,
    ) -> Result<Stack, StackError> {
        let addressing = Addressing::from_cmdline(cmdline)?.ok_or(StackError::NoAddressing)?;
        let o = Overrides::parse(cmdline).map_err(StackError::Switch)?;
        let net = Net::open(&node, &o).await?;
        let mut stack = Stack::new(net, node);
        match addressing {
            Addressing::Static(s) => stack.set_static(&s),
            Addressing::Dhcp => {
                if let Err(e) = stack.dhcp(dhcp_limit).await {
                    // Nobody will use the vif: give its grants back.
                    stack.net.close().await;
                    return Err(e);
                }
            }
        }
        Ok(stack)
    }

    /// A stack without an address over the open vif `net` (at xenstore `node`).
    pub fn new(net: Net, node: String) -> Stack {
        let mut dev = net.device();
        let mac = net.features().mac;
        let mut config = Config::new(HardwareAddress::Ethernet(EthernetAddress(mac)));
        // No entropy source: the clock and our MAC (DHCP transaction ids, TCP sequence).
        let seed = mac.iter().fold(Instant::now().as_nanos(), |s, &b| {
            s.rotate_left(8) ^ u64::from(b)
        }) ^ time::wall_clock().as_nanos() as u64;
        config.random_seed = seed;
        let iface = Interface::new(config, &mut dev, smol_now());
        Stack {
            net,
            node,
            dev,
            iface,
            sockets: SocketSet::new(vec![]),
            dhcp: None,
            lease: None,
            next_port: EPHEMERAL + (seed % 16384) as u16,
        }
    }

    /// Uses a static address (and default route).
    pub fn set_static(&mut self, s: &StaticConfig) {
        self.set_address(Some(s.address), s.gateway);
    }

    fn set_address(
        &mut self,
        address: Option<smoltcp::wire::Ipv4Cidr>,
        gw: Option<smoltcp::wire::Ipv4Address>,
    ) {
        self.iface.update_ip_addrs(|a| {
            a.clear();
            if let Some(c) = address {
                let _ = a.push(IpCidr::Ipv4(c));
            }
        });
        let routes = self.iface.routes_mut();
        match gw {
            Some(g) => {
                let _ = routes.add_default_ipv4_route(g);
            }
            None => {
                routes.remove_default_ipv4_route();
            }
        }
    }

    /// Asks for a lease by DHCP and waits for it at most `limit`; the DHCP socket stays to
    /// renew it.
    pub async fn dhcp(&mut self, limit: Duration) -> Result<Lease, StackError> {
        if self.dhcp.is_none() {
            let mut s = dhcpv4::Socket::new();
            s.set_parameter_request_list(REQUESTED);
            s.set_receive_packet_buffer(vec![0; DHCP_PACKET].leak());
            let mut retry = RetryConfig::default();
            retry.discover_timeout = smoltcp::time::Duration::from_secs(3);
            retry.initial_request_timeout = smoltcp::time::Duration::from_secs(2);
            s.set_retry_config(retry);
            self.dhcp = Some(self.sockets.add(s));
        }
        let end = Instant::now() + limit;
        loop {
            self.poll();
            self.check()?;
            if let Some(l) = &self.lease {
                return Ok(l.clone());
            }
            let now = Instant::now();
            if now >= end {
                return Err(StackError::NoLease {
                    node: self.node.clone(),
                    secs: limit.as_secs(),
                });
            }
            self.wait(end.duration_since(now)).await;
        }
    }

    /// The current lease, if DHCP gave one (and it has not expired).
    pub fn lease(&self) -> Option<&Lease> {
        self.lease.as_ref()
    }

    /// The vif.
    pub fn net(&self) -> &Net {
        &self.net
    }

    /// The vif's xenstore node (`device/vif/0`).
    pub fn node(&self) -> &str {
        &self.node
    }

    /// Whether the vif still works.
    pub fn check(&self) -> Result<(), StackError> {
        if let Some(e) = self.dev.broken() {
            return Err(StackError::Net(e));
        }
        match self.net.status() {
            DeviceStatus::Connected => Ok(()),
            _ => Err(StackError::Gone),
        }
    }

    /// Moves packets between the vif and the sockets and follows the DHCP socket; true when
    /// a socket's state may have changed.
    pub fn poll(&mut self) -> bool {
        let r = self
            .iface
            .poll(smol_now(), &mut self.dev, &mut self.sockets);
        self.follow_dhcp();
        r == PollResult::SocketStateChanged
    }

    fn follow_dhcp(&mut self) {
        let Some(h) = self.dhcp else { return };
        let change = match self.sockets.get_mut::<dhcpv4::Socket>(h).poll() {
            None => return,
            Some(Event::Configured(c)) => {
                let packet = c.packet.map(|p| p.into_inner()).unwrap_or_default();
                Some(Lease::new(
                    c.address,
                    c.router,
                    &c.dns_servers,
                    c.server.identifier,
                    packet,
                ))
            }
            Some(Event::Deconfigured) => None,
        };
        match change {
            Some(l) => {
                if self
                    .lease
                    .as_ref()
                    .is_none_or(|old| old.address != l.address)
                {
                    log::info!(
                        "net: {}: DHCP lease {} from {}",
                        self.node,
                        l.address,
                        l.server
                    );
                }
                self.set_address(Some(l.address), l.router);
                self.lease = Some(l);
            }
            None if self.lease.is_some() => {
                log::warn!("net: {}: the DHCP lease was lost; no address", self.node);
                self.set_address(None, None);
                self.lease = None;
            }
            None => {}
        }
    }

    /// Waits until the vif signals, smoltcp's next timer (ARP, DHCP, TCP), or `max`,
    /// whichever is first. When the last poll had frames to send and the tx ring was full,
    /// smoltcp's timer says "now"; then it waits for the backend's tx responses instead (at
    /// most [`TX_FULL_WAIT`]), rather than polling in a loop.
    pub async fn wait(&mut self, max: Duration) {
        let d = if self.dev.take_tx_refused() {
            TX_FULL_WAIT.min(max)
        } else {
            self.iface
                .poll_delay(smol_now(), &self.sockets)
                .map_or(max, |d| Duration::from_micros(d.total_micros()).min(max))
        };
        self.net.wait(d).await;
    }

    /// Adds a socket.
    pub fn add<T: AnySocket<'static>>(&mut self, socket: T) -> SocketHandle {
        self.sockets.add(socket)
    }

    /// Removes a socket.
    pub fn remove(&mut self, h: SocketHandle) {
        self.sockets.remove(h);
    }

    /// A socket.
    pub fn socket<T: AnySocket<'static>>(&mut self, h: SocketHandle) -> &mut T {
        self.sockets.get_mut::<T>(h)
    }

    /// A local port for a client socket: the next in the ephemeral range.
    pub fn ephemeral_port(&mut self) -> u16 {
        let p = self.next_port;
        self.next_port = if p == u16::MAX { EPHEMERAL } else { p + 1 };
        p
    }
}
