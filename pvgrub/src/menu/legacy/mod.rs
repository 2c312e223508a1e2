//! GRUB legacy (0.97, as in pv-grub) `menu.lst`.
//!
//! GRUB's rules, kept here: a line is read with carriage returns dropped, tabs turned into
//! spaces, a backslash before a newline joining the next line (also inside a comment), and
//! `#` starting a comment only as the first non-blank character. A command name ends at a
//! space or `=`, and its argument starts after any spaces and `=` (`kernel=/vmlinuz` works).
//! Commands before the first `title` are global; unknown commands are skipped; a `title`
//! followed by no known command makes no entry.

use super::device::{grub_number, parse_legacy, split_device};
use super::error::{DeviceError, MenuError, MenuErrorKind};
use super::store::{self, Dev, EntryRec, Store};
use super::{DefaultEntry, Menu, MenuFormat};
use crate::text::escape;
use alloc::vec::Vec;
use lines::Lines;

mod lines;

/// GRUB legacy keeps at most this many fallback entries.
const MAX_FALLBACK: usize = 8;

/// Commands pv-grub's GRUB knows (its builtin table). A line with any other command is
/// skipped, and does not count towards making its title an entry.
const BUILTINS: &[&[u8]] = &[
    b"background",
    b"blocklist",
    b"boot",
    b"bootp",
    b"cat",
    b"chainloader",
    b"cmp",
    b"color",
    b"configfile",
    b"debug",
    b"default",
    b"dhcp",
    b"fallback",
    b"find",
    b"foreground",
    b"fstest",
    b"geometry",
    b"halt",
    b"help",
    b"hiddenmenu",
    b"hide",
    b"ifconfig",
    b"initrd",
    b"kernel",
    b"lock",
    b"makeactive",
    b"map",
    b"md5crypt",
    b"module",
    b"modulenounzip",
    b"pager",
    b"partnew",
    b"parttype",
    b"password",
    b"pause",
    b"print",
    b"rarp",
    b"read",
    b"reboot",
    b"root",
    b"rootnoverify",
    b"savedefault",
    b"serial",
    b"setkey",
    b"shade",
    b"splashimage",
    b"terminal",
    b"terminfo",
    b"tftpserver",
    b"timeout",
    b"title",
    b"unhide",
    b"viewport",
];

/// GRUB's `skip_to(after_equal, s)`: past the current word, then past spaces (and `=`).
fn skip_to(after_equal: bool, s: &[u8]) -> &[u8] {
    let sep = |c: &u8| *c == b' ' || (after_equal && *c == b'=');
    let rest = s
        .iter()
        .position(sep)
        .map_or(&[][..], |i| s.get(i..).unwrap_or(&[]));
    let skip = rest.iter().take_while(|c| sep(c)).count();
    rest.get(skip..).unwrap_or(&[])
}

/// The first space-separated word of `s`.
fn first_word(s: &[u8]) -> &[u8] {
    s.split(|&b| b == b' ').next().unwrap_or(&[])
}

/// An entry being read, with the root device in effect.
struct Pending {
    entry: EntryRec,
    used: bool,
    root: Option<Dev>,
}

fn bad_device(line: usize, e: DeviceError) -> MenuError {
    MenuError {
        line,
        kind: MenuErrorKind::BadDevice(e),
    }
}

/// How a file name is stored (`(device)path` or a path on the root in effect), after
/// checking its device.
fn file_mode(word: &[u8], line: usize) -> Result<u8, MenuError> {
    match split_device(word).map_err(|e| bad_device(line, e))? {
        (Some(inner), _) => {
            parse_legacy(word.get(inner).unwrap_or(&[])).map_err(|e| bad_device(line, e))?;
            Ok(store::LEGACY_DEVICE)
        }
        (None, _) => Ok(store::BARE),
    }
}

/// Parses `text` into `store`; the menu's entries are then read from the store.
pub(super) fn parse(text: &[u8], mut store: Store) -> Result<(Store, Menu), MenuError> {
    let mut menu = Menu::empty(MenuFormat::MenuLst);
    let mut pending: Option<Pending> = None;
    let mut lines = Lines::new(text);
    while let Some((line, cmdline)) = lines.next_line() {
        let name_end = cmdline
            .iter()
            .position(|&b| b == b' ' || b == b'=')
            .unwrap_or(cmdline.len());
        let name = cmdline.get(..name_end).unwrap_or(&[]);
        let arg = skip_to(true, cmdline);
        if !BUILTINS.contains(&name) {
            note!(
                store,
                warn,
                "menu.lst line {line}: unknown command `{}` skipped",
                escape(name)
            );
            continue;
        }
        if name == b"title" {
            finish(&mut store, pending.take());
            let title = store.put(arg.trim_ascii_end());
            pending = Some(Pending {
                entry: EntryRec {
                    title,
                    ..EntryRec::default()
                },
                used: false,
                root: None,
            });
            continue;
        }
        match pending.as_mut() {
            None => global(&mut menu, &store, name, arg, line),
            Some(p) => {
                p.used = true;
                entry_command(&mut store, p, name, arg, line)?;
            }
        }
    }
    finish(&mut store, pending);
    Ok((store, menu))
}

