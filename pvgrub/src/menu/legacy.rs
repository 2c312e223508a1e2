//! GRUB legacy (0.97, as in pv-grub) `menu.lst`.
//!
//! GRUB's rules, kept here: a line is read with carriage returns dropped, tabs turned into
//! spaces, a backslash before a newline joining the next line (also inside a comment), and
//! `#` starting a comment only as the first non-blank character. A command name ends at a
//! space or `=`, and its argument starts after any spaces and `=` (`kernel=/vmlinuz` works).
//! Commands before the first `title` are global; unknown commands are skipped; a `title`
//! followed by no known command makes no entry.

use super::device::{grub_number, split_device, Device, FilePath};
use super::error::{MenuError, MenuErrorKind};
use super::{DefaultEntry, Entry, Menu, MenuFormat, Position};
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// GRUB legacy keeps at most this many fallback entries.
const MAX_FALLBACK: usize = 8;

/// Commands pv-grub's GRUB knows (its builtin table). A line with any other command is
/// skipped, and does not count towards making its title an entry.
const BUILTINS: &[&str] = &[
    "background",
    "blocklist",
    "boot",
    "bootp",
    "cat",
    "chainloader",
    "cmp",
    "color",
    "configfile",
    "debug",
    "default",
    "dhcp",
    "fallback",
    "find",
    "foreground",
    "fstest",
    "geometry",
    "halt",
    "help",
    "hiddenmenu",
    "hide",
    "ifconfig",
    "initrd",
    "kernel",
    "lock",
    "makeactive",
    "map",
    "md5crypt",
    "module",
    "modulenounzip",
    "pager",
    "partnew",
    "parttype",
    "password",
    "pause",
    "print",
    "rarp",
    "read",
    "reboot",
    "root",
    "rootnoverify",
    "savedefault",
    "serial",
    "setkey",
    "shade",
    "splashimage",
    "terminal",
    "terminfo",
    "tftpserver",
    "timeout",
    "title",
    "unhide",
    "viewport",
];

/// Logical lines of a menu.lst, GRUB's `get_line_from_config`: yields each non-empty line
/// with the 1-based number of the physical line it starts on.
struct Lines<'a> {
    text: &'a [u8],
    pos: usize,
    line: usize,
}

impl Iterator for Lines<'_> {
    type Item = (usize, String);

    fn next(&mut self) -> Option<(usize, String)> {
        let mut buf: Vec<u8> = Vec::new();
        let (mut literal, mut comment, mut start) = (false, false, self.line);
        while let Some(&byte) = self.text.get(self.pos) {
            self.pos += 1;
            let physical_newline = byte == b'\n';
            let mut c = match byte {
                b'\r' => continue,
                b'\t' => b' ',
                other => other,
            };
            if literal {
                if c == b'\n' {
                    c = b' ';
                    buf.pop();
                }
                literal = false;
            }
            if c == b'\\' {
                literal = true;
            }
            if comment {
                if c == b'\n' {
                    comment = false;
                }
            } else if buf.is_empty() {
                if c == b'#' {
                    comment = true;
                } else if c != b' ' && c != b'\n' {
                    start = self.line;
                    buf.push(c);
                }
            } else if c == b'\n' {
                self.line += 1;
                return Some((start, String::from_utf8_lossy(&buf).into_owned()));
            } else {
                buf.push(c);
            }
            if physical_newline {
                self.line += 1;
            }
        }
        (!buf.is_empty()).then(|| (start, String::from_utf8_lossy(&buf).into_owned()))
    }
}

/// GRUB's `skip_to(after_equal, s)`: past the current word, then past spaces (and `=`).
fn skip_to(after_equal: bool, s: &str) -> &str {
    let sep = |c: char| c == ' ' || (after_equal && c == '=');
    let rest = s.find(sep).map_or("", |i| s.get(i..).unwrap_or(""));
    rest.trim_start_matches(sep)
}

/// The first space-separated word of `s`.
fn first_word(s: &str) -> &str {
    s.split(' ').next().unwrap_or("")
}

/// An entry being read, with the root device in effect.
struct Pending {
    entry: Entry,
    used: bool,
    root: Option<Device>,
}

fn bad_device(line: usize, e: super::DeviceError) -> MenuError {
    MenuError {
        line,
        kind: MenuErrorKind::BadDevice(e),
    }
}

/// A file name: `(device)path` or a path on the root in effect.
fn file_path(word: &str, root: &Option<Device>, line: usize) -> Result<FilePath, MenuError> {
    let (device, path) = split_device(word).map_err(|e| bad_device(line, e))?;
    let device = match device {
        Some(inner) => Some(Device::parse_legacy(inner).map_err(|e| bad_device(line, e))?),
        None => root.clone(),
    };
    Ok(FilePath {
        device,
        path: path.to_string(),
    })
}

