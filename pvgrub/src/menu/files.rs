//! The files of an entry (its initrds, its modules), read out of the arena as they are
//! iterated: each is the word the menu wrote, its device parsed again from it (it was
//! checked when the menu was parsed).

use alloc::rc::Rc;
use alloc::vec::Vec;
use core::fmt;

use super::device::{parse_grub2, parse_legacy, split_device, Device, FilePath};
use super::store::{self, Dev, Reader, Span};
use super::text::Text;

/// The arena text of `s`.
pub(super) fn text(arena: &Rc<Vec<u8>>, s: Span) -> Text {
    let r = s.range();
    Text::new(arena.clone(), r.start, r.end)
}

/// A stored device, its name in the arena.
pub(super) fn device(arena: &Rc<Vec<u8>>, d: Dev) -> Device {
    match d {
        Dev::Disk {
            drive,
            partition,
            bsd_slice,
        } => Device::Disk {
            drive,
            partition,
            bsd_slice,
        },
        Dev::Network => Device::Network,
        Dev::Other(s) => Device::Other(text(arena, s)),
    }
}

/// A file as stored in a list: `word` with its mode, and the device in effect.
fn file_path(word: Text, mode: u8, root: &Option<Device>) -> FilePath {
    let Ok((inner, path)) = split_device(&word) else {
        return FilePath {
            device: root.clone(),
            path: word,
        };
    };
    let explicit = match (mode, &inner) {
        (store::GRUB2_DEVICE | store::LEGACY_DEVICE, Some(inner)) => {
            let name = word.slice(inner.start, inner.end);
            let parsed = match mode {
                store::GRUB2_DEVICE => parse_grub2(&name),
                _ => parse_legacy(&name),
            };
            parsed.ok().map(|p| p.device(&name))
        }
        _ => None,
    };
    let path = match mode {
        store::BARE => word,
        _ => word.slice(path.start, path.end),
    };
    FilePath {
        device: explicit.or_else(|| root.clone()),
        path,
    }
}

/// Files named by one command (`initrd`), read from the arena as they are iterated.
#[derive(Clone)]
pub struct Files {
    arena: Rc<Vec<u8>>,
    list: u32,
    count: u32,
}

impl Files {
    /// The `count` files of the list at `list`.
    pub(super) fn new(arena: Rc<Vec<u8>>, list: u32, count: u32) -> Files {
        Files { arena, list, count }
    }

    /// How many files.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The files, in order.
    pub fn iter(&self) -> FilesIter {
        let mut r = Reader::at(&self.arena, self.list as usize);
        let root = if self.count == 0 {
            None
        } else {
            r.dev().map(|d| device(&self.arena, d))
        };
        FilesIter {
            arena: self.arena.clone(),
            pos: r.pos(),
            root,
            left: self.count,
        }
    }
}

/// The files of a [`Files`].
pub struct FilesIter {
    arena: Rc<Vec<u8>>,
    pos: usize,
    root: Option<Device>,
    left: u32,
}

impl Iterator for FilesIter {
    type Item = FilePath;

    fn next(&mut self) -> Option<FilePath> {
        self.left = self.left.checked_sub(1)?;
        let mut r = Reader::at(&self.arena, self.pos);
        let (mode, word) = r.file();
        self.pos = r.pos();
        Some(file_path(text(&self.arena, word), mode, &self.root))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left as usize, Some(self.left as usize))
    }
}

impl IntoIterator for &Files {
    type Item = FilePath;
    type IntoIter = FilesIter;
    fn into_iter(self) -> FilesIter {
        self.iter()
    }
}

impl fmt::Debug for Files {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for Files {
    fn eq(&self, other: &Files) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Files {}

impl PartialEq<[FilePath]> for Files {
    fn eq(&self, other: &[FilePath]) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter().cloned())
    }
}

impl PartialEq<Vec<FilePath>> for Files {
    fn eq(&self, other: &Vec<FilePath>) -> bool {
        *self == **other
    }
}

/// The multiboot modules of a menu.lst entry, each with its command line.
#[derive(Clone)]
pub struct Modules {
    arena: Rc<Vec<u8>>,
    last: u32,
}

impl Modules {
    /// The modules up to the one `last` refers to.
    pub(super) fn new(arena: Rc<Vec<u8>>, last: u32) -> Modules {
        Modules { arena, last }
    }

    /// The refs of the modules, first to last (each points back at the one before).
    fn refs(&self) -> Vec<u32> {
        let mut out = Vec::new();
        let mut r = self.last;
        while r != 0 {
            out.push(r);
            let prev = Reader::at(&self.arena, r as usize - 1).u32();
            if prev >= r {
                break;
            }
            r = prev;
        }
        out.reverse();
        out
    }

    /// How many modules.
    pub fn len(&self) -> usize {
        self.refs().len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.last == 0
    }

    /// The modules in order, with their command lines.
    pub fn iter(&self) -> impl Iterator<Item = (FilePath, Text)> + '_ {
        self.refs().into_iter().map(|r| {
            let mut rd = Reader::at(&self.arena, r as usize - 1);
            rd.varint();
            let root = rd.dev().map(|d| device(&self.arena, d));
            let (mode, word) = rd.file();
            let len = usize::try_from(rd.varint()).unwrap_or(usize::MAX);
            let cmdline = rd.bytes(len);
            let file = file_path(text(&self.arena, word), mode, &root);
            (file, text(&self.arena, cmdline))
        })
    }

    /// The `i`th module.
    pub fn get(&self, i: usize) -> Option<(FilePath, Text)> {
        self.iter().nth(i)
    }
}

impl fmt::Debug for Modules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for Modules {
    fn eq(&self, other: &Modules) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Modules {}
