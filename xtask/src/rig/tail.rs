//! Following a file another process appends to (guest consoles on the 9p share).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;

/// Reads what was appended to a file since the last call.
pub(crate) struct Tail {
    path: PathBuf,
    offset: u64,
}

impl Tail {
    /// Follows `path` from its start (it need not exist yet).
    pub fn new(path: PathBuf) -> Self {
        Tail { path, offset: 0 }
    }

    /// The bytes appended since the last call (none if the file does not exist yet).
    pub fn poll(&mut self) -> Vec<u8> {
        let mut buf = Vec::new();
        let Ok(mut f) = File::open(&self.path) else {
            return buf;
        };
        if f.seek(SeekFrom::Start(self.offset)).is_ok() && f.read_to_end(&mut buf).is_ok() {
            self.offset += buf.len() as u64;
        }
        buf
    }
}
