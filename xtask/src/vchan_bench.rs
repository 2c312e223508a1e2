//! `cargo xtask bench vchan`: vchan throughput measured from dom0, in one rig boot. dom0's
//! `vchan-socket-proxy -m client` connects to the guest's vchan server at `data/vchan` and
//! joins it to a Unix socket, through which `tcp-echo-bench` (tests/rig/peers) sends `BYTES`
//! of random bytes while it reads the echo back; dom0 checks the sha256 of what came back.
//! The guests: (a) a Linux PV domU (Debian's kernel, the rig's dom0 kernel) running Debian's
//! `vchan-socket-proxy -m server` in front of `socat ... EXEC:cat`
//! (scripts/bench/linux-domu-initramfs.sh `vchan`): libxenvchan's server picks rings of
//! orders 10/11 for it, the only orders that proxy offers; (b) our `vchantest` as the server
//! with each ring order in [`OURS`]. The figure is MiB/s each way; rows run `ROUNDS` times,
//! interleaved; a failed run is listed and tried once more. Writes `target/bench/vchan.md`.

use std::fmt::Write as _;
use std::process::Command;
use std::time::Duration;

use crate::bench::{gcc_static, median_range, rig_with_payload, run_tool};
use crate::build::{build, root};
use crate::rig::{rig_dir, BootSet, GuestSpec};

/// The bytes sent (and echoed) per run.
const BYTES: u64 = 16 << 20;
/// Rounds of the whole set in one rig boot.
const ROUNDS: usize = 3;
/// Tries of one row in one round.
const ATTEMPTS: usize = 2;
/// Our ring orders (left/right).
const OURS: &[(u16, u16)] = &[(10, 11), (12, 12), (16, 16), (20, 20)];

/// dom0, once: the payload and its sha256.
const SETUP: &str = r#"
set -e
mkdir -p /run/vchan-bench
head -c BYTES /dev/urandom >/run/vchan-bench/payload
echo "sha256=$(sha256sum </run/vchan-bench/payload | cut -d' ' -f1)"
"#;

/// dom0, during each run: wait (up to 300 s) for the guest's vchan (the Linux guest's ready
/// line, or our guest's `waiting 1`), join it to a socket, run the client through it, hash
/// what came back, then shut the guest down (destroyed if it does not go within 60 s).
const DURING: &str = r#"
set -u
d=/local/domain/$RIG_DOMID
ready() {
    grep -q 'linux-vchan: serving' "$RIG_CONSOLE" 2>/dev/null ||
        [[ $(xenstore-read "$d/data/vchantest/state" 2>/dev/null) == "waiting 1" ]]
}
for _ in $(seq 3000); do
    ready && break
    grep -q -e 'FAILED' -e 'Kernel panic' "$RIG_CONSOLE" 2>/dev/null && break
    sleep 0.1
done
if ready; then
    rm -f /run/vchan-bench/sock
    vchan-socket-proxy -m client "$RIG_DOMID" "$d/data/vchan" /run/vchan-bench/sock 2>/run/vchan-bench/proxy.err &
    proxy=$!
    for _ in $(seq 100); do [[ -S /run/vchan-bench/sock ]] && break; sleep 0.1; done
    /share/files/vchan-bench/tcp-echo-bench unix:/run/vchan-bench/sock 0 /run/vchan-bench/payload /run/vchan-bench/got 2>&1
    echo "during: client-rc=$?"
    [[ -f /run/vchan-bench/got ]] && echo "during: got-sha256=$(sha256sum </run/vchan-bench/got | cut -d' ' -f1)"
    rm -f /run/vchan-bench/got
    kill "$proxy" 2>/dev/null
    sed 's/^/during: proxy /' /run/vchan-bench/proxy.err
else
    echo "during: the guest's vchan did not come up"
fi
timeout 60 xl shutdown -w "$RIG_DOMID" >/dev/null 2>&1 || xl destroy "$RIG_DOMID"
"#;

struct Row {
    label: String,
    orders: String,
    spec: GuestSpec,
    runs: Vec<f64>,
}

/// MiB/s each way of a run, or why it does not count.
fn verdict(dur: &str, sent: &str) -> Result<f64, String> {
    let got = dur
        .lines()
        .find_map(|l| l.strip_prefix("during: got-sha256="));
    if !dur.contains("during: client-rc=0") || got != Some(sent) {
        return Err(format!("the echo failed or came back changed:\n{dur}"));
    }
    let line = dur
        .lines()
        .find(|l| l.starts_with("tcp-echo-bench: bytes="))
        .ok_or("no client figures")?;
    let num = |k: &str| -> Option<f64> {
        line.split(' ')
            .find_map(|w| w.strip_prefix(k)?.strip_prefix('='))?
            .parse()
            .ok()
    };
    match (num("bytes"), num("us")) {
        (Some(b), Some(us)) if us > 0.0 => Ok(b / f64::from(1 << 20) / (us / 1e6)),
        _ => Err(format!("bad client figures: {line}")),
    }
}

