//! Shared by the disk and filesystem tests: builds the images with
//! scripts/make-disk-fixtures.sh (real mkfs/sfdisk/sgdisk/xorriso runs) into target/tmp, once,
//! and reads back the source tree and `sfdisk -d` dumps the images were made from.
#![allow(dead_code)] // each test binary uses a different part

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The fixture directory, built on first use (under flock, so parallel test binaries share it).
pub fn dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| build(false, "disk-fixtures"))
}

/// The small images for fuzz seeds.
pub fn seeds_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| build(true, "disk-fixture-seeds"))
}

fn build(seeds: bool, name: &str) -> PathBuf {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/make-disk-fixtures.sh");
    let lock = out.with_extension("lock");
    let mut cmd = Command::new("flock");
    cmd.arg(&lock).arg("sh").arg(&script);
    if seeds {
        cmd.arg("--seeds");
    }
    let status = cmd
        .arg(&out)
        .status()
        .expect("flock (util-linux) must be installed to build disk fixtures");
    assert!(status.success(), "{} failed: {status}", script.display());
    out
}

/// The bytes of fixture image `name`.
pub fn image(name: &str) -> Vec<u8> {
    let path = dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One partition line of `sfdisk -d`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SfdiskPart {
    /// Linux's partition number (1-based; 5 is the first logical).
    pub linux_number: u32,
    /// Start, in sectors.
    pub start: u64,
    /// Size, in sectors.
    pub size: u64,
    /// `type=` value as sfdisk prints it (hex byte for MBR, GUID for GPT).
    pub kind: String,
}

/// The `sfdisk -d` dump the script saved for image `name` (`NAME.img` -> `NAME.sfdisk`):
/// the label (`dos`, `gpt`, or empty if sfdisk found no table) and the partitions.
pub fn sfdisk(name: &str) -> (String, Vec<SfdiskPart>) {
    let path = dir().join(name).with_extension("sfdisk");
    let text = std::fs::read_to_string(&path).expect("sfdisk dump");
    let mut label = String::new();
    let mut parts = Vec::new();
    for line in text.lines() {
        if let Some(l) = line.strip_prefix("label: ") {
            label = l.to_string();
        }
        let Some((dev, fields)) = line.split_once(" : ") else {
            continue;
        };
        let digits: String = dev.chars().rev().take_while(char::is_ascii_digit).collect();
        let linux_number = digits.chars().rev().collect::<String>().parse().unwrap();
        let field = |key: &str| -> String {
            fields
                .split(',')
                .map(str::trim)
                .find_map(|f| f.strip_prefix(key).map(|v| v.trim().to_string()))
                .unwrap_or_default()
        };
        parts.push(SfdiskPart {
            linux_number,
            start: field("start=").parse().unwrap(),
            size: field("size=").parse().unwrap(),
            kind: field("type="),
        });
    }
    (label, parts)
}

/// Kind of a source-tree entry, not following symlinks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind {
    File,
    Dir,
    Symlink,
}

/// Every entry below `root` (relative paths with a leading `/`), depth first.
pub fn walk(root: &Path) -> Vec<(String, HostKind)> {
    fn go(root: &Path, rel: &str, out: &mut Vec<(String, HostKind)>) {
        let mut entries: Vec<_> = std::fs::read_dir(root.join(rel.trim_start_matches('/')))
            .unwrap()
            .map(|e| e.unwrap())
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let path = format!("{rel}/{}", e.file_name().to_str().unwrap());
            let t = e.file_type().unwrap();
            let kind = if t.is_symlink() {
                HostKind::Symlink
            } else if t.is_dir() {
                HostKind::Dir
            } else {
                HostKind::File
            };
            out.push((path.clone(), kind));
            if kind == HostKind::Dir {
                go(root, &path, out);
            }
        }
    }
    let mut out = Vec::new();
    go(root, "", &mut out);
    out
}

/// The names in directory `rel` of the tree at `root`, sorted.
pub fn host_names(root: &Path, rel: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root.join(rel.trim_start_matches('/')))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// A small deterministic generator for corruption tests (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Runs `f` on another thread and fails the test if it takes longer than `secs` (a hang).
pub fn within<T: Send + 'static>(
    secs: u64,
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(std::time::Duration::from_secs(secs)) {
        Ok(v) => v,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("{what}: hung ({secs}s)"),
        Err(_) => panic!("{what}: panicked (see above)"),
    }
}
