//! The guest's vbds as pvgrub block devices: `(hd0)` is the first vbd by device id.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use minios::blkfront::{BlkError, Disk, Overrides, SyncDisk};
use minios::{println, xenbus, xenstore};
use pvgrub::disk::{BlockDevice, IoError};

/// One of the guest's disks, read synchronously through a shared cache.
#[derive(Clone)]
pub struct Vbd(SyncDisk<Disk>, Arc<str>);

impl Vbd {
    /// Closes the disk and hands it over, so that the booted kernel's blkfront connects.
    pub async fn close(&self) {
        self.0.io().close().await;
        crate::handover::hand_over(&self.1).await;
    }
}

impl BlockDevice for Vbd {
    fn sector_size(&self) -> u32 {
        self.0.sector_size()
    }

    fn size(&self) -> u64 {
        self.0.size()
    }

    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), IoError> {
        let offset = lba.saturating_mul(u64::from(self.sector_size()));
        self.0
            .read_sectors(lba, buf)
            .map_err(|e| io_error(e, offset, buf.len()))
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), IoError> {
        self.0
            .read_at(offset, buf)
            .map_err(|e| io_error(e, offset, buf.len()))
    }
}

/// pvgrub's view of a failed read (the blkfront error is logged: it says more).
fn io_error(e: BlkError, offset: u64, len: usize) -> IoError {
    log::warn!("disk read of {len} bytes at byte {offset} failed: {e}");
    match e {
        BlkError::OutOfRange { .. } => IoError::OutOfRange {
            offset,
            len: len as u64,
        },
        _ => IoError::Device(-5),
    }
}

/// Opens every vbd of the guest, in device-id order. A vbd that cannot be opened is reported
/// and left out (the disks after it keep their numbers shifted, as GRUB would see them).
pub async fn open_all() -> Result<Vec<Vbd>, String> {
    let xs = xenstore::client();
    let devs = xenbus::devices(xs, "vbd")
        .await
        .map_err(|e| format!("cannot list the guest's disks: {e}"))?;
    let mut out = Vec::new();
    for (id, node) in devs {
        match Disk::open(&node, &Overrides::default()).await {
            Ok(disk) => {
                log::info!(
                    "(hd{}): vbd {id}, {} sectors of {} bytes",
                    out.len(),
                    disk.sectors(),
                    disk.sector_size()
                );
                out.push(Vbd(disk.into_sync(), Arc::from(node.as_str())));
            }
            Err(e) => println!("pv-grub: vbd {id} ({node}) cannot be opened: {e}"),
        }
    }
    Ok(out)
}
