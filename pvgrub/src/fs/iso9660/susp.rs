//! System Use Sharing Protocol entries and the Rock Ridge ones pv-grub needs: NM (name),
//! SL (symlink target), PX (file mode), CL/RE (relocated deep directories), CE (continuation).

use super::IsoError;
use alloc::vec::Vec;

/// Longest Rock Ridge name accepted, in bytes (NAME_MAX).
pub(crate) const MAX_RR_NAME: usize = 255;

/// Longest Rock Ridge symlink target accepted, in bytes (PATH_MAX).
pub(crate) const MAX_RR_LINK: usize = 4096;

/// Where more system use entries are: a continuation area (CE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Continuation {
    /// Logical block.
    pub(crate) block: u32,
    /// Byte offset in the block.
    pub(crate) offset: u32,
    /// Length in bytes.
    pub(crate) len: u32,
}

/// What the Rock Ridge entries of one directory record say.
#[derive(Debug, Default)]
pub(crate) struct RockRidge {
    /// The NM name, if any NM entry was seen.
    pub(crate) name: Option<Vec<u8>>,
    /// The SL target, if any SL entry was seen.
    pub(crate) link: Option<Vec<u8>>,
    /// The PX file mode.
    pub(crate) mode: Option<u32>,
    /// CL: this placeholder file stands for the directory at this block.
    pub(crate) child_link: Option<u32>,
    /// RE: this directory was moved here from deeper down and is hidden.
    pub(crate) relocated: bool,
    /// An SL component is to be separated from the previous one by `/`.
    link_sep: bool,
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    match b.get(at..at + 4) {
        Some(&[a, b, c, d]) => Some(u32::from_le_bytes([a, b, c, d])),
        _ => None,
    }
}

fn append(buf: &mut Vec<u8>, more: &[u8], max: usize) -> Result<(), IsoError> {
    if buf.len() + more.len() > max {
        return Err(IsoError::NameTooLong);
    }
    buf.extend_from_slice(more);
    Ok(())
}

/// The SUSP "SP" entry at the start of the root's `.` record: `Some(bytes to skip)`.
pub(crate) fn sharing_protocol(area: &[u8]) -> Option<u8> {
    match area {
        [b'S', b'P', 7..=255, _, 0xbe, 0xef, skip, ..] => Some(*skip),
        _ => None,
    }
}

impl RockRidge {
    /// Adds the entries in `area`; returns the continuation area if a CE entry names one.
    pub(crate) fn parse(&mut self, area: &[u8]) -> Result<Option<Continuation>, IsoError> {
        let mut next = None;
        let mut rest = area;
        while let [a, b, len, _version, ..] = *rest {
            let len = usize::from(len);
            let Some(data) = rest.get(4..len) else {
                break; // a length below 4 or past the area ends the entries
            };
            match [a, b] {
                [b'S', b'T'] => break,
                [b'C', b'E'] => {
                    if let (Some(block), Some(offset), Some(len)) =
                        (le32(data, 0), le32(data, 8), le32(data, 16))
                    {
                        next = Some(Continuation { block, offset, len });
                    }
                }
                [b'N', b'M'] => {
                    if let [flags, name @ ..] = data {
                        // CURRENT / PARENT names are for `.` and `..` only.
                        if flags & 0x06 == 0 {
                            append(self.name.get_or_insert_with(Vec::new), name, MAX_RR_NAME)?;
                        }
                    }
                }
                [b'S', b'L'] => {
                    if let [_flags, components @ ..] = data {
                        self.add_link_components(components)?;
                    }
                }
                [b'P', b'X'] => self.mode = le32(data, 0),
                [b'C', b'L'] => self.child_link = le32(data, 0),
                [b'R', b'E'] => self.relocated = true,
                _ => {}
            }
            rest = rest.get(len..).unwrap_or(&[]);
        }
        Ok(next)
    }

    /// Appends the component records of one SL entry to the link target.
    fn add_link_components(&mut self, mut comps: &[u8]) -> Result<(), IsoError> {
        let target = self.link.get_or_insert_with(Vec::new);
        while let [flags, len, ref rest @ ..] = *comps {
            let len = usize::from(len);
            let content = rest.get(..len).ok_or(IsoError::BadSystemUse)?;
            if flags & 0x08 != 0 {
                // ROOT: the target is absolute.
                target.clear();
                target.push(b'/');
                self.link_sep = false;
            } else {
                if self.link_sep {
                    append(target, b"/", MAX_RR_LINK)?;
                }
                let part: &[u8] = match flags {
                    f if f & 0x02 != 0 => b".",
                    f if f & 0x04 != 0 => b"..",
                    _ => content,
                };
                append(target, part, MAX_RR_LINK)?;
                // CONTINUE: the next component record carries more of this component.
                self.link_sep = flags & 0x01 == 0;
            }
            comps = rest.get(len..).unwrap_or(&[]);
        }
        Ok(())
    }
}
