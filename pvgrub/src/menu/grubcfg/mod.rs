//! The GRUB 2 `grub.cfg` subset pygrub reads, parsed with GRUB 2's own word rules.
//!
//! Understood: `menuentry` and `submenu` blocks (title, `--id`, other options skipped),
//! `linux`/`linux16`, `initrd`/`initrd16`, `set root=`, and at top level `set default=`,
//! `set timeout=`, `set fallback=` (also written as bare `name=value`). `function` bodies are
//! skipped. Like pygrub, `if`/`elif`/`else`/`fi` and loops are not evaluated: the commands of
//! every branch run in order, so the last assignment wins. Everything else (`insmod`,
//! `search`, `load_env`, `echo`, ...) is ignored with a log message.

mod lexer;

use super::device::{split_device, Device, FilePath};
use super::error::{MenuError, MenuErrorKind};
use super::{DefaultEntry, Entry, Menu, MenuFormat, Position};
use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use lexer::{Lexer, Token};

/// Deepest nesting of `{}` blocks accepted.
pub(super) const MAX_DEPTH: usize = 16;
/// Most fallback entries kept, as in GRUB legacy.
const MAX_FALLBACK: usize = 8;

/// Words that only steer control flow: dropped from the front of a command.
const FLOW_PREFIXES: &[&str] = &["then", "else", "do"];
/// Commands whose words are conditions or loop heads: ignored whole.
const FLOW_COMMANDS: &[&str] = &["if", "elif", "fi", "while", "until", "for", "done", "!"];

enum Block {
    Entry(Box<Entry>, Option<Device>),
    Submenu,
    /// A `function` body, or anything inside one.
    Ignored,
}

struct Parser {
    menu: Menu,
    blocks: Vec<(usize, Block)>,
    /// Titles and positions of the open submenus.
    submenus: Vec<(String, Position)>,
    /// Items seen so far at each open menu level (top level first).
    counts: Vec<usize>,
    root: Option<Device>,
    default: Option<String>,
    fallback: Option<String>,
}

fn err(line: usize, kind: MenuErrorKind) -> MenuError {
    MenuError { line, kind }
}

pub(super) fn parse(text: &[u8]) -> Result<Menu, MenuError> {
    let mut p = Parser {
        menu: Menu::empty(MenuFormat::GrubCfg),
        blocks: Vec::new(),
        submenus: Vec::new(),
        counts: alloc::vec![0],
        root: None,
        default: None,
        fallback: None,
    };
    let mut lexer = Lexer::new(text);
    let mut words: Vec<String> = Vec::new();
    let mut start = 0;
    // A block command waiting for its `{` (GRUB 2 allows newlines before it).
    let mut awaiting: Option<(usize, Vec<String>)> = None;
    while let Some((line, token)) = lexer.next_token()? {
        if let Some((at, _)) = &awaiting {
            match token {
                Token::Separator => continue,
                Token::Open => {
                    if let Some((at, head)) = awaiting.take() {
                        p.open(at, &head)?;
                    }
                    continue;
                }
                _ => return Err(err(*at, MenuErrorKind::MissingOpenBrace)),
            }
        }
        match token {
            Token::Word(w) => {
                if words.is_empty() {
                    start = line;
                }
                words.push(w);
            }
            Token::Separator => {
                let cmd = core::mem::take(&mut words);
                if is_block_command(strip_flow(&cmd)) {
                    awaiting = Some((start, cmd));
                } else {
                    p.run(start, strip_flow(&cmd))?;
                }
            }
            Token::Open => {
                let cmd = core::mem::take(&mut words);
                p.open(line, &cmd)?;
            }
            Token::Close => {
                let cmd = core::mem::take(&mut words);
                p.run(start, strip_flow(&cmd))?;
                p.close(line)?;
            }
        }
    }
    if let Some((at, _)) = awaiting {
        return Err(err(at, MenuErrorKind::MissingOpenBrace));
    }
    if is_block_command(strip_flow(&words)) {
        return Err(err(start, MenuErrorKind::MissingOpenBrace));
    }
    p.run(start, strip_flow(&words))?;
    if let Some((line, _)) = p.blocks.first() {
        return Err(err(*line, MenuErrorKind::UnclosedBlock));
    }
    Ok(p.finish())
}

fn strip_flow(mut words: &[String]) -> &[String] {
    while let Some((first, rest)) = words.split_first() {
        if !FLOW_PREFIXES.contains(&first.as_str()) {
            break;
        }
        words = rest;
    }
    words
}

