//! Finding an entry by name (`default`, `fallback`, a saved entry): an index of the menu's
//! items by title and by id, built once in O(n log n) with 4 bytes per item, so that each
//! lookup costs a binary search instead of a walk over every entry.
//!
//! An item is an entry or a submenu holding at least one entry (an empty submenu is
//! numbered but cannot be found, as before). Items are keyed by their parent submenu, so a
//! submenu's title, shared by all its entries, is compared once, not once per entry.

use alloc::vec::Vec;
use core::cmp::Ordering;

use super::entry::{chain, Entries, StoredEntry, StoredSubmenu};
use super::select::parse_decimal;
use super::store::Span;
use super::MenuFormat;

/// Items that are submenus have this bit set, the rest being their ref.
const SUBMENU: u32 = 1 << 31;

/// A submenu with the entries inside it.
#[derive(Clone, Copy)]
struct Range {
    submenu: u32,
    first: u32,
    end: u32,
}

/// An index of a menu's items by name.
pub(super) struct Finder<'m> {
    arena: &'m [u8],
    records: &'m [u32],
    format: MenuFormat,
    /// Submenus with entries, by ref.
    ranges: Vec<Range>,
    /// Every item, by (parent, title, first entry).
    by_title: Vec<u32>,
    /// Items with an id, by (parent, id, first entry).
    by_id: Vec<u32>,
}

/// What an item is.
enum Item {
    Entry(usize),
    Submenu(Range),
}

