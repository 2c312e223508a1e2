//! nettest: our netfront and smoltcp against dom0's netback. The command line is
//! `ip=A.B.C.D/N` (a static address), optionally `vifs=N` (use the first N vifs, the k-th at
//! the k-th address after A.B.C.D; default 1) and `net.*` switches (see
//! `minios::netfront::Overrides`). On each vif the guest answers ICMP echo (smoltcp) and
//! echoes UDP datagrams on port 7 until dom0 writes `data/nettest/dom0 = done` or a vif goes
//! away;
//! then it closes the vif (or waits for it to close, when its backend left) and writes
//! `closed by=us|backend failed=N stuck=N handshake=B grants-before=N grants-now=N` to
//! `data/nettest/state`. With the word `detach` it then waits for dom0's `ping` in
//! `data/nettest/dom0` and answers `alive` in `data/nettest/pong` (it still runs after
//! `xl network-detach`). Progress goes to `data/nettest/state` for dom0's script; dom0 checks
//! what it got back.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::future::{poll_fn, Future};
use core::task::Poll;

use minios::net::smol_now;
use minios::netfront::{Net, Overrides, XenNetDevice};
use minios::time::{self, Duration};
use minios::xenbus::DeviceStatus;
use minios::{control, grant, println, xenbus, xenstore};
use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::socket::udp;
use smoltcp::wire::{EthernetAddress, HardwareAddress, IpCidr, Ipv4Address, Ipv4Cidr};

minios::main!(async main);

async fn main() {
    let cmdline = minios::cmdline();
    let before = grant::refs_in_use().unwrap_or(0);
    println!("nettest: grants-before={before}");
    match run(cmdline, before).await {
        Ok(s) => println!("nettest: done {s}"),
        Err(e) => println!("nettest: FAILED {e}"),
    }
    let after = grant::refs_in_use().unwrap_or(0);
    println!("nettest: grants-after={after} (before {before})");
    set_state(&format!(
        "finished grants-before={before} grants-after={after}"
    ))
    .await;
    match control::wait_for_request().await {
        Ok(r) => control::shutdown(r).await,
        Err(e) => println!("nettest: FAILED control: {e}"),
    }
}

/// Tells dom0's script how far we got (`data/nettest/state`).
async fn set_state(state: &str) {
    if let Err(e) = xenstore::client().write("data/nettest/state", state).await {
        println!("nettest: FAILED writing state {state}: {e}");
    }
}

/// Waits (at most 120 s) until dom0's script writes `data/nettest/dom0` = `value`.
async fn wait_for_dom0(value: &str) -> Result<(), String> {
    let xs = xenstore::client();
    let mut watch = xs
        .watch("data/nettest/dom0")
        .await
        .map_err(|e| format!("watch: {e}"))?;
    let end = time::Instant::now() + Duration::from_secs(120);
    loop {
        if xs.read("data/nettest/dom0").await.ok().as_deref() == Some(value) {
            return Ok(());
        }
        let left = end.duration_since(time::Instant::now());
        if time::timeout(left, watch.next()).await.is_err() {
            return Err(format!("dom0 did not write {value} within 120 s"));
        }
    }
}

/// One vif with its interface and UDP echo socket.
struct Vif {
    node: String,
    net: Net,
    dev: XenNetDevice,
    iface: Interface,
    sockets: SocketSet<'static>,
    echo: SocketHandle,
    datagrams: u64,
    bytes: u64,
}

impl Vif {
    /// Opens the vif at `node` with address `ip` and binds its UDP echo.
    async fn open(node: String, ip: Ipv4Cidr, o: &Overrides) -> Result<Vif, String> {
        let net = Net::open(&node, o)
            .await
            .map_err(|e| format!("open {node}: {e}"))?;
        let f = *net.features();
        println!(
            "nettest: features node={node} ip={ip} mtu={} sg={} gso={} csum={} queues={} \
             split={} mac={:02x?}",
            f.mtu,
            u8::from(f.sg),
            u8::from(f.gso_tcpv4),
            u8::from(f.csum),
            f.queues,
            u8::from(f.split_events),
            f.mac
        );
        let mut dev = net.device();
        let hw = HardwareAddress::Ethernet(EthernetAddress(f.mac));
        let mut iface = Interface::new(Config::new(hw), &mut dev, smol_now());
        iface.update_ip_addrs(|a| {
            let _ = a.push(IpCidr::Ipv4(ip));
        });
        let buf = || udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 64], vec![0; 65536]);
        let mut sockets = SocketSet::new(vec![]);
        let echo = sockets.add(udp::Socket::new(buf(), buf()));
        sockets
            .get_mut::<udp::Socket>(echo)
            .bind(7)
            .map_err(|e| format!("bind: {e}"))?;
        Ok(Vif {
            node,
            net,
            dev,
            iface,
            sockets,
            echo,
            datagrams: 0,
            bytes: 0,
        })
    }

    /// Moves packets and echoes what came; false once the vif is no longer connected.
    fn service(&mut self, scratch: &mut [u8]) -> bool {
        self.iface
            .poll(smol_now(), &mut self.dev, &mut self.sockets);
        let s = self.sockets.get_mut::<udp::Socket>(self.echo);
        while s.can_recv() && s.can_send() {
            let Ok((n, meta)) = s.recv_slice(scratch) else {
                break;
            };
            self.datagrams += 1;
            self.bytes += n as u64;
            if s.send_slice(&scratch[..n], meta.endpoint).is_err() {
                break;
            }
        }
        self.iface
            .poll(smol_now(), &mut self.dev, &mut self.sockets);
        self.net.status() == DeviceStatus::Connected
    }

    /// How long smoltcp may wait (at most 50 ms).
    fn delay(&mut self) -> Duration {
        let max = Duration::from_millis(50);
        self.iface
            .poll_delay(smol_now(), &self.sockets)
            .map_or(max, |d| Duration::from_micros(d.total_micros()).min(max))
    }

    /// Prints its counters, closes it (or waits for its backend to finish closing) and says
    /// who closed it and how.
    async fn close(self) -> Result<(&'static str, usize, usize, bool), String> {
        let stats = self.net.stats();
        let rx: u64 = stats.iter().map(|q| q.rx.packets).sum();
        let tx: u64 = stats.iter().map(|q| q.tx.packets).sum();
        let bad: u64 = stats
            .iter()
            .map(|q| q.rx.bad_id + q.rx.bad_slot + q.rx.too_long + q.tx.bad_id + q.tx.bad_status)
            .sum();
        println!(
            "nettest: {}: echoed datagrams={} bytes={} rx-packets={rx} tx-packets={tx} \
             protocol-errors={bad} csum-completed={}",
            self.node,
            self.datagrams,
            self.bytes,
            stats.iter().map(|q| q.rx.csum_completed).sum::<u64>()
        );
        let start = time::Instant::now();
        let (by, st) = match self.net.status() {
            DeviceStatus::Connected => ("us", self.net.close().await),
            _ => ("backend", self.net.closed(Duration::from_secs(40)).await),
        };
        println!(
            "nettest: {}: close took {} ms after the loop saw it",
            self.node,
            start.elapsed().as_millis()
        );
        match st {
            DeviceStatus::Closed {
                failed,
                stuck,
                handshake,
            } => Ok((by, failed, stuck, handshake)),
            _ => Err(format!("{} not closed: {st:?}", self.node)),
        }
    }
}

