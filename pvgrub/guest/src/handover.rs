//! Handing our frontends over to the booted kernel: a closed vbd or vif goes back to
//! `Initialising`, so the kernel's own blkfront and netfront connect to it.

use minios::time::Duration;
use minios::{println, xenbus, xenstore};

/// Hands the closed device at xenstore `node` over to the next kernel (see
/// `Frontend::hand_over`); a failure is reported, the boot goes on.
pub async fn hand_over(node: &str) {
    let xs = xenstore::client();
    let r = match xenbus::Frontend::new(xs, node).await {
        Ok(f) => f.hand_over_within(Duration::from_secs(10)).await,
        Err(e) => Err(e),
    };
    if let Err(e) = r {
        println!("pv-grub: {node}: cannot hand the device over to the kernel: {e}");
    }
}
