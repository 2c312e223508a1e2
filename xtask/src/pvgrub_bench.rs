//! `cargo xtask bench pvgrub`: time from `xl create` to the booted kernel's init (the
//! marker of tests/rig/peers/pvgrub_init.c on the console) for Debian's kernel and the same
//! initramfs, booted four ways in one rig boot: directly (xl `kernel=`/`ramdisk=`), by
//! Debian's PvGrub2 (grub-xen-host's grub-x86_64-xen.bin) from a disk, by our pv-grub from
//! the same disk, and by pv-grub over TFTP (`(nd)`, dnsmasq). `ROUNDS` rounds, interleaved;
//! each figure is the median (lowest-highest). pv-grub's own `times:` lines say where its
//! time goes. Writes `target/bench/pvgrub.md`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::bench::{gcc_static, median_range, run_tool};
use crate::build::{build, root};
use crate::rig::{GuestRun, GuestSpec, Rig, RigOptions};

const ROUNDS: usize = 5;

/// dom0, once: dnsmasq's TFTP on 10.0.2.2 and our windowed peer (tests/rig/peers/
/// tftp_window.c, RFC 7440) on 10.0.2.4, both over /share/files (left running).
const SETUP: &str = r#"
set -e
ip addr add 10.0.2.2/24 dev xenbr0 2>/dev/null || true
ip addr add 10.0.2.4/24 dev xenbr0 2>/dev/null || true
b=/run/pvgrub-bench
mkdir -p $b
setsid dnsmasq -k -C /dev/null --port=0 --enable-tftp --tftp-root=/share/files \
    --listen-address=10.0.2.2 --bind-interfaces --user=root --group=root \
    --log-facility=$b/dnsmasq.log </dev/null >/dev/null 2>&1 &
setsid /share/files/pvgrub-bench/tftp-window 10.0.2.4 /share/files </dev/null >$b/window.log 2>&1 &
echo ok
"#;

/// dom0, before a TFTP run: (re)starts udhcpd naming SERVER as the next-server.
const DHCP: &str = r#"
b=/run/pvgrub-bench
[[ -f $b/udhcpd.pid ]] && kill "$(cat $b/udhcpd.pid)" 2>/dev/null && sleep 0.5
printf 'start 10.0.2.100\nend 10.0.2.110\ninterface xenbr0\nlease_file %s\npidfile %s\nsiaddr SERVER\nopt subnet 255.255.255.0\nopt lease 3600\n' \
    $b/udhcpd.leases $b/udhcpd.pid >$b/udhcpd.conf
: >$b/udhcpd.leases
setsid udhcpd -f $b/udhcpd.conf </dev/null >/dev/null 2>&1 &
sleep 0.5
echo ok
"#;

/// dom0, per guest: the time from the script's start (the domain exists, paused) to the
/// marker on the console.
const DURING: &str = r#"
s=${EPOCHREALTIME/./}
for _ in $(seq 15000); do
    grep -q 'pvgrub-init: reached init' "$RIG_CONSOLE" 2>/dev/null && break
    sleep 0.02
done
e=${EPOCHREALTIME/./}
echo "during: marker-ms=$(((e - s) / 1000))"
"#;

/// The ways of booting: a label, the guest, and the TFTP server DHCP names (if any).
struct Way {
    label: &'static str,
    spec: GuestSpec,
    tftp: Option<&'static str>,
}

