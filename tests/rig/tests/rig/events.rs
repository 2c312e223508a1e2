//! Issue 3 (first half): event channels, time and scheduling on real Xen, with the evtest
//! image (tests/images/evtest) and dom0's `evtchn-peer` (tests/rig/peers/evtchn_peer.c,
//! built static by this test with gcc against libxen-dev's `xen/sys/evtchn.h`).

use std::time::Duration;

use rig_tests::rig::{GuestSpec, Outcome, Reason, RigError};
use rig_tests::{build_peer, check, image, Ctx, Needs, Test, TestError, Xenstored};

/// evtest with every phase: timers, loopback channel, dom0 peer, idle, VIRQ_DEBUG.
pub const EVENTS: Test = Test {
    name: "events_timers_executor_and_dom0_channel",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &["evtest"],
    run: events,
};

/// The guest's idle sleep, in seconds: long enough for dom0's 6 s CPU-time sample, with two
/// `xl list` calls around it that take seconds each under a loaded host, to fall inside it.
const IDLE_S: u64 = 20;

/// dom0's side, run while the guest runs. It waits for the guest's console lines (polled,
/// with a deadline), runs the peer (which hands over through the channel itself), samples the
/// guest's CPU time over 6 s of its [`IDLE_S`] sleep (a measurement: `inside=1` when the
/// guest's sleep had not ended by the second sample), and presses debug key `q`.
const DURING: &str = r#"
set -u
c=$RIG_CONSOLE
wait_for() { # PATTERN: up to 120 s
    for _ in $(seq 1200); do
        grep -q "$1" "$c" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "during: timed out waiting for $1"
    exit 1
}
field() { sed -n "s/.*evtest: peer-port=.* $1=\([0-9]*\).*/\1/p" "$c" | head -n1; }
wait_for 'evtest: peer-port='
port=$(sed -n 's/.*evtest: peer-port=\([0-9]*\).*/\1/p' "$c" | head -n1)
/share/files/evtest/evtchn-peer "$RIG_DOMID" "$port" "$(field pings)" "$(field marks)"
echo "during: peer-rc=$?"
wait_for 'evtest: idle-start'
cpu() { xl list "$RIG_DOMID" | awk 'NR == 2 { print $6 }'; }
t0=$(cpu)
sleep 6
t1=$(cpu)
grep -q 'evtest: idle-end' "$c" && inside=0 || inside=1
echo "during: idle-cpu t0=$t0 t1=$t1 inside=$inside"
xl vcpu-list "$RIG_DOMID" | sed 's/^/during: /'
wait_for 'evtest: waiting-debug'
xl debug-keys q
echo "during: debug-keys-rc=$?"
"#;

/// The value after `key=` on the first line containing `prefix`.
fn field(text: &str, prefix: &str, key: &str) -> Option<String> {
    let line = text.lines().find(|l| l.contains(prefix))?;
    let rest = &line[line.find(&format!("{key}="))? + key.len() + 1..];
    Some(rest.split([' ', ',']).next()?.to_string())
}

fn number(text: &str, prefix: &str, key: &str) -> Option<u64> {
    field(text, prefix, key)?.parse().ok()
}

