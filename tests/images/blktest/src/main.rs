//! blktest: our blkfront against dom0's blkback. The first word of the command line picks
//! the test, `blk.*` words switch features off (see `minios::blkfront::Overrides`):
//!
//! - `pattern`: write a sector-numbered pattern over the whole first disk, flush, read it
//!   back; dom0 checks the backing file's sha256 and the negotiated xenstore nodes.
//! - `readonly`: writes and discards on a read-only disk or CD-ROM are refused.
//! - `discard`: discard the second MiB of the first disk (it may be hot-plugged later).
//! - `detach`: 32 readers keep requests in flight until dom0's `xl block-detach`.
//! - `bench`: sequential and queue-depth-32 random reads, timed.
//!
//! Progress goes to `data/blktest/state` for dom0's script; results to the console. Every
//! test ends by closing the disk and counting the grants still in use, then waits for the
//! toolstack's shutdown request.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

extern crate alloc;

mod bench;
mod detach;
mod pattern;

use alloc::format;
use alloc::string::String;
use minios::blkfront::{BlkError, Disk, Overrides};
use minios::time::{self, Duration};
use minios::xenbus::DeviceStatus;
use minios::{control, grant, println, xenbus, xenstore};

minios::main!(async main);

async fn main() {
    let cmdline = minios::cmdline();
    let mode = cmdline.split_whitespace().next().unwrap_or("");
    let o = match Overrides::parse(cmdline) {
        Ok(o) => o,
        Err(e) => return println!("blktest: FAILED {e}"),
    };
    // Created by us, so that dom0's later writes keep our permissions.
    if let Err(e) = xenstore::client().write("data/blktest/dom0", "").await {
        return println!("blktest: FAILED data/blktest/dom0: {e}");
    }
    let before = grant::refs_in_use().unwrap_or(0);
    println!("blktest: mode={mode} grants-before={before}");
    let r = match mode {
        "pattern" => pattern::run(&o).await,
        "readonly" => pattern::readonly(&o).await,
        "discard" => pattern::discard(&o).await,
        "detach" => detach::run(&o).await,
        "bench" => bench::run(&o).await,
        other => Err(format!("unknown mode {other:?}")),
    };
    match r {
        Ok(()) => println!("blktest: done"),
        Err(e) => println!("blktest: FAILED {e}"),
    }
    let after = grant::refs_in_use().unwrap_or(0);
    println!("blktest: grants-after={after} (before {before})");
    set_state("finished").await;
    match control::wait_for_request().await {
        Ok(r) => control::shutdown(r).await,
        Err(e) => println!("blktest: FAILED control: {e}"),
    }
}

/// Tells dom0's script how far we got (`data/blktest/state`).
pub async fn set_state(state: &str) {
    if let Err(e) = xenstore::client().write("data/blktest/state", state).await {
        println!("blktest: FAILED writing state {state}: {e}");
    }
}

/// Opens the first vbd, waiting (at most 60 s) for one to be attached.
pub async fn open_first(o: &Overrides) -> Result<Disk, String> {
    let xs = xenstore::client();
    let mut watch = xs
        .watch("device")
        .await
        .map_err(|e| format!("watch: {e}"))?;
    let end = time::Instant::now() + Duration::from_secs(60);
    let node = loop {
        let devs = xenbus::devices(xs, "vbd")
            .await
            .map_err(|e| format!("{e}"))?;
        if let Some((_, node)) = devs.into_iter().next() {
            break node;
        }
        let left = end.duration_since(time::Instant::now());
        if time::timeout(left, watch.next()).await.is_err() {
            return Err("no vbd appeared within 60 s".into());
        }
    };
    let disk = Disk::open(&node, o)
        .await
        .map_err(|e| format!("open {node}: {e}"))?;
    let f = disk.features();
    let discard = match f.discard {
        Some(d) => format!(
            "{}/{}/secure={}",
            d.granularity,
            d.alignment,
            u8::from(d.secure)
        ),
        None => "no".into(),
    };
    println!(
        "blktest: features node={node} sectors={} sector-size={} physical-sector-size={} \
         cdrom={} removable={} readonly={} ring-order={} queues={} persistent={} indirect={} \
         flush={:?} discard={discard}",
        f.sectors,
        f.sector_size,
        f.physical_sector_size,
        u8::from(f.info.cdrom),
        u8::from(f.info.removable),
        u8::from(f.info.readonly),
        f.transport.ring_page_order,
        f.transport.queues,
        u8::from(f.persistent),
        f.indirect_segments,
        f.flush,
    );
    Ok(disk)
}

/// Prints the disk's counters, summed over its queues.
pub fn print_stats(disk: &Disk) {
    let (mut req, mut ind, mut kicks, mut granted, mut reused) = (0, 0, 0, 0, 0);
    for s in disk.stats() {
        req += s.requests;
        ind += s.indirect;
        kicks += s.kicks;
        granted += s.pool.granted;
        reused += s.pool.reused;
    }
    println!(
        "blktest: stats requests={req} indirect={ind} kicks={kicks} granted={granted} \
         reused={reused}"
    );
}

/// Closes the disk and prints how it ended.
pub async fn close(disk: &Disk) -> Result<(), String> {
    let s = disk.close().await;
    report_closed(s)
}

/// Prints a closed disk's status; an error if grants are left or the handshake failed.
pub fn report_closed(s: DeviceStatus) -> Result<(), String> {
    match s {
        DeviceStatus::Closed {
            failed,
            stuck,
            handshake,
        } => {
            println!("blktest: closed failed={failed} stuck={stuck} handshake={handshake}");
            if stuck > 0 || !handshake {
                return Err(format!("{stuck} grant(s) stuck, handshake {handshake}"));
            }
            Ok(())
        }
        other => Err(format!("the disk did not close: {other:?}")),
    }
}

/// An error's text for the console.
pub fn text(e: BlkError) -> String {
    format!("{e}")
}
