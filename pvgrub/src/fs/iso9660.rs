//! ISO 9660 with Rock Ridge (names, symlinks, deep directories) or Joliet names, read-only.

mod error;
mod record;
mod susp;
mod volume;

pub use error::IsoError;

use super::path::{resolve, Tree};
use super::{DirEntry, FileSystem, FsError, FsKind, Metadata, NodeKind, MAX_DIR_ENTRIES};
use crate::disk::{BlockDevice, IoError};
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::ops::ControlFlow;
use record::Record;
use susp::RockRidge;
use volume::Volume;

/// Most continuation areas (CE) followed for one directory record.
pub(crate) const MAX_CONTINUATIONS: usize = 16;

/// Which names an image's tree is read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsoNames {
    /// Rock Ridge names on the primary volume (case-sensitive; symlinks).
    RockRidge,
    /// Joliet names from the supplementary volume (case-sensitive, UCS-2).
    Joliet,
    /// Plain ISO 9660 names (compared case-insensitively, `;1` versions dropped).
    Iso9660,
}

/// Whether `dev` has an ISO 9660 volume descriptor at sector 16.
pub(crate) fn probe<D: BlockDevice + ?Sized>(dev: &mut D) -> Result<bool, IoError> {
    let mut d = [0u8; 7];
    Ok(super::read_if_present(dev, volume::FIRST_DESCRIPTOR, &mut d)? && volume::is_descriptor(&d))
}

/// A file or directory as found in its parent directory.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    name: String,
    kind: NodeKind,
    block: u64,
    size: u32,
    link: Option<String>,
    multi_extent: bool,
    interleaved: bool,
}

/// `NAME.EXT;1` without the version and a trailing dot.
fn plain_name(raw: &[u8]) -> String {
    let end = raw.iter().position(|&b| b == b';').unwrap_or(raw.len());
    let mut name = String::from_utf8_lossy(raw.get(..end).unwrap_or(raw)).into_owned();
    if name.ends_with('.') {
        name.pop();
    }
    name
}

/// A Joliet (UCS-2 big-endian) name without its `;1` version.
fn joliet_name(raw: &[u8]) -> String {
    let units = raw
        .chunks_exact(2)
        .map(|p| u16::from_be_bytes([p[0], p[1]]));
    let name: String = char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    match name.rfind(';') {
        Some(at) => String::from(name.get(..at).unwrap_or(&name)),
        None => name,
    }
}

/// A mounted iso9660 filesystem.
#[derive(Debug)]
pub struct IsoFs<D> {
    dev: D,
    vol: Volume,
    names: IsoNames,
    /// Bytes to skip at the start of each system use area (from the SP entry).
    rr_skip: usize,
}

impl<D: BlockDevice> IsoFs<D> {
    /// Mounts the iso9660 filesystem on `dev`, preferring Rock Ridge, then Joliet names.
    pub fn open(mut dev: D) -> Result<Self, FsError> {
        let vols = volume::read(&mut dev)?;
        let mut fs = Self {
            dev,
            vol: vols.primary,
            names: IsoNames::Iso9660,
            rr_skip: 0,
        };
        let mut first = [0u8; 255];
        let at = fs.block_offset(vols.primary.root_block)?;
        fs.dev.read_at(at, &mut first)?;
        let dot = Record::new_checked(&first)?;
        if let Some(skip) = susp::sharing_protocol(dot.system_use()) {
            fs.names = IsoNames::RockRidge;
            fs.rr_skip = usize::from(skip);
        } else if let Some(joliet) = vols.joliet {
            fs.vol = joliet;
            fs.names = IsoNames::Joliet;
        }
        Ok(fs)
    }

    /// Which names are in use.
    pub fn names(&self) -> IsoNames {
        self.names
    }

    fn block_offset(&self, block: u64) -> Result<u64, IsoError> {
        block
            .checked_mul(u64::from(self.vol.block_size))
            .ok_or(IsoError::BadRecord)
    }

    /// The Rock Ridge entries of `rec`, following continuation areas.
    fn rock_ridge(&mut self, rec: &Record<'_>) -> Result<RockRidge, FsError> {
        let mut rr = RockRidge::default();
        let mut next = rr.parse(rec.system_use().get(self.rr_skip..).unwrap_or(&[]))?;
        let mut hops = 0;
        while let Some(ce) = next {
            hops += 1;
            let end = u64::from(ce.offset) + u64::from(ce.len);
            if hops > MAX_CONTINUATIONS || end > u64::from(self.vol.block_size) {
                return Err(IsoError::BadContinuation.into());
            }
            let mut area = vec![0u8; usize::try_from(ce.len).unwrap_or(0)];
            let at = self.block_offset(u64::from(ce.block))? + u64::from(ce.offset);
            self.dev.read_at(at, &mut area)?;
            next = rr.parse(&area)?;
        }
        Ok(rr)
    }

