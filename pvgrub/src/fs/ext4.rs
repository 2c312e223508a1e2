//! ext2/3/4 through the ext4-view crate, reading through a [`BlockDevice`].

use super::work::Work;
use super::{read_if_present, DirEntry, FileReader, FileSystem, FsError, FsKind, Metadata};
use super::{NodeKind, MAX_BLOCK_SIZE, MAX_DIR_ENTRIES};
use crate::disk::{BlockDevice, IoError};
use crate::io::Source;
use alloc::boxed::Box;
use alloc::vec::Vec;
use ext4_view::{Ext4, Ext4Read, FileType};

mod tree;

/// Offset of the superblock's magic number (superblock at 1024, magic at +0x38).
const MAGIC_OFFSET: u64 = 1024 + 0x38;

/// Whether `dev` has the ext2/3/4 superblock magic.
pub(crate) fn probe<D: BlockDevice + ?Sized>(dev: &mut D) -> Result<bool, IoError> {
    let mut magic = [0u8; 2];
    Ok(read_if_present(dev, MAGIC_OFFSET, &mut magic)? && magic == [0x53, 0xef])
}

/// Byte of the superblock holding the `metadata_csum` read-only-compatible feature bit
/// (`s_feature_ro_compat` at +0x64, bit 0x400) and that bit within it.
const CSUM_FEATURE_BYTE: u64 = 1024 + 0x65;
const CSUM_FEATURE_BIT: u8 = 0x04;

/// Smallest inode that ext4-view accepts when `metadata_csum` is on (it wants the high half of
/// the inode checksum, at +0x82).
const MIN_CSUM_INODE: u16 = 0x84;

/// Adapts a [`BlockDevice`] to ext4-view's reader trait.
struct Reader<D> {
    dev: D,
    /// Hide the `metadata_csum` feature from ext4-view (see [`Ext4Fs::open`]).
    hide_csum: bool,
}

impl<D: BlockDevice> Ext4Read for Reader<D> {
    fn read(
        &mut self,
        start_byte: u64,
        dst: &mut [u8],
    ) -> Result<(), Box<dyn core::error::Error + Send + Sync + 'static>> {
        self.dev.read_at(start_byte, dst).map_err(Box::new)?;
        if self.hide_csum {
            let at = CSUM_FEATURE_BYTE
                .checked_sub(start_byte)
                .map(usize::try_from);
            if let Some(byte) = at.and_then(Result::ok).and_then(|i| dst.get_mut(i)) {
                *byte &= !CSUM_FEATURE_BIT;
            }
        }
        Ok(())
    }
}

/// What pv-grub checks in the superblock before ext4-view sees it.
struct Precheck {
    /// `metadata_csum` with inodes too small for ext4-view.
    csum_with_small_inodes: bool,
}

fn le32(sb: &[u8; 0x154], at: usize) -> u32 {
    match sb.get(at..at + 4) {
        Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
        _ => 0,
    }
}

impl Precheck {
    /// Reads the superblock. Like Linux, refuses a filesystem larger than its device: ext4-view
    /// sizes its block group table from the block count alone. Blocks over [`MAX_BLOCK_SIZE`]
    /// (which ext4-view would take up to 2 GiB) are refused too.
    fn new<D: BlockDevice>(dev: &mut D) -> Result<Self, FsError> {
        let mut sb = [0u8; 0x154];
        dev.read_at(1024, &mut sb)?;
        // ext4-view combines the block count halves whether or not the 64bit feature is set.
        let blocks = (u64::from(le32(&sb, 0x150)) << 32) | u64::from(le32(&sb, 0x4));
        let log_block_size = le32(&sb, 0x18);
        let block_size = 1024u64
            .checked_shl(log_block_size)
            .filter(|b| (1024..=MAX_BLOCK_SIZE).contains(b))
            .ok_or(FsError::BadBlockSize { log_block_size })?;
        let device = dev.size();
        if block_size.checked_mul(blocks).is_none_or(|n| n > device) {
            return Err(FsError::LargerThanDevice {
                blocks,
                block_size,
                device,
            });
        }
        let inode_size = match le32(&sb, 0x4c) {
            0 => 128, // revision 0: fixed 128-byte inodes
            _ => u16::from_le_bytes([sb[0x58], sb[0x59]]),
        };
        Ok(Self {
            csum_with_small_inodes: sb[0x65] & CSUM_FEATURE_BIT != 0 && inode_size < MIN_CSUM_INODE,
        })
    }
}

