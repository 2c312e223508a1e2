//! Finding the devices of a class under our home's `device/` node.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::XenbusError;
use crate::xenstore::{Errno, Xenstore, XsError};

/// The devices of `class` (`vbd`, `vif`, `console`, ...): `(id, node)` pairs such as
/// `(51712, "device/vbd/51712")`, sorted by id (for vbds the virtual-device number, so xvda
/// comes first). Ids that are not numbers are skipped with a warning; no `device/<class>`
/// node means no device.
pub async fn devices(xs: &Xenstore, class: &str) -> Result<Vec<(u32, String)>, XenbusError> {
    let dir = format!("device/{class}");
    let names = match xs.directory(&dir).await {
        Ok(names) => names,
        Err(XsError::Errno(Errno::ENOENT)) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let mut out: Vec<(u32, String)> = names
        .into_iter()
        .filter_map(|name| match name.parse() {
            Ok(id) => Some((id, format!("{dir}/{name}"))),
            Err(_) => {
                log::warn!("xenbus: {dir}/{name} is not a device id; skipped");
                None
            }
        })
        .collect();
    out.sort_unstable_by_key(|&(id, _)| id);
    Ok(out)
}
