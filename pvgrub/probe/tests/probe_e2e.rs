//! pvgrub-probe end to end: disks built by sfdisk/sgdisk and mkfs.ext4 -d / mkfs.vfat, with
//! Debian's real vmlinuz or ELF kernels written here; the binary's `--json` object is checked
//! against what the test put on the disk, and the choice against pygrub's on the same disk.

#[path = "../../tests/layout_support/elf.rs"]
mod elf;
#[path = "../../tests/layout_support/peer.rs"]
mod peer;
mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use elf::{Desc, XenElf};
use serde_json::{json, Value};
use support::Fs;

const LINUX_BASE: u64 = 0xffff_ffff_8000_0000;

/// The Xen notes of an ELF file as Xen's own `readnotes` (xen-utils-4.17, set up by
/// scripts/fetch-kernel.sh) prints them: `NAME: value` lines.
fn readnotes(elf: &[u8]) -> Vec<(String, String)> {
    let dir = support::scratch("readnotes");
    let path = dir.join("vmlinux");
    std::fs::write(&path, elf).unwrap();
    let tool =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/kernel/readnotes");
    let out = support::run(Command::new(tool).arg(&path));
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
        .collect()
}

/// A number as readnotes prints it: `0x...` or decimal, maybe followed by `(8 bytes)`.
fn readnotes_number(value: &str) -> Option<u64> {
    let word = value.split_whitespace().next()?;
    match word.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => word.parse().ok(),
    }
}

