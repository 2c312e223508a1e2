//! Kernel images: ELF64 with Xen notes, bzImage, or a whole compressed ELF.
//!
//! [`load_from`] reads a kernel file from a [`Source`], finds the ELF inside (unpacking a
//! bzImage payload or a compressed file as it is read, within [`Limits`]), checks its
//! loadable segments, reads its Xen notes and computes where Xen would place it
//! ([`PvParams`]), refusing what Xen's domain builder refuses. [`load`] does the same for a
//! file in memory.

mod bzimage;
mod elf;
mod error;
mod guest_info;
mod notes;
mod params;
mod unpack;

pub use bzimage::SetupHeader;
pub use elf::Segment;
pub use error::{ImageError, LoadError};
pub use notes::{FeatureBits, L1MfnValid, NoteSource, XenNotes};
pub use params::PvParams;

use crate::decompress::{self, Compression, Input};
use crate::io::Source;
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
///
/// A plain ELF file is used where it lies; anything else goes through [`load_from`] over
/// `data` (a bzImage's uncompressed ELF payload is then copied out).
pub fn load<'a>(data: &'a [u8], limits: &Limits) -> Result<KernelImage<'a>, ImageError> {
    if Elf::is_elf(data) {
        return checked(Format::Elf, None, None, Cow::Borrowed(data), limits);
    }
    load_from(data, data.len() as u64, limits).map_err(LoadError::into_image)
}

/// Loads a kernel file held in memory, as [`load`] does, owning the result: a plain ELF file
/// is `data` itself (not copied); anything else is unpacked out of it.
pub fn load_owned(data: Vec<u8>, limits: &Limits) -> Result<KernelImage<'static>, ImageError> {
    if Elf::is_elf(&data) {
        return checked(Format::Elf, None, None, Cow::Owned(data), limits);
    }
    load_from(data.as_slice(), data.len() as u64, limits).map_err(LoadError::into_image)
}

/// Loads a kernel file of `len` bytes read front to back from `source`, as [`load`] does,
/// without ever holding the file whole: peak memory is about the ELF (decompressed, or read
/// whole if plain), the compression's window and small buffers (see the `unpack` module). A
/// plain ELF, or a bzImage's uncompressed payload, larger than the output limit is refused.
pub fn load_from<S: Source>(
    source: S,
    len: u64,
    limits: &Limits,
) -> Result<KernelImage<'static>, LoadError<S::Error>> {
    let mut input = Input::new(source, len).map_err(|_| ImageError::OutOfMemory)?;
    let unpacked = unpack::unpack(&mut input, len, limits);
    if let Some(e) = input.take_failure() {
        return Err(LoadError::Source(e));
    }
    drop(input);
    let u = unpacked?;
    Ok(checked(
        u.format,
        u.compression,
        u.setup,
        Cow::Owned(u.elf),
        limits,
    )?)
}

/// Checks the ELF taken out of a kernel file, reads its notes and computes its placement.
fn checked<'a>(
    format: Format,
    compression: Option<Compression>,
    setup: Option<SetupHeader>,
    elf: Cow<'a, [u8]>,
    limits: &Limits,
) -> Result<KernelImage<'a>, ImageError> {
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