fn ways(pvgrub: &Path, pvgrub2: &Path, disks: &Path) -> Vec<Way> {
    let base = |image: &Path| GuestSpec {
        memory_mb: Some(512),
        during: Some(DURING.into()),
        timeout: Duration::from_secs(600),
        ..GuestSpec::new(image)
    };
    let kernel = root().join("target/kernel/vmlinuz");
    vec![
        Way {
            label: "direct boot (xl kernel= ramdisk=)",
            spec: GuestSpec {
                ramdisk: Some(disks.join("initrd.gz")),
                extra: Some("console=hvc0 pvgrub.test=bench".into()),
                ..base(&kernel)
            },
            tftp: None,
        },
        Way {
            label: "PvGrub2 (grub-x86_64-xen.bin), disk",
            spec: GuestSpec {
                disks: vec![disks.join("bench.img")],
                ..base(pvgrub2)
            },
            tftp: None,
        },
        Way {
            label: "pv-grub, disk",
            spec: GuestSpec {
                disks: vec![disks.join("bench.img")],
                extra: Some("(hd0,0)/boot/grub/grub.cfg".into()),
                ..base(pvgrub)
            },
            tftp: None,
        },
        Way {
            label: "pv-grub, TFTP (nd) from dnsmasq (blksize, no windowsize)",
            spec: GuestSpec {
                vif: true,
                extra: Some("(nd)/pvgrub-bench/menu.lst".into()),
                ..base(pvgrub)
            },
            tftp: Some("10.0.2.2"),
        },
        Way {
            label: "pv-grub, TFTP (nd) from tftp_window (windowsize)",
            spec: GuestSpec {
                vif: true,
                extra: Some("(nd)/pvgrub-bench/menu.lst".into()),
                ..base(pvgrub)
            },
            tftp: Some("10.0.2.4"),
        },
    ]
}

/// `xl create` to the marker, in ms: the paused domain's creation plus the during script's
/// wait for the marker.
fn marker_ms(run: &GuestRun) -> Option<f64> {
    let during = run.during_output.as_deref()?;
    let ms: f64 = during
        .lines()
        .find_map(|l| l.strip_prefix("during: marker-ms="))?
        .trim()
        .parse()
        .ok()?;
    run.console
        .contains("pvgrub-init: reached init")
        .then_some(())?;
    Some(ms + run.create?.as_secs_f64() * 1000.0)
}

/// pv-grub's `times:` figures from its console: every `NAME-ms=VALUE` word.
fn pvgrub_times(console: &str) -> Vec<(String, f64)> {
    console
        .lines()
        .filter_map(|l| l.split("pv-grub: times: ").nth(1))
        .flat_map(str::split_whitespace)
        .filter_map(|w| {
            let (name, v) = w.split_once("-ms=")?;
            Some((name.to_string(), v.parse().ok()?))
        })
        .collect()
}

/// Debian's PvGrub2, unpacked from grub-xen-host into `dir`.
fn pvgrub2(dir: &Path) -> Result<PathBuf, String> {
    let bin = dir.join("grub-xen-host/usr/lib/grub-xen/grub-x86_64-xen.bin");
    if bin.is_file() {
        return Ok(bin);
    }
    let debs = dir.join("debs");
    std::fs::create_dir_all(&debs).map_err(|e| e.to_string())?;
    run_tool(Command::new("apt-get").current_dir(&debs).args([
        "-o",
        "APT::Sandbox::User=root",
        "download",
        "-q",
        "grub-xen-host",
    ]))?;
    let deb = std::fs::read_dir(&debs)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().contains("grub-xen-host_"))
        .ok_or("apt-get download grub-xen-host gave no .deb")?;
    run_tool(
        Command::new("dpkg")
            .arg("-x")
            .arg(&deb)
            .arg(dir.join("grub-xen-host")),
    )?;
    Ok(bin)
}

