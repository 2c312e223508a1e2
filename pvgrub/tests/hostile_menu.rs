//! Menus built to blow up a parser: 1 MiB grub.cfg and menu.lst files whose long strings are
//! inherited by every entry or word, with many entries, words or names, each parsed within a
//! heap and CPU budget (a counting allocator, thread CPU time); and bytes that are not UTF-8
//! or that drive a terminal, kept exactly and shown escaped. Each menu is also written to
//! `target/tmp/hostile/` for `pvgrub-probe`.

mod budget;

use std::sync::Mutex;
use std::time::Duration;

use pvgrub::boot::Disks;
use pvgrub::disk::MemDisk;
use pvgrub::menu::{DefaultEntry, Device, Menu, MenuFormat, Text, MAX_MENU_BYTES};

const MIB: usize = 1 << 20;
/// Heap budget: this many times the menu's size (at most 1.7 measured; the parser before
/// shared strings ran out of 6 GiB on four of these menus and took 55x on tiny entries).
const HEAP_FACTOR: usize = 3;
/// CPU budget for one 1 MiB menu (at most 0.12 s measured).
const CPU: Duration = Duration::from_millis(500);

/// `text` with `unit` appended until `len` bytes would be passed.
fn fill(text: Vec<u8>, unit: &[u8], len: usize) -> Vec<u8> {
    fill_n(text, unit, len).0
}

/// As [`fill`], with the number of `unit`s appended.
fn fill_n(mut text: Vec<u8>, unit: &[u8], len: usize) -> (Vec<u8>, usize) {
    let mut n = 0;
    while text.len() + unit.len() <= len {
        text.extend_from_slice(unit);
        n += 1;
    }
    (text, n)
}

/// Writes `text` to `target/tmp/hostile/NAME` (for pvgrub-probe) and parses it within
/// the budget.
fn parse_within(name: &str, text: &[u8]) -> Menu {
    assert!(text.len() <= MAX_MENU_BYTES);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), text).unwrap();
    let format = MenuFormat::from_path(name);
    let (menu, cost) = budget::measure(|| Menu::parse(text, format));
    let menu = menu.unwrap_or_else(|e| panic!("{name}: {e}"));
    budget::assert_within(name, text.len(), cost, HEAP_FACTOR * text.len(), CPU);
    menu
}

fn long(byte: u8, len: usize) -> Vec<u8> {
    vec![byte; len]
}

#[test]
fn a_long_root_is_stored_once_for_every_entry() {
    let _only = budget::exclusive();
    let name = long(b'r', MIB / 2);
    let mut text = b"set root='(".to_vec();
    text.extend_from_slice(&name);
    text.extend_from_slice(b")'\n");
    let (text, n) = fill_n(text, b"menuentry e {linux /k}\n", MIB);
    let menu = parse_within("long_root.cfg", &text);
    assert_eq!(menu.entries.len(), n);
    let last = menu.entries.get(n - 1).unwrap();
    assert_eq!(last.root, Some(Device::Other(Text::from(name.clone()))));
    assert_eq!(
        last.kernel.unwrap().device,
        Some(Device::Other(name.into()))
    );
}

#[test]
fn a_long_submenu_title_is_stored_once_for_every_entry_in_it() {
    let _only = budget::exclusive();
    let title = long(b's', MIB / 2);
    let mut text = b"submenu '".to_vec();
    text.extend_from_slice(&title);
    text.extend_from_slice(b"' {\n");
    let (mut text, n) = fill_n(text, b"menuentry e {linux /k}\n", MIB - 2);
    text.extend_from_slice(b"}\n");
    let menu = parse_within("long_submenu.cfg", &text);
    assert_eq!(menu.entries.len(), n);
    let last = menu.entries.get(n - 1).unwrap();
    assert_eq!(last.submenus().collect::<Vec<_>>(), [Text::from(title)]);
    assert_eq!(last.title, "e");
}

