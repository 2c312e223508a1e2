//! ext2/3/4 paths resolved with the shared resolver, ext4-view finding one name at a time.

use super::{node_kind, Ext4Fs};
use crate::fs::path::{resolve, Tree};
use crate::fs::{FsError, NodeKind};
use alloc::vec::Vec;
use ext4_view::Path;

/// A file, directory or symlink found by the resolver.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    /// Its absolute path: directories found, then its name.
    path: Vec<u8>,
    pub(super) kind: NodeKind,
    pub(super) len: u64,
    /// What ext4-view reads to find it again by `path`: the sizes of the directories on it.
    pub(super) cost: u64,
}

impl Node {
    /// `path` as ext4-view takes it. Any bytes but NUL make a name; a name with a NUL or of
    /// over 255 bytes names nothing ([`FsError::NotFound`], as on FAT and iso9660).
    fn path(&self) -> Result<Path<'_>, FsError> {
        Path::try_from(self.path.as_slice()).map_err(|_| FsError::NotFound)
    }
}

impl Ext4Fs {
    /// Finds `path` (charging the work of the lookup).
    pub(super) fn find(&mut self, path: &[u8]) -> Result<Node, FsError> {
        self.work.start();
        resolve(self, path)
    }

    /// `node.path()`, with what ext4-view reads to find it charged.
    pub(super) fn reach<'n>(&mut self, node: &'n Node) -> Result<Path<'n>, FsError> {
        self.work.charge(node.cost)?;
        node.path()
    }
}

impl Tree for Ext4Fs {
    type Node = Node;

    fn root(&mut self) -> Result<Node, FsError> {
        let meta = self.fs.metadata(Path::ROOT)?;
        Ok(Node {
            path: b"/".to_vec(),
            kind: node_kind(meta.file_type()),
            len: meta.len(),
            cost: 0,
        })
    }

    fn node_kind(node: &Node) -> NodeKind {
        node.kind
    }

    fn lookup(&mut self, dir: &Node, name: &[u8]) -> Result<Option<Node>, FsError> {
        let mut path = Vec::with_capacity(dir.path.len() + 1 + name.len());
        path.extend_from_slice(&dir.path);
        if dir.path != b"/" {
            path.push(b'/');
        }
        path.extend_from_slice(name);
        let mut node = Node {
            path,
            kind: NodeKind::Other,
            len: 0,
            cost: dir.cost.saturating_add(dir.len),
        };
        let found = self.reach(&node)?;
        let meta = match self.fs.symlink_metadata(found) {
            Ok(meta) => meta,
            Err(ext4_view::Ext4Error::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        node.kind = node_kind(meta.file_type());
        node.len = meta.len();
        Ok(Some(node))
    }

    fn read_link(&mut self, link: &Node) -> Result<Vec<u8>, FsError> {
        let path = self.reach(link)?;
        let target = self.fs.read_link(path)?;
        let target: &[u8] = target.as_ref();
        Ok(target.to_vec())
    }
}
