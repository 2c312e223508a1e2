//! Our decoders against the real tools, on Debian's kernel: its xz payload, and its vmlinux
//! recompressed by gzip, bzip2, lzma, xz, lzop, lz4 and zstd as Linux does it. Then broken
//! inputs (cut short, bytes flipped), the output and window caps, and streams pulled from
//! sources that give a few bytes at a time or fail.

mod image_support;

use image_support as s;
use pvgrub::decompress::{decompress, decompress_from, Compression, Error, Limits, StreamError};
use std::path::PathBuf;
use std::sync::OnceLock;

#[test]
fn debian_payload_decodes_like_xz() {
    let image = std::fs::read(s::vmlinuz_path()).unwrap();
    let hdr = pvgrub::image::SetupHeader::parse(&image).unwrap();
    let payload = hdr.payload(&image);
    let (stream, size) = payload.split_at(payload.len() - 4);
    assert_eq!(Compression::detect(stream), Some(Compression::Xz));
    let ours = decompress(Compression::Xz, stream, &Limits::default()).unwrap();
    let reference = s::vmlinux();
    assert_eq!(ours.len(), reference.len());
    assert!(ours == reference, "our xz output differs from xz -dc's");
    assert_eq!(
        u32::from_le_bytes(size.try_into().unwrap()) as usize,
        ours.len()
    );
}

/// vmlinux compressed by the tool for `c`: the tool and we must both give vmlinux back.
fn check_recompressed(c: Compression) {
    let path = s::compressed_vmlinux(c);
    let data = std::fs::read(&path).unwrap();
    assert_eq!(Compression::detect(&data), Some(c));
    let ours = decompress(c, &data, &Limits::default()).unwrap();
    let reference = s::reference_decompress(c, &path);
    assert!(
        reference == s::vmlinux(),
        "{} does not round-trip",
        c.name()
    );
    assert_eq!(ours.len(), reference.len(), "{}", c.name());
    assert!(
        ours == reference,
        "our {} output differs from the tool's",
        c.name()
    );
}

#[test]
fn gzip_vmlinux_matches_tool() {
    check_recompressed(Compression::Gzip);
}

#[test]
fn bzip2_vmlinux_matches_tool() {
    check_recompressed(Compression::Bzip2);
}

#[test]
fn lzma_vmlinux_matches_tool() {
    check_recompressed(Compression::Lzma);
}

#[test]
fn xz_vmlinux_matches_tool() {
    check_recompressed(Compression::Xz);
}

#[test]
fn lzo_vmlinux_matches_tool() {
    check_recompressed(Compression::Lzo);
}

#[test]
fn lz4_vmlinux_matches_tool() {
    check_recompressed(Compression::Lz4);
}

#[test]
fn zstd_vmlinux_matches_tool() {
    check_recompressed(Compression::Zstd);
}

/// A MiB of vmlinux's code (from 2 MiB into the file, where .text starts), and that
/// compressed by each tool: small real inputs.
fn sample() -> (Vec<u8>, Vec<(Compression, Vec<u8>)>) {
    static DONE: OnceLock<PathBuf> = OnceLock::new();
    let path = DONE.get_or_init(|| {
        let head = s::vmlinux()[2 << 20..3 << 20].to_vec();
        s::scratch_file("sample", &head)
    });
    let original = std::fs::read(path).unwrap();
    let streams = Compression::ALL
        .iter()
        .map(|&c| (c, std::fs::read(s::compress_file(c, path)).unwrap()))
        .collect();
    (original, streams)
}

#[test]
fn samples_decode_and_detect() {
    let (original, streams) = sample();
    for (c, data) in &streams {
        assert_eq!(Compression::detect(data), Some(*c));
        let out = decompress(*c, data, &Limits::default()).unwrap();
        assert!(out == original, "{}", c.name());
        let other = if *c == Compression::Gzip {
            Compression::Xz
        } else {
            Compression::Gzip
        };
        assert_eq!(
            decompress(other, data, &Limits::default()),
            Err(Error::BadMagic)
        );
    }
    assert_eq!(Compression::detect(&original), None);
    assert_eq!(Compression::detect(&[]), None);
}

#[test]
fn truncated_inputs_are_errors() {
    let (_, streams) = sample();
    for (c, data) in &streams {
        let n = data.len();
        for cut in [c.magic().len() - 1, 13, n / 4, n / 2, n - 9, n - 1] {
            let got = decompress(*c, &data[..cut], &Limits::default());
            assert!(
                matches!(got, Err(Error::Truncated | Error::Corrupt)),
                "{} cut at {cut} of {n}: {:?}",
                c.name(),
                got.map(|v| v.len())
            );
        }
    }
}

/// Formats whose streams carry a checksum of the data: a flipped byte is caught.
fn has_checksum(c: Compression) -> bool {
    !matches!(c, Compression::Lz4 | Compression::Lzma)
}