#[test]
fn a_long_root_then_many_initrd_words() {
    let _only = budget::exclusive();
    let mut text = b"set root='(".to_vec();
    text.extend_from_slice(&long(b'r', MIB / 2));
    text.extend_from_slice(b")'\nmenuentry e {\n linux /k\n initrd");
    let (mut text, n) = fill_n(text, b" i", MIB - 3);
    text.extend_from_slice(b"\n}\n");
    let menu = parse_within("root_initrd_words.cfg", &text);
    let e = menu.entries.get(0).unwrap();
    assert_eq!(e.initrds.len(), n);
    let last = e.initrds.iter().last().unwrap();
    assert_eq!(last.path, "i");
    assert!(matches!(last.device, Some(Device::Other(n)) if n.len() == MIB / 2));
}

#[test]
fn many_tiny_grub_cfg_entries() {
    let _only = budget::exclusive();
    let text = fill(Vec::new(), b"menuentry a{}\n", MIB);
    let menu = parse_within("tiny_entries.cfg", &text);
    assert_eq!(menu.entries.len(), MIB / 14);
    assert_eq!(menu.entries.get(MIB / 14 - 1).unwrap().title, "a");
}

#[test]
fn long_kernel_arguments() {
    let _only = budget::exclusive();
    // Words GRUB 2 re-quotes and escapes (`\ ` is a space: quoted; `\"`: escaped).
    let text = b"menuentry e {\n linux /k".to_vec();
    let mut text = fill(text, b" a \\  \\\"", MIB - 3);
    text.extend_from_slice(b"\n}\n");
    let menu = parse_within("long_args.cfg", &text);
    let args = menu.entries.get(0).unwrap().args;
    assert!(args.starts_with(b"a \" \" \\\" a"), "{args}");
}

#[test]
fn a_long_title_with_escapes() {
    let _only = budget::exclusive();
    let mut text = b"menuentry \"".to_vec();
    let mut text2 = fill(Vec::new(), b"\\\"x", MIB - 64);
    text.append(&mut text2);
    text.extend_from_slice(b"\" {\n linux /k\n}\n");
    let menu = parse_within("escaped_title.cfg", &text);
    let title = menu.entries.get(0).unwrap().title;
    assert_eq!(title.len(), (MIB - 64) / 3 * 2);
    assert!(title.starts_with(b"\"x\"x"));
}

#[test]
fn many_set_variables_and_defaults() {
    let _only = budget::exclusive();
    let text = b"menuentry first --id one {\n linux /k\n}\n".to_vec();
    let mut text = fill(
        text,
        b"set v=abcdefgh\nset default=nope\ninsmod x y z\n",
        MIB - 32,
    );
    text.extend_from_slice(b"set default=one\n");
    let menu = parse_within("set_variables.cfg", &text);
    assert_eq!(menu.default, DefaultEntry::Index(0));
}

#[test]
fn many_fallback_names_are_looked_up_in_an_index() {
    let _only = budget::exclusive();
    let mut text = fill(Vec::new(), b"menuentry e {linux /k}\n", MIB / 2);
    text.extend_from_slice(b"set fallback=\"");
    let mut text = fill(text, b"n ", MIB - 16);
    text.extend_from_slice(b"e 1 2\"\n");
    let menu = parse_within("fallback_names.cfg", &text);
    assert_eq!(menu.fallback, [0, 1, 2]);
}

#[test]
fn a_default_path_against_a_long_shared_title_is_compared_once() {
    let _only = budget::exclusive();
    // Every entry sits in a submenu whose title differs from the default's first component
    // only in its last byte: comparing it per entry would cost entries x title length.
    let mut title = long(b't', MIB / 4);
    let mut text = b"submenu '".to_vec();
    text.extend_from_slice(&title);
    text.extend_from_slice(b"' {\n");
    let mut text = fill(text, b"menuentry e{}\n", MIB * 5 / 8);
    text.extend_from_slice(b"}\nmenuentry last {}\nset default='");
    *title.last_mut().unwrap() = b'u';
    text.extend_from_slice(&title);
    text.extend_from_slice(b">e'\n");
    let menu = parse_within("default_long_path.cfg", &text);
    assert_eq!(
        menu.default,
        DefaultEntry::Named(Text::from([title, b">e".to_vec()].concat()))
    );
}

