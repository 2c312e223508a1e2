//! Issue 11, pv-grub boots: `pv-grub.gz` as the guest's kernel finds the menu, loads Debian's
//! kernel and initramfs (disks of scripts/make-boot-disk.sh) and boots them in the same
//! domain. The verdict is the booted kernel's own init (tests/rig/peers/pvgrub_init.c) on the
//! console xenconsoled recorded in dom0 (its command line, CPUs and memory as that kernel
//! sees them), and the domain's end as xl reports it (init powers off).

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use rig_tests::rig::{GuestRun, GuestSpec, Outcome, Reason, RigError};
use rig_tests::{check, image, output_of, Ctx, Needs, Test, TestError, Xenstored};

const C_ONLY: Needs = Needs::Rig(&[Xenstored::C]);

/// The disks, built once per run into `target/rig/pvgrub-disks` (cached across runs by the
/// script's own stamp).
fn disks() -> Result<PathBuf, TestError> {
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = xtask::rig::rig_dir().join("pvgrub-disks");
        output_of(
            Command::new(xtask::build::root().join("scripts/make-boot-disk.sh"))
                .arg("--all")
                .arg(&dir),
        )
        .map(|_| dir)
        .map_err(|e| e.to_string())
    })
    .clone()
    .map_err(|e| TestError::Check(format!("scripts/make-boot-disk.sh: {e}")))
}

/// A pv-grub guest with disk `disk` (in the disks directory) and `extra`.
fn guest(disk: &str, extra: Option<&str>) -> Result<GuestSpec, TestError> {
    let mut spec = GuestSpec::new(image("pv-grub"));
    spec.disks = vec![disks()?.join(disk)];
    spec.extra = extra.map(str::to_string);
    spec.memory_mb = Some(512);
    spec.timeout = Duration::from_secs(300);
    Ok(spec)
}

/// Runs `spec` and echoes pv-grub's and init's lines.
fn run(cx: &mut Ctx, spec: &GuestSpec) -> Result<GuestRun, TestError> {
    let run = cx.rig()?.run_guest(spec)?;
    for line in run
        .console
        .lines()
        .filter(|l| l.contains("pv-grub") || l.contains("pvgrub-init:"))
    {
        eprintln!("    {line}");
    }
    Ok(run)
}

/// What the booted kernel's init printed after `key=`.
fn init_says<'a>(run: &'a GuestRun, key: &str) -> &'a str {
    let key = format!("pvgrub-init: {key}=");
    run.console
        .lines()
        .find_map(|l| l.split(key.as_str()).nth(1))
        .unwrap_or("")
        .trim()
}

/// Boots `spec` and checks that Debian's kernel reached our init with `pvgrub.test=TEST` on
/// its command line, then powered off.
fn boots(cx: &mut Ctx, spec: &GuestSpec, test: &str) -> Result<GuestRun, TestError> {
    let run = run(cx, spec)?;
    check!(
        run.console.contains("pvgrub-init: reached init"),
        "the kernel did not reach init; outcome {}\nconsole:\n{}\nxl:\n{}",
        run.outcome,
        run.console,
        run.log
    );
    let cmdline = init_says(&run, "cmdline");
    let want = format!("pvgrub.test={test}");
    check!(
        cmdline.split_whitespace().any(|w| w == want),
        "init's cmdline {cmdline:?} lacks {want:?}"
    );
    check!(
        run.outcome == Outcome::Shutdown(Reason::Poweroff),
        "outcome {} (want poweroff by the kernel's init)\nconsole:\n{}",
        run.outcome,
        run.console
    );
    Ok(run)
}

/// Boots `spec`, which must not boot: pv-grub says each of `said` on the console, then
/// ends the domain cleanly (poweroff, not a crash).
fn refuses(cx: &mut Ctx, spec: &GuestSpec, said: &[&str]) -> Result<(), TestError> {
    let run = run(cx, spec)?;
    check!(
        !run.console.contains("pvgrub-init:"),
        "a kernel booted:\n{}",
        run.console
    );
    for s in said {
        check!(
            run.console.contains(s),
            "the console lacks {s:?}:\n{}",
            run.console
        );
    }
    check!(
        run.console
            .contains("pv-grub: nothing to boot; powering off")
            && run.outcome == Outcome::Shutdown(Reason::Poweroff),
        "outcome {} (want pv-grub's clean poweroff)\nconsole:\n{}",
        run.outcome,
        run.console
    );
    Ok(())
}

