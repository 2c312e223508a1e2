//! The device against the fake blkback: data round trips with every feature on and off,
//! persistent grant reuse, many requests in flight, detach, read-only disks, discard.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use super::fake::*;
use crate::abi::blkif::*;
use crate::blkfront::features::{Features, Overrides, Transport};
use crate::blkfront::{BlkError, Op};

const MIB: usize = 1 << 20;

/// A boxed future borrowing the rig, as [`join_all`] takes them.
type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

fn overrides(s: &str) -> Overrides {
    Overrides::parse(s).unwrap()
}

/// Writes the pattern over the disk in uneven pieces, flushes, reads it back whole.
fn round_trip(rig: &Rig) {
    let len = rig.disk.lock().unwrap().len();
    let want = pattern(0, len);
    let mut at = 0;
    for piece in [512, 4096, 45056, 3 * MIB / 2, 12288].iter().cycle() {
        if at == len {
            break;
        }
        let n = (*piece).min(len - at);
        rig.run(rig.dev.write((at / 512) as u64, &want[at..at + n]))
            .unwrap();
        at += n;
    }
    rig.run(rig.dev.flush()).unwrap();
    assert!(
        *rig.disk.lock().unwrap() == want,
        "the disk holds the pattern"
    );
    let mut back = vec![0; len];
    rig.run(rig.dev.read(0, &mut back)).unwrap();
    assert!(back == want, "the pattern reads back");
}

#[test]
fn data_round_trips_with_every_feature_on_and_off() {
    let nodes = linux_nodes(4 * MIB as u64);
    for sw in [
        "",
        "blk.indirect=0",
        "blk.persistent=0",
        "blk.ring-order=0",
        "blk.queues=1",
        "blk.indirect=0 blk.persistent=0 blk.ring-order=0 blk.queues=1 blk.flush=0",
    ] {
        let o = overrides(sw);
        let rig = Rig::new(&nodes, &o, 4 * MIB);
        round_trip(&rig);
        let seen: Vec<(u8, usize, u64)> = (0..rig.dev.queues().len())
            .flat_map(|i| rig.backend(i, |b| b.seen.clone()))
            .collect();
        let indirect = seen.iter().filter(|s| s.0 == BLKIF_OP_INDIRECT).count();
        let biggest = seen.iter().map(|s| s.1).max().unwrap();
        if o.indirect {
            assert!(indirect > 0, "{sw}: indirect requests used");
            assert_eq!(biggest, 256, "{sw}: 1 MiB requests");
        } else {
            assert_eq!(indirect, 0, "{sw}");
            assert_eq!(biggest, 11, "{sw}: classic requests");
        }
        let flushes: u32 = (0..rig.dev.queues().len())
            .map(|i| rig.backend(i, |b| b.flushes))
            .sum();
        assert_eq!(flushes, u32::from(o.flush), "{sw}");
        let used: Vec<usize> = (0..rig.dev.queues().len())
            .map(|i| rig.backend(i, |b| b.seen.len()))
            .collect();
        assert!(
            used.iter().all(|&n| n > 0),
            "{sw}: every queue carried requests: {used:?}"
        );
        assert_eq!(
            rig.backends.lock().unwrap()[0].size(),
            32 << o.max_ring_page_order.min(4)
        );
        assert_eq!(rig.dev.in_flight(), 0);
    }
}

#[test]
fn persistent_grants_are_reused_and_others_ended_after_each_request() {
    let nodes = linux_nodes(4 * MIB as u64);
    let rig = Rig::new(&nodes, &overrides("blk.queues=1 blk.pages=300"), 4 * MIB);
    round_trip(&rig);
    round_trip(&rig);
    let s = rig.dev.stats()[0].pool;
    assert!(s.granted <= 300, "never more grants than the pool: {s:?}");
    assert!(s.reused > s.granted, "pages reused: {s:?}");
    assert_eq!(s.out, 0);
    assert_eq!(
        rig.grants_in_use() as u64,
        s.granted,
        "kept granted for reuse"
    );

    let rig = Rig::new(&nodes, &overrides("blk.queues=1 blk.persistent=0"), 4 * MIB);
    round_trip(&rig);
    let s = rig.dev.stats()[0].pool;
    assert_eq!(s.reused, 0);
    assert_eq!(s.ended, s.granted, "every grant ended: {s:?}");
    assert_eq!(rig.grants_in_use(), 0);
    // Non-persistent writes are granted read-only, reads writable (checked by the backend).
    assert!(rig.grants.lock().unwrap().grants_made >= 2 * (4 * MIB / 4096) as u64);
}

#[test]
fn a_small_pool_still_carries_large_transfers() {
    let nodes = linux_nodes(4 * MIB as u64);
    let rig = Rig::new(&nodes, &overrides("blk.pages=20"), 4 * MIB);
    round_trip(&rig);
    let biggest = rig.backend(0, |b| b.seen.iter().map(|s| s.1).max().unwrap());
    assert_eq!(
        biggest, 19,
        "requests shrink to the pool, leaving an indirect page"
    );
}

