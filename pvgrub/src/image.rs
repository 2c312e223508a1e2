//! Kernel images: ELF64 with Xen notes, bzImage, or a whole compressed ELF.
//!
//! [`load`] takes the bytes of a kernel file, finds the ELF inside (unpacking a bzImage
//! payload or a compressed file within [`Limits`]), checks its loadable segments, reads its
//! Xen notes and computes where Xen would place it ([`PvParams`]), refusing what Xen's
//! domain builder refuses.

mod bzimage;
mod elf;
mod error;
mod guest_info;
mod notes;
mod params;

pub use bzimage::SetupHeader;
pub use elf::Segment;
pub use error::ImageError;
pub use notes::{FeatureBits, L1MfnValid, NoteSource, XenNotes};
pub use params::PvParams;

use crate::decompress::{self, Compression};
use alloc::borrow::Cow;
use alloc::vec::Vec;
use elf::Elf;

/// Bounds for loading one kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bounds for decompressing a payload or file.
    pub decompress: decompress::Limits,
    /// Largest span of physical addresses the loadable segments may cover.
    pub max_span: u64,
}

impl Limits {
    /// [`decompress::Limits::DEFAULT`] and a 1 GiB span.
    pub const DEFAULT: Limits = Limits {
        decompress: decompress::Limits::DEFAULT,
        max_span: 1 << 30,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// The container a kernel came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A plain ELF file.
    Elf,
    /// A Linux bzImage whose payload is the ELF (compressed, or not).
    BzImage,
    /// A whole ELF file compressed (`vmlinux.gz` and the like).
    CompressedElf,
}

impl Format {
    /// `elf`, `bzimage` or `compressed-elf`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Elf => "elf",
            Format::BzImage => "bzimage",
            Format::CompressedElf => "compressed-elf",
        }
    }
}

/// A kernel ready for the PV domain builder.
#[derive(Debug, Clone)]
pub struct KernelImage<'a> {
    /// The container it came in.
    pub format: Format,
    /// The compression of the payload or file, if any.
    pub compression: Option<Compression>,
    /// The bzImage setup header, for a bzImage.
    pub setup: Option<SetupHeader>,
    /// The Xen notes.
    pub notes: XenNotes,
    /// The loadable segments, in file order.
    pub segments: Vec<Segment>,
    /// Where Xen would place the kernel and enter it.
    pub params: PvParams,
    /// The ELF file: borrowed from the input, or decompressed.
    pub elf: Cow<'a, [u8]>,
}

impl KernelImage<'_> {
    /// The bytes of `seg` in the ELF (its `filesz` bytes; the rest of `memsz` is zero).
    pub fn segment_bytes(&self, seg: &Segment) -> &[u8] {
        Elf::bytes(&self.elf, seg)
    }
}

/// Loads a kernel file: finds the ELF, checks it, reads its notes, computes its placement.
pub fn load<'a>(data: &'a [u8], limits: &Limits) -> Result<KernelImage<'a>, ImageError> {
    let (format, compression, setup, elf) = if Elf::is_elf(data) {
        (Format::Elf, None, None, Cow::Borrowed(data))
    } else if SetupHeader::is_bzimage(data) {
        let hdr = SetupHeader::parse(data)?;
        let (compression, elf) = unpack_payload(hdr.payload(data), limits)?;
        (Format::BzImage, compression, Some(hdr), elf)
    } else if let Some(c) = Compression::detect(data) {
        let elf = decompress::decompress(c, data, &limits.decompress)
            .map_err(|e| ImageError::Decompress(c, e))?;
        (Format::CompressedElf, Some(c), None, Cow::Owned(elf))
    } else {
        return Err(ImageError::UnknownFormat);
    };
    let parsed = Elf::parse(&elf)?;
    let segments = parsed.segments(limits)?;
    let notes = parsed.xen_notes()?;
    let params = PvParams::compute(&notes, &segments, parsed.entry())?;
    log::debug!(
        "kernel: {}, compression {}, entry {:#x}",
        format.name(),
        compression.map_or("none", Compression::name),
        params.virt_entry
    );
    Ok(KernelImage {
        format,
        compression,
        setup,
        notes,
        segments,
        params,
        elf,
    })
}

/// Unpacks a bzImage payload: a compressed stream (or, with CONFIG_KERNEL_UNCOMPRESSED, the
/// ELF itself) followed by the little-endian u32 size of the ELF.
fn unpack_payload<'a>(
    payload: &'a [u8],
    limits: &Limits,
) -> Result<(Option<Compression>, Cow<'a, [u8]>), ImageError> {
    let split = payload
        .len()
        .checked_sub(4)
        .ok_or(ImageError::BadSetupHeader)?;
    let (stream, size) = payload.split_at(split);
    let declared = size
        .try_into()
        .map(u32::from_le_bytes)
        .map_err(|_| ImageError::BadSetupHeader)?;
    let declared = usize::try_from(declared).map_err(|_| ImageError::PayloadSizeMismatch)?;
    if Elf::is_elf(stream) {
        if stream.len() != declared {
            return Err(ImageError::PayloadSizeMismatch);
        }
        return Ok((None, Cow::Borrowed(stream)));
    }
    let c = Compression::detect(stream).ok_or(ImageError::UnknownPayloadFormat)?;
    if declared > limits.decompress.max_output {
        return Err(ImageError::Decompress(c, decompress::Error::OutputLimit));
    }
    let bounded = decompress::Limits {
        max_output: declared,
        ..limits.decompress
    };
    let elf = match decompress::decompress(c, stream, &bounded) {
        Ok(elf) if elf.len() == declared => elf,
        Ok(_) | Err(decompress::Error::OutputLimit) => return Err(ImageError::PayloadSizeMismatch),
        Err(e) => return Err(ImageError::Decompress(c, e)),
    };
    Ok((Some(c), Cow::Owned(elf)))
}
