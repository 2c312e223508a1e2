//! `cargo xtask bench blk`: our blkfront (blktest's bench mode) against a Linux PV domU
//! (Debian's kernel, the rig's dom0 kernel, with its xen-blkfront) on the same backing file
//! in one rig boot: a sequential read of 256 MiB in 1 MiB reads and 4 KiB random reads at
//! queue depth 32; then ours with each feature switched off. The whole set runs `ROUNDS`
//! times, interleaved, and the table gives each row's median and range (the rig's speed drifts
//! with the host's load). Writes `target/bench/blk.md`.
//!
//! The backing file is 256 MiB of random bytes in a tmpfs in dom0, on one loop device that
//! every run attaches (xl `disk=` through the rig's fast block hotplug script). On Linux the
//! loads are `dd bs=1M iflag=direct` and blk-bench (scripts/bench/blk_bench.c: the same
//! sequential read, and 32 threads each with one O_DIRECT 4 KiB pread in flight).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::build::{build, root};
use crate::rig::{BootSet, GuestSpec, Rig, RigOptions};

const BYTES: u64 = 256 << 20;
const IOS: u64 = 8192;
/// Rounds of the whole set (Linux, then ours with each switch) in one rig boot.
const ROUNDS: usize = 3;

/// Our runs: a label and the blktest switches.
const OURS: &[(&str, &str)] = &[
    ("all features", ""),
    ("no indirect descriptors", "blk.indirect=0"),
    ("no persistent grants", "blk.persistent=0"),
    ("one-page ring", "blk.ring-order=0"),
    ("one queue", "blk.queues=1"),
];

/// dom0's side of one of our runs: blktest waits for the toolstack's shutdown request once
/// it wrote `finished`, so ask for it then (up to 900 s).
const SHUTDOWN_WHEN_FINISHED: &str = r#"
d=/local/domain/$RIG_DOMID
for _ in $(seq 9000); do
    [[ $(xenstore-read "$d/data/blktest/state" 2>/dev/null) == finished ]] && break
    sleep 0.1
done
xl shutdown -w "$RIG_DOMID"
"#;

/// One measurement: sequential MiB/s and random IOPS.
#[derive(Clone, Copy)]
struct Numbers {
    mib_s: f64,
    iops: f64,
}

/// One row's measurements over the rounds: median, lowest and highest of each figure, and
/// how many runs gave numbers.
struct Spread {
    mib_s: [f64; 3],
    iops: [f64; 3],
    runs: usize,
}

impl Spread {
    /// `None` when no run gave numbers.
    fn of(runs: &[Numbers]) -> Option<Spread> {
        if runs.is_empty() {
            return None;
        }
        let stats = |f: fn(&Numbers) -> f64| median_range(runs.iter().map(f).collect());
        Some(Spread {
            mib_s: stats(|n| n.mib_s),
            iops: stats(|n| n.iops),
            runs: runs.len(),
        })
    }
}

/// The median, lowest and highest of `v` (not empty).
pub(crate) fn median_range(mut v: Vec<f64>) -> [f64; 3] {
    v.sort_by(f64::total_cmp);
    [v[v.len() / 2], v[0], v[v.len() - 1]]
}

/// `cargo xtask bench NAME`.
pub fn cmd(args: &[String]) -> Result<(), String> {
    match args {
        [name] if name == "blk" => blk(),
        [name] if name == "tftp" => crate::tftp_bench::tftp(),
        [name] if name == "pvgrub" => crate::pvgrub_bench::pvgrub(),
        [name, rest @ ..] if name == "tcp" => crate::tcp_bench::tcp(rest),
        [name] if name == "vchan" => crate::vchan_bench::vchan(),
        _ => {
            Err("usage: cargo xtask bench blk | tftp | pvgrub | vchan | tcp [--linux-only]".into())
        }
    }
}

/// Builds the C program `source` (a path from the repository's root) static, into `out`.
pub(crate) fn gcc_static(source: &str, out: &Path) -> Result<(), String> {
    run_tool(
        Command::new("gcc")
            .args([
                "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-o",
            ])
            .arg(out)
            .arg(root().join(source)),
    )
}