pub(super) fn parse(text: &[u8]) -> Result<Menu, MenuError> {
    let mut menu = Menu::empty(MenuFormat::MenuLst);
    let mut pending: Option<Pending> = None;
    let lines = Lines {
        text,
        pos: 0,
        line: 1,
    };
    for (line, cmdline) in lines {
        let name_end = cmdline.find([' ', '=']).unwrap_or(cmdline.len());
        let name = cmdline.get(..name_end).unwrap_or("");
        let arg = skip_to(true, &cmdline);
        if !BUILTINS.contains(&name) {
            log::warn!("menu.lst line {line}: unknown command `{name}` skipped");
            continue;
        }
        if name == "title" {
            finish(&mut menu, pending.take());
            pending = Some(Pending {
                entry: Entry::new(arg.trim_end().to_string()),
                used: false,
                root: None,
            });
            continue;
        }
        match pending.as_mut() {
            None => global(&mut menu, name, arg, line),
            Some(p) => {
                p.used = true;
                entry_command(p, name, arg, line)?;
            }
        }
    }
    finish(&mut menu, pending);
    Ok(menu)
}

fn finish(menu: &mut Menu, pending: Option<Pending>) {
    let Some(mut p) = pending else { return };
    if !p.used {
        log::info!(
            "menu.lst: title `{}` has no commands, dropped",
            p.entry.title
        );
        return;
    }
    if p.entry.kernel.is_none() {
        p.entry.root = p.root;
    }
    p.entry.position.push(Position {
        index: menu.entries.len(),
        id: None,
    });
    menu.entries.push(p.entry);
}

fn global(menu: &mut Menu, name: &str, arg: &str, line: usize) {
    match name {
        "default" if arg.trim_end() == "saved" => menu.default = DefaultEntry::Saved,
        "default" => match grub_number(arg) {
            Some((n, _)) => menu.default = DefaultEntry::Index(n as usize),
            None => log::warn!("menu.lst line {line}: bad default `{arg}` ignored"),
        },
        "timeout" => match grub_number(arg) {
            Some((n, _)) => menu.timeout = Some(n),
            None => log::warn!("menu.lst line {line}: bad timeout `{arg}` ignored"),
        },
        "fallback" => match parse_fallback(arg) {
            Some(list) => menu.fallback = list,
            None => log::warn!("menu.lst line {line}: bad fallback `{arg}` ignored"),
        },
        "hiddenmenu" => menu.hidden = true,
        "password" => menu.password = true,
        _ => log::debug!("menu.lst line {line}: `{name}` ignored"),
    }
}

/// GRUB's `fallback_func`: numbers separated by spaces, at most 8. A repeated number is
/// dropped, but GRUB then fails on whatever follows it, which voids the whole command.
fn parse_fallback(mut arg: &str) -> Option<Vec<usize>> {
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

fn entry_command(p: &mut Pending, name: &str, arg: &str, line: usize) -> Result<(), MenuError> {
    match name {
        "root" | "rootnoverify" if arg.is_empty() => {}
        "root" | "rootnoverify" => {
            let (device, _) = split_device(arg).map_err(|e| bad_device(line, e))?;
            let inner = device.ok_or(bad_device(line, super::DeviceError::Empty))?;
            p.root = Some(Device::parse_legacy(inner).map_err(|e| bad_device(line, e))?);
        }
        "kernel" => {
            let mut arg = arg;
            while arg.starts_with("--type=") || arg.starts_with("--no-mem-option") {
                arg = skip_to(false, arg);
            }
            let word = first_word(arg);
            if word.is_empty() {
                log::warn!("menu.lst line {line}: kernel without a file");
                return Ok(());
            }
            p.entry.kernel = Some(file_path(word, &p.root, line)?);
            p.entry.args = skip_to(false, arg).trim_end().to_string();
            p.entry.root = p.root.clone();
        }
        // pv-grub: a new initrd replaces the modules, a module replaces the initrd.
        "initrd" if !arg.is_empty() => {
            let initrd = file_path(first_word(arg), &p.root, line)?;
            p.entry.modules.clear();
            p.entry.initrds = alloc::vec![initrd];
        }
        "module" | "modulenounzip" if !arg.is_empty() => {
            let module = file_path(first_word(arg), &p.root, line)?;
            p.entry.initrds.clear();
            let cmdline = skip_to(false, arg).trim_end().to_string();
            p.entry.modules.push((module, cmdline));
        }
        "savedefault" => p.entry.savedefault = true,
        "password" | "lock" => p.entry.locked = true,
        _ => log::debug!("menu.lst line {line}: `{name}` has no effect here"),
    }
    Ok(())
}
