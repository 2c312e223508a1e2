//! Small kernels built by the test with GNU as and ld, for what Debian's kernel does not
//! show: every note type (HYPERCALL_PAGE, BSD_SYMTAB, ...), notes found only through
//! sections, the legacy `__xen_guest` string, and broken ELF files. Xen's readnotes, readelf
//! and nm are the references.

mod image_support;

use image_support::{self as s, xen};
use pvgrub::image::{load, ImageError, KernelImage, Limits, NoteSource};
use std::path::{Path, PathBuf};
use std::process::Command;

const VIRT_BASE: u64 = 0xffff_ffff_8000_0000;

/// Every note type Xen defines but INFO, as Linux's xen-head.S writes them (FEATURES with
/// `.ascii`, no NUL), plus those Linux leaves out.
const ALL_NOTES: &[(u32, &str)] = &[
    (6, ".asciz \"linux\""),
    (7, ".asciz \"2.6\""),
    (5, ".asciz \"xen-3.0\""),
    (3, ".quad 0xffffffff80000000"),
    (4, ".quad 0"),
    (1, ".quad _start"),
    (2, ".quad hypercall_page"),
    (10, ".ascii \"writable_page_tables|!pae_pgdir_above_4gb\""),
    (11, ".asciz \"yes\""),
    (8, ".asciz \"generic\""),
    (9, ".asciz \"yes\""),
    (12, ".quad 0xffff800000000000"),
    (13, ".long 1, 1"),
    (14, ".long 1"),
    (15, ".quad 0x8000000000"),
    (16, ".long 1"),
    (17, ".long 0x801"),
    (18, ".long 0x100000"),
];

const NOTE_MACRO: &str = r#"
.macro xennote type, desc:vararg
	.pushsection .note.Xen, "a", @note
	.balign 4
	.long 2f - 1f
	.long 4f - 3f
	.long \type
1:	.asciz "Xen"
2:	.balign 4
3:	\desc
4:	.balign 4
	.popsection
.endm
	.text
	.globl _start
_start:
	.fill 4096, 1, 0x90
	.globl hypercall_page
hypercall_page:
	.fill 4096, 1, 0xcc
	.data
	.quad 1, 2, 3
"#;

/// How a test kernel is linked.
#[derive(Clone, Copy, PartialEq)]
enum Link {
    /// paddr = vaddr - VIRT_BASE, with a PT_NOTE program header (as Linux does).
    Modern,
    /// The same without PT_NOTE: the notes are only in a section.
    NoNoteSegment,
    /// paddr = vaddr, as kernels of the `__xen_guest` era were linked.
    Legacy,
}

