//! Builds disk images with the real tools (sfdisk, sgdisk, mkfs.ext4 -d, mkfs.vfat + mcopy)
//! and runs pvgrub-probe and pygrub on them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

#[path = "../../../tests/image_support/fetch.rs"]
mod fetch;
#[path = "../../../tests/text_support/mod.rs"]
mod text_support;
pub use text_support::looks_like_debug;

/// Sector size of the images.
pub const SECTOR: u64 = 512;

/// A fresh scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("probe")
        .join(format!("{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs a tool that must be installed and succeed.
pub fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?} must be installed: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Writes `files` (path relative to the root, contents) under `dir`.
pub fn tree(dir: &Path, files: &[(&str, &[u8])]) {
    for (path, data) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }
}

/// A filesystem to put in a partition (or on the whole disk).
pub enum Fs<'a> {
    /// ext4 (or ext2/3 with other `-t`) made by `mkfs.ext4 -d` from these files.
    Ext(&'a str, &'a [(&'a str, &'a [u8])]),
    /// FAT made by mkfs.vfat, filled by mcopy.
    Fat(&'a [(&'a str, &'a [u8])]),
    /// Left empty (never formatted).
    None,
}

/// Formats `fs` at byte `offset` of `image`, `len` bytes long.
pub fn format(dir: &Path, image: &Path, offset: u64, len: u64, fs: &Fs) {
    match fs {
        Fs::Ext(kind, files) => {
            let root = dir.join(format!("root-{offset}"));
            std::fs::create_dir_all(&root).unwrap();
            tree(&root, files);
            run(Command::new(format!("mkfs.{kind}"))
                .args(["-q", "-F", "-E"])
                .arg(format!("offset={offset}"))
                .arg("-d")
                .arg(&root)
                .arg(image)
                .arg(format!("{}k", len / 1024)));
        }
        Fs::Fat(files) => {
            run(Command::new("mkfs.vfat")
                .arg(format!("--offset={}", offset / SECTOR))
                .arg(image)
                .arg((len / 1024).to_string()));
            let target = format!("{}@@{offset}", image.display());
            for (path, data) in files.iter() {
                let src = dir.join("fat-file");
                std::fs::write(&src, data).unwrap();
                let mut dirs = String::new();
                let parts: Vec<&str> = path.split('/').collect();
                for d in &parts[..parts.len() - 1] {
                    dirs.push('/');
                    dirs.push_str(d);
                    let _ = Command::new("mmd")
                        .args(["-D", "s", "-i", &target])
                        .arg(format!("::{dirs}"))
                        .output();
                }
                run(Command::new("mcopy")
                    .args(["-o", "-i", &target])
                    .arg(&src)
                    .arg(format!("::/{path}")));
            }
        }
        Fs::None => {}
    }
}

/// Start and length in bytes of each partition, as `sfdisk --json` reports them.
pub fn partitions(image: &Path) -> Vec<(u64, u64)> {
    let out = run(Command::new("sfdisk").arg("--json").arg(image));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["partitiontable"]["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["start"].as_u64().unwrap() * SECTOR,
                p["size"].as_u64().unwrap() * SECTOR,
            )
        })
        .collect()
}

/// An MBR disk of `size_mib` MiB partitioned by sfdisk with `script`, the partitions
/// (in table order, extended ones skipped by passing `Fs::None`) formatted with `fss`.
pub fn mbr_disk(dir: &Path, size_mib: u64, script: &str, fss: &[Fs]) -> PathBuf {
    let image = dir.join("disk.img");
    run(Command::new("truncate")
        .arg(format!("-s{size_mib}M"))
        .arg(&image));
    let mut child = Command::new("sfdisk")
        .args(["-q", "--no-reread", "--no-tell-kernel"])
        .arg(&image)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("sfdisk must be installed");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "sfdisk failed");
    for ((start, len), fs) in partitions(&image).into_iter().zip(fss) {
        format(dir, &image, start, len, fs);
    }
    image
}

/// A GPT disk made by `sgdisk` with `args` (e.g. `-n 1:2048:+8M -t 1:ef00`), partitions
/// formatted with `fss`.
pub fn gpt_disk(dir: &Path, size_mib: u64, args: &[&str], fss: &[Fs]) -> PathBuf {
    let image = dir.join("disk.img");
    run(Command::new("truncate")
        .arg(format!("-s{size_mib}M"))
        .arg(&image));
    run(Command::new("sgdisk").args(args).arg(&image));
    for ((start, len), fs) in partitions(&image).into_iter().zip(fss) {
        format(dir, &image, start, len, fs);
    }
    image
}

/// A disk that is one filesystem, no partition table.
pub fn bare_disk(dir: &Path, size_mib: u64, fs: &Fs) -> PathBuf {
    let image = dir.join("disk.img");
    run(Command::new("truncate")
        .arg(format!("-s{size_mib}M"))
        .arg(&image));
    format(dir, &image, 0, size_mib << 20, fs);
    image
}