#[test]
fn menu_lst_long_root_then_many_modules() {
    let _only = budget::exclusive();
    let mut text = b"title t\nroot (fd".to_vec();
    text.extend_from_slice(&long(b'0', MIB / 2));
    text.extend_from_slice(b")\nkernel /k\n");
    let (text, n) = fill_n(text, b"module /m\n", MIB);
    let menu = parse_within("root_modules.lst", &text);
    let e = menu.entries.get(0).unwrap();
    assert_eq!(e.modules.len(), n);
    let (m, _) = e.modules.get(n - 1).unwrap();
    assert!(matches!(m.device, Some(Device::Other(n)) if n.len() == MIB / 2 + 2));
}

#[test]
fn menu_lst_long_root_then_many_kernel_and_initrd_lines() {
    let _only = budget::exclusive();
    let mut text = b"title t\nroot (fd".to_vec();
    text.extend_from_slice(&long(b'0', MIB / 2));
    text.extend_from_slice(b")\n");
    let text = fill(text, b"kernel /k a\ninitrd /i\n", MIB);
    let menu = parse_within("root_kernel_initrd.lst", &text);
    let e = menu.entries.get(0).unwrap();
    assert_eq!(e.initrd().unwrap().path, "/i");
    assert_eq!(e.args, "a");
}

#[test]
fn many_tiny_menu_lst_entries_with_long_titles_between() {
    let _only = budget::exclusive();
    let mut text = b"title ".to_vec();
    text.extend_from_slice(&long(b'x', MIB / 4));
    text.extend_from_slice(b"\tand a tab\nboot\n");
    let (text, n) = fill_n(text, b"title\nboot\n", MIB);
    let menu = parse_within("tiny_entries.lst", &text);
    assert_eq!(menu.entries.len(), n + 1);
    assert!(menu.entries.get(0).unwrap().title.ends_with(b"x and a tab"));
}

#[test]
fn menu_lst_fallback_list_is_bounded() {
    let _only = budget::exclusive();
    let text = b"title a\nkernel /a\nfallback ".to_vec();
    let text = fill(text, b"1 ", MIB);
    let menu = parse_within("fallback.lst", &text);
    // GRUB legacy: a repeated number followed by more voids the command.
    assert!(menu.fallback.is_empty());
}

/// Log records, captured for the tests that check what a warning shows.
static LOGGED: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
        LOGGED.lock().unwrap().push(record.args().to_string());
    }
    fn flush(&self) {}
}

fn logged(during: impl FnOnce()) -> Vec<String> {
    let _ = log::set_logger(&Capture);
    log::set_max_level(log::LevelFilter::Trace);
    LOGGED.lock().unwrap().clear();
    during();
    let out = LOGGED.lock().unwrap().clone();
    log::set_max_level(log::LevelFilter::Off);
    out
}

#[test]
fn titles_and_paths_that_are_not_utf8_round_trip_as_bytes() {
    let _only = budget::exclusive();
    let lst =
        b"title caf\xe9 \xff\nroot (hd0,0)\nkernel /boot/vmlinuz-\xff\xfe ro \xc3\ninitrd /i\xe9\n";
    let e = Menu::parse_menu_lst(lst).unwrap().entries.get(0).unwrap();
    assert_eq!(e.title.as_bytes(), b"caf\xe9 \xff");
    assert_eq!(e.title.to_string(), "caf\\xe9 \\xff");
    let kernel = e.kernel.clone().unwrap();
    assert_eq!(kernel.path.as_bytes(), b"/boot/vmlinuz-\xff\xfe");
    assert_eq!(kernel.to_string(), "(hd0,0)/boot/vmlinuz-\\xff\\xfe");
    assert_eq!(e.args.as_bytes(), b"ro \xc3");
    assert_eq!(e.initrd().unwrap().path.as_bytes(), b"/i\xe9");

    let cfg = b"menuentry 'caf\xe9' --id \xfe {\n linux (hd0,msdos1)/k\xff 'a b\xff'\n initrd /i\xe9 (hd1)/j\n}\nset default=\xfe\n";
    let menu = Menu::parse_grub_cfg(cfg).unwrap();
    assert_eq!(menu.default, DefaultEntry::Index(0));
    let e = menu.entries.get(0).unwrap();
    assert_eq!(e.title.as_bytes(), b"caf\xe9");
    assert_eq!(e.id.unwrap().as_bytes(), b"\xfe");
    assert_eq!(e.kernel.unwrap().path.as_bytes(), b"/k\xff");
    assert_eq!(e.args.as_bytes(), b"\"a b\xff\"");
    let initrds: Vec<String> = e.initrds.iter().map(|f| f.to_string()).collect();
    assert_eq!(initrds, ["/i\\xe9", "(hd1)/j"]);
    assert_eq!(menu.find_entry(b"caf\xe9"), Some(0));
}

