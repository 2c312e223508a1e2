//! nettest: our netfront and smoltcp against dom0's netback. The command line is
//! `ip=A.B.C.D/N` (a static address) and optional `net.*` switches (see
//! `minios::netfront::Overrides`). The guest answers ICMP echo (smoltcp) and echoes UDP
//! datagrams on port 7 until dom0 writes `data/nettest/dom0 = done` or the vif goes away;
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

use alloc::format;
use alloc::string::String;
use alloc::vec;
use minios::net::smol_now;
use minios::netfront::{Net, Overrides};
use minios::time::{self, Duration};
use minios::xenbus::DeviceStatus;
use minios::{control, grant, println, xenbus, xenstore};
use smoltcp::iface::{Config, Interface, SocketSet};
use smoltcp::socket::udp;
use smoltcp::wire::{EthernetAddress, HardwareAddress, IpCidr};

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

async fn run(cmdline: &str, grants_before: usize) -> Result<String, String> {
    let detach = cmdline.split_whitespace().any(|w| w == "detach");
    let o = Overrides::parse(cmdline).map_err(|e| format!("{e}"))?;
    let ip: IpCidr = cmdline
        .split_whitespace()
        .find_map(|w| w.strip_prefix("ip="))
        .ok_or("no ip=A.B.C.D/N on the command line")?
        .parse()
        .map_err(|_| "ip= is not an address/prefix")?;
    let xs = xenstore::client();
    // Created by us, so that dom0's later writes keep our permissions.
    xs.write("data/nettest/dom0", "")
        .await
        .map_err(|e| format!("data/nettest/dom0: {e}"))?;
    let devs = xenbus::devices(xs, "vif")
        .await
        .map_err(|e| format!("{e}"))?;
    let (_, node) = devs.into_iter().next().ok_or("no vif")?;
    let net = Net::open(&node, &o)
        .await
        .map_err(|e| format!("open {node}: {e}"))?;
    let f = *net.features();
    println!(
        "nettest: features node={node} mtu={} sg={} gso={} csum={} queues={} split={} \
         mac={:02x?}",
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
        let _ = a.push(ip);
    });
    let buf = || udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 64], vec![0; 65536]);
    let mut sockets = SocketSet::new(vec![]);
    let echo = sockets.add(udp::Socket::new(buf(), buf()));
    sockets
        .get_mut::<udp::Socket>(echo)
        .bind(7)
        .map_err(|e| format!("bind: {e}"))?;
    set_state("ready").await;
    let (mut datagrams, mut bytes) = (0u64, 0u64);
    let mut scratch = vec![0u8; 65536];
    let mut last_check = time::Instant::now();
    loop {
        iface.poll(smol_now(), &mut dev, &mut sockets);
        let s = sockets.get_mut::<udp::Socket>(echo);
        while s.can_recv() && s.can_send() {
            let Ok((n, meta)) = s.recv_slice(&mut scratch) else {
                break;
            };
            datagrams += 1;
            bytes += n as u64;
            if s.send_slice(&scratch[..n], meta.endpoint).is_err() {
                break;
            }
        }
        iface.poll(smol_now(), &mut dev, &mut sockets);
        if net.status() != DeviceStatus::Connected {
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
        let delay = iface
            .poll_delay(smol_now(), &sockets)
            .map_or(Duration::from_millis(50), |d| {
                Duration::from_micros(d.total_micros()).min(Duration::from_millis(50))
            });
        net.wait(delay).await;
    }
    let stats = net.stats();
    let rx: u64 = stats.iter().map(|q| q.rx.packets).sum();
    let tx: u64 = stats.iter().map(|q| q.tx.packets).sum();
    let bad: u64 = stats
        .iter()
        .map(|q| q.rx.bad_id + q.rx.bad_slot + q.rx.too_long + q.tx.bad_id + q.tx.bad_status)
        .sum();
    println!(
        "nettest: echoed datagrams={datagrams} bytes={bytes} rx-packets={rx} tx-packets={tx} \
         protocol-errors={bad} csum-completed={}",
        stats.iter().map(|q| q.rx.csum_completed).sum::<u64>()
    );
    let start = time::Instant::now();
    let (by, st) = match net.status() {
        DeviceStatus::Connected => ("us", net.close().await),
        _ => ("backend", net.closed(Duration::from_secs(40)).await),
    };
    println!(
        "nettest: close took {} ms after the loop saw it",
        start.elapsed().as_millis()
    );
    let DeviceStatus::Closed {
        failed,
        stuck,
        handshake,
    } = st
    else {
        return Err(format!("not closed: {st:?}"));
    };
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
