//! Menu parsing on the host: GRUB legacy and GRUB 2 rules, errors with line numbers, menu
//! locations from the pv-grub command line, saved defaults (grubenv written by Debian's
//! grub-editenv). Expected values come from GRUB's documented and coded behaviour.

#[path = "menu/pygrub.rs"]
#[allow(dead_code)]
mod pygrub;

use pvgrub::menu::{
    grubenv_saved_entry, saved_default_path, saved_default_value, DefaultEntry, Device,
    DeviceError, Menu, MenuErrorKind, MenuLocation, MenuLocationError, DEFAULT_MENU_PATH,
    MAX_MENU_BYTES,
};
use std::process::Command;

fn lst(text: &str) -> Menu {
    Menu::parse_menu_lst(text.as_bytes()).unwrap()
}

fn cfg(text: &str) -> Menu {
    Menu::parse_grub_cfg(text.as_bytes()).unwrap()
}

fn lst_err(text: &str) -> (usize, MenuErrorKind) {
    let e = Menu::parse_menu_lst(text.as_bytes()).unwrap_err();
    (e.line, e.kind)
}

fn cfg_err(text: &str) -> (usize, MenuErrorKind) {
    let e = Menu::parse_grub_cfg(text.as_bytes()).unwrap_err();
    (e.line, e.kind)
}

fn disk(drive: u32, partition: Option<u32>) -> Device {
    Device::Disk {
        drive,
        partition,
        bsd_slice: None,
    }
}

#[test]
fn legacy_device_errors_carry_line_numbers() {
    let bad = |e| MenuErrorKind::BadDevice(e);
    let head = "# comment\n\ntitle x\n";
    assert_eq!(
        lst_err(&format!("{head}root (hd0,0\n")),
        (4, bad(DeviceError::Unclosed))
    );
    assert_eq!(
        lst_err(&format!("{head}kernel (hd0,0/vmlinuz\n")),
        (4, bad(DeviceError::Unclosed))
    );
    assert_eq!(
        lst_err(&format!("{head}root (xy0)\n")),
        (4, bad(DeviceError::UnknownKind))
    );
    assert_eq!(
        lst_err(&format!("{head}root (hd)\n")),
        (4, bad(DeviceError::BadDrive))
    );
    assert_eq!(
        lst_err(&format!("{head}root (hd0,255)\n")),
        (4, bad(DeviceError::BadPartition))
    );
    assert_eq!(
        lst_err(&format!("{head}root hd0,0\n")),
        (4, bad(DeviceError::Empty))
    );
    // A continued line reports the line it starts on.
    assert_eq!(
        lst_err("title x\nkernel /k \\\n a \\\n b\ninitrd (hd0,z)/i\n"),
        (5, bad(DeviceError::BadPartition))
    );
}

#[test]
fn legacy_devices() {
    let m = lst("title t\nroot (hd1,4)\nkernel /k\ninitrd (hd0)/i\nmodule (nd)/m x\n");
    let e = &m.entries.get(0).unwrap();
    assert_eq!(e.root, Some(disk(1, Some(4))));
    assert_eq!(e.kernel.as_ref().unwrap().to_string(), "(hd1,4)/k");
    assert_eq!(e.initrds, vec![]);
    let (module, cmdline) = e.modules.get(0).unwrap();
    assert_eq!(module.device, Some(Device::Network));
    assert_eq!(cmdline, "x");
    let m = lst("title t\nroot (hd0x1,0x2,c)\nkernel (fd0)/k\n");
    assert_eq!(
        m.entries.get(0).unwrap().root.as_ref().unwrap().to_string(),
        "(hd1,2,c)"
    );
    assert_eq!(
        m.entries.get(0).unwrap().kernel.as_ref().unwrap().device,
        Some(Device::Other("fd0".into()))
    );
}