fn events(cx: &mut Ctx) -> Result<(), TestError> {
    let dir = cx.scratch()?;
    let peer = build_peer(&dir, "evtchn_peer.c", "evtchn-peer", &[])?;
    let rig = cx.rig()?;
    let files = rig.share().join("files/evtest");
    std::fs::create_dir_all(&files).map_err(|e| RigError::io(files.display(), e))?;
    std::fs::copy(&peer, files.join("evtchn-peer")).map_err(|e| RigError::io(peer.display(), e))?;

    let spec = GuestSpec {
        extra: Some(format!("peer idle={IDLE_S} debugkey")),
        during: Some(DURING.into()),
        timeout: Duration::from_secs(300),
        ..GuestSpec::new(image("evtest"))
    };
    let run = rig.run_guest(&spec)?;
    let con = &run.console;
    let dur = run.during_output.clone().unwrap_or_default();
    let both = format!("console:\n{con}\nduring:\n{dur}");
    check!(
        run.outcome == Outcome::Shutdown(Reason::Poweroff) && con.contains("evtest: done"),
        "outcome {}; {both}\nxl:\n{}",
        run.outcome,
        run.log
    );
    for line in con.lines().chain(dur.lines()) {
        if line.contains("evtest:") || line.contains("peer:") || line.contains("during:") {
            eprintln!("    {line}");
        }
    }

    // Timers: never early; VIRQ_TIMER fired; concurrent sleeps end in deadline order.
    for ms in [1u64, 10, 100, 250] {
        let took = con
            .lines()
            .find(|l| l.contains(&format!("evtest: sleep ms={ms} ")))
            .and_then(|l| number(l, "evtest: sleep", "took_us"));
        check!(
            took.is_some_and(|us| us >= ms * 1000 && us < ms * 1000 + 2_000_000),
            "sleep({ms} ms) took {took:?} us; {both}"
        );
    }
    let virqs = number(con, "evtest: timer virqs", "sleeps");
    check!(
        virqs.is_some_and(|n| n >= 3),
        "timer VIRQs {virqs:?}; {both}"
    );
    check!(
        con.contains("evtest: concurrent order=[100, 200, 300]")
            && number(con, "evtest: concurrent", "total_ms").is_some_and(|ms| ms >= 300),
        "concurrent sleeps; {both}"
    );
    check!(
        field(con, "evtest: timeout", "quiet").as_deref() == Some("Err(Elapsed)")
            && field(con, "evtest: timeout", "quick").as_deref() == Some("Ok(())")
            && number(con, "evtest: timeout", "waited_ms").is_some_and(|ms| ms >= 50),
        "timeout; {both}"
    );

    // Channel life cycle: unbound for ourselves, interdomain once bound, closed after drop.
    let domid = run.domid.unwrap_or(u32::MAX);
    check!(
        con.contains(&format!(
            "evtest: status unbound=Ok(Unbound {{ remote: {domid} }})"
        )) && con.contains("evtest: status closed=Ok(Closed)"),
        "port status (domid {domid}); {both}"
    );
    check!(
        number(con, "evtest: local rounds", "pings") == Some(1000)
            && number(con, "evtest: local rounds", "pongs") == Some(1000),
        "loopback ping-pong; {both}"
    );

    // dom0 peer: dom0's counts are the verdict: the pings it received and answered, the
    // marks, and the bye it sent once it had them all. The guest's side of it: dom0 is its
    // port's peer, every pong arrived (only the guest sees that), and it kept the port open
    // until the bye.
    check!(
        dur.contains("during: peer-rc=0")
            && number(&dur, "peer: pings", "pings") == Some(1000)
            && number(&dur, "peer: pings", "pongs") == Some(1000)
            && number(&dur, "peer: marks", "marks") == Some(11)
            && dur.contains("peer: bye=1"),
        "dom0's evtchn-peer counts; {both}"
    );
    check!(
        con.contains("evtest: peer hello remote=0 "),
        "the guest's port is not connected to dom0; {both}"
    );
    check!(
        number(con, "evtest: peer pings", "pings") == Some(1000)
            && number(con, "evtest: peer pings", "pongs") == Some(1000)
            && con.contains("evtest: peer marks=11 bye-after-ms="),
        "the guest's side of the ping-pong; {both}"
    );
    // A stalled round (over 1 s) must not be a wake-up the guest missed.
    check!(
        number(con, "evtest: peer pings", "pending_while_stalled") == Some(0),
        "the pong was pending in Xen while the guest slept; {both}"
    );

    // sleep(100 ms) as dom0's clock sees it, loosely (as the issue asks): the guest checks
    // itself that no sleep ends early; here the median interval must be 90-150 ms. On a quiet
    // host it is ~103 ms; with the host's 2 cores shared by other QEMUs it was seen at 146 ms,
    // because the QEMU running Xen is preempted (the guest's own clock shows the same delay).
    let raw = dur
        .lines()
        .find_map(|l| l.strip_prefix("peer: intervals_us="))
        .unwrap_or_default()
        .to_string();
    let mut intervals: Vec<u64> = raw.split(',').filter_map(|s| s.parse().ok()).collect();
    intervals.sort_unstable();
    check!(intervals.len() == 10, "intervals {raw:?}; {both}");
    let median = intervals[intervals.len() / 2];
    eprintln!(
        "    dom0-measured sleep(100 ms): median {median} us, min {} us, max {} us",
        intervals[0],
        intervals[intervals.len() - 1]
    );
    check!(
        (90_000..=150_000).contains(&median),
        "median interval {median} us is not within 90-150 ms: {raw}; {both}"
    );

    // Idle: SCHEDOP_block with no periodic tick burns no CPU. The exact evidence is the
    // guest's own count of blocks and upcalls during its sleep (checked below). Xen's
    // running time for the vCPU (VCPUOP_get_runstate_info in the guest, `xl list` in dom0)
    // is only an upper bound under TCG: a wake-up during which the host preempts QEMU is
    // charged in full (seen: 0.7 ms on a quiet run, 210 ms under load for the same 2 wakes),
    // so it only has to rule out a busy loop, which would show about the whole interval.
    let cpu_us = field(con, "evtest: idle-end", "cpu_us").and_then(|v| v.parse::<i64>().ok());
    let cpu = |k: &str| -> Option<f64> { field(&dur, "during: idle-cpu", k)?.parse().ok() };
    let (t0, t1) = (cpu("t0"), cpu("t1"));
    eprintln!(
        "    idle {IDLE_S} s: guest runstate {cpu_us:?} us running; xl list over 6 s: {t0:?} -> \
         {t1:?} s"
    );
    check!(
        cpu_us.is_some_and(|us| (0..3_000_000).contains(&us)),
        "running time during a {IDLE_S} s sleep: {cpu_us:?} us; {both}"
    );
    check!(
        matches!((t0, t1), (Some(a), Some(b)) if b - a < 3.0),
        "CPU time grew while idle: {t0:?} -> {t1:?}; {both}"
    );
    check!(
        field(&dur, "during: idle-cpu", "inside").as_deref() == Some("1"),
        "dom0's CPU samples were not both within the guest's sleep; {both}"
    );
    let idle_ms = number(con, "evtest: idle-end", "took_ms");
    check!(
        idle_ms.is_some_and(|ms| ms >= IDLE_S * 1000),
        "idle sleep took {idle_ms:?} ms; {both}"
    );
    // One wake for the timer, maybe one for the console flush of the line before.
    let wakes = number(con, "evtest: idle-end", "upcalls");
    let blocks = number(con, "evtest: idle-end", "blocks");
    check!(
        wakes.is_some_and(|n| n <= 3) && blocks.is_some_and(|n| n <= 3),
        "{blocks:?} blocks and {wakes:?} upcalls during a {IDLE_S} s sleep; {both}"
    );

    // VIRQ_DEBUG from `xl debug-keys q` reached the guest's handler.
    check!(
        number(con, "evtest: debug-virqs", "debug-virqs").is_some_and(|n| n >= 1)
            && con.contains("debug VIRQ"),
        "VIRQ_DEBUG; {both}"
    );
    Ok(())
}
