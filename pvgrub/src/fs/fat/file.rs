//! A FAT file read front to back along its cluster chain, a run of adjacent clusters at a
//! time.

use super::chain::LoopGuard;
use super::{FatError, FatFs};
use crate::disk::BlockDevice;
use crate::fs::{FileReader, FsError};
use crate::io::Source;

/// An open FAT file. The chain is walked only as far as the file's length reaches (and
/// never past a loop), so reading it costs one FAT step per cluster read.
pub(crate) struct File<'a, D> {
    fs: &'a mut FatFs<D>,
    /// The cluster holding the next byte (or the one just finished, `at == cluster_size`).
    cluster: u32,
    /// Bytes of `cluster` already read.
    at: u64,
    /// The cluster after `cluster`, when it was looked up but not read yet.
    peeked: Option<u32>,
    /// Bytes not read yet.
    left: u64,
    len: u64,
    guard: LoopGuard,
}

impl<'a, D: BlockDevice> File<'a, D> {
    /// The file of `len` bytes starting at cluster `first` (a valid cluster if `len > 0`).
    pub(crate) fn new(fs: &'a mut FatFs<D>, first: u32, len: u64) -> Self {
        Self {
            fs,
            cluster: first,
            at: 0,
            peeked: None,
            left: len,
            len,
            guard: LoopGuard::new(first),
        }
    }

    /// The cluster after the current one; the chain must go on (the file is not all read).
    fn next_cluster(&mut self) -> Result<u32, FsError> {
        if let Some(c) = self.peeked.take() {
            return Ok(c);
        }
        let fs = &mut *self.fs;
        let next = fs.fat.next(&mut fs.dev, &fs.geo, self.cluster)?;
        let next = next.ok_or(FatError::ChainTooShort)?;
        self.guard.step(next)?;
        Ok(next)
    }
}

impl<D: BlockDevice> Source for File<'_, D> {
    type Error = FsError;

    fn read(&mut self, buf: &mut [u8]) -> Result<usize, FsError> {
        let want = self.left.min(buf.len() as u64);
        if want == 0 {
            return Ok(0);
        }
        let cs = u64::from(self.fs.geo.cluster_size);
        if self.at >= cs {
            self.cluster = self.next_cluster()?;
            self.at = 0;
        }
        let start = self.fs.geo.cluster_offset(self.cluster) + self.at;
        let mut n = (cs - self.at).min(want);
        self.at += n;
        while n < want {
            let next = self.next_cluster()?;
            if next != self.cluster.wrapping_add(1) {
                self.peeked = Some(next);
                break;
            }
            self.cluster = next;
            self.at = cs.min(want - n);
            n += self.at;
        }
        let n = usize::try_from(n).map_err(|_| FatError::BadGeometry)?;
        let dst = buf.get_mut(..n).ok_or(FatError::BadGeometry)?;
        self.fs.dev.read_at(start, dst)?;
        self.left -= n as u64;
        Ok(n)
    }
}

impl<D: BlockDevice> FileReader for File<'_, D> {
    fn len(&self) -> u64 {
        self.len
    }
}