#[test]
fn flipped_bytes_are_errors_or_harmless() {
    let (original, streams) = sample();
    // Corrupt LZ data can expand far; the cap keeps each attempt short.
    let limits = Limits {
        max_output: 2 * original.len(),
        ..Limits::default()
    };
    for (c, data) in &streams {
        let n = data.len();
        for at in (0..n).step_by(n / 29 + 1).chain([n - 1, n - 2, n - 5]) {
            let mut bad = data.clone();
            bad[at] ^= 0x5a;
            let got = decompress(*c, &bad, &limits);
            if has_checksum(*c) {
                assert!(
                    got.as_ref().map_or(true, |out| *out == original),
                    "{} flip at {at} gave wrong data",
                    c.name()
                );
            }
        }
    }
}

#[test]
fn checksums_are_checked() {
    let (_, streams) = sample();
    for (c, data) in &streams {
        // gzip ends with CRC-32 and size; a zstd frame from `zstd` with its XXH64 check.
        let at = match c {
            Compression::Gzip => data.len() - 8,
            Compression::Zstd => data.len() - 4,
            _ => continue,
        };
        let mut bad = data.clone();
        bad[at] ^= 1;
        assert_eq!(
            decompress(*c, &bad, &Limits::default()),
            Err(Error::Checksum)
        );
    }
}

#[test]
fn output_cap_is_enforced() {
    let (original, streams) = sample();
    for (c, data) in &streams {
        let exact = Limits {
            max_output: original.len(),
            ..Limits::default()
        };
        assert!(
            decompress(*c, data, &exact).unwrap() == original,
            "{}",
            c.name()
        );
        let short = Limits {
            max_output: original.len() - 1,
            ..Limits::default()
        };
        assert_eq!(
            decompress(*c, data, &short),
            Err(Error::OutputLimit),
            "{}",
            c.name()
        );
        let tiny = Limits {
            max_output: 0,
            ..Limits::default()
        };
        assert_eq!(
            decompress(*c, data, &tiny),
            Err(Error::OutputLimit),
            "{}",
            c.name()
        );
    }
}

#[test]
fn window_cap_is_enforced() {
    let (_, streams) = sample();
    // Linux's xz uses a 32 MiB dictionary, `lzma -9` 64 MiB, `zstd -22 --ultra` a 128 MiB
    // window: all over a 16 MiB cap.
    let small = Limits {
        max_window: 16 << 20,
        ..Limits::default()
    };
    for (c, data) in &streams {
        if matches!(c, Compression::Xz | Compression::Lzma | Compression::Zstd) {
            assert_eq!(
                decompress(*c, data, &small),
                Err(Error::WindowLimit),
                "{}",
                c.name()
            );
        }
    }
}

/// A source that gives its bytes a few at a time (1 to 7 a read, whatever is asked), and
/// fails once `fail_at` bytes are read, if given.
struct Trickle<'a> {
    data: &'a [u8],
    pos: usize,
    fail_at: Option<usize>,
}

impl<'a> Trickle<'a> {
    fn new(data: &'a [u8], fail_at: Option<usize>) -> Self {
        Trickle {
            data,
            pos: 0,
            fail_at,
        }
    }
}

impl pvgrub::io::Source for Trickle<'_> {
    type Error = &'static str;

    fn read(&mut self, buf: &mut [u8]) -> Result<usize, &'static str> {
        if self.fail_at.is_some_and(|at| self.pos >= at) {
            return Err("disk on fire");
        }
        let step = 1 + self.pos % 7;
        let mut n = buf.len().min(step).min(self.data.len() - self.pos);
        if let Some(at) = self.fail_at {
            n = n.min(at - self.pos);
        }
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[test]
fn a_few_bytes_a_read_decode_the_same() {
    let (original, streams) = sample();
    for (c, data) in &streams {
        let out = decompress_from(*c, Trickle::new(data, None), &Limits::default());
        assert!(out.as_ref() == Ok(&original), "{}", c.name());
        let cut = &data[..data.len() - 1];
        assert_eq!(
            decompress_from(*c, Trickle::new(cut, None), &Limits::default()).map(|v| v.len()),
            Err(StreamError::Decode(Error::Truncated)),
            "{}",
            c.name()
        );
    }
}

/// A read error anywhere in the stream is the error, even where the decoder would take the
/// end of its input for the end of the stream (legacy lz4).
#[test]
fn a_failing_source_is_reported_not_taken_for_the_end() {
    let (_, streams) = sample();
    for (c, data) in &streams {
        let n = data.len();
        for at in [0, 1, 9, n / 3, n - 1] {
            let got = decompress_from(*c, Trickle::new(data, Some(at)), &Limits::default());
            assert_eq!(
                got.map(|v| v.len()),
                Err(StreamError::Source("disk on fire")),
                "{} failing at {at} of {n}",
                c.name()
            );
        }
    }
    let err = decompress_from(
        Compression::Gzip,
        Trickle::new(b"\x1f", Some(1)),
        &Limits::DEFAULT,
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "read error: disk on fire");
    assert_eq!(
        StreamError::<&str>::Decode(Error::Corrupt).to_string(),
        "corrupt data"
    );
}
