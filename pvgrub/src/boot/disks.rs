//! The guest's disks: each partition table read once, each filesystem mounted once.

use alloc::collections::BTreeMap;
use alloc::rc::Rc;
use alloc::vec::Vec;

use super::error::{FileError, FileErrorKind, OpenError};
use crate::disk::{
    BlockDevice, DiskError, Partition, PartitionKind, PartitionTable, TableKind, Window,
};
use crate::fs::{FileSystem, Filesystem};
use crate::menu::Device;

/// A mounted filesystem on one of the guest's disks or partitions.
pub type Volume<D> = Filesystem<Partition<D>>;

/// One disk: its device, its table once read, its filesystems once mounted (or why not).
struct Drive<D> {
    dev: D,
    table: Option<Result<PartitionTable, DiskError>>,
    volumes: BTreeMap<Option<u32>, Result<Volume<D>, Rc<OpenError>>>,
}

/// The guest's disks, `(hd0)` first. `D` is a cheap handle to one disk (a clone reads the
/// same disk): each mounted filesystem holds one.
pub struct Disks<D> {
    drives: Vec<Drive<D>>,
}

impl<D: BlockDevice + Clone + 'static> Disks<D> {
    /// The disks `devs`, `devs[n]` being `(hdN)`.
    pub fn new(devs: Vec<D>) -> Self {
        let drives = devs
            .into_iter()
            .map(|dev| Drive {
                dev,
                table: None,
                volumes: BTreeMap::new(),
            })
            .collect();
        Self { drives }
    }

    /// How many disks there are.
    pub fn count(&self) -> usize {
        self.drives.len()
    }

    fn drive(&mut self, drive: u32) -> Result<&mut Drive<D>, OpenError> {
        let count = self.drives.len();
        usize::try_from(drive)
            .ok()
            .and_then(|i| self.drives.get_mut(i))
            .ok_or(OpenError::NoSuchDrive { drive, count })
    }

    /// The partition table of `(hd<drive>)`, read on first use.
    pub fn table(&mut self, drive: u32) -> Result<&PartitionTable, OpenError> {
        let d = self.drive(drive)?;
        let dev = &mut d.dev;
        d.table
            .get_or_insert_with(|| PartitionTable::read(dev))
            .as_ref()
            .map_err(|&e| OpenError::Table(e))
    }

    /// The devices of `(hd<drive>)` that may hold a filesystem, in number order: each
    /// partition but extended ones, or the whole disk if it has no table.
    pub fn devices(&mut self, drive: u32) -> Result<Vec<Device>, OpenError> {
        let table = self.table(drive)?;
        let device = |partition| Device::Disk {
            drive,
            partition,
            bsd_slice: None,
        };
        if table.kind() == TableKind::None {
            return Ok(alloc::vec![device(None)]);
        }
        Ok(table
            .entries()
            .iter()
            .filter(|e| e.kind != PartitionKind::MbrExtended)
            .map(|e| device(Some(e.number)))
            .collect())
    }

    /// Where partition `device` lies on its disk, if the table has it (`None` for a whole
    /// disk, another device, or a partition the table lacks).
    pub fn window_of(&mut self, device: &Device) -> Option<Window> {
        let &Device::Disk {
            drive,
            partition: Some(n),
            bsd_slice: None,
        } = device
        else {
            return None;
        };
        self.table(drive).ok()?.get(n).map(|e| e.window())
    }

    /// The filesystem on `device`, mounted on first use. A failure is remembered: the
    /// device is not probed again.
    pub fn volume(&mut self, device: &Device) -> Result<&mut Volume<D>, Rc<OpenError>> {
        let &Device::Disk {
            drive,
            partition,
            bsd_slice: None,
        } = device
        else {
            return Err(Rc::new(OpenError::Unsupported(device.clone())));
        };
        let size = self.drive(drive).map_err(Rc::new)?.dev.size();
        let window = match partition {
            None => None,
            Some(n) => Some(self.table(drive).map_err(Rc::new)?.window(n, size)),
        };
        let d = self.drive(drive).map_err(Rc::new)?;
        let dev = &d.dev;
        d.volumes
            .entry(partition)
            .or_insert_with(|| mount(dev, window).map_err(Rc::new))
            .as_mut()
            .map_err(|e| e.clone())
    }

    /// The whole file at `path` (bytes, exactly as a menu or command line wrote them) on
    /// `device`, at most `max_len` bytes.
    pub fn read_file(
        &mut self,
        device: &Device,
        path: impl AsRef<[u8]>,
        max_len: usize,
    ) -> Result<Vec<u8>, FileError> {
        let path = path.as_ref();
        let error = |kind| FileError {
            device: device.clone(),
            path: Vec::from(path),
            kind,
        };
        let volume = self
            .volume(device)
            .map_err(|e| error(FileErrorKind::Open(e)))?;
        // Until the filesystems take byte paths, a name that is not UTF-8 cannot be found.
        let path_str = core::str::from_utf8(path)
            .map_err(|_| error(FileErrorKind::Read(crate::fs::FsError::NotFound)))?;
        volume
            .read_file(path_str, max_len)
            .map_err(|e| error(FileErrorKind::Read(e)))
    }
}

/// Mounts the filesystem in `window` of `dev` (`None`: the whole disk). The window comes
/// from the table, checked here against the disk's size.
fn mount<D: BlockDevice + Clone + 'static>(
    dev: &D,
    window: Option<Result<Window, DiskError>>,
) -> Result<Volume<D>, OpenError> {
    let part = match window {
        None => Partition::whole(dev.clone()),
        Some(w) => {
            let w = w.map_err(OpenError::Partition)?;
            Partition::new(dev.clone(), w).map_err(|e| OpenError::Partition(DiskError::Io(e)))?
        }
    };
    Filesystem::open(part).map_err(OpenError::Mount)
}
