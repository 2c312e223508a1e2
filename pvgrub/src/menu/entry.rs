//! A parsed menu's entries, read out of the arena ([`super::store`]) on demand: an [`Entry`]
//! is built when asked for, its texts pointing into the arena (nothing is copied).

use alloc::rc::Rc;
use alloc::vec::Vec;
use core::fmt;

use super::device::{Device, FilePath};
use super::files::{device, text, Files, Modules};
use super::grubcfg::MAX_DEPTH;
use super::store::{self, Dev, Reader, Span};
use super::text::Text;

/// The entries of a menu, in menu order (grub.cfg submenus flattened in place).
#[derive(Clone)]
pub struct Entries {
    arena: Rc<Vec<u8>>,
    records: Vec<u32>,
}

/// One bootable menu entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The title shown in the menu.
    pub title: Text,
    /// The `--id` of a `grub.cfg` menuentry, if it has one.
    pub id: Option<Text>,
    /// The root device in effect for the kernel (`root`/`rootnoverify`, `set root=`).
    /// `None`: not set by the menu; the device the menu was read from applies.
    pub root: Option<Device>,
    /// The kernel to load. Its device is the one written, else the root in effect.
    pub kernel: Option<FilePath>,
    /// The kernel command line.
    pub args: Text,
    /// Initial ramdisks, in order (GRUB 2's `initrd` takes several, loaded back to back).
    pub initrds: Files,
    /// Multiboot modules (`module` in menu.lst) with their command lines.
    pub modules: Modules,
    /// The entry has `savedefault`.
    pub savedefault: bool,
    /// The entry asks for a password before it boots (`password`/`lock` in menu.lst).
    pub locked: bool,
    submenus: Submenus,
}

impl Entry {
    /// The first initrd, the one a single-initrd loader uses.
    pub fn initrd(&self) -> Option<FilePath> {
        self.initrds.iter().next()
    }

    /// Titles of the `grub.cfg` submenus this entry sits in, outermost first.
    pub fn submenus(&self) -> impl Iterator<Item = Text> + '_ {
        self.submenus.titles()
    }
}

/// An entry record as stored.
pub(super) struct StoredEntry {
    pub flags: u64,
    pub title: Span,
    pub id: Option<Span>,
    pub submenu: u32,
    pub index: u32,
    pub root: Option<Dev>,
    pub kernel: Option<u32>,
    pub args: Span,
    pub initrds: Option<(u32, u32)>,
    pub modules: u32,
}

impl StoredEntry {
    pub(super) fn read(arena: &[u8], at: u32) -> StoredEntry {
        let mut r = Reader::at(arena, at as usize);
        let flags = r.varint();
        let has = |f| flags & f != 0;
        let title = r.span();
        let id = has(store::HAS_ID).then(|| r.span());
        let submenu = r.u32();
        let index = r.u32();
        let root = r.dev();
        let kernel = has(store::HAS_KERNEL).then(|| r.u32());
        let args = if has(store::HAS_ARGS) {
            r.span()
        } else {
            Span::default()
        };
        let initrds = has(store::HAS_INITRDS).then(|| (r.u32(), r.u32()));
        let modules = if has(store::HAS_MODULES) { r.u32() } else { 0 };
        StoredEntry {
            flags,
            title,
            id,
            submenu,
            index,
            root,
            kernel,
            args,
            initrds,
            modules,
        }
    }
}

/// A submenu record as stored.
pub(super) struct StoredSubmenu {
    pub parent: u32,
    pub index: u32,
    pub title: Span,
    pub id: Option<Span>,
}

impl StoredSubmenu {
    /// The record `r` (a ref) refers to.
    pub(super) fn read(arena: &[u8], r: u32) -> StoredSubmenu {
        let mut rd = Reader::at(arena, (r as usize).saturating_sub(1));
        let parent = rd.u32();
        let index = rd.u32();
        let title = rd.span();
        let id = (rd.varint() == 1).then(|| rd.span());
        StoredSubmenu {
            parent,
            index,
            title,
            id,
        }
    }
}

/// The chain of submenus from `innermost` out, outermost first (refs decrease outwards,
/// which bounds the walk; so does [`MAX_DEPTH`]).
pub(super) fn chain(arena: &[u8], innermost: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut r = innermost;
    while r != 0 && out.len() < MAX_DEPTH {
        out.push(r);
        let parent = StoredSubmenu::read(arena, r).parent;
        if parent >= r {
            break;
        }
        r = parent;
    }
    out.reverse();
    out
}

/// The submenus an entry sits in.
#[derive(Clone)]
struct Submenus {
    arena: Rc<Vec<u8>>,
    innermost: u32,
}

impl Submenus {
    fn titles(&self) -> impl Iterator<Item = Text> + '_ {
        chain(&self.arena, self.innermost)
            .into_iter()
            .map(|r| text(&self.arena, StoredSubmenu::read(&self.arena, r).title))
    }
}

impl fmt::Debug for Submenus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.titles()).finish()
    }
}

impl PartialEq for Submenus {
    fn eq(&self, other: &Submenus) -> bool {
        self.titles().eq(other.titles())
    }
}

impl Eq for Submenus {}

impl Entries {
    pub(super) fn new(arena: Rc<Vec<u8>>, records: Vec<u32>) -> Entries {
        Entries { arena, records }
    }

    /// The arena and the record offsets, for lookups.
    pub(super) fn raw(&self) -> (&[u8], &[u32]) {
        (&self.arena, &self.records)
    }

    /// The arena text of `s`.
    pub(super) fn text(&self, s: Span) -> Text {
        text(&self.arena, s)
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Entry `i`, read out of the arena.
    pub fn get(&self, i: usize) -> Option<Entry> {
        let at = *self.records.get(i)?;
        let a = &self.arena;
        let rec = StoredEntry::read(a, at);
        let has = |f| rec.flags & f != 0;
        let list = |at: u32, count: u32| Files::new(a.clone(), at, count);
        Some(Entry {
            title: text(a, rec.title),
            id: rec.id.map(|s| text(a, s)),
            root: rec.root.map(|d| device(a, d)),
            kernel: rec.kernel.and_then(|k| list(k, 1).iter().next()),
            args: text(a, rec.args),
            initrds: rec.initrds.map_or(list(0, 0), |(at, n)| list(at, n)),
            modules: Modules::new(a.clone(), rec.modules),
            savedefault: has(store::SAVEDEFAULT),
            locked: has(store::LOCKED),
            submenus: Submenus {
                arena: a.clone(),
                innermost: rec.submenu,
            },
        })
    }

    /// The entries in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            entries: self,
            next: 0,
        }
    }
}

/// The entries of [`Entries`], in order.
pub struct Iter<'a> {
    entries: &'a Entries,
    next: usize,
}

impl Iterator for Iter<'_> {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        let e = self.entries.get(self.next)?;
        self.next += 1;
        Some(e)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.entries.len().saturating_sub(self.next);
        (left, Some(left))
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a Entries {
    type Item = Entry;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl fmt::Debug for Entries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for Entries {
    fn eq(&self, other: &Entries) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Entries {}
