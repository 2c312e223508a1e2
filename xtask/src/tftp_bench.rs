//! `cargo xtask bench tftp`: TFTP reads of one file by our client (the tftptest image)
//! against dom0's three servers in one rig boot, each with options (blksize 1468, and
//! windowsize 16 where the server offers it) and plain (512-byte blocks, one per ACK):
//! tests/rig/peers/tftp_window.c (the only one with RFC 7440 windowsize), dnsmasq and
//! tftpd-hpa (their versions, as dom0 reports them, go in the table). `ROUNDS` guest runs;
//! each figure is the median (lowest-highest). Writes `target/bench/tftp.md`.

use std::fmt::Write as _;
use std::time::Duration;

use crate::bench::{gcc_static, median_range};
use crate::build::{build, root};
use crate::rig::{GuestSpec, Rig, RigOptions};

/// The file's size: 4097 blocks of 512 bytes (tftpd-hpa's lock-step is the slowest).
const BYTES: u64 = 2 << 20;
const ROUNDS: usize = 3;

/// (server, its address, the get= suffix of the read with options).
const SERVERS: &[(&str, &str, &str)] = &[
    ("tftp_window (peer)", "10.0.2.4", ":windowsize=16"),
    ("dnsmasq", "10.0.2.2", ""),
    ("tftpd-hpa", "10.0.2.3", ""),
];

/// dom0: addresses, the file, the three servers (left running for the boot).
const SETUP: &str = r#"
set -e
ip addr add 10.0.2.2/24 dev xenbr0 2>/dev/null || true
ip addr add 10.0.2.3/24 dev xenbr0 2>/dev/null || true
ip addr add 10.0.2.4/24 dev xenbr0 2>/dev/null || true
b=/run/tftp-bench
mkdir -p $b/root
head -c BYTES /dev/urandom >$b/root/file.bin
setsid dnsmasq -k -C /dev/null --port=0 --enable-tftp --tftp-root=$b/root \
    --listen-address=10.0.2.2 --bind-interfaces --user=root --group=root \
    --log-facility=$b/dnsmasq.log </dev/null >/dev/null 2>&1 &
setsid in.tftpd -L -u root -a 10.0.2.3:69 -s $b/root </dev/null >/dev/null 2>&1 &
setsid /share/files/tftp-bench/tftp-window 10.0.2.4 $b/root </dev/null >$b/window.log 2>&1 &
echo "version: $(dnsmasq --version | head -n1)"
echo "version: $(in.tftpd -V 2>&1 | head -n1)"
echo ok
"#;

/// The ms of read `n` from the console line `tftptest: get N ...: size=S ... ms=M`.
fn read_ms(console: &str, n: usize) -> Result<f64, String> {
    let prefix = format!("tftptest: get {n} ");
    let line = console
        .lines()
        .find(|l| l.starts_with(&prefix) && l.contains(" size="))
        .ok_or_else(|| format!("read {n} did not finish:\n{console}"))?;
    let ms = line
        .split(' ')
        .find_map(|w| w.strip_prefix("ms="))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("no ms= in {line}"))?;
    Ok(ms)
}

