//! tftptest: DHCP (or a static address) and TFTP reads over our netfront, against dom0's
//! servers. The command line says `dhcp` or `ip=A.B.C.D/N[,gw]` (and optionally
//! `dhcp-limit=SECONDS`, default 30), then lists files as words
//! `get=SERVER-IP:PATH[:blksize=N][:windowsize=N][:timeout=S][:tries=N][:plain]`. Each file
//! streams into a sha256 and is not kept. Everything dom0 checks is under `data/tftptest/`:
//! `lease/*` (the DHCP lease's fields, empty when absent), for the n-th file `n/state`
//! (`running`, then `done`) and `n/{size,sha256,ms,blocks,negotiated}` or `n/error`, and
//! `state` (`finished` last, with how the vif closed). With the word `hold=SECONDS` the
//! guest then keeps the vif up and the DHCP lease renewed (or lets it lapse) until dom0 writes
//! `data/tftptest/dom0 = done` or SECONDS pass, answering pings; `lease/address` follows
//! the lease (empty once lost). When dom0 has written `data/tftptest/dom0 = done` (or after
//! 60 s) the guest powers off.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::format;
use alloc::string::{String, ToString};
use core::net::Ipv4Addr;

use minios::net::{Lease, Stack};
use minios::tftp::{self, Options};
use minios::time::{Duration, Instant};
use minios::xenbus::DeviceStatus;
use minios::{println, xenstore};
use sha2::{Digest, Sha256};

minios::main!(async main);

async fn main() {
    let cmdline = minios::cmdline();
    let state = match run(cmdline).await {
        Ok(s) => {
            println!("tftptest: done {s}");
            format!("finished {s}")
        }
        Err(e) => {
            println!("tftptest: FAILED {e}");
            format!("finished error: {e}")
        }
    };
    put("state", &state).await;
    // dom0 reads our nodes before they go with the domain: wait (bounded) for its word.
    let end = Instant::now() + Duration::from_secs(60);
    while Instant::now() < end {
        let v = xenstore::client().read("data/tftptest/dom0").await;
        if v.is_ok_and(|v| v == "done") {
            break;
        }
        minios::time::sleep(Duration::from_millis(100)).await;
    }
    minios::poweroff();
}

async fn put(key: &str, value: &str) {
    if let Err(e) = xenstore::client()
        .write(&format!("data/tftptest/{key}"), value)
        .await
    {
        println!("tftptest: FAILED xenstore write {key}: {e}");
    }
}

/// A `get=` word: the server, the path and the options.
fn parse_get(spec: &str) -> Result<(Ipv4Addr, &str, Options), String> {
    let bad = |why: &str| format!("get={spec}: {why}");
    let mut parts = spec.split(':');
    let server = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no server address"))?;
    let path = parts
        .next()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| bad("no path"))?;
    let mut o = Options::default();
    for p in parts {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        let n = || v.parse::<u16>().map_err(|_| bad("bad number"));
        match k {
            "plain" => o = Options::plain(o.max_size),
            "blksize" => o.blksize = n()?,
            "windowsize" => o.windowsize = n()?,
            "timeout" => o.timeout_s = Some(u8::try_from(n()?).map_err(|_| bad("timeout"))?),
            "tries" => o.tries = u8::try_from(n()?).map_err(|_| bad("tries"))?,
            _ => return Err(bad("unknown option")),
        }
    }
    Ok((server, path, o))
}

async fn put_lease(l: &Lease) {
    let ip = |a: Option<Ipv4Addr>| a.map(|a| a.to_string()).unwrap_or_default();
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let dns: String = l.dns_servers.iter().map(|a| format!("{a} ")).collect();
    let fields = [
        ("address", l.address.to_string()),
        ("router", ip(l.router)),
        ("dns", String::from(dns.trim_end())),
        ("server", l.server.to_string()),
        ("next-server", ip(l.next_server)),
        ("tftp-server", s(&l.tftp_server)),
        ("boot-file", s(&l.boot_file)),
        ("config-file", s(&l.config_file)),
        (
            "lease-s",
            l.lease_time
                .map(|d| d.as_secs().to_string())
                .unwrap_or_default(),
        ),
    ];
    for (k, v) in &fields {
        println!("tftptest: lease {k}={v}");
        put(&format!("lease/{k}"), v).await;
    }
}

/// The number of seconds of the word `key` (such as `hold=`), if given.
fn word_number(cmdline: &str, key: &str) -> Result<Option<u64>, String> {
    cmdline
        .split_ascii_whitespace()
        .find_map(|w| w.strip_prefix(key))
        .map(str::parse)
        .transpose()
        .map_err(|_| format!("{key} is not a number of seconds"))
}