/// `cargo xtask bench pvgrub`.
pub fn pvgrub() -> Result<(), String> {
    let dir = root().join("target/bench");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let image = build(&["pv-grub".to_string()])?.remove(0);
    let disks = root().join("target/rig/pvgrub-disks");
    run_tool(
        Command::new(root().join("scripts/make-boot-disk.sh"))
            .arg("--all")
            .arg(&disks),
    )?;
    let pvgrub2 = pvgrub2(&dir)?;
    let mut rig = Rig::boot(&RigOptions::default()).map_err(|e| e.to_string())?;
    let files = rig.share().join("files/pvgrub-bench");
    std::fs::create_dir_all(&files).map_err(|e| format!("{}: {e}", files.display()))?;
    let copy = |from: &Path, to: &str| {
        std::fs::copy(from, files.join(to)).map_err(|e| format!("{}: {e}", from.display()))
    };
    copy(&root().join("target/kernel/vmlinuz"), "vmlinuz")?;
    copy(&disks.join("initrd.gz"), "initrd.gz")?;
    let peer = dir.join("tftp-window");
    gcc_static("tests/rig/peers/tftp_window.c", &peer)?;
    copy(&peer, "tftp-window")?;
    std::fs::write(
        files.join("menu.lst"),
        "default 0\ntimeout 0\ntitle Debian\nroot (nd)\n\
         kernel /pvgrub-bench/vmlinuz console=hvc0 pvgrub.test=bench\n\
         initrd /pvgrub-bench/initrd.gz\n",
    )
    .map_err(|e| e.to_string())?;
    let job = rig
        .job(SETUP, Duration::from_secs(120))
        .map_err(|e| e.to_string())?;
    if job.rc != 0 || !job.output.contains("ok") {
        return Err(format!("setting up DHCP and TFTP: {}", job.output));
    }
    let ways = ways(&image, &pvgrub2, &disks);
    let mut ms: Vec<Vec<f64>> = vec![Vec::new(); ways.len()];
    let mut times: Vec<(String, f64)> = Vec::new();
    for round in 1..=ROUNDS {
        for (w, way) in ways.iter().enumerate() {
            eprintln!("bench: round {round}/{ROUNDS}: {}", way.label);
            if let Some(server) = way.tftp {
                let job = rig
                    .job(&DHCP.replace("SERVER", server), Duration::from_secs(60))
                    .map_err(|e| e.to_string())?;
                if !job.output.contains("ok") {
                    return Err(format!("restarting udhcpd: {}", job.output));
                }
            }
            let run = rig.run_guest(&way.spec).map_err(|e| e.to_string())?;
            match marker_ms(&run) {
                Some(v) => ms[w].push(v),
                None => eprintln!(
                    "bench: {} did not reach the marker ({}):\n{}",
                    way.label, run.outcome, run.console
                ),
            }
            if way.label == "pv-grub, disk" {
                times.extend(pvgrub_times(&run.console));
            }
        }
    }
    rig.shutdown();
    let table = table(&ways, &ms, &times);
    let path = dir.join("pvgrub.md");
    std::fs::write(&path, &table).map_err(|e| format!("{}: {e}", path.display()))?;
    print!("{table}");
    eprintln!("bench: wrote {}", path.display());
    Ok(())
}

fn table(ways: &[Way], ms: &[Vec<f64>], times: &[(String, f64)]) -> String {
    let mut t = String::from(
        "# Boot time: `xl create` to the kernel's init (ms)\n\n\
         Debian's kernel and a small initramfs, 512 MiB, one rig boot (Xen 4.17 in TCG QEMU), \
         median (lowest-highest) of the runs.\n\n\
         | boot | runs | ms | vs direct | vs PvGrub2 |\n|---|---|---|---|---|\n",
    );
    let med = |i: usize| (!ms[i].is_empty()).then(|| median_range(ms[i].clone())[0]);
    let (direct, pvgrub2) = (med(0), med(1));
    for (i, way) in ways.iter().enumerate() {
        let Some(m) = med(i) else {
            let _ = writeln!(t, "| {} | 0 | - | - | - |", way.label);
            continue;
        };
        let [_, lo, hi] = median_range(ms[i].clone());
        let ratio = |base: Option<f64>| base.map_or("-".into(), |b| format!("{:.2}x", m / b));
        let _ = writeln!(
            t,
            "| {} | {} | {m:.0} ({lo:.0}-{hi:.0}) | {} | {} |",
            way.label,
            ms[i].len(),
            ratio(direct),
            ratio(pvgrub2)
        );
    }
    t.push_str("\n## Where pv-grub's time goes (disk), median ms\n\n| step | ms |\n|---|---|\n");
    let mut seen: Vec<&str> = Vec::new();
    for (l, _) in times {
        if seen.contains(&l.as_str()) {
            continue;
        }
        seen.push(l);
        let v: Vec<f64> = times
            .iter()
            .filter(|(x, _)| x == l)
            .map(|(_, v)| *v)
            .collect();
        let _ = writeln!(t, "| {l} | {:.0} |", median_range(v)[0]);
    }
    t
}
