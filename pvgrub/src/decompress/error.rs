//! Why a stream could not be decoded: the data ([`Error`]), or the source it was read from
//! ([`StreamError`]).

use core::convert::Infallible;
use core::fmt;

/// Why a stream could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The input does not start with this format's magic.
    BadMagic,
    /// The input ended inside the stream.
    Truncated,
    /// A header names a method, flag or filter this decoder does not support.
    Unsupported,
    /// The compressed data is invalid.
    Corrupt,
    /// A checksum in the stream does not match the data.
    Checksum,
    /// A size recorded in the stream does not match the decoded data.
    SizeMismatch,
    /// The output would exceed [`Limits::max_output`](super::Limits::max_output).
    OutputLimit,
    /// The stream asks for a window larger than [`Limits::max_window`](super::Limits::max_window).
    WindowLimit,
    /// The allocator could not provide the memory needed.
    OutOfMemory,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Error::BadMagic => "bad magic",
            Error::Truncated => "truncated stream",
            Error::Unsupported => "unsupported method or flag",
            Error::Corrupt => "corrupt data",
            Error::Checksum => "checksum mismatch",
            Error::SizeMismatch => "size mismatch",
            Error::OutputLimit => "output limit exceeded",
            Error::WindowLimit => "window limit exceeded",
            Error::OutOfMemory => "out of memory",
        })
    }
}

impl core::error::Error for Error {}

/// Why a stream pulled from a [`Source`](crate::io::Source) could not be decoded: the source
/// failed (its error, `E`), or the bytes it gave are not a valid stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamError<E> {
    /// Reading the source failed. Whatever the decoder made of the bytes before (often
    /// [`Error::Truncated`]) is dropped: the source's error is the cause.
    Source(E),
    /// The stream is invalid, or exceeds the limits.
    Decode(Error),
}

impl StreamError<Infallible> {
    /// The decoding error of a source that cannot fail (a buffer).
    pub fn into_decode(self) -> Error {
        match self {
            StreamError::Decode(e) => e,
            StreamError::Source(never) => match never {},
        }
    }
}

impl<E: fmt::Display> fmt::Display for StreamError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::Source(e) => write!(f, "read error: {e}"),
            StreamError::Decode(e) => e.fmt(f),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> core::error::Error for StreamError<E> {}
