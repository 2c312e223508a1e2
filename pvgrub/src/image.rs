//! Kernel images: ELF64 with Xen notes, bzImage, or a whole compressed ELF.
//!
//! [`load`] takes the bytes of a kernel file, finds the ELF inside (unpacking a bzImage
//! payload or a compressed file within [`Limits`]), checks its loadable segments, reads its
//! Xen notes and computes where Xen would place it ([`PvParams`]), refusing what Xen's
//! domain builder refuses.

mod bzimage;
mod elf;
mod guest_info;
mod notes;
mod params;

pub use bzimage::SetupHeader;
pub use elf::Segment;
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

/// Why a kernel image cannot be loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageError {
    /// Neither ELF, bzImage, nor a compressed file.
    UnknownFormat,
    /// A bzImage older than boot protocol 2.08 (no payload fields).
    BootProtocolTooOld(u16),
    /// The setup header is cut short or its payload lies outside the file.
    BadSetupHeader,
    /// The bzImage payload is in a format we do not know.
    UnknownPayloadFormat,
    /// The payload decoded to another size than the one appended to it.
    PayloadSizeMismatch,
    /// Decompression failed.
    Decompress(Compression, decompress::Error),
    /// What was unpacked is not an ELF file.
    NotElf,
    /// An ELF file, but not a little-endian x86-64 ELF64 one.
    NotElf64,
    /// The ELF header tables, a note area or a section lie outside the file.
    BadElf,
    /// A loadable segment lies outside the file, has `filesz > memsz`, or overflows.
    BadSegment,
    /// Two loadable segments overlap in physical addresses.
    OverlappingSegments,
    /// No loadable segment.
    NoLoadableSegments,
    /// The segments span more than [`Limits::max_span`].
    SpanTooLarge,
    /// More notes than Xen reads (1024).
    TooManyNotes,
    /// A Xen note of this type has a descriptor of the wrong size or form.
    BadNote(u32),
    /// The `__xen_guest` string is not UTF-8.
    BadGuestInfo,
    /// FEATURES requires (`!name`) a feature Xen does not know.
    UnknownRequiredFeature,
    /// No Xen notes and no `__xen_guest` section.
    NotXenImage,
    /// Neither LOADER `generic` nor GUEST_OS `linux`, or XEN_VERSION is not `xen-3.0`.
    NotForXenPv,
    /// PADDR_OFFSET without VIRT_BASE, entry outside the kernel, or the p2m inside it.
    BadAddresses,
    /// The allocator could not provide the memory needed.
    OutOfMemory,
}

impl core::fmt::Display for ImageError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ImageError::BootProtocolTooOld(v) => write!(f, "boot protocol {v:#06x} too old"),
            ImageError::Decompress(c, e) => write!(f, "{}: {e}", c.name()),
            ImageError::BadNote(t) => write!(f, "bad Xen note type {t}"),
            other => write!(f, "{other:?}"),
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
        "kernel: {} {:?}, entry {:#x}",
        format.name(),
        compression.map(Compression::name),
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
