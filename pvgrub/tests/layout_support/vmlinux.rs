//! Reads the Xen notes of a real kernel for the layout tests, with outside tools: the bzImage
//! payload is unpacked by the compressor's own program, then the ELF's program headers and
//! notes are read here (test code, trusted input).
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use pvgrub::layout::KernelNotes;

fn u16_at(d: &[u8], at: usize) -> u64 {
    u64::from(u16::from_le_bytes(d[at..at + 2].try_into().unwrap()))
}
fn u32_at(d: &[u8], at: usize) -> u64 {
    u64::from(u32::from_le_bytes(d[at..at + 4].try_into().unwrap()))
}
fn u64_at(d: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(d[at..at + 8].try_into().unwrap())
}

/// The ELF inside a bzImage (setup header fields `payload_offset`, `payload_length`),
/// unpacked with `xz` or `zstd` according to its magic.
pub fn payload_elf(bzimage: &[u8]) -> Vec<u8> {
    assert_eq!(&bzimage[0x202..0x206], b"HdrS", "not a bzImage");
    let setup_sects = match bzimage[0x1f1] {
        0 => 4,
        n => usize::from(n),
    };
    let start = (setup_sects + 1) * 512 + u32_at(bzimage, 0x248) as usize;
    let payload = &bzimage[start..start + u32_at(bzimage, 0x24c) as usize];
    let tool: &[&str] = match payload {
        // Linux appends the unpacked size (4 bytes) after the stream.
        [0xfd, b'7', b'z', b'X', b'Z', ..] => &["xz", "-dcq", "--single-stream"],
        [0x28, 0xb5, 0x2f, 0xfd, ..] => &["zstd", "-dcq"],
        _ => panic!("unexpected payload magic {:x?}", &payload[..4]),
    };
    let mut child = Command::new(tool[0])
        .args(&tool[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{} must be installed: {e}", tool[0]));
    let mut stdin = child.stdin.take().unwrap();
    let data = payload.to_vec();
    let feeder = std::thread::spawn(move || {
        // The decompressor may stop reading at the end of the stream.
        let _ = stdin.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    assert!(out.status.success(), "{} failed", tool[0]);
    out.stdout
}

/// The layout's view of an ELF kernel: loadable range, entry and Xen notes (from PT_NOTE).
pub fn notes_of_elf(elf: &[u8]) -> KernelNotes {
    assert_eq!(&elf[..5], b"\x7fELF\x02", "not an ELF64");
    let mut notes = KernelNotes {
        elf_entry: u64_at(elf, 24),
        paddr_start: u64::MAX,
        ..KernelNotes::default()
    };
    let (phoff, phentsize, phnum) = (u64_at(elf, 32), u16_at(elf, 54), u16_at(elf, 56));
    for i in 0..phnum {
        let ph = &elf[(phoff + i * phentsize) as usize..];
        let (ty, off, paddr, filesz, memsz) = (
            u32_at(ph, 0),
            u64_at(ph, 8) as usize,
            u64_at(ph, 24),
            u64_at(ph, 32) as usize,
            u64_at(ph, 40),
        );
        match ty {
            1 => {
                notes.paddr_start = notes.paddr_start.min(paddr);
                notes.paddr_end = notes.paddr_end.max(paddr + memsz);
            }
            4 => read_notes(&elf[off..off + filesz], &mut notes),
            _ => {}
        }
    }
    notes
}

fn read_notes(mut d: &[u8], notes: &mut KernelNotes) {
    while d.len() >= 12 {
        let (namesz, descsz, ty) = (u32_at(d, 0) as usize, u32_at(d, 4) as usize, u32_at(d, 8));
        let name = &d[12..12 + namesz];
        let desc_at = 12 + namesz.next_multiple_of(4);
        let desc = &d[desc_at..desc_at + descsz];
        if name == b"Xen\0" {
            let mut buf = [0u8; 8];
            buf[..descsz.min(8)].copy_from_slice(&desc[..descsz.min(8)]);
            let value = u64::from_le_bytes(buf);
            match ty {
                1 => notes.entry = Some(value),
                2 => notes.hypercall_page = Some(value),
                3 => notes.virt_base = Some(value),
                4 => notes.paddr_offset = Some(value),
                15 => notes.init_p2m = Some(value),
                16 => notes.mod_start_pfn = value != 0,
                _ => {}
            }
        }
        d = &d[(desc_at + descsz.next_multiple_of(4)).min(d.len())..];
    }
}

/// Notes of a kernel file: a bzImage or an ELF.
pub fn notes_of_file(path: &Path) -> KernelNotes {
    let data = std::fs::read(path).unwrap();
    if data.starts_with(b"\x7fELF") {
        notes_of_elf(&data)
    } else {
        notes_of_elf(&payload_elf(&data))
    }
}
