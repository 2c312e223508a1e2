//! Plain ISO 9660 and Joliet file identifiers as names.

use crate::fs::utf16::to_wtf8;
use alloc::vec::Vec;

/// `NAME.EXT;1` without the version and a trailing dot.
pub(crate) fn plain_name(raw: &[u8]) -> &[u8] {
    let end = raw.iter().position(|&b| b == b';').unwrap_or(raw.len());
    let name = raw.get(..end).unwrap_or(raw);
    name.strip_suffix(b".").unwrap_or(name)
}

/// A Joliet (UCS-2 big-endian) name without its `;1` version, as WTF-8.
pub(crate) fn joliet_name(raw: &[u8]) -> Vec<u8> {
    let units = raw
        .chunks_exact(2)
        .map(|p| u16::from_be_bytes([p[0], p[1]]));
    let mut name = to_wtf8(units);
    if let Some(at) = name.iter().rposition(|&b| b == b';') {
        name.truncate(at);
    }
    name
}
