//! The legacy `__xen_guest` section: a string like
//! `GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xC0000000,HYPERCALL_PAGE=0x2,LOADER=generic`,
//! read as Xen's `elf_xen_parse_guest_info` reads it.

use super::notes::{NoteSource, XenNotes};
use super::ImageError;
use alloc::string::String;

/// Parses the section's bytes (up to the first NUL, if any).
pub(super) fn parse(section: &[u8]) -> Result<XenNotes, ImageError> {
    let end = section
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(section.len());
    let text = core::str::from_utf8(section.get(..end).unwrap_or_default())
        .map_err(|_| ImageError::BadGuestInfo)?;
    let mut notes = XenNotes {
        source: NoteSource::GuestInfo,
        ..XenNotes::default()
    };
    let mut hypercall_pfn = None;
    for item in text.split(',') {
        let (name, value) = item.split_once('=').unwrap_or((item, ""));
        let owned = || Some(String::from(value));
        match name {
            "LOADER" => notes.loader = owned(),
            "GUEST_OS" => notes.guest_os = owned(),
            "GUEST_VER" => notes.guest_version = owned(),
            "XEN_VER" => notes.xen_version = owned(),
            "PAE" => notes.pae_mode = owned(),
            "BSD_SYMTAB" => notes.bsd_symtab = true,
            "VIRT_BASE" => notes.virt_base = Some(strtoull(value)),
            "VIRT_ENTRY" => notes.entry = Some(strtoull(value)),
            "ELF_PADDR_OFFSET" => notes.paddr_offset = Some(strtoull(value)),
            // A page number here, not an address.
            "HYPERCALL_PAGE" => hypercall_pfn = Some(strtoull(value)),
            "FEATURES" => {
                notes.feature_bits.add_names(value)?;
                notes.features = owned();
            }
            _ => {}
        }
    }
    notes.hypercall_page =
        hypercall_pfn.map(|pfn| (pfn << 12).wrapping_add(notes.virt_base.unwrap_or(0)));
    Ok(notes)
}

/// C's `strtoull(s, NULL, 0)`: optional space and sign, then `0x` hex, `0` octal or decimal;
/// stops at the first character that is not a digit; saturates on overflow; 0 if no digits.
fn strtoull(s: &str) -> u64 {
    let s = s.trim_start();
    let (negative, s) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..).unwrap_or_default()),
        Some(b'+') => (false, s.get(1..).unwrap_or_default()),
        _ => (false, s),
    };
    let (radix, digits) = if let Some(hex) = s.strip_prefix("0x").or(s.strip_prefix("0X")) {
        (16, hex)
    } else if s.starts_with('0') {
        (8, s)
    } else {
        (10, s)
    };
    let mut value: u64 = 0;
    for c in digits.chars() {
        let Some(d) = c.to_digit(radix) else {
            break;
        };
        value = match value
            .checked_mul(u64::from(radix))
            .and_then(|v| v.checked_add(u64::from(d)))
        {
            Some(v) => v,
            None => return u64::MAX,
        };
    }
    if negative {
        value.wrapping_neg()
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::strtoull;

    #[test]
    fn strtoull_bases_and_stops() {
        assert_eq!(strtoull("0xC0000000"), 0xc000_0000);
        assert_eq!(strtoull("010"), 8);
        assert_eq!(strtoull(" 42abc"), 42);
        assert_eq!(strtoull("zz"), 0);
        assert_eq!(strtoull("-1"), u64::MAX);
        assert_eq!(strtoull("0x1ffffffffffffffff"), u64::MAX);
    }
}
