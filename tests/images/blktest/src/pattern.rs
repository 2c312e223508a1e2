//! The data tests: the pattern over the whole disk, read-only refusals, discard.

use alloc::format;
use alloc::string::String;
use alloc::vec;
use minios::blkfront::Overrides;
use minios::println;
use minios::time::Instant;

use crate::{close, open_first, print_stats, set_state, text};

/// Bytes written or read per call (each call has many requests in flight).
const CHUNK: usize = 4 << 20;

/// The pattern of 512-byte sectors from `sector0`: each starts with its number (little
/// endian), the rest is derived from it. dom0's test computes the same.
pub fn fill(sector0: u64, buf: &mut [u8]) {
    for (k, chunk) in buf.chunks_mut(512).enumerate() {
        let s = sector0 + k as u64;
        let seed = (s as u32).wrapping_mul(2_654_435_761);
        for (i, b) in chunk.iter_mut().enumerate() {
            *b = if i < 8 {
                (s >> (8 * i)) as u8
            } else {
                (seed >> ((i % 4) * 8)) as u8 ^ i as u8
            };
        }
    }
}

/// Writes the pattern over the whole disk, flushes, reads it back and compares.
pub async fn run(o: &Overrides) -> Result<(), String> {
    let disk = open_first(o).await?;
    let ss = u64::from(disk.sector_size());
    let bytes = disk.sectors() * ss;
    let mut buf = vec![0u8; CHUNK];
    let t = Instant::now();
    let mut at = 0u64;
    while at < bytes {
        let n = (bytes - at).min(CHUNK as u64) as usize;
        fill(at / 512, &mut buf[..n]);
        disk.write(at / ss, &buf[..n])
            .await
            .map_err(|e| format!("write at byte {at}: {e}"))?;
        at += n as u64;
        progress("written", at, &t);
    }
    disk.flush().await.map_err(|e| format!("flush: {e}"))?;
    let wrote = t.elapsed();
    let mut want = vec![0u8; CHUNK];
    let mut bad = 0u64;
    let t = Instant::now();
    at = 0;
    while at < bytes {
        let n = (bytes - at).min(CHUNK as u64) as usize;
        disk.read(at / ss, &mut buf[..n])
            .await
            .map_err(|e| format!("read at byte {at}: {e}"))?;
        progress("read", at + n as u64, &t);
        fill(at / 512, &mut want[..n]);
        bad += buf[..n]
            .chunks(512)
            .zip(want[..n].chunks(512))
            .filter(|(a, b)| a != b)
            .count() as u64;
        at += n as u64;
    }
    println!(
        "blktest: pattern bytes={bytes} write+flush-ms={} read-ms={} bad-sectors={bad}",
        wrote.as_millis(),
        t.elapsed().as_millis()
    );
    print_stats(&disk);
    set_state("written").await;
    // dom0 checks the backing file and the xenstore nodes while we are still connected,
    // then asks us to shut down; the disk is closed first.
    wait_for_dom0("checked").await?;
    close(&disk).await
}

/// Prints how far a pass got every 16 MiB (a slow rig shows where its time goes).
fn progress(what: &str, at: u64, since: &Instant) {
    if at.is_multiple_of(16 << 20) {
        println!(
            "blktest: {what} {} MiB in {} ms",
            at >> 20,
            since.elapsed().as_millis()
        );
    }
}

/// Waits (at most 120 s) until dom0's script writes `data/blktest/dom0` = `value`.
pub async fn wait_for_dom0(value: &str) -> Result<(), String> {
    let xs = minios::xenstore::client();
    let mut watch = xs
        .watch("data/blktest/dom0")
        .await
        .map_err(|e| format!("watch: {e}"))?;
    let end = Instant::now() + minios::time::Duration::from_secs(120);
    loop {
        if xs.read("data/blktest/dom0").await.ok().as_deref() == Some(value) {
            return Ok(());
        }
        let left = end.duration_since(Instant::now());
        if minios::time::timeout(left, watch.next()).await.is_err() {
            return Err(format!("dom0 did not write {value} within 120 s"));
        }
    }
}

/// Reads work; writes and discards are refused with an error saying why.
pub async fn readonly(o: &Overrides) -> Result<(), String> {
    let disk = open_first(o).await?;
    let mut buf = vec![0u8; 4096];
    disk.read(0, &mut buf)
        .await
        .map_err(|e| format!("read: {e}"))?;
    let mut want = vec![0u8; 4096];
    fill(0, &mut want);
    println!("blktest: readonly read-ok={}", buf == want);
    match disk.write(0, &buf).await {
        Ok(()) => println!("blktest: write ACCEPTED (wrong)"),
        Err(e) => println!("blktest: write refused: {}", text(e)),
    }
    match disk.discard(0, 8).await {
        Ok(()) => println!("blktest: discard ACCEPTED (wrong)"),
        Err(e) => println!("blktest: discard refused: {}", text(e)),
    }
    set_state("refused").await;
    wait_for_dom0("checked").await?;
    close(&disk).await
}

/// Discards the second MiB, flushes and reads it back.
pub async fn discard(o: &Overrides) -> Result<(), String> {
    let disk = open_first(o).await?;
    let ss = u64::from(disk.sector_size());
    let (lba, count) = ((1 << 20) / ss, (1 << 20) / ss);
    disk.discard(lba, count)
        .await
        .map_err(|e| format!("discard: {e}"))?;
    disk.flush().await.map_err(|e| format!("flush: {e}"))?;
    let mut buf = vec![0xffu8; 1 << 20];
    disk.read(lba, &mut buf)
        .await
        .map_err(|e| format!("read: {e}"))?;
    println!(
        "blktest: discarded bytes={} reads-as-zeros={}",
        1 << 20,
        buf.iter().all(|&b| b == 0)
    );
    set_state("discarded").await;
    wait_for_dom0("checked").await?;
    close(&disk).await
}
