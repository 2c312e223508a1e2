//! Serving one vif: the echo server's sockets on the stack, polled until the vif goes away
//! or the toolstack asks us to stop; each connection's start and end on the console.

use alloc::format;
use alloc::string::String;

use echo_core::{Config, Echo, End, Event, Sockets};
use minios::control::{race, PowerRequest, Raced, Request};
use minios::net::{smol_now, Addressing, Stack, StackError};
use minios::netfront::queue::QueueStats;
use minios::println;
use minios::time::Duration;
use minios::xenstore::XsError;
use smoltcp::iface::SocketHandle;
use smoltcp::socket::AnySocket;

use crate::status;

/// The longest wait for the vif or smoltcp's next timer (the toolstack's request ends any
/// wait at once).
const IDLE: Duration = Duration::from_secs(1);

/// Why serving a vif ended.
pub enum Served {
    /// The toolstack asked us to stop (or watching for its request failed).
    Request(Result<PowerRequest, XsError>),
    /// The vif went away, or it could not be served.
    Gone(StackError),
}

/// The stack's socket set, for the echo server.
struct OnStack<'a>(&'a mut Stack);

impl Sockets for OnStack<'_> {
    fn add<T: AnySocket<'static>>(&mut self, socket: T) -> SocketHandle {
        self.0.add(socket)
    }

    fn get<T: AnySocket<'static>>(&mut self, h: SocketHandle) -> &mut T {
        self.0.socket(h)
    }
}

/// Our address, as DHCP gave it or the command line says.
fn address(stack: &Stack, cmdline: &str) -> String {
    if let Some(l) = stack.lease() {
        return format!("{}", l.address);
    }
    match Addressing::from_cmdline(cmdline) {
        Ok(Some(Addressing::Static(s))) => format!("{}", s.address),
        _ => String::from("an unknown address"),
    }
}

/// Serves `cfg` on `stack` until the vif goes or `request` comes.
pub async fn serve(
    stack: &mut Stack,
    cfg: &Config,
    cmdline: &str,
    request: &mut Request<'_>,
) -> Served {
    let mut echo = match Echo::new(&mut OnStack(stack), cfg) {
        Ok(e) => e,
        Err(e) => {
            println!("echo: not serving: {e}");
            status::set(&format!("not-serving error=\"{e}\"")).await;
            return Served::Request(request.await);
        }
    };
    let cidr = address(stack, cmdline);
    let ip = cidr.split('/').next().unwrap_or_default();
    // The line a benchmark waits for: keep its form.
    println!("echo: serving tcp+udp port {} on {ip}", cfg.port);
    println!(
        "echo: {} on {}: up to {} TCP connections, {} KiB buffers each way",
        cidr,
        stack.node(),
        cfg.conns,
        cfg.window >> 10
    );
    status::set(&format!(
        "serving port={} addr={cidr} conns={} window={}",
        cfg.port, cfg.conns, cfg.window
    ))
    .await;
    loop {
        stack.poll();
        if let Err(e) = stack.check() {
            let why = format!("socket error: {e}");
            let t = echo.totals();
            echo.abort_all(&mut OnStack(stack), smol_now(), &mut |ev| report(&ev, &why));
            println!(
                "echo: udp port {}: {why}; echoed {} datagrams ({} bytes), dropped {}",
                cfg.port, t.udp_datagrams, t.udp_bytes, t.udp_dropped
            );
            vif_stats(stack);
            return Served::Gone(e);
        }
        echo.service(&mut OnStack(stack), smol_now(), &mut |ev| report(&ev, ""));
        stack.poll();
        if let Raced::Request(r) = race(stack.wait(IDLE), request).await {
            let t = echo.totals();
            echo.abort_all(&mut OnStack(stack), smol_now(), &mut |ev| {
                report(&ev, "closed for shutdown")
            });
            // The resets go out before the vif closes.
            stack.poll();
            println!(
                "echo: totals: {} TCP connections, {} bytes; {} UDP datagrams, {} bytes",
                t.tcp_conns, t.tcp_bytes, t.udp_datagrams, t.udp_bytes
            );
            vif_stats(stack);
            return Served::Request(r);
        }
    }
}

/// The vif's counters, summed over its queues.
fn vif_stats(stack: &Stack) {
    let q = stack.net().stats();
    let sum = |f: fn(&QueueStats) -> u64| q.iter().map(f).sum::<u64>();
    println!(
        "echo: vif {} queues: rx {} packets {} bytes (errors {}), tx {} packets {} bytes \
         (errors {}, dropped {}), kicks {}",
        q.len(),
        sum(|q| q.rx.packets),
        sum(|q| q.rx.bytes),
        sum(|q| q.rx.errors + q.rx.bad_id + q.rx.bad_slot + q.rx.too_long + q.rx.bad_extra),
        sum(|q| q.tx.packets),
        sum(|q| q.tx.bytes),
        sum(|q| q.tx.errors + q.tx.bad_id + q.tx.bad_status),
        sum(|q| q.tx_dropped),
        sum(|q| q.kicks)
    );
}

/// A connection's event on the console; `aborted` says why we aborted it.
fn report(ev: &Event, aborted: &str) {
    match *ev {
        Event::Open { id, peer } => println!("echo: tcp #{id} from {peer}"),
        Event::Closed {
            id,
            peer,
            bytes,
            took,
            end,
        } => {
            let ms = took.total_millis().max(1);
            let rate = format!("{} KiB/s", bytes * 1000 / 1024 / ms);
            let secs = format!("{}.{:03} s", ms / 1000, ms % 1000);
            match end {
                End::Finished => println!(
                    "echo: tcp #{id} from {peer} closed: echoed {bytes} bytes in {secs} ({rate})"
                ),
                End::Reset => println!(
                    "echo: tcp #{id} from {peer} reset (by the peer, or it stopped answering): \
                     echoed {bytes} bytes in {secs}"
                ),
                End::Aborted => {
                    println!(
                        "echo: tcp #{id} from {peer}: {aborted}; echoed {bytes} bytes in {secs}"
                    )
                }
            }
        }
    }
}
