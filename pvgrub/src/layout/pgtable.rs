//! Page tables of a PV domain's virtual mappings: how many, where, and what each entry maps
//! (libxenguest's `count_pgtables` and `setup_pgtables_pv` for 4-level x86_64).

use alloc::vec::Vec;

use super::{Area, LayoutError, PAGE_SHIFT};

/// Bits of virtual address a 4-level table walk translates.
const VIRT_BITS: u32 = 48;
/// Mask of those bits.
const VADDR_MASK: u64 = (1 << VIRT_BITS) - 1;
/// Entries in a table, and log2 of it.
const ENTRIES: u64 = 512;
const LEVEL_SHIFT: u32 = 9;
/// Levels (L1..L4); index 0 is L1 as in the builder.
const LEVELS: usize = 4;

/// Flags of an L1 entry: present, writable, accessed.
const L1_PROT: u64 = 0x23;
/// Flags of an L2-L4 entry: present, writable, user, accessed, dirty.
const UPPER_PROT: u64 = 0x67;
/// The writable bit, cleared in L1 entries that map page tables.
const RW: u64 = 0x2;

/// Tables of one level of a mapping: they cover `from..=to` (48-bit addresses) and sit at
/// `pfn..pfn + tables`. For the whole mapping (`Mapping::area`), `from..=to` is what is mapped
/// and `pfn` the first pfn mapped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Level {
    from: u64,
    to: u64,
    pub(super) pfn: u64,
    pub(super) tables: u64,
}

/// A virtually contiguous range mapped to contiguous pfns, with the tables it needs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Mapping {
    pub(super) area: Level,
    pub(super) levels: [Level; LEVELS],
}

impl Mapping {
    /// Counts the tables needed to map `from..=to` with tables placed from `table_pfn`,
    /// sharing the tables of `others` where they already cover a range. The top level table
    /// belongs to the first mapping only. `map_pfn` (first pfn mapped) is only checked here:
    /// the last pfn mapped must be below `nr_pages`.
    pub(super) fn count(
        others: &[Mapping],
        area: Area,
        (from, to): (u64, u64),
        (map_pfn, table_pfn): (u64, u64),
        nr_pages: u64,
    ) -> Result<Mapping, LayoutError> {
        let span = to.checked_sub(from).ok_or(LayoutError::Overflow)?;
        let last_pfn = map_pfn
            .checked_add(span >> PAGE_SHIFT)
            .ok_or(LayoutError::Overflow)?;
        if last_pfn >= nr_pages {
            return Err(LayoutError::MappingTooLarge {
                area,
                last_pfn,
                nr_pages,
            });
        }
        // The builder compares raw bounds with the other mappings' masked ones.
        if others.iter().any(|o| from < o.area.to && to > o.area.from) {
            return Err(LayoutError::OverlappingMappings);
        }
        let mut map = Mapping {
            area: Level {
                from: from & VADDR_MASK,
                to: to & VADDR_MASK,
                pfn: 0,
                tables: 0,
            },
            levels: [Level::default(); LEVELS],
        };
        for l in (0..LEVELS).rev() {
            map.levels[l].pfn = table_pfn + map.area.tables;
            if l == LEVELS - 1 {
                if others.is_empty() {
                    map.levels[l].from = 0;
                    map.levels[l].to = VADDR_MASK;
                    map.levels[l].tables = 1;
                    map.area.tables += 1;
                }
                continue;
            }
            let bits = PAGE_SHIFT + (l as u32 + 1) * LEVEL_SHIFT;
            let mask = (1u64 << bits) - 1;
            let (lvl_from, lvl_to) = trim(others, l, (map.area.from & !mask, map.area.to | mask))?;
            map.levels[l].from = lvl_from;
            map.levels[l].to = lvl_to;
            if lvl_from < lvl_to {
                map.levels[l].tables = ((lvl_to - lvl_from) >> bits) + 1;
            }
            map.area.tables += map.levels[l].tables;
        }
        Ok(map)
    }
}

/// Cuts from a level's range what other mappings' tables of that level already cover;
/// `(0, 0)` if they cover all of it.
fn trim(
    others: &[Mapping],
    l: usize,
    (mut from, mut to): (u64, u64),
) -> Result<(u64, u64), LayoutError> {
    for o in others {
        let (o_from, o_to) = (o.levels[l].from, o.levels[l].to);
        if o_from == o_to {
            continue;
        }
        if from >= o_from && to <= o_to {
            return Ok((0, 0));
        }
        if from < o_from && to > o_to {
            // The builder asserts this cannot happen.
            return Err(LayoutError::OverlappingMappings);
        }
        if from >= o_from && from <= o_to {
            from = o_to + 1;
        }
        if to >= o_from && to <= o_to {
            to = o_from.checked_sub(1).ok_or(LayoutError::Overflow)?;
        }
    }
    Ok((from, to))
}