#[test]
fn legacy_globals_and_entry_flags() {
    let m = lst(concat!(
        "kernel /before-any-title\n",
        "timeout 12\nhiddenmenu\npassword secret\n",
        "default=saved\n",
        "title a\nroot (hd0,0)\nkernel /a\nsavedefault\nlock\n",
        "title b\nkernel /b x\n",
        "timeout 99\n",
    ));
    assert_eq!(m.timeout, Some(12), "timeout inside an entry is not global");
    assert!(m.hidden && m.password);
    assert_eq!(m.default, DefaultEntry::Saved);
    assert!(m.entries.get(0).unwrap().savedefault && m.entries.get(0).unwrap().locked);
    assert_eq!(m.entries.get(1).unwrap().root, None);
    assert_eq!(
        m.entries
            .get(1)
            .unwrap()
            .kernel
            .as_ref()
            .unwrap()
            .to_string(),
        "/b"
    );
    assert_eq!(m.entries.len(), 2);
}

#[test]
fn legacy_fallback_rules() {
    // Up to 8, a number followed by junk still counts, a trailing repeat is dropped.
    let m = lst("fallback 1x 2 3 4 5 6 7 8 9 10\ntitle a\nkernel /a\n");
    assert_eq!(m.fallback, (1..=8).collect::<Vec<_>>());
    let m = lst("fallback 2 2\ntitle a\nkernel /a\n");
    assert_eq!(m.fallback, vec![2]);
    // A repeat followed by more makes GRUB's parser fail: the command is void.
    let m = lst("fallback 1\nfallback 2 2 3\ntitle a\nkernel /a\n");
    assert_eq!(m.fallback, vec![1]);
    // Boot order: default, then fallbacks in range, no repeats.
    let m = lst("default 1\nfallback 5 1 0\ntitle a\nkernel /a\ntitle b\nkernel /b\n");
    assert_eq!(m.boot_order(None), vec![1, 0]);
    // No fallback and default past the end: entry 0.
    let m = lst("default 9\ntitle a\nkernel /a\n");
    assert_eq!(m.default_index(None), Some(0));
    assert_eq!(lst("default 1\n").default_index(None), None);
}

#[test]
fn legacy_line_rules() {
    // Comments only at line start; a comment ending in a backslash continues.
    let m = lst("# skip \\\ntitle hidden by the comment\ntitle t\nkernel /k a#b\n");
    assert_eq!(m.entries.len(), 1);
    assert_eq!(m.entries.get(0).unwrap().title, "t");
    assert_eq!(m.entries.get(0).unwrap().args, "a#b");
    // An entry of unknown commands only is no entry.
    let m = lst("title x\nfoo bar\ntitle y\nkernel /y\n");
    assert_eq!(m.entries.len(), 1);
    assert_eq!(m.entries.get(0).unwrap().title, "y");
    // `=` after the command name, several of them, and spaces around.
    let m = lst("title = a title \nkernel == /k  arg1  arg2 \n");
    assert_eq!(m.entries.get(0).unwrap().title, "a title");
    assert_eq!(m.entries.get(0).unwrap().args, "arg1  arg2");
}

#[test]
fn legacy_initrd_and_modules_replace_each_other_as_in_pv_grub() {
    let m = lst("title t\nkernel /k\ninitrd /i1\ninitrd /i2 ignored\n");
    assert_eq!(m.entries.get(0).unwrap().initrd().unwrap().path, "/i2");
    let m = lst("title t\nkernel /k\ninitrd /i\nmodule /m1\nmodule /m2 a b\n");
    assert!(m.entries.get(0).unwrap().initrds.is_empty());
    assert_eq!(m.entries.get(0).unwrap().modules.len(), 2);
    let m = lst("title t\nkernel /k\nmodule /m\ninitrd /i\n");
    assert!(m.entries.get(0).unwrap().modules.is_empty());
}

