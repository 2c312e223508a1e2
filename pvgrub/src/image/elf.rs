//! ELF64 (x86-64, little-endian) kernels: loadable segments and Xen notes, read with
//! `object`'s no-allocation ELF reader and checked once.

use super::guest_info;
use super::notes::{NoteSource, XenNotes};
use super::{ImageError, Limits};
use alloc::vec::Vec;
use object::elf::{FileHeader64, ProgramHeader64, SectionHeader64, EM_X86_64, PT_LOAD, PT_NOTE};
use object::elf::{PF_R, PF_W, PF_X, SHT_NOTE};
use object::read::elf::{FileHeader, NoteIterator, ProgramHeader, SectionHeader, SectionTable};
use object::LittleEndian;

const LE: LittleEndian = LittleEndian;
/// Most notes Xen reads before it calls an image broken (ELF_MAX_TOTAL_NOTE_COUNT).
pub(super) const MAX_NOTES: usize = 1024;

/// A loadable segment (`PT_LOAD` with any of R, W, X), checked against the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Offset of its bytes in the ELF file.
    pub offset: u64,
    /// Virtual address (`p_vaddr`).
    pub vaddr: u64,
    /// Physical address (`p_paddr`): what Xen places the kernel by.
    pub paddr: u64,
    /// Bytes in the file (`p_filesz`), at most `memsz`.
    pub filesz: u64,
    /// Bytes in memory (`p_memsz`); the rest after `filesz` is zero.
    pub memsz: u64,
    /// `p_flags` (PF_X = 1, PF_W = 2, PF_R = 4).
    pub flags: u32,
}

/// A parsed ELF64 kernel.
pub(super) struct Elf<'a> {
    data: &'a [u8],
    header: &'a FileHeader64<LittleEndian>,
    phdrs: &'a [ProgramHeader64<LittleEndian>],
    sections: SectionTable<'a, FileHeader64<LittleEndian>>,
}

impl<'a> Elf<'a> {
    /// Whether `data` starts with the ELF magic.
    pub(super) fn is_elf(data: &[u8]) -> bool {
        data.starts_with(b"\x7fELF")
    }

    /// Checks the header and the header tables.
    pub(super) fn parse(data: &'a [u8]) -> Result<Elf<'a>, ImageError> {
        if !Elf::is_elf(data) {
            return Err(ImageError::NotElf);
        }
        let header = FileHeader64::<LittleEndian>::parse(data).map_err(|_| ImageError::NotElf64)?;
        if !header.is_little_endian() || header.e_machine(LE) != EM_X86_64 {
            return Err(ImageError::NotElf64);
        }
        let phdrs = header
            .program_headers(LE, data)
            .map_err(|_| ImageError::BadElf)?;
        let sections = header.sections(LE, data).map_err(|_| ImageError::BadElf)?;
        Ok(Elf {
            data,
            header,
            phdrs,
            sections,
        })
    }

    /// `e_entry`.
    pub(super) fn entry(&self) -> u64 {
        self.header.e_entry(LE)
    }

    /// The loadable segments, checked: inside the file, `filesz <= memsz`, no address
    /// overflow, no two overlapping in physical addresses, spanning at most `max_span`.
    pub(super) fn segments(&self, limits: &Limits) -> Result<Vec<Segment>, ImageError> {
        let mut out = Vec::new();
        for (index, ph) in self.phdrs.iter().enumerate() {
            let flags = ph.p_flags(LE).0;
            if ph.p_type(LE) != PT_LOAD || flags & (PF_R.0 | PF_W.0 | PF_X.0) == 0 {
                continue;
            }
            let seg = Segment {
                offset: ph.p_offset(LE),
                vaddr: ph.p_vaddr(LE),
                paddr: ph.p_paddr(LE),
                filesz: ph.p_filesz(LE),
                memsz: ph.p_memsz(LE),
                flags,
            };
            let in_file = seg
                .offset
                .checked_add(seg.filesz)
                .is_some_and(|end| end <= self.data.len() as u64);
            if !in_file
                || seg.filesz > seg.memsz
                || seg.paddr.checked_add(seg.memsz).is_none()
                || seg.vaddr.checked_add(seg.memsz).is_none()
            {
                return Err(ImageError::BadSegment(index));
            }
            out.try_reserve(1).map_err(|_| ImageError::OutOfMemory)?;
            out.push(seg);
        }
        let mut by_paddr = out.clone();
        by_paddr.sort_unstable_by_key(|s| s.paddr);
        for pair in by_paddr.windows(2) {
            if let [a, b] = pair {
                if a.memsz != 0 && a.paddr + a.memsz > b.paddr {
                    return Err(ImageError::OverlappingSegments);
                }
            }
        }
        let start = by_paddr
            .first()
            .ok_or(ImageError::NoLoadableSegments)?
            .paddr;
        let end = by_paddr
            .iter()
            .map(|s| s.paddr + s.memsz)
            .max()
            .unwrap_or(start);
        let span = end - start;
        if span > limits.max_span {
            return Err(ImageError::SpanTooLarge {
                span,
                max: limits.max_span,
            });
        }
        Ok(out)
    }

    /// The file bytes of a segment returned by [`Elf::segments`].
    pub(super) fn bytes<'d>(data: &'d [u8], seg: &Segment) -> &'d [u8] {
        let start = usize::try_from(seg.offset).unwrap_or(usize::MAX);
        let len = usize::try_from(seg.filesz).unwrap_or(usize::MAX);
        data.get(start..start.saturating_add(len))
            .unwrap_or_default()
    }

    /// The Xen notes, looked for as Xen does: `PT_NOTE` segments (skipping any at offset 0,
    /// which old binutils wrote), then `SHT_NOTE` sections if no segment had a Xen note,
    /// then the `__xen_guest` section. [`ImageError::NotXenImage`] if none has any.
    pub(super) fn xen_notes(&self) -> Result<XenNotes, ImageError> {
        let mut notes = XenNotes::default();
        let mut seen = 0;
        let mut found = 0;
        for ph in self.phdrs {
            if ph.p_type(LE) != PT_NOTE || ph.p_offset(LE) == 0 {
                continue;
            }
            let area = ph.data(LE, self.data).map_err(|_| ImageError::BadElf)?;
            found += read_notes(area, &mut notes, &mut seen)?;
        }
        if found == 0 {
            notes.source = NoteSource::Sections;
            for sh in self.sections.iter().skip(1) {
                if sh.sh_type(LE) != SHT_NOTE {
                    continue;
                }
                let area = section_bytes(sh, self.data)?;
                found += read_notes(area, &mut notes, &mut seen)?;
            }
        }
        if found > 0 {
            return Ok(notes);
        }
        match self.sections.section_by_name(LE, b"__xen_guest") {
            Some((_, sh)) => guest_info::parse(section_bytes(sh, self.data)?),
            None => Err(ImageError::NotXenImage),
        }
    }
}

