//! The end of a frontend's life, shared by every device class: closing when the backend
//! leaves, and ending the grants of its rings and buffers once the backend has let go of them.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::Future;
use core::sync::atomic::{AtomicBool, Ordering};

use super::{DeviceStatus, Frontend};
use crate::grant::GrantedPages;
use crate::time::{self, Duration, Instant};

/// What the backend-gone watcher needs of an open device.
pub trait Closable: Send + Sync + 'static {
    /// The device's frontend.
    fn frontend(&self) -> &Frontend<'static>;
    /// Set by whoever closes the device first (us, or the watcher).
    fn closing(&self) -> &AtomicBool;
    /// Fails what is in flight, runs the close handshake, ends every grant.
    fn shutdown(&self) -> impl Future<Output = DeviceStatus> + Send;
}

/// Spawns the task that closes `dev` when its backend leaves (`xl block-detach`,
/// `xl network-detach`, a dying backend), unless it is being closed already; `what` (the
/// class, `blkfront`) and `then` (what closing does) go in the warning.
pub fn close_when_backend_gone<D: Closable>(dev: Arc<D>, what: &'static str, then: &'static str) {
    crate::sched::spawn(async move {
        let gone = dev.frontend().backend_gone().await;
        if dev.closing().swap(true, Ordering::SeqCst) {
            return;
        }
        log::warn!(
            "{what}: {}: the backend left ({gone:?}); {then}",
            dev.frontend().node()
        );
        dev.shutdown().await;
    });
}

/// Ends the grants of a closed device: its rings' pages and its buffers, through
/// `end_buffers` (which ends what it can and returns how many buffer grants are still in
/// use). A backend may still finish requests it had taken after it says Closed, so Xen
/// refuses to end grants it maps: they are tried again every 20 ms for `limit`, then kept
/// (never reused) with a warning naming `node`. Returns how many were kept.
pub async fn end_grants(
    node: &str,
    mut rings: Vec<GrantedPages>,
    mut end_buffers: impl FnMut() -> usize,
    limit: Duration,
) -> usize {
    let end = Instant::now() + limit;
    let stuck = loop {
        rings = rings
            .into_iter()
            .filter_map(|r| r.end().err().map(|(r, _)| r))
            .collect();
        let stuck = end_buffers() + rings.iter().map(|r| r.pages().len()).sum::<usize>();
        if stuck == 0 || Instant::now() >= end {
            break stuck;
        }
        time::sleep(Duration::from_millis(20)).await;
    };
    if stuck > 0 {
        log::warn!("{node}: {stuck} grant(s) still in use; kept");
    }
    stuck
}