macro_rules! boot_test {
    ($name:ident, $fn:ident, $test:literal, $doc:literal, |$cx:ident| $body:expr) => {
        #[doc = $doc]
        pub const $name: Test = Test {
            name: $test,
            needs: C_ONLY,
            images: &["pv-grub"],
            run: $fn,
        };
        fn $fn($cx: &mut Ctx) -> Result<(), TestError> {
            $body
        }
    };
}

/// A kernel variant on ext4-mbr.img, named by its menu `/boot/grub/NAME.lst`.
fn variant(cx: &mut Ctx, name: &str) -> Result<(), TestError> {
    let spec = guest(
        "ext4-mbr.img",
        Some(&format!("(hd0,0)/boot/grub/{name}.lst")),
    )?;
    let run = boots(cx, &spec, name)?;
    let (format, compression) = match name.split_once('-') {
        Some(("bz", c)) => ("bzimage", c),
        Some(("elf", c)) => ("compressed-elf", c),
        _ => ("elf", "uncompressed"),
    };
    loaded_as(&run, format, compression)
}

/// Checks pv-grub's `loaded:` line: the kernel's container and compression.
fn loaded_as(run: &GuestRun, format: &str, compression: &str) -> Result<(), TestError> {
    let loaded = run
        .console
        .lines()
        .find_map(|l| l.split("pv-grub: loaded: ").nth(1))
        .unwrap_or("");
    check!(
        loaded.starts_with(&format!("{format} {compression},")),
        "pv-grub loaded {loaded:?}, want {format} {compression}"
    );
    Ok(())
}

boot_test!(
    EXT4_MBR,
    ext4_mbr,
    "pvgrub_boots_debian_from_ext4_mbr",
    "The menu on an ext4 partition of an MBR disk, named by `extra`; 512 MiB.",
    |cx| {
        let spec = guest("ext4-mbr.img", Some("(hd0,0)/boot/grub/menu.lst"))?;
        // Debian's own vmlinuz: a bzImage with an xz payload.
        loaded_as(&boots(cx, &spec, "ext4-mbr")?, "bzimage", "xz")
    }
);

boot_test!(
    MEM_128,
    mem_128,
    "pvgrub_boots_debian_in_128m",
    "128 MiB: the kernel sees about that much memory.",
    |cx| {
        let mut spec = guest("ext4-mbr.img", Some("(hd0,0)/boot/grub/menu.lst"))?;
        spec.memory_mb = Some(128);
        let run = boots(cx, &spec, "ext4-mbr")?;
        let kib: u64 = run
            .console
            .lines()
            .find_map(|l| l.split("pvgrub-init: MemTotal:").nth(1))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0);
        check!(
            (64 << 10..128 << 10).contains(&kib),
            "the booted kernel has MemTotal {kib} kB, want between 64 and 128 MiB"
        );
        Ok(())
    }
);

boot_test!(
    MEM_2G_2CPU,
    mem_2g_2cpu,
    "pvgrub_boots_debian_in_2g_with_2_vcpus",
    "2 GiB and 2 vCPUs: the booted kernel brings both CPUs online.",
    |cx| {
        let mut spec = guest("ext4-mbr.img", Some("(hd0,0)/boot/grub/menu.lst"))?;
        spec.memory_mb = Some(2048);
        spec.xl_config = Some("vcpus = 2\n".into());
        let run = boots(cx, &spec, "ext4-mbr")?;
        let online = init_says(&run, "cpus-online");
        check!(
            online == "0-1",
            "the kernel has CPUs {online:?} online, want 0-1"
        );
        Ok(())
    }
);

boot_test!(
    GPT,
    gpt,
    "pvgrub_boots_debian_from_gpt_partition_2",
    "A GPT disk: the kernel's ext4 is partition 2, `(hd0,1)`.",
    |cx| boots(
        cx,
        &guest("gpt.img", Some("(hd0,1)/boot/grub/menu.lst"))?,
        "gpt"
    )
    .map(drop)
);

