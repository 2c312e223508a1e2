//! The guest's disks: each partition table read once, each filesystem mounted once.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::rc::Rc;
use alloc::vec::Vec;

use super::error::{FileError, FileErrorKind, OpenError};
use crate::disk::{
    BlockDevice, DiskError, Partition, PartitionKind, PartitionTable, TableKind, Window,
};
use crate::fs::{FileReader, FileSystem, Filesystem, FsError};
use crate::io::Source;
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

    /// The partition table of `(hd<drive>)`, read on first use; what was wrong with it is
    /// logged then, as warnings.
    pub fn table(&mut self, drive: u32) -> Result<&PartitionTable, OpenError> {
        let d = self.drive(drive)?;
        let dev = &mut d.dev;
        d.table
            .get_or_insert_with(|| {
                let table = PartitionTable::read(dev);
                for p in table.iter().flat_map(PartitionTable::problems) {
                    log::warn!(
                        "(hd{drive}): partition table: {p}; the other partitions are still used"
                    );
                }
                table
            })
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
        let volume = self
            .volume(device)
            .map_err(|e| open_error(device, path, e))?;
        volume
            .read_file(path, max_len)
            .map_err(|e| read_error(device, path, e))
    }

    /// The file at `path` on `device`, opened to be read front to back in chunks (see
    /// [`FileSystem::open_file`]); read errors name the device and path too.
    pub fn open_file(&mut self, device: &Device, path: &[u8]) -> Result<DiskFile<'_>, FileError> {
        let volume = self
            .volume(device)
            .map_err(|e| open_error(device, path, e))?;
        let file = volume
            .open_file(path)
            .map_err(|e| read_error(device, path, e))?;
        Ok(DiskFile {
            device: device.clone(),
            path: path.to_vec(),
            file,
        })
    }
}

fn open_error(device: &Device, path: &[u8], e: Rc<OpenError>) -> FileError {
    FileError {
        device: device.clone(),
        path: path.to_vec(),
        kind: FileErrorKind::Open(e),
    }
}

fn read_error(device: &Device, path: &[u8], e: FsError) -> FileError {
    FileError {
        device: device.clone(),
        path: path.to_vec(),
        kind: FileErrorKind::Read(e),
    }
}

/// A file open on one of the guest's disks ([`Disks::open_file`]): a [`Source`] whose
/// errors say which file failed.
pub struct DiskFile<'a> {
    device: Device,
    path: Vec<u8>,
    file: Box<dyn FileReader + 'a>,
}

impl DiskFile<'_> {
    /// The file's length in bytes.
    pub fn len(&self) -> u64 {
        self.file.len()
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.file.is_empty()
    }
}

impl Source for DiskFile<'_> {
    type Error = FileError;

    fn read(&mut self, buf: &mut [u8]) -> Result<usize, FileError> {
        self.file
            .read(buf)
            .map_err(|e| read_error(&self.device, &self.path, e))
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
