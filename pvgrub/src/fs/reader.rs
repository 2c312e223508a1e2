//! Files read front to back: what [`FileSystem::open_file`](super::FileSystem::open_file)
//! gives, and reading one whole.

use super::FsError;
use crate::io::Source;
use alloc::vec;
use alloc::vec::Vec;

/// An open regular file, read front to back through [`Source::read`] (which returns 0 only at
/// the end, after exactly [`len`](FileReader::len) bytes).
pub trait FileReader: Source<Error = FsError> {
    /// The file's length in bytes, as its directory entry or inode records it.
    fn len(&self) -> u64;

    /// Whether the file is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// All of `file`, if it is at most `max_len` bytes long ([`FsError::TooLarge`] before
/// anything is read or allocated, otherwise).
pub(crate) fn read_whole(file: &mut dyn FileReader, max_len: usize) -> Result<Vec<u8>, FsError> {
    let len = file.len();
    let size = usize::try_from(len)
        .ok()
        .filter(|&n| n <= max_len)
        .ok_or(FsError::TooLarge { len, max: max_len })?;
    let mut out = vec![0u8; size];
    let mut done = 0;
    while let Some(rest) = out.get_mut(done..).filter(|r| !r.is_empty()) {
        match file.read(rest)? {
            0 => return Err(FsError::ShortRead),
            n => done += n,
        }
    }
    Ok(out)
}
