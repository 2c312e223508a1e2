//! `cargo xtask bench tcp [--linux-only]`: TCP echo throughput measured from dom0, in one rig
//! boot, against (a) a Linux PV domU (Debian's kernel, the rig's dom0 kernel, with its
//! xen-netfront) running `socat -b 65536 TCP-LISTEN:7,fork,reuseaddr EXEC:cat` (see
//! scripts/bench/linux-domu-initramfs.sh for why not socat's PIPE), (b) our echo stubdom
//! (`examples/echo`) with every netfront feature, and (c) the stubdom with one feature
//! switched off (or, for GSO, which is off by default, on) per row. `--linux-only` measures
//! the Linux peer alone.
//!
//! Each run boots the guest; dom0's `tcp-echo-bench` (scripts/bench/tcp_echo_bench.c) sends
//! `BYTES` of random bytes on one connection while it reads the echo back, and dom0 compares
//! the sha256 of what came back with that of what it sent. The figure is MiB/s each way
//! (`BYTES` out and back over the time from the first write to the last byte read). The rows
//! run `ROUNDS` times, interleaved; a run that fails (no echo, a wrong sha256, a guest that
//! did not come up: under TCG a guest's or dom0's process crashes now and then) is left out
//! of its row, listed under the table, and tried once more. Writes
//! `target/bench/tcp.md`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::bench::{gcc_static, median_range, run_tool};
use crate::build::{build, root};
use crate::rig::{rig_dir, BootSet, GuestSpec, Rig, RigOptions};

/// The bytes sent (and echoed) per run.
const BYTES: u64 = 16 << 20;
/// Rounds of the whole set in one rig boot.
const ROUNDS: usize = 3;
/// Tries of one row in one round.
const ATTEMPTS: usize = 2;
const PORT: u16 = 7;
const LINUX_ADDR: &str = "10.0.2.51";
const OUR_ADDR: &str = "10.0.2.50";

/// Our rows: a label and the echo image's `net.*` switches.
const OURS: &[(&str, &str)] = &[
    ("all features", ""),
    ("no scatter-gather", "net.sg=0"),
    ("no checksum offload", "net.csum=0"),
    ("one queue", "net.queues=1"),
    ("one event channel per queue", "net.split=0"),
    ("GSO packets accepted", "net.gso=1"),
];

/// dom0, once: its address on the bridge, the payload and its sha256.
const SETUP: &str = r#"
set -e
ip addr add 10.0.2.2/24 dev xenbr0 2>/dev/null || true
mkdir -p /run/tcp-bench
head -c BYTES /dev/urandom >/run/tcp-bench/payload
echo "sha256=$(sha256sum </run/tcp-bench/payload | cut -d' ' -f1)"
"#;

/// dom0, during each run: wait (up to 300 s) for the guest's ready line READY on its console
/// (or a failure line, or the domain's end), show the frontend's nodes, run the client against
/// ADDR with dom0's TCP counters before and after, hash what came back, then ask the guest to
/// shut down (and destroy it if it does not within 60 s).
const DURING: &str = r#"
set -u
d=/local/domain/$RIG_DOMID
ready() { grep -q 'READY' "$RIG_CONSOLE" 2>/dev/null; }
for _ in $(seq 3000); do
    ready && break
    grep -q -e 'FAILED' -e 'not serving' -e 'Kernel panic' "$RIG_CONSOLE" 2>/dev/null && break
    xenstore-exists "$d/device/vif/0" || break
    sleep 0.1
done
if ready; then
    ip neigh flush dev xenbr0
    xenstore-ls -f "$d/device/vif/0" | sed 's/^/during: node /'
    grep '^Tcp:' /proc/net/snmp | sed 's/^/during: snmp-before /'
    /share/files/tcp-bench/tcp-echo-bench ADDR PORT /run/tcp-bench/payload /run/tcp-bench/got 2>&1
    echo "during: client-rc=$?"
    grep '^Tcp:' /proc/net/snmp | sed 's/^/during: snmp-after /'
    [[ -f /run/tcp-bench/got ]] && echo "during: got-sha256=$(sha256sum </run/tcp-bench/got | cut -d' ' -f1)"
    rm -f /run/tcp-bench/got
else
    echo "during: the guest did not print READY"
fi
timeout 60 xl shutdown -w "$RIG_DOMID" >/dev/null 2>&1 || xl destroy "$RIG_DOMID"
"#;

/// One good run: MiB/s each way and dom0's TCP retransmissions during it.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Run {
    mib_s: f64,
    retrans: f64,
}

