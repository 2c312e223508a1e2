//! `cargo xtask bench tcp [--linux-only]`: TCP echo throughput measured from dom0, in one rig
//! boot, against (a) a Linux PV domU (Debian's kernel, the rig's dom0 kernel, with its
//! xen-netfront) running `socat -b 65536 TCP-LISTEN:7,fork,reuseaddr EXEC:cat` (see
//! scripts/bench/linux-domu-initramfs.sh for why not socat's PIPE), (b) our echo stubdom
//! (`examples/echo`) with every netfront feature, and (c) the stubdom with one feature
//! switched off per row. `--linux-only` measures
//! the Linux peer alone.
//!
//! Each run boots the guest; dom0's `tcp-echo-bench` (tests/rig/peers/tcp_echo_bench.c) sends
//! `BYTES` of random bytes on one connection while it reads the echo back, and dom0 compares
//! the sha256 of what came back with that of what it sent. The figure is MiB/s each way
//! (`BYTES` out and back over the time from the first write to the last byte read). The rows
//! run `ROUNDS` times, interleaved; a run that fails (no echo, a wrong sha256, a guest that
//! did not come up: under TCG a guest's or dom0's process crashes now and then) is left out
//! of its row, listed under the table, and tried once more. Writes
//! `target/bench/tcp.md`.

mod report;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::bench::{gcc_static, rig_with_payload, run_tool};
use crate::build::{build, root};
use crate::rig::{rig_dir, BootSet, GuestSpec, Rig};
use report::{published, table, verdict, Run};

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
    ("no GSO packets", "net.gso=0"),
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
    gcc_static("tests/rig/peers/tcp_echo_bench.c", &client)?;
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
    let setup = SETUP.replace("BYTES", &BYTES.to_string());
    let (mut rig, sent) = rig_with_payload("tcp-bench", &client, &setup)?;
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
