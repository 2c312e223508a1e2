//! `pvgrub::image::load` on Debian's real kernel: the bzImage itself (xz payload), bzImages
//! rebuilt around its vmlinux in every other compression, the whole vmlinux compressed, and
//! broken variants. Notes are checked against Xen's readnotes, segments against readelf,
//! the version string against file(1). `load_from` reads the same files from disk.

mod image_support;

use image_support::{self as s, xen};
use pvgrub::decompress::{self, Compression};
use pvgrub::image::{
    load, load_from, Format, ImageError, KernelImage, Limits, LoadError, SetupHeader,
};
use std::process::Command;
use std::sync::OnceLock;

fn vmlinuz() -> &'static [u8] {
    static DATA: OnceLock<Vec<u8>> = OnceLock::new();
    DATA.get_or_init(|| std::fs::read(s::vmlinuz_path()).unwrap())
}

/// A bzImage like Debian's, but with `stream` (and its uncompressed size, as Linux appends
/// it) as the payload: Debian's setup code and decompressor head, `payload_length` patched.
fn bzimage_around(stream: &[u8], uncompressed_len: usize) -> Vec<u8> {
    let image = vmlinuz();
    let setup_sects = usize::from(image[0x1f1]);
    let payload_offset = u32::from_le_bytes(image[0x248..0x24c].try_into().unwrap());
    let start = (setup_sects + 1) * 512 + payload_offset as usize;
    let mut out = image[..start].to_vec();
    out.extend_from_slice(stream);
    out.extend_from_slice(&(uncompressed_len as u32).to_le_bytes());
    let len = (stream.len() + 4) as u32;
    out[0x24c..0x250].copy_from_slice(&len.to_le_bytes());
    out
}

/// The LOAD rows of `readelf -lW`: (offset, vaddr, paddr, filesz, memsz, flags).
fn readelf_loads(path: &std::path::Path) -> Vec<(u64, u64, u64, u64, u64, u32)> {
    let out = Command::new("readelf")
        .arg("-lW")
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let hex = |t: &str| u64::from_str_radix(t.trim_start_matches("0x"), 16).unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.trim().strip_prefix("LOAD"))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let flags = f[5..f.len() - 1].concat();
            let bits = [('E', 1), ('W', 2), ('R', 4)]
                .iter()
                .filter(|(c, _)| flags.contains(*c))
                .map(|(_, b)| b)
                .sum();
            (hex(f[0]), hex(f[1]), hex(f[2]), hex(f[3]), hex(f[4]), bits)
        })
        .collect()
}

fn assert_is_debian_kernel(k: &KernelImage<'_>) {
    let vmlinux = s::vmlinux();
    assert!(
        k.elf.as_ref() == vmlinux.as_slice(),
        "the ELF is the reference vmlinux"
    );
    let loads = readelf_loads(&s::vmlinux_path());
    let ours: Vec<_> = k
        .segments
        .iter()
        .map(|g| (g.offset, g.vaddr, g.paddr, g.filesz, g.memsz, g.flags))
        .collect();
    assert_eq!(ours, loads);
    let compared = xen::assert_notes_match(&k.notes, &s::vmlinux_path(), &s::vmlinux_path());
    assert_eq!(
        compared,
        xen::readelf_xen_note_count(&s::vmlinux_path()),
        "every Xen note readelf lists is compared"
    );
    // Linux links vaddr = paddr + VIRT_BASE, so Xen's placement is readelf's first and last
    // kernel-space LOAD addresses.
    let kernel_space: Vec<_> = loads.iter().filter(|l| l.1 >= k.params.virt_base).collect();
    assert_eq!(k.params.virt_kstart, kernel_space[0].1);
    let last = kernel_space[kernel_space.len() - 1];
    assert_eq!(k.params.virt_kend, last.1 + last.4);
    assert_eq!(Some(k.params.virt_entry), k.notes.entry);
    for seg in &k.segments {
        let bytes = k.segment_bytes(seg);
        assert_eq!(bytes.len() as u64, seg.filesz);
        assert!(bytes == &vmlinux[seg.offset as usize..(seg.offset + seg.filesz) as usize]);
    }
}

