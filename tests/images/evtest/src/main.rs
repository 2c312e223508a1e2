//! evtest: exercises minios's event channels, clock, timers and executor on real Xen.
//!
//! It prints `evtest: KEY ...` lines that the rig test (tests/rig, `events.rs`) checks. The
//! command line selects the parts that need dom0's help:
//! - `peer`: an interdomain channel with dom0's `evtchn-peer` tool (ping-pong, timing marks);
//! - `idle=SECS`: sleep that long while dom0 samples our CPU time;
//! - `debugkey`: wait for VIRQ_DEBUG (dom0 runs `xl debug-keys q`).
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

extern crate alloc;

mod local;
mod peer;

use alloc::vec::Vec;
use minios::events;
use minios::println;
use minios::sched;
use minios::time::{self, Duration, Instant};

minios::main!(async main);

async fn main() {
    println!("evtest: start");
    clock();
    sleeps().await;
    concurrent_sleeps().await;
    timeouts().await;
    local::ping_pong(1000).await;
    let args: Vec<&str> = minios::cmdline().split_whitespace().collect();
    if args.contains(&"peer") {
        peer::run().await;
    }
    if let Some(secs) = args.iter().find_map(|a| a.strip_prefix("idle=")) {
        idle(secs.parse().unwrap_or(10)).await;
    }
    if args.contains(&"debugkey") {
        debug_key().await;
    }
    let s = events::stats();
    println!(
        "evtest: stats blocks={} upcalls={} events={} timer_virqs={} debug_virqs={}",
        s.blocks,
        s.upcalls,
        s.events,
        time::timer_virq_count(),
        s.debug_virqs
    );
    println!("evtest: done");
}

fn clock() {
    let a = Instant::now();
    let b = Instant::now();
    let wall = time::wall_clock();
    println!(
        "evtest: clock system_ns={} monotonic={} wall_s={} wall_ns={}",
        a.as_nanos(),
        b >= a,
        wall.as_secs(),
        wall.subsec_nanos()
    );
}

/// Sleeps of several lengths, measured with our own clock.
async fn sleeps() {
    let virqs = time::timer_virq_count();
    for ms in [1u64, 10, 100, 250] {
        let start = Instant::now();
        time::sleep(Duration::from_millis(ms)).await;
        let took = start.elapsed();
        println!("evtest: sleep ms={ms} took_us={}", took.as_micros());
    }
    println!(
        "evtest: timer virqs during sleeps={}",
        time::timer_virq_count() - virqs
    );
}

/// Three tasks sleeping different times finish in deadline order, concurrently.
async fn concurrent_sleeps() {
    let start = Instant::now();
    let order = alloc::sync::Arc::new(spin::Mutex::new(Vec::new()));
    let tasks: Vec<_> = [300u64, 100, 200]
        .into_iter()
        .map(|ms| {
            let order = order.clone();
            sched::spawn(async move {
                time::sleep(Duration::from_millis(ms)).await;
                order.lock().push(ms);
            })
        })
        .collect();
    for t in tasks {
        t.await;
    }
    let order: Vec<u64> = order.lock().clone();
    println!(
        "evtest: concurrent order={:?} total_ms={}",
        order,
        start.elapsed().as_millis()
    );
}

/// `timeout` on a port that never fires gives up; on a sleep that ends first it does not.
async fn timeouts() {
    let ch = match events::Channel::alloc_unbound(minios::abi::xen::DOMID_SELF) {
        Ok(ch) => ch,
        Err(e) => {
            println!("evtest: timeout FAILED alloc_unbound: {e}");
            return;
        }
    };
    let start = Instant::now();
    let quiet = time::timeout(Duration::from_millis(50), ch.wait()).await;
    let waited = start.elapsed().as_millis();
    let quick = time::timeout(
        Duration::from_millis(500),
        time::sleep(Duration::from_millis(5)),
    )
    .await;
    println!("evtest: timeout quiet={quiet:?} waited_ms={waited} quick={quick:?}");
    let port = ch.port();
    println!("evtest: status unbound={:?}", events::status(port));
    drop(ch);
    println!("evtest: status closed={:?}", events::status(port));
}

/// Sleeps `secs` seconds in one go (dom0 checks that our CPU time does not grow), and
/// counts what woke the vCPU meanwhile.
async fn idle(secs: u64) {
    let (e0, v0, c0) = (events::stats(), time::timer_virq_count(), time::cpu_time());
    println!("evtest: idle-start secs={secs}");
    let start = Instant::now();
    time::sleep(Duration::from_secs(secs)).await;
    let took = start.elapsed().as_millis();
    let (e1, v1, c1) = (events::stats(), time::timer_virq_count(), time::cpu_time());
    let cpu_us = match (c0, c1) {
        (Some(a), Some(b)) => b.saturating_sub(a).as_micros() as i128,
        _ => -1,
    };
    println!(
        "evtest: idle-end took_ms={took} cpu_us={cpu_us} blocks={} upcalls={} events={} timer_virqs={}",
        e1.blocks - e0.blocks,
        e1.upcalls - e0.upcalls,
        e1.events - e0.events,
        v1 - v0
    );
}

/// Waits for dom0's `xl debug-keys q` to raise VIRQ_DEBUG.
async fn debug_key() {
    println!("evtest: waiting-debug");
    let start = Instant::now();
    while events::stats().debug_virqs == 0 && start.elapsed() < Duration::from_secs(60) {
        time::sleep(Duration::from_millis(20)).await;
    }
    println!("evtest: debug-virqs={}", events::stats().debug_virqs);
}
