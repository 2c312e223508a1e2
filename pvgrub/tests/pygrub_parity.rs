//! Parity with pygrub (Xen 4.17, Debian's xen-utils-4.17), run on the same menu files.
//!
//! For each menu.lst and grub.cfg in tests/menu/ (written for these tests) and the example
//! menu.lst of Debian's grub-legacy package, pygrub's own parser and selection run beside
//! ours. Where they must agree, the test asserts the same entries (titles, kernels, initrds,
//! arguments) and the same chosen kernel, initrd and arguments. Where pygrub is wrong or we
//! differ on purpose, the difference is asserted explicitly (see DIFFERENCES below).
//!
//! DIFFERENCES (each has a test here):
//! - default past the end with a valid `fallback`: GRUB legacy boots the fallback, pygrub 0.
//! - `default 0x1`: GRUB reads hex (1), pygrub's int() fails and boots 0.
//! - a `title` with no commands makes no entry in GRUB legacy; pygrub keeps it (mid-file).
//! - backslash-newline joins lines in GRUB legacy; pygrub reads the lines separately.
//! - tabs: GRUB legacy turns them into spaces (titles too); pygrub keeps them in titles.
//! - `kernel --type=... --no-mem-option FILE`: GRUB skips the options; pygrub takes the
//!   first option as the kernel file.
//! - `(hd0,2,a)`: pygrub raises on BSD slices; GRUB legacy (and we) accept them.
//! - grub.cfg `linux` arguments: GRUB 2 passes words joined by single spaces; pygrub keeps
//!   the text as written (Debian's `ro  quiet` keeps two spaces).
//! - grub.cfg partitions: GRUB 2 numbers from 1 (`msdos1`); we store GRUB legacy numbering
//!   (0), pygrub keeps 1.
//! - grub.cfg default given as a title or `submenu>entry` path: GRUB 2 boots that entry;
//!   pygrub 4.17 turns any non-number into 0.
//! - grub.cfg numeric default counts top-level items, a submenu being one (GRUB 2); pygrub
//!   counts the flattened list.
//! - grub.cfg quoting: titles with `\"` or `'\''` are unquoted by GRUB 2 rules; pygrub's
//!   regular expression cuts them short or keeps the escapes.
//! - grub.cfg `{` on the next line, several commands on one line with `;`, `name=value`
//!   without `set`: GRUB 2 accepts them; pygrub fails or ignores them.

#[path = "menu/pygrub.rs"]
mod pygrub;

use pvgrub::menu::{DefaultEntry, Device, Menu, MenuFormat, Text};
use pygrub::PyMenu;
use std::path::{Path, PathBuf};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/menu")
        .join(rel)
}

