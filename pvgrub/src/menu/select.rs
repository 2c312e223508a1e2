//! Choosing the entry to boot: default, saved and fallback rules of GRUB legacy and GRUB 2.

use super::{DefaultEntry, Menu, MenuFormat};
use alloc::vec::Vec;

/// Parses a plain decimal number (no sign, no spaces), as entry numbers are written.
pub(super) fn parse_decimal(s: &str) -> Option<usize> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl Menu {
    /// The entry booted first, or `None` if the menu has no entries.
    ///
    /// `saved` is the saved entry for `default saved` (see [`super::saved_default_value`],
    /// or for grub.cfg [`Menu::find_entry`] on [`super::grubenv_saved_entry`]); without it
    /// entry 0 is used, as pv-grub does when no saved entry is recorded.
    pub fn default_index(&self, saved: Option<usize>) -> Option<usize> {
        self.boot_order(saved).first().copied()
    }

    /// The entries to try in order: the default, then the fallbacks (GRUB legacy: a default
    /// past the end is replaced by the first fallback if that one exists, else by entry 0).
    /// Out-of-range fallbacks and repeats are left out.
    pub fn boot_order(&self, saved: Option<usize>) -> Vec<usize> {
        let count = self.entries.len();
        let mut order = Vec::new();
        if count == 0 {
            return order;
        }
        let wanted = match &self.default {
            DefaultEntry::Index(n) => *n,
            DefaultEntry::Saved => saved.unwrap_or(0),
            DefaultEntry::Named(_) => 0,
        };
        let mut fallbacks = self.fallback.as_slice();
        let first = if wanted < count {
            wanted
        } else {
            match (self.format, fallbacks.split_first()) {
                (MenuFormat::MenuLst, Some((&f, rest))) if f < count => {
                    fallbacks = rest;
                    f
                }
                _ => 0,
            }
        };
        order.push(first);
        for &f in fallbacks {
            if f < count && !order.contains(&f) {
                order.push(f);
            }
        }
        order
    }

    /// Finds an entry by name as `default` names it.
    ///
    /// menu.lst: a number, else an exact title. grub.cfg (GRUB 2 rules): `>`-separated
    /// components, each a number (counting top-level items, a submenu being one item), a
    /// title or an `--id`; a path that ends on a submenu picks the submenu's first entry.
    pub fn find_entry(&self, name: &str) -> Option<usize> {
        match self.format {
            MenuFormat::MenuLst => match parse_decimal(name) {
                Some(n) => (n < self.entries.len()).then_some(n),
                None => self.entries.iter().position(|e| e.title == name),
            },
            MenuFormat::GrubCfg => self.find_grub2(name),
        }
    }

    fn find_grub2(&self, name: &str) -> Option<usize> {
        // Entries of one submenu are contiguous, so each step narrows a range.
        let (mut lo, mut hi) = (0, self.entries.len());
        for (level, part) in name.split('>').enumerate() {
            let number = parse_decimal(part);
            let range = self.entries.get(lo..hi)?;
            let found = range.iter().position(|e| {
                let Some(pos) = e.position.get(level) else {
                    return false;
                };
                match number {
                    Some(n) => pos.index == n,
                    None => {
                        let title = e.submenus.get(level).unwrap_or(&e.title);
                        title == part || pos.id.as_deref() == Some(part)
                    }
                }
            })?;
            lo += found;
            let entry = self.entries.get(lo)?;
            let item = entry.position.get(level).map(|p| p.index);
            if entry.position.len() == level + 1 {
                return Some(lo);
            }
            let run = self
                .entries
                .get(lo..hi)?
                .iter()
                .take_while(|e| e.position.get(level).map(|p| p.index) == item)
                .count();
            hi = lo + run;
        }
        Some(lo)
    }
}