#[test]
fn debian_vmlinuz_loads() {
    let k = load(vmlinuz(), &Limits::default()).unwrap();
    assert_eq!(k.format, Format::BzImage);
    assert_eq!(k.compression, Some(Compression::Xz));
    let setup = k.setup.unwrap();
    let version = setup.version_string(vmlinuz()).unwrap();
    let file = Command::new("file")
        .arg(s::vmlinuz_path())
        .output()
        .unwrap();
    let file = String::from_utf8(file.stdout).unwrap();
    assert!(file.contains("bzImage"), "{file}");
    assert!(
        file.contains(&format!("version {version}")),
        "{file} vs {version}"
    );
    assert!(setup.version >= 0x0208);
    assert_is_debian_kernel(&k);
}

/// A bzImage rebuilt around vmlinux compressed by the tool for `c` loads as Debian's does.
fn check_bzimage(c: Compression) {
    let stream = std::fs::read(s::compressed_vmlinux(c)).unwrap();
    let image = bzimage_around(&stream, s::vmlinux().len());
    let k = load(&image, &Limits::default()).unwrap();
    assert_eq!((k.format, k.compression), (Format::BzImage, Some(c)));
    assert_is_debian_kernel(&k);
    if c == Compression::Gzip {
        // Xen's readnotes unpacks gzip payloads itself: it must see the same notes in it.
        let path = s::scratch_file("bzimage-gzip", &image);
        xen::assert_notes_match(&k.notes, &path, &s::vmlinux_path());
    }
}

#[test]
fn bzimage_gzip() {
    check_bzimage(Compression::Gzip);
}

#[test]
fn bzimage_bzip2() {
    check_bzimage(Compression::Bzip2);
}

#[test]
fn bzimage_lzma() {
    check_bzimage(Compression::Lzma);
}

#[test]
fn bzimage_xz() {
    check_bzimage(Compression::Xz);
}

#[test]
fn bzimage_lzo() {
    check_bzimage(Compression::Lzo);
}

#[test]
fn bzimage_lz4() {
    check_bzimage(Compression::Lz4);
}

#[test]
fn bzimage_zstd() {
    check_bzimage(Compression::Zstd);
}

/// Legacy lz4 has no end marker and no size: a stream cut right after a chunk decodes to the
/// chunks before it (a prefix of the data). The size the bzImage appends is what refuses it,
/// and a bare `.lz4` file cut so is not a whole ELF.
#[test]
fn lz4_cut_between_chunks_is_refused() {
    let stream = std::fs::read(s::compressed_vmlinux(Compression::Lz4)).unwrap();
    let first = u32::from_le_bytes(stream[4..8].try_into().unwrap()) as usize;
    let cut = &stream[..8 + first];
    assert!(
        cut.len() < stream.len(),
        "vmlinux takes more than one lz4 chunk"
    );
    let vmlinux = s::vmlinux();
    let prefix = decompress::decompress(Compression::Lz4, cut, &Default::default()).unwrap();
    assert!(prefix.len() < vmlinux.len() && vmlinux.starts_with(&prefix));
    let image = bzimage_around(cut, vmlinux.len());
    assert_eq!(
        load(&image, &Limits::default()).err(),
        Some(ImageError::PayloadSizeMismatch)
    );
    assert_eq!(
        load(cut, &Limits::default()).err(),
        Some(ImageError::BadElf)
    );
}

#[test]
fn bzimage_with_plain_elf_payload() {
    let image = bzimage_around(&s::vmlinux(), s::vmlinux().len());
    let k = load(&image, &Limits::default()).unwrap();
    assert_eq!((k.format, k.compression), (Format::BzImage, None));
    assert_is_debian_kernel(&k);
}

#[test]
fn whole_compressed_elf() {
    for c in [Compression::Gzip, Compression::Xz, Compression::Zstd] {
        let path = s::compressed_vmlinux(c);
        let data = std::fs::read(&path).unwrap();
        let k = load(&data, &Limits::default()).unwrap();
        assert_eq!((k.format, k.compression), (Format::CompressedElf, Some(c)));
        assert_is_debian_kernel(&k);
        if c == Compression::Gzip {
            // readnotes, like Xen's loader, gunzips a whole gzipped kernel.
            xen::assert_notes_match(&k.notes, &path, &s::vmlinux_path());
        }
    }
}