#[test]
fn large_sectors_are_enforced_and_numbered_in_512_byte_units() {
    let mut nodes = linux_nodes(MIB as u64);
    nodes.insert("sector-size", "4096".into());
    let rig = Rig::new(&nodes, &overrides("blk.queues=1"), MIB);
    assert_eq!(rig.dev.sector_size(), 4096);
    assert_eq!(rig.dev.sectors(), 256);
    let e = rig.run(rig.dev.write(0, &[0; 512])).unwrap_err();
    assert_eq!(e, BlkError::Misaligned { sector_size: 4096 });
    assert!(e.to_string().contains("4096-byte sectors"));
    let data = pattern(80, 8192);
    rig.run(rig.dev.write(10, &data)).unwrap();
    assert_eq!(
        rig.backend(0, |b| b.seen[0].2),
        80,
        "logical sector 10 is 512-sector 80"
    );
    let mut back = vec![0; 8192];
    rig.run(rig.dev.read(10, &mut back)).unwrap();
    assert_eq!(back, data);
    let e = rig.run(rig.dev.read(255, &mut [0; 8192])).unwrap_err();
    assert_eq!(
        e,
        BlkError::OutOfRange {
            sector: 255,
            count: 2,
            sectors: 256
        }
    );
}

/// Polls every future until all are ready, each again only after it was woken, running
/// `between` while none is woken (a lost wake-up fails the test).
fn join_all<T>(mut futs: Vec<BoxFut<'_, T>>, mut between: impl FnMut()) -> Vec<T> {
    let mut out: Vec<Option<T>> = futs.iter().map(|_| None).collect();
    let wakers: Vec<_> = futs.iter().map(|_| Woken::waker()).collect();
    for (_, waker) in &wakers {
        waker.wake_by_ref();
    }
    let mut idle = 0;
    for _ in 0..10_000 {
        let mut polled = false;
        for ((f, o), (w, waker)) in futs.iter_mut().zip(out.iter_mut()).zip(&wakers) {
            if o.is_none() && w.take() {
                polled = true;
                if let Poll::Ready(v) = f.as_mut().poll(&mut Context::from_waker(waker)) {
                    *o = Some(v);
                }
            }
        }
        if out.iter().all(Option::is_some) {
            return out.into_iter().map(Option::unwrap).collect();
        }
        idle = if polled { 0 } else { idle + 1 };
        assert!(idle < 100, "no future was woken (a lost wake-up)");
        between();
    }
    panic!("futures never completed");
}

/// The rig's 4 MiB writes took 30 s each: requests queued in a poll after the earlier ones
/// were polled had no waker, so only the 30 s timeout polled the transfer again.
#[test]
fn a_transfer_is_woken_by_the_responses_to_its_requests() {
    let nodes = linux_nodes(4 * MIB as u64);
    let rig = Rig::new(&nodes, &overrides(""), 4 * MIB);
    // Two requests of 1 MiB, one on each queue (a queue's pool lends one at a time).
    let data = pattern(0, 2 * MIB);
    let mut write = Box::pin(rig.dev.write(0, &data));
    let (woken, waker) = Woken::waker();
    let mut cx = Context::from_waker(&waker);
    assert!(write.as_mut().poll(&mut cx).is_pending());
    assert!(rig.dev.in_flight() > 1, "the write is split into requests");
    rig.step();
    assert_eq!(rig.dev.in_flight(), 0, "the backend answered them all");
    assert!(woken.take(), "the responses woke the writer");
    assert!(matches!(write.as_mut().poll(&mut cx), Poll::Ready(Ok(()))));
}

#[test]
fn thirty_two_reads_are_in_flight_at_once() {
    let nodes = linux_nodes(MIB as u64);
    let rig = Rig::new(&nodes, &overrides("blk.queues=1 blk.ring-order=1"), MIB);
    *rig.disk.lock().unwrap() = pattern(0, MIB);
    let mut bufs: Vec<Vec<u8>> = (0..32).map(|_| vec![0u8; 4096]).collect();
    let mut first = true;
    let futs: Vec<BoxFut<'_, Result<(), BlkError>>> = bufs
        .iter_mut()
        .enumerate()
        .map(|(i, b)| {
            let lba = (i as u64 * 97) % 2040;
            Box::pin(rig.dev.read(lba, b)) as BoxFut<'_, _>
        })
        .collect();
    let results = join_all(futs, || {
        if first {
            first = false;
            assert_eq!(rig.dev.in_flight(), 32, "all 32 queued before any answer");
        }
        rig.step();
    });
    assert!(results.iter().all(Result::is_ok));
    for (i, b) in bufs.iter().enumerate() {
        let lba = (i as u64 * 97) % 2040;
        assert_eq!(b, &pattern(lba, 4096));
    }
}

