//! FAT12/16/32 with VFAT long file names, read-only.

mod bpb;
mod chain;
mod dir;
mod error;
mod file;

pub use bpb::FatKind;
pub use error::FatError;

use super::path::{resolve, Tree};
use super::work::Work;
use super::MAX_DIR_ENTRIES;
use super::{DirEntry, FileReader, FileSystem, FsError, FsKind, Metadata, NodeKind};
use crate::disk::{BlockDevice, IoError};
use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;
use bpb::{Geometry, Root};
use chain::{LoopGuard, Table};
use core::ops::ControlFlow;
use dir::{Entry, Parser, Slot};
use file::File;

/// Largest directory, in bytes: 65536 entries of 32 bytes, the most FAT allows.
const MAX_DIR_BYTES: u64 = 65536 * 32;

/// Whether `dev` starts with a FAT boot sector.
pub(crate) fn probe<D: BlockDevice + ?Sized>(dev: &mut D) -> Result<bool, IoError> {
    let mut sector = [0u8; 512];
    Ok(super::read_if_present(dev, 0, &mut sector)? && Geometry::new_checked(&sector).is_ok())
}

/// A directory or file, as found in its parent.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Root,
    Entry(Entry),
}

/// A mounted FAT12/16/32 filesystem.
#[derive(Debug)]
pub struct FatFs<D> {
    dev: D,
    geo: Geometry,
    fat: Table,
    work: Work,
}

impl<D: BlockDevice> FatFs<D> {
    /// Mounts the FAT filesystem on `dev`.
    pub fn open(mut dev: D) -> Result<Self, FsError> {
        let mut sector = [0u8; 512];
        dev.read_at(0, &mut sector)?;
        let geo = Geometry::new_checked(&sector)?;
        Ok(Self {
            work: Work::new(dev.size()),
            dev,
            geo,
            fat: Table::new(),
        })
    }

    /// FAT12, FAT16 or FAT32.
    pub fn fat_kind(&self) -> FatKind {
        self.geo.kind
    }

    /// The first cluster of a chain, checked.
    fn first_cluster(&self, c: u32) -> Result<u32, FatError> {
        if self.geo.is_valid_cluster(c) {
            Ok(c)
        } else {
            Err(FatError::ClusterOutOfRange(c))
        }
    }

    /// Calls `visit` on every 32-byte slot of a directory, in order, until it breaks.
    fn scan_slots(
        &mut self,
        node: &Node,
        visit: &mut dyn FnMut(&[u8; 32]) -> ControlFlow<()>,
    ) -> Result<(), FsError> {
        let cs = u64::from(self.geo.cluster_size);
        let mut buf = vec![0u8; usize::try_from(cs).map_err(|_| FatError::BadGeometry)?];
        let root_chain = match (node, self.geo.root) {
            (Node::Root, Root::Fixed { offset, len }) => {
                return self.scan_fixed(offset, len, &mut buf, visit);
            }
            (Node::Root, Root::Chain(c)) => c,
            (Node::Entry(e), _) => e.cluster,
        };
        let mut cluster = self.first_cluster(root_chain)?;
        let mut guard = LoopGuard::new(cluster);
        let mut read = 0;
        loop {
            if read >= MAX_DIR_BYTES {
                return Err(FsError::DirTooLarge);
            }
            self.work.charge(cs)?;
            self.dev
                .read_at(self.geo.cluster_offset(cluster), &mut buf)?;
            read += cs;
            for slot in buf.chunks_exact(32) {
                let slot: &[u8; 32] = slot.try_into().map_err(|_| FatError::BadGeometry)?;
                if visit(slot).is_break() {
                    return Ok(());
                }
            }
            match self.fat.next(&mut self.dev, &self.geo, cluster)? {
                Some(next) => {
                    guard.step(next)?;
                    cluster = next;
                }
                None => return Ok(()),
            }
        }
    }