/// One row: what it runs, its good runs and what dom0 saw the frontend publish.
struct Row {
    label: String,
    spec: GuestSpec,
    runs: Vec<Run>,
    published: Option<String>,
    /// The guest's ready line, from its last good run.
    ready: Option<String>,
}

impl Row {
    fn new(label: String, spec: GuestSpec) -> Self {
        Row {
            label,
            spec,
            runs: Vec::new(),
            published: None,
            ready: None,
        }
    }
}

/// `cargo xtask bench tcp [--linux-only]`.
pub fn tcp(args: &[String]) -> Result<(), String> {
    let linux_only = match args {
        [] => false,
        [a] if a == "--linux-only" => true,
        _ => return Err("usage: cargo xtask bench tcp [--linux-only]".into()),
    };
    let dir = root().join("target/bench");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let client = dir.join("tcp-echo-bench");
    gcc_static("scripts/bench/tcp_echo_bench.c", &client)?;
    let bootset = BootSet::ensure().map_err(|e| e.to_string())?;
    let cpio = dir.join("linux-echo.cpio");
    run_tool(
        Command::new(root().join("scripts/bench/linux-domu-initramfs.sh"))
            .arg("echo")
            .arg(&cpio),
    )?;
    let kver = std::fs::read_to_string(rig_dir().join("bootset/kernel.version"))
        .map_err(|e| format!("the rig's kernel.version: {e}"))?;
    let mut rows = vec![Row::new(
        format!("Linux {} xen-netfront, socat", kver.trim()),
        GuestSpec {
            ramdisk: Some(cpio),
            extra: Some(format!(
                "console=hvc0 quiet ip={LINUX_ADDR}/24 echo.port={PORT}"
            )),
            memory_mb: Some(256),
            ..guest(&bootset.kernel, "linux-echo: serving tcp", LINUX_ADDR)
        },
    )];
    if !linux_only {
        let image = build(&["echo".to_string()])?.remove(0);
        for (label, switches) in OURS {
            let label = match *switches {
                "" => format!("ours, {label}"),
                s => format!("ours, {label} (`{s}`)"),
            };
            let spec = GuestSpec {
                extra: Some(format!("ip={OUR_ADDR}/24 echo.port={PORT} {switches}")),
                ..guest(&image, "echo: serving tcp", OUR_ADDR)
            };
            rows.push(Row::new(label, spec));
        }
    }
    let mut rig = Rig::boot(&RigOptions::default()).map_err(|e| e.to_string())?;
    let files = rig.share().join("files/tcp-bench");
    std::fs::create_dir_all(&files).map_err(|e| format!("{}: {e}", files.display()))?;
    std::fs::copy(&client, files.join("tcp-echo-bench")).map_err(|e| format!("copy: {e}"))?;
    let job = rig
        .job(
            &SETUP.replace("BYTES", &BYTES.to_string()),
            Duration::from_secs(120),
        )
        .map_err(|e| e.to_string())?;
    let sent = job
        .output
        .lines()
        .find_map(|l| l.strip_prefix("sha256="))
        .filter(|h| job.rc == 0 && h.len() == 64)
        .ok_or_else(|| format!("setting up dom0: {}", job.output))?
        .to_string();
    let mut left_out = Vec::new();
    for round in 1..=ROUNDS {
        eprintln!("bench: round {round}/{ROUNDS}");
        for row in &mut rows {
            // A failed run (a TCG crash in a guest or in dom0) is listed and tried once more.
            for attempt in 1..=ATTEMPTS {
                eprintln!("bench: {} (attempt {attempt}/{ATTEMPTS})", row.label);
                match measure(&mut rig, &row.spec, &sent) {
                    Ok((run, published, ready)) => {
                        eprintln!(
                            "bench: {:.2} MiB/s, {} retransmissions ({published}; {ready})",
                            run.mib_s, run.retrans
                        );
                        row.runs.push(run);
                        row.published = Some(published);
                        row.ready = Some(ready);
                        break;
                    }
                    Err(e) => {
                        eprintln!("bench: run failed, left out: {e}");
                        let first = e.lines().next().unwrap_or("").to_string();
                        left_out.push(format!(
                            "round {round}, attempt {attempt}, {}: {first}",
                            row.label
                        ));
                    }
                }
            }
        }
    }
    rig.shutdown();
    let table = table(&rows, &left_out)?;
    let path = dir.join("tcp.md");
    std::fs::write(&path, &table).map_err(|e| format!("{}: {e}", path.display()))?;
    print!("{table}");
    eprintln!("bench: wrote {}", path.display());
    Ok(())
}