/// The length of the ELF file that starts with `head`, as its header says: the end of its
/// program header table, of its section header table and of every segment placed in the
/// file. `None` until `head` holds the ELF header and the program headers (or if it is not
/// an ELF file). The kernel's decompressed output is reserved at this size in one step.
pub(super) fn expected_len(head: &[u8]) -> Option<usize> {
    let header = FileHeader64::<LittleEndian>::parse(head).ok()?;
    let table =
        |offset: u64, count: u16, size: u16| offset.checked_add(u64::from(count) * u64::from(size));
    let phdrs_end = table(
        header.e_phoff(LE),
        header.e_phnum(LE),
        header.e_phentsize(LE),
    )?;
    let shdrs_end = match header.e_shnum(LE) {
        0 => 0,
        count => table(header.e_shoff(LE), count, header.e_shentsize(LE))?,
    };
    let segments_end = header
        .program_headers(LE, head)
        .ok()?
        .iter()
        .filter_map(|ph| ph.p_offset(LE).checked_add(ph.p_filesz(LE)))
        .max()
        .unwrap_or(0);
    usize::try_from(phdrs_end.max(shdrs_end).max(segments_end)).ok()
}

fn section_bytes<'a>(
    sh: &SectionHeader64<LittleEndian>,
    data: &'a [u8],
) -> Result<&'a [u8], ImageError> {
    sh.data(LE, data).map_err(|_| ImageError::BadElf)
}

/// Adds the Xen notes of one note area; returns how many there were. Notes are read with
/// 4-byte alignment whatever the area's `p_align` says, as Xen reads them.
fn read_notes(area: &[u8], notes: &mut XenNotes, seen: &mut usize) -> Result<usize, ImageError> {
    let mut iter = NoteIterator::<FileHeader64<LittleEndian>>::new(LE, 4, area)
        .map_err(|_| ImageError::BadElf)?;
    let mut found = 0;
    while let Some(note) = iter.next().map_err(|_| ImageError::BadElf)? {
        *seen += 1;
        if *seen > MAX_NOTES {
            return Err(ImageError::TooManyNotes);
        }
        if note.name() == b"Xen" {
            notes.add(note.n_type(LE).0, note.desc())?;
            found += 1;
        }
    }
    Ok(found)
}