fn is_block_command(words: &[String]) -> bool {
    matches!(
        words.first().map(String::as_str),
        Some("menuentry" | "submenu" | "function")
    )
}

/// `set name=value` or `name=value`, as (name, value).
fn assignment(words: &[String]) -> Option<(&str, &str)> {
    let word = match words.first().map(String::as_str) {
        Some("set") => words.get(1)?,
        Some(w) if w.contains('=') => words.first()?,
        _ => return None,
    };
    let (name, value) = word.split_once('=')?;
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    (!name.is_empty() && name.chars().all(ident)).then_some((name, value))
}

/// Title and `--id` of a `menuentry`/`submenu` command.
fn title_and_id(words: &[String], line: usize) -> Result<(String, Option<String>), MenuError> {
    let (mut title, mut id) = (None, None);
    let mut rest = words.get(1..).unwrap_or(&[]).iter();
    while let Some(word) = rest.next() {
        let word = match word.as_str() {
            "$menuentry_id_option" | "${menuentry_id_option}" => "--id",
            w => w,
        };
        match word {
            "--id" => id = rest.next().cloned(),
            "--class" | "--users" | "--hotkey" | "--source" => {
                rest.next();
            }
            w if w.starts_with("--id=") => id = w.get(5..).map(str::to_string),
            w if w.starts_with("--") => log::debug!("grub.cfg line {line}: option {w} skipped"),
            w if title.is_none() => title = Some(w.to_string()),
            _ => {}
        }
    }
    let title = title.ok_or(err(line, MenuErrorKind::MissingTitle))?;
    Ok((title, id))
}

/// The GRUB 2 kernel command line from the words after the kernel: joined by spaces, a
/// word holding a space double-quoted, `\`, `'` and `"` escaped (`grub_create_loader_cmdline`).
fn loader_cmdline(words: &[String]) -> String {
    let mut out = String::new();
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let quote = word.contains(' ');
        if quote {
            out.push('"');
        }
        for c in word.chars() {
            if matches!(c, '\\' | '\'' | '"') {
                out.push('\\');
            }
            out.push(c);
        }
        if quote {
            out.push('"');
        }
    }
    out
}

fn root_value(value: &str, line: usize) -> Result<Option<Device>, MenuError> {
    if value.is_empty() || value.contains('$') {
        log::info!("grub.cfg line {line}: root `{value}` not known here");
        return Ok(None);
    }
    Device::parse_grub2(value)
        .map(Some)
        .map_err(|e| err(line, MenuErrorKind::BadDevice(e)))
}

fn file_path(word: &str, root: &Option<Device>, line: usize) -> Result<FilePath, MenuError> {
    let bad = |e| err(line, MenuErrorKind::BadDevice(e));
    let (device, path) = split_device(word).map_err(bad)?;
    let device = match device {
        Some(inner) if !inner.starts_with('$') => Some(Device::parse_grub2(inner).map_err(bad)?),
        _ => root.clone(),
    };
    Ok(FilePath {
        device,
        path: path.to_string(),
    })
}

impl Parser {
    fn open(&mut self, line: usize, words: &[String]) -> Result<(), MenuError> {
        if self.blocks.len() >= MAX_DEPTH {
            return Err(err(line, MenuErrorKind::TooDeep));
        }
        let words = strip_flow(words);
        let in_entry = self
            .blocks
            .iter()
            .any(|(_, b)| matches!(b, Block::Entry(..)));
        let block = match words.first().map(String::as_str) {
            _ if matches!(self.blocks.last(), Some((_, Block::Ignored))) => Block::Ignored,
            Some("function") => Block::Ignored,
            Some("menuentry" | "submenu") if in_entry => {
                return Err(err(line, MenuErrorKind::NestedMenuentry))
            }
            Some(cmd @ ("menuentry" | "submenu")) => {
                let (title, id) = title_and_id(words, line)?;
                let count = self
                    .counts
                    .last_mut()
                    .ok_or(err(line, MenuErrorKind::TooDeep))?;
                let position = Position { index: *count, id };
                *count += 1;
                if cmd == "submenu" {
                    self.submenus.push((title, position));
                    self.counts.push(0);
                    Block::Submenu
                } else {
                    let mut entry = Entry::new(title);
                    entry.id.clone_from(&position.id);
                    entry.root.clone_from(&self.root);
                    for (title, pos) in &self.submenus {
                        entry.submenus.push(title.clone());
                        entry.position.push(pos.clone());
                    }
                    entry.position.push(position);
                    Block::Entry(Box::new(entry), self.root.clone())
                }
            }
            _ => return Err(err(line, MenuErrorKind::UnexpectedOpenBrace)),
        };
        self.blocks.push((line, block));
        Ok(())
    }

