//! Kernel files under a memory budget: decompressed as they are read from a file on disk
//! (never in memory whole), their peak heap is about the output plus the format's window.
//! Then the traps that cost memory before any output: tiny streams declaring huge windows or
//! sizes, and an xz file of a million empty blocks.
//!
//! Inputs are generated (an ELF of pseudo-random and zero bytes, with the Xen notes of a PV
//! kernel), compressed by the real tools, and kept in target/tmp/hostile/ (all under 50 MiB)
//! for `pvgrub-probe` to be run on; delete one to have it made again.
//!
//! The code before streaming (`image::load` of the file read whole, the output grown by
//! doubling, one xz index record kept per block) measured, on the same files: 497.6 MB for
//! the zstd bzImage (budget 303.9 MB), 210.1 MB for the gzip ELF (108.9 MB), 241.7 MB for
//! the xz ELF (167.8 MB), 43.2 MB for the million empty xz blocks (2 MiB).

mod budget;

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use pvgrub::decompress::{self, decompress_from, Compression};
use pvgrub::image::{self, Format, ImageError, LoadError};

const MIB: usize = 1 << 20;
/// Where the kernel's only segment is loaded (and entered).
const PADDR: u64 = 0x100_0000;

/// A kernel file on disk, read by the decoders in the chunks they ask for.
struct FileSource(File);

