//! Why a kernel image cannot be loaded.

use super::bzimage::MIN_VERSION;
use super::elf::MAX_NOTES;
use super::notes::note_name;
use crate::decompress::{self, Compression};
use core::convert::Infallible;
use core::fmt;

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
    /// The loadable segment of this program header lies outside the file, has
    /// `filesz > memsz`, or overflows.
    BadSegment(usize),
    /// Two loadable segments overlap in physical addresses.
    OverlappingSegments,
    /// No loadable segment.
    NoLoadableSegments,
    /// The segments span more than [`Limits::max_span`](super::Limits::max_span).
    SpanTooLarge {
        /// Bytes from the lowest to the highest physical address of the segments.
        span: u64,
        /// The limit.
        max: u64,
    },
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
    /// PADDR_OFFSET without VIRT_BASE.
    PaddrOffsetWithoutVirtBase,
    /// The kernel's first virtual address is below VIRT_BASE.
    KernelBelowVirtBase {
        /// VIRT_BASE.
        virt_base: u64,
        /// The kernel's first virtual address.
        virt_kstart: u64,
    },
    /// The entry point is outside the kernel, or the kernel's range wraps (start after end).
    EntryOutsideKernel {
        /// The entry point (ENTRY, or `e_entry`).
        virt_entry: u64,
        /// The kernel's first virtual address.
        virt_kstart: u64,
        /// The end of the kernel.
        virt_kend: u64,
    },
    /// INIT_P2M asks for the p2m list inside the kernel.
    P2mInsideKernel {
        /// The INIT_P2M address.
        init_p2m: u64,
        /// The kernel's first virtual address.
        virt_kstart: u64,
        /// The end of the kernel.
        virt_kend: u64,
    },
    /// The allocator could not provide the memory needed.
    OutOfMemory,
    /// An uncompressed ELF file (or bzImage payload) larger than
    /// [`decompress::Limits::max_output`], read from a source.
    TooLarge {
        /// Its length.
        len: u64,
        /// The limit.
        max: usize,
    },
    /// The source ended before the length the file was said to have.
    ShortFile {
        /// The length the file was said to have.
        len: u64,
        /// Where its source ended.
        read: u64,
    },
}

/// Why a kernel read from a [`Source`](crate::io::Source) cannot be loaded: the source
/// failed (its error, `E`), or the kernel is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadError<E> {
    /// Reading the file failed.
    Source(E),
    /// The kernel is refused.
    Image(ImageError),
}

impl<E> From<ImageError> for LoadError<E> {
    fn from(e: ImageError) -> Self {
        LoadError::Image(e)
    }
}

impl LoadError<Infallible> {
    /// The error of a kernel read from a source that cannot fail (a buffer).
    pub fn into_image(self) -> ImageError {
        match self {
            LoadError::Image(e) => e,
            LoadError::Source(never) => match never {},
        }
    }
}

impl<E: fmt::Display> fmt::Display for LoadError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Source(e) => write!(f, "read error: {e}"),
            LoadError::Image(e) => e.fmt(f),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> core::error::Error for LoadError<E> {}

/// A boot protocol version as the boot protocol writes it, `2.08`.
struct Version(u16);

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 >> 8, self.0 & 0xff)
    }
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ImageError::UnknownFormat => f.write_str(
                "neither an ELF file, a bzImage nor a compressed file \
                 (gzip, bzip2, lzma, xz, lzo, lz4, zstd)",
            ),
            ImageError::BootProtocolTooOld(v) => write!(
                f,
                "bzImage boot protocol {} is older than {} (no payload fields)",
                Version(v),
                Version(MIN_VERSION)
            ),
            ImageError::BadSetupHeader => f.write_str(
                "bzImage setup header is cut short, or its payload lies outside the file",
            ),
            ImageError::UnknownPayloadFormat => f.write_str(
                "bzImage payload is neither ELF nor compressed in a format pv-grub knows",
            ),
            ImageError::PayloadSizeMismatch => {
                f.write_str("bzImage payload does not decompress to the size recorded after it")
            }
            ImageError::Decompress(c, e) => write!(f, "{} decompression: {e}", c.name()),
            ImageError::NotElf => f.write_str("the unpacked kernel is not an ELF file"),
            ImageError::NotElf64 => f.write_str("not a little-endian x86-64 ELF64 file"),
            ImageError::BadElf => {
                f.write_str("ELF header tables, a note area or a section lie outside the file")
            }
            ImageError::BadSegment(i) => write!(
                f,
                "program header {i}: the loadable segment lies outside the file, has filesz \
                 above memsz, or its addresses overflow"
            ),
            ImageError::OverlappingSegments => {
                f.write_str("two loadable segments overlap in physical memory")
            }
            ImageError::NoLoadableSegments => f.write_str("no loadable (PT_LOAD) segment"),
            ImageError::SpanTooLarge { span, max } => write!(
                f,
                "loadable segments span {span:#x} bytes of physical memory, more than the \
                 {max:#x}-byte limit"
            ),
            ImageError::TooManyNotes => write!(f, "more than {MAX_NOTES} ELF notes"),
            ImageError::BadNote(t) => match note_name(t) {
                Some(name) => write!(
                    f,
                    "Xen note {name} (type {t}) has a descriptor of the wrong size or form"
                ),
                None => write!(
                    f,
                    "Xen note type {t} has a descriptor of the wrong size or form"
                ),
            },
            ImageError::BadGuestInfo => f.write_str("the __xen_guest section is not UTF-8"),
            ImageError::UnknownRequiredFeature => {
                f.write_str("FEATURES requires (with '!') a feature Xen does not know")
            }
            ImageError::NotXenImage => {
                f.write_str("no Xen ELF notes and no __xen_guest section: not a Xen PV kernel")
            }
            ImageError::NotForXenPv => f.write_str(
                "not a Xen PV kernel: needs LOADER \"generic\" or GUEST_OS \"linux\", and \
                 XEN_VERSION \"xen-3.0\"",
            ),
            ImageError::PaddrOffsetWithoutVirtBase => {
                f.write_str("PADDR_OFFSET note without a VIRT_BASE note")
            }
            ImageError::KernelBelowVirtBase {
                virt_base,
                virt_kstart,
            } => write!(
                f,
                "kernel starts at {virt_kstart:#x}, below VIRT_BASE {virt_base:#x}"
            ),
            ImageError::EntryOutsideKernel {
                virt_entry,
                virt_kstart,
                virt_kend,
            } if virt_kstart > virt_kend => write!(
                f,
                "kernel range {virt_kstart:#x}..{virt_kend:#x} wraps around (entry \
                 {virt_entry:#x})"
            ),
            ImageError::EntryOutsideKernel {
                virt_entry,
                virt_kstart,
                virt_kend,
            } => write!(
                f,
                "entry point {virt_entry:#x} is outside the kernel \
                 {virt_kstart:#x}..{virt_kend:#x}"
            ),
            ImageError::P2mInsideKernel {
                init_p2m,
                virt_kstart,
                virt_kend,
            } => write!(
                f,
                "INIT_P2M {init_p2m:#x} lies inside the kernel {virt_kstart:#x}..{virt_kend:#x}"
            ),
            ImageError::OutOfMemory => f.write_str("out of memory"),
            ImageError::TooLarge { len, max } => write!(
                f,
                "the ELF file is {len} bytes, more than the {max}-byte output limit"
            ),
            ImageError::ShortFile { len, read } => {
                write!(f, "the file ended after {read} of its {len} bytes")
            }
        }
    }
}

impl core::error::Error for ImageError {}