#[test]
fn grub_cfg_errors_carry_line_numbers() {
    let k = |t: &str| cfg_err(t);
    assert_eq!(
        k("set a=1\nmenuentry 'x {\n linux /k\n}\n"),
        (2, MenuErrorKind::UnterminatedQuote)
    );
    assert_eq!(
        k("menuentry x {\n linux /k\n}\n}\n"),
        (4, MenuErrorKind::UnexpectedCloseBrace)
    );
    assert_eq!(
        k("\nsubmenu s {\n menuentry x {\n linux /k\n }\n"),
        (2, MenuErrorKind::UnclosedBlock)
    );
    assert_eq!(
        k("menuentry x\nlinux /k\n"),
        (1, MenuErrorKind::MissingOpenBrace)
    );
    assert_eq!(
        k("menuentry a {\n menuentry b {\n }\n}\n"),
        (2, MenuErrorKind::NestedMenuentry)
    );
    assert_eq!(
        k("\n\nmenuentry --class c {\n}\n"),
        (3, MenuErrorKind::MissingTitle)
    );
    assert_eq!(k("insmod x\n{\n"), (2, MenuErrorKind::UnexpectedOpenBrace));
    assert_eq!(
        k("menuentry x {\n set root='(hd0,msdos1'\n}\n"),
        (2, MenuErrorKind::BadDevice(DeviceError::Unclosed))
    );
    assert_eq!(
        k("menuentry x {\n linux (hd0,0)/k\n}\n"),
        (2, MenuErrorKind::BadDevice(DeviceError::BadPartition))
    );
    let deep = "submenu s {\n".repeat(17);
    assert_eq!(k(&deep), (17, MenuErrorKind::TooDeep));
}

#[test]
fn grub_cfg_words_and_devices() {
    let m = cfg(concat!(
        "set root=(hd0,gpt3)\n",
        "menuentry \"a \\\"b\\\" \\$c\" --unrestricted --class=os --id=a-id {\n",
        "  linux ($root)/k 'x  y' z\\ w \"q\\\\\" \\\n  last\n",
        "}\n",
        "menuentry b {\n set root='xen/xvdb,msdos2,bsd1'\n linux /k\n}\n",
        "menuentry c {\n set root=lvmid/abc/def\n linux /k\n}\n",
        "menuentry d {\n linux (hd1)/k\n}\n",
    ));
    let a = &m.entries.get(0).unwrap();
    assert_eq!(a.title, "a \"b\" $c");
    assert_eq!(a.id, Some("a-id".into()));
    assert_eq!(a.root, Some(disk(0, Some(2))));
    assert_eq!(a.kernel.as_ref().unwrap().to_string(), "(hd0,2)/k");
    assert_eq!(a.args, "\"x  y\" \"z w\" q\\\\ last");
    let b = &m.entries.get(1).unwrap();
    assert_eq!(b.root.as_ref().unwrap().to_string(), "(hd1,1,a)");
    assert_eq!(
        m.entries.get(2).unwrap().root,
        Some(Device::Other("lvmid/abc/def".into()))
    );
    // The top-level root is inherited unless the entry sets its own.
    assert_eq!(m.entries.get(3).unwrap().root, Some(disk(0, Some(2))));
    assert_eq!(
        m.entries
            .get(3)
            .unwrap()
            .kernel
            .as_ref()
            .unwrap()
            .to_string(),
        "(hd1)/k"
    );
}

#[test]
fn grub_cfg_defaults_timeouts_and_fallbacks() {
    let body = "menuentry a --id ida {\n linux /a\n}\nsubmenu s --id ids {\n menuentry b --id idb {\n linux /b\n }\n menuentry c {\n linux /c\n }\n}\nmenuentry d {\n linux /d\n}\n";
    let pick = |default: &str| {
        let m = cfg(&format!("set default=\"{default}\"\n{body}"));
        m.default_index(None)
    };
    assert_eq!(pick("0"), Some(0));
    assert_eq!(pick("1"), Some(1), "a submenu number picks its first entry");
    assert_eq!(pick("2"), Some(3));
    assert_eq!(pick("1>1"), Some(2));
    assert_eq!(pick("ids>c"), Some(2));
    assert_eq!(pick("s>idb"), Some(1));
    assert_eq!(pick("d"), Some(3));
    assert_eq!(pick("nope"), Some(0));
    assert_eq!(pick("9"), Some(0));
    assert_eq!(pick("${next_entry}"), Some(0));
    let m = cfg(&format!(
        "set default=nope\nset fallback='ida 2 ida'\nset timeout=-1\n{body}"
    ));
    assert_eq!(m.default, DefaultEntry::Named("nope".into()));
    assert_eq!(m.fallback, vec![0, 3]);
    assert_eq!(m.timeout, None);
    assert_eq!(m.find_entry("s>1"), Some(2));
    let m = cfg(&format!(
        "set timeout=7\nfunction f {{\n set default=2\n}}\n{body}"
    ));
    assert_eq!((m.timeout, m.default_index(None)), (Some(7), Some(0)));
}