/// Consecutive entries of a table that map consecutive pfns with the same flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryRun {
    /// Index of the first entry (0..512).
    pub index: u16,
    /// Number of entries.
    pub count: u16,
    /// Pfn the first entry points to; entry `index + i` points to `pfn + i`.
    pub pfn: u64,
    /// Flags of each entry (the low 12 bits of the entry).
    pub flags: u64,
}

/// One page of the page-table plan: a table, its level and the entries it holds (all others
/// are zero). An entry's value is `mfn(pfn) << 12 | flags`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageTable {
    /// Pfn of the table.
    pub pfn: u64,
    /// 4 for the L4 (`cr3`), down to 1 for an L1 (whose entries map pages).
    pub level: u8,
    /// First virtual address the table translates (canonical form).
    pub vaddr: u64,
    /// Its non-zero entries, by index.
    pub entries: Vec<EntryRun>,
}

impl PageTable {
    /// Writes the table's 512 entries into `out`, with `mfn_of` giving each pfn's frame.
    pub fn fill(&self, mut mfn_of: impl FnMut(u64) -> u64, out: &mut [u64; 512]) {
        out.fill(0);
        for run in &self.entries {
            let first = usize::from(run.index);
            let slots = out.iter_mut().skip(first).take(usize::from(run.count));
            for (pfn, slot) in (run.pfn..).zip(slots) {
                *slot = (mfn_of(pfn) << PAGE_SHIFT) | run.flags;
            }
        }
    }
}

/// Sign-extends a 48-bit address.
fn canonical(vaddr: u64) -> u64 {
    if vaddr & (1 << (VIRT_BITS - 1)) != 0 {
        vaddr | !VADDR_MASK
    } else {
        vaddr
    }
}

/// Renders the tables of `maps` (the initial mapping first): every table page with its
/// entries, in the builder's order of pfns.
pub(super) fn plan(maps: &[Mapping]) -> Vec<PageTable> {
    let mut tables = Vec::new();
    for (m, map) in maps.iter().enumerate() {
        for l in (0..LEVELS).rev() {
            let lvl = map.levels[l];
            let span_bits = PAGE_SHIFT + (l as u32 + 1) * LEVEL_SHIFT;
            for t in 0..lvl.tables {
                tables.push(PageTable {
                    pfn: lvl.pfn + t,
                    level: l as u8 + 1,
                    vaddr: canonical(lvl.from + (t << span_bits)),
                    entries: Vec::new(),
                });
            }
            fill_level(maps, m, l, &mut tables);
        }
    }
    tables.sort_by_key(|t| t.pfn);
    for table in &mut tables {
        table.entries.sort_by_key(|run| run.index);
    }
    tables
}

/// Adds the entries of mapping `m`'s level-`l` tables: for each mapping, the lower-level
/// tables (or for L1s, the mapped pages) inside the range these tables cover.
fn fill_level(maps: &[Mapping], m: usize, l: usize, tables: &mut [PageTable]) {
    let Some(this) = maps.get(m).map(|map| map.levels[l]) else {
        return;
    };
    let shift = PAGE_SHIFT + l as u32 * LEVEL_SHIFT;
    for other in maps {
        let lower = if l > 0 {
            other.levels[l - 1]
        } else {
            other.area
        };
        if l > 0 && lower.tables == 0 {
            continue;
        }
        if lower.from >= this.to || lower.to <= this.from {
            continue;
        }
        let start = this.from.max(lower.from);
        let first = (start - this.from) >> shift;
        let last = (this.to.min(lower.to) - this.from) >> shift;
        let first_pfn = ((start - lower.from) >> shift) + lower.pfn;
        for (p, pfn) in (first..=last).zip(first_pfn..) {
            let flags = if l > 0 {
                UPPER_PROT
            } else {
                l1_prot(maps, pfn)
            };
            push_entry(
                tables,
                this.pfn + p / ENTRIES,
                (p % ENTRIES) as u16,
                pfn,
                flags,
            );
        }
    }
}

/// L1 flags for a page: read-only if it is one of the page tables.
fn l1_prot(maps: &[Mapping], pfn: u64) -> u64 {
    let is_table = maps.iter().any(|map| {
        let first = map.levels[LEVELS - 1].pfn;
        pfn >= first && pfn < first + map.area.tables
    });
    if is_table {
        L1_PROT & !RW
    } else {
        L1_PROT
    }
}

/// Appends an entry to its table, extending the last run when it continues it.
fn push_entry(tables: &mut [PageTable], table_pfn: u64, index: u16, pfn: u64, flags: u64) {
    let Some(table) = tables.iter_mut().rev().find(|t| t.pfn == table_pfn) else {
        return;
    };
    if let Some(run) = table.entries.last_mut() {
        let count = u64::from(run.count);
        if run.index + run.count == index && run.pfn + count == pfn && run.flags == flags {
            run.count += 1;
            return;
        }
    }
    table.entries.push(EntryRun {
        index,
        count: 1,
        pfn,
        flags,
    });
}