/// A mounted ext2/3/4 filesystem (read-only; the journal is replayed in memory by ext4-view).
///
/// Paths are resolved here, with the resolver and work budget the other filesystems use:
/// ext4-view is only ever given paths of directories already found, without symlinks, `.`
/// or `..`. (Its own resolver takes up to 1000 steps per path, each a scan of a directory
/// that its block cache may hold, so work it does there cannot be metered from outside: a
/// directory linked into itself and a long symlink cost minutes.)
pub struct Ext4Fs {
    fs: Ext4,
    work: Work,
}

impl core::fmt::Debug for Ext4Fs {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ext4Fs").finish_non_exhaustive()
    }
}

/// A file open on ext2/3/4.
struct File(ext4_view::File);

impl Source for File {
    type Error = FsError;

    fn read(&mut self, buf: &mut [u8]) -> Result<usize, FsError> {
        Ok(self.0.read_bytes(buf)?)
    }
}

impl FileReader for File {
    fn len(&self) -> u64 {
        self.0.metadata().len()
    }
}

/// What a file type is to the resolver.
fn node_kind(t: FileType) -> NodeKind {
    if t.is_regular_file() {
        NodeKind::File
    } else if t.is_dir() {
        NodeKind::Dir
    } else if t.is_symlink() {
        NodeKind::Symlink
    } else {
        NodeKind::Other
    }
}

impl Ext4Fs {
    /// Mounts the ext2/3/4 filesystem on `dev` (which it keeps).
    ///
    /// ext4-view 1.0 refuses `metadata_csum` filesystems with 128-byte inodes, which older
    /// mke2fs made for every filesystem under 512 MiB (small `/boot` partitions). For those
    /// the feature is hidden from it: the data reads the same, the checksums go unchecked.
    pub fn open<D: BlockDevice + 'static>(mut dev: D) -> Result<Self, FsError> {
        let hide_csum = Precheck::new(&mut dev)?.csum_with_small_inodes;
        if hide_csum {
            log::warn!("ext4: metadata_csum with 128-byte inodes; checksums not verified");
        }
        let work = Work::new(dev.size());
        Ok(Self {
            fs: Ext4::load(Box::new(Reader { dev, hide_csum }))?,
            work,
        })
    }
}

impl FileSystem for Ext4Fs {
    fn kind(&self) -> FsKind {
        FsKind::Ext
    }

    fn metadata(&mut self, path: &[u8]) -> Result<Metadata, FsError> {
        let node = self.find(path)?;
        Ok(Metadata {
            kind: node.kind,
            len: node.len,
        })
    }

    fn open_file(&mut self, path: &[u8]) -> Result<Box<dyn FileReader + '_>, FsError> {
        let node = self.find(path)?;
        match node.kind {
            NodeKind::File => {}
            NodeKind::Dir => return Err(FsError::IsADirectory),
            NodeKind::Symlink | NodeKind::Other => return Err(FsError::NotAFile),
        }
        let path = self.reach(&node)?;
        Ok(Box::new(File(self.fs.open(path)?)))
    }

    fn read_dir(&mut self, path: &[u8]) -> Result<Vec<DirEntry>, FsError> {
        let mut node = self.find(path)?;
        if node.kind != NodeKind::Dir {
            return Err(FsError::NotADirectory);
        }
        node.cost = node.cost.saturating_add(node.len);
        let path = self.reach(&node)?;
        let mut out = Vec::new();
        for entry in self.fs.read_dir(path)? {
            let entry = entry?;
            let name = entry.file_name();
            let name: &[u8] = name.as_ref();
            if name == b"." || name == b".." {
                continue;
            }
            let name = name.to_vec();
            if out.len() >= MAX_DIR_ENTRIES {
                return Err(FsError::DirTooLarge);
            }
            let meta = entry.metadata()?;
            out.push(DirEntry {
                name,
                kind: node_kind(meta.file_type()),
                len: meta.len(),
            });
        }
        Ok(out)
    }
}
