//! The C strings minios hands to C: argv from the command line, values copied into C buffers.

use alloc::vec::Vec;

/// `main`'s argv: `name`, then each word of the domain's command line, NUL-terminated.
/// A NUL inside a word ends it there (C could not see the rest anyway).
pub fn argv(name: &str, cmdline: &str) -> Vec<Vec<u8>> {
    core::iter::once(name)
        .chain(cmdline.split_whitespace())
        .map(c_string)
        .collect()
}

/// `s` up to its first NUL, NUL-terminated.
pub fn c_string(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let mut v = Vec::with_capacity(end + 1);
    v.extend_from_slice(&bytes[..end]);
    v.push(0);
    v
}

/// Copies `value` into the C buffer `buf` the way `snprintf` does: as much as fits before a
/// terminating NUL (nothing when `buf` is empty). Returns `value`'s full length.
pub fn copy_out(value: &[u8], buf: &mut [u8]) -> usize {
    if let Some(room) = buf.len().checked_sub(1) {
        let n = value.len().min(room);
        buf[..n].copy_from_slice(&value[..n]);
        buf[n] = 0;
    }
    value.len()
}

/// Copies `names` into `buf` as NUL-terminated strings one after another, as many whole
/// names as fit. Returns the bytes the whole list needs.
pub fn copy_list<S: AsRef<str>>(names: &[S], buf: &mut [u8]) -> usize {
    let mut need = 0;
    for name in names {
        let s = c_string(name.as_ref());
        if let Some(room) = buf.get_mut(need..need + s.len()) {
            room.copy_from_slice(&s);
        }
        need += s.len();
    }
    need
}
