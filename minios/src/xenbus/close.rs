//! The end of a frontend's life, shared by every device class: ending the grants of its
//! rings and buffers once the backend has let go of them.

use alloc::vec::Vec;

use crate::grant::GrantedPages;
use crate::time::{self, Duration, Instant};

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
