//! UTF-16 names (FAT long names, Joliet) as bytes.

use alloc::vec::Vec;

/// `units` as UTF-8, an unpaired surrogate (which FAT and Joliet names may hold) written as
/// the three bytes UTF-8 would give its code point (WTF-8): distinct names stay distinct, and
/// each can be looked up by the bytes it is listed with.
pub(crate) fn to_wtf8(units: impl IntoIterator<Item = u16>) -> Vec<u8> {
    let mut out = Vec::new();
    for unit in char::decode_utf16(units) {
        match unit {
            Ok(c) => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
            Err(e) => {
                let u = e.unpaired_surrogate();
                // Surrogates are 0xd800..=0xdfff: always three bytes, 0xed first.
                out.extend_from_slice(&[
                    0xe0 | (u >> 12) as u8,
                    0x80 | ((u >> 6) & 0x3f) as u8,
                    0x80 | (u & 0x3f) as u8,
                ]);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::to_wtf8;

    #[test]
    fn pairs_decode_and_lone_surrogates_keep_their_code_point() {
        assert_eq!(
            to_wtf8("vmlinuz-é😀".encode_utf16()),
            "vmlinuz-é😀".as_bytes()
        );
        assert_eq!(to_wtf8([0x61, 0xd800, 0x62]), b"a\xed\xa0\x80b");
        assert_eq!(to_wtf8([0xdfff]), b"\xed\xbf\xbf");
        assert_ne!(to_wtf8([0xd800]), to_wtf8([0xd801]));
    }
}
