//! Finds the ELF in a kernel file read front to back, never holding the file whole: a plain
//! ELF is read as it is (it is its own output); a bzImage's setup header is read first, the
//! setup code skipped, and the payload decompressed as it is read, then the size Linux
//! appends to it read and compared; a whole compressed file is decompressed as it is read.
//!
//! Memory: the ELF, the format's window and small buffers. The decompressed ELF is reserved
//! at the size its own header gives ([`expected_len`]), as soon as the output backs it, so
//! its buffer is not grown by doubling.

use super::bzimage::{SetupHeader, HEADER_END};
use super::elf::{expected_len, Elf};
use super::{Format, ImageError, Limits};
use crate::decompress::{self, Compression, Input, Sink};
use crate::io::Source;
use alloc::vec::Vec;

/// What a kernel file holds: the container, and the ELF file taken out of it.
pub(super) struct Unpacked {
    pub(super) format: Format,
    pub(super) compression: Option<Compression>,
    pub(super) setup: Option<SetupHeader>,
    pub(super) elf: Vec<u8>,
}

/// Reads the kernel file of `len` bytes at the start of `input` (which ends there).
pub(super) fn unpack<S: Source>(
    input: &mut Input<S>,
    len: u64,
    limits: &Limits,
) -> Result<Unpacked, ImageError> {
    let head = input.peek(HEADER_END);
    if Elf::is_elf(head) {
        return Ok(Unpacked {
            format: Format::Elf,
            compression: None,
            setup: None,
            elf: read_whole(input, len, len, limits)?,
        });
    }
    if SetupHeader::is_bzimage(head) {
        let hdr = SetupHeader::parse_head(head, len)?;
        let (compression, elf) = payload(input, &hdr, len, limits)?;
        return Ok(Unpacked {
            format: Format::BzImage,
            compression,
            setup: Some(hdr),
            elf,
        });
    }
    let c = Compression::detect(head).ok_or(ImageError::UnknownFormat)?;
    Ok(Unpacked {
        format: Format::CompressedElf,
        compression: Some(c),
        setup: None,
        elf: decode(c, input, limits)?,
    })
}

/// The bzImage payload at [`SetupHeader::payload_start`]: a compressed stream (or, with
/// CONFIG_KERNEL_UNCOMPRESSED, the ELF itself) followed by the little-endian u32 size of
/// the ELF, checked.
fn payload<S: Source>(
    input: &mut Input<S>,
    hdr: &SetupHeader,
    len: u64,
    limits: &Limits,
) -> Result<(Option<Compression>, Vec<u8>), ImageError> {
    let short = |input: &Input<S>| ImageError::ShortFile {
        len,
        read: input.pulled(),
    };
    let start = hdr.payload_start();
    let stream_len = u64::from(hdr.payload_length) - 4;
    let stream_end = start + stream_len;
    input
        .skip(start.saturating_sub(input.offset()), |_| {})
        .map_err(|_| short(input))?;
    input.set_stop(stream_end);
    let head = input.peek(16);
    let (compression, elf) = if Elf::is_elf(head) {
        (None, read_whole(input, stream_len, len, limits)?)
    } else {
        let c = Compression::detect(head).ok_or(ImageError::UnknownPayloadFormat)?;
        (Some(c), decode(c, input, limits)?)
    };
    // What the decoder left of the stream (nothing, in Linux's payloads), then the size.
    input
        .skip(stream_end.saturating_sub(input.offset()), |_| {})
        .map_err(|_| short(input))?;
    input.set_stop(stream_end + 4);
    let declared = input.array::<4>().map_err(|_| short(input))?;
    if elf.len() as u64 != u64::from(u32::from_le_bytes(declared)) {
        return Err(ImageError::PayloadSizeMismatch);
    }
    Ok((compression, elf))
}

/// The next `n` bytes of the file of `len` bytes: an uncompressed ELF, held whole, within
/// the output limit.
fn read_whole<S: Source>(
    input: &mut Input<S>,
    n: u64,
    len: u64,
    limits: &Limits,
) -> Result<Vec<u8>, ImageError> {
    let max = limits.decompress.max_output;
    let size = usize::try_from(n)
        .ok()
        .filter(|&size| size <= max)
        .ok_or(ImageError::TooLarge { len: n, max })?;
    let mut elf = Vec::new();
    elf.try_reserve_exact(size)
        .map_err(|_| ImageError::OutOfMemory)?;
    input
        .append_to(&mut elf, size)
        .map_err(|_| ImageError::ShortFile {
            len,
            read: input.pulled(),
        })?;
    Ok(elf)
}

/// The ELF decompressed from the `c` stream at the start of `input`.
fn decode<S: Source>(
    c: Compression,
    input: &mut Input<S>,
    limits: &Limits,
) -> Result<Vec<u8>, ImageError> {
    let mut sink = Sink::sized_by(limits.decompress.max_output, expected_len);
    decompress::decode(c, input, &mut sink, &limits.decompress)
        .map_err(|e| ImageError::Decompress(c, e))?;
    Ok(sink.into_vec())
}