boot_test!(
    WHOLE,
    whole,
    "pvgrub_boots_debian_from_whole_disk",
    "ext4 on the whole disk, `(hd0)`.",
    |cx| boots(
        cx,
        &guest("whole.img", Some("(hd0)/boot/grub/menu.lst"))?,
        "whole"
    )
    .map(drop)
);

boot_test!(
    FAT,
    fat,
    "pvgrub_boots_debian_from_fat_boot",
    "/boot on a FAT32 partition.",
    |cx| boots(
        cx,
        &guest("fat.img", Some("(hd0,0)/boot/grub/menu.lst"))?,
        "fat"
    )
    .map(drop)
);

boot_test!(
    ISO,
    iso,
    "pvgrub_boots_debian_from_iso9660_cdrom",
    "An iso9660 image attached as a cdrom, `(hd0)`.",
    |cx| {
        let mut spec = guest("cd.iso", Some("(hd0)/boot/grub/menu.lst"))?;
        spec.disk_opts = vec!["access=ro, devtype=cdrom".into()];
        boots(cx, &spec, "iso9660").map(drop)
    }
);

boot_test!(
    RAMDISK,
    ramdisk,
    "pvgrub_boots_debian_from_ramdisk_menu",
    "The ramdisk is the menu (no extra); its entry's root is the disk.",
    |cx| {
        let mut spec = guest("ext4-mbr.img", None)?;
        spec.ramdisk = Some(disks()?.join("ramdisk.lst"));
        boots(cx, &spec, "ramdisk").map(drop)
    }
);

boot_test!(
    SEARCH,
    search,
    "pvgrub_boots_debian_disk_with_grub_cfg_and_no_extra",
    "A Debian-like disk with only grub.cfg, no extra and no ramdisk: pygrub's search.",
    |cx| boots(cx, &guest("debian.img", None)?, "grub-cfg").map(drop)
);

boot_test!(
    FALLBACK,
    fallback,
    "pvgrub_bad_kernels_fall_back_to_the_next_entry",
    "A missing kernel, an ELF without Xen notes and a truncated bzImage: each says why on \
     the console, and the fallback entry boots.",
    |cx| {
        let spec = guest("ext4-mbr.img", Some("(hd0,0)/boot/grub/fallback.lst"))?;
        let run = boots(cx, &spec, "fallback")?;
        for (entry, what) in [
            ("entry 0:", "no-such-kernel"),
            ("entry 1:", "k-no-xen-notes"),
            ("entry 2:", "k-truncated"),
        ] {
            check!(
                run.console
                    .lines()
                    .any(|l| l.contains(entry) && l.contains(what)),
                "no message for {entry} {what}:\n{}",
                run.console
            );
        }
        Ok(())
    }
);

boot_test!(
    SYNTAX,
    syntax,
    "pvgrub_menu_syntax_error_shows_its_line",
    "A menu with a bad device on line 5: the error and its line, then a clean poweroff.",
    |cx| refuses(
        cx,
        &guest("ext4-mbr.img", Some("(hd0,0)/boot/grub/syntax.lst"))?,
        &["syntax.lst", "line 5"]
    )
);

boot_test!(
    MISSING_MENU,
    missing_menu,
    "pvgrub_missing_menu_says_so",
    "A menu path that does not exist: the path in the message, then a clean poweroff.",
    |cx| refuses(
        cx,
        &guest("ext4-mbr.img", Some("(hd0,0)/boot/grub/nothere.lst"))?,
        &["nothere.lst"]
    )
);

boot_test!(
    CORRUPT_FS,
    corrupt_fs,
    "pvgrub_corrupt_filesystem_says_so",
    "An ext4 superblock with absurd counts and block size: what is wrong and where, then a \
     clean poweroff.",
    |cx| refuses(
        cx,
        &guest("corrupt.img", Some("(hd0,0)/boot/grub/grub.cfg"))?,
        &["(hd0,0)", "ext4"]
    )
);

boot_test!(
    TOO_LITTLE_MEMORY,
    too_little_memory,
    "pvgrub_too_little_memory_says_so",
    "48 MiB cannot hold Debian's unpacked kernel: pv-grub says so, then a clean poweroff.",
    |cx| {
        let mut spec = guest("ext4-mbr.img", Some("(hd0,0)/boot/grub/menu.lst"))?;
        spec.memory_mb = Some(48);
        refuses(cx, &spec, &["entry 0:", "memory"])
    }
);