/// Waits until any vif signals or `d` passed.
async fn wait_any(vifs: &[Vif], d: Duration) {
    let mut waits: Vec<_> = vifs.iter().map(|v| Box::pin(v.net.wait(d))).collect();
    poll_fn(|cx| {
        if waits.iter_mut().any(|w| w.as_mut().poll(cx).is_ready()) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await
}

async fn run(cmdline: &str, grants_before: usize) -> Result<String, String> {
    let word = |k: &str| {
        cmdline
            .split_whitespace()
            .find_map(|w| w.strip_prefix(k).and_then(|v| v.strip_prefix('=')))
    };
    let detach = cmdline.split_whitespace().any(|w| w == "detach");
    let o = Overrides::parse(cmdline).map_err(|e| format!("{e}"))?;
    let ip: Ipv4Cidr = word("ip")
        .ok_or("no ip=A.B.C.D/N on the command line")?
        .parse()
        .map_err(|_| "ip= is not an IPv4 address/prefix")?;
    let count: usize = word("vifs")
        .unwrap_or("1")
        .parse()
        .map_err(|_| "vifs= is not a number")?;
    let xs = xenstore::client();
    // Created by us, so that dom0's later writes keep our permissions.
    xs.write("data/nettest/dom0", "")
        .await
        .map_err(|e| format!("data/nettest/dom0: {e}"))?;
    let devs = xenbus::devices(xs, "vif")
        .await
        .map_err(|e| format!("{e}"))?;
    if devs.len() < count {
        return Err(format!("{} vif(s), want {count}", devs.len()));
    }
    let mut vifs = Vec::new();
    for (k, (_, node)) in devs.into_iter().take(count).enumerate() {
        // vif k answers at the k-th address after ip=.
        let [a, b, c, d] = ip.address().octets();
        let addr = Ipv4Address::new(a, b, c, d.wrapping_add(k as u8));
        vifs.push(Vif::open(node, Ipv4Cidr::new(addr, ip.prefix_len()), &o).await?);
    }
    set_state("ready").await;
    let mut scratch = vec![0u8; 65536];
    let mut last_check = time::Instant::now();
    loop {
        let mut connected = true;
        for v in &mut vifs {
            connected &= v.service(&mut scratch);
        }
        if !connected {
            break;
        }
        if time::Instant::now().duration_since(last_check) > Duration::from_millis(200) {
            last_check = time::Instant::now();
            if xs
                .read("data/nettest/dom0")
                .await
                .is_ok_and(|v| v == "done")
            {
                break;
            }
        }
        let delay = vifs.iter_mut().map(Vif::delay).min().unwrap_or_default();
        wait_any(&vifs, delay).await;
    }
    let (mut by, mut failed, mut stuck, mut handshake) = ("us", 0, 0, true);
    for v in vifs {
        let (b, f, s, h) = v.close().await?;
        if b == "backend" {
            by = b;
        }
        (failed, stuck, handshake) = (failed + f, stuck + s, handshake && h);
    }
    let now = grant::refs_in_use().unwrap_or(0);
    let closed = format!(
        "closed by={by} failed={failed} stuck={stuck} handshake={handshake} \
         grants-before={grants_before} grants-now={now}"
    );
    println!("nettest: {closed}");
    set_state(&closed).await;
    if detach {
        wait_for_dom0("ping").await?;
        // A node of its own: `state` moves on to `finished` before dom0 may look.
        xs.write("data/nettest/pong", "alive")
            .await
            .map_err(|e| format!("writing pong: {e}"))?;
    }
    Ok(closed)
}