fn finish(store: &mut Store, pending: Option<Pending>) {
    let Some(mut p) = pending else { return };
    if !p.used {
        let title = store.bytes().get(p.entry.title.range()).unwrap_or(&[]);
        note!(
            store,
            info,
            "menu.lst: title `{}` has no commands, dropped",
            escape(title)
        );
        return;
    }
    if p.entry.kernel.is_none() {
        p.entry.root = p.root;
    }
    p.entry.index = u32::try_from(store.entry_count()).unwrap_or(u32::MAX);
    store.entry(&p.entry);
}

fn global(menu: &mut Menu, store: &Store, name: &[u8], arg: &[u8], line: usize) {
    match name {
        b"default" if arg.trim_ascii_end() == b"saved" => menu.default = DefaultEntry::Saved,
        b"default" => match grub_number(arg) {
            Some((n, _)) => menu.default = DefaultEntry::Index(n as usize),
            None => note!(
                store,
                warn,
                "menu.lst line {line}: bad default `{}` ignored",
                escape(arg)
            ),
        },
        b"timeout" => match grub_number(arg) {
            Some((n, _)) => menu.timeout = Some(n),
            None => note!(
                store,
                warn,
                "menu.lst line {line}: bad timeout `{}` ignored",
                escape(arg)
            ),
        },
        b"fallback" => match parse_fallback(arg) {
            Some(list) => menu.fallback = list,
            None => note!(
                store,
                warn,
                "menu.lst line {line}: bad fallback `{}` ignored",
                escape(arg)
            ),
        },
        b"hiddenmenu" => menu.hidden = true,
        b"password" => menu.password = true,
        _ => note!(
            store,
            debug,
            "menu.lst line {line}: `{}` ignored",
            escape(name)
        ),
    }
}

/// GRUB's `fallback_func`: numbers separated by spaces, at most 8. A repeated number is
/// dropped, but GRUB then fails on whatever follows it, which voids the whole command.
fn parse_fallback(mut arg: &[u8]) -> Option<Vec<usize>> {
    let mut list = Vec::new();
    while !arg.is_empty() {
        let (n, rest) = grub_number(arg)?;
        let n = n as usize;
        if list.contains(&n) {
            if rest.is_empty() {
                break;
            }
            return None;
        }
        list.push(n);
        if list.len() == MAX_FALLBACK {
            break;
        }
        arg = skip_to(false, rest);
    }
    Some(list)
}

fn entry_command(
    store: &mut Store,
    p: &mut Pending,
    name: &[u8],
    arg: &[u8],
    line: usize,
) -> Result<(), MenuError> {
    match name {
        b"root" | b"rootnoverify" if arg.is_empty() => {}
        b"root" | b"rootnoverify" => {
            let (device, _) = split_device(arg).map_err(|e| bad_device(line, e))?;
            let inner = device.ok_or(bad_device(line, DeviceError::Empty))?;
            let inner = arg.get(inner).unwrap_or(&[]);
            let parsed = parse_legacy(inner).map_err(|e| bad_device(line, e))?;
            p.root = Some(store.device(parsed, inner));
        }
        b"kernel" => {
            let mut arg = arg;
            while arg.starts_with(b"--type=") || arg.starts_with(b"--no-mem-option") {
                arg = skip_to(false, arg);
            }
            let word = first_word(arg);
            if word.is_empty() {
                note!(store, warn, "menu.lst line {line}: kernel without a file");
                return Ok(());
            }
            let mode = file_mode(word, line)?;
            let list = store.list(p.root);
            store.file(mode, word);
            p.entry.kernel = Some(list);
            p.entry.args = store.put(skip_to(false, arg).trim_ascii_end());
            p.entry.root = p.root;
        }
        // pv-grub: a new initrd replaces the modules, a module replaces the initrd.
        b"initrd" if !arg.is_empty() => {
            let word = first_word(arg);
            let mode = file_mode(word, line)?;
            let list = store.list(p.root);
            store.file(mode, word);
            p.entry.modules = 0;
            p.entry.initrds = Some((list, 1));
        }
        b"module" | b"modulenounzip" if !arg.is_empty() => {
            let word = first_word(arg);
            let mode = file_mode(word, line)?;
            p.entry.initrds = None;
            let cmdline = skip_to(false, arg).trim_ascii_end();
            p.entry.modules = store.module(p.entry.modules, p.root, (mode, word), cmdline);
        }
        b"savedefault" => p.entry.savedefault = true,
        b"password" | b"lock" => p.entry.locked = true,
        _ => note!(
            store,
            debug,
            "menu.lst line {line}: `{}` has no effect here",
            escape(name)
        ),
    }
    Ok(())
}