boot_test!(
    BZ_GZIP,
    bz_gzip,
    "pvgrub_boots_bzimage_gzip",
    "A bzImage, gzip payload.",
    |cx| variant(cx, "bz-gzip")
);
boot_test!(
    BZ_BZIP2,
    bz_bzip2,
    "pvgrub_boots_bzimage_bzip2",
    "A bzImage, bzip2 payload.",
    |cx| variant(cx, "bz-bzip2")
);
boot_test!(
    BZ_LZMA,
    bz_lzma,
    "pvgrub_boots_bzimage_lzma",
    "A bzImage, lzma payload.",
    |cx| variant(cx, "bz-lzma")
);
boot_test!(
    BZ_LZO,
    bz_lzo,
    "pvgrub_boots_bzimage_lzo",
    "A bzImage, lzo payload.",
    |cx| variant(cx, "bz-lzo")
);
boot_test!(
    BZ_LZ4,
    bz_lz4,
    "pvgrub_boots_bzimage_lz4",
    "A bzImage, lz4 payload.",
    |cx| variant(cx, "bz-lz4")
);
boot_test!(
    BZ_ZSTD,
    bz_zstd,
    "pvgrub_boots_bzimage_zstd",
    "A bzImage, zstd payload.",
    |cx| variant(cx, "bz-zstd")
);
boot_test!(
    ELF,
    elf,
    "pvgrub_boots_plain_elf_vmlinux",
    "The vmlinux ELF itself.",
    |cx| variant(cx, "elf")
);
boot_test!(
    ELF_GZIP,
    elf_gzip,
    "pvgrub_boots_gzip_elf_vmlinux",
    "vmlinux.gz.",
    |cx| variant(cx, "elf-gzip")
);
boot_test!(
    ELF_ZSTD,
    elf_zstd,
    "pvgrub_boots_zstd_elf_vmlinux",
    "vmlinux.zst.",
    |cx| variant(cx, "elf-zstd")
);

/// dom0 types into `xl console` (under script(1), for a terminal): waits for the countdown,
/// moves to the second entry, edits its command line, boots it.
const INTERACTIVE_DURING: &str = r#"
set -u
poll() { local n=$1; shift; for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done; return 1; }
has() { grep -q "$2" "$1" 2>/dev/null; }
mkfifo /tmp/pvgrub-in
exec 3<>/tmp/pvgrub-in
script -q -c "xl console $RIG_DOMNAME" /dev/null </tmp/pvgrub-in >/tmp/pvgrub-xl.out 2>&1 &
poll 1200 has /tmp/pvgrub-xl.out 'Booting entry 0 in' || { echo "during: no countdown"; exit 1; }
echo "during: saw the countdown"
printf 'j' >&3
poll 100 has /tmp/pvgrub-xl.out '> 1: Debian (second)' || { echo "during: j did not move"; exit 1; }
printf 'e' >&3
poll 100 has /tmp/pvgrub-xl.out 'Kernel command line of entry 1' || { echo "during: no editor"; exit 1; }
printf ' pvgrub.edited=yes\r' >&3
echo "during: typed"
poll 1200 has /tmp/pvgrub-xl.out 'pvgrub-init:' && echo "during: xl console saw init"
"#;

boot_test!(
    INTERACTIVE,
    interactive,
    "pvgrub_interactive_menu_picks_and_edits_an_entry",
    "dom0 drives the menu through `xl console`: the second entry, its command line edited.",
    |cx| {
        let mut spec = guest("ext4-mbr.img", Some("(hd0,0)/boot/grub/interactive.lst"))?;
        spec.during = Some(INTERACTIVE_DURING.into());
        let run = boots(cx, &spec, "interactive-second")?;
        let dur = run.during_output.clone().unwrap_or_default();
        check!(
            dur.contains("during: typed"),
            "dom0 could not drive the menu:\n{dur}"
        );
        let cmdline = init_says(&run, "cmdline");
        check!(
            cmdline.split_whitespace().any(|w| w == "pvgrub.edited=yes"),
            "the edit is not on the booted kernel's command line {cmdline:?}"
        );
        Ok(())
    }
);

