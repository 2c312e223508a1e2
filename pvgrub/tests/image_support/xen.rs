//! Xen's own view of a kernel's notes: its `readnotes` tool (xen-utils-4.17), and `readelf`
//! for the note types that readnotes 4.17 only lists as unknown.

use pvgrub::image::{L1MfnValid, XenNotes};
use std::path::Path;
use std::process::Command;

/// Runs Xen's readnotes on `path`: its stdout lines.
pub fn readnotes(path: &Path) -> Vec<String> {
    let out = Command::new(super::kernel_dir().join("readnotes"))
        .arg(path)
        .output()
        .expect("run readnotes");
    assert!(
        out.status.success(),
        "readnotes failed on {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout)
        .expect("readnotes prints text")
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The lines of `readelf -nW` for the notes owned by "Xen".
fn readelf_xen_lines(path: &Path) -> Vec<String> {
    let out = Command::new("readelf")
        .args(["-nW"])
        .arg(path)
        .output()
        .expect("readelf (binutils) must be installed");
    assert!(out.status.success(), "readelf -n failed");
    let text = String::from_utf8(out.stdout).expect("readelf prints text");
    text.lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with("Xen "))
        .map(str::to_owned)
        .collect()
}

/// How many Xen notes `readelf -nW` lists in `path`.
pub fn readelf_xen_note_count(path: &Path) -> usize {
    readelf_xen_lines(path).len()
}

/// The Xen notes `readelf -nW` shows as "Unknown note type": (type, descriptor bytes).
pub fn readelf_unknown_xen_notes(path: &Path) -> Vec<(u32, Vec<u8>)> {
    let mut notes = Vec::new();
    for line in readelf_xen_lines(path) {
        let Some((_, t)) = line.split_once("Unknown note type: (0x") else {
            continue;
        };
        let kind = u32::from_str_radix(&t[..8], 16).expect("note type in hex");
        let (_, data) = line
            .split_once("description data: ")
            .expect("descriptor bytes");
        let bytes = data
            .split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).expect("hex byte"))
            .collect();
        notes.push((kind, bytes));
    }
    notes
}

/// A readnotes number: `0x1f (8 bytes)`, `   0 (8 bytes)`, `mask=0x1` parts.
fn number(text: &str) -> u64 {
    let text = text.trim();
    let text = text.split(" (").next().unwrap_or(text);
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).expect("hex number"),
        None => text.parse().expect("decimal number"),
    }
}

fn le(bytes: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b[..bytes.len()].copy_from_slice(bytes);
    u64::from_le_bytes(b)
}

/// Asserts that every note readnotes prints for `path` (an ELF, gzipped ELF or bzImage with
/// a gzip payload), and every note it leaves to readelf (run on the ELF itself, `elf`), has
/// the value our parser found; returns how many notes were compared.
pub fn assert_notes_match(notes: &XenNotes, path: &Path, elf: &Path) -> usize {
    let mut compared = 0;
    let mut unknown = Vec::new();
    for line in readnotes(path) {
        if let Some(t) = line.strip_prefix("unknown note type 0x") {
            unknown.push(u32::from_str_radix(t, 16).expect("hex type"));
            continue;
        }
        let (key, value) = line.split_once(": ").expect("NAME: value");
        let text = Some(value);
        match key {
            "ENTRY" => assert_eq!(notes.entry, Some(number(value)), "{key}"),
            "HYPERCALL_PAGE" => assert_eq!(notes.hypercall_page, Some(number(value)), "{key}"),
            "VIRT_BASE" => assert_eq!(notes.virt_base, Some(number(value)), "{key}"),
            "PADDR_OFFSET" => assert_eq!(notes.paddr_offset, Some(number(value)), "{key}"),
            "HV_START_LOW" => assert_eq!(notes.hv_start_low, Some(number(value)), "{key}"),
            "SUSPEND_CANCEL" => assert_eq!(notes.suspend_cancel, Some(number(value)), "{key}"),
            "PHYS32_ENTRY" => assert_eq!(notes.phys32_entry, Some(number(value)), "{key}"),
            "XEN_VERSION" => assert_eq!(notes.xen_version.as_deref(), text, "{key}"),
            "GUEST_OS" => assert_eq!(notes.guest_os.as_deref(), text, "{key}"),
            "GUEST_VERSION" => assert_eq!(notes.guest_version.as_deref(), text, "{key}"),
            "LOADER" => assert_eq!(notes.loader.as_deref(), text, "{key}"),
            "PAE_MODE" => assert_eq!(notes.pae_mode.as_deref(), text, "{key}"),
            "FEATURES" => assert_eq!(notes.features.as_deref(), text, "{key}"),
            "L1_MFN_VALID" => {
                let (mask, val) = value.split_once(' ').expect("mask=.. value=..");
                let expected = L1MfnValid {
                    mask: number(mask.trim_start_matches("mask=")),
                    value: number(val.trim_start_matches("value=")),
                };
                assert_eq!(notes.l1_mfn_valid, Some(expected), "{key}");
            }
            "__xen_guest" => continue,
            other => panic!("readnotes printed a note this test does not know: {other}"),
        }
        compared += 1;
    }
    let from_readelf = readelf_unknown_xen_notes(elf);
    for kind in unknown {
        let desc = &from_readelf
            .iter()
            .find(|(t, _)| *t == kind)
            .unwrap_or_else(|| panic!("readelf shows note type {kind:#x}"))
            .1;
        match kind {
            0xb => assert_eq!(notes.bsd_symtab, desc.starts_with(b"yes\0"), "BSD_SYMTAB"),
            0xf => assert_eq!(notes.init_p2m, Some(le(desc)), "INIT_P2M"),
            0x10 => assert_eq!(notes.mod_start_pfn, Some(le(desc)), "MOD_START_PFN"),
            0x11 => {
                let word = u32::from_le_bytes(desc[..4].try_into().unwrap());
                assert_eq!(notes.supported_features, Some(word), "SUPPORTED_FEATURES");
                assert_eq!(notes.feature_bits.supported & word, word);
            }
            0x12 => assert_eq!(notes.phys32_entry, Some(le(desc)), "PHYS32_ENTRY"),
            other => panic!("note type {other:#x} is not compared"),
        }
        compared += 1;
    }
    compared
}
