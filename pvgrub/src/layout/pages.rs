//! Which bytes of the kernel's ELF file go to which pfn.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use super::{Layout, PAGE_SIZE};
use crate::image::KernelImage;

/// A piece of a page copied from the ELF file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Part {
    /// Offset in the page.
    pub at: usize,
    /// Offset in the ELF file.
    pub offset: usize,
    /// Bytes.
    pub len: usize,
}

/// The contents of one of the kernel's pages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PageSource {
    /// The whole page is the ELF file's page at this (page-aligned) offset, used where it
    /// lies; no other page uses it.
    Elf {
        /// Offset in the ELF file.
        offset: usize,
    },
    /// A page of its own: zero, with these pieces of the file copied in.
    Parts(Vec<Part>),
}

impl Layout {
    /// The kernel's pages that hold bytes of its ELF file, by pfn, in pfn order. The other
    /// pages of the kernel segment (`.bss` beyond the file, gaps) are zero.
    pub fn kernel_pages(&self, image: &KernelImage<'_>) -> Vec<(u64, PageSource)> {
        let virt_offset = image
            .params
            .virt_base
            .wrapping_sub(image.params.paddr_offset);
        let mut parts: BTreeMap<u64, Vec<Part>> = BTreeMap::new();
        for seg in &image.segments {
            let dest = seg.paddr.wrapping_add(virt_offset);
            let (Some(rel), Ok(offset), Ok(filesz)) = (
                dest.checked_sub(self.virt_base),
                usize::try_from(seg.offset),
                usize::try_from(seg.filesz),
            ) else {
                continue;
            };
            let mut done = 0usize;
            while done < filesz {
                let addr = rel + done as u64;
                let at = (addr % PAGE_SIZE) as usize;
                let len = (PAGE_SIZE as usize - at).min(filesz - done);
                parts.entry(addr / PAGE_SIZE).or_default().push(Part {
                    at,
                    offset: offset + done,
                    len,
                });
                done += len;
            }
        }
        let mut used = BTreeSet::new();
        parts
            .into_iter()
            .map(|(pfn, parts)| {
                let source = match parts.as_slice() {
                    [p] if p.at == 0
                        && p.len == PAGE_SIZE as usize
                        && p.offset % PAGE_SIZE as usize == 0
                        && used.insert(p.offset) =>
                    {
                        PageSource::Elf { offset: p.offset }
                    }
                    _ => PageSource::Parts(parts),
                };
                (pfn, source)
            })
            .collect()
    }

    /// The pfns of the p2m list itself (without the tables that may follow it).
    pub fn p2m_list_pfns(&self) -> core::ops::Range<u64> {
        let pages = (self.nr_pages * 8).div_ceil(PAGE_SIZE);
        self.p2m.pfn..self.p2m.pfn + pages
    }
}