/// `cargo xtask bench vchan`.
pub fn vchan() -> Result<(), String> {
    let dir = root().join("target/bench");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let client = dir.join("tcp-echo-bench");
    gcc_static("tests/rig/peers/tcp_echo_bench.c", &client)?;
    let bootset = BootSet::ensure().map_err(|e| e.to_string())?;
    let cpio = dir.join("linux-vchan.cpio");
    run_tool(
        Command::new(root().join("scripts/bench/linux-domu-initramfs.sh"))
            .arg("vchan")
            .arg(&cpio),
    )?;
    let kver = std::fs::read_to_string(rig_dir().join("bootset/kernel.version"))
        .map_err(|e| format!("the rig's kernel.version: {e}"))?;
    let during = DURING.replace("BYTES", &BYTES.to_string());
    let spec = |image: &std::path::Path| GuestSpec {
        during: Some(during.clone()),
        timeout: Duration::from_secs(600),
        ..GuestSpec::new(image)
    };
    let mut rows = vec![Row {
        label: format!("Linux {}, vchan-socket-proxy", kver.trim()),
        orders: "10/11".into(),
        spec: GuestSpec {
            ramdisk: Some(cpio),
            extra: Some("console=hvc0 quiet".into()),
            memory_mb: Some(256),
            ..spec(&bootset.kernel)
        },
        runs: Vec::new(),
    }];
    let image = build(&["vchantest".to_string()])?.remove(0);
    for &(l, r) in OURS {
        rows.push(Row {
            label: "ours (vchantest)".into(),
            orders: format!("{l}/{r}"),
            spec: GuestSpec {
                extra: Some(format!("vchan.role=server vchan.orders={l},{r}")),
                ..spec(&image)
            },
            runs: Vec::new(),
        });
    }
    let setup = SETUP.replace("BYTES", &BYTES.to_string());
    let (mut rig, sent) = rig_with_payload("vchan-bench", &client, &setup)?;
    let mut left_out = Vec::new();
    for round in 1..=ROUNDS {
        for row in &mut rows {
            for attempt in 1..=ATTEMPTS {
                eprintln!(
                    "bench: round {round}/{ROUNDS}, {} {} (attempt {attempt})",
                    row.label, row.orders
                );
                let r = rig.run_guest(&row.spec).map_err(|e| e.to_string());
                let mib = r.and_then(|r| {
                    verdict(&r.during_output.unwrap_or_default(), &sent)
                        .map_err(|e| format!("{e}\nconsole:\n{}", r.console))
                });
                match mib {
                    Ok(m) => {
                        eprintln!("bench: {m:.2} MiB/s each way");
                        row.runs.push(m);
                        break;
                    }
                    Err(e) => {
                        eprintln!("bench: run failed, left out: {e}");
                        let first = e.lines().next().unwrap_or("").to_string();
                        left_out.push(format!(
                            "round {round}, {} {}: {first}",
                            row.label, row.orders
                        ));
                    }
                }
            }
        }
    }
    rig.shutdown();
    let table = table(&rows, &left_out);
    let path = dir.join("vchan.md");
    std::fs::write(&path, &table).map_err(|e| format!("{}: {e}", path.display()))?;
    print!("{table}");
    eprintln!("bench: wrote {}", path.display());
    Ok(())
}

fn table(rows: &[Row], left_out: &[String]) -> String {
    let mut t = format!(
        "# vchan echo throughput from dom0 ({} MiB each way per run, MiB/s each way)\n\n\
         | guest | ring orders | runs | median | range | vs Linux |\n|---|---|---|---|---|---|\n",
        BYTES >> 20
    );
    let linux = rows
        .first()
        .filter(|r| !r.runs.is_empty())
        .map(|r| median_range(r.runs.clone())[0]);
    for row in rows {
        if row.runs.is_empty() {
            let _ = writeln!(t, "| {} | {} | 0 | - | - | - |", row.label, row.orders);
            continue;
        }
        let [med, lo, hi] = median_range(row.runs.clone());
        let ratio = linux.map_or(String::from("-"), |l| format!("{:.2}x", med / l));
        let _ = writeln!(
            t,
            "| {} | {} | {} | {med:.2} | {lo:.2}-{hi:.2} | {ratio} |",
            row.label,
            row.orders,
            row.runs.len()
        );
    }
    t.push_str(
        "\nThe Linux row's orders are what libxenvchan's server picks for \
         vchan-socket-proxy (it asks for no size); the ratio of a row with other orders \
         compares our larger rings with Linux's only configuration.\n",
    );
    for l in left_out {
        let _ = writeln!(t, "- left out: {l}");
    }
    t
}
