//! The words of a `menuentry`, `submenu` or `function` command: its title, `--id` and
//! options, as GRUB 2 reads them.

use crate::menu::store::{Span, Store};
use crate::text::escape;

/// The command a block opens with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HeadKind {
    Menuentry,
    Submenu,
    Function,
}

/// What the next word of a block command is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    Any,
    Id,
    Skipped,
}

/// A `menuentry`, `submenu` or `function` command, waiting for its `{`.
#[derive(Debug)]
pub(super) struct Head {
    pub kind: HeadKind,
    pub title: Option<Span>,
    pub id: Option<Span>,
    /// Whether its title and id matter (not in a function, an entry or for a function).
    read: bool,
    next: Next,
}

impl Head {
    pub(super) fn new(kind: HeadKind, read: bool) -> Head {
        Head {
            kind,
            title: None,
            id: None,
            read,
            next: Next::Any,
        }
    }

    /// The head once all its words are in: a trailing `--id` sets no id.
    pub(super) fn finish(mut self) -> Head {
        if self.next == Next::Id {
            self.id = None;
        }
        self
    }

    /// A word after `menuentry`/`submenu`: an option, the title, or ignored.
    pub(super) fn word(&mut self, store: &mut Store, word: &[u8], line: usize) {
        if !self.read {
            return;
        }
        match core::mem::replace(&mut self.next, Next::Any) {
            Next::Id => {
                self.id = Some(store.put(word));
                return;
            }
            Next::Skipped => return,
            Next::Any => {}
        }
        let word: &[u8] = match word {
            b"$menuentry_id_option" | b"${menuentry_id_option}" => b"--id",
            w => w,
        };
        match word {
            b"--id" => self.next = Next::Id,
            b"--class" | b"--users" | b"--hotkey" | b"--source" => self.next = Next::Skipped,
            w if w.starts_with(b"--id=") => self.id = Some(store.put(w.get(5..).unwrap_or(&[]))),
            w if w.starts_with(b"--") => {
                note!(
                    store,
                    debug,
                    "grub.cfg line {line}: option {} skipped",
                    escape(w)
                )
            }
            w if self.title.is_none() => self.title = Some(store.put(w)),
            _ => {}
        }
    }
}
