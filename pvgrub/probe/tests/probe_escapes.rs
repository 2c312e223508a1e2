//! pvgrub-probe on disks whose menu, file names, Xen notes and error texts carry terminal
//! escapes (`\x1b[2J\x1b[H` clears the screen, then a fake "pvgrub-probe: all good"): on
//! stdout, on stderr and in `--json`, no control byte gets out, and each is shown as `\x1b`.

#[path = "../../tests/layout_support/elf.rs"]
mod elf;
mod support;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use elf::{Desc, XenElf};
use serde_json::Value;
use support::{clean_text, Fs};

/// Clears the screen and homes the cursor, then claims success.
const ATTACK: &str = "\x1b[2J\x1b[Hpvgrub-probe: all good";
/// [`ATTACK`] as the probe shows it.
const SHOWN: &str = "\\x1b[2J\\x1b[Hpvgrub-probe: all good";
/// How the menu's bytes 0xff and 0xfe (not UTF-8) show: kept as bytes, escaped one by one.
const BAD_FF: &str = "\\xff";
const BAD_FE: &str = "\\xfe";

/// Runs the probe with `args`: exit code, stdout and stderr, each checked to be free of
/// control characters.
fn probe<S: AsRef<OsStr>>(args: &[S]) -> (i32, String, String) {
    let (code, out, err) = support::probe_raw(args);
    (code, clean_text("stdout", &out), clean_text("stderr", &err))
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

#[test]
fn menu_entries_and_xen_notes() {
    let dir = support::scratch("escapes");
    let mut kernel = XenElf::linux_like(0, 0, 0x3_0000, &[]);
    kernel.notes = vec![
        (elf::GUEST_OS, Desc::Str(format!("linux{ATTACK}"))),
        (elf::GUEST_VERSION, Desc::Str("2.6\r\n".into())),
        (
            elf::XEN_VERSION,
            Desc::Str("xen-3.0\x1b]0;title\x07".into()),
        ),
        (elf::LOADER, Desc::Str("generic\u{202e}txt".into())),
        (
            elf::FEATURES,
            Desc::Str("writable_page_tables|\x1b[31m".into()),
        ),
    ];
    let kernel = kernel.build();
    let menu = [
        b"timeout 1\n".as_slice(),
        ATTACK.as_bytes(),
        b"\ntitle Debian ",
        ATTACK.as_bytes(),
        b" \xff\xfe\nroot (hd0,0)\nkernel /boot/vmlinuz-\x1b[2J\x1b[H root=/dev/xvda1 \x1b]0;pwned\x07 \
          \xe2\x80\xae \xff\n\
          initrd /boot/initrd-\x1b[Hx\n",
    ]
    .concat();
    let files: [(&str, &[u8]); 3] = [
        ("boot/grub/menu.lst", &menu),
        ("boot/vmlinuz-\x1b[2J\x1b[H", &kernel),
        ("boot/initrd-\x1b[Hx", b"initrd"),
    ];
    let disk = support::mbr_disk(
        &dir,
        32,
        "start=2048, type=83\n",
        &[Fs::Ext("ext4", &files)],
    );
    support::keep(&disk, "probe-escapes-menu-notes");
    let d = disk.to_str().unwrap();

    let title = format!("Debian {SHOWN} {BAD_FF}{BAD_FE}");
    let kernel_at = "(hd0,0)/boot/vmlinuz-\\x1b[2J\\x1b[H";
    let args = format!("root=/dev/xvda1 \\x1b]0;pwned\\x07 \\u{{202e}} {BAD_FF}");
    let initrd_at = "(hd0,0)/boot/initrd-\\x1b[Hx";
    // The menu line that is an unknown command is a warning, quoted escaped.
    let warning = "pvgrub-probe: warning: menu.lst line 2: unknown command \
                   `\\x1b[2J\\x1b[Hpvgrub-probe:` skipped\n";

    let (code, out, err) = probe(&[d]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, warning);
    let want = format!(
        "menu: (hd0,0)/boot/grub/menu.lst (menu.lst)\n\
         *0: {title}\n\
         \x20   root:   (hd0,0)\n\
         \x20   kernel: {kernel_at}\n\
         \x20   args:   {args}\n\
         \x20   initrd: {initrd_at}\n\
         default: 0\n\
         kernel: {kernel_at} ({} bytes): elf, compression none\n\
         \x20   XEN_VERSION: xen-3.0\\x1b]0;title\\x07\n\
         \x20   GUEST_OS: linux{SHOWN}\n\
         \x20   GUEST_VERSION: 2.6\\x0d\\x0a\n\
         \x20   LOADER: generic\\u{{202e}}txt\n\
         \x20   FEATURES: writable_page_tables|\\x1b[31m\n",
        kernel.len()
    );
    assert_eq!(out, want);

    let (code, out, err) = probe(&[d, "--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, warning);
    let v: Value = serde_json::from_str(&out).unwrap();
    let e = &v["entries"][0];
    assert_eq!(s(&e["title"]), title);
    assert_eq!(s(&e["kernel"]), kernel_at);
    assert_eq!(s(&e["args"]), args);
    assert_eq!(s(&e["initrd"]), initrd_at);
    let k = &v["kernel"];
    assert_eq!(s(&k["file"]), kernel_at);
    let notes = &k["notes"];
    assert_eq!(s(&notes["guest_os"]), format!("linux{SHOWN}"));
    assert_eq!(s(&notes["guest_version"]), "2.6\\x0d\\x0a");
    assert_eq!(s(&notes["xen_version"]), "xen-3.0\\x1b]0;title\\x07");
    assert_eq!(s(&notes["loader"]), "generic\\u{202e}txt");
    assert_eq!(s(&notes["features"]), "writable_page_tables|\\x1b[31m");
    // With -q, the warning is left out.
    let (code, _, err) = probe(&[d, "-q"]);
    assert_eq!((code, err.as_str()), (0, ""));
}

#[test]
fn error_texts() {
    let dir = support::scratch("escaped-errors");
    // grub.cfg: a root that is no device pv-grub has, quoted in the kernel's error.
    let cfg = format!(
        "menuentry 'GRUB {ATTACK}' {{\n\
         \tset root='lvmid/{ATTACK}'\n\
         \tlinux /vmlinuz ro\n\
         }}\n"
    );
    let no_kernel = format!("title {ATTACK}\nroot (hd0,0)\n");
    let gone = "title gone\nroot (hd0,0)\nkernel /boot/\x1b[2Jgone\n";
    let files: [(&str, &[u8]); 3] = [
        ("boot/grub/grub.cfg", cfg.as_bytes()),
        ("boot/grub/nokernel.lst", no_kernel.as_bytes()),
        ("boot/grub/gone.lst", gone.as_bytes()),
    ];
    let disk = support::mbr_disk(
        &dir,
        32,
        "start=2048, type=83\n",
        &[Fs::Ext("ext4", &files)],
    );
    support::keep(&disk, "probe-escapes-errors");
    let d = disk.to_str().unwrap();
    let on_disk = |message: &str| format!("pvgrub-probe: {d}: {message}\n");

    // The device name in the error comes from the menu; not escaped by pvgrub's text, it is
    // here.
    let device = format!("(lvmid/{SHOWN})");
    let error = format!("cannot read {device}/vmlinuz: {device} is not a disk or partition");
    let (code, out, err) = probe(&[d]);
    assert_eq!(code, 1);
    assert_eq!(err, on_disk(&error));
    assert!(out.contains(&format!("*0: GRUB {SHOWN}\n")), "{out}");
    assert!(out.contains(&format!("    root:   {device}\n")), "{out}");
    assert!(
        out.contains(&format!("    kernel: {device}/vmlinuz\n")),
        "{out}"
    );
    assert!(
        out.contains(&format!("kernel: cannot boot: {error}\n")),
        "{out}"
    );
    let (code, out, err) = probe(&[d, "--json"]);
    assert_eq!(code, 1);
    assert_eq!(err, on_disk(&error));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(s(&v["kernel"]["error"]), error);
    assert_eq!(s(&v["entries"][0]["root"]), device);

    // An entry without a kernel: the error names the menu, the entry and its title.
    let error = format!("(hd0,0)/boot/grub/nokernel.lst: entry 0 (\"{SHOWN}\") has no kernel");
    let (code, out, err) = probe(&[d, "(hd0,0)/boot/grub/nokernel.lst", "-q"]);
    assert_eq!(code, 1);
    assert_eq!(err, on_disk(&error));
    assert!(
        out.contains(&format!("kernel: cannot boot: {error}\n")),
        "{out}"
    );
    // A kernel that is not there.
    let error = "cannot read (hd0,0)/boot/\\x1b[2Jgone: no such file or directory";
    let (code, out, err) = probe(&[d, "(hd0,0)/boot/grub/gone.lst", "--json"]);
    assert_eq!(code, 1);
    assert_eq!(err, on_disk(error));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(s(&v["kernel"]["error"]), error);

    // A menu path on the command line.
    let (code, out, err) = probe(&[d, "(hd0,0)/\x1b[2Jx"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(
        err,
        on_disk("cannot read (hd0,0)/\\x1b[2Jx: no such file or directory")
    );
}

#[test]
fn command_lines() {
    // A disk path that is not UTF-8 (the probe used to panic on it).
    let disk = OsStr::from_bytes(b"/nonexistent/\xff\x1b[2J.img");
    let (code, out, err) = probe(&[disk]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(
        err,
        "pvgrub-probe: cannot open /nonexistent/\\xff\\x1b[2J.img: \
         No such file or directory (os error 2)\n"
    );
    let (code, _, err) = probe(&[OsStr::new("disk"), OsStr::from_bytes(b"(hd0,0)/\xff")]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("pvgrub-probe: MENU_PATH (hd0,0)/\\xff is not UTF-8\nusage: "),
        "{err}"
    );
    let (code, _, err) = probe(&["disk", "--\x1b[2J"]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("pvgrub-probe: unknown option --\\x1b[2J\nusage: "),
        "{err}"
    );
    let (code, _, err) = probe(&["disk", "--memory", "\x1b[2J"]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("pvgrub-probe: bad memory size \\x1b[2J\nusage: "),
        "{err}"
    );
}