/// Runs a host tool; its failure is an error with its stderr.
pub(crate) fn run_tool(cmd: &mut Command) -> Result<(), String> {
    let shown = format!("{cmd:?}");
    let out = cmd.output().map_err(|e| format!("{shown}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{shown}: {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

/// The value after `key=` in the first line of `text` containing `prefix`.
fn field(text: &str, prefix: &str, key: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.contains(prefix))?;
    let at = line.find(&format!(" {key}="))? + key.len() + 2;
    line[at..].split(' ').next()?.trim().parse().ok()
}

fn numbers(console: &str, seq: &str, rand: &str) -> Result<Numbers, String> {
    let get = |p: &str, k: &str| {
        field(console, p, k).ok_or_else(|| format!("no `{p} ... {k}=` in:\n{console}"))
    };
    let (bytes, seq_us) = (get(seq, "bytes")?, get(seq, "us")?);
    let (ios, rand_us) = (get(rand, "ios")?, get(rand, "us")?);
    Ok(Numbers {
        mib_s: bytes as f64 / (1 << 20) as f64 / (seq_us as f64 / 1e6),
        iops: ios as f64 / (rand_us as f64 / 1e6),
    })
}

/// Builds blk-bench and the Linux domU's initramfs into `dir`.
fn linux_initramfs(dir: &Path) -> Result<PathBuf, String> {
    let bench = dir.join("blk-bench");
    gcc_static("scripts/bench/blk_bench.c", &bench)?;
    let cpio = dir.join("linux-domu.cpio");
    run_tool(
        Command::new(root().join("scripts/bench/linux-domu-initramfs.sh"))
            .arg("blk")
            .arg(&bench)
            .arg(&cpio),
    )?;
    Ok(cpio)
}

fn blk() -> Result<(), String> {
    let dir = root().join("target/bench");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let image = build(&["blktest".to_string()])?.remove(0);
    let bootset = BootSet::ensure().map_err(|e| e.to_string())?;
    let cpio = linux_initramfs(&dir)?;
    let mut rig = Rig::boot(&RigOptions::default()).map_err(|e| e.to_string())?;
    let setup = format!(
        "set -e\nmkdir -p /run/bench\nmount -t tmpfs -o size=300m bench /run/bench\n\
         dd if=/dev/urandom of=/run/bench/disk.img bs=1M count={} 2>/dev/null\n\
         losetup -f --show /run/bench/disk.img\n",
        BYTES >> 20
    );
    let job = rig
        .job(&setup, Duration::from_secs(300))
        .map_err(|e| e.to_string())?;
    let loopdev = job.output.trim().lines().last().unwrap_or("").to_string();
    if job.rc != 0 || !loopdev.starts_with("/dev/loop") {
        return Err(format!("setting up the backing file: {}", job.output));
    }
    let disk = format!(
        "disk = [ 'vdev=xvda, access=rw, backendtype=phy, \
         script=/share/bin/hotplug/block, target={loopdev}' ]\n"
    );
    // A run that fails (a guest crashed under TCG, the rig lost it) is reported and left out
    // of its row, which says how many runs it has.
    let mut run = |spec: GuestSpec, seq: &str, rand: &str, into: &mut Vec<Numbers>| {
        eprintln!("bench: {}", spec.extra.as_deref().unwrap_or(""));
        let got = rig
            .run_guest(&spec)
            .map_err(|e| e.to_string())
            .and_then(|r| numbers(&r.console, seq, rand).map_err(|e| format!("{e}\n{}", r.log)));
        match got {
            Ok(n) => into.push(n),
            Err(e) => eprintln!("bench: run failed, left out: {e}"),
        }
    };
    let linux_spec = GuestSpec {
        ramdisk: Some(cpio),
        extra: Some(format!(
            "console=hvc0 quiet bench.bytes={BYTES} bench.ios={IOS}"
        )),
        memory_mb: Some(256),
        xl_config: Some(disk.clone()),
        timeout: Duration::from_secs(900),
        ..GuestSpec::new(&bootset.kernel)
    };
    let mut linux = Vec::new();
    let mut ours = vec![Vec::new(); OURS.len()];
    for round in 1..=ROUNDS {
        eprintln!("bench: round {round}/{ROUNDS}");
        run(
            linux_spec.clone(),
            "linux-bench: blk-bench: seq-read",
            "linux-bench: blk-bench: rand-read",
            &mut linux,
        );
        for ((_, switches), runs) in OURS.iter().zip(&mut ours) {
            run(
                GuestSpec {
                    extra: Some(format!("bench bench.ios={IOS} {switches}")),
                    xl_config: Some(disk.clone()),
                    during: Some(SHUTDOWN_WHEN_FINISHED.into()),
                    timeout: Duration::from_secs(900),
                    ..GuestSpec::new(&image)
                },
                "blktest: bench seq-read",
                "blktest: bench rand-read",
                runs,
            );
        }
    }
    let ours: Vec<_> = OURS
        .iter()
        .zip(&ours)
        .map(|((label, switches), runs)| (*label, *switches, Spread::of(runs)))
        .collect();
    rig.shutdown();
    let linux = Spread::of(&linux).ok_or("every Linux run failed: no reference to compare with")?;
    let table = table(&linux, &ours);
    let out = dir.join("blk.md");
    std::fs::write(&out, &table).map_err(|e| format!("{}: {e}", out.display()))?;
    print!("{table}");
    eprintln!("bench: wrote {}", out.display());
    Ok(())
}

fn table(linux: &Spread, ours: &[(&str, &str, Option<Spread>)]) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# blkfront benchmark (Xen 4.17 in QEMU TCG, dom0 blkback, one rig boot)\n\n\
         Backing file: {} MiB of random bytes in dom0's tmpfs, one loop device. Sequential: \
         {} MiB in 1 MiB reads, one at a time. Random: {IOS} reads of 4 KiB at queue depth \
         32. Linux: Debian's 6.1 kernel as a PV domU (xen-blkfront), blk-bench \
         (scripts/bench/blk_bench.c). {ROUNDS} rounds, interleaved: each figure is the \
         median (lowest-highest); ratios are of medians.\n",
        BYTES >> 20,
        BYTES >> 20
    );
    let _ = writeln!(
        t,
        "| frontend | runs | seq read MiB/s | ratio | 4 KiB rand read IOPS (QD32) | ratio |\n\
         | --- | ---: | ---: | ---: | ---: | ---: |"
    );
    let cell = |v: [f64; 3], digits: usize| {
        format!("{:.digits$} ({:.digits$}-{:.digits$})", v[0], v[1], v[2])
    };
    let _ = writeln!(
        t,
        "| Linux 6.1 xen-blkfront | {}/{ROUNDS} | {} | 1.00 | {} | 1.00 |",
        linux.runs,
        cell(linux.mib_s, 1),
        cell(linux.iops, 0)
    );
    for (label, switches, n) in ours {
        let what = if switches.is_empty() {
            format!("ours, {label}")
        } else {
            format!("ours, {label} (`{switches}`)")
        };
        let Some(n) = n else {
            let _ = writeln!(t, "| {what} | 0/{ROUNDS} | every run failed | | | |");
            continue;
        };
        let _ = writeln!(
            t,
            "| {what} | {}/{ROUNDS} | {} | {:.2} | {} | {:.2} |",
            n.runs,
            cell(n.mib_s, 1),
            n.mib_s[0] / linux.mib_s[0],
            cell(n.iops, 0),
            n.iops[0] / linux.iops[0]
        );
    }
    t
}

