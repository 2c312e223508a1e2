//! ISO 9660 directory records (ECMA-119 9.1), checked once.

use super::IsoError;

/// Size of a directory record without its name.
pub(crate) const MIN_LEN: usize = 33;

/// A directory record whose length and name length have been checked against its bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Record<'a> {
    raw: &'a [u8],
    name_len: usize,
}

fn le32(b: &[u8], at: usize) -> u32 {
    match b.get(at..at + 4) {
        Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
        _ => 0,
    }
}

impl<'a> Record<'a> {
    /// Checks the record at the start of `buf` (its length byte first).
    pub(crate) fn new_checked(buf: &'a [u8]) -> Result<Self, IsoError> {
        let len = usize::from(*buf.first().ok_or(IsoError::BadRecord)?);
        let raw = buf.get(..len).ok_or(IsoError::BadRecord)?;
        let name_len = usize::from(*raw.get(32).ok_or(IsoError::BadRecord)?);
        if name_len == 0 || MIN_LEN + name_len > len {
            return Err(IsoError::BadRecord);
        }
        Ok(Self { raw, name_len })
    }

    /// Length of the record in bytes.
    pub(crate) fn len(&self) -> usize {
        self.raw.len()
    }

    /// First logical block of the file's data (after any extended attribute record).
    pub(crate) fn data_block(&self) -> u64 {
        let ext_attr = self.raw.get(1).copied().unwrap_or(0);
        u64::from(le32(self.raw, 2)) + u64::from(ext_attr)
    }

    /// Length of the data in bytes.
    pub(crate) fn size(&self) -> u32 {
        le32(self.raw, 10)
    }

    fn flags(&self) -> u8 {
        self.raw.get(25).copied().unwrap_or(0)
    }

    /// Whether the record is a directory.
    pub(crate) fn is_dir(&self) -> bool {
        self.flags() & 0x02 != 0
    }

    /// Whether more extents of the same file follow (files over 4 GiB).
    pub(crate) fn is_multi_extent(&self) -> bool {
        self.flags() & 0x80 != 0
    }

    /// Whether the file is recorded in interleaved mode.
    pub(crate) fn is_interleaved(&self) -> bool {
        self.raw.get(26..28).is_some_and(|b| b != [0, 0])
    }

    /// The file identifier bytes.
    pub(crate) fn name(&self) -> &'a [u8] {
        self.raw
            .get(MIN_LEN..MIN_LEN + self.name_len)
            .unwrap_or(&[])
    }

    /// Whether this is the `.` (0x00) or `..` (0x01) record.
    pub(crate) fn is_dot_or_dotdot(&self) -> bool {
        matches!(self.name(), [0] | [1])
    }

    /// The system use area (SUSP / Rock Ridge entries), after the name and its padding.
    pub(crate) fn system_use(&self) -> &'a [u8] {
        let pad = usize::from(self.name_len.is_multiple_of(2));
        self.raw.get(MIN_LEN + self.name_len + pad..).unwrap_or(&[])
    }
}
