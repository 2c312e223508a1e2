//! Transactions on `data/xstest/counter`: first alone, then against dom0's `xs-incr`
//! (tests/rig/peers/xs_incr.c), which increments the same counter in its own transactions.
//! dom0 reads the counter itself; we report our commits, retries and timings.

use alloc::format;

use minios::println;
use minios::time::{self, Instant};
use minios::xenstore::{Errno, Tx, Xenstore, XsError};

use crate::{phase, wait_value, DOM0_DEADLINE};

const COUNTER: &str = "data/xstest/counter";
const TRANSACTIONS: u32 = 1000;
const UNCONTENDED: u32 = 200;
/// Every HOLD_EVERY-th contended increment keeps its transaction open after reading the
/// counter until dom0 has committed (a read outside the transaction shows a new value), so
/// its commit must fail with EAGAIN and run again. xs-incr commits only once we committed
/// since its last commit, so we hold only when dom0 has not committed since our last commit
/// (it may commit then). This gives contention that does not depend on the two sides'
/// speeds under TCG, and progress for dom0 however fast we are.
const HOLD_EVERY: u32 = 20;

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

async fn read_counter(tx: &Tx<'_>) -> Result<u64, XsError> {
    let v = tx.read(COUNTER).await?;
    v.parse().map_err(|_| XsError::Errno(Errno::EINVAL))
}

/// One transaction incrementing the counter; counts the closure's runs.
async fn increment(xs: &Xenstore, runs: &mut u64) -> Result<(), XsError> {
    xs.transaction(async |tx| {
        *runs += 1;
        let n = read_counter(tx).await?;
        tx.write(COUNTER, format!("{}", n + 1)).await
    })
    .await
}

/// Our side of the contended phase.
struct Contended {
    /// The counter when it began (dom0 commits only after our first commit).
    base: u64,
    /// Our commits so far.
    ours: u64,
    /// dom0's commits as our last committed transaction saw them.
    dom0_seen: u64,
    /// Transactions held open until dom0 committed.
    holds: u32,
    /// Runs of the transaction closure.
    runs: u64,
}

/// Waits until the counter (read outside any transaction) is no longer `n`.
async fn wait_for_commit(xs: &Xenstore, n: u64) -> Result<(), XsError> {
    let mut w = xs.watch(COUNTER).await?;
    let start = Instant::now();
    while xs.read(COUNTER).await? == format!("{n}") {
        let left = DOM0_DEADLINE.saturating_sub(start.elapsed());
        if time::timeout(left, w.next()).await.is_err() {
            println!("xstest: dom0 did not commit in {DOM0_DEADLINE:?}");
            return Err(XsError::Errno(Errno::EIO));
        }
    }
    w.unwatch().await
}

/// One increment against dom0, held open until dom0 committed when `hold` (HOLD_EVERY).
async fn increment_against_dom0(
    xs: &Xenstore,
    c: &mut Contended,
    mut hold: bool,
) -> Result<(), XsError> {
    let dom0 = xs
        .transaction(async |tx| {
            c.runs += 1;
            let n = read_counter(tx).await?;
            let dom0 = n
                .checked_sub(c.base + c.ours)
                .ok_or(XsError::Errno(Errno::EINVAL))?;
            if hold && dom0 == c.dom0_seen {
                hold = false;
                c.holds += 1;
                wait_for_commit(xs, n).await?;
            }
            tx.write(COUNTER, format!("{}", n + 1)).await?;
            Ok(dom0)
        })
        .await?;
    c.ours += 1;
    c.dom0_seen = dom0;
    Ok(())
}

/// UNCONTENDED increments alone (dom0 then reads the counter), then TRANSACTIONS while
/// dom0's `xs-incr` increments it too. Handshakes: phase `alone-done`, then we wait for
/// `data/xstest/incr` = `ready` (xs-incr is running); phase `tx-done` stops xs-incr, and we
/// wait for phase `checked` (dom0 has read the counter; our home goes with us).
pub async fn transactions(xs: &Xenstore) -> Result<(), XsError> {
    xs.write(COUNTER, "0").await?;
    let start = Instant::now();
    let mut runs = 0u64;
    let mut slow = Slow::default();
    for _ in 0..UNCONTENDED {
        let t = Instant::now();
        increment(xs, &mut runs).await?;
        slow.record(t);
    }
    println!(
        "xstest: transactions alone n={UNCONTENDED} runs={runs} ms={} max-tx-ms={} slow-tx={}",
        start.elapsed().as_millis(),
        slow.max_ms,
        slow.count
    );
    let mut ready = xs.watch("data/xstest/incr").await?;
    phase(xs, "alone-done").await?;
    wait_value(xs, &mut ready, "data/xstest/incr", "ready").await?;
    ready.unwatch().await?;

    let base = xs.read(COUNTER).await?;
    let base = base.parse().map_err(|_| XsError::Errno(Errno::EINVAL))?;
    let mut c = Contended {
        base,
        ours: 0,
        dom0_seen: 0,
        holds: 0,
        runs: 0,
    };
    let before = xs.tx_stats();
    let start = Instant::now();
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
        increment_against_dom0(xs, &mut c, i % HOLD_EVERY == 0).await?;
        slow.record(t);
    }
    let ms = start.elapsed().as_millis();
    let after = xs.tx_stats();
    let mut w = xs.watch("data/xstest/phase").await?;
    phase(xs, "tx-done").await?;
    wait_value(xs, &mut w, "data/xstest/phase", "checked").await?;
    println!(
        "xstest: transactions done commits={} eagain-retries={} holds={} closure-runs={} \
         ms={ms} max-tx-ms={} slow-tx={}",
        after.commits - before.commits,
        after.eagain_retries - before.eagain_retries,
        c.holds,
        c.runs,
        slow.max_ms,
        slow.count
    );
    Ok(())
}
