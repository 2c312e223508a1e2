//! One grub.cfg command, word by word: its first words decide what the others are for, and
//! each word is used (stored, checked) or dropped as it comes.

use super::head::{Head, HeadKind};
use super::{err, Block, Parser};
use crate::menu::device::{parse_grub2, split_device};
use crate::menu::error::{DeviceError, MenuError, MenuErrorKind};
use crate::menu::store::{self, Dev, Store};
use crate::text::escape;

/// Words that only steer control flow: dropped from the front of a command.
const FLOW_PREFIXES: &[&[u8]] = &[b"then", b"else", b"do"];
/// Commands whose words are conditions or loop heads: ignored whole.
const FLOW_COMMANDS: &[&[u8]] = &[
    b"if", b"elif", b"fi", b"while", b"until", b"for", b"done", b"!",
];

enum Kind {
    /// No word yet (or only flow prefixes).
    Empty,
    /// Its other words do not matter: a flow command, an ignored one, or one that ran.
    Done,
    /// `set`: the next word is `name=value`.
    Set,
    Head(Head),
    /// `linux` in an entry: its kernel list, and where its arguments start.
    Linux {
        kernel: Option<u32>,
        args: Option<u32>,
    },
    /// `initrd` in an entry: its list and how many files so far.
    Initrd {
        list: u32,
        count: u32,
    },
}

/// Where a command runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Ignored,
    Entry,
    Global,
}

/// The command being read.
pub(super) struct Command {
    /// The line of its first word.
    line: usize,
    started: bool,
    kind: Kind,
    /// It is a command of an entry (after which the entry's root follows the root in effect
    /// while it has no kernel).
    in_entry: bool,
}

impl Command {
    pub(super) fn new() -> Command {
        Command {
            line: 0,
            started: false,
            kind: Kind::Empty,
            in_entry: false,
        }
    }

    /// The block command this is, with its line; else the command itself.
    pub(super) fn into_head(self) -> Result<(usize, Head), Command> {
        match self.kind {
            Kind::Head(head) => Ok((self.line, head.finish())),
            _ => Err(self),
        }
    }
}

/// `name=value` with `name` an identifier.
fn assignment(word: &[u8]) -> Option<(&[u8], &[u8])> {
    let eq = word.iter().position(|&b| b == b'=')?;
    let (name, value) = (word.get(..eq)?, word.get(eq + 1..)?);
    let ident = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_';
    (!name.is_empty() && name.iter().all(ident)).then_some((name, value))
}

/// The value of `set root=`: a device, or `None` for one not known here.
pub(super) fn root_value(
    store: &mut Store,
    value: &[u8],
    line: usize,
) -> Result<Option<Dev>, MenuError> {
    if value.is_empty() || value.contains(&b'$') {
        note!(
            store,
            info,
            "grub.cfg line {line}: root `{}` not known here",
            escape(value)
        );
        return Ok(None);
    }
    let parsed = parse_grub2(value).map_err(|e| err(line, MenuErrorKind::BadDevice(e)))?;
    Ok(Some(store.device(parsed, value)))
}

/// How a file word is stored, after checking its device.
fn file_mode(word: &[u8]) -> Result<u8, DeviceError> {
    match split_device(word)? {
        (None, _) => Ok(store::BARE),
        (Some(inner), _) => {
            let inner = word.get(inner).unwrap_or(&[]);
            if inner.starts_with(b"$") {
                return Ok(store::VARIABLE_DEVICE);
            }
            parse_grub2(inner)?;
            Ok(store::GRUB2_DEVICE)
        }
    }
}

/// Appends `word` to a kernel command line as GRUB 2 does (`grub_create_loader_cmdline`):
/// double-quoted if it holds a space, `\`, `'` and `"` escaped.
fn cmdline_word(store: &mut Store, word: &[u8]) {
    let quote = word.contains(&b' ');
    if quote {
        store.put(b"\"");
    }
    for run in word.split_inclusive(|b| matches!(b, b'\\' | b'\'' | b'"')) {
        match run.split_last() {
            Some((&last, head)) if matches!(last, b'\\' | b'\'' | b'"') => {
                store.put(head);
                store.put(&[b'\\', last]);
            }
            _ => {
                store.put(run);
            }
        }
    }
    if quote {
        store.put(b"\"");
    }
}

impl Parser {
    fn context(&self) -> Context {
        match self.blocks.last() {
            Some((_, Block::Ignored)) => Context::Ignored,
            Some((_, Block::Entry(..))) => Context::Entry,
            _ => Context::Global,
        }
    }

    /// The root in effect in the open entry.
    fn entry_root(&self) -> Option<Dev> {
        match self.blocks.last() {
            Some((_, Block::Entry(_, root))) => *root,
            _ => None,
        }
    }