/// dom0's network for pv-grub's network tests, a bash function: `dom0_net DIR [OPTION_HEX]`
/// puts 10.0.2.2 on xenbr0 and starts busybox udhcpd (leases 10.0.2.100-110, next-server
/// 10.0.2.2, DHCP option 150 = OPTION_HEX when given) and dnsmasq's TFTP server over
/// /share/files, their logs and state in DIR; their pids are `$udhcpd_pid` and
/// `$dnsmasq_pid`.
const NET_PRELUDE: &str = concat!(
    include_str!("udhcpd.sh"),
    r#"
set -u
dom0_net() {
    local t=$1
    rm -rf "$t"; mkdir -p "$t"
    ip addr add 10.0.2.2/24 dev xenbr0 2>/dev/null
    dnsmasq -k -C /dev/null --port=0 --enable-tftp --tftp-root=/share/files \
        --listen-address=10.0.2.2 --bind-interfaces --user=root --group=root \
        --log-facility="$t/dnsmasq.log" &
    dnsmasq_pid=$!
    udhcpd_start "$t" 'opt lease 3600' ${2:+"option 0x96 $2"}
}
"#
);

/// dom0 for the TFTP tests: the network of [`NET_PRELUDE`] (option 150 = OPTION_HEX when
/// given) until the guest is gone, then the servers' logs.
const TFTP_DURING: &str = r#"
t=/tmp/pvgrub-tftp
dom0_net $t OPTION_HEX
echo "during: servers up"
for _ in $(seq 3000); do xl domid "$RIG_DOMNAME" >/dev/null 2>&1 || break; sleep 0.1; done
kill $dnsmasq_pid $udhcpd_pid 2>/dev/null
sed 's/^/during: dnsmasq-log /' $t/dnsmasq.log
sed 's/^/during: udhcpd-log /' $t/udhcpd.log
"#;

/// Puts Debian's kernel, the initramfs and the `(nd)` menus on dom0's share
/// (`/share/files/pvgrub/`), and returns a guest with a vif and no disk, dom0 serving DHCP
/// (option 150 = `option150`, if given) and TFTP.
fn tftp_guest(cx: &mut Ctx, extra: Option<&str>, option150: &str) -> Result<GuestSpec, TestError> {
    let files = cx.rig()?.share().join("files/pvgrub");
    std::fs::create_dir_all(&files).map_err(|e| RigError::io(files.display(), e))?;
    let copy = |from: PathBuf, to: &str| {
        std::fs::copy(&from, files.join(to)).map_err(|e| RigError::io(from.display(), e))
    };
    copy(
        xtask::build::root().join("target/kernel/vmlinuz"),
        "vmlinuz",
    )?;
    copy(disks()?.join("initrd.gz"), "initrd.gz")?;
    for test in ["tftp-nd", "option-150"] {
        let menu = format!(
            "default 0\ntimeout 0\n\ntitle Debian over TFTP\nroot (nd)\n\
             kernel /pvgrub/vmlinuz console=hvc0 pvgrub.test={test}\ninitrd /pvgrub/initrd.gz\n"
        );
        let path = files.join(format!("{test}.lst"));
        std::fs::write(&path, menu).map_err(|e| RigError::io(path.display(), e))?;
    }
    let hex: String = option150.bytes().map(|b| format!("{b:02x}")).collect();
    let mut spec = GuestSpec::new(image("pv-grub"));
    spec.vif = true;
    spec.extra = extra.map(str::to_string);
    spec.memory_mb = Some(512);
    spec.timeout = Duration::from_secs(300);
    spec.during = Some(format!(
        "{NET_PRELUDE}{}",
        TFTP_DURING.replace("OPTION_HEX", &hex)
    ));
    Ok(spec)
}

boot_test!(
    TFTP_ND,
    tftp_nd,
    "pvgrub_boots_debian_over_tftp_from_nd",
    "`extra=\"(nd)/pvgrub/tftp-nd.lst\"`: DHCP, then the menu, kernel and initrd by TFTP \
     from dnsmasq.",
    |cx| {
        let spec = tftp_guest(cx, Some("(nd)/pvgrub/tftp-nd.lst"), "")?;
        let run = boots(cx, &spec, "tftp-nd")?;
        let dur = run.during_output.clone().unwrap_or_default();
        check!(
            dur.contains("pvgrub/vmlinuz"),
            "dnsmasq did not log sending the kernel:\n{dur}"
        );
        Ok(())
    }
);