#[test]
fn escape_sequences_are_escaped_in_display_and_in_messages() {
    let _only = budget::exclusive();
    let evil = "\x1b[2J\x1b[Hpvgrub-probe:\x07all-good";
    let shown = "\\x1b[2J\\x1b[Hpvgrub-probe:\\x07all-good";
    let cfg = format!(
        "set root='({evil})'\nmenuentry '{evil}' {{\n linux /{evil} {evil}\n}}\nset default='{evil}x'\nset fallback='{evil}y'\n"
    );
    let mut menu = None;
    let logs = logged(|| menu = Some(Menu::parse_grub_cfg(cfg.as_bytes()).unwrap()));
    let menu = menu.unwrap();
    let e = menu.entries.get(0).unwrap();
    assert_eq!(e.title.to_string(), shown);
    assert_eq!(e.title.as_bytes(), evil.as_bytes());
    assert_eq!(e.root.as_ref().unwrap().to_string(), format!("({shown})"));
    assert_eq!(
        e.kernel.as_ref().unwrap().to_string(),
        format!("({shown})/{shown}")
    );
    assert_eq!(e.args.to_string(), shown);
    assert_eq!(format!("{:?}", e.title), format!("\"{shown}\""));
    assert_eq!(
        menu.default,
        DefaultEntry::Named(format!("{evil}x").as_str().into())
    );
    assert!(
        logs.contains(&format!("grub.cfg: fallback `{shown}y` names no new entry")),
        "{logs:?}"
    );
    let lst = format!("{evil}\ntitle {evil}\n");
    let logs = logged(|| drop(Menu::parse_menu_lst(lst.as_bytes()).unwrap()));
    assert_eq!(
        logs,
        [
            format!("menu.lst line 1: unknown command `{shown}` skipped"),
            format!("menu.lst: title `{shown}` has no commands, dropped"),
        ]
    );
    for text in logs.iter() {
        assert!(!text.contains('\x1b'), "{text}");
    }
}

#[test]
fn a_menu_location_keeps_its_bytes() {
    let _only = budget::exclusive();
    let loc =
        pvgrub::menu::MenuLocation::from_cmdline(b"(hd0,0)/boot/m\xff\x1b.cfg", false).unwrap();
    assert_eq!(loc.path().unwrap().as_bytes(), b"/boot/m\xff\x1b.cfg");
    assert_eq!(loc.to_string(), "(hd0,0)/boot/m\\xff\\x1b.cfg");
    assert_eq!(loc.format(), MenuFormat::GrubCfg);
}

#[test]
fn a_kernel_path_from_the_menu_is_read_and_reported_as_bytes() {
    let _only = budget::exclusive();
    let lst = b"title t\nkernel (hd0,0)/boot/\x1b[2J\xff\n";
    let e = Menu::parse_menu_lst(lst).unwrap().entries.get(0).unwrap();
    let kernel = e.kernel.unwrap();
    let mut disks = Disks::new(vec![MemDisk::new(vec![0u8; 1 << 20])]);
    let err = disks
        .read_file(kernel.device.as_ref().unwrap(), &kernel.path, 1 << 20)
        .unwrap_err();
    assert_eq!(err.path, b"/boot/\x1b[2J\xff");
    assert!(
        err.to_string().starts_with("(hd0,0)/boot/\\x1b[2J\\xff: "),
        "{err}"
    );
}