/// Linked at VIRT_BASE + 1 MiB.
fn linker_script(link: Link) -> String {
    let (phdr, note_to) = if link == Link::NoNoteSegment {
        ("", ":text")
    } else {
        ("note PT_NOTE;", ":text :note")
    };
    let base = if link == Link::Legacy { 0 } else { VIRT_BASE };
    format!(
        "ENTRY(_start)
PHDRS {{ text PT_LOAD FLAGS(5); data PT_LOAD FLAGS(6); {phdr} }}
SECTIONS {{
	. = {VIRT_BASE:#x} + 0x100000;
	.text : AT(ADDR(.text) - {base:#x}) {{ *(.text) }} :text
	.note.Xen : AT(ADDR(.note.Xen) - {base:#x}) {{ *(.note.Xen) }} {note_to}
	. = ALIGN(4096);
	.data : AT(ADDR(.data) - {base:#x}) {{ *(.data) }} :data
	__xen_guest : {{ *(__xen_guest) }} :data
}}
"
    )
}

/// Assembles and links a kernel with these notes and `__xen_guest` string; returns its path.
fn build(name: &str, notes: &[(u32, &str)], guest_info: Option<&str>, link: Link) -> PathBuf {
    let dir = s::cache_dir().join("synthetic");
    std::fs::create_dir_all(&dir).unwrap();
    let mut asm = String::from(NOTE_MACRO);
    for (kind, desc) in notes {
        asm += &format!("\txennote {kind}, {desc}\n");
    }
    if let Some(info) = guest_info {
        asm += &format!("\t.section __xen_guest\n\t.asciz \"{info}\"\n");
    }
    let src = dir.join(format!("{name}.S"));
    let obj = dir.join(format!("{name}.o"));
    let lds = dir.join(format!("{name}.ld"));
    let elf = dir.join(name);
    std::fs::write(&src, asm).unwrap();
    std::fs::write(&lds, linker_script(link)).unwrap();
    run("as", &["--64", "-o", path(&obj), path(&src)]);
    run(
        "ld",
        &[
            "-m",
            "elf_x86_64",
            "--build-id=none",
            "-T",
            path(&lds),
            "-o",
            path(&elf),
            path(&obj),
        ],
    );
    elf
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} (binutils) must be installed: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A symbol's address, as nm prints it.
fn symbol(elf: &Path, name: &str) -> u64 {
    let out = run("nm", &[path(elf)]);
    let line = out
        .lines()
        .find(|l| l.ends_with(&format!(" {name}")))
        .unwrap_or_else(|| panic!("nm lists {name}"));
    u64::from_str_radix(line.split(' ').next().unwrap(), 16).unwrap()
}

fn load_file(elf: &Path) -> (Vec<u8>, Result<KernelImage<'static>, ImageError>) {
    let data = std::fs::read(elf).unwrap();
    let leaked: &'static [u8] = Box::leak(data.clone().into_boxed_slice());
    (data, load(leaked, &Limits::default()))
}

#[test]
fn every_note_type_in_a_note_segment() {
    let elf = build("all-notes", ALL_NOTES, None, Link::Modern);
    let k = load_file(&elf).1.unwrap();
    assert_eq!(k.notes.source, NoteSource::Segments);
    assert_eq!(
        xen::assert_notes_match(&k.notes, &elf, &elf),
        ALL_NOTES.len()
    );
    assert_eq!(k.notes.hypercall_page, Some(symbol(&elf, "hypercall_page")));
    assert_eq!(k.params.virt_entry, symbol(&elf, "_start"));
    assert_eq!(k.params.virt_kstart, symbol(&elf, "_start"));
    assert!(k.notes.bsd_symtab);
    // XENFEAT_pae_pgdir_above_4gb is 4, XENFEAT_writable_page_tables 0 (public/features.h).
    assert_eq!(k.notes.feature_bits.required, 1 << 4);
    assert_eq!(k.notes.feature_bits.supported & 0x11, 0x11);
}

#[test]
fn notes_found_through_sections() {
    let elf = build("section-notes", ALL_NOTES, None, Link::NoNoteSegment);
    let k = load_file(&elf).1.unwrap();
    assert_eq!(k.notes.source, NoteSource::Sections);
    assert_eq!(
        xen::assert_notes_match(&k.notes, &elf, &elf),
        ALL_NOTES.len()
    );
}

#[test]
fn legacy_xen_guest_string() {
    // HYPERCALL_PAGE counts pages from VIRT_BASE: page 0x101 is `hypercall_page`.
    let info = "GUEST_OS=linux,GUEST_VER=2.6,XEN_VER=xen-3.0,VIRT_BASE=0xffffffff80000000,\
                HYPERCALL_PAGE=0x101,LOADER=generic,FEATURES=writable_page_tables|!pae_pgdir_above_4gb,\
                PAE=yes[extended-cr3],BSD_SYMTAB";
    let elf = build("xen-guest", &[], Some(info), Link::Legacy);
    let lines = xen::readnotes(&elf);
    assert_eq!(
        lines,
        vec![format!("__xen_guest: {info}")],
        "readnotes sees only the string"
    );
    let k = load_file(&elf).1.unwrap();
    let n = &k.notes;
    assert_eq!(n.source, NoteSource::GuestInfo);
    assert_eq!(n.guest_os.as_deref(), Some("linux"));
    assert_eq!(n.guest_version.as_deref(), Some("2.6"));
    assert_eq!(n.xen_version.as_deref(), Some("xen-3.0"));
    assert_eq!(n.loader.as_deref(), Some("generic"));
    assert_eq!(n.pae_mode.as_deref(), Some("yes[extended-cr3]"));
    assert_eq!(
        n.features.as_deref(),
        Some("writable_page_tables|!pae_pgdir_above_4gb")
    );
    assert!(n.bsd_symtab);
    assert_eq!(n.virt_base, Some(VIRT_BASE));
    assert_eq!(n.hypercall_page, Some(symbol(&elf, "hypercall_page")));
    // No ELF_PADDR_OFFSET: with __xen_guest Xen defaults it to VIRT_BASE, so the kernel is
    // placed at its paddr (= vaddr here) and entered at e_entry.
    assert_eq!(k.params.paddr_offset, VIRT_BASE);
    assert_eq!(k.params.virt_kstart, symbol(&elf, "_start"));
    assert_eq!(k.params.virt_entry, symbol(&elf, "_start"));
    // Linked the modern way (paddr = vaddr - VIRT_BASE), that default puts the kernel below
    // VIRT_BASE: Xen refuses it.
    let low = build("xen-guest-low", &[], Some(info), Link::Modern);
    let err = load_file(&low).1.unwrap_err();
    assert_eq!(
        err,
        ImageError::KernelBelowVirtBase {
            virt_base: VIRT_BASE,
            virt_kstart: 0x10_0000
        }
    );
    assert_eq!(
        err.to_string(),
        "kernel starts at 0x100000, below VIRT_BASE 0xffffffff80000000"
    );
}

#[test]
fn kernels_xen_would_refuse() {
    let plain = build("plain", &[], None, Link::Modern);
    assert_eq!(load_file(&plain).1.err(), Some(ImageError::NotXenImage));
    let bsd = build(
        "netbsd",
        &[],
        Some("GUEST_OS=NetBSD,XEN_VER=xen-3.0,LOADER=bsdloader,VIRT_BASE=0xffffffff80000000"),
        Link::Legacy,
    );
    assert_eq!(load_file(&bsd).1.err(), Some(ImageError::NotForXenPv));
    let old = build(
        "xen-2",
        &[(6, ".asciz \"linux\""), (5, ".asciz \"xen-2.0\"")],
        None,
        Link::Modern,
    );
    assert_eq!(load_file(&old).1.err(), Some(ImageError::NotForXenPv));
    let feature = build(
        "unknown-feature",
        &[
            (6, ".asciz \"linux\""),
            (5, ".asciz \"xen-3.0\""),
            (10, ".asciz \"!frobnicate\""),
        ],
        None,
        Link::Modern,
    );
    assert_eq!(
        load_file(&feature).1.err(),
        Some(ImageError::UnknownRequiredFeature)
    );
    let mut notes = ALL_NOTES.to_vec();
    notes.push((15, ".quad _start"));
    let p2m = build("p2m-inside", &notes, None, Link::Modern);
    let start = symbol(&p2m, "_start");
    assert!(matches!(
        load_file(&p2m).1.err(),
        Some(ImageError::P2mInsideKernel { init_p2m, virt_kstart, virt_kend })
            if init_p2m == start && (virt_kstart..virt_kend).contains(&start)
    ));
    let mut notes = ALL_NOTES.to_vec();
    notes.push((1, ".quad 0xffffffff90000000"));
    let entry = build("entry-outside", &notes, None, Link::Modern);
    let err = load_file(&entry).1.unwrap_err();
    let ImageError::EntryOutsideKernel {
        virt_entry: 0xffff_ffff_9000_0000,
        virt_kstart,
        virt_kend,
    } = err
    else {
        panic!("{err:?}");
    };
    assert_eq!(
        err.to_string(),
        format!(
            "entry point 0xffffffff90000000 is outside the kernel {virt_kstart:#x}..{virt_kend:#x}"
        )
    );
    let sizes = build("bad-note-size", &[(3, ".byte 1, 2, 3")], None, Link::Modern);
    let err = load_file(&sizes).1.unwrap_err();
    assert_eq!(err, ImageError::BadNote(3));
    assert_eq!(
        err.to_string(),
        "Xen note VIRT_BASE (type 3) has a descriptor of the wrong size or form"
    );
}

/// Program header `i`'s field at `field` (offsets of Elf64_Phdr), as a u64 to patch.
fn phdr_field(data: &[u8], i: usize, field: usize) -> usize {
    let phoff = u64::from_le_bytes(data[0x20..0x28].try_into().unwrap()) as usize;
    phoff + i * 56 + field
}

fn patched(data: &[u8], at: usize, value: u64) -> Vec<u8> {
    let mut out = data.to_vec();
    out[at..at + 8].copy_from_slice(&value.to_le_bytes());
    out
}

#[test]
fn broken_elf_files() {
    let elf = build("all-notes-broken", ALL_NOTES, None, Link::Modern);
    let (data, good) = load_file(&elf);
    let text = good.unwrap().segments[0];
    let limits = Limits::default();
    // Segment 1 (data) moved onto segment 0 (text) in physical memory.
    let overlap = patched(&data, phdr_field(&data, 1, 24), text.paddr + 0x800);
    assert_eq!(
        load(&overlap, &limits).err(),
        Some(ImageError::OverlappingSegments)
    );
    // Segment 0's bytes past the end of the file.
    let outside = patched(&data, phdr_field(&data, 0, 8), data.len() as u64);
    assert_eq!(
        load(&outside, &limits).err(),
        Some(ImageError::BadSegment(0))
    );
    // filesz larger than memsz.
    let bigger = patched(&data, phdr_field(&data, 0, 32), text.memsz + 1);
    assert_eq!(
        load(&bigger, &limits).err(),
        Some(ImageError::BadSegment(0))
    );
    // memsz wrapping the address space.
    let wrap = patched(&data, phdr_field(&data, 0, 40), u64::MAX);
    assert_eq!(load(&wrap, &limits).err(), Some(ImageError::BadSegment(0)));
    // Program header table cut off.
    assert_eq!(load(&data[..100], &limits).err(), Some(ImageError::BadElf));
    // 32-bit class byte.
    let mut class32 = data.clone();
    class32[4] = 1;
    assert_eq!(load(&class32, &limits).err(), Some(ImageError::NotElf64));
    // Another machine (EM_386).
    let mut machine = data.clone();
    machine[18..20].copy_from_slice(&3u16.to_le_bytes());
    assert_eq!(load(&machine, &limits).err(), Some(ImageError::NotElf64));
}