boot_test!(
    OPTION_150,
    option_150,
    "pvgrub_boots_debian_from_dhcp_option_150",
    "No extra, no ramdisk, no disk: the menu DHCP option 150 names, `(nd)/pvgrub/option-150.lst`.",
    |cx| {
        let spec = tftp_guest(cx, None, "(nd)/pvgrub/option-150.lst")?;
        let run = boots(cx, &spec, "option-150")?;
        check!(
            run.console.contains("DHCP option 150 names the menu"),
            "pv-grub did not say where the menu came from:\n{}",
            run.console
        );
        Ok(())
    }
);

/// The rig's own dom0 kernel and its modules directory (the boot set's Debian packages:
/// the modules match that kernel, whatever version apt gave).
fn rig_kernel() -> Result<(PathBuf, PathBuf), TestError> {
    let extract = xtask::rig::rig_dir().join("extract");
    let find = |dir: PathBuf, prefix: &str| -> Result<PathBuf, TestError> {
        std::fs::read_dir(&dir)
            .map_err(|e| RigError::io(dir.display(), e))?
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
            })
            .ok_or_else(|| TestError::Check(format!("no {prefix}* in {}", dir.display())))
    };
    let vmlinuz = find(extract.join("boot"), "vmlinuz-")?;
    let modules = find(extract.join("usr/lib/modules"), "")?;
    Ok((vmlinuz, modules))
}

/// A disk for the frontends test: the rig's kernel, an initramfs of busybox, the modules and
/// tests/rig/peers/pvgrub_netblk_init.sh, a menu, and 1 MiB of random data; returns the
/// disk and the data's sha256 (computed here).
fn netblk_disk(dir: &std::path::Path) -> Result<(PathBuf, String), TestError> {
    let (vmlinuz, modules) = rig_kernel()?;
    let ramfs = dir.join("initramfs");
    let tree = dir.join("tree");
    for d in [
        ramfs.join("bin"),
        ramfs.join("lib/modules"),
        tree.join("boot/grub"),
    ] {
        std::fs::create_dir_all(&d).map_err(|e| RigError::io(d.display(), e))?;
    }
    let io = |what: &std::path::Path, e| TestError::Rig(RigError::io(what.display(), e));
    let bb = xtask::rig::rig_dir().join("extract/bin/busybox");
    std::fs::copy(&bb, ramfs.join("bin/busybox")).map_err(|e| io(&bb, e))?;
    let init = xtask::build::root().join("tests/rig/peers/pvgrub_netblk_init.sh");
    std::fs::copy(&init, ramfs.join("init")).map_err(|e| io(&init, e))?;
    for m in [
        "lib/crc16",
        "fs/mbcache",
        "fs/jbd2/jbd2",
        "crypto/crc32c_generic",
        "fs/ext4/ext4",
        "drivers/block/xen-blkfront",
        "drivers/net/xen-netfront",
    ] {
        let from = modules.join("kernel").join(format!("{m}.ko"));
        let name = from.file_name().unwrap_or_default().to_owned();
        std::fs::copy(&from, ramfs.join("lib/modules").join(name)).map_err(|e| io(&from, e))?;
    }
    let initrd = tree.join("boot/initrd.gz");
    output_of(Command::new("sh").arg("-c").arg(format!(
        "cd '{}' && chmod 755 init bin/busybox && find . | cpio -o -H newc --quiet | gzip -1 > '{}'",
        ramfs.display(),
        initrd.display()
    )))?;
    std::fs::copy(&vmlinuz, tree.join("boot/vmlinuz")).map_err(|e| io(&vmlinuz, e))?;
    std::fs::write(
        tree.join("boot/grub/menu.lst"),
        "default 0\ntimeout 0\ntitle Debian\nroot (hd0,0)\n\
         kernel /boot/vmlinuz console=hvc0 pvgrub.test=frontends\ninitrd /boot/initrd.gz\n",
    )
    .map_err(|e| io(&tree, e))?;
    output_of(
        Command::new("head")
            .args(["-c", "1048576", "/dev/urandom"])
            .stdout(std::fs::File::create(tree.join("data.bin")).map_err(|e| io(&tree, e))?),
    )?;
    let sha = output_of(Command::new("sha256sum").arg(tree.join("data.bin")))?;
    let sha = sha.split_whitespace().next().unwrap_or("").to_string();
    let disk = dir.join("disk.img");
    output_of(Command::new("sh").arg("-c").arg(format!(
        "truncate -s 96M '{d}' && printf 'label: dos\\nstart=2048, type=83\\n' | sfdisk -q '{d}' \
         && mke2fs -q -F -t ext4 -d '{t}' -E offset=1048576 '{d}' 97280k",
        d = disk.display(),
        t = tree.display()
    )))?;
    Ok((disk, sha))
}