/// The ELF inside a bzImage, unpacked by `xz` (Debian's kernels are CONFIG_KERNEL_XZ).
fn bzimage_payload(bz: &[u8]) -> Vec<u8> {
    let setup = (usize::from(bz[0x1f1]).max(4) + 1) * 512;
    let off = setup + u32::from_le_bytes(bz[0x248..0x24c].try_into().unwrap()) as usize;
    let len = u32::from_le_bytes(bz[0x24c..0x250].try_into().unwrap()) as usize;
    let mut child = Command::new("xz")
        .args(["-dcq", "--single-stream"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("xz must be installed");
    let mut stdin = child.stdin.take().unwrap();
    let payload = bz[off..off + len].to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&payload);
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    assert!(out.status.success());
    out.stdout
}

fn hex(v: u64) -> Value {
    Value::String(format!("{v:#x}"))
}

#[test]
fn menu_lst_on_mbr_ext4_with_debian_kernel() {
    let dir = support::scratch("debian");
    let vmlinuz = support::debian_vmlinuz();
    let initrd: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let menu = b"# written for pvgrub-probe's test\n\
        default 1\n\
        timeout 5\n\
        \n\
        title Debian rescue\n\
        \troot (hd0,0)\n\
        \tkernel /boot/vmlinuz root=/dev/xvda1 single\n\
        \n\
        title Debian GNU/Linux\n\
        \troot (hd0,0)\n\
        \tkernel /boot/vmlinuz root=/dev/xvda1 ro console=hvc0\n\
        \tinitrd /boot/initrd.img\n";
    let files: [(&str, &[u8]); 3] = [
        ("boot/grub/menu.lst", menu),
        ("boot/vmlinuz", &vmlinuz),
        ("boot/initrd.img", &initrd),
    ];
    let disk = support::mbr_disk(
        &dir,
        64,
        "start=2048, type=83\n",
        &[Fs::Ext("ext4", &files)],
    );
    let v = support::probe_json(&disk, None);

    assert_eq!(v["menu"], "(hd0,0)/boot/grub/menu.lst");
    assert_eq!(
        v["entries"],
        json!([
            {"title": "Debian rescue", "root": "(hd0,0)", "kernel": "(hd0,0)/boot/vmlinuz",
             "initrd": null, "args": "root=/dev/xvda1 single"},
            {"title": "Debian GNU/Linux", "root": "(hd0,0)", "kernel": "(hd0,0)/boot/vmlinuz",
             "initrd": "(hd0,0)/boot/initrd.img", "args": "root=/dev/xvda1 ro console=hvc0"},
        ])
    );
    assert_eq!(v["default"], 1);
    let k = &v["kernel"];
    assert_eq!(k["file"], "(hd0,0)/boot/vmlinuz");
    assert_eq!(k["size"], vmlinuz.len());
    // A bzImage ("HdrS" at 0x202) whose payload is xz ("\xfd7zXZ").
    assert_eq!(&vmlinuz[0x202..0x206], b"HdrS");
    assert_eq!(k["format"], "bzimage");
    assert_eq!(k["compression"], "xz");
    // Every note Xen's readnotes knows, with the same value (it predates INIT_P2M and
    // MOD_START_PFN, which it lists as unknown).
    let names = [
        ("ENTRY", "entry"),
        ("VIRT_BASE", "virt_base"),
        ("PADDR_OFFSET", "paddr_offset"),
        ("HV_START_LOW", "hv_start_low"),
        ("PHYS32_ENTRY", "phys32_entry"),
        ("SUSPEND_CANCEL", "suspend_cancel"),
        ("XEN_VERSION", "xen_version"),
        ("GUEST_OS", "guest_os"),
        ("GUEST_VERSION", "guest_version"),
        ("LOADER", "loader"),
        ("PAE_MODE", "pae_mode"),
        ("FEATURES", "features"),
    ];
    let mut checked = Vec::new();
    for (name, value) in readnotes(&bzimage_payload(&vmlinuz)) {
        let Some(&(_, key)) = names.iter().find(|(n, _)| *n == name) else {
            continue;
        };
        let ours = &k["notes"][key];
        match readnotes_number(&value) {
            Some(n) if ours.as_str().is_some_and(|s| s.starts_with("0x")) => {
                assert_eq!(*ours, hex(n), "{name}")
            }
            _ => assert_eq!(*ours, value.as_str(), "{name}"),
        }
        checked.push(name);
    }
    assert!(checked.len() >= 10, "readnotes printed only {checked:?}");
    assert_eq!(k["notes"]["xen_version"], "xen-3.0");
    assert_eq!(k["notes"]["guest_os"], "linux");

    // pygrub boots the same kernel and initrd with the same arguments.
    let (kernel, ramdisk, args) = support::pygrub(&disk, &dir);
    assert_eq!(kernel, vmlinuz);
    assert_eq!(ramdisk.as_deref(), Some(&initrd[..]));
    assert_eq!(args, "root=/dev/xvda1 ro console=hvc0");

    // With --memory, the layout is the one Xen's builder (libxenguest, peer.c) makes for
    // that kernel and initrd in a domain of that size.
    let v = support::probe_json_args(&[disk.to_str().unwrap(), "--json", "--memory", "512"]);
    let l = &v["layout"];
    let (kernel_file, initrd_file) = (dir.join("vmlinuz"), dir.join("initrd.img"));
    std::fs::write(&kernel_file, &vmlinuz).unwrap();
    std::fs::write(&initrd_file, &initrd).unwrap();
    let xen = peer::run(&kernel_file, Some(&initrd_file), 512 * 256, "").unwrap();
    let seg = |key: &str, ours: &Value| {
        let v = xen.get(key);
        assert_eq!(
            (ours["pfn"].as_u64(), ours["pages"].as_u64()),
            (Some(v[0]), Some(v[1])),
            "{key}"
        );
    };
    seg("kernel", &l["kernel"]);
    seg("module", &l["module"]);
    seg("p2m", &l["p2m"]);
    seg("pgtables", &l["page_tables"]);
    for (key, ours) in [
        ("start_info_pfn", "start_info_pfn"),
        ("xenstore_pfn", "xenstore_pfn"),
        ("console_pfn", "console_pfn"),
        ("bootstack_pfn", "stack_pfn"),
        ("pfn_alloc_end", "pfn_end"),
    ] {
        assert_eq!(l[ours].as_u64(), Some(xen.one(key)), "{key}");
    }
    assert_eq!(l["v_end"], hex(xen.one("virt_pgtab_end")));
    let field = |at: usize| u64::from_le_bytes(xen.start_info[at..at + 8].try_into().unwrap());
    let si = &l["start_info"];
    assert_eq!(si["nr_pages"].as_u64(), Some(field(32)));
    assert_eq!(si["flags"].as_u64(), Some(field(48) & 0xffff_ffff));
    assert_eq!(si["pt_base"], hex(field(88)));
    assert_eq!(si["nr_pt_frames"].as_u64(), Some(field(96)));
    assert_eq!(si["mfn_list"], hex(field(104)));
    assert_eq!(si["mod_start"], hex(field(112)));
    assert_eq!(si["mod_len"].as_u64(), Some(field(120)));
    assert_eq!(si["first_p2m_pfn"].as_u64(), Some(field(1152)));
    assert_eq!(si["nr_p2m_frames"].as_u64(), Some(field(1160)));
}

/// An ELF kernel with Xen notes, gzip'd as a whole (a `vmlinux.gz`).
fn gzipped_elf(notes: &[(u32, Desc)]) -> (Vec<u8>, Vec<u8>) {
    let elf = XenElf::linux_like(LINUX_BASE + 0x20_0000, 0x20_0000, 0x40_0000, notes).build();
    let mut child = Command::new("gzip")
        .arg("-9c")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("gzip must be installed");
    child.stdin.take().unwrap().write_all(&elf).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    (elf, out.stdout)
}

#[test]
fn grub_cfg_on_gpt_second_partition() {
    let dir = support::scratch("gpt");
    let notes = [
        (elf::VIRT_BASE, Desc::U64(LINUX_BASE)),
        (elf::ENTRY, Desc::U64(LINUX_BASE + 0x20_0000)),
        (elf::HYPERCALL_PAGE, Desc::U64(LINUX_BASE + 0x20_1000)),
        (elf::FEATURES, Desc::Str("writable_page_tables".into())),
    ];
    let (_, kernel_gz) = gzipped_elf(&notes);
    let cfg = b"set default=\"1\"\n\
        set timeout=5\n\
        insmod part_gpt\n\
        menuentry 'Test A' {\n\
        \tset root='hd0,gpt2'\n\
        \tlinux /vmlinuz-a root=/dev/xvda2 ro\n\
        }\n\
        menuentry 'Test B' --class gnu-linux {\n\
        \tset root='hd0,gpt2'\n\
        \tlinux /vmlinuz-b root=/dev/xvda2 ro quiet\n\
        \tinitrd /initrd-b\n\
        }\n";
    let esp: [(&str, &[u8]); 1] = [("EFI/readme.txt", b"no menu here")];
    let boot: [(&str, &[u8]); 4] = [
        ("boot/grub/grub.cfg", cfg),
        ("vmlinuz-a", b"not a kernel"),
        ("vmlinuz-b", &kernel_gz),
        ("initrd-b", b"initrd B"),
    ];
    let disk = support::gpt_disk(
        &dir,
        48,
        &[
            "-n",
            "1:2048:+8M",
            "-t",
            "1:ef00",
            "-n",
            "2:0:0",
            "-t",
            "2:8300",
        ],
        &[Fs::Fat(&esp), Fs::Ext("ext4", &boot)],
    );
    let v = support::probe_json(&disk, None);
    assert_eq!(v["menu"], "(hd0,1)/boot/grub/grub.cfg");
    assert_eq!(v["menu_format"], "grub.cfg");
    assert_eq!(v["entries"].as_array().unwrap().len(), 2);
    assert_eq!(v["entries"][1]["title"], "Test B");
    assert_eq!(v["entries"][1]["root"], "(hd0,1)");
    assert_eq!(v["entries"][1]["kernel"], "(hd0,1)/vmlinuz-b");
    assert_eq!(v["entries"][1]["initrd"], "(hd0,1)/initrd-b");
    assert_eq!(v["entries"][1]["args"], "root=/dev/xvda2 ro quiet");
    assert_eq!(v["default"], 1);
    let k = &v["kernel"];
    assert_eq!(k["format"], "compressed-elf");
    assert_eq!(k["compression"], "gzip");
    assert_eq!(k["notes"]["virt_base"], hex(LINUX_BASE));
    assert_eq!(k["notes"]["entry"], hex(LINUX_BASE + 0x20_0000));
    assert_eq!(k["notes"]["hypercall_page"], hex(LINUX_BASE + 0x20_1000));
    assert_eq!(k["notes"]["features"], "writable_page_tables");
    assert_eq!(k["notes"]["init_p2m"], Value::Null);
    assert_eq!(k["virt_kstart"], hex(LINUX_BASE + 0x20_0000));
    assert_eq!(k["virt_kend"], hex(LINUX_BASE + 0x60_0000));

    let (kernel, ramdisk, args) = support::pygrub(&disk, &dir);
    assert_eq!(kernel, kernel_gz);
    assert_eq!(ramdisk.as_deref(), Some(&b"initrd B"[..]));
    assert_eq!(args, "root=/dev/xvda2 ro quiet");
}

#[test]
fn explicit_menu_path_on_a_logical_partition() {
    let dir = support::scratch("logical");
    let elf = XenElf::linux_like(0, 0, 0x3_0000, &[]).build();
    let menu = b"title Mini-OS\n  root (hd0,4)\n  kernel /boot/minios.elf arg1 arg2\n";
    let files: [(&str, &[u8]); 2] = [("boot/grub/pv.lst", menu), ("boot/minios.elf", &elf)];
    let disk = support::mbr_disk(
        &dir,
        48,
        "start=2048, size=8M, type=83\nstart=18432, type=5\nstart=20480, type=83\n",
        &[Fs::Ext("ext2", &[]), Fs::None, Fs::Ext("ext3", &files)],
    );
    // Not found by the default search (no menu.lst or grub.cfg) ...
    let (code, _, err) = support::probe(&[disk.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("no menu found"), "{err}");
    // ... but where xl's extra= would point pv-grub.
    let v = support::probe_json(&disk, Some("(hd0,4)/boot/grub/pv.lst"));
    assert_eq!(v["menu"], "(hd0,4)/boot/grub/pv.lst");
    assert_eq!(
        v["entries"],
        json!([{"title": "Mini-OS", "root": "(hd0,4)", "kernel": "(hd0,4)/boot/minios.elf",
                "initrd": null, "args": "arg1 arg2"}])
    );
    assert_eq!(v["default"], 0);
    assert_eq!(v["kernel"]["format"], "elf");
    assert_eq!(v["kernel"]["compression"], Value::Null);
    assert_eq!(v["kernel"]["notes"]["virt_base"], Value::Null);
    assert_eq!(v["kernel"]["notes"]["loader"], "generic");
}

#[test]
fn whole_disk_filesystem_and_saved_default() {
    let dir = support::scratch("bare");
    let elf = XenElf::linux_like(0, 0, 0x3_0000, &[]).build();
    let menu = b"default saved\ntitle zero\nkernel /k0\ntitle one\nkernel /k1 x=1\ntitle two\nkernel /k2\n";
    let files: [(&str, &[u8]); 5] = [
        ("boot/grub/menu.lst", menu),
        ("boot/grub/default", b"1\n"),
        ("k0", b"junk"),
        ("k1", &elf),
        ("k2", b"junk"),
    ];
    let disk = support::bare_disk(&dir, 16, &Fs::Ext("ext4", &files));
    let v = support::probe_json(&disk, None);
    assert_eq!(v["menu"], "(hd0)/boot/grub/menu.lst");
    // The saved entry is 1; no root command: the kernel is on the menu's device.
    assert_eq!(v["default"], 1);
    assert_eq!(v["entries"][1]["root"], Value::Null);
    assert_eq!(v["entries"][1]["kernel"], "/k1");
    assert_eq!(v["kernel"]["file"], "(hd0)/k1");
    assert_eq!(v["kernel"]["format"], "elf");
}

#[test]
fn fat_partition_and_text_output() {
    let dir = support::scratch("fat");
    let elf = XenElf::linux_like(0, 0, 0x2_0000, &[]).build();
    let menu = b"timeout 1\ntitle FAT boot\nroot (hd0,0)\nkernel /boot/kernel.elf console=hvc0\n";
    let files: [(&str, &[u8]); 2] = [("boot/grub/menu.lst", menu), ("boot/kernel.elf", &elf)];
    let disk = support::mbr_disk(&dir, 32, "start=2048, type=c\n", &[Fs::Fat(&files)]);
    let (code, out, err) = support::probe(&[disk.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("menu: (hd0,0)/boot/grub/menu.lst (menu.lst)\n"),
        "{out}"
    );
    assert!(out.contains("*0: FAT boot\n"), "{out}");
    assert!(
        out.contains("    kernel: (hd0,0)/boot/kernel.elf\n"),
        "{out}"
    );
    assert!(out.contains("    args:   console=hvc0\n"), "{out}");
    assert!(out.contains("default: 0\n"), "{out}");
    let size = elf.len();
    assert!(
        out.contains(&format!(
            "kernel: (hd0,0)/boot/kernel.elf ({size} bytes): elf, compression none"
        )),
        "{out}"
    );
    assert!(out.contains("    LOADER: generic\n"), "{out}");
}
