//! Shared by the error text tests (pvgrub's and pvgrub-probe's): spotting `{:?}` output.

/// Whether `text` looks like a `{:?}` dump: a `(` or `{` right after a word in CamelCase, as
/// in `Corrupt(ExtentDepth(12))` or `OutOfRange { offset: 1 }`. Upper-case names
/// (`VIRT_BASE (type 3)`) and numbers (`partition 2 (GPT entry 3)`) do not count.
pub fn looks_like_debug(text: &str) -> bool {
    text.match_indices(['(', '{']).any(|(at, _)| {
        let before = text[..at].trim_end();
        let start = before
            .rfind(|c: char| !c.is_alphanumeric() && c != '_')
            .map_or(0, |i| i + 1);
        let word = &before[start..];
        word.starts_with(|c: char| c.is_ascii_uppercase())
            && word.chars().any(|c| c.is_ascii_lowercase())
    })
}

#[test]
fn debug_dumps_are_recognised() {
    assert!(looks_like_debug("ext4: Corrupt(ExtentDepth(12))"));
    assert!(looks_like_debug("OutOfRange { offset: 1, len: 2 }"));
    assert!(looks_like_debug(
        "unsupported features: IncompatibleFeatures(DATA_IN_INODE)"
    ));
    assert!(!looks_like_debug(
        "(hd0,1): partition 2 (GPT entry 3): Xen note VIRT_BASE (type 3): '{' block"
    ));
}
