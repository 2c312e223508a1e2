//! Grants that dom0's `gnt-peer` (tests/rig/peers/gnt_peer.c) maps through gntdev, so dom0
//! sees what we and Xen wrote to the page, and we see what dom0 wrote. The two sides hand over
//! through `data/gnttest/guest` (ours) and `data/gnttest/dom0` (dom0's), each waiting for the
//! other's value with a deadline.
//!
//! The page `rw` is granted to dom0 read-write and filled with [`pattern`]`(31)`; `ro` is
//! granted read-only, filled with `pattern(17)`. While dom0 holds `rw` mapped (after writing
//! its nonce at [`NONCE_AT`]) we also grant the page to ourselves, map it and copy through
//! that grant; dom0 then saves the page again.

use alloc::string::String;
use alloc::vec::Vec;

use minios::abi::xen::DomId;
use minios::grant::{copy_from_grant, copy_to_grant, map_foreign, Grant, GrantError, PoolPage};
use minios::mm::OutOfFrames;
use minios::println;
use minios::time::{self, Duration, Instant};
use minios::xenstore::{Errno, Watch, Xenstore, XsError};

/// Where dom0 writes its nonce (NUL-terminated) into `rw`.
const NONCE_AT: usize = 3000;
/// How long we wait for dom0 at a handshake, or for a grant dom0 unmapped to end.
const DEADLINE: Duration = Duration::from_secs(120);

/// Byte `i` of a page filled with pattern `k`: `(i * k + 7) % 251`.
fn pattern(k: usize) -> Vec<u8> {
    (0..4096).map(|i| ((i * k + 7) % 251) as u8).collect()
}

/// What went wrong, for the FAILED line.
pub enum Failure {
    /// A grant operation.
    Grant(GrantError),
    /// A xenstore request, or dom0 did not answer in time.
    Xenstore(XsError),
    /// A grant ended while dom0 or we still had it mapped.
    EndedWhileMapped,
    /// The frame pool had no page to share.
    OutOfFrames(OutOfFrames),
}

impl core::fmt::Display for Failure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Failure::Grant(e) => write!(f, "grant: {e}"),
            Failure::OutOfFrames(e) => write!(f, "{e}"),
            Failure::Xenstore(e) => write!(f, "xenstore: {e}"),
            Failure::EndedWhileMapped => write!(f, "a grant ended while mapped"),
        }
    }
}

impl From<GrantError> for Failure {
    fn from(e: GrantError) -> Self {
        Failure::Grant(e)
    }
}

impl From<OutOfFrames> for Failure {
    fn from(e: OutOfFrames) -> Self {
        Failure::OutOfFrames(e)
    }
}

impl From<XsError> for Failure {
    fn from(e: XsError) -> Self {
        Failure::Xenstore(e)
    }
}

/// Tells dom0 we reached `step`, then waits until dom0 writes `want`.
async fn handshake(
    xs: &Xenstore,
    w: &mut Watch<'_>,
    step: &str,
    want: &str,
) -> Result<(), XsError> {
    xs.write("data/gnttest/guest", step).await?;
    let start = Instant::now();
    loop {
        match xs.read("data/gnttest/dom0").await {
            Ok(v) if v == want => return Ok(()),
            Ok(_) | Err(XsError::Errno(Errno::ENOENT)) => {}
            Err(e) => return Err(e),
        }
        let left = DEADLINE.saturating_sub(start.elapsed());
        if time::timeout(left, w.next()).await.is_err() {
            println!("gnttest: no dom0={want} in {DEADLINE:?}");
            return Err(XsError::Errno(Errno::EIO));
        }
    }
}

/// Ends `g`, retrying while it is in use (dom0's unmap can complete a little after its
/// munmap), up to [`DEADLINE`]. Returns the last result and the attempts made.
async fn end_when_unmapped(mut g: Grant) -> (Result<(), GrantError>, u32) {
    let start = Instant::now();
    let mut tries = 0;
    loop {
        tries += 1;
        match g.end() {
            Ok(()) => return (Ok(()), tries),
            Err((back, GrantError::InUse)) if start.elapsed() < DEADLINE => {
                g = back;
                time::sleep(Duration::from_millis(10)).await;
            }
            Err((_, e)) => return (Err(e), tries),
        }
    }
}

/// The text up to the first NUL of `bytes`.
fn text(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into()
}

/// The whole exchange with dom0 (see the module docs).
pub async fn grants(xs: &Xenstore, me: DomId) -> Result<(), Failure> {
    let page = PoolPage::alloc()?;
    page.write_bytes(0, &pattern(31));
    let rw = Grant::new(0, &page, false)?;
    let ro_page = PoolPage::alloc()?;
    ro_page.write_bytes(0, &pattern(17));
    let ro = Grant::new(0, &ro_page, true)?;
    xs.write("data/gnttest/rw-ref", alloc::format!("{}", rw.gref()))
        .await?;
    xs.write("data/gnttest/ro-ref", alloc::format!("{}", ro.gref()))
        .await?;
    let mut w = xs.watch("data/gnttest/dom0").await?;
    handshake(xs, &mut w, "granted", "mapped").await?;

    // dom0 maps `rw`: it must not end.
    let rw = match rw.end() {
        Ok(()) => {
            println!("gnttest: end-while-dom0-maps=ended (WRONG)");
            return Err(Failure::EndedWhileMapped);
        }
        Err((g, e)) => {
            println!("gnttest: end-while-dom0-maps={e:?}");
            g
        }
    };
    self_grant(&page, me)?;
    handshake(xs, &mut w, "self-done", "unmapped").await?;
    let (ended, tries) = end_when_unmapped(rw).await;
    println!("gnttest: end-after-dom0-unmap={ended:?} tries={tries}");
    let (ro_ended, _) = end_when_unmapped(ro).await;
    println!("gnttest: ro end-after-dom0-unmap={ro_ended:?}");
    handshake(xs, &mut w, "ended", "checked").await?;
    Ok(w.unwatch().await?)
}

/// The same page granted to ourselves: map it (read dom0's nonce, write through the
/// mapping; the grant must not end meanwhile), then grant copies both ways.
fn self_grant(page: &PoolPage, me: DomId) -> Result<(), Failure> {
    let g = Grant::new(me, page, false)?;
    let map = map_foreign(me, g.gref(), false)?;
    let mut seen = [0u8; 64];
    map.read_bytes(NONCE_AT, &mut seen);
    map.write_bytes(100, b"written-through-mapping")?;
    let g = match g.end() {
        Ok(()) => {
            println!("gnttest: end-while-mapped=ended (WRONG)");
            return Err(Failure::EndedWhileMapped);
        }
        Err((g, e)) => {
            println!("gnttest: end-while-mapped={e:?}");
            g
        }
    };
    map.unmap()?;
    copy_to_grant(b"copied-by-xen", me, g.gref(), 2000)?;
    let mut via_copy = [0u8; 64];
    copy_from_grant(me, g.gref(), NONCE_AT as u16, &mut via_copy)?;
    let crossing = copy_from_grant(me, g.gref(), 4000, &mut [0u8; 200]);
    println!(
        "gnttest: self map-read={} copy-read={} crossing={crossing:?}",
        text(&seen),
        text(&via_copy)
    );
    println!("gnttest: end-after-unmap={:?}", g.end().map_err(|(_, e)| e));
    Ok(())
}