impl<'m> Finder<'m> {
    /// Indexes `entries`.
    pub(super) fn new(entries: &'m Entries, format: MenuFormat) -> Finder<'m> {
        let (arena, records) = entries.raw();
        let mut f = Finder {
            arena,
            records,
            format,
            ranges: Vec::new(),
            by_title: Vec::new(),
            by_id: Vec::new(),
        };
        f.index();
        f
    }

    fn entry(&self, i: usize) -> StoredEntry {
        StoredEntry::read(self.arena, self.records.get(i).copied().unwrap_or(0))
    }

    fn index(&mut self) {
        // The submenus around the previous entry, outermost first, with their ranges.
        let (mut last, mut open): (u32, Vec<(u32, usize)>) = (0, Vec::new());
        for i in 0..self.records.len() {
            let at = u32::try_from(i).unwrap_or(u32::MAX);
            let submenu = self.entry(i).submenu;
            if submenu != last {
                let now = chain(self.arena, submenu);
                let same = open
                    .iter()
                    .zip(&now)
                    .take_while(|((a, _), b)| a == *b)
                    .count();
                open.truncate(same);
                for &r in now.get(same..).unwrap_or(&[]) {
                    open.push((r, self.ranges.len()));
                    self.ranges.push(Range {
                        submenu: r,
                        first: at,
                        end: at,
                    });
                }
                last = submenu;
            }
            for &(_, k) in &open {
                if let Some(range) = self.ranges.get_mut(k) {
                    range.end = at + 1;
                }
            }
        }
        // A submenu's entries are contiguous, so each has one range; by ref for lookups.
        self.ranges.sort_unstable_by_key(|r| r.submenu);
        let count = u32::try_from(self.records.len()).unwrap_or(u32::MAX);
        let items = (0..count).chain(self.ranges.iter().map(|r| r.submenu | SUBMENU));
        let mut by_title: Vec<u32> = items.collect();
        let mut by_id: Vec<u32> = by_title
            .iter()
            .copied()
            .filter(|&h| self.key(h, true).is_some())
            .collect();
        by_title.sort_unstable_by(|&a, &b| self.order(a, b, false));
        by_id.sort_unstable_by(|&a, &b| self.order(a, b, true));
        self.by_title = by_title;
        self.by_id = by_id;
    }

    fn range(&self, submenu: u32) -> Option<Range> {
        let i = self
            .ranges
            .binary_search_by_key(&submenu, |r| r.submenu)
            .ok()?;
        self.ranges.get(i).copied()
    }

    /// An item's parent, its title (or id) and its first entry.
    fn key(&self, item: u32, id: bool) -> Option<(u32, Span, u32)> {
        if item & SUBMENU != 0 {
            let r = item & !SUBMENU;
            let rec = StoredSubmenu::read(self.arena, r);
            let name = if id { rec.id? } else { rec.title };
            Some((rec.parent, name, self.range(r)?.first))
        } else {
            let rec = self.entry(item as usize);
            let name = if id { rec.id? } else { rec.title };
            Some((rec.submenu, name, item))
        }
    }

    fn bytes(&self, s: Span) -> &[u8] {
        self.arena.get(s.range()).unwrap_or(&[])
    }

    fn order(&self, a: u32, b: u32, id: bool) -> Ordering {
        let (ka, kb) = (self.key(a, id), self.key(b, id));
        match (ka, kb) {
            (Some((pa, na, fa)), Some((pb, nb, fb))) => pa
                .cmp(&pb)
                .then_with(|| self.bytes(na).cmp(self.bytes(nb)))
                .then(fa.cmp(&fb)),
            _ => ka.is_some().cmp(&kb.is_some()),
        }
    }

    /// The first item under `parent` named `name` (by title or id).
    fn named(&self, parent: u32, name: &[u8]) -> Option<u32> {
        let first = |list: &[u32], id: bool| {
            let at = list.partition_point(|&h| {
                self.key(h, id)
                    .is_some_and(|(p, n, _)| (p, self.bytes(n)) < (parent, name))
            });
            let h = *list.get(at)?;
            let (p, n, first) = self.key(h, id)?;
            (p == parent && self.bytes(n) == name).then_some((first, h))
        };
        match (first(&self.by_title, false), first(&self.by_id, true)) {
            (Some(a), Some(b)) => Some(a.min(b).1),
            (a, b) => a.or(b).map(|(_, h)| h),
        }
    }

    /// The index at `level` of entry `i`'s item there, and that item.
    fn at_level(&self, i: usize, level: usize) -> Option<(u32, Item)> {
        let rec = self.entry(i);
        let chain = chain(self.arena, rec.submenu);
        match chain.get(level) {
            Some(&r) => Some((
                StoredSubmenu::read(self.arena, r).index,
                Item::Submenu(self.range(r)?),
            )),
            None if level == chain.len() => Some((rec.index, Item::Entry(i))),
            None => None,
        }
    }

    /// The item numbered `n` at `level` among the entries `lo..hi` (its indexes there only
    /// grow along the entries, so a binary search finds it).
    fn numbered(&self, lo: usize, hi: usize, level: usize, n: usize) -> Option<Item> {
        let len = hi.checked_sub(lo)?;
        let below = |k: usize| {
            self.at_level(lo + k, level)
                .is_some_and(|(index, _)| (index as usize) < n)
        };
        let (mut a, mut b) = (0, len);
        while a < b {
            let mid = a + (b - a) / 2;
            if below(mid) {
                a = mid + 1;
            } else {
                b = mid;
            }
        }
        let (index, item) = self.at_level(lo + a, level).filter(|_| a < len)?;
        (index as usize == n).then_some(item)
    }

    /// Finds an entry by name as `default` names it.
    ///
    /// menu.lst: a number, else an exact title. grub.cfg (GRUB 2 rules): `>`-separated
    /// components, each a number (counting the items at that level, a submenu being one
    /// item), a title or an `--id`; a path that ends on a submenu picks its first entry.
    pub(super) fn find(&self, name: &[u8]) -> Option<usize> {
        let count = self.records.len();
        if self.format == MenuFormat::MenuLst {
            return match parse_decimal(name) {
                Some(n) => (n < count).then_some(n),
                None => self.named(0, name).map(|h| h as usize),
            };
        }
        let (mut lo, mut hi, mut parent) = (0, count, 0);
        for (level, part) in name.split(|&b| b == b'>').enumerate() {
            let item = match parse_decimal(part) {
                Some(n) => self.numbered(lo, hi, level, n)?,
                None => match self.named(parent, part)? {
                    h if h & SUBMENU != 0 => Item::Submenu(self.range(h & !SUBMENU)?),
                    h => Item::Entry(h as usize),
                },
            };
            match item {
                Item::Entry(i) => return Some(i),
                Item::Submenu(r) => {
                    (lo, hi, parent) = (r.first as usize, r.end as usize, r.submenu);
                }
            }
        }
        (lo < hi).then_some(lo)
    }
}