/// Keeps the stack polled (DHCP renewals, pings) until dom0 says done or `limit` passes;
/// `lease/address` follows the lease.
async fn hold(stack: &mut Stack, limit: Duration) -> Result<(), String> {
    let end = Instant::now() + limit;
    let mut shown = stack.lease().map(|l| l.address);
    let mut ask = Instant::now();
    println!("tftptest: holding the vif up to {} s", limit.as_secs());
    while Instant::now() < end {
        stack.poll();
        stack.check().map_err(|e| e.to_string())?;
        let now = stack.lease().map(|l| l.address);
        if now != shown {
            shown = now;
            let a = now.map(|a| a.to_string()).unwrap_or_default();
            println!("tftptest: lease address now {a:?}");
            put("lease/address", &a).await;
        }
        if Instant::now() >= ask {
            let v = xenstore::client().read("data/tftptest/dom0").await;
            if v.is_ok_and(|v| v == "done") {
                return Ok(());
            }
            ask = Instant::now() + Duration::from_millis(500);
        }
        stack.wait(Duration::from_millis(500)).await;
    }
    println!("tftptest: held {} s without dom0's word", limit.as_secs());
    Ok(())
}

async fn run(cmdline: &str) -> Result<String, String> {
    let limit = word_number(cmdline, "dhcp-limit=")?.unwrap_or(30);
    // Created by us, so that dom0's later write keeps our permissions.
    xenstore::client()
        .write("data/tftptest/dom0", "")
        .await
        .map_err(|e| format!("data/tftptest/dom0: {e}"))?;
    let t0 = Instant::now();
    let mut stack = Stack::open(cmdline, Duration::from_secs(limit))
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "tftptest: network up in {} ms",
        Instant::now().duration_since(t0).as_millis()
    );
    if let Some(l) = stack.lease().cloned() {
        put_lease(&l).await;
    }
    let gets = cmdline
        .split_ascii_whitespace()
        .filter_map(|w| w.strip_prefix("get="));
    for (n, spec) in gets.enumerate() {
        put(&format!("{n}/state"), "running").await;
        let (server, path, opts) = parse_get(spec)?;
        let mut hash = Sha256::new();
        let start = Instant::now();
        let mut got = 0u64;
        let r = tftp::fetch(&mut stack, server, path, opts, &mut |d| {
            hash.update(d);
            let before = got;
            got += d.len() as u64;
            if got >> 22 != before >> 22 {
                let ms = Instant::now().duration_since(start).as_millis();
                println!("tftptest: get {n}: {} MiB after {ms} ms", got >> 20);
            }
            Ok(())
        })
        .await;
        let q = stack.net().stats();
        println!(
            "tftptest: vif rx-packets={} tx-packets={} tx-dropped={} kicks={}",
            q.iter().map(|q| q.rx.packets).sum::<u64>(),
            q.iter().map(|q| q.tx.packets).sum::<u64>(),
            q.iter().map(|q| q.tx_dropped).sum::<u64>(),
            q.iter().map(|q| q.kicks).sum::<u64>()
        );
        let ms = Instant::now().duration_since(start).as_millis();
        put(&format!("{n}/ms"), &ms.to_string()).await;
        match r {
            Ok(f) => {
                let digest: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
                let neg = f.negotiated;
                let tsize = neg.tsize.map_or(String::from("none"), |t| t.to_string());
                let neg = format!(
                    "blksize={} windowsize={} tsize={tsize}",
                    neg.blksize, neg.windowsize
                );
                let kib_s = f.size * 1000 / 1024 / (ms as u64).max(1);
                println!(
                    "tftptest: get {n} {spec}: size={} blocks={} ms={ms} ({kib_s} KiB/s) \
                     negotiated {neg} sha256={digest}",
                    f.size, f.blocks
                );
                put(&format!("{n}/size"), &f.size.to_string()).await;
                put(&format!("{n}/blocks"), &f.blocks.to_string()).await;
                put(&format!("{n}/negotiated"), &neg).await;
                put(&format!("{n}/sha256"), &digest).await;
            }
            Err(e) => {
                println!("tftptest: get {n} {spec}: error after {ms} ms: {e}");
                put(&format!("{n}/error"), &e.to_string()).await;
            }
        }
        put(&format!("{n}/state"), "done").await;
    }
    if let Some(secs) = word_number(cmdline, "hold=")? {
        hold(&mut stack, Duration::from_secs(secs)).await?;
    }
    let st = stack.net().close().await;
    Ok(match st {
        DeviceStatus::Closed {
            failed,
            stuck,
            handshake,
        } => format!("closed failed={failed} stuck={stuck} handshake={handshake}"),
        other => format!("not closed: {other:?}"),
    })
}
