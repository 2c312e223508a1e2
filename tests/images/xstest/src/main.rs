//! xstest: the xenstore client against dom0's real xenstored. Each phase prints
//! `xstest: ...` lines with what it observed; dom0's during script (tests/rig, `xenstore.rs`)
//! reads what we wrote itself. The two sides hand over through nodes: we write
//! `data/xstest/phase`, which dom0 follows; dom0 answers through nodes we watch.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

extern crate alloc;

mod tx;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use minios::println;
use minios::time::{self, Duration, Instant};
use minios::xenstore::{self, Access, Errno, Perm, Watch, Xenstore, XsError};

minios::main!(async main);

const DIR_ENTRIES: usize = 40;
/// How long we wait for dom0 at a handshake before giving up.
pub(crate) const DOM0_DEADLINE: Duration = Duration::from_secs(120);

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

/// Tells dom0 we reached `name`.
async fn phase(xs: &Xenstore, name: &str) -> Result<(), XsError> {
    xs.write("data/xstest/phase", name).await
}

/// Waits (on `w`, a watch covering `path`) until `path` reads `want`; gives up after
/// [`DOM0_DEADLINE`] with `EIO`. Returns the path of the event that showed it and the value.
async fn wait_value(
    xs: &Xenstore,
    w: &mut Watch<'_>,
    path: &str,
    want: &str,
) -> Result<(String, String), XsError> {
    let start = Instant::now();
    loop {
        let left = DOM0_DEADLINE.saturating_sub(start.elapsed());
        let Ok(fired) = time::timeout(left, w.next()).await else {
            println!("xstest: no {path}={want} from dom0 in {DOM0_DEADLINE:?}");
            return Err(XsError::Errno(Errno::EIO));
        };
        let fired = fired?;
        match xs.read(path).await {
            Ok(v) if v == want => return Ok((fired, v)),
            Ok(_) | Err(XsError::Errno(Errno::ENOENT)) => continue,
            Err(e) => return Err(e),
        }
    }
}

async fn run(xs: &'static Xenstore) -> Result<(), XsError> {
    let domid = xs.read("domid").await?;
    let name = xs.read("name").await?;
    let me: u16 = domid.parse().map_err(|_| XsError::Errno(Errno::EINVAL))?;
    let home = xs.domain_path(me).await?;
    println!("xstest: domid={domid} name={name} home={home}");

    // Values dom0 reads back, one larger than the 1 KiB ring.
    xs.write("data/xstest/hello", "world").await?;
    let big: Vec<u8> = (0..2000u32).map(|i| b'a' + (i % 26) as u8).collect();
    xs.write("data/xstest/big", &big).await?;

    // A directory whose listing is larger than the ring.
    xs.mkdir("data/xstest/dir").await?;
    for i in 0..DIR_ENTRIES {
        xs.write(&entry(i), format!("{i}")).await?;
    }
    let mut names = xs.directory("data/xstest/dir").await?;
    names.sort();
    println!(
        "xstest: directory entries={} names={}",
        names.len(),
        names.join(",")
    );

    // Many requests in flight at once, from concurrent tasks: the values, in task order.
    let tasks: Vec<_> = (0..DIR_ENTRIES)
        .map(|i| minios::sched::spawn(async move { xs.read(&entry(i)).await }))
        .collect();
    let mut values = Vec::new();
    for t in tasks {
        values.push(outcome(&t.await));
    }
    println!(
        "xstest: concurrent values={} max-in-flight={}",
        values.join(","),
        xs.stats().max_in_flight
    );

    // Permissions: owned by us, no access for others, but read for dom0 listed explicitly.
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

    refusals(xs).await;
    watch_phase(xs).await?;
    tx::transactions(xs).await
}

/// Requests that must fail, with the errno each got.
async fn refusals(xs: &Xenstore) {
    // Another domain's private node.
    let denied = xs.read("/local/domain/0/name").await;
    println!("xstest: other-domain read={}", outcome(&denied));
    let missing = xs.read("data/xstest/no-such-node").await;
    println!("xstest: missing read={}", outcome(&missing));
    // Requests xenstored itself refuses (XS_ERROR): a path with characters it does not
    // allow, and a value over its per-node quota (dom0 checks the node does not exist).
    let bad = xs.read("data/xstest/bad path!").await;
    println!("xstest: malformed read={}", outcome(&bad));
    let huge: Vec<u8> = alloc::vec![b'x'; 4000];
    let big = xs
        .write("data/xstest/huge", &huge)
        .await
        .map(|()| String::new());
    println!("xstest: oversized write={}", outcome(&big));
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

/// Phase `written`: dom0 reads what we wrote, writes `data/xstest/dom0-big`, then
/// `data/xstest/watched`, whose watch must fire; then we read dom0's big value.
async fn watch_phase(xs: &Xenstore) -> Result<(), XsError> {
    let mut w = xs.watch("data/xstest/watched").await?;
    let first = w.next().await?;
    println!("xstest: watch registered initial={first}");
    phase(xs, "written").await?;
    let start = Instant::now();
    let (path, value) = wait_value(xs, &mut w, "data/xstest/watched", "from-dom0").await?;
    println!(
        "xstest: watch fired path={path} value={value} after-ms={}",
        start.elapsed().as_millis()
    );
    w.unwatch().await?;
    let theirs = xs.read_bytes("data/xstest/dom0-big").await?;
    println!(
        "xstest: dom0-big len={} value={}",
        theirs.len(),
        String::from_utf8_lossy(&theirs)
    );
    Ok(())
}
