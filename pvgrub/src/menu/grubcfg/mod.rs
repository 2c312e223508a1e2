//! The GRUB 2 `grub.cfg` subset pygrub reads, parsed with GRUB 2's own word rules.
//!
//! Understood: `menuentry` and `submenu` blocks (title, `--id`, other options skipped),
//! `linux`/`linux16`, `initrd`/`initrd16`, `set root=`, and at top level `set default=`,
//! `set timeout=`, `set fallback=` (also written as bare `name=value`). `function` bodies are
//! skipped. Like pygrub, `if`/`elif`/`else`/`fi` and loops are not evaluated: the commands of
//! every branch run in order, so the last assignment wins. Everything else (`insmod`,
//! `search`, `load_env`, `echo`, ...) is ignored with a log message.
//!
//! Words are handled as the lexer yields them (a command's words are never collected), and
//! what an entry keeps goes straight to the [`Store`].

mod command;
mod head;
mod lexer;

use super::error::{MenuError, MenuErrorKind};
use super::find::Finder;
use super::store::{Dev, EntryRec, Span, Store};
use super::{DefaultEntry, Menu, MenuFormat};
use crate::text::escape;
use alloc::vec::Vec;
use command::Command;
use head::{Head, HeadKind};
use lexer::{Lexer, Token};

/// Deepest nesting of `{}` blocks accepted.
pub(super) const MAX_DEPTH: usize = 16;
/// Most fallback entries kept, as in GRUB legacy.
const MAX_FALLBACK: usize = 8;

enum Block {
    /// A menuentry, with the root in effect inside it.
    Entry(EntryRec, Option<Dev>),
    Submenu,
    /// A `function` body, or anything inside one.
    Ignored,
}

/// What a `grub.cfg` names by title, id or path, resolved once the entries are known.
#[derive(Debug, Default)]
pub(super) struct Names {
    default: Option<Span>,
    fallback: Option<Span>,
}

struct Parser {
    store: Store,
    menu: Menu,
    blocks: Vec<(usize, Block)>,
    /// Refs of the open submenus, innermost last.
    submenus: Vec<u32>,
    /// Items seen so far at each open menu level (top level first).
    counts: Vec<u32>,
    root: Option<Dev>,
    names: Names,
}

fn err(line: usize, kind: MenuErrorKind) -> MenuError {
    MenuError { line, kind }
}

/// Parses `text` into `store`; the menu's entries are then read from the store.
pub(super) fn parse(text: &[u8], store: Store) -> Result<(Store, Menu, Names), MenuError> {
    let mut p = Parser {
        store,
        menu: Menu::empty(MenuFormat::GrubCfg),
        blocks: Vec::new(),
        submenus: Vec::new(),
        counts: alloc::vec![0],
        root: None,
        names: Names::default(),
    };
    let mut lexer = Lexer::new(text);
    let mut cmd = Command::new();
    // A block command waiting for its `{` (GRUB 2 allows newlines before it).
    let mut awaiting: Option<(usize, Head)> = None;
    while let Some((line, token)) = lexer.next_token()? {
        if let Some((at, _)) = &awaiting {
            match token {
                Token::Separator => continue,
                Token::Open => {
                    if let Some((at, head)) = awaiting.take() {
                        p.open(at, Some(head))?;
                    }
                    continue;
                }
                _ => return Err(err(*at, MenuErrorKind::MissingOpenBrace)),
            }
        }
        match token {
            Token::Word(w) => p.word(&mut cmd, line, w)?,
            Token::Separator => {
                let done = core::mem::replace(&mut cmd, Command::new());
                match done.into_head() {
                    Ok(head) => awaiting = Some(head),
                    Err(done) => p.end(done)?,
                }
            }
            Token::Open => {
                let done = core::mem::replace(&mut cmd, Command::new());
                p.open(line, done.into_head().ok().map(|(_, head)| head))?;
            }
            Token::Close => {
                let done = core::mem::replace(&mut cmd, Command::new());
                p.end(done)?;
                p.close(line)?;
            }
        }
    }
    if let Some((at, _)) = awaiting {
        return Err(err(at, MenuErrorKind::MissingOpenBrace));
    }
    match cmd.into_head() {
        Ok((at, _)) => return Err(err(at, MenuErrorKind::MissingOpenBrace)),
        Err(done) => p.end(done)?,
    }
    if let Some((line, _)) = p.blocks.first() {
        return Err(err(*line, MenuErrorKind::UnclosedBlock));
    }
    Ok((p.store, p.menu, p.names))
}

impl Parser {
    fn in_ignored(&self) -> bool {
        matches!(self.blocks.last(), Some((_, Block::Ignored)))
    }

    fn in_entry(&self) -> bool {
        self.blocks
            .iter()
            .any(|(_, b)| matches!(b, Block::Entry(..)))
    }