    fn close(&mut self, line: usize) -> Result<(), MenuError> {
        match self.blocks.pop() {
            None => Err(err(line, MenuErrorKind::UnexpectedCloseBrace)),
            Some((_, Block::Entry(entry, _))) => {
                self.menu.entries.push(*entry);
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

    fn run(&mut self, line: usize, words: &[String]) -> Result<(), MenuError> {
        let Some(cmd) = words.first().map(String::as_str) else {
            return Ok(());
        };
        if FLOW_COMMANDS.contains(&cmd) {
            return Ok(());
        }
        match self.blocks.last_mut() {
            Some((_, Block::Ignored)) => Ok(()),
            Some((_, Block::Entry(entry, root))) => entry_command(entry, root, words, line),
            _ => self.global(words, line),
        }
    }

    fn global(&mut self, words: &[String], line: usize) -> Result<(), MenuError> {
        match assignment(words) {
            Some(("default", v)) => self.default = Some(v.to_string()),
            Some(("fallback", v)) => self.fallback = Some(v.to_string()),
            Some(("timeout", v)) => match v.trim() {
                "-1" => self.menu.timeout = None,
                t => match super::select::parse_decimal(t).and_then(|n| u32::try_from(n).ok()) {
                    Some(n) => self.menu.timeout = Some(n),
                    None => log::warn!("grub.cfg line {line}: bad timeout `{t}` ignored"),
                },
            },
            Some(("root", v)) => self.root = root_value(v, line)?,
            Some((name, _)) => log::debug!("grub.cfg line {line}: variable {name} ignored"),
            None => log::debug!("grub.cfg line {line}: `{}` ignored", words.join(" ")),
        }
        Ok(())
    }

    fn finish(mut self) -> Menu {
        self.menu.default = match self.default.as_deref().map(str::trim) {
            None | Some("") => DefaultEntry::Index(0),
            Some("${saved_entry}" | "$saved_entry") => DefaultEntry::Saved,
            Some(v) if v.contains('$') => {
                log::warn!("grub.cfg: default `{v}` uses a variable; entry 0");
                DefaultEntry::Index(0)
            }
            Some(v) => match self.menu.find_entry(v) {
                Some(i) => DefaultEntry::Index(i),
                None => DefaultEntry::Named(v.to_string()),
            },
        };
        if let Some(list) = self.fallback.take() {
            for name in list.split_ascii_whitespace() {
                match self.menu.find_entry(name) {
                    Some(i) if !self.menu.fallback.contains(&i) => self.menu.fallback.push(i),
                    _ => log::warn!("grub.cfg: fallback `{name}` names no new entry"),
                }
                if self.menu.fallback.len() == MAX_FALLBACK {
                    break;
                }
            }
        }
        self.menu
    }
}

fn entry_command(
    entry: &mut Entry,
    root: &mut Option<Device>,
    words: &[String],
    line: usize,
) -> Result<(), MenuError> {
    let command = match assignment(words) {
        Some(("root", value)) => {
            *root = root_value(value, line)?;
            None
        }
        Some(_) => None,
        None => words.first().map(String::as_str),
    };
    match command {
        Some("linux" | "linux16") => match words.get(1) {
            Some(kernel) => {
                entry.kernel = Some(file_path(kernel, root, line)?);
                entry.args = loader_cmdline(words.get(2..).unwrap_or(&[]));
                entry.root = root.clone();
            }
            None => log::warn!("grub.cfg line {line}: linux without a file"),
        },
        Some("initrd" | "initrd16") => {
            let paths = words.get(1..).unwrap_or(&[]).iter();
            entry.initrds = paths
                .map(|w| file_path(w, root, line))
                .collect::<Result<_, _>>()?;
        }
        Some(cmd) => log::debug!("grub.cfg line {line}: `{cmd}` ignored in an entry"),
        None => {}
    }
    if entry.kernel.is_none() {
        entry.root = root.clone();
    }
    Ok(())
}
