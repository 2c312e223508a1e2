//! An interdomain channel with dom0's `evtchn-peer` tool (tests/rig/peers/evtchn_peer.c).
//!
//! Protocol: we allocate an unbound port for dom0 and print it; the peer binds it, takes the
//! event Xen raises on its side at bind time, and notifies us once ("hello"). Then PINGS
//! rounds of: we notify, the peer answers. Then MARKS notifications spaced by MARK_MS of
//! our `sleep`, which the peer timestamps with its own clock; having them all, it notifies
//! us once more ("bye") and we close the port. Every wait has a deadline.

use minios::events::{self, Channel, PortStatus};
use minios::println;
use minios::time::{self, Duration, Instant};

/// Ping-pong rounds (the peer is told the same numbers on its command line by the test).
const PINGS: u32 = 1000;
/// Timing marks sent after the ping-pong.
const MARKS: u32 = 11;
/// Sleep between two marks.
const MARK_MS: u64 = 100;

pub async fn run() {
    let ch = match Channel::alloc_unbound(0) {
        Ok(ch) => ch,
        Err(e) => {
            println!("evtest: peer FAILED alloc_unbound: {e}");
            return;
        }
    };
    println!(
        "evtest: peer-port={} pings={PINGS} marks={MARKS} mark_ms={MARK_MS}",
        ch.port()
    );
    if time::timeout(Duration::from_secs(60), ch.wait())
        .await
        .is_err()
    {
        println!("evtest: peer FAILED no hello from dom0");
        return;
    }
    match events::status(ch.port()) {
        Ok(PortStatus::Interdomain {
            remote,
            remote_port,
        }) => println!("evtest: peer hello remote={remote} remote_port={remote_port}"),
        other => println!("evtest: peer hello status={other:?}"),
    }
    let start = Instant::now();
    let (mut pongs, mut sent, mut max_rtt) = (0u32, 0u32, Duration::ZERO);
    // A wait longer than a second is a stall: note whether Xen had the pong pending while
    // we slept (that would be a wake-up minios missed) or not (the peer had not sent it).
    let (mut stalls, mut missed) = (0u32, 0u32);
    'rounds: for _ in 0..PINGS {
        let t = Instant::now();
        if ch.notify().is_err() {
            break;
        }
        sent += 1;
        while time::timeout(Duration::from_secs(1), ch.wait())
            .await
            .is_err()
        {
            stalls += 1;
            if ch.port().is_pending() {
                missed += 1;
            }
            if t.elapsed() > Duration::from_secs(30) {
                println!("evtest: peer no pong {sent} after 30 s");
                break 'rounds;
            }
        }
        max_rtt = max_rtt.max(t.elapsed());
        pongs += 1;
    }
    let us = start.elapsed().as_micros() as u64;
    println!(
        "evtest: peer pings={sent} pongs={pongs} rtt_us={} max_rtt_us={} stall_s={stalls} \
         pending_while_stalled={missed}",
        us / u64::from(pongs.max(1)),
        max_rtt.as_micros()
    );
    // Each interval dom0 measures is one `sleep(MARK_MS)` plus a notify hypercall.
    let mut slept_us = alloc::vec::Vec::new();
    for i in 0..MARKS {
        if i > 0 {
            let t = Instant::now();
            time::sleep(Duration::from_millis(MARK_MS)).await;
            slept_us.push(t.elapsed().as_micros());
        }
        if ch.notify().is_err() {
            println!("evtest: peer FAILED mark {i}");
            return;
        }
    }
    println!("evtest: marks slept_us={slept_us:?}");
    // The port stays open until the peer has read the last mark.
    let t = Instant::now();
    if time::timeout(Duration::from_secs(30), ch.wait())
        .await
        .is_err()
    {
        println!("evtest: peer FAILED no bye from dom0 in 30 s");
        return;
    }
    println!(
        "evtest: peer marks={MARKS} bye-after-ms={}",
        t.elapsed().as_millis()
    );
}