fn ours(path: &Path) -> Menu {
    let format = MenuFormat::from_path(path.to_string_lossy().as_bytes());
    let text = std::fs::read(path).unwrap();
    Menu::parse(&text, format).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn theirs(path: &Path) -> PyMenu {
    let grub2 = path.extension().is_some_and(|e| e == "cfg");
    pygrub::run(path, grub2).unwrap_or_else(|e| panic!("pygrub on {}: {e}", path.display()))
}

/// The exact bytes of `t` as a `String` (the menus here are UTF-8, as pygrub's output is).
fn s(t: &Text) -> String {
    t.to_str().expect("UTF-8 text").to_string()
}

/// What we boot: (index, kernel path, first initrd path, args).
fn chosen(menu: &Menu) -> (usize, String, Option<String>, String) {
    let i = menu.default_index(None).expect("an entry to boot");
    let e = &menu.entries.get(i).unwrap();
    let kernel = s(&e.kernel.as_ref().expect("a kernel").path);
    (i, kernel, e.initrd().map(|p| s(&p.path)), s(&e.args))
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Asserts the same entries and the same choice; `args` compares arguments exactly or,
/// for grub.cfg, word by word.
fn assert_same(path: &Path, exact_args: bool) -> (Menu, PyMenu) {
    let (menu, py) = (ours(path), theirs(path));
    let name = path.display();
    let titles: Vec<String> = menu.entries.iter().map(|e| s(&e.title)).collect();
    let py_titles: Vec<&str> = py.entries.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(titles, py_titles, "{name}: titles");
    for (e, p) in menu.entries.iter().zip(&py.entries) {
        assert_eq!(e.kernel.as_ref().map(|k| s(&k.path)), p.kernel, "{name}");
        assert_eq!(e.initrd().map(|k| s(&k.path)), p.initrd, "{name}");
        let py_args = p.args.clone().unwrap_or_default();
        if exact_args {
            assert_eq!(e.args, py_args, "{name}: args of {}", e.title);
        } else {
            assert_eq!(e.args, squash(&py_args), "{name}: args of {}", e.title);
        }
        let root = e.root.as_ref().map(|d| match d {
            Device::Disk {
                drive, partition, ..
            } => {
                let grub2 = menu.format == MenuFormat::GrubCfg;
                (*drive, partition.map(|p| if grub2 { p + 1 } else { p }))
            }
            other => panic!("{name}: unexpected root {other}"),
        });
        assert_eq!(root, p.root, "{name}: root of {}", e.title);
    }
    let (index, kernel, initrd, args) = chosen(&menu);
    assert_eq!(index, py.default, "{name}: default");
    assert_eq!(kernel, py.kernel, "{name}: chosen kernel");
    assert_eq!(initrd, py.ramdisk, "{name}: chosen initrd");
    let py_args = if exact_args {
        py.args.clone()
    } else {
        squash(&py.args)
    };
    assert_eq!(args, py_args, "{name}: chosen args");
    (menu, py)
}

#[test]
fn menu_lst_files_agree_with_pygrub() {
    for f in [
        "basic.lst",
        "saved.lst",
        "root_inherit.lst",
        "comments_crlf.lst",
        "unknown.lst",
    ] {
        assert_same(&data(&format!("lst/{f}")), true);
    }
}

#[test]
fn saved_default_is_entry_zero_without_a_record_like_pygrub() {
    let (menu, py) = assert_same(&data("lst/saved.lst"), true);
    assert_eq!(menu.default, DefaultEntry::Saved);
    assert_eq!(py.default, 0);
    // With a `default` file recording entry 1, pv-grub boots entry 1; pygrub cannot know.
    let saved = pvgrub::menu::saved_default_value(b"1\n");
    assert_eq!(menu.default_index(saved), Some(1));
    assert_eq!(menu.boot_order(saved), vec![1]);
}

#[test]
fn fallback_replaces_a_default_past_the_end_unlike_pygrub() {
    let path = data("lst/fallback_range.lst");
    let (menu, py) = (ours(&path), theirs(&path));
    assert_eq!(menu.entries.len(), py.entries.len());
    assert_eq!(menu.default, DefaultEntry::Index(7));
    assert_eq!(menu.boot_order(None), vec![2, 1]);
    assert_eq!(chosen(&menu).1, "/boot/k2");
    assert_eq!(py.default, 0, "pygrub ignores fallback and boots entry 0");
    assert_eq!(py.kernel, "/boot/k0");
}

#[test]
fn hex_default_is_read_as_grub_does_unlike_pygrub() {
    let path = data("lst/hex_default.lst");
    let (menu, py) = (ours(&path), theirs(&path));
    assert_eq!(chosen(&menu).1, "/k1");
    assert_eq!(py.kernel, "/k0");
}

#[test]
fn title_without_commands_is_dropped_unlike_pygrub() {
    let path = data("lst/empty_title.lst");
    let (menu, py) = (ours(&path), theirs(&path));
    let titles: Vec<String> = menu.entries.iter().map(|e| s(&e.title)).collect();
    assert_eq!(titles, ["real one", "real two"]);
    assert_eq!(py.entries.len(), 3);
    assert_eq!(py.entries[0].title, "has nothing");
    // "default 1" therefore names different entries.
    assert_eq!(chosen(&menu).1, "/boot/vmlinuz-two");
    assert_eq!(py.kernel, "/boot/vmlinuz-one");
}

#[test]
fn continuation_lines_join_unlike_pygrub() {
    let path = data("lst/continuation.lst");
    let (menu, py) = (ours(&path), theirs(&path));
    assert_eq!(
        squash(&s(&menu.entries.get(0).unwrap().args)),
        "root=/dev/xvda1 ro console=hvc0"
    );
    assert_eq!(py.args, "root=/dev/xvda1 \\");
    assert_eq!(
        menu.entries.get(0).unwrap().initrd().unwrap().path,
        py.ramdisk.unwrap()
    );
}

#[test]
fn separators_and_tabs() {
    let path = data("lst/separators.lst");
    let (menu, py) = (ours(&path), theirs(&path));
    assert_eq!(menu.timeout, Some(10));
    assert_eq!(menu.entries.get(0).unwrap().title, py.entries[0].title);
    assert_eq!(
        s(&menu.entries.get(1).unwrap().title).replace(' ', "\t"),
        py.entries[1].title
    );
    let (index, kernel, initrd, args) = chosen(&menu);
    assert_eq!(
        (index, kernel, initrd, args),
        (py.default, py.kernel, py.ramdisk, py.args)
    );
    for (e, p) in menu.entries.iter().zip(&py.entries) {
        assert_eq!(e.kernel.as_ref().map(|k| s(&k.path)), p.kernel);
        assert_eq!(Some(s(&e.args)), p.args);
    }
}

#[test]
fn kernel_options_are_skipped_unlike_pygrub() {
    let path = data("lst/kernel_options.lst");
    let (menu, py) = (ours(&path), theirs(&path));
    assert_eq!(chosen(&menu).1, "/boot/vmlinuz");
    assert_eq!(menu.entries.get(0).unwrap().args, "root=/dev/xvda1 ro");
    assert_eq!(py.kernel, "--type=linux");
}

#[test]
fn bsd_slices_parse_where_pygrub_fails() {
    let path = data("lst/bsd_slice.lst");
    let menu = ours(&path);
    let root = menu.entries.get(0).unwrap().root.unwrap();
    assert_eq!(root.to_string(), "(hd0,2,a)");
    let err = pygrub::run(&path, false).unwrap_err();
    assert!(err.starts_with("ValueError"), "{err}");
}

#[test]
fn grub_cfg_files_agree_with_pygrub_word_by_word() {
    assert_same(&data("cfg/debian_style.cfg"), false);
}

#[test]
fn grub_cfg_title_defaults_are_followed_where_pygrub_boots_zero() {
    // pygrub 4.17's default setter int()s the value and falls back to 0, so its
    // title-matching code in image_index() is never reached.
    for (file, title) in [
        (
            "cfg/default_path.cfg",
            "Debian GNU/Linux, with Linux 6.1.0-18-amd64 (recovery mode)",
        ),
        ("cfg/default_title.cfg", "second kernel"),
    ] {
        let path = data(file);
        let (menu, py) = (ours(&path), theirs(&path));
        let titles: Vec<String> = menu.entries.iter().map(|e| s(&e.title)).collect();
        let py_titles: Vec<&str> = py.entries.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(titles, py_titles);
        let (index, kernel, _, args) = chosen(&menu);
        assert_eq!(menu.entries.get(index).unwrap().title, title, "{file}");
        assert_eq!(py.default, 0, "{file}");
        // The entry we pick is the one pygrub lists under that title.
        let listed = &py.entries[index];
        assert_eq!(Some(&kernel), listed.kernel.as_ref());
        assert_eq!(args, squash(listed.args.as_deref().unwrap_or("")));
    }
}

#[test]
fn grub_cfg_args_are_joined_by_single_spaces_unlike_pygrub() {
    let path = data("cfg/debian_style.cfg");
    let (menu, py) = (ours(&path), theirs(&path));
    assert!(py.args.contains("ro  console=hvc0"), "{}", py.args);
    assert!(s(&menu.entries.get(0).unwrap().args).contains("ro console=hvc0"));
    assert_eq!(menu.entries.get(0).unwrap().args, squash(&py.args));
}

#[test]
fn grub_cfg_numeric_default_counts_a_submenu_as_one_item_unlike_pygrub() {
    let path = data("cfg/default_number_submenu.cfg");
    let (menu, py) = (ours(&path), theirs(&path));
    assert_eq!(menu.entries.len(), py.entries.len());
    let (index, kernel, initrd, _) = chosen(&menu);
    assert_eq!(menu.entries.get(index).unwrap().title, "after submenu");
    assert_eq!((kernel.as_str(), initrd.as_deref()), ("/k2", Some("/i2")));
    assert_eq!(py.entries[py.default].title, "inside one");
}

#[test]
fn grub_cfg_quoting_follows_grub2_where_pygrub_cuts_titles() {
    let path = data("cfg/quoting.cfg");
    let (menu, py) = (ours(&path), theirs(&path));
    assert_eq!(
        menu.entries.get(0).unwrap().title,
        "double \"quoted\" title"
    );
    assert_eq!(menu.entries.get(1).unwrap().title, "it's here");
    assert_eq!(menu.entries.get(1).unwrap().id, Some("its-here".into()));
    assert_eq!(py.entries[0].title, "double \\\"quoted\\");
    assert_eq!(py.entries[1].title, "it'\\''s here");
    // Arguments with a quoted space come out as written, and the chosen entry agrees.
    assert_eq!(
        Some(s(&menu.entries.get(0).unwrap().args)),
        py.entries[0].args
    );
    let (_, kernel, initrd, args) = chosen(&menu);
    assert_eq!((kernel, initrd, args), (py.kernel, py.ramdisk, py.args));
}

#[test]
fn grub_cfg_syntax_pygrub_rejects() {
    let next_line = data("cfg/brace_next_line.cfg");
    assert_eq!(chosen(&ours(&next_line)).1, "/boot/vmlinuz");
    assert!(pygrub::run(&next_line, true).is_err());

    let semicolons = data("cfg/semicolons.cfg");
    let menu = ours(&semicolons);
    assert_eq!(menu.timeout, Some(4));
    let titles: Vec<String> = menu.entries.iter().map(|e| s(&e.title)).collect();
    assert_eq!(titles, ["a", "b"]);
    let b = &menu.entries.get(chosen(&menu).0).unwrap();
    assert_eq!(b.kernel.as_ref().unwrap().to_string(), "(hd1)/kb");
    assert_eq!(b.args, "b=2");
    let initrds: Vec<String> = b.initrds.iter().map(|p| p.to_string()).collect();
    assert_eq!(initrds, ["(hd1)/ib1", "(hd1)/ib2"]);
    assert!(pygrub::run(&semicolons, true).is_err());

    let bare = data("cfg/bare_assignment.cfg");
    let (menu, py) = (ours(&bare), theirs(&bare));
    assert_eq!(chosen(&menu).1, "/k1");
    assert_eq!(menu.timeout, Some(2));
    assert_eq!(py.kernel, "/k0", "pygrub ignores `default=1` without `set`");
}

/// The example menu.lst of Debian's grub-legacy package: pygrub fails on its BSD slices;
/// with those rewritten to plain partitions and the `--type=` kernel options dropped (both
/// differences tested above), both read the same entries and choice.
#[test]
fn grub_legacy_example_menu() {
    let example = pygrub::root().join("usr/share/doc/grub-legacy/examples/menu.lst");
    let text = std::fs::read_to_string(&example).unwrap();
    let menu = ours(&example);
    let titles = text.lines().filter(|l| l.starts_with("title")).count();
    assert_eq!(menu.entries.len(), titles);
    assert_eq!(menu.timeout, Some(30));
    assert_eq!(menu.boot_order(None), vec![0, 1]);
    assert!(pygrub::run(&example, false).is_err());

    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("grub-legacy-example");
    std::fs::create_dir_all(&dir).unwrap();
    let plain = dir.join("menu.lst");
    std::fs::write(
        &plain,
        text.replace(",a)", ")").replace("--type=netbsd ", ""),
    )
    .unwrap();
    assert_same(&plain, true);
}
