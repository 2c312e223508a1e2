//! Once a second while a test runs: the event and ring state of each queue (diagnostics).

use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};
use minios::blkfront::Disk;
use minios::time::{self, Duration, Instant};
use minios::{events, println};

/// Prints the state now.
pub fn dump(disk: &Disk, t: Instant) {
    let (up, sel) = events::vcpu_bits();
    let e = events::stats();
    println!(
        "diag: t={}ms blocks={} upcalls={} events={} upcall_pending={up} sel={sel:#x}",
        t.elapsed().as_millis(),
        e.blocks,
        e.upcalls,
        e.events
    );
    for (s, p) in disk.stats().iter().zip(disk.ports()) {
        println!(
            "diag:  port={p} pending={} masked={} status={:?} req={} rsp={} kicks={} polls={} \
             inflight={} ring={:?}",
            p.is_pending(),
            p.is_masked(),
            events::status(p),
            s.requests,
            s.responses,
            s.kicks,
            s.polls,
            s.in_flight,
            s.ring
        );
    }
}

/// Spawns a task dumping the state every second until the returned flag is set.
pub fn monitor(disk: &Disk) -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let (d, s) = (disk.clone(), stop.clone());
    let t = Instant::now();
    minios::sched::spawn(async move {
        while !s.load(Ordering::SeqCst) {
            dump(&d, t);
            time::sleep(Duration::from_secs(1)).await;
        }
    });
    stop
}