    /// The FAT12/16 root directory: a fixed region.
    fn scan_fixed(
        &mut self,
        offset: u64,
        len: u64,
        buf: &mut [u8],
        visit: &mut dyn FnMut(&[u8; 32]) -> ControlFlow<()>,
    ) -> Result<(), FsError> {
        let mut done = 0;
        while done < len {
            let n = usize::try_from((len - done).min(buf.len() as u64)).unwrap_or(0);
            let chunk = buf.get_mut(..n).ok_or(FatError::BadGeometry)?;
            self.work.charge(n as u64)?;
            self.dev.read_at(offset + done, chunk)?;
            done += n as u64;
            for slot in chunk.chunks_exact(32) {
                let slot: &[u8; 32] = slot.try_into().map_err(|_| FatError::BadGeometry)?;
                if visit(slot).is_break() {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// Calls `visit` on each entry of a directory until it breaks.
    fn scan(
        &mut self,
        node: &Node,
        visit: &mut dyn FnMut(Entry) -> ControlFlow<()>,
    ) -> Result<(), FsError> {
        let mut parser = Parser::new();
        let fat32 = self.geo.kind == FatKind::Fat32;
        self.scan_slots(node, &mut |slot| match parser.slot(slot, fat32) {
            Slot::End => ControlFlow::Break(()),
            Slot::Skip => ControlFlow::Continue(()),
            Slot::Entry(e) => visit(e),
        })
    }
}

impl<D: BlockDevice> Tree for FatFs<D> {
    type Node = Node;

    fn root(&mut self) -> Result<Node, FsError> {
        Ok(Node::Root)
    }

    fn node_kind(node: &Node) -> NodeKind {
        match node {
            Node::Root => NodeKind::Dir,
            Node::Entry(e) if e.is_dir => NodeKind::Dir,
            Node::Entry(_) => NodeKind::File,
        }
    }

    fn lookup(&mut self, dir: &Node, name: &[u8]) -> Result<Option<Node>, FsError> {
        let mut found = None;
        self.scan(dir, &mut |e| {
            if e.is_named(name) {
                found = Some(e);
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })?;
        Ok(found.map(Node::Entry))
    }

    fn read_link(&mut self, _link: &Node) -> Result<Vec<u8>, FsError> {
        // FAT has no symlinks, and `node_kind` never says `Symlink`.
        Err(FsError::NotFound)
    }
}

impl<D: BlockDevice> FileSystem for FatFs<D> {
    fn kind(&self) -> FsKind {
        FsKind::Fat
    }

    fn metadata(&mut self, path: &[u8]) -> Result<Metadata, FsError> {
        self.work.start();
        let node = resolve(self, path)?;
        let len = match &node {
            Node::Root => 0,
            Node::Entry(e) => u64::from(e.size),
        };
        Ok(Metadata {
            kind: Self::node_kind(&node),
            len,
        })
    }

    fn open_file(&mut self, path: &[u8]) -> Result<Box<dyn FileReader + '_>, FsError> {
        self.work.start();
        let entry = match resolve(self, path)? {
            Node::Entry(e) if !e.is_dir => e,
            _ => return Err(FsError::IsADirectory),
        };
        let len = u64::from(entry.size);
        let capacity = u64::from(self.geo.clusters) * u64::from(self.geo.cluster_size);
        if len > capacity {
            return Err(FatError::ChainTooShort.into());
        }
        let first = if len > 0 {
            self.first_cluster(entry.cluster)?
        } else {
            entry.cluster
        };
        Ok(Box::new(File::new(self, first, len)))
    }

    fn read_dir(&mut self, path: &[u8]) -> Result<Vec<DirEntry>, FsError> {
        self.work.start();
        let node = resolve(self, path)?;
        if Self::node_kind(&node) != NodeKind::Dir {
            return Err(FsError::NotADirectory);
        }
        let mut out = Vec::new();
        let mut too_many = false;
        self.scan(&node, &mut |e| {
            if out.len() >= MAX_DIR_ENTRIES {
                too_many = true;
                return ControlFlow::Break(());
            }
            out.push(DirEntry {
                kind: if e.is_dir {
                    NodeKind::Dir
                } else {
                    NodeKind::File
                },
                len: u64::from(e.size),
                name: e.name(),
            });
            ControlFlow::Continue(())
        })?;
        if too_many {
            return Err(FsError::DirTooLarge);
        }
        Ok(out)
    }
}
