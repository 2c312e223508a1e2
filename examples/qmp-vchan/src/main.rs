//! qmp-vchan: a stub domain that serves QMP (`stubdom_ioemu::qmp`) over a vchan, the way a
//! Linux-style device model offers it to libxl. It publishes the vchan for dom0 at
//! `vchan.path` (default `data/qmp-vchan` of its home) and serves one client after another;
//! in dom0, `vchan-socket-proxy -m client DOMID /local/domain/DOMID/data/qmp-vchan SOCK`
//! turns it into a Unix socket any QMP client can use.
//!
//! Each connection gets the greeting and answers to `qmp_capabilities`, `query-status`,
//! `query-version` and `query-commands`. `data/qmp/state` says `waiting N`, `connected N` or
//! `closed N replies=R`; `data/qmp/conn/N` keeps connection N's `closed` line. At
//! `xl shutdown` it closes the open vchan first.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use core::future::{poll_fn, Future};
use core::pin::pin;
use core::task::Poll;

use minios::control::{self, PowerRequest};
use minios::vchan::{Orders, Vchan, VchanError};
use minios::xenstore::{self, XsError};
use minios::{println, time};
use stubdom_ioemu::qmp::{RunState, Session, Version};

minios::main!(async main);

async fn set(value: &str) {
    if let Err(e) = xenstore::client().write("data/qmp/state", value).await {
        println!("qmp: xenstore write: {e}");
    }
}

fn path() -> String {
    let arg = minios::cmdline()
        .split_whitespace()
        .find_map(|w| w.strip_prefix("vchan.path="));
    String::from(arg.unwrap_or("data/qmp-vchan"))
}

async fn main() {
    let path = path();
    let mut request = pin!(control::wait_for_request());
    let mut n = 0;
    let r: Result<PowerRequest, XsError> = loop {
        n += 1;
        set(&format!("waiting {n}")).await;
        let mut work = pin!(connection(&path, n));
        let ended = poll_fn(|cx| {
            if let Poll::Ready(r) = request.as_mut().poll(cx) {
                return Poll::Ready(Err(r));
            }
            work.as_mut().poll(cx).map(Ok)
        })
        .await;
        match ended {
            Ok(Ok(line)) => {
                // The state moves on at once: each connection's end stays in its own node.
                if let Err(e) = xenstore::client()
                    .write(&format!("data/qmp/conn/{n}"), &line)
                    .await
                {
                    println!("qmp: xenstore write: {e}");
                }
                set(&line).await
            }
            Ok(Err(e)) => {
                println!("qmp: connection {n}: {e}");
                set(&format!("error {n} {e}")).await;
                time::sleep(time::Duration::from_secs(1)).await;
            }
            Err(r) => break r,
        }
    };
    match r {
        Ok(r) => control::shutdown(r).await,
        Err(e) => println!("qmp: watching control/shutdown failed: {e}"),
    }
}

/// Serves one QMP client; returns the state line of its end.
async fn connection(path: &str, n: u32) -> Result<String, VchanError> {
    let mut v = Vchan::server(0, path, Orders::SMALLEST).await?;
    v.accept().await?;
    set(&format!("connected {n}")).await;
    println!("qmp: client {n} connected");
    let version = Version {
        numbers: (0, 1, 0),
        package: String::from("minios qmp-vchan example"),
    };
    let mut session = Session::new(version, RunState::Running);
    let mut buf = [0u8; 4096];
    let mut replies = 0u64;
    let mut eof = false;
    while !eof || !session.output().is_empty() {
        let mut progress = false;
        if !session.output().is_empty() {
            match v.try_write(session.output()) {
                Ok(k) => {
                    replies += session.output()[..k]
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count() as u64;
                    session.consume(k);
                    progress |= k > 0;
                }
                Err(VchanError::Closed) => break,
                Err(e) => return Err(e),
            }
        }
        if !eof {
            match v.try_read(&mut buf) {
                Ok(k) => {
                    session.input(&buf[..k]);
                    progress |= k > 0;
                }
                Err(VchanError::Closed) => eof = true,
                Err(e) => return Err(e),
            }
        }
        if !progress && !eof {
            v.wait().await;
        }
    }
    // The greeting is a reply too.
    let line = format!("closed {n} replies={}", replies.saturating_sub(1));
    println!("qmp: {line}");
    v.close().await?;
    Ok(line)
}