/// Runs pvgrub-probe with `args`: exit code, stdout, stderr.
pub fn probe(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pvgrub-probe"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Runs pvgrub-probe with `args` (any bytes): exit code, stdout, stderr, as bytes.
pub fn probe_raw<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> (i32, Vec<u8>, Vec<u8>) {
    let out = Command::new(env!("CARGO_BIN_EXE_pvgrub-probe"))
        .args(args)
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), out.stdout, out.stderr)
}

/// Checks that `what` (the raw bytes of an output) is UTF-8 text of lines holding no control
/// character (C0, DEL, C1) and none of the invisible characters `pvgrub::text` escapes, and
/// returns it.
pub fn clean_text(what: &str, bytes: &[u8]) -> String {
    let text = String::from_utf8(bytes.to_vec())
        .unwrap_or_else(|e| panic!("{what} is not UTF-8 ({e}): {bytes:?}"));
    for (i, c) in text.char_indices() {
        let invisible = matches!(c,
            '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2069}'
            | '\u{feff}' | '\u{fff9}'..='\u{fffb}');
        assert!(
            c == '\n' || !(c.is_control() || invisible),
            "{what} has {c:?} at byte {i}: {text}"
        );
    }
    text
}

/// Keeps a copy of the generated disk `image` as target/tmp/hostile/`name`.img, for running
/// pvgrub-probe on it by hand.
pub fn keep(image: &Path, name: &str) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(image, dir.join(format!("{name}.img"))).unwrap();
}

/// Runs the probe, which must exit with `code` and print on stderr `message`, as text (no
/// `{:?}` dump); returns its stdout.
pub fn fails(args: &[&str], code: i32, message: &str) -> String {
    let (got, out, err) = probe(args);
    assert_eq!(got, code, "exit status; stdout {out}, stderr {err}");
    assert!(err.contains(message), "stderr {err:?} lacks {message:?}");
    assert!(err.starts_with("pvgrub-probe: "), "{err}");
    assert!(
        !looks_like_debug(&err),
        "stderr looks like Debug output: {err}"
    );
    out
}

/// Runs `pvgrub-probe DISK [MENU] --json`, which must succeed, and parses its object.
pub fn probe_json(disk: &Path, menu: Option<&str>) -> Value {
    let mut args = vec![disk.to_str().unwrap()];
    args.extend(menu);
    args.push("--json");
    probe_json_args(&args)
}

/// Runs pvgrub-probe with `args` (including `--json`), which must succeed, and parses its
/// object.
pub fn probe_json_args(args: &[&str]) -> Value {
    let (code, out, err) = probe(args);
    assert_eq!(code, 0, "pvgrub-probe failed: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// Debian's real kernel (scripts/fetch-kernel.sh fetches linux-image-amd64's vmlinuz).
pub fn debian_vmlinuz() -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::read(fetch::kernel_dir(&root).join("vmlinuz")).unwrap()
}

/// What pygrub (Xen 4.17, scripts/fetch-pygrub.sh) boots from `disk`: the kernel and ramdisk
/// it extracts, and the arguments.
pub fn pygrub(disk: &Path, out_dir: &Path) -> (Vec<u8>, Option<Vec<u8>>, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = run(&mut Command::new(root.join("scripts/fetch-pygrub.sh")));
    let x = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
    let lib = x.join("usr/lib/xen-4.17/lib/x86_64-linux-gnu");
    let out = run(Command::new("/usr/bin/python3")
        .arg(x.join("usr/lib/xen-4.17/bin/pygrub"))
        .args(["-q", "--output-format=simple0"])
        .arg(format!("--output-directory={}", out_dir.display()))
        .arg(disk)
        .env("XEN_FSIMAGE_FSDIR", lib.join("xenfsimage"))
        .env(
            "LD_LIBRARY_PATH",
            format!(
                "{}:{}",
                x.join("usr/lib/x86_64-linux-gnu").display(),
                lib.display()
            ),
        )
        .env("PYTHONPATH", x.join("usr/lib/xen-4.17/lib/python")));
    let text = String::from_utf8(out.stdout).unwrap();
    let (mut kernel, mut ramdisk, mut args) = (Vec::new(), None, String::new());
    for field in text.split('\0') {
        if let Some(p) = field.strip_prefix("kernel ") {
            kernel = std::fs::read(p).unwrap();
        } else if let Some(p) = field.strip_prefix("ramdisk ") {
            ramdisk = Some(std::fs::read(p).unwrap());
        } else if let Some(a) = field.strip_prefix("args ") {
            args = a.to_string();
        }
    }
    (kernel, ramdisk, args)
}