/// dom0 for the frontends test: the network of [`NET_PRELUDE`], then pings
/// the address the booted kernel says it leased.
const NETBLK_DURING: &str = r#"
dom0_net /tmp/pvgrub-netblk
ip=
for _ in $(seq 3000); do
    ip=$(sed -n 's/.*pvgrub-init: lease=\([0-9.]*\).*/\1/p' "$RIG_CONSOLE" 2>/dev/null | head -n1)
    [[ -n $ip ]] && break
    sleep 0.1
done
echo "during: guest-says-lease=$ip"
for n in $(xenstore-list /local/domain/$RIG_DOMID/device/vbd); do
    f=/local/domain/$RIG_DOMID/device/vbd/$n
    echo "during: vbd $n frontend-state=$(xenstore-read $f/state) backend-state=$(xenstore-read $(xenstore-read $f/backend)/state)"
done
[[ -n $ip ]] && ping -c 3 -W 2 "$ip" >/dev/null && echo "during: ping-ok $ip"
for _ in $(seq 600); do xl domid "$RIG_DOMNAME" >/dev/null 2>&1 || break; sleep 0.1; done
kill $udhcpd_pid $dnsmasq_pid 2>/dev/null
"#;

boot_test!(
    FRONTENDS,
    frontends,
    "pvgrub_booted_kernel_mounts_its_disk_and_gets_a_lease",
    "The kernel pv-grub booted connects its own blkfront and netfront after pv-grub used \
     both (the disk opened, the kernel over TFTP): it mounts the disk (a file's sha256 \
     matches the host's) and gets a DHCP lease that dom0 pings.",
    |cx| {
        let dir = cx.scratch()?;
        let (disk, sha) = netblk_disk(&dir)?;
        let files = cx.rig()?.share().join("files/pvgrub-netblk");
        std::fs::create_dir_all(&files).map_err(|e| RigError::io(files.display(), e))?;
        for f in ["vmlinuz", "initrd.gz"] {
            let from = dir.join("tree/boot").join(f);
            std::fs::copy(&from, files.join(f)).map_err(|e| RigError::io(from.display(), e))?;
        }
        std::fs::write(
            files.join("menu.lst"),
            "default 0\ntimeout 0\ntitle Debian\nroot (nd)\n\
             kernel /pvgrub-netblk/vmlinuz console=hvc0 pvgrub.test=frontends\n\
             initrd /pvgrub-netblk/initrd.gz\n",
        )
        .map_err(|e| RigError::io(files.display(), e))?;
        let mut spec = GuestSpec::new(image("pv-grub"));
        spec.disks = vec![disk];
        spec.vif = true;
        spec.extra = Some("(nd)/pvgrub-netblk/menu.lst".into());
        spec.memory_mb = Some(512);
        spec.timeout = Duration::from_secs(300);
        spec.during = Some(format!("{NET_PRELUDE}{NETBLK_DURING}"));
        let run = boots(cx, &spec, "frontends")?;
        let got = init_says(&run, "data-sha256");
        let dur = run.during_output.clone().unwrap_or_default();
        for l in dur.lines().filter(|l| l.starts_with("during: ")) {
            eprintln!("    {l}");
        }
        check!(
            got == sha,
            "the booted kernel read sha256 {got:?}, the host wrote {sha}"
        );
        check!(
            dur.contains("during: ping-ok"),
            "dom0 could not ping the lease:\n{dur}"
        );
        Ok(())
    }
);