    /// The node for a record, or `None` for a hidden (relocated) directory.
    fn node(&mut self, rec: &Record<'_>) -> Result<Option<Node>, FsError> {
        let mut node = Node {
            name: String::new(),
            kind: if rec.is_dir() {
                NodeKind::Dir
            } else {
                NodeKind::File
            },
            block: rec.data_block(),
            size: rec.size(),
            link: None,
            multi_extent: rec.is_multi_extent(),
            interleaved: rec.is_interleaved(),
        };
        match self.names {
            IsoNames::Iso9660 => node.name = plain_name(rec.name()),
            IsoNames::Joliet => node.name = joliet_name(rec.name()),
            IsoNames::RockRidge => {
                let rr = self.rock_ridge(rec)?;
                if rr.relocated {
                    return Ok(None);
                }
                node.name = match rr.name {
                    Some(name) => String::from_utf8_lossy(&name).into_owned(),
                    None => plain_name(rec.name()),
                };
                let kind = rr.mode.map(|m| m & 0o170000);
                if let Some(block) = rr.child_link {
                    node.kind = NodeKind::Dir;
                    node.block = u64::from(block);
                } else if rr.link.is_some() || kind == Some(0o120000) {
                    node.kind = NodeKind::Symlink;
                    node.link = rr.link.map(|l| String::from_utf8_lossy(&l).into_owned());
                } else if !rec.is_dir() && kind.is_some_and(|k| k != 0o100000) {
                    node.kind = NodeKind::Other;
                }
            }
        }
        Ok(Some(node))
    }

    /// Calls `visit` on each entry of the directory at `block` (its length taken from its own
    /// `.` record) until it breaks.
    fn scan(
        &mut self,
        block: u64,
        visit: &mut dyn FnMut(Node) -> ControlFlow<()>,
    ) -> Result<(), FsError> {
        let bs = u64::from(self.vol.block_size);
        let bad = IsoError::BadBlockSize(self.vol.block_size);
        let mut buf = vec![0u8; usize::try_from(bs).map_err(|_| bad)?];
        let start = self.block_offset(block)?;
        self.dev.read_at(start, &mut buf)?;
        let dot = Record::new_checked(&buf)?;
        if !dot.is_dot_or_dotdot() {
            return Err(IsoError::BadRecord.into());
        }
        let total = u64::from(dot.size());
        for b in 0..total.div_ceil(bs) {
            if b > 0 {
                self.dev.read_at(start + b * bs, &mut buf)?;
            }
            let limit = usize::try_from((total - b * bs).min(bs)).unwrap_or(0);
            let mut off = 0;
            while let Some(rest) = buf.get(off..limit).filter(|r| r.first() > Some(&0)) {
                let rec = Record::new_checked(rest)?;
                off += rec.len();
                if rec.is_dot_or_dotdot() {
                    continue;
                }
                if let Some(node) = self.node(&rec)? {
                    if visit(node).is_break() {
                        return Ok(());
                    }
                }
            }
        }
        Ok(())
    }
}

impl<D: BlockDevice> Tree for IsoFs<D> {
    type Node = Node;

    fn root(&mut self) -> Result<Node, FsError> {
        Ok(Node {
            name: String::new(),
            kind: NodeKind::Dir,
            block: self.vol.root_block,
            size: self.vol.root_size,
            link: None,
            multi_extent: false,
            interleaved: false,
        })
    }

    fn node_kind(node: &Node) -> NodeKind {
        node.kind
    }

    fn lookup(&mut self, dir: &Node, name: &str) -> Result<Option<Node>, FsError> {
        // Plain names: `NAME.EXT;1`, `NAME.EXT` and `name.ext` all find `NAME.EXT;1`.
        let plain = (self.names == IsoNames::Iso9660).then(|| plain_name(name.as_bytes()));
        let mut found = None;
        self.scan(dir.block, &mut |node| {
            let hit = if let Some(plain) = &plain {
                node.name.eq_ignore_ascii_case(plain)
            } else {
                node.name == name
            };
            if hit {
                found = Some(node);
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })?;
        Ok(found)
    }

    fn read_link(&mut self, link: &Node) -> Result<String, FsError> {
        link.link.clone().ok_or(IsoError::BadSystemUse.into())
    }
}

impl<D: BlockDevice> FileSystem for IsoFs<D> {
    fn kind(&self) -> FsKind {
        FsKind::Iso9660
    }

    fn metadata(&mut self, path: &str) -> Result<Metadata, FsError> {
        let node = resolve(self, path)?;
        Ok(Metadata {
            kind: node.kind,
            len: u64::from(node.size),
        })
    }

    fn read_file(&mut self, path: &str, max_len: usize) -> Result<Vec<u8>, FsError> {
        let node = resolve(self, path)?;
        match node.kind {
            NodeKind::File => {}
            NodeKind::Dir => return Err(FsError::IsADirectory),
            NodeKind::Symlink | NodeKind::Other => return Err(FsError::NotAFile),
        }
        if node.multi_extent {
            return Err(IsoError::MultiExtent.into());
        }
        if node.interleaved {
            return Err(IsoError::Interleaved.into());
        }
        let len = u64::from(node.size);
        let size = usize::try_from(node.size)
            .ok()
            .filter(|&n| n <= max_len)
            .ok_or(FsError::TooLarge { len, max: max_len })?;
        let mut out = vec![0u8; size];
        let at = self.block_offset(node.block)?;
        self.dev.read_at(at, &mut out)?;
        Ok(out)
    }

    fn read_dir(&mut self, path: &str) -> Result<Vec<DirEntry>, FsError> {
        let node = resolve(self, path)?;
        if node.kind != NodeKind::Dir {
            return Err(FsError::NotADirectory);
        }
        let mut out = Vec::new();
        let mut too_many = false;
        self.scan(node.block, &mut |n| {
            if out.len() >= MAX_DIR_ENTRIES {
                too_many = true;
                return ControlFlow::Break(());
            }
            out.push(DirEntry {
                name: n.name,
                kind: n.kind,
                len: u64::from(n.size),
            });
            ControlFlow::Continue(())
        })?;
        if too_many {
            return Err(FsError::DirTooLarge);
        }
        Ok(out)
    }
}