/// `cargo xtask bench tftp`.
pub fn tftp() -> Result<(), String> {
    let dir = root().join("target/bench");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let image = build(&["tftptest".to_string()])?.remove(0);
    let peer = dir.join("tftp-window");
    gcc_static("tests/rig/peers/tftp_window.c", &peer)?;
    let mut rig = Rig::boot(&RigOptions::default()).map_err(|e| e.to_string())?;
    let files = rig.share().join("files/tftp-bench");
    std::fs::create_dir_all(&files).map_err(|e| format!("{}: {e}", files.display()))?;
    std::fs::copy(&peer, files.join("tftp-window")).map_err(|e| format!("copy: {e}"))?;
    let job = rig
        .job(
            &SETUP.replace("BYTES", &BYTES.to_string()),
            Duration::from_secs(120),
        )
        .map_err(|e| e.to_string())?;
    if job.rc != 0 || !job.output.contains("ok") {
        return Err(format!("setting up the servers: {}", job.output));
    }
    let mut words = vec!["ip=10.0.2.15/24".to_string()];
    for (_, addr, opts) in SERVERS {
        words.push(format!("get={addr}:file.bin{opts}"));
        words.push(format!("get={addr}:file.bin:plain"));
    }
    let mut ms: Vec<Vec<f64>> = vec![Vec::new(); 2 * SERVERS.len()];
    for round in 1..=ROUNDS {
        eprintln!("bench: round {round}/{ROUNDS}");
        let spec = GuestSpec {
            vif: true,
            extra: Some(words.join(" ")),
            during: Some(
                "d=/local/domain/$RIG_DOMID\nfor _ in $(seq 9000); do\n  \
                 [[ $(xenstore-read $d/data/tftptest/state 2>/dev/null) == finished* ]] && break\n  \
                 sleep 1\ndone\nxenstore-write $d/data/tftptest/dom0 done\n"
                    .into(),
            ),
            timeout: Duration::from_secs(900),
            ..GuestSpec::new(&image)
        };
        let r = rig.run_guest(&spec).map_err(|e| e.to_string())?;
        for (i, v) in ms.iter_mut().enumerate() {
            v.push(read_ms(&r.console, i)?);
        }
    }
    rig.shutdown();
    let versions: Vec<&str> = job
        .output
        .lines()
        .filter_map(|l| l.strip_prefix("version: "))
        .collect();
    let table = table(&ms, &versions);
    let path = dir.join("tftp.md");
    std::fs::write(&path, &table).map_err(|e| format!("{}: {e}", path.display()))?;
    print!("{table}");
    eprintln!("bench: wrote {}", path.display());
    Ok(())
}

fn table(ms: &[Vec<f64>], versions: &[&str]) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# TFTP benchmark (Xen 4.17 in QEMU TCG, dom0's servers on xenbr0, one rig boot)\n\n\
         One file of {} KiB of random bytes, read by tftptest (minios::tftp over netfront \
         and smoltcp) into a sha256. With options: blksize 1468, windowsize 16 asked of the \
         peer (8 of the others, which do not offer it), tsize, timeout 1. Plain: RFC 1350, \
         512-byte blocks, each acknowledged. {ROUNDS} runs: median (lowest-highest) KiB/s; \
         the ratio is of medians. dom0's servers: {}.\n",
        BYTES >> 10,
        versions.join("; ")
    );
    let _ = writeln!(
        t,
        "| server | with options KiB/s | plain 512 KiB/s | ratio |\n| --- | ---: | ---: | ---: |"
    );
    let rate = |v: &Vec<f64>| {
        median_range(
            v.iter()
                .map(|ms| BYTES as f64 / 1024.0 / (ms / 1e3))
                .collect(),
        )
    };
    for (i, (name, _, _)) in SERVERS.iter().enumerate() {
        let (o, p) = (rate(&ms[2 * i]), rate(&ms[2 * i + 1]));
        let _ = writeln!(
            t,
            "| {name} | {:.0} ({:.0}-{:.0}) | {:.0} ({:.0}-{:.0}) | {:.1} |",
            o[0],
            o[1],
            o[2],
            p[0],
            p[1],
            p[2],
            o[0] / p[0]
        );
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_found_on_the_console() {
        let con = "tftptest: get 0: 4 MiB after 10 ms\n\
                   tftptest: get 0 10.0.2.4:file.bin: size=2097152 blocks=1 ms=2000 (1 KiB/s)\n";
        assert_eq!(read_ms(con, 0), Ok(2000.0));
        assert!(read_ms(con, 1).is_err());
        assert_eq!(median_range(vec![3.0, 1.0, 2.0]), [2.0, 1.0, 3.0]);
    }
}
