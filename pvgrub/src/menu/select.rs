//! Choosing the entry to boot: default, saved and fallback rules of GRUB legacy and GRUB 2.

use super::find::Finder;
use super::{DefaultEntry, Menu, MenuFormat};
use alloc::vec::Vec;

/// Parses a plain decimal number (no sign, no spaces), as entry numbers are written.
pub(super) fn parse_decimal(s: &[u8]) -> Option<usize> {
    if s.is_empty() {
        return None;
    }
    s.iter().try_fold(0usize, |n, &b| {
        let digit = char::from(b).to_digit(10)?;
        n.checked_mul(10)?.checked_add(digit as usize)
    })
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
    /// Each call indexes the entries once (O(n log n)), then looks the name up in O(log n).
    pub fn find_entry(&self, name: impl AsRef<[u8]>) -> Option<usize> {
        Finder::new(&self.entries, self.format).find(name.as_ref())
    }
}