#[test]
fn plain_vmlinux() {
    let vmlinux = s::vmlinux();
    let k = load(&vmlinux, &Limits::default()).unwrap();
    assert_eq!((k.format, k.compression), (Format::Elf, None));
    assert!(matches!(k.elf, std::borrow::Cow::Borrowed(_)));
    assert_is_debian_kernel(&k);
}

#[test]
fn broken_bzimages_are_refused() {
    let good = vmlinuz();
    let limits = Limits::default();
    // Cut inside the payload.
    assert_eq!(
        load(&good[..good.len() / 2], &limits).err(),
        Some(ImageError::BadSetupHeader)
    );
    // Boot protocol 2.07: no payload fields.
    let mut old = good.to_vec();
    old[0x206..0x208].copy_from_slice(&0x0207u16.to_le_bytes());
    let err = load(&old, &limits).unwrap_err();
    assert_eq!(err, ImageError::BootProtocolTooOld(0x0207));
    assert_eq!(
        err.to_string(),
        "bzImage boot protocol 2.07 is older than 2.08 (no payload fields)"
    );
    // The appended size is one more than the payload decodes to.
    let hdr = SetupHeader::parse(good).unwrap();
    let end = (hdr.payload_start() + u64::from(hdr.payload_length)) as usize;
    let mut size = good.to_vec();
    size[end - 4] = size[end - 4].wrapping_add(1);
    assert_eq!(
        load(&size, &limits).err(),
        Some(ImageError::PayloadSizeMismatch)
    );
    // A payload in no format we know.
    let junk = bzimage_around(&[0x42; 4096], 4096);
    assert_eq!(
        load(&junk, &limits).err(),
        Some(ImageError::UnknownPayloadFormat)
    );
    // A flipped byte in the middle of the xz stream.
    let mut flipped = good.to_vec();
    let mid = (hdr.payload_start() + u64::from(hdr.payload_length) / 2) as usize;
    flipped[mid] ^= 0x10;
    assert!(matches!(
        load(&flipped, &limits).err(),
        Some(ImageError::Decompress(Compression::Xz, _))
    ));
    // Nothing we know.
    assert_eq!(
        load(&[0u8; 4096], &limits).err(),
        Some(ImageError::UnknownFormat)
    );
}

/// The limits hold at this kernel's own sizes: its ELF fits exactly `max_output`, a byte less
/// is refused; its segments fit exactly `max_span`, a byte less is refused.
#[test]
fn limits_are_enforced() {
    let full = load(vmlinuz(), &Limits::default()).unwrap();
    let compression = full.compression.expect("Debian's payload is compressed");
    let with_output = |max_output| Limits {
        decompress: decompress::Limits {
            max_output,
            ..decompress::Limits::default()
        },
        ..Limits::default()
    };
    let elf_len = full.elf.len();
    assert!(load(vmlinuz(), &with_output(elf_len)).is_ok());
    let err = load(vmlinuz(), &with_output(elf_len - 1)).unwrap_err();
    assert_eq!(
        err,
        ImageError::Decompress(compression, decompress::Error::OutputLimit)
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{} decompression: output limit exceeded",
            compression.name()
        )
    );
    let start = full.segments.iter().map(|g| g.paddr).min().unwrap();
    let end = full
        .segments
        .iter()
        .map(|g| g.paddr + g.memsz)
        .max()
        .unwrap();
    let with_span = |max_span| Limits {
        max_span,
        ..Limits::default()
    };
    let span = end - start;
    assert!(load(vmlinuz(), &with_span(span)).is_ok());
    let err = load(vmlinuz(), &with_span(span - 1)).unwrap_err();
    assert_eq!(
        err,
        ImageError::SpanTooLarge {
            span,
            max: span - 1
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "loadable segments span {span:#x} bytes of physical memory, more than the \
             {:#x}-byte limit",
            span - 1
        )
    );
}

/// A file read as pv-grub reads a kernel: front to back, in the chunks asked for, failing
/// once `fail_at` bytes are read if given.
struct FileSource {
    file: std::fs::File,
    read: u64,
    fail_at: Option<u64>,
}