    fn open(&mut self, line: usize, head: Option<Head>) -> Result<(), MenuError> {
        if self.blocks.len() >= MAX_DEPTH {
            return Err(err(line, MenuErrorKind::TooDeep));
        }
        let block = match head {
            _ if self.in_ignored() => Block::Ignored,
            None => return Err(err(line, MenuErrorKind::UnexpectedOpenBrace)),
            Some(Head {
                kind: HeadKind::Function,
                ..
            }) => Block::Ignored,
            Some(_) if self.in_entry() => return Err(err(line, MenuErrorKind::NestedMenuentry)),
            Some(head) => {
                let title = head.title.ok_or(err(line, MenuErrorKind::MissingTitle))?;
                let count = self
                    .counts
                    .last_mut()
                    .ok_or(err(line, MenuErrorKind::TooDeep))?;
                let index = *count;
                *count = count.saturating_add(1);
                let parent = self.submenus.last().copied().unwrap_or(0);
                if head.kind == HeadKind::Submenu {
                    let r = self.store.submenu(parent, index, title, head.id);
                    self.submenus.push(r);
                    self.counts.push(0);
                    Block::Submenu
                } else {
                    let entry = EntryRec {
                        title,
                        id: head.id,
                        submenu: parent,
                        index,
                        root: self.root,
                        ..EntryRec::default()
                    };
                    Block::Entry(entry, self.root)
                }
            }
        };
        self.blocks.push((line, block));
        Ok(())
    }

    fn close(&mut self, line: usize) -> Result<(), MenuError> {
        match self.blocks.pop() {
            None => Err(err(line, MenuErrorKind::UnexpectedCloseBrace)),
            Some((_, Block::Entry(entry, _))) => {
                self.store.entry(&entry);
                Ok(())
            }
            Some((_, Block::Submenu)) => {
                self.submenus.pop();
                self.counts.pop();
                Ok(())
            }
            Some((_, Block::Ignored)) => Ok(()),
        }
    }

    /// Sets a top-level variable.
    fn global(&mut self, name: &[u8], value: &[u8], line: usize) -> Result<(), MenuError> {
        match name {
            b"default" => self.names.default = Some(self.store.put(value)),
            b"fallback" => self.names.fallback = Some(self.store.put(value)),
            b"timeout" => match value.trim_ascii() {
                b"-1" => self.menu.timeout = None,
                t => match super::select::parse_decimal(t).and_then(|n| u32::try_from(n).ok()) {
                    Some(n) => self.menu.timeout = Some(n),
                    None => note!(
                        self.store,
                        warn,
                        "grub.cfg line {line}: bad timeout `{}` ignored",
                        escape(t)
                    ),
                },
            },
            b"root" => self.root = command::root_value(&mut self.store, value, line)?,
            _ => note!(
                self.store,
                debug,
                "grub.cfg line {line}: variable {} ignored",
                escape(name)
            ),
        }
        Ok(())
    }
}

/// Resolves the default and fallbacks `names` gives, by title, id or path.
pub(super) fn resolve(menu: &mut Menu, names: Names) {
    let value = |s: Option<Span>| s.map(|s| menu.entries.text(s));
    let (default, fallback) = (value(names.default), value(names.fallback));
    if default.is_none() && fallback.is_none() {
        return;
    }
    let finder = Finder::new(&menu.entries, menu.format);
    menu.default = match default.as_ref().map(|d| (d, d.trim_ascii())) {
        None | Some((_, b"")) => DefaultEntry::Index(0),
        Some((_, b"${saved_entry}" | b"$saved_entry")) => DefaultEntry::Saved,
        Some((_, v)) if v.contains(&b'$') => {
            log::warn!("grub.cfg: default `{}` uses a variable; entry 0", escape(v));
            DefaultEntry::Index(0)
        }
        Some((d, v)) => match finder.find(v) {
            Some(i) => DefaultEntry::Index(i),
            None => {
                let lead = d.len() - d.trim_ascii_start().len();
                DefaultEntry::Named(d.slice(lead, lead + v.len()))
            }
        },
    };
    let Some(list) = fallback else { return };
    let mut chosen = Vec::new();
    let mut missed = 0usize;
    for name in list
        .split(|b| b.is_ascii_whitespace())
        .filter(|n| !n.is_empty())
    {
        match finder.find(name) {
            Some(i) if !chosen.contains(&i) => chosen.push(i),
            _ => {
                missed += 1;
                if missed <= MAX_FALLBACK {
                    log::warn!("grub.cfg: fallback `{}` names no new entry", escape(name));
                }
            }
        }
        if chosen.len() == MAX_FALLBACK {
            break;
        }
    }
    if missed > MAX_FALLBACK {
        log::warn!(
            "grub.cfg: {} more fallback names name no new entry",
            missed - MAX_FALLBACK
        );
    }
    menu.fallback = chosen;
}