/// Boots the rig for a benchmark, puts the static `client` into the share's `files/SUBDIR`,
/// and runs `setup` in dom0, which must print `sha256=HASH` of the payload it made; returns
/// the rig and that hash.
pub(crate) fn rig_with_payload(
    subdir: &str,
    client: &Path,
    setup: &str,
) -> Result<(crate::rig::Rig, String), String> {
    let mut rig =
        crate::rig::Rig::boot(&crate::rig::RigOptions::default()).map_err(|e| e.to_string())?;
    let files = rig.share().join("files").join(subdir);
    std::fs::create_dir_all(&files).map_err(|e| format!("{}: {e}", files.display()))?;
    let name = client.file_name().ok_or("the client has no file name")?;
    std::fs::copy(client, files.join(name)).map_err(|e| format!("copy: {e}"))?;
    let job = rig
        .job(setup, std::time::Duration::from_secs(120))
        .map_err(|e| e.to_string())?;
    let sent = job
        .output
        .lines()
        .find_map(|l| l.strip_prefix("sha256="))
        .filter(|h| job.rc == 0 && h.len() == 64)
        .ok_or_else(|| format!("setting up dom0: {}", job.output))?
        .to_string();
    Ok((rig, sent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_read_from_console_lines() {
        let con = "x\nblktest: bench seq-read bytes=268435456 us=2000000\n\
                   blktest: bench rand-read ios=8192 qd=32 us=4096000\n";
        let n = numbers(con, "blktest: bench seq-read", "blktest: bench rand-read").unwrap();
        assert_eq!(n.mib_s, 128.0);
        assert_eq!(n.iops, 2000.0);
        assert!(numbers("nothing", "a", "b").is_err());
    }

    #[test]
    fn spreads_are_median_lowest_highest() {
        let runs: Vec<Numbers> = [3.0, 1.0, 2.0]
            .iter()
            .map(|&x| Numbers {
                mib_s: x,
                iops: 10.0 * x,
            })
            .collect();
        let s = Spread::of(&runs).unwrap();
        assert_eq!(s.mib_s, [2.0, 1.0, 3.0]);
        assert_eq!(s.iops, [20.0, 10.0, 30.0]);
        assert_eq!(s.runs, 3);
        assert!(Spread::of(&[]).is_none());
    }
}
