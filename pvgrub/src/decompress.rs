//! Kernel payload decompressors (gzip, bzip2, lzma, xz, lzo, lz4, zstd), bounded.
//!
//! Every decoder takes a [`Limits`]: the output never grows past `max_output` bytes and no
//! dictionary or window larger than `max_window` is allocated, whatever sizes the input
//! declares. Truncated or corrupt input gives a typed [`Error`], never a panic.
//!
//! A stream cut short anywhere is [`Error::Truncated`]: every format but one ends with
//! something its decoder must read (an end marker, a trailer, a checksum, or for lzma the
//! range coder's last byte; each module says which). The exception is Linux's legacy lz4
//! framing, which has neither an end marker nor a size: a stream cut right after one of its
//! 8 MiB chunks decodes to the chunks before it, and only the size a bzImage appends to its
//! payload (checked by `image::load`) tells.
//!
//! Each decoder reads one stream from the start of its input and ignores what follows it (a
//! Linux bzImage appends the uncompressed size after the stream), except the Linux legacy lz4
//! framing, which has no end marker and runs to the end of the input.
//!
//! Every decoder pulls its input from a [`Source`] ([`decompress_from`]) in bounded chunks,
//! so that the compressed file is never held beside its output; [`decompress`] is the same
//! decoder over a buffer. Memory is the output, the format's window and small buffers.

mod bzip2;
mod cursor;
mod error;
mod gzip;
mod input;
mod lz4;
mod lzma;
mod lzo;
mod sink;
mod xz;
mod zstd;

pub use error::{Error, StreamError};
pub(crate) use input::Input;
pub(crate) use sink::Sink;

use crate::io::Source;
use alloc::vec::Vec;

/// A compression format Linux uses for its kernel payload, detected by magic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// gzip (RFC 1952), one member.
    Gzip,
    /// bzip2 (`BZh`), one stream.
    Bzip2,
    /// Legacy `.lzma` (LZMA-Alone): 13-byte header, then raw LZMA.
    Lzma,
    /// `.xz` container (LZMA2, optionally with a BCJ filter).
    Xz,
    /// lzop container around LZO1X blocks.
    Lzo,
    /// lz4 legacy framing (`0x184C2102`), as `lz4 -l` writes it.
    Lz4,
    /// Zstandard, one frame.
    Zstd,
}

impl Compression {
    /// Every format, in detection order.
    pub const ALL: [Compression; 7] = [
        Compression::Xz,
        Compression::Lzo,
        Compression::Zstd,
        Compression::Lz4,
        Compression::Bzip2,
        Compression::Lzma,
        Compression::Gzip,
    ];

    /// The magic bytes a stream of this format starts with.
    pub fn magic(self) -> &'static [u8] {
        match self {
            Compression::Gzip => &[0x1f, 0x8b],
            Compression::Bzip2 => b"BZh",
            // Properties byte 0x5d (lc=3, lp=0, pb=2), as every lzma tool writes it, and a
            // dictionary size that is a multiple of 64 KiB (its two low bytes zero).
            Compression::Lzma => &[0x5d, 0x00, 0x00],
            Compression::Xz => &[0xfd, b'7', b'z', b'X', b'Z', 0x00],
            Compression::Lzo => &[0x89, b'L', b'Z', b'O', 0x00, 0x0d, 0x0a, 0x1a, 0x0a],
            Compression::Lz4 => &[0x02, 0x21, 0x4c, 0x18],
            Compression::Zstd => &[0x28, 0xb5, 0x2f, 0xfd],
        }
    }

    /// Detects the format from the first bytes of `data`.
    pub fn detect(data: &[u8]) -> Option<Compression> {
        Compression::ALL
            .into_iter()
            .find(|c| data.starts_with(c.magic()))
    }

    /// A short lower-case name: `gzip`, `bzip2`, `lzma`, `xz`, `lzo`, `lz4`, `zstd`.
    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Bzip2 => "bzip2",
            Compression::Lzma => "lzma",
            Compression::Xz => "xz",
            Compression::Lzo => "lzo",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
        }
    }
}

/// Bounds on what a decoder may produce and allocate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most bytes of output; more is [`Error::OutputLimit`].
    pub max_output: usize,
    /// Largest dictionary or window a stream may ask for; more is [`Error::WindowLimit`].
    pub max_window: usize,
}

impl Limits {
    /// 512 MiB of output, 128 MiB of window (what `zstd -22 --ultra` needs, as Linux uses it).
    pub const DEFAULT: Limits = Limits {
        max_output: 512 << 20,
        max_window: 128 << 20,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Decodes one `format` stream from the start of `input`, within `limits`: the streaming
/// decoder of [`decompress_from`] over a buffer.
pub fn decompress(format: Compression, input: &[u8], limits: &Limits) -> Result<Vec<u8>, Error> {
    decompress_from(format, input, limits).map_err(StreamError::into_decode)
}

/// Decodes one `format` stream pulled from `source`, within `limits`.
///
/// The compressed stream is never held whole: it is read in chunks of 64 KiB, so memory is
/// the output (see [`Limits::max_output`]), the format's window (see [`Limits::max_window`])
/// and small buffers. The decoder may read past the end of the stream (at most a chunk);
/// what follows the stream is ignored.
pub fn decompress_from<S: Source>(
    format: Compression,
    source: S,
    limits: &Limits,
) -> Result<Vec<u8>, StreamError<S::Error>> {
    let mut input = Input::new(source, u64::MAX).map_err(StreamError::Decode)?;
    let mut sink = Sink::new(limits.max_output);
    let result = decode(format, &mut input, &mut sink, limits);
    input.finish(result).map(|()| sink.into_vec())
}

/// Decodes one `format` stream from `input` into `sink`: what [`decompress_from`] and
/// `image` run (the source's errors are left in `input`, for [`Input::finish`]).
pub(crate) fn decode<S: Source>(
    format: Compression,
    input: &mut Input<S>,
    sink: &mut Sink,
    limits: &Limits,
) -> Result<(), Error> {
    let magic = format.magic();
    let head = input.peek(magic.len());
    if head != magic {
        let prefix = head.len() < magic.len() && magic.starts_with(head);
        return Err(if prefix {
            Error::Truncated
        } else {
            Error::BadMagic
        });
    }
    match format {
        Compression::Gzip => gzip::decode(input, sink),
        Compression::Bzip2 => bzip2::decode(input, sink),
        Compression::Lzma => lzma::decode(input, sink, limits),
        Compression::Xz => xz::decode(input, sink, limits),
        Compression::Lzo => lzo::decode(input, sink, limits),
        Compression::Lz4 => lz4::decode(input, sink),
        Compression::Zstd => zstd::decode(input, sink, limits),
    }
}
