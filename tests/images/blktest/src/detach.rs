//! `xl block-detach` while 32 requests are in flight: every reader ends with the device
//! gone, the disk closes by itself, no grant is left in use, and we keep running (dom0's
//! xenstore ping after the detach is answered).

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use minios::blkfront::{BlkError, Overrides};
use minios::time::{self, Duration, Instant};
use minios::xenbus::DeviceStatus;
use minios::{println, sched};

use crate::{open_first, print_stats, report_closed, set_state, text};

/// Readers, each with one request in flight at a time.
const READERS: u64 = 32;

pub async fn run(o: &Overrides) -> Result<(), String> {
    let disk = open_first(o).await?;
    let ss = u64::from(disk.sector_size());
    let len = 64 * 1024;
    let span = disk.sectors() - len / ss;
    let end = Instant::now() + Duration::from_secs(180);
    let readers: Vec<_> = (0..READERS)
        .map(|w| {
            let d = disk.clone();
            sched::spawn(async move {
                let mut buf = vec![0u8; len as usize];
                let mut n = 0u64;
                loop {
                    let lba = (w * 7919 + n * 104_729) % span / 8 * 8;
                    if let Err(e) = d.read(lba, &mut buf).await {
                        return (n, e);
                    }
                    n += 1;
                    if Instant::now() > end {
                        return (n, BlkError::Timeout { ms: 180_000 });
                    }
                }
            })
        })
        .collect();
    let wait_end = Instant::now() + Duration::from_secs(30);
    while disk.in_flight() < READERS as usize {
        if Instant::now() > wait_end {
            return Err(format!("only {} requests in flight", disk.in_flight()));
        }
        time::sleep(Duration::from_millis(1)).await;
    }
    println!("blktest: detach in-flight={}", disk.in_flight());
    let t = Instant::now();
    set_state("inflight").await;
    println!(
        "blktest: detach state written in {} ms",
        (Instant::now() - t).as_millis()
    );
    // Until the readers end: every 20 s a line saying the device is still there.
    let watch = disk.clone();
    sched::spawn(async move {
        let t0 = Instant::now();
        while Instant::now() < end {
            time::sleep(Duration::from_secs(20)).await;
            if !matches!(watch.status(), DeviceStatus::Connected) {
                break;
            }
            let reqs: u64 = watch.stats().iter().map(|s| s.requests).sum();
            println!(
                "blktest: detach still connected after {} s: requests={reqs} in-flight={}",
                (Instant::now() - t0).as_secs(),
                watch.in_flight()
            );
        }
    });
    let mut gone = 0;
    let mut reads = 0;
    let mut other = Vec::new();
    for r in readers {
        let (n, e) = r.await;
        reads += n;
        if e == BlkError::Gone {
            gone += 1;
        } else {
            other.push(text(e));
        }
    }
    println!(
        "blktest: detach readers={READERS} gone={gone} other-errors={other:?} reads={reads} \
         error-text=\"{}\"",
        BlkError::Gone
    );
    print_stats(&disk);
    let status = disk.closed(Duration::from_secs(30)).await;
    report_closed(status)?;
    set_state("detached").await;
    if gone != READERS {
        return Err(format!("{gone} of {READERS} readers saw the device go"));
    }
    // dom0 checks that we still answer.
    crate::pattern::wait_for_dom0("ping").await?;
    // A node of its own: `state` moves on to `finished` before dom0 may look.
    if let Err(e) = minios::xenstore::client()
        .write("data/blktest/pong", "alive")
        .await
    {
        return Err(format!("writing pong: {e}"));
    }
    Ok(())
}
