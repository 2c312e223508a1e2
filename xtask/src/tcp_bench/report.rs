//! `bench tcp`'s reading of dom0's output (the client's line, the sha256, the TCP counters,
//! the frontend's nodes) and its table.

use std::fmt::Write as _;

use super::{Row, BYTES, PORT, ROUNDS};
use crate::bench::median_range;

/// One good run: MiB/s each way and dom0's TCP retransmissions during it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Run {
    pub mib_s: f64,
    pub retrans: f64,
}
/// The run's numbers, if the client finished and what came back hashes as `sent`.
pub(super) fn verdict(during: &str, sent: &str) -> Result<Run, String> {
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
pub(super) fn published(during: &str) -> String {
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

/// The markdown table of `rows` (the first is Linux, the reference) and the failed runs.
pub(super) fn table(rows: &[Row], left_out: &[String]) -> Result<String, String> {
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
         dom0's tcp-echo-bench (tests/rig/peers/tcp_echo_bench.c) sends {mib} MiB of random \
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
