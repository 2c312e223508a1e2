//! Benchmark (not a test): our decoders against the C tools on Debian's kernel payload.
//!
//! Run it with `scripts/bench-decompress.sh [RUNS [FORMAT]]`, which fetches the kernel and
//! builds this in release. Arguments: `VMLINUZ OUT_DIR RUNS [FORMAT]` (FORMAT: one format
//! only, to profile it). The xz stream is the payload of Debian's vmlinuz itself; the other
//! formats are its vmlinux recompressed with Linux's command lines (cached in OUT_DIR). Each
//! decoder runs RUNS times; the table in OUT_DIR/decompress.md gives the median wall times.
//! Ours decodes from memory into memory; a C tool is timed as `TOOL -dc FILE > /dev/null`
//! (process start and reading a cached file included).
//!
//! Memory as in the guest: minios maps all of the domain's RAM at boot, so our output buffer
//! never page-faults there. On the host glibc would mmap each 66 MB output afresh and the
//! kernel would fault and zero it page by page (about half our lz4 time). The script runs
//! this with `GLIBC_TUNABLES` that keep big blocks in glibc's heap (no mmap, no trim) and one
//! untimed run first; the C tools run without them.

use pvgrub::decompress::{decompress, Compression, Limits};
use pvgrub::image::SetupHeader;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Linux's compressor command line for a format (Makefile.lib, xz_wrap.sh), and the C tool.
fn tool(c: Compression) -> (&'static str, &'static [&'static str]) {
    match c {
        Compression::Gzip => ("gzip", &["-n", "-f", "-9"]),
        Compression::Bzip2 => ("bzip2", &["-9"]),
        Compression::Lzma => ("lzma", &["-9"]),
        Compression::Xz => ("xz", &["--check=crc32", "--x86", "--lzma2=,dict=32MiB"]),
        Compression::Lzo => ("lzop", &["-9"]),
        Compression::Lz4 => ("lz4", &["-l", "-c1"]),
        Compression::Zstd => ("zstd", &["-22", "--ultra", "-T1"]),
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// The compressed kernel for `c`: Debian's own payload for xz, else vmlinux recompressed.
fn stream(c: Compression, payload: &[u8], vmlinux: &Path, dir: &Path) -> PathBuf {
    let path = dir.join(format!("vmlinux.{}", c.name()));
    if path.exists() {
        return path;
    }
    if c == Compression::Xz {
        std::fs::write(&path, payload).expect("write payload");
        return path;
    }
    let (program, args) = tool(c);
    let tmp = dir.join(format!("vmlinux.{}.tmp", c.name()));
    let status = Command::new(program)
        .args(args)
        .stdin(std::fs::File::open(vmlinux).expect("open vmlinux"))
        .stdout(std::fs::File::create(&tmp).expect("create output"))
        .status()
        .unwrap_or_else(|e| panic!("{program} must be installed: {e}"));
    assert!(status.success(), "{program} failed");
    std::fs::rename(&tmp, &path).expect("rename");
    path
}

fn time_ours(c: Compression, data: &[u8], expected: &[u8], runs: usize) -> Duration {
    // Untimed: afterwards the heap holds the output's pages (see the module docs).
    drop(decompress(c, data, &Limits::default()).expect("our decoder"));
    let mut times = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let out = decompress(c, data, &Limits::default()).expect("our decoder");
        times.push(start.elapsed());
        assert!(out == expected, "our {} output differs", c.name());
    }
    median(times)
}

fn time_tool(c: Compression, path: &Path, runs: usize) -> Duration {
    let (program, _) = tool(c);
    let mut times = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let status = Command::new(program)
            .env_remove("GLIBC_TUNABLES")
            .arg("-dc")
            .arg(path)
            .stdout(Stdio::null())
            .status()
            .expect("run the C tool");
        times.push(start.elapsed());
        assert!(status.success(), "{program} -dc failed");
    }
    median(times)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (vmlinuz, out_dir, runs, only) = match &args[..] {
        [_, v, o, r] => (v, o, r, None),
        [_, v, o, r, f] => (v, o, r, Some(f.as_str())),
        _ => panic!("usage: decompress_bench VMLINUZ OUT_DIR RUNS [FORMAT]"),
    };
    let runs: usize = runs.parse().expect("RUNS is a number");
    let dir = PathBuf::from(out_dir);
    std::fs::create_dir_all(&dir).expect("create OUT_DIR");

    let image = std::fs::read(vmlinuz).expect("read vmlinuz");
    let hdr = SetupHeader::parse(&image).expect("a bzImage");
    let payload = hdr.payload(&image);
    let stream_xz = &payload[..payload.len() - 4];
    let vmlinux = decompress(Compression::Xz, stream_xz, &Limits::default()).expect("xz payload");
    let vmlinux_path = dir.join("vmlinux");
    std::fs::write(&vmlinux_path, &vmlinux).expect("write vmlinux");

    let mut table = String::new();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let _ = writeln!(
        table,
        "# Decompressing Debian's kernel ({} bytes of vmlinux)\n\n\
         Median of {runs} runs, wall time, `cargo build --release` (LTO; the decoders at \
         opt-level 3, as in the guest image). Ours: `pvgrub::decompress::decompress`, memory \
         to memory, big blocks kept in glibc's heap as the guest's heap is mapped at boot. C: \
         `TOOL -dc FILE > /dev/null`. \
         Load average at start: {}\n\n\
         | format | compressed bytes | ours (ms) | C tool (ms) | ours / C |\n\
         |---|---:|---:|---:|---:|",
        vmlinux.len(),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    for c in Compression::ALL {
        if only.is_some_and(|f| f != c.name()) {
            continue;
        }
        let path = stream(c, stream_xz, &vmlinux_path, &dir);
        let data = std::fs::read(&path).expect("read stream");
        let ours = time_ours(c, &data, &vmlinux, runs);
        let theirs = time_tool(c, &path, runs);
        let line = format!(
            "| {} ({}) | {} | {:.0} | {:.0} | {:.2} |",
            c.name(),
            tool(c).0,
            data.len(),
            ours.as_secs_f64() * 1e3,
            theirs.as_secs_f64() * 1e3,
            ours.as_secs_f64() / theirs.as_secs_f64()
        );
        println!("{line}");
        let _ = writeln!(table, "{line}");
    }
    let out = dir.join("decompress.md");
    std::fs::write(&out, &table).expect("write table");
    println!("wrote {}", out.display());
}
