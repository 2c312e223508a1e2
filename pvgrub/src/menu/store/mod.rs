//! How a parsed menu is held: one byte buffer (the arena) with every text the entries keep,
//! written once, and each entry, submenu and file list encoded after its texts as varints
//! that point back at them. Values many entries inherit (a root device, submenu titles) are
//! stored once and referred to, never copied, so memory stays linear in the menu with a small
//! constant: the arena is about the size of the text it keeps, plus 4 bytes per entry.
//!
//! The parsers run twice over the menu: first with a counting [`Store`] (nothing is kept,
//! nothing is logged), then with one whose buffer is allocated at exactly the size the first
//! run counted, so the buffer never grows (a growing buffer briefly holds three times its
//! contents).
//!
//! Encodings (all numbers LEB128 varints; a span is `start len`; a ref is an arena offset
//! plus 1, 0 for none):
//! - device: `0` none, `1` network, `2 drive partition+1 slice` (0 for none), `3 span`;
//! - file list: `device` in effect, then per file `len<<2|mode` and the word as written,
//!   mode 0 a bare path, 1 `($var)path`, 2 a grub.cfg `(device)path`, 3 a menu.lst one;
//! - module: `prev-module-ref device file cmdline-len cmdline`;
//! - submenu: `parent-ref index title-span has-id [id-span]`;
//! - entry: `flags title-span [id-span] submenu-ref index root [kernel-list] [args-span]
//!   [initrd-list count] [last-module-ref]`.

use alloc::rc::Rc;
use alloc::vec::Vec;

use super::device::Parsed;

mod read;
pub(super) use read::Reader;

/// Flags of an entry record.
pub(super) const HAS_ID: u64 = 1;
pub(super) const SAVEDEFAULT: u64 = 2;
pub(super) const LOCKED: u64 = 4;
pub(super) const HAS_KERNEL: u64 = 8;
pub(super) const HAS_ARGS: u64 = 16;
pub(super) const HAS_INITRDS: u64 = 32;
pub(super) const HAS_MODULES: u64 = 64;

/// File modes in a list.
pub(super) const BARE: u8 = 0;
pub(super) const VARIABLE_DEVICE: u8 = 1;
pub(super) const GRUB2_DEVICE: u8 = 2;
pub(super) const LEGACY_DEVICE: u8 = 3;

/// Bytes in the arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Span {
    pub start: u32,
    pub len: u32,
}

impl Span {
    pub(super) fn range(self) -> core::ops::Range<usize> {
        self.start as usize..self.start as usize + self.len as usize
    }
}

/// A device as stored: [`super::Device`] with an `Other` name in the arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dev {
    Disk {
        drive: u32,
        partition: Option<u32>,
        bsd_slice: Option<char>,
    },
    Network,
    Other(Span),
}

/// An entry while it is read, before its record is written.
#[derive(Debug, Clone, Default)]
pub(super) struct EntryRec {
    pub title: Span,
    pub id: Option<Span>,
    /// Ref of the innermost submenu.
    pub submenu: u32,
    /// Its index among the items of its menu level.
    pub index: u32,
    pub root: Option<Dev>,
    /// Offset of its kernel's one-file list.
    pub kernel: Option<u32>,
    pub args: Span,
    /// Offset and length of its initrd list.
    pub initrds: Option<(u32, u32)>,
    /// Ref of its last module.
    pub modules: u32,
    pub savedefault: bool,
    pub locked: bool,
}

/// The arena being written (or only counted), and where each entry's record starts.
pub(super) struct Store {
    /// `None` while counting.
    buf: Option<Vec<u8>>,
    len: usize,
    entries: Vec<u32>,
    count: usize,
}

/// What a counting run measured, for the run that keeps.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sizes {
    arena: usize,
    entries: usize,
}

