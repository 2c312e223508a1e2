//! The benchmark: a sequential read of up to 256 MiB in 1 MiB reads (one at a time, as
//! `dd bs=1M iflag=direct` does), then 4 KiB random reads by 32 readers (queue depth 32).
//! `bench.ios=N` sets the number of random reads (default 8192).

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use minios::blkfront::Overrides;
use minios::time::Instant;
use minios::{println, sched};

use crate::{close, open_first, print_stats};

const MIB: u64 = 1 << 20;
const QD: u64 = 32;

pub async fn run(o: &Overrides) -> Result<(), String> {
    let ios: u64 = minios::cmdline()
        .split_whitespace()
        .find_map(|w| w.strip_prefix("bench.ios="))
        .and_then(|v| v.parse().ok())
        .unwrap_or(8192);
    let disk = open_first(o).await?;
    let ss = u64::from(disk.sector_size());
    let bytes = (disk.sectors() * ss).min(256 * MIB) / MIB * MIB;
    let mut buf = vec![0u8; MIB as usize];
    let t = Instant::now();
    for at in (0..bytes).step_by(MIB as usize) {
        disk.read(at / ss, &mut buf)
            .await
            .map_err(|e| format!("sequential read at {at}: {e}"))?;
    }
    let us = t.elapsed().as_micros();
    println!("blktest: bench seq-read bytes={bytes} us={us}");

    let blocks = disk.sectors() * ss / 4096;
    let t = Instant::now();
    let readers: Vec<_> = (0..QD)
        .map(|w| {
            let d = disk.clone();
            sched::spawn(async move {
                let mut buf = vec![0u8; 4096];
                // A different linear congruential walk over the 4 KiB blocks per reader.
                let mut x = w.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
                for _ in 0..ios / QD {
                    x = x
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    let block = (x >> 16) % blocks;
                    d.read(block * 4096 / ss, &mut buf).await?;
                }
                Ok::<(), minios::blkfront::BlkError>(())
            })
        })
        .collect();
    for r in readers {
        r.await.map_err(|e| format!("random read: {e}"))?;
    }
    let us = t.elapsed().as_micros();
    println!(
        "blktest: bench rand-read ios={} qd={QD} us={us}",
        ios / QD * QD
    );
    print_stats(&disk);
    close(&disk).await
}
