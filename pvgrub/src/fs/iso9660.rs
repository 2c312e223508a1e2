//! ISO 9660 with Rock Ridge (names, symlinks, deep directories) or Joliet names, read-only.

mod error;
mod file;
mod names;
mod record;
mod susp;
mod volume;

pub use error::IsoError;

use super::path::{resolve, Tree};
use super::work::Work;
use super::MAX_DIR_ENTRIES;
use super::{DirEntry, FileReader, FileSystem, FsError, FsKind, Metadata, NodeKind};
use crate::disk::{BlockDevice, IoError};
use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;
use core::ops::ControlFlow;
use file::File;
use names::{joliet_name, plain_name};
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
    name: Vec<u8>,
    kind: NodeKind,
    block: u64,
    size: u32,
    link: Option<Vec<u8>>,
    multi_extent: bool,
    interleaved: bool,
}

/// A mounted iso9660 filesystem.
#[derive(Debug)]
pub struct IsoFs<D> {
    dev: D,
    vol: Volume,
    names: IsoNames,
    /// Bytes to skip at the start of each system use area (from the SP entry).
    rr_skip: usize,
    work: Work,
}

impl<D: BlockDevice> IsoFs<D> {
    /// Mounts the iso9660 filesystem on `dev`, preferring Rock Ridge, then Joliet names.
    pub fn open(mut dev: D) -> Result<Self, FsError> {
        let vols = volume::read(&mut dev)?;
        let mut fs = Self {
            work: Work::new(dev.size()),
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
            self.work.charge(u64::from(ce.len))?;
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
            name: Vec::new(),
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
            IsoNames::Iso9660 => node.name = plain_name(rec.name()).to_vec(),
            IsoNames::Joliet => node.name = joliet_name(rec.name()),
            IsoNames::RockRidge => {
                let rr = self.rock_ridge(rec)?;
                if rr.relocated {
                    return Ok(None);
                }
                node.name = match rr.name {
                    Some(name) => name,
                    None => plain_name(rec.name()).to_vec(),
                };
                let kind = rr.mode.map(|m| m & 0o170000);
                if let Some(block) = rr.child_link {
                    node.kind = NodeKind::Dir;
                    node.block = u64::from(block);
                } else if rr.link.is_some() || kind == Some(0o120000) {
                    node.kind = NodeKind::Symlink;
                    node.link = rr.link;
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
        self.work.charge(bs)?;
        self.dev.read_at(start, &mut buf)?;
        let dot = Record::new_checked(&buf)?;
        if !dot.is_dot_or_dotdot() {
            return Err(IsoError::BadRecord.into());
        }
        let total = u64::from(dot.size());
        for b in 0..total.div_ceil(bs) {
            if b > 0 {
                self.work.charge(bs)?;
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
            name: Vec::new(),
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

    fn lookup(&mut self, dir: &Node, name: &[u8]) -> Result<Option<Node>, FsError> {
        // Plain names: `NAME.EXT;1`, `NAME.EXT` and `name.ext` all find `NAME.EXT;1`.
        let plain = (self.names == IsoNames::Iso9660).then(|| plain_name(name));
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

    fn read_link(&mut self, link: &Node) -> Result<Vec<u8>, FsError> {
        link.link.clone().ok_or(IsoError::BadSystemUse.into())
    }
}

impl<D: BlockDevice> FileSystem for IsoFs<D> {
    fn kind(&self) -> FsKind {
        FsKind::Iso9660
    }

    fn metadata(&mut self, path: &[u8]) -> Result<Metadata, FsError> {
        self.work.start();
        let node = resolve(self, path)?;
        Ok(Metadata {
            kind: node.kind,
            len: u64::from(node.size),
        })
    }

    fn open_file(&mut self, path: &[u8]) -> Result<Box<dyn FileReader + '_>, FsError> {
        self.work.start();
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
        let at = self.block_offset(node.block)?;
        let len = u64::from(node.size);
        Ok(Box::new(File::new(&mut self.dev, at, len)))
    }

    fn read_dir(&mut self, path: &[u8]) -> Result<Vec<DirEntry>, FsError> {
        self.work.start();
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
