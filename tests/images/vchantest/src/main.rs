//! vchantest: a vchan echo on real Xen, against dom0's `vchan-socket-proxy`. Serves one
//! connection after another, as the server (`vchan.role=server`: it publishes the vchan at
//! `vchan.path` for domain `vchan.peer` with ring orders `vchan.orders=L,R`) or as the
//! client (`vchan.role=client`: it connects to the server dom0 published at `vchan.path`).
//! Every byte read is written back.
//!
//! It reports under `data/vchantest/` of its home: `state` is `waiting N`, `connected N`,
//! `closed N bytes=B end=E close=C grants-before=G grants-now=H` (E: `eof`, `gone` or the
//! error; C: `ok` or the close's error) or `error N ...`; `conn/N` keeps connection N's
//! `closed` line; `orders` is the connection's ring orders. At `xl shutdown` it closes the
//! open vchan (the peer sees it) before it stops.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec;
use core::pin::pin;

use minios::abi::xen::DomId;
use minios::control::{self, race, PowerRequest, Raced, Request};
use minios::time::{self, Duration};
use minios::vchan::{Orders, Vchan, VchanError};
use minios::xenstore::{self, XsError};
use minios::{grant, println};

minios::main!(async main);

/// How long a client waits for dom0's server to publish its nodes.
const PUBLISH_LIMIT: Duration = Duration::from_secs(300);
/// Bytes buffered between reading and writing back.
const BUF: usize = 256 << 10;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Server,
    Client,
}

struct Config {
    role: Role,
    peer: DomId,
    path: String,
    orders: Orders,
}

fn config(cmdline: &str) -> Result<Config, String> {
    let arg = |key: &str| {
        cmdline
            .split_whitespace()
            .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
    };
    let role = match arg("vchan.role") {
        Some("server") | None => Role::Server,
        Some("client") => Role::Client,
        Some(other) => return Err(format!("vchan.role={other}: not server or client")),
    };
    let peer = arg("vchan.peer")
        .unwrap_or("0")
        .parse()
        .map_err(|_| String::from("vchan.peer is not a domain id"))?;
    let path = String::from(arg("vchan.path").unwrap_or("data/vchan"));
    let orders = match arg("vchan.orders") {
        None => Orders::SMALLEST,
        Some(v) => {
            let (l, r) = v
                .split_once(',')
                .ok_or_else(|| format!("vchan.orders={v}: not L,R"))?;
            let n = |s: &str| s.parse::<u16>().map_err(|_| format!("vchan.orders={v}"));
            Orders::new(n(l)?, n(r)?).map_err(|e| format!("{e}"))?
        }
    };
    Ok(Config {
        role,
        peer,
        path,
        orders,
    })
}

async fn set(key: &str, value: &str) {
    if let Err(e) = xenstore::client()
        .write(&format!("data/vchantest/{key}"), value)
        .await
    {
        println!("vchantest: xenstore write {key}: {e}");
    }
}

async fn main() {
    let mut request: Request = pin!(control::wait_for_request());
    let request = &mut request;
    let r = match config(minios::cmdline()) {
        Ok(cfg) => serve(&cfg, request).await,
        Err(e) => {
            println!("vchantest: bad configuration: {e}");
            set("state", &format!("error 0 {e}")).await;
            request.await
        }
    };
    match r {
        Ok(r) => control::shutdown(r).await,
        Err(e) => println!("vchantest: watching control/shutdown failed: {e}"),
    }
}

async fn open(cfg: &Config) -> Result<Vchan, VchanError> {
    match cfg.role {
        Role::Server => {
            let mut v = Vchan::server(cfg.peer, &cfg.path, cfg.orders).await?;
            set("orders", &format!("{}", v.orders())).await;
            v.accept().await?;
            Ok(v)
        }
        Role::Client => Vchan::client_within(cfg.peer, &cfg.path, PUBLISH_LIMIT).await,
    }
}

/// Serves connections until the toolstack asks us to stop.
async fn serve(cfg: &Config, request: &mut Request<'_>) -> Result<PowerRequest, XsError> {
    let mut n = 0;
    loop {
        n += 1;
        let grants_before = grant::refs_in_use().unwrap_or(0);
        set("state", &format!("waiting {n}")).await;
        let mut v = match race(open(cfg), request).await {
            Raced::Request(r) => return r,
            Raced::Done(Ok(v)) => v,
            Raced::Done(Err(e)) => {
                println!("vchantest: connection {n}: {e}");
                set("state", &format!("error {n} {e}")).await;
                if let Raced::Request(r) = race(time::sleep(Duration::from_secs(1)), request).await
                {
                    return r;
                }
                // The same connection's number again.
                n -= 1;
                continue;
            }
        };
        set("orders", &format!("{}", v.orders())).await;
        set("state", &format!("connected {n}")).await;
        println!("vchantest: connection {n} up, orders {}", v.orders());
        let (bytes, end, stop) = match race(echo(&mut v), request).await {
            Raced::Done((bytes, end)) => (bytes, end, None),
            Raced::Request(r) => (0, String::from("shutdown"), Some(r)),
        };
        let closed = v.close().await;
        let grants_now = grant::refs_in_use().unwrap_or(0);
        let line = format!(
            "closed {n} bytes={bytes} end={end} close={} grants-before={grants_before} \
             grants-now={grants_now}",
            match closed {
                Ok(()) => String::from("ok"),
                Err(e) => format!("\"{e}\""),
            }
        );
        println!("vchantest: {line}");
        // The state moves on to the next connection at once: each end stays in its node.
        set(&format!("conn/{n}"), &line).await;
        set("state", &line).await;
        if let Some(r) = stop {
            return r;
        }
    }
}

/// Echoes until the peer goes away; returns the bytes echoed and how it ended.
async fn echo(v: &mut Vchan) -> (u64, String) {
    let mut buf = vec![0u8; BUF];
    let (mut start, mut end) = (0, 0);
    let mut echoed = 0u64;
    let mut eof = false;
    loop {
        let mut progress = false;
        if !eof && end < buf.len() {
            match v.try_read(&mut buf[end..]) {
                Ok(n) => {
                    end += n;
                    progress |= n > 0;
                }
                Err(VchanError::Closed) => eof = true,
                Err(e) => return (echoed, format!("\"{e}\"")),
            }
        }
        if start < end {
            match v.try_write(&buf[start..end]) {
                Ok(n) => {
                    start += n;
                    echoed += n as u64;
                    progress |= n > 0;
                }
                Err(VchanError::Closed) => return (echoed, String::from("gone")),
                Err(e) => return (echoed, format!("\"{e}\"")),
            }
            if start == end {
                (start, end) = (0, 0);
            }
        }
        if eof && start == end {
            return (echoed, String::from("eof"));
        }
        if !progress {
            v.wait().await;
        }
    }
}
