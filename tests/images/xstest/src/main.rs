//! xstest: the xenstore client against dom0's real xenstored. Each phase prints
//! `xstest: ...` lines for the rig test; phases that need dom0 (watch, transactions) hand
//! over through `data/xstest/phase`, which dom0's during script follows.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use minios::println;
use minios::time::{self, Duration, Instant};
use minios::xenstore::{self, Access, Errno, Perm, Xenstore, XsError};

minios::main!(async main);

const DIR_ENTRIES: usize = 40;
const TRANSACTIONS: u32 = 1000;
const UNCONTENDED: u32 = 200;

async fn main() {
    let xs = xenstore::client();
    match run(xs).await {
        Ok(()) => println!("xstest: done"),
        Err(e) => println!("xstest: FAILED: {e}"),
    }
    let s = xs.stats();
    println!(
        "xstest: stats requests={} replies={} events={} dropped={} max-in-flight={}",
        s.requests, s.replies, s.watch_events, s.dropped, s.max_in_flight
    );
}

async fn phase(xs: &Xenstore, name: &str) -> Result<(), XsError> {
    xs.write("data/xstest/phase", name).await
}

async fn run(xs: &'static Xenstore) -> Result<(), XsError> {
    let domid = xs.read("domid").await?;
    let name = xs.read("name").await?;
    let home = xs
        .domain_path(domid.parse().map_err(|_| XsError::Errno(Errno::EINVAL))?)
        .await?;
    println!("xstest: domid={domid} name={name} home={home}");

    // Write and read back, including a value larger than the 1 KiB ring.
    xs.write("data/xstest/hello", "world").await?;
    let back = xs.read("data/xstest/hello").await?;
    let big: Vec<u8> = (0..2000u32).map(|i| b'a' + (i % 26) as u8).collect();
    xs.write("data/xstest/big", &big).await?;
    let big_back = xs.read_bytes("data/xstest/big").await?;
    println!(
        "xstest: write-read hello={back} big-len={} big-equal={}",
        big_back.len(),
        big_back == big
    );

    // A directory whose listing is larger than the ring.
    xs.mkdir("data/xstest/dir").await?;
    for i in 0..DIR_ENTRIES {
        xs.write(&entry(i), format!("{i}")).await?;
    }
    let mut names = xs.directory("data/xstest/dir").await?;
    names.sort();
    let bytes: usize = names.iter().map(|n| n.len() + 1).sum();
    println!(
        "xstest: directory entries={} bytes={bytes} names={}",
        names.len(),
        names.join(",")
    );

    // Many requests in flight at once, from concurrent tasks.
    let tasks: Vec<_> = (0..DIR_ENTRIES)
        .map(|i| minios::sched::spawn(async move { xs.read(&entry(i)).await }))
        .collect();
    let mut right = 0;
    for (i, t) in tasks.into_iter().enumerate() {
        if t.await == Ok(format!("{i}")) {
            right += 1;
        }
    }
    println!(
        "xstest: concurrent reads={right} max-in-flight={}",
        xs.stats().max_in_flight
    );

    // Permissions: owned by us, no access for others, but read for dom0 listed explicitly.
    let me: u16 = domid.parse().map_err(|_| XsError::Errno(Errno::EINVAL))?;
    let before = xs.get_perms("data/xstest/hello").await?;
    let new = [
        Perm {
            domid: me,
            access: Access::None,
        },
        Perm {
            domid: 0,
            access: Access::Read,
        },
    ];
    xs.set_perms("data/xstest/hello", &new).await?;
    let after = xs.get_perms("data/xstest/hello").await?;
    println!(
        "xstest: perms before={} after={}",
        perms(&before),
        perms(&after)
    );

    // Another domain's private node.
    let denied = xs.read("/local/domain/0/name").await;
    println!("xstest: other-domain read={}", outcome(&denied));
    let missing = xs.read("data/xstest/no-such-node").await;
    println!("xstest: missing read={}", outcome(&missing));
    // Requests xenstored itself refuses (XS_ERROR): a path with characters it does not
    // allow, and a value over its per-node quota.
    let bad = xs.read("data/xstest/bad path!").await;
    println!("xstest: malformed read={}", outcome(&bad));
    let huge: Vec<u8> = alloc::vec![b'x'; 4000];
    let big = xs
        .write("data/xstest/huge", &huge)
        .await
        .map(|()| String::new());
    println!("xstest: oversized write={}", outcome(&big));

    watch_phase(xs).await?;
    transactions(xs).await
}

fn entry(i: usize) -> String {
    format!("data/xstest/dir/entry-with-a-rather-long-name-{i:02}")
}