/// One run: its numbers, what the frontend published and the guest's ready line, or why the
/// run does not count.
fn measure(rig: &mut Rig, spec: &GuestSpec, sent: &str) -> Result<(Run, String, String), String> {
    let r = rig.run_guest(spec).map_err(|e| e.to_string())?;
    let dur = r.during_output.unwrap_or_default();
    let run =
        verdict(&dur, sent).map_err(|e| format!("{e}\nduring:\n{dur}\nconsole:\n{}", r.console))?;
    let ready = r
        .console
        .lines()
        .find(|l| l.contains("echo: serving tcp"))
        .unwrap_or("")
        .trim()
        .to_string();
    Ok((run, published(&dur), ready))
}

/// A guest with a vif whose run is [`DURING`] with its ready line and address.
fn guest(image: &Path, ready: &str, addr: &str) -> GuestSpec {
    GuestSpec {
        vif: true,
        during: Some(
            DURING
                .replace("READY", ready)
                .replace("ADDR", addr)
                .replace("PORT", &PORT.to_string()),
        ),
        timeout: Duration::from_secs(600),
        ..GuestSpec::new(image)
    }
}

/// The run's numbers, if the client finished and what came back hashes as `sent`.
fn verdict(during: &str, sent: &str) -> Result<Run, String> {
    let Some(line) = during
        .lines()
        .find(|l| l.starts_with("tcp-echo-bench: bytes="))
    else {
        let why = during
            .lines()
            .find(|l| l.starts_with("tcp-echo-bench: ") || l.starts_with("during: the guest"))
            .unwrap_or("no word from the client");
        return Err(format!("the client did not finish: {why}"));
    };
    let value = |key: &str| -> Option<f64> {
        line.split(' ')
            .find_map(|w| w.strip_prefix(key))
            .and_then(|v| v.parse().ok())
    };
    let (Some(bytes), Some(us)) = (value("bytes="), value("us=")) else {
        return Err(format!("no bytes= and us= in {line:?}"));
    };
    let got = during
        .lines()
        .find_map(|l| l.strip_prefix("during: got-sha256="))
        .unwrap_or("none");
    if got != sent || bytes != BYTES as f64 || us <= 0.0 {
        return Err(format!(
            "the echo differs: {bytes} bytes back, sha256 {got} (sent {sent})"
        ));
    }
    let retrans = |when: &str| retransmissions(during, when);
    Ok(Run {
        mib_s: bytes / f64::from(1 << 20) / (us / 1e6),
        retrans: match (retrans("before"), retrans("after")) {
            (Some(b), Some(a)) => a - b,
            _ => f64::NAN,
        },
    })
}

/// dom0's `RetransSegs` from the `Tcp:` lines of /proc/net/snmp printed as
/// `during: snmp-WHEN Tcp: ...` (a line of names, then one of values).
fn retransmissions(during: &str, when: &str) -> Option<f64> {
    let prefix = format!("during: snmp-{when} Tcp: ");
    let mut lines = during.lines().filter_map(|l| l.strip_prefix(&prefix));
    let (names, values) = (lines.next()?, lines.next()?);
    let at = names.split(' ').position(|n| n == "RetransSegs")?;
    values.split(' ').nth(at)?.parse().ok()
}

/// What the frontend published, from dom0's `xenstore-ls -f` of `device/vif/0`: sg, checksum
/// offload, GSO, queues, split event channels.
fn published(during: &str) -> String {
    let nodes: Vec<&str> = during
        .lines()
        .filter_map(|l| l.strip_prefix("during: node "))
        .collect();
    let node = |key: &str| {
        let tail = format!("/device/vif/0/{key} = ");
        nodes.iter().find_map(|l| {
            let at = l.find(&tail)? + tail.len();
            Some(l[at..].trim_matches('"').to_string())
        })
    };
    let on = |key: &str| u8::from(node(key).as_deref() == Some("1"));
    let split = nodes.iter().any(|l| l.contains("/event-channel-tx = "));
    format!(
        "sg={} csum={} gso={} queues={} split={}",
        on("feature-sg"),
        1 - on("feature-no-csum-offload"),
        on("feature-gso-tcpv4"),
        node("multi-queue-num-queues").unwrap_or_else(|| "1".into()),
        u8::from(split)
    )
}

