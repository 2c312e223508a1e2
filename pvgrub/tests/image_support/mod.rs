//! Real artefacts for the kernel-image and decompression tests, made by real tools and cached
//! under target/kernel/ (the workspace's): Debian's vmlinuz (scripts/fetch-kernel.sh), its
//! vmlinux as the reference `xz` unpacks it, and that vmlinux recompressed by every
//! compressor Debian packages, with the command lines Linux's Makefile.lib uses. Each test
//! binary uses a part of these helpers.
#![allow(dead_code)]

pub mod fetch;
pub mod xen;

use pvgrub::decompress::Compression;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("pvgrub sits in the workspace")
        .to_path_buf()
}

/// target/kernel/, filled by scripts/fetch-kernel.sh (run once per test binary).
pub fn kernel_dir() -> PathBuf {
    fetch::kernel_dir(&root())
}

/// Debian's bzImage.
pub fn vmlinuz_path() -> PathBuf {
    kernel_dir().join("vmlinuz")
}

/// target/kernel/test/KERNEL-VERSION/, where the tests keep what they make from that kernel.
pub fn cache_dir() -> PathBuf {
    let version = std::fs::read_to_string(kernel_dir().join("VERSION")).expect("VERSION");
    let dir = kernel_dir().join("test").join(version.trim());
    std::fs::create_dir_all(&dir).expect("create target/kernel/test");
    dir
}

/// Runs `program args` with `input` on stdin and the output in `out` (written atomically),
/// unless `out` exists. The tool must succeed.
pub fn make_with(program: &str, args: &[&str], input: &Path, out: &Path) {
    if out.exists() {
        return;
    }
    let tmp = temp_path(out);
    let status = Command::new(program)
        .args(args)
        .stdin(std::fs::File::open(input).expect("open tool input"))
        .stdout(std::fs::File::create(&tmp).expect("create tool output"))
        .status()
        .unwrap_or_else(|e| panic!("{program} must be installed: {e}"));
    assert!(status.success(), "{program} {args:?} failed");
    std::fs::rename(&tmp, out).expect("rename tool output");
}

/// The vmlinux inside Debian's vmlinuz, unpacked the way Linux's scripts/extract-vmlinux
/// does it: find the first xz magic in the file and feed everything from there to `xz -dc`.
pub fn vmlinux_path() -> PathBuf {
    static DONE: OnceLock<PathBuf> = OnceLock::new();
    DONE.get_or_init(|| {
        let out = cache_dir().join("vmlinux");
        if !out.exists() {
            let image = std::fs::read(vmlinuz_path()).expect("read vmlinuz");
            let magic = Compression::Xz.magic();
            let at = image
                .windows(magic.len())
                .position(|w| w == magic)
                .expect("vmlinuz holds an xz stream");
            let tail = cache_dir().join("vmlinuz.xz-tail");
            std::fs::write(&tail, &image[at..]).expect("write xz tail");
            make_with("xz", &["-dc", "--single-stream"], &tail, &out);
        }
        out
    })
    .clone()
}

/// The reference vmlinux, read.
pub fn vmlinux() -> Vec<u8> {
    std::fs::read(vmlinux_path()).expect("read vmlinux")
}

/// Compressor and decompressor command lines for a format: Linux's (Makefile.lib,
/// xz_wrap.sh) for compression, `TOOL -dc` for the reference decompression.
pub fn tool(
    c: Compression,
) -> (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
) {
    match c {
        Compression::Gzip => ("gzip", &["-n", "-f", "-9"], &["-dc"]),
        Compression::Bzip2 => ("bzip2", &["-9"], &["-dc"]),
        Compression::Lzma => ("lzma", &["-9"], &["-dc"]),
        Compression::Xz => (
            "xz",
            &["--check=crc32", "--x86", "--lzma2=,dict=32MiB"],
            &["-dc"],
        ),
        Compression::Lzo => ("lzop", &["-9"], &["-dc"]),
        Compression::Lz4 => ("lz4", &["-l", "-c1"], &["-dc"]),
        Compression::Zstd => ("zstd", &["-22", "--ultra", "-T1"], &["-dc"]),
    }
}

/// `input` compressed by the real tool for `c` (from stdin, as Linux pipes it), cached.
pub fn compress_file(c: Compression, input: &Path) -> PathBuf {
    let name = input.file_name().expect("file name").to_string_lossy();
    let out = input.with_file_name(format!("{name}.{}", c.name()));
    let (program, args, _) = tool(c);
    make_with(program, args, input, &out);
    out
}

/// The reference vmlinux compressed by the real tool for `c`, cached.
pub fn compressed_vmlinux(c: Compression) -> PathBuf {
    static DONE: [OnceLock<PathBuf>; 7] = [const { OnceLock::new() }; 7];
    let i = Compression::ALL
        .iter()
        .position(|&x| x == c)
        .expect("known");
    DONE[i]
        .get_or_init(|| compress_file(c, &vmlinux_path()))
        .clone()
}

/// What the real tool for `c` decompresses `path` to.
pub fn reference_decompress(c: Compression, path: &Path) -> Vec<u8> {
    let (program, _, args) = tool(c);
    let out = Command::new(program)
        .args(args)
        .stdin(std::fs::File::open(path).expect("open compressed file"))
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("{program} must be installed: {e}"));
    assert!(
        out.status.success(),
        "{program} -dc failed on {}",
        path.display()
    );
    out.stdout
}

/// Writes `bytes` to `name` in [`cache_dir`] (atomically) and returns the path.
pub fn scratch_file(name: &str, bytes: &[u8]) -> PathBuf {
    write_file(&cache_dir(), name, bytes)
}

/// target/test-samples/: inputs the tests make themselves, independent of any kernel.
pub fn samples_dir() -> PathBuf {
    let dir = root().join("target/test-samples");
    std::fs::create_dir_all(&dir).expect("create target/test-samples");
    dir
}

/// Writes `bytes` to `name` in `dir` (atomically) and returns the path.
pub fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    let tmp = temp_path(&path);
    std::fs::write(&tmp, bytes).expect("write scratch file");
    std::fs::rename(&tmp, &path).expect("rename scratch file");
    path
}

/// A name next to `path` for writing it before renaming it into place, unique per process
/// and call: two tests may make the same file at once.
fn temp_path(path: &Path) -> PathBuf {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}-{call}", std::process::id()));
    PathBuf::from(tmp)
}
