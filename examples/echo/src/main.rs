//! echo: a sample stub domain serving TCP and UDP echo (RFC 862) on one vif.
//!
//! The command line (xl `extra=`) says how to address the vif, `dhcp` or
//! `ip=A.B.C.D/N[,GATEWAY]` (see `minios::net::Addressing`), and optionally `echo.port=N`
//! (default 7), `echo.conns=N` (TCP connections at once, default 8) and `echo.window=KIB`
//! (each connection's buffers, default 256), with `net.*` switches for netfront. For
//! example `extra="dhcp echo.port=7"` or `extra="ip=10.0.2.50/24,10.0.2.2 echo.port=7"`.
//!
//! When it is ready the console says `echo: serving tcp+udp port 7 on 10.0.2.50`; each TCP
//! connection's start and end is a line (with the bytes echoed). When the vif goes away
//! (`xl network-detach`) every socket gets the error, the console says so, and the domain
//! keeps running: it opens the next vif that appears (`xl network-attach`) and obeys
//! `xl shutdown` / `xl reboot` at any time, closing the vif with every grant ended. Its
//! xenstore nodes `data/echo/state` (what it does now) and `data/echo/ping` -> `pong`
//! (a liveness check) are described in `status.rs`. The server itself is the host-tested
//! `echo-core` crate.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

extern crate alloc;

mod serve;
mod status;

use alloc::format;
use core::pin::pin;

use echo_core::Config;
use minios::control::{self, race, PowerRequest, Raced, Request};
use minios::net::{Stack, StackError};
use minios::time::{Duration, Instant};
use minios::xenbus::DeviceStatus;
use minios::xenstore::{self, XsError};
use minios::{grant, println};

use serve::Served;

minios::main!(async main);

/// How long DHCP may take to give us an address.
const DHCP_LIMIT: Duration = Duration::from_secs(60);
/// The least time between two attempts to open a vif.
const RETRY_SPACING: Duration = Duration::from_secs(1);

async fn main() {
    let cmdline = minios::cmdline();
    let mut request: Request = pin!(control::wait_for_request());
    let request = &mut request;
    status::start().await;
    let cfg = match Config::from_cmdline(cmdline) {
        Ok(c) => Some(c),
        Err(e) => {
            println!("echo: not serving: {e}");
            status::set(&format!("bad-config error=\"{e}\"")).await;
            None
        }
    };
    let r = match cfg {
        Some(cfg) => run(cmdline, &cfg, request).await,
        None => request.await,
    };
    match r {
        Ok(r) => {
            println!("echo: exiting: the toolstack asked for {}", r.as_str());
            control::shutdown(r).await
        }
        Err(e) => println!("echo: exiting: watching control/shutdown failed: {e}"),
    }
}

/// Serves each vif in turn until the toolstack asks us to stop.
async fn run(
    cmdline: &str,
    cfg: &Config,
    request: &mut Request<'_>,
) -> Result<PowerRequest, XsError> {
    let xs = xenstore::client();
    let mut vifs = xs.watch("device/vif").await?;
    let mut last_try: Option<Instant> = None;
    loop {
        if let Some(t) = last_try {
            let next = t + RETRY_SPACING;
            if let Raced::Request(r) = race(minios::time::sleep_until(next), request).await {
                return r;
            }
        }
        last_try = Some(Instant::now());
        let grants_before = grant::refs_in_use().unwrap_or(0);
        let opened = match race(open_any(cmdline), request).await {
            Raced::Request(r) => return r,
            Raced::Done(o) => o,
        };
        match opened {
            Ok(mut stack) => match serve::serve(&mut stack, cfg, cmdline, request).await {
                Served::Request(r) => {
                    closed("closed", stack.net().close().await, grants_before, None).await;
                    return r;
                }
                Served::Gone(e) => {
                    println!("echo: the vif is gone ({e}); waiting for a new one or xl shutdown");
                    let st = stack.net().closed(Duration::from_secs(40)).await;
                    drop(stack);
                    closed("vif-gone", st, grants_before, Some(e)).await;
                }
            },
            Err(StackError::NoDevice) => {
                println!("echo: no vif yet; waiting for one (xl network-attach) or xl shutdown");
                status::set("no-vif").await;
            }
            Err(e) => {
                println!("echo: no network: {e}; waiting for a vif or xl shutdown");
                status::set(&format!("no-network error=\"{e}\"")).await;
            }
        }
        // Next try when the vifs change (our own frontend's writes count too: the changes
        // queued meanwhile are taken at once).
        if let Raced::Request(r) = race(vifs.next(), request).await {
            return r;
        }
        while minios::time::timeout(Duration::ZERO, vifs.next())
            .await
            .is_ok()
        {}
    }
}

/// Opens the first vif that works, newest first (a detached vif's directory may linger
/// while a newly attached one is ready).
async fn open_any(cmdline: &str) -> Result<Stack, StackError> {
    let devs = minios::xenbus::devices(xenstore::client(), "vif")
        .await
        .map_err(|e| StackError::Net(e.into()))?;
    let mut last = StackError::NoDevice;
    for (_, node) in devs.into_iter().rev() {
        match Stack::open_node(cmdline, node.clone(), DHCP_LIMIT).await {
            Ok(s) => return Ok(s),
            Err(e) => {
                println!("echo: {node}: {e}");
                last = e;
            }
        }
    }
    Err(last)
}

/// Reports how the vif closed (`what`: `closed` by us, or `vif-gone` with its `error`) and
/// the grants in use against those before it opened.
async fn closed(what: &str, st: DeviceStatus, grants_before: usize, error: Option<StackError>) {
    let now = grant::refs_in_use().unwrap_or(0);
    let how = match st {
        DeviceStatus::Closed {
            failed,
            stuck,
            handshake,
        } => format!("failed={failed} stuck={stuck} handshake={handshake}"),
        other => format!("not-closed={other:?}"),
    };
    let mut line = format!("{what} {how} grants-before={grants_before} grants-now={now}");
    if let Some(e) = error {
        line += &format!(" error=\"{e}\"");
    }
    println!("echo: vif {line}");
    status::set_vif_end(&line).await;
}