fn table(rows: &[Row], left_out: &[String]) -> Result<String, String> {
    let median = |r: &Row, f: fn(&Run) -> f64| median_range(r.runs.iter().map(f).collect());
    let linux = rows
        .first()
        .filter(|r| !r.runs.is_empty())
        .ok_or("every Linux run failed: no reference to compare with")?;
    let reference = median(linux, |r| r.mib_s)[0];
    let ready = linux.ready.as_deref().unwrap_or("");
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# TCP echo benchmark (Xen 4.17 in QEMU TCG, dom0 netback on xenbr0, one rig boot)\n\n\
         dom0's tcp-echo-bench (scripts/bench/tcp_echo_bench.c) sends {mib} MiB of random \
         bytes on one connection while a second thread reads the echo back; dom0 checks the \
         sha256 of what came back. MiB/s each way: {mib} MiB out and {mib} MiB back over the \
         time from the first write to the last byte read. Linux: Debian's kernel as a PV domU \
         (1 vCPU, 256 MiB, xen-netfront) running `socat -b 65536 \
         TCP-LISTEN:{PORT},fork,reuseaddr EXEC:cat` (scripts/bench/linux-domu-initramfs.sh; \
         its console said `{ready}`). Ours: examples/echo, with the `net.*` switch of its row. \
         \"Published\" is what dom0 read in the frontend's xenstore nodes; \"retrans\" is \
         dom0's TCP RetransSegs over the run. {ROUNDS} rounds, interleaved, one guest boot per \
         run: median (lowest-highest); ratios are of medians.\n",
        mib = BYTES >> 20,
    );
    let _ = writeln!(
        t,
        "| echo peer | published | runs | MiB/s each way | ours/Linux | retrans |\n\
         | --- | --- | ---: | ---: | ---: | ---: |"
    );
    for r in rows {
        if r.runs.is_empty() {
            let _ = writeln!(t, "| {} | | 0/{ROUNDS} | every run failed | | |", r.label);
            continue;
        }
        let m = median(r, |r| r.mib_s);
        let _ = writeln!(
            t,
            "| {} | {} | {}/{ROUNDS} | {:.2} ({:.2}-{:.2}) | {:.2} | {:.0} |",
            r.label,
            r.published.as_deref().unwrap_or(""),
            r.runs.len(),
            m[0],
            m[1],
            m[2],
            m[0] / reference,
            median(r, |r| r.retrans)[0]
        );
    }
    if !left_out.is_empty() {
        let _ = writeln!(t, "\nLeft out (failed runs, each tried once more):");
        for l in left_out {
            let _ = writeln!(t, "- {l}");
        }
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SENT: &str = "ab";

    #[test]
    fn a_run_counts_only_with_the_same_sha256() {
        let ok = format!(
            "during: snmp-before Tcp: RtoMin RetransSegs InErrs\n\
             during: snmp-before Tcp: 200 3 0\n\
             tcp-echo-bench: bytes={BYTES} us=4000000 first-byte-us=9\n\
             during: client-rc=0\n\
             during: snmp-after Tcp: RtoMin RetransSegs InErrs\n\
             during: snmp-after Tcp: 200 10 0\n\
             during: got-sha256={SENT}\n"
        );
        let run = verdict(&ok, SENT).unwrap();
        assert_eq!(run.mib_s, (BYTES >> 20) as f64 / 4.0);
        assert_eq!(run.retrans, 7.0);
        assert!(verdict(&ok.replace("=ab", "=cd"), SENT).is_err());
        let failed = "tcp-echo-bench: receive after 0 of 9 bytes: nothing for 30 s\n";
        let e = verdict(failed, SENT).unwrap_err();
        assert!(e.contains("nothing for 30 s"), "{e}");
        assert!(verdict("during: the guest did not print READY\n", SENT)
            .unwrap_err()
            .contains("READY"));
    }

    #[test]
    fn retransmissions_without_counters_are_unknown() {
        let dur = format!("tcp-echo-bench: bytes={BYTES} us=1\nduring: got-sha256={SENT}\n");
        assert!(verdict(&dur, SENT).unwrap().retrans.is_nan());
    }

    #[test]
    fn published_features_are_read_from_the_nodes() {
        let dur = "during: node /local/domain/3/device/vif/0/feature-sg = \"1\"\n\
                   during: node /local/domain/3/device/vif/0/multi-queue-num-queues = \"2\"\n\
                   during: node /local/domain/3/device/vif/0/queue-0/event-channel-tx = \"9\"\n";
        assert_eq!(published(dur), "sg=1 csum=1 gso=0 queues=2 split=1");
        assert_eq!(published(""), "sg=0 csum=1 gso=0 queues=1 split=0");
    }
}
