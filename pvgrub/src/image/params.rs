//! Where Xen's PV domain builder places a kernel, from its notes and segments, with the
//! checks of Xen's `elf_xen_note_check` and `elf_xen_addr_calc_check`.

use super::notes::{NoteSource, XenNotes};
use super::{ImageError, Segment};

/// The kernel's placement in the guest's virtual address space, as Xen computes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PvParams {
    /// VIRT_BASE, or 0 if unset.
    pub virt_base: u64,
    /// PADDR_OFFSET, or its default: 0 with ELF notes, VIRT_BASE with `__xen_guest`.
    pub paddr_offset: u64,
    /// Lowest segment paddr (`pstart`).
    pub paddr_start: u64,
    /// End of the highest segment in paddr (`pend`).
    pub paddr_end: u64,
    /// Virtual address of the kernel's first byte: `paddr_start + virt_base - paddr_offset`.
    pub virt_kstart: u64,
    /// Virtual address just past the kernel's last byte.
    pub virt_kend: u64,
    /// Virtual entry address: ENTRY, or `e_entry` if unset.
    pub virt_entry: u64,
}

impl PvParams {
    /// Checks the notes as Xen does for a PV guest and computes the placement.
    /// Segments are those of [`super::elf::Elf::segments`] (non-empty, no overflow).
    pub(super) fn compute(
        notes: &XenNotes,
        segments: &[Segment],
        e_entry: u64,
    ) -> Result<PvParams, ImageError> {
        let loader_ok = notes
            .loader
            .as_deref()
            .is_some_and(|l| l.starts_with("generic"));
        let os_ok = notes
            .guest_os
            .as_deref()
            .is_some_and(|o| o.starts_with("linux"));
        let xen_ok = notes
            .xen_version
            .as_deref()
            .is_some_and(|v| v.starts_with("xen-3.0"));
        if !(loader_ok || os_ok) || !xen_ok {
            return Err(ImageError::NotForXenPv);
        }
        if notes.paddr_offset.is_some() && notes.virt_base.is_none() {
            return Err(ImageError::PaddrOffsetWithoutVirtBase);
        }
        let virt_base = notes.virt_base.unwrap_or(0);
        let paddr_offset = notes.paddr_offset.unwrap_or(match notes.source {
            NoteSource::GuestInfo => virt_base,
            NoteSource::Segments | NoteSource::Sections => 0,
        });
        let paddr_start = segments.iter().map(|s| s.paddr).min().unwrap_or(0);
        let paddr_end = segments
            .iter()
            .map(|s| s.paddr.saturating_add(s.memsz))
            .max()
            .unwrap_or(0);
        // Xen computes these in wrapping u64 arithmetic.
        let virt_offset = virt_base.wrapping_sub(paddr_offset);
        let virt_kstart = paddr_start.wrapping_add(virt_offset);
        let virt_kend = paddr_end.wrapping_add(virt_offset);
        let virt_entry = notes.entry.unwrap_or(e_entry);
        if virt_base > virt_kstart {
            return Err(ImageError::KernelBelowVirtBase {
                virt_base,
                virt_kstart,
            });
        }
        if virt_kstart > virt_kend || virt_entry < virt_kstart || virt_entry > virt_kend {
            return Err(ImageError::EntryOutsideKernel {
                virt_entry,
                virt_kstart,
                virt_kend,
            });
        }
        if let Some(init_p2m) = notes
            .init_p2m
            .filter(|p2m| (virt_kstart..virt_kend).contains(p2m))
        {
            return Err(ImageError::P2mInsideKernel {
                init_p2m,
                virt_kstart,
                virt_kend,
            });
        }
        Ok(PvParams {
            virt_base,
            paddr_offset,
            paddr_start,
            paddr_end,
            virt_kstart,
            virt_kend,
            virt_entry,
        })
    }
}