#[test]
fn detach_fails_what_is_in_flight_and_every_grant_ends() {
    let nodes = linux_nodes(MIB as u64);
    let rig = Rig::new(&nodes, &overrides("blk.queues=1"), MIB);
    rig.run(rig.dev.write(0, &pattern(0, 65536))).unwrap();
    let before = rig.grants_in_use();
    assert!(before > 0, "persistent grants kept");
    rig.backend(0, |b| b.mode = Mode::Silent);
    let mut bufs: Vec<Vec<u8>> = (0..32).map(|_| vec![0u8; 4096]).collect();
    let mut detached = false;
    let futs: Vec<BoxFut<'_, Result<(), BlkError>>> = bufs
        .iter_mut()
        .enumerate()
        .map(|(i, b)| Box::pin(rig.dev.read(i as u64 * 8, b)) as BoxFut<'_, _>)
        .collect();
    let results = join_all(futs, || {
        if !detached {
            assert_eq!(rig.dev.in_flight(), 32);
            // The backend goes to Closing: the watcher fails everything in flight.
            assert_eq!(rig.dev.fail(BlkError::Gone), 32);
            detached = true;
        }
    });
    assert!(results.iter().all(|r| *r == Err(BlkError::Gone)));
    assert_eq!(rig.run(rig.dev.read(0, &mut [0; 512])), Err(BlkError::Gone));
    // Still mapped by the backend: ending waits until it closed.
    let q = &rig.dev.queues()[0];
    assert!(q.lock().close().is_some(), "the ring's memory comes back");
    let held = rig.grants_in_use();
    assert!(held > 0);
    assert_eq!(
        q.lock().end_grants(),
        held,
        "kept while the backend maps them"
    );
    rig.backend(0, |b| b.unmap_all());
    assert_eq!(q.lock().end_grants(), 0, "no grant left in use");
    assert_eq!(rig.grants_in_use(), 0);
    assert_eq!(
        BlkError::Gone.to_string(),
        "the block device went away (backend closed or detached)"
    );
}

#[test]
fn a_cancelled_read_gives_its_pages_back() {
    let nodes = linux_nodes(MIB as u64);
    let rig = Rig::new(&nodes, &overrides("blk.queues=1 blk.persistent=0"), MIB);
    let mut buf = vec![0; 65536];
    {
        let mut fut = Box::pin(rig.dev.read(0, &mut buf));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(fut.as_mut().poll(&mut cx).is_pending());
        assert_eq!(rig.dev.in_flight(), 1);
    }
    rig.step();
    let s = rig.dev.stats()[0].pool;
    assert_eq!((s.out, s.set_aside), (0, 0));
    assert_eq!(rig.grants_in_use(), 0);
}

#[test]
fn read_only_disks_and_cdroms_refuse_writes_and_discards() {
    for (info, err) in [("4", BlkError::ReadOnly), ("5", BlkError::Cdrom)] {
        let mut nodes = linux_nodes(MIB as u64);
        nodes.insert("info", info.into());
        let rig = Rig::new(&nodes, &Overrides::default(), MIB);
        assert_eq!(rig.run(rig.dev.write(0, &[1; 512])), Err(err));
        assert_eq!(rig.run(rig.dev.discard(0, 8)), Err(err));
        rig.run(rig.dev.read(0, &mut [0; 512])).unwrap();
        assert_eq!(
            rig.backend(0, |b| b.seen.len()),
            1,
            "only the read reached the backend"
        );
        // blkback offers a read-only disk no discard: the refusal still says read-only.
        nodes.insert("feature-discard", "0".into());
        let rig = Rig::new(&nodes, &Overrides::default(), MIB);
        assert_eq!(rig.run(rig.dev.discard(0, 8)), Err(err));
    }
}

#[test]
fn discard_zeroes_the_range_and_is_refused_when_not_offered() {
    let nodes = linux_nodes(MIB as u64);
    let rig = Rig::new(&nodes, &overrides("blk.queues=1"), MIB);
    *rig.disk.lock().unwrap() = pattern(0, MIB);
    rig.run(rig.dev.discard(16, 64)).unwrap();
    let disk = rig.disk.lock().unwrap().clone();
    assert!(disk[16 * 512..80 * 512].iter().all(|&b| b == 0));
    assert_eq!(disk[..16 * 512], pattern(0, 16 * 512)[..]);
    assert_eq!(rig.backend(0, |b| b.seen[0]), (BLKIF_OP_DISCARD, 0, 16));

    let rig = Rig::new(&nodes, &overrides("blk.discard=0"), MIB);
    let e = rig.run(rig.dev.discard(0, 8)).unwrap_err();
    assert_eq!(e, BlkError::NotSupported(Op::Discard));
    assert_eq!(e.to_string(), "the backend does not support discard");
}

#[test]
fn flush_uses_a_barrier_when_there_is_no_cache_flush() {
    let mut nodes = linux_nodes(MIB as u64);
    nodes.insert("feature-flush-cache", "0".into());
    let o = overrides("blk.queues=1");
    let f = Features::negotiate(&nodes, Transport::choose(&nodes, &o), &o).unwrap();
    let rig = Rig::with_features(f, 64, MIB);
    rig.run(rig.dev.flush()).unwrap();
    assert_eq!(
        rig.backend(0, |b| b.seen.clone()),
        [(BLKIF_OP_WRITE_BARRIER, 0, 0)]
    );
}