impl pvgrub::io::Source for FileSource {
    type Error = std::io::Error;

    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

fn open(path: &Path) -> (FileSource, u64) {
    let file = File::open(path).unwrap();
    let len = file.metadata().unwrap().len();
    (FileSource(file), len)
}

/// target/tmp/hostile/, where the inputs are kept.
fn hostile_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What an ELF's segment holds, in order.
#[derive(Clone, Copy)]
enum Part {
    /// Pseudo-random bytes (xorshift from `seed`): incompressible.
    Random { seed: u64, len: usize },
    /// Zero bytes.
    Zeros(usize),
}

impl Part {
    fn len(self) -> usize {
        match self {
            Part::Random { len, .. } | Part::Zeros(len) => len,
        }
    }
}

/// The first page of an ELF64 x86-64 PV kernel whose one PT_LOAD segment of `content`
/// bytes follows it at offset 0x1000: header, PT_LOAD and PT_NOTE program headers, and the
/// notes Xen requires (GUEST_OS, XEN_VERSION, LOADER). No section headers: the file ends
/// with the segment.
fn elf_head(content: u64) -> Vec<u8> {
    let mut notes = Vec::new();
    for (ty, desc) in [(6u32, "linux"), (5, "xen-3.0"), (8, "generic")] {
        let desc = format!("{desc}\0");
        for v in [4, desc.len() as u32, ty] {
            notes.extend_from_slice(&v.to_le_bytes());
        }
        notes.extend_from_slice(b"Xen\0");
        notes.extend_from_slice(desc.as_bytes());
        notes.resize(notes.len().next_multiple_of(4), 0);
    }
    let mut out = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec();
    out.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    out.extend_from_slice(&62u16.to_le_bytes()); // EM_X86_64
    out.extend_from_slice(&1u32.to_le_bytes());
    for v in [PADDR, 64, 0] {
        out.extend_from_slice(&v.to_le_bytes()); // e_entry, e_phoff, e_shoff
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    for v in [64u16, 56, 2, 64, 0, 0] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    let notes_at = 64 + 2 * 56;
    let phdr = |out: &mut Vec<u8>, ty: u32, flags: u32, fields: [u64; 6]| {
        out.extend_from_slice(&ty.to_le_bytes());
        out.extend_from_slice(&flags.to_le_bytes());
        for v in fields {
            out.extend_from_slice(&v.to_le_bytes());
        }
    };
    phdr(
        &mut out,
        1,
        7,
        [0x1000, PADDR, PADDR, content, content, 0x1000],
    );
    let n = notes.len() as u64;
    phdr(&mut out, 4, 4, [notes_at, 0, 0, n, n, 4]);
    out.extend_from_slice(&notes);
    out.resize(0x1000, 0);
    out
}

/// Writes the kernel ELF holding `parts` to `path`, a MiB at a time; returns its length.
fn write_elf(path: &Path, parts: &[Part]) -> usize {
    let content: usize = parts.iter().map(|p| p.len()).sum();
    let mut w = BufWriter::new(File::create(path).unwrap());
    w.write_all(&elf_head(content as u64)).unwrap();
    let mut chunk = vec![0u8; MIB];
    for part in parts {
        let mut state = match *part {
            Part::Random { seed, .. } => seed,
            Part::Zeros(_) => 0,
        };
        let mut left = part.len();
        while left > 0 {
            let n = left.min(MIB);
            for b in &mut chunk[..n] {
                if state != 0 {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                }
                *b = (state >> 32) as u8;
            }
            w.write_all(&chunk[..n]).unwrap();
            left -= n;
        }
    }
    w.flush().unwrap();
    0x1000 + content
}

/// `program args < input > out`, as Linux pipes its payload through the compressor (so the
/// stream records no size).
fn compress(program: &str, args: &[&str], input: &Path, out: &Path) {
    let status = Command::new(program)
        .args(args)
        .stdin(File::open(input).unwrap())
        .stdout(File::create(out).unwrap())
        .stderr(Stdio::inherit())
        .status()
        .unwrap_or_else(|e| panic!("{program} must be installed: {e}"));
    assert!(status.success(), "{program} {args:?} failed");
}

/// The kernel ELF holding `parts` compressed by `program args` into
/// target/tmp/hostile/`name`, made unless it is there; returns its path and the ELF's length.
fn compressed_elf(name: &str, parts: &[Part], program: &str, args: &[&str]) -> (PathBuf, usize) {
    let out = hostile_dir().join(name);
    let elf_len = 0x1000 + parts.iter().map(|p| p.len()).sum::<usize>();
    if !out.exists() {
        let raw = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.elf"));
        assert_eq!(write_elf(&raw, parts), elf_len);
        let tmp = out.with_extension("tmp");
        compress(program, args, &raw, &tmp);
        std::fs::remove_file(&raw).unwrap();
        std::fs::rename(&tmp, &out).unwrap();
    }
    (out, elf_len)
}

/// A bzImage (boot protocol 2.15) around the payload file `stream` of an ELF of `elf_len`
/// bytes: boot sector, one setup sector, 1 KiB standing in for the decompressor, the
/// payload, and the ELF's length after it, as Linux appends it.
fn bzimage(stream: &Path, elf_len: usize, out: &Path) {
    let payload_len = std::fs::metadata(stream).unwrap().len() + 4;
    let mut head = vec![0u8; 2048];
    head[0x1f1] = 1; // setup_sects
    head[0x202..0x206].copy_from_slice(b"HdrS");
    head[0x206..0x208].copy_from_slice(&0x020fu16.to_le_bytes());
    head[0x211] = 1; // LOADED_HIGH
    head[0x248..0x24c].copy_from_slice(&0x400u32.to_le_bytes()); // payload_offset
    head[0x24c..0x250].copy_from_slice(&(payload_len as u32).to_le_bytes());
    let mut w = BufWriter::new(File::create(out).unwrap());
    w.write_all(&head).unwrap();
    std::io::copy(&mut File::open(stream).unwrap(), &mut w).unwrap();
    w.write_all(&(elf_len as u32).to_le_bytes()).unwrap();
    w.flush().unwrap();
}

/// The case, scaled to keep the test short: a bzImage whose zstd payload has a
/// 128 MiB window (`zstd --long=27`, piped as Linux does, so no size is recorded) and
/// decodes to a 154 MiB ELF, 32 MiB of it random (the file is 32 MiB). Read from the file,
/// the peak is the ELF (reserved once, at the size its header gives) plus the window; with
/// the file read into memory first, the same decode is 32 MiB over that budget.
#[test]
fn zstd_bzimage_with_a_128_mib_window_streams_from_the_file() {
    let _only = budget::exclusive();
    let random = Part::Random {
        seed: 0x9e37_79b9_7f4a_7c15,
        len: 32 * MIB,
    };
    // The random part again 122 MiB later: matched inside the 128 MiB window.
    let parts = [random, Part::Zeros(90 * MIB), random];
    let zstd = ["--long=27", "-3", "-T1", "-q", "-c"];
    let (stream, elf_len) = compressed_elf("zstd-long27-elf.img", &parts, "zstd", &zstd);
    let path = hostile_dir().join("bzimage-zstd-long27.img");
    if !path.exists() {
        bzimage(&stream, elf_len, &path);
    }
    let window = 128 * MIB;
    // The ELF's reservation has 1/32 more room than its header says (decompress::sink).
    let budget = elf_len + elf_len / 32 + window + 8 * MIB;

    let (source, len) = open(&path);
    let (k, cost) = budget::measure(|| image::load_from(source, len, &image::Limits::DEFAULT));
    let k = k.unwrap();
    assert_eq!(
        (k.format, k.compression),
        (Format::BzImage, Some(Compression::Zstd))
    );
    assert_eq!(k.elf.len(), elf_len);
    assert_eq!(k.params.virt_entry, PADDR);
    drop(k);
    budget::assert_within(
        "zstd bzImage read from its file",
        len as usize,
        cost,
        budget,
        Duration::from_secs(8),
    );

    let (k, whole) = budget::measure(|| {
        let bytes = std::fs::read(&path).unwrap();
        image::load(&bytes, &image::Limits::DEFAULT).map(|k| k.elf.len())
    });
    assert_eq!(k, Ok(elf_len));
    eprintln!(
        "the same with the file read whole first: heap peak {} bytes",
        whole.peak_heap
    );
    assert!(
        whole.peak_heap > budget,
        "holding the {len}-byte file beside the output and window must break the budget"
    );
}

/// A whole gzip-compressed ELF (`vmlinux.gz`) of 100 MiB: gzip's 32 KiB window lies in the
/// output, so the peak is the output, reserved once at the size the ELF header gives. The
/// same stream decoded without that size (`decompress_from`, which knows nothing of ELF)
/// grows its output by doubling, and a copying reallocation holds the old and the new
/// buffer: the trap the reservation avoids.
#[test]
fn gzip_compressed_elf_is_allocated_once() {
    let _only = budget::exclusive();
    let parts = [
        Part::Random {
            seed: 0x0123_4567_89ab_cdef,
            len: 8 * MIB,
        },
        Part::Zeros(92 * MIB),
    ];
    let (path, elf_len) = compressed_elf("gzip-elf.img", &parts, "gzip", &["-1", "-n", "-c"]);
    let (source, len) = open(&path);
    let (k, cost) = budget::measure(|| image::load_from(source, len, &image::Limits::DEFAULT));
    let k = k.unwrap();
    assert_eq!(
        (k.format, k.compression, k.elf.len()),
        (Format::CompressedElf, Some(Compression::Gzip), elf_len)
    );
    drop(k);
    budget::assert_within(
        "gzip ELF read from its file",
        len as usize,
        cost,
        elf_len + elf_len / 32 + 4 * MIB,
        Duration::from_secs(5),
    );

    let (source, _) = open(&path);
    let (out, no_size) = budget::measure(|| {
        decompress_from(Compression::Gzip, source, &decompress::Limits::DEFAULT).map(|v| v.len())
    });
    assert_eq!(out.unwrap(), elf_len);
    eprintln!(
        "the same stream, its size unknown: heap peak {} bytes ({:.2}x the output)",
        no_size.peak_heap,
        no_size.peak_heap as f64 / elf_len as f64
    );
    assert!(no_size.peak_heap > elf_len * 3 / 2);
}

/// A whole xz-compressed ELF of 104 MiB with a 32 MiB dictionary (Linux's), 8 MiB of it
/// random and repeated 24 MiB later, inside the dictionary. The peak is the output plus the
/// dictionary, which lzma-rust2 grows with the output: at its last doubling it briefly holds
/// the old half beside the new buffer, hence 1.5 dictionaries.
#[test]
fn xz_compressed_elf_streams_from_the_file() {
    let _only = budget::exclusive();
    let random = Part::Random {
        seed: 0x5151_2727_8383_4949,
        len: 8 * MIB,
    };
    let parts = [random, Part::Zeros(16 * MIB), random, Part::Zeros(72 * MIB)];
    let xz = ["-T1", "--lzma2=preset=1,dict=32MiB", "-c"];
    let (path, elf_len) = compressed_elf("xz-dict32m-elf.img", &parts, "xz", &xz);
    let (source, len) = open(&path);
    let (k, cost) = budget::measure(|| image::load_from(source, len, &image::Limits::DEFAULT));
    let k = k.unwrap();
    assert_eq!(
        (k.format, k.compression, k.elf.len()),
        (Format::CompressedElf, Some(Compression::Xz), elf_len)
    );
    drop(k);
    let dict = 32 * MIB;
    budget::assert_within(
        "xz ELF read from its file",
        len as usize,
        cost,
        elf_len + dict * 3 / 2 + 8 * MIB,
        Duration::from_secs(8),
    );
}

/// Writes a generated input to target/tmp/hostile/`name`.
fn keep(name: &str, data: &[u8]) -> PathBuf {
    let path = hostile_dir().join(name);
    std::fs::write(&path, data).unwrap();
    path
}

/// Streams of a few bytes whose headers declare a window or a size far over the limits (or
/// a size under the output limit but never backed by output): refused, or cut short, before
/// anything of that size is allocated.
#[test]
fn tiny_streams_declaring_huge_windows_or_sizes_allocate_nothing() {
    let _only = budget::exclusive();
    let zstd = |header: &[u8], body: &[u8]| {
        let mut s = vec![0x28, 0xb5, 0x2f, 0xfd];
        s.extend_from_slice(header);
        s.extend_from_slice(body);
        s
    };
    // A last, empty raw block.
    let empty_block = [0x01, 0x00, 0x00];
    // One RLE block of 128 KiB of 0x41 (not last), and nothing after it.
    let rle = ((128u32 << 10) << 3 | 1 << 1).to_le_bytes();
    let rle_block = [rle[0], rle[1], rle[2], 0x41];
    let mut xz = b"\xfd7zXZ\x00\x00\x00".to_vec();
    xz.extend_from_slice(&crc32fast::hash(&[0, 0]).to_le_bytes());
    // A block header: one filter, LZMA2 with dictionary properties 38 (2 GiB).
    let mut block = vec![0x02, 0x00, 0x21, 0x01, 38, 0, 0, 0];
    block.extend_from_slice(&crc32fast::hash(&block).to_le_bytes());
    xz.extend_from_slice(&block);
    xz.extend_from_slice(&[0x01, 0x00, 0x00, b'x', 0x00]);
    let mut lzma = vec![0x5d, 0x00, 0x00, 0x00, 0x80];
    lzma.extend_from_slice(&[0xff; 8]);
    lzma.extend_from_slice(&[0x00; 16]);
    let cases: [(&str, Compression, Vec<u8>, decompress::Error); 5] = [
        (
            "tiny-zstd-window-2g.img",
            Compression::Zstd,
            // Window descriptor: exponent 21 + 10, 2 GiB.
            zstd(&[0x00, 0xa8], &empty_block),
            decompress::Error::WindowLimit,
        ),
        (
            "tiny-zstd-size-2g.img",
            Compression::Zstd,
            // Single segment, a 4-byte content size of 2 GiB.
            zstd(&[0xa0, 0x00, 0x00, 0x00, 0x80], &empty_block),
            decompress::Error::OutputLimit,
        ),
        (
            "tiny-zstd-size-400m-cut.img",
            Compression::Zstd,
            // A 128 KiB window and a content size of 400 MiB (under the 512 MiB limit), then
            // 128 KiB of output and the end of the file.
            zstd(&[0x80, 0x38, 0x00, 0x00, 0x00, 0x19], &rle_block),
            decompress::Error::Truncated,
        ),
        (
            "tiny-xz-dict-2g.img",
            Compression::Xz,
            xz,
            decompress::Error::WindowLimit,
        ),
        (
            "tiny-lzma-dict-2g.img",
            Compression::Lzma,
            lzma,
            decompress::Error::WindowLimit,
        ),
    ];
    for (name, c, data, expected) in cases {
        let (source, len) = open(&keep(name, &data));
        let (got, cost) =
            budget::measure(|| decompress_from(c, source, &decompress::Limits::DEFAULT));
        assert_eq!(
            got.map(|v| v.len()).map_err(|e| e.to_string()),
            Err(expected.to_string())
        );
        budget::assert_within(
            name,
            len as usize,
            cost,
            512 << 10,
            Duration::from_millis(100),
        );
    }

    // The 2 GiB zstd window as a bzImage payload, loaded as pv-grub would.
    let payload = keep(
        "tiny-zstd-window-2g.zst",
        &zstd(&[0x00, 0xa8], &empty_block),
    );
    let path = hostile_dir().join("bzimage-tiny-zstd-window-2g.img");
    bzimage(&payload, 64 << 20, &path);
    std::fs::remove_file(&payload).unwrap();
    let (source, len) = open(&path);
    let (got, cost) = budget::measure(|| image::load_from(source, len, &image::Limits::DEFAULT));
    let Err(err) = got else {
        panic!("a 2 GiB window was loaded");
    };
    assert!(matches!(
        err,
        LoadError::Image(ImageError::Decompress(
            Compression::Zstd,
            decompress::Error::WindowLimit
        ))
    ));
    assert_eq!(err.to_string(), "zstd decompression: window limit exceeded");
    budget::assert_within(
        "bzImage of a 2 GiB zstd window",
        len as usize,
        cost,
        512 << 10,
        Duration::from_millis(100),
    );
}

/// An xz stream of `blocks` empty blocks (16 bytes each: a header, an LZMA2 stream of just
/// its end marker, padding; no check) and their index, whose last record says the block
/// decodes to `last` bytes (0 is the truth).
fn empty_blocks_xz(blocks: usize, last: u8) -> Vec<u8> {
    let vli = |mut n: usize, out: &mut Vec<u8>| {
        while n >= 0x80 {
            out.push(n as u8 | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
    };
    let mut data = b"\xfd7zXZ\x00\x00\x00".to_vec();
    data.extend_from_slice(&crc32fast::hash(&[0, 0]).to_le_bytes());
    let mut header = vec![0x02, 0x00, 0x21, 0x01, 0x16, 0, 0, 0];
    header.extend_from_slice(&crc32fast::hash(&header).to_le_bytes());
    let block: Vec<u8> = [&header[..], &[0, 0, 0, 0]].concat();
    for _ in 0..blocks {
        data.extend_from_slice(&block);
    }
    let mut index = vec![0x00];
    vli(blocks, &mut index);
    for i in 0..blocks {
        vli(header.len() + 1, &mut index);
        index.push(if i + 1 == blocks { last } else { 0 });
    }
    index.resize(index.len().next_multiple_of(4), 0);
    index.extend_from_slice(&crc32fast::hash(&index).to_le_bytes());
    data.extend_from_slice(&index);
    let backward = (index.len() as u32 / 4 - 1).to_le_bytes();
    let footer = [&backward[..], &[0, 0]].concat();
    data.extend_from_slice(&crc32fast::hash(&footer).to_le_bytes());
    data.extend_from_slice(&footer);
    data.extend_from_slice(b"YZ");
    data
}

/// An xz file of a million empty blocks: its index is checked against a hash of the blocks'
/// records, not a list of them (which cost 16 bytes, and doubling, per block), and it is
/// read from the file: the heap stays under 2 MiB for an 18 MB file (the input buffer, and
/// the output's room, which doubles up to 1 MiB). An index that lies about one block (its
/// CRC right) is still refused.
#[test]
fn xz_of_a_million_empty_blocks_keeps_no_record_per_block() {
    let _only = budget::exclusive();
    let path = keep(
        "xz-million-empty-blocks.img",
        &empty_blocks_xz(1_000_000, 0),
    );
    let (source, len) = open(&path);
    let (got, cost) =
        budget::measure(|| decompress_from(Compression::Xz, source, &decompress::Limits::DEFAULT));
    assert_eq!(got.map(|v| v.len()).map_err(|e| e.to_string()), Ok(0));
    budget::assert_within(
        "a million empty xz blocks",
        len as usize,
        cost,
        2 << 20,
        Duration::from_secs(3),
    );

    let lie = empty_blocks_xz(1000, 1);
    assert_eq!(
        decompress::decompress(Compression::Xz, &lie, &decompress::Limits::DEFAULT),
        Err(decompress::Error::Corrupt)
    );
}