#[test]
fn menu_size_is_bounded() {
    let big = vec![b'#'; MAX_MENU_BYTES + 1];
    let e = Menu::parse_menu_lst(&big).unwrap_err();
    assert_eq!(
        (e.line, e.kind),
        (0, MenuErrorKind::TooLarge { size: big.len() })
    );
    assert!(Menu::parse_grub_cfg(&big).is_err());
}

#[test]
fn menu_location_from_cmdline() {
    let disk_menu = MenuLocation::from_cmdline("(hd0,0)/boot/grub/menu.lst", false).unwrap();
    assert_eq!(
        disk_menu,
        MenuLocation::Disk {
            device: disk(0, Some(0)),
            path: "/boot/grub/menu.lst".into()
        }
    );
    assert_eq!(disk_menu.to_string(), DEFAULT_MENU_PATH);
    assert!(!disk_menu.needs_dhcp());
    let net = MenuLocation::from_cmdline(" --vtpm-label=x (nd)/tftp/grub.cfg more words", true);
    let net = net.unwrap();
    assert_eq!(
        net,
        MenuLocation::Network {
            path: "/tftp/grub.cfg".into()
        }
    );
    assert!(net.needs_dhcp());
    assert_eq!(net.format(), pvgrub::menu::MenuFormat::GrubCfg);
    assert_eq!(
        MenuLocation::from_cmdline("", true),
        Ok(MenuLocation::Ramdisk)
    );
    assert_eq!(
        MenuLocation::from_cmdline("  ", false),
        Ok(MenuLocation::Dhcp)
    );
    let err = |s| MenuLocation::from_cmdline(s, false).unwrap_err();
    assert_eq!(err("console=hvc0"), MenuLocationError::NotAPath);
    assert_eq!(err("/boot/grub/menu.lst"), MenuLocationError::NoDevice);
    assert_eq!(
        err("(hd0,0"),
        MenuLocationError::BadDevice(DeviceError::Unclosed)
    );
    assert_eq!(err("(hd0,0)"), MenuLocationError::MissingPath);
    assert_eq!(err("(hd0,0)boot"), MenuLocationError::MissingPath);
    assert_eq!(
        err("(sd0)/x"),
        MenuLocationError::BadDevice(DeviceError::UnknownKind)
    );
}

#[test]
fn saved_default_files() {
    assert_eq!(
        saved_default_path(DEFAULT_MENU_PATH),
        "(hd0,0)/boot/grub/default"
    );
    assert_eq!(saved_default_path("menu.lst"), "default");
    assert_eq!(saved_default_value(b"2\n#####"), Some(2));
    assert_eq!(saved_default_value(b"0:3\n"), Some(3), "savedefault --once");
    assert_eq!(saved_default_value(b"\n"), None);
    assert_eq!(saved_default_value(b"123456789012"), Some(123456789));
}

/// grub-editenv (Debian's grub-common) writes the environment block grub-set-default and
/// grub-reboot use; the saved title selects the entry.
#[test]
fn grubenv_written_by_grub_editenv() {
    let editenv = pygrub::root().join("usr/bin/grub-editenv");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("grubenv");
    std::fs::create_dir_all(&dir).unwrap();
    let env = dir.join("grubenv");
    let _ = std::fs::remove_file(&env);
    for args in [
        vec!["create"],
        vec!["set", "saved_entry=beta", "other=x\\y"],
    ] {
        let status = Command::new(&editenv)
            .arg(&env)
            .args(args)
            .status()
            .unwrap();
        assert!(status.success(), "grub-editenv failed");
    }
    let block = std::fs::read(&env).unwrap();
    assert_eq!(block.len(), 1024, "grub-editenv writes a 1 KiB block");
    let saved = grubenv_saved_entry(&block).unwrap();
    assert_eq!(saved, "beta");
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/menu/cfg/saved_entry.cfg");
    let m = Menu::parse_grub_cfg(&std::fs::read(path).unwrap()).unwrap();
    assert_eq!(m.default, DefaultEntry::Saved);
    let index = m.find_entry(&saved);
    assert_eq!(m.default_index(index), Some(1));
    assert_eq!(
        m.entries.get(1).unwrap().initrd().unwrap().path,
        "/boot/initrd-beta"
    );
}