impl pvgrub::io::Source for FileSource {
    type Error = std::io::Error;

    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use std::io::Read;
        let mut want = buf.len();
        if let Some(at) = self.fail_at {
            if self.read >= at {
                return Err(std::io::Error::other("sector 1234 unreadable"));
            }
            want = want.min((at - self.read) as usize);
        }
        let n = self.file.read(&mut buf[..want])?;
        self.read += n as u64;
        Ok(n)
    }
}

fn file_source(path: &std::path::Path, fail_at: Option<u64>) -> (FileSource, u64) {
    let file = std::fs::File::open(path).unwrap();
    let len = file.metadata().unwrap().len();
    let source = FileSource {
        file,
        read: 0,
        fail_at,
    };
    (source, len)
}

/// Debian's bzImage, its vmlinux gzipped and zstd-compressed, and the plain vmlinux, read
/// from their files: the same kernel as `load` finds in the bytes.
#[test]
fn load_from_a_file_finds_what_load_finds() {
    let paths = [
        s::vmlinuz_path(),
        s::compressed_vmlinux(Compression::Gzip),
        s::compressed_vmlinux(Compression::Zstd),
        s::vmlinux_path(),
    ];
    for path in paths {
        let bytes = std::fs::read(&path).unwrap();
        let want = load(&bytes, &Limits::default()).unwrap();
        let (source, len) = file_source(&path, None);
        let got = load_from(source, len, &Limits::default()).unwrap();
        let what = path.display();
        assert_eq!(
            (got.format, got.compression),
            (want.format, want.compression),
            "{what}"
        );
        assert_eq!(got.setup, want.setup, "{what}");
        assert_eq!(got.notes, want.notes, "{what}");
        assert_eq!(got.segments, want.segments, "{what}");
        assert_eq!(got.params, want.params, "{what}");
        assert!(got.elf == want.elf, "{what}");
    }
}

/// The error of a load that must fail (a loaded image is not printed: it holds the ELF).
fn refused<E>(got: Result<KernelImage<'_>, LoadError<E>>) -> LoadError<E> {
    match got {
        Ok(k) => panic!(
            "loaded a {} kernel of {} bytes",
            k.format.name(),
            k.elf.len()
        ),
        Err(e) => e,
    }
}

/// A read error is reported as such (not as a cut stream); a file shorter than its length, or
/// a plain ELF over the output limit, is refused with its sizes.
#[test]
fn load_from_reports_read_errors_short_files_and_large_elves() {
    let limits = Limits::default();
    let path = s::vmlinuz_path();
    let (_, len) = file_source(&path, None);
    let hdr = SetupHeader::parse(vmlinuz()).unwrap();
    // Where the payload and the size after it end (Debian's signature may follow).
    let end = hdr.payload_start() + u64::from(hdr.payload_length);
    for at in [0, 0x100, 0x4000, end / 2, end - 2] {
        let (source, len) = file_source(&path, Some(at));
        let err = refused(load_from(source, len, &limits));
        assert!(
            matches!(&err, LoadError::Source(e) if e.to_string() == "sector 1234 unreadable"),
            "failing at {at}: {err}"
        );
        assert_eq!(err.to_string(), "read error: sector 1234 unreadable");
    }
    // Cut a byte short of the size after the payload.
    let cut = &vmlinuz()[..end as usize - 1];
    assert_eq!(
        refused(load_from(cut, len, &limits)),
        LoadError::Image(ImageError::ShortFile { len, read: end - 1 })
    );
    let vmlinux = s::vmlinux();
    let n = vmlinux.len() as u64;
    let err = refused(load_from(&vmlinux[..1000], n, &limits));
    assert_eq!(
        err,
        LoadError::Image(ImageError::ShortFile { len: n, read: 1000 })
    );
    assert_eq!(
        err.to_string(),
        format!("the file ended after 1000 of its {n} bytes")
    );
    let small = Limits {
        decompress: decompress::Limits {
            max_output: vmlinux.len() - 1,
            ..decompress::Limits::default()
        },
        ..Limits::default()
    };
    let err = refused(load_from(vmlinux.as_slice(), n, &small));
    assert_eq!(
        err.to_string(),
        format!(
            "the ELF file is {n} bytes, more than the {}-byte output limit",
            n - 1
        )
    );
}
