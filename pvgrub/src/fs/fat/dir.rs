//! FAT directory entries: 8.3 short names and VFAT long file names.

use crate::fs::utf16::to_wtf8;
use alloc::vec::Vec;

/// Attribute bit: directory.
const ATTR_DIR: u8 = 0x10;
/// Attribute bit: volume label.
const ATTR_VOLUME: u8 = 0x08;
/// Attribute value of a long-file-name slot.
const ATTR_LFN: u8 = 0x0f;
/// Most slots in one long name (20 * 13 = 260 UTF-16 units).
const MAX_LFN_SLOTS: usize = 20;

/// A file or directory found in a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// The long name (as WTF-8), if there is a valid one.
    pub(crate) long: Option<Vec<u8>>,
    /// The 8.3 name, as `NAME.EXT` (OEM code page bytes).
    pub(crate) short: Vec<u8>,
    /// Whether this is a directory.
    pub(crate) is_dir: bool,
    /// First cluster (0 for an empty file).
    pub(crate) cluster: u32,
    /// Length in bytes (0 for directories).
    pub(crate) size: u32,
}

/// What one 32-byte slot said.
pub(crate) enum Slot {
    /// End of directory: no entries follow.
    End,
    /// A complete entry.
    Entry(Entry),
    /// Nothing to report (deleted, label, `.`/`..`, or part of a long name).
    Skip,
}

/// Collects long-name slots until the short entry they belong to.
#[derive(Debug)]
pub(crate) struct Parser {
    units: [u16; 13 * MAX_LFN_SLOTS],
    /// Number of slots of the pending name.
    slots: u8,
    /// Sequence number of the next slot expected (0: none pending).
    next: u8,
    checksum: u8,
    valid: bool,
}

fn short_checksum(name: &[u8; 11]) -> u8 {
    name.iter()
        .fold(0u8, |sum, &b| sum.rotate_right(1).wrapping_add(b))
}

fn push_short_part(out: &mut Vec<u8>, bytes: &[u8], lower: bool) {
    let end = bytes.iter().rposition(|&b| b != b' ').map_or(0, |i| i + 1);
    for &b in bytes.get(..end).unwrap_or(&[]) {
        out.push(if lower { b.to_ascii_lowercase() } else { b });
    }
}

/// `NAME.EXT` from the 11 raw bytes and the NT case flags.
fn short_name(raw: &[u8; 11], case: u8) -> Vec<u8> {
    let mut name = Vec::new();
    let mut base = [0u8; 8];
    base.copy_from_slice(&raw[..8]);
    if base[0] == 0x05 {
        base[0] = 0xe5;
    }
    push_short_part(&mut name, &base, case & 0x08 != 0);
    if raw[8..].iter().any(|&b| b != b' ') {
        name.push(b'.');
        push_short_part(&mut name, &raw[8..], case & 0x10 != 0);
    }
    name
}

impl Parser {
    pub(crate) fn new() -> Self {
        Self {
            units: [0xffff; 13 * MAX_LFN_SLOTS],
            slots: 0,
            next: 0,
            checksum: 0,
            valid: false,
        }
    }

    fn long_slot(&mut self, s: &[u8; 32]) {
        let seq = s[0] & 0x1f;
        if s[0] & 0x40 != 0 {
            self.units = [0xffff; 13 * MAX_LFN_SLOTS];
            self.valid = (1..=MAX_LFN_SLOTS).contains(&usize::from(seq));
            self.slots = seq;
            self.next = seq;
            self.checksum = s[13];
        }
        if !self.valid || seq != self.next || seq == 0 || s[13] != self.checksum {
            self.valid = false;
            return;
        }
        let at = usize::from(seq - 1) * 13;
        let offsets = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];
        for (unit, &o) in self.units.iter_mut().skip(at).zip(offsets.iter()) {
            *unit = u16::from_le_bytes([s[o], s[o + 1]]);
        }
        self.next = seq - 1;
    }

    /// The pending long name, if it is complete and belongs to the short name `raw`.
    fn take_long(&mut self, raw: &[u8; 11]) -> Option<Vec<u8>> {
        let ok = self.valid && self.next == 0 && self.checksum == short_checksum(raw);
        self.valid = false;
        if !ok {
            return None;
        }
        let units = self.units.get(..usize::from(self.slots) * 13)?;
        let units = units.split(|&u| u == 0).next()?;
        let name = to_wtf8(units.iter().copied());
        (!name.is_empty()).then_some(name)
    }

    /// Parses the next 32-byte slot of a directory.
    pub(crate) fn slot(&mut self, s: &[u8; 32], fat32: bool) -> Slot {
        let attr = s[11];
        match s[0] {
            0x00 => return Slot::End,
            0xe5 => {
                self.valid = false;
                return Slot::Skip;
            }
            _ => {}
        }
        if attr & 0x3f == ATTR_LFN {
            self.long_slot(s);
            return Slot::Skip;
        }
        let mut raw = [0u8; 11];
        raw.copy_from_slice(&s[..11]);
        let long = self.take_long(&raw);
        if attr & ATTR_VOLUME != 0 || s[0] == b'.' {
            return Slot::Skip;
        }
        let short = short_name(&raw, s[12]);
        let hi = if fat32 {
            u16::from_le_bytes([s[20], s[21]])
        } else {
            0
        };
        let lo = u16::from_le_bytes([s[26], s[27]]);
        Slot::Entry(Entry {
            long,
            short,
            is_dir: attr & ATTR_DIR != 0,
            cluster: u32::from(hi) << 16 | u32::from(lo),
            size: u32::from_le_bytes([s[28], s[29], s[30], s[31]]),
        })
    }
}

/// A name as FAT compares it: characters upper-cased, bytes that are not UTF-8 (OEM short
/// names, WTF-8 surrogates) as they are.
#[derive(PartialEq, Eq)]
enum Folded {
    Char(char),
    Byte(u8),
}

fn folded(name: &[u8]) -> impl Iterator<Item = Folded> + '_ {
    name.utf8_chunks().flat_map(|chunk| {
        let chars = chunk.valid().chars().flat_map(char::to_uppercase);
        let bytes = chunk.invalid().iter().map(|&b| Folded::Byte(b));
        chars.map(Folded::Char).chain(bytes)
    })
}

/// Case-insensitive name comparison, as FAT looks names up.
pub(crate) fn same_name(a: &[u8], b: &[u8]) -> bool {
    if a.is_ascii() && b.is_ascii() {
        // What Unicode upper-casing does to ASCII, without decoding each character.
        return a.eq_ignore_ascii_case(b);
    }
    folded(a).eq(folded(b))
}

impl Entry {
    /// The name it is listed by: the long name if there is one, else the short one.
    pub(crate) fn name(self) -> Vec<u8> {
        self.long.unwrap_or(self.short)
    }

    /// Whether `name` names it (by its long or its short name, in any case).
    pub(crate) fn is_named(&self, name: &[u8]) -> bool {
        self.long
            .as_deref()
            .is_some_and(|long| same_name(long, name))
            || same_name(&self.short, name)
    }
}