fn perms(p: &[Perm]) -> String {
    let words: Vec<String> = p
        .iter()
        .map(|p| {
            let c = match p.access {
                Access::None => 'n',
                Access::Read => 'r',
                Access::Write => 'w',
                Access::Both => 'b',
            };
            format!("{c}{}", p.domid)
        })
        .collect();
    words.join(",")
}

fn outcome(r: &Result<String, XsError>) -> String {
    match r {
        Ok(v) => format!("ok:{v}"),
        Err(e) => format!("{e}"),
    }
}

/// dom0 writes `data/xstest/watched` once we are in phase `watch`; the watch must fire.
async fn watch_phase(xs: &Xenstore) -> Result<(), XsError> {
    let mut w = xs.watch("data/xstest/watched").await?;
    let first = w.next().await?;
    println!("xstest: watch registered initial={first}");
    phase(xs, "watch").await?;
    let start = Instant::now();
    loop {
        let fired = time::timeout(Duration::from_secs(60), w.next()).await;
        let Ok(path) = fired else {
            println!("xstest: watch FAILED: no event in 60 s");
            return Err(XsError::Errno(Errno::EIO));
        };
        let path = path?;
        match xs.read("data/xstest/watched").await {
            Ok(v) if v == "from-dom0" => {
                println!(
                    "xstest: watch fired path={path} value={v} after-ms={}",
                    start.elapsed().as_millis()
                );
                return w.unwatch().await;
            }
            Ok(_) | Err(XsError::Errno(Errno::ENOENT)) => continue,
            Err(e) => return Err(e),
        }
    }
}

/// The slowest transaction, and how many took 250 ms or more.
#[derive(Default)]
struct Slow {
    max_ms: u128,
    count: u32,
}

impl Slow {
    fn record(&mut self, since: Instant) {
        let ms = since.elapsed().as_millis();
        self.max_ms = self.max_ms.max(ms);
        if ms >= 250 {
            self.count += 1;
        }
    }
}

/// One transaction incrementing `data/xstest/counter`; counts the closure's runs.
async fn increment(xs: &Xenstore, runs: &mut u64) -> Result<(), XsError> {
    xs.transaction(async |tx| {
        *runs += 1;
        let v = tx.read("data/xstest/counter").await?;
        let n: u64 = v.parse().map_err(|_| XsError::Errno(Errno::EINVAL))?;
        tx.write("data/xstest/counter", format!("{}", n + 1)).await
    })
    .await
}

/// TRANSACTIONS increments of `data/xstest/counter`, while dom0 increments it too. First a
/// few alone, for the uncontended rate; the counter then restarts at 0.
async fn transactions(xs: &Xenstore) -> Result<(), XsError> {
    xs.write("data/xstest/counter", "0").await?;
    let start = Instant::now();
    let mut runs = 0u64;
    let mut slow = Slow::default();
    for _ in 0..UNCONTENDED {
        let t = Instant::now();
        increment(xs, &mut runs).await?;
        slow.record(t);
    }
    println!(
        "xstest: transactions alone n={UNCONTENDED} runs={runs} ms={} counter={} max-tx-ms={} slow-tx={}",
        start.elapsed().as_millis(),
        xs.read("data/xstest/counter").await?,
        slow.max_ms,
        slow.count
    );
    xs.write("data/xstest/counter", "0").await?;
    phase(xs, "tx").await?;
    // Give dom0's incrementer a moment to start hammering the key.
    time::sleep(Duration::from_millis(500)).await;
    let before = xs.tx_stats();
    let start = Instant::now();
    let mut runs = 0u64;
    let mut slow = Slow::default();
    for i in 1..=TRANSACTIONS {
        if i % 100 == 0 {
            println!(
                "xstest: transactions progress={i} ms={} eagain-retries={}",
                start.elapsed().as_millis(),
                xs.tx_stats().eagain_retries - before.eagain_retries
            );
        }
        let t = Instant::now();
        increment(xs, &mut runs).await?;
        slow.record(t);
    }
    let ms = start.elapsed().as_millis();
    let after = xs.tx_stats();
    // dom0 reads the counter and lists our nodes before we go (our home goes with us).
    let mut w = xs.watch("data/xstest/phase").await?;
    phase(xs, "tx-done").await?;
    let checked = time::timeout(Duration::from_secs(120), async {
        loop {
            w.next().await?;
            if xs.read("data/xstest/phase").await? == "checked" {
                return Ok::<(), XsError>(());
            }
        }
    })
    .await;
    println!("xstest: dom0 checked={}", matches!(checked, Ok(Ok(()))));
    println!(
        "xstest: transactions done commits={} eagain-retries={} closure-runs={runs} ms={ms} max-tx-ms={} slow-tx={}",
        after.commits - before.commits,
        after.eagain_retries - before.eagain_retries,
        slow.max_ms,
        slow.count
    );
    Ok(())
}