    /// Handles the next word of `cmd`.
    pub(super) fn word(
        &mut self,
        cmd: &mut Command,
        line: usize,
        w: &[u8],
    ) -> Result<(), MenuError> {
        if !cmd.started {
            cmd.started = true;
            cmd.line = line;
        }
        let at = cmd.line;
        match &mut cmd.kind {
            Kind::Empty => self.first_word(cmd, w)?,
            Kind::Done => {}
            Kind::Set => {
                cmd.kind = Kind::Done;
                match assignment(w) {
                    Some((name, value)) => self.assign(name, value, at)?,
                    None => note!(
                        self.store,
                        debug,
                        "grub.cfg line {at}: `set {}` ignored",
                        escape(w)
                    ),
                }
            }
            Kind::Head(head) => head.word(&mut self.store, w, line),
            Kind::Linux { kernel, args } => match kernel {
                None => {
                    let mode = file_mode(w).map_err(|e| err(at, MenuErrorKind::BadDevice(e)))?;
                    *kernel = Some(self.store.list(self.entry_root()));
                    self.store.file(mode, w);
                }
                Some(_) => {
                    match args {
                        None => *args = Some(self.store.here()),
                        Some(_) => {
                            self.store.put(b" ");
                        }
                    }
                    cmdline_word(&mut self.store, w);
                }
            },
            Kind::Initrd { count, .. } => {
                let mode = file_mode(w).map_err(|e| err(at, MenuErrorKind::BadDevice(e)))?;
                self.store.file(mode, w);
                *count = count.saturating_add(1);
            }
        }
        Ok(())
    }

    fn first_word(&mut self, cmd: &mut Command, w: &[u8]) -> Result<(), MenuError> {
        if FLOW_PREFIXES.contains(&w) {
            return Ok(());
        }
        let context = self.context();
        let head = |kind| Kind::Head(Head::new(kind, context == Context::Global));
        cmd.kind = match w {
            _ if FLOW_COMMANDS.contains(&w) => Kind::Done,
            b"menuentry" => head(HeadKind::Menuentry),
            b"submenu" => head(HeadKind::Submenu),
            b"function" => Kind::Head(Head::new(HeadKind::Function, false)),
            _ if context == Context::Ignored => Kind::Done,
            b"set" => Kind::Set,
            _ => {
                if let Some((name, value)) = assignment(w) {
                    self.assign(name, value, cmd.line)?;
                    Kind::Done
                } else if context == Context::Entry {
                    self.entry_command(w)
                } else {
                    note!(
                        self.store,
                        debug,
                        "grub.cfg line {}: `{}` ignored",
                        cmd.line,
                        escape(w)
                    );
                    Kind::Done
                }
            }
        };
        cmd.in_entry = context == Context::Entry
            && !matches!(cmd.kind, Kind::Head(_))
            && !FLOW_COMMANDS.contains(&w);
        Ok(())
    }

    fn entry_command(&mut self, w: &[u8]) -> Kind {
        match w {
            b"linux" | b"linux16" => Kind::Linux {
                kernel: None,
                args: None,
            },
            b"initrd" | b"initrd16" => Kind::Initrd {
                list: self.store.list(self.entry_root()),
                count: 0,
            },
            _ => {
                note!(
                    self.store,
                    debug,
                    "grub.cfg: `{}` ignored in an entry",
                    escape(w)
                );
                Kind::Done
            }
        }
    }

    /// `name=value`, in the open entry or at top level.
    fn assign(&mut self, name: &[u8], value: &[u8], line: usize) -> Result<(), MenuError> {
        if self.context() != Context::Entry {
            return self.global(name, value, line);
        }
        if name == b"root" {
            let root = root_value(&mut self.store, value, line)?;
            if let Some((_, Block::Entry(_, r))) = self.blocks.last_mut() {
                *r = root;
            }
        }
        Ok(())
    }

    /// Ends `cmd`: what it set takes effect.
    pub(super) fn end(&mut self, cmd: Command) -> Result<(), MenuError> {
        let line = cmd.line;
        let span = |store: &Store, start: Option<u32>| start.map(|s| store.since(s));
        let args = match &cmd.kind {
            Kind::Linux { args, .. } => span(&self.store, *args),
            _ => None,
        };
        let Some((_, Block::Entry(entry, root))) = self.blocks.last_mut() else {
            return Ok(());
        };
        match cmd.kind {
            Kind::Linux {
                kernel: Some(list), ..
            } => {
                entry.kernel = Some(list);
                entry.args = args.unwrap_or_default();
                entry.root = *root;
            }
            Kind::Linux { kernel: None, .. } => {
                note!(
                    self.store,
                    warn,
                    "grub.cfg line {line}: linux without a file"
                )
            }
            Kind::Initrd { list, count } => entry.initrds = Some((list, count)),
            _ => {}
        }
        if cmd.in_entry && entry.kernel.is_none() {
            entry.root = *root;
        }
        Ok(())
    }
}