/// An arena offset as stored (the arena is far below 4 GiB).
fn offset(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Store {
    /// A store that only counts.
    pub(super) fn counting() -> Store {
        Store {
            buf: None,
            len: 0,
            entries: Vec::new(),
            count: 0,
        }
    }

    /// A store for exactly what a counting run measured.
    pub(super) fn sized(sizes: Sizes) -> Store {
        Store {
            buf: Some(Vec::with_capacity(sizes.arena)),
            len: 0,
            entries: Vec::with_capacity(sizes.entries),
            count: 0,
        }
    }

    /// Whether this run keeps what it writes (and so is the one that logs).
    pub(super) fn keeps(&self) -> bool {
        self.buf.is_some()
    }

    /// What was written so far.
    pub(super) fn sizes(&self) -> Sizes {
        Sizes {
            arena: self.len,
            entries: self.count,
        }
    }

    /// The arena as written so far (empty while counting).
    pub(super) fn bytes(&self) -> &[u8] {
        self.buf.as_deref().unwrap_or(&[])
    }

    /// The arena's length so far.
    pub(super) fn here(&self) -> u32 {
        offset(self.len)
    }

    /// The ref of what is written next.
    pub(super) fn next_ref(&self) -> u32 {
        offset(self.len + 1)
    }

    /// Appends `bytes`.
    pub(super) fn put(&mut self, bytes: &[u8]) -> Span {
        let start = self.here();
        if let Some(buf) = &mut self.buf {
            buf.extend_from_slice(bytes);
        }
        self.len += bytes.len();
        Span {
            start,
            len: offset(bytes.len()),
        }
    }

    /// The span from `start` to here.
    pub(super) fn since(&self, start: u32) -> Span {
        Span {
            start,
            len: self.here().saturating_sub(start),
        }
    }

    pub(super) fn varint(&mut self, mut n: u64) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.put(&[byte]);
                return;
            }
            self.put(&[byte | 0x80]);
        }
    }

    fn span(&mut self, s: Span) {
        self.varint(s.start.into());
        self.varint(s.len.into());
    }

    pub(super) fn dev(&mut self, d: Option<Dev>) {
        match d {
            None => self.varint(0),
            Some(Dev::Network) => self.varint(1),
            Some(Dev::Disk {
                drive,
                partition,
                bsd_slice,
            }) => {
                self.varint(2);
                self.varint(drive.into());
                self.varint(partition.map_or(0, |p| u64::from(p) + 1));
                self.varint(bsd_slice.map_or(0, u64::from));
            }
            Some(Dev::Other(s)) => {
                self.varint(3);
                self.span(s);
            }
        }
    }

    /// Stores a parsed device; an `Other` name is `name[range]`, written to the arena.
    pub(super) fn device(&mut self, parsed: Parsed, name: &[u8]) -> Dev {
        match parsed {
            Parsed::Disk {
                drive,
                partition,
                bsd_slice,
            } => Dev::Disk {
                drive,
                partition,
                bsd_slice,
            },
            Parsed::Network => Dev::Network,
            Parsed::Other(r) => Dev::Other(self.put(name.get(r).unwrap_or(&[]))),
        }
    }

    /// Starts a file list with the device in effect for its bare paths; returns its offset.
    pub(super) fn list(&mut self, root: Option<Dev>) -> u32 {
        let at = self.here();
        self.dev(root);
        at
    }

    /// Appends a file of a list: `word` as written, with its `mode`.
    pub(super) fn file(&mut self, mode: u8, word: &[u8]) {
        self.varint(((word.len() as u64) << 2) | u64::from(mode & 3));
        self.put(word);
    }

    /// Writes a module (menu.lst) after the one `prev` refers to; returns its ref.
    pub(super) fn module(
        &mut self,
        prev: u32,
        root: Option<Dev>,
        file: (u8, &[u8]),
        cmdline: &[u8],
    ) -> u32 {
        let at = self.next_ref();
        self.varint(prev.into());
        self.dev(root);
        self.file(file.0, file.1);
        self.varint(cmdline.len() as u64);
        self.put(cmdline);
        at
    }

    /// Writes a submenu record; returns its ref.
    pub(super) fn submenu(
        &mut self,
        parent: u32,
        index: u32,
        title: Span,
        id: Option<Span>,
    ) -> u32 {
        let at = self.next_ref();
        self.varint(parent.into());
        self.varint(index.into());
        self.span(title);
        match id {
            None => self.varint(0),
            Some(id) => {
                self.varint(1);
                self.span(id);
            }
        }
        at
    }

    /// Writes an entry record: the menu's next entry.
    pub(super) fn entry(&mut self, e: &EntryRec) {
        let at = self.here();
        let mut flags = 0;
        for (set, flag) in [
            (e.id.is_some(), HAS_ID),
            (e.savedefault, SAVEDEFAULT),
            (e.locked, LOCKED),
            (e.kernel.is_some(), HAS_KERNEL),
            (e.args.len > 0, HAS_ARGS),
            (e.initrds.is_some(), HAS_INITRDS),
            (e.modules != 0, HAS_MODULES),
        ] {
            if set {
                flags |= flag;
            }
        }
        self.varint(flags);
        self.span(e.title);
        if let Some(id) = e.id {
            self.span(id);
        }
        self.varint(e.submenu.into());
        self.varint(e.index.into());
        self.dev(e.root);
        if let Some(k) = e.kernel {
            self.varint(k.into());
        }
        if e.args.len > 0 {
            self.span(e.args);
        }
        if let Some((list, count)) = e.initrds {
            self.varint(list.into());
            self.varint(count.into());
        }
        if e.modules != 0 {
            self.varint(e.modules.into());
        }
        if self.keeps() {
            self.entries.push(at);
        }
        self.count += 1;
    }

    /// The number of entries written.
    pub(super) fn entry_count(&self) -> usize {
        self.count
    }

    /// The arena and the offsets of the entry records.
    pub(super) fn finish(self) -> (Rc<Vec<u8>>, Vec<u32>) {
        (Rc::new(self.buf.unwrap_or_default()), self.entries)
    }
}
