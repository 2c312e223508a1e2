//! Issue 10, netfront: the nettest image (tests/images/nettest) against dom0's netback on
//! the bridge xenbr0. Verdicts come from dom0: its own ping of the guest, the sha256 of the
//! UDP payload it sent against that of what came back, the frontend's xenstore nodes (what
//! was negotiated), and `xl shutdown`; the guest's console adds that it closed the vif and
//! ended every grant.
//!
//! `net_detach_during_transfer` has dom0's `udp-flood` (tests/rig/peers/udp_flood.c) keep
//! the guest's UDP echo busy while `xl network-detach` takes the vif away.

use std::time::Duration;

use rig_tests::rig::{GuestSpec, Outcome, Reason, RigError};
use rig_tests::{build_peer, check, image, Ctx, Needs, Test, TestError, Xenstored};

/// dom0's helpers before each nettest script: `st` reads the guest's state, `wait_state
/// PREFIX` waits for it (up to 240 s, or until the guest finished).
const NETTEST_PRELUDE: &str = r#"
set -u
d=/local/domain/$RIG_DOMID
st() { xenstore-read "$d/data/nettest/state" 2>/dev/null; }
wait_state() { # PREFIX: up to 240 s, or the guest finished
    local s
    for _ in $(seq 2400); do
        s=$(st)
        [[ $s == "$1"* || $s == finished* ]] && return 0
        sleep 0.1
    done
    echo "during: timed out waiting for $1"
}
"#;

/// A nettest spec whose dom0 script is `during` after [`NETTEST_PRELUDE`].
fn nettest(extra: &str, during: &str) -> GuestSpec {
    GuestSpec {
        extra: Some(extra.into()),
        during: Some(format!("{NETTEST_PRELUDE}{during}")),
        timeout: Duration::from_secs(300),
        ..GuestSpec::new(image("nettest"))
    }
}

/// Runs `spec` (whose dom0 script ends with `xl shutdown`), shows the console and dom0 lines
/// `show` picks, and checks that the guest powered off; returns the console, dom0's output,
/// and both for messages.
pub(crate) fn run_to_poweroff(
    cx: &mut Ctx,
    spec: &GuestSpec,
    show: fn(&str) -> bool,
) -> Result<(String, String, String), TestError> {
    let run = cx.rig()?.run_guest(spec)?;
    let (con, dur) = (run.console, run.during_output.unwrap_or_default());
    for line in con.lines().chain(dur.lines()).filter(|l| show(l)) {
        eprintln!("    {line}");
    }
    let both = format!("during:\n{dur}\nconsole:\n{con}");
    check!(
        run.outcome == Outcome::Shutdown(Reason::Poweroff) && dur.contains("during: xl-rc=0"),
        "outcome {} (want poweroff by xl shutdown);\n{both}\nxl:\n{}",
        run.outcome,
        run.log
    );
    Ok((con, dur, both))
}

/// dom0 pings the guest and has 16 UDP datagrams of 1000 bytes echoed.
pub const PING_UDP_ECHO: Test = Test {
    name: "net_ping_and_udp_echo",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &["nettest"],
    run: ping_udp_echo,
};

const DURING: &str = r#"
wait_state ready
echo "during: state $(st)"
ip addr add 10.0.2.2/24 dev xenbr0 2>/dev/null
ip link show | grep -o "vif$RIG_DOMID[.0-9]*" | head -1 | sed 's/^/during: backend-if /'
if ping -c 3 -W 5 10.0.2.15 >/tmp/net-ping 2>&1; then echo "during: ping-ok"; fi
sed 's/^/during: ping /' /tmp/net-ping
head -c 16000 /dev/urandom >/tmp/net-payload
: >/tmp/net-reply
exec 3<>/dev/udp/10.0.2.15/7
for i in $(seq 0 15); do
    dd if=/tmp/net-payload bs=1000 skip="$i" count=1 2>/dev/null >&3
    timeout 30 dd bs=1000 count=1 <&3 2>/dev/null >>/tmp/net-reply
done
exec 3>&-
sent=$(sha256sum </tmp/net-payload | cut -d' ' -f1)
got=$(sha256sum </tmp/net-reply | cut -d' ' -f1)
echo "during: sent=$sent got=$got bytes=$(wc -c </tmp/net-reply)"
[[ $sent == "$got" ]] && echo "during: echo-matches"
xenstore-ls -f "$d/device/vif/0" | sed 's/^/during: node /'
xenstore-write "$d/data/nettest/dom0" done
wait_state finished
echo "during: state $(st)"
xl shutdown -w "$RIG_DOMID"
echo "during: xl-rc=$?"
"#;

fn node(dur: &str, key: &str, value: &str) -> bool {
    let want = format!("/device/vif/0/{key} = \"{value}\"");
    dur.lines()
        .any(|l| l.starts_with("during: node ") && l.ends_with(&want))
}

fn ping_udp_echo(cx: &mut Ctx) -> Result<(), TestError> {
    let spec = GuestSpec {
        vif: true,
        ..nettest("ip=10.0.2.15/24", DURING)
    };
    let (con, dur, _) = run_to_poweroff(cx, &spec, |l| l.contains("nettest:"))?;
    let con = &con;
    check!(
        dur.contains("during: ping-ok"),
        "dom0 could not ping the guest:\n{dur}\n{con}"
    );
    check!(
        dur.contains("during: echo-matches"),
        "the UDP echo dom0 got back is not what it sent:\n{dur}\n{con}"
    );
    for (k, v) in [
        ("request-rx-copy", "1"),
        ("feature-rx-notify", "1"),
        ("feature-sg", "1"),
        ("feature-gso-tcpv4", "1"),
        ("feature-no-csum-offload", "0"),
    ] {
        check!(node(&dur, k, v), "frontend node {k} is not {v}:\n{dur}");
    }
    check!(
        con.contains("nettest: done closed by=us failed=0 stuck=0 handshake=true")
            && !con.contains("FAILED"),
        "the guest did not close the vif cleanly:\n{con}"
    );
    let grants = |k: &str| -> Option<u64> {
        let line = con.lines().find(|l| l.contains(k))?;
        line.split(k).nth(1)?.split([' ', ')']).next()?.parse().ok()
    };
    let (before, after) = (grants("grants-before="), grants("grants-after="));
    check!(
        before.is_some() && before == after,
        "grants in use before {before:?}, after {after:?}:\n{con}"
    );
    Ok(())
}

/// One guest with two vifs on xenbr0, each with its own address, both answering at once.
pub const TWO_VIFS: Test = Test {
    name: "net_two_vifs",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &["nettest"],
    run: two_vifs,
};

/// dom0's side: each address is pinged and echoes UDP; dom0's neighbour table says which
/// MAC answered for it, compared with each frontend's `mac` node.
const TWO_VIFS_DURING: &str = r#"
wait_state ready
ip addr add 10.0.2.2/24 dev xenbr0 2>/dev/null
ip neigh flush dev xenbr0
for k in 0 1; do
    a=10.0.2.$((15 + k))
    ping -c 2 -W 5 "$a" >/dev/null 2>&1 && echo "during: vif$k ping-ok"
    head -c 4000 /dev/urandom >/tmp/net-p$k
    : >/tmp/net-r$k
    exec 3<>/dev/udp/$a/7
    for i in 0 1 2 3; do
        dd if=/tmp/net-p$k bs=1000 skip="$i" count=1 2>/dev/null >&3
        timeout 30 dd bs=1000 count=1 <&3 2>/dev/null >>/tmp/net-r$k
    done
    exec 3>&-
    [[ $(sha256sum </tmp/net-p$k) == "$(sha256sum </tmp/net-r$k)" ]] && echo "during: vif$k echo-matches"
    mac=$(xenstore-read "$d/device/vif/$k/mac")
    seen=$(ip neigh show "$a" dev xenbr0 | grep -o '..:..:..:..:..:..' | head -1)
    echo "during: vif$k mac=$mac answered-by=$seen state=$(xenstore-read "$d/device/vif/$k/state")"
done
xenstore-write "$d/data/nettest/dom0" done
wait_state finished
echo "during: state $(st)"
xl shutdown -w "$RIG_DOMID"
echo "during: xl-rc=$?"
"#;

fn two_vifs(cx: &mut Ctx) -> Result<(), TestError> {
    let vif = "'bridge=xenbr0, script=/share/bin/hotplug/vif'";
    let spec = GuestSpec {
        xl_config: Some(format!("vif = [ {vif}, {vif} ]\n")),
        ..nettest("ip=10.0.2.15/24 vifs=2", TWO_VIFS_DURING)
    };
    let show = |l: &str| l.contains("nettest: features") || l.starts_with("during: vif");
    let (con, dur, both) = run_to_poweroff(cx, &spec, show)?;
    let con = &con;
    for k in 0..2 {
        let line = dur
            .lines()
            .find_map(|l| l.strip_prefix(&format!("during: vif{k} mac=")))
            .unwrap_or("");
        let (mac, rest) = line.split_once(' ').unwrap_or(("", ""));
        check!(
            dur.contains(&format!("during: vif{k} ping-ok"))
                && dur.contains(&format!("during: vif{k} echo-matches"))
                && mac.len() == 17
                && rest.starts_with(&format!("answered-by={mac} state=4")),
            "vif {k} (10.0.2.{}) did not answer as itself (want ping, echo, and its own MAC \
             {mac:?} in dom0's neighbour table):\n{both}",
            15 + k
        );
    }
    let grants = |k| number(con, "nettest: done closed", k);
    check!(
        con.contains("nettest: done closed by=us failed=0 stuck=0 handshake=true")
            && grants("grants-before").is_some()
            && grants("grants-now") == grants("grants-before"),
        "the guest did not close both vifs cleanly, every grant ended:\n{con}"
    );
    Ok(())
}

/// `xl network-detach` while dom0 floods the guest's UDP echo.
pub const DETACH: Test = Test {
    name: "net_detach_during_transfer",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &["nettest"],
    run: detach,
};

/// dom0's side: the flood runs until the guest has closed; `active PHASE` lists the guest's
/// grant refs another domain maps now (Xen's debug key `g`, from a cleared console ring).
const DETACH_DURING: &str = r#"
ACTIVE_GRANTS
wait_state ready
ip addr add 10.0.2.2/24 dev xenbr0 2>/dev/null
be=$(xenstore-read "$d/device/vif/0/backend")
rm -f /tmp/net-stop
/share/files/nettest/udp-flood 10.0.2.15 7 FLOWING /tmp/net-stop 240 >/tmp/net-flood 2>&1 &
flood=$!
for _ in $(seq 1200); do
    grep -q 'peer: flowing' /tmp/net-flood && break
    kill -0 "$flood" 2>/dev/null || break
    sleep 0.1
done
sed 's/^/during: /' /tmp/net-flood
active flowing
s=$(xenstore-read "$d/data/nettest/state" 2>&1)
echo "during: state-at-detach=$s"
t0=$(date +%s%N)
xl network-detach "$RIG_DOMID" 0
echo "during: detach-rc=$? ms=$((($(date +%s%N) - t0) / 1000000))"
if xenstore-ls "$be" >/dev/null 2>&1; then echo "during: backend-dir=present"; else echo "during: backend-dir=gone"; fi
if ip link show | grep -q "vif$RIG_DOMID\.0"; then echo "during: backend-if=present"; else echo "during: backend-if=gone"; fi
wait_state closed
echo "during: guest-state=$(st)"
touch /tmp/net-stop
wait "$flood"
echo "during: flood-rc=$?"
grep -v 'peer: flowing' /tmp/net-flood | sed 's/^/during: /'
active detached
xenstore-write "$d/data/nettest/dom0" ping
for _ in $(seq 600); do
    [[ $(xenstore-read "$d/data/nettest/pong" 2>/dev/null) == alive ]] && break
    sleep 0.1
done
echo "during: pong=$(xenstore-read "$d/data/nettest/pong" 2>/dev/null)"
wait_state finished
xl shutdown -w "$RIG_DOMID"
echo "during: xl-rc=$?"
"#;

/// dom0's bash function `active PHASE`: prints `during: active-grants PHASE refs=R,...`, the
/// guest's grant refs another domain maps now (Xen's debug key `g`, from a cleared console
/// ring), `none`, or `unknown` if Xen's dump did not finish; read back by [`active`].
pub(crate) const ACTIVE_GRANTS: &str = r#"active() {
    local out refs
    xl dmesg -c >/dev/null
    xl debug-keys g
    for _ in $(seq 100); do
        out=$(xl dmesg)
        [[ $out == *"gnttab_usage_print_all ] done"* ]] && break
        sleep 0.1
    done
    refs=$(awk -v me="remote d$RIG_DOMID " '
        /grant-table for remote/ { on = index($0, me) > 0 }
        on && match($0, /\[0x[0-9a-f]+\]/) {
            printf "%s%s", sep, substr($0, RSTART + 1, RLENGTH - 2); sep = ","
        }' <<<"$out") || refs=unknown
    [[ $out == *"gnttab_usage_print_all ] done"* ]] || refs=unknown
    echo "during: active-grants $1 refs=${refs:-none}"
}
"#;

/// Echoes dom0 wants back before it detaches.
const FLOWING: u64 = 300;

/// The number after `key=` on the first line of `text` containing `prefix`.
pub(crate) fn number(text: &str, prefix: &str, key: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.contains(prefix))?;
    let rest = &line[line.find(&format!(" {key}="))? + key.len() + 2..];
    rest.split([' ', ',', ')']).next()?.parse().ok()
}

/// The guest grant refs another domain mapped in `phase` (`None` if dom0 could not tell).
pub(crate) fn active(dur: &str, phase: &str) -> Option<Vec<u32>> {
    let refs = dur
        .lines()
        .find_map(|l| l.strip_prefix(&format!("during: active-grants {phase} refs=")))?;
    if refs == "none" {
        return Some(Vec::new());
    }
    let hex = |r: &str| u32::from_str_radix(r.trim_start_matches("0x"), 16).ok();
    refs.split(',').map(hex).collect()
}

fn detach(cx: &mut Ctx) -> Result<(), TestError> {
    let dir = cx.scratch()?;
    let peer = build_peer(&dir, "udp_flood.c", "udp-flood", &[])?;
    let rig = cx.rig()?;
    let files = rig.share().join("files/nettest");
    std::fs::create_dir_all(&files).map_err(|e| RigError::io(files.display(), e))?;
    std::fs::copy(&peer, files.join("udp-flood")).map_err(|e| RigError::io(peer.display(), e))?;
    let during = DETACH_DURING
        .replace("ACTIVE_GRANTS", ACTIVE_GRANTS)
        .replace("FLOWING", &FLOWING.to_string());
    let spec = GuestSpec {
        vif: true,
        ..nettest("ip=10.0.2.15/24 detach", &during)
    };
    let show = |l: &str| l.contains("nettest:") || l.contains("during:");
    let (_, dur, both) = run_to_poweroff(cx, &spec, show)?;
    // Echoes flowed before the detach, and every one came back as sent.
    let echoed = number(&dur, "during: peer: sent=", "echoed");
    check!(
        dur.contains(&format!("during: peer: flowing echoed={FLOWING}"))
            && dur.contains("during: state-at-detach=ready")
            && echoed.is_some_and(|n| n >= FLOWING)
            && number(&dur, "during: peer: sent=", "mismatched") == Some(0),
        "the echo was not flowing when dom0 detached, or came back wrong:\n{both}"
    );
    // The detach completed and took the backend away.
    check!(
        dur.contains("during: detach-rc=0")
            && dur.contains("during: backend-dir=gone")
            && dur.contains("during: backend-if=gone"),
        "xl network-detach did not complete:\n{both}"
    );
    // The guest noticed, closed with every grant ended, and still answers.
    let state = dur
        .lines()
        .find_map(|l| l.strip_prefix("during: guest-state="))
        .unwrap_or("");
    let field = |k: &str| number(&format!(" {state}"), "", k);
    check!(
        state.starts_with("closed by=backend ")
            && field("failed").is_some()
            && field("stuck") == Some(0)
            && state.contains(" handshake=true")
            && field("grants-before").is_some()
            && field("grants-now") == field("grants-before"),
        "the guest's state after the detach is {state:?} (want closed by=backend, stuck=0, \
         grants-now=grants-before):\n{both}"
    );
    check!(
        dur.contains("during: pong=alive"),
        "the guest did not answer dom0's ping after the detach:\n{both}"
    );
    // From Xen's side: the backend mapped buffer or ring pages of the guest while it ran
    // (refs past the 8 reserved ones) and maps none after the detach.
    let (flowing, after) = (active(&dur, "flowing"), active(&dur, "detached"));
    check!(
        flowing.as_ref().is_some_and(|r| r.iter().any(|&r| r >= 8))
            && after.as_ref().is_some_and(|r| r.iter().all(|&r| r < 8)),
        "grant refs of the guest mapped by others: while flowing {flowing:?}, after the \
         detach {after:?}:\n{both}"
    );
    eprintln!(
        "    echoed={} tx-failed-at-close={} detach-ms={}",
        echoed.unwrap_or(0),
        field("failed").unwrap_or(0),
        number(&dur, "during: detach-rc=", "ms").unwrap_or(0)
    );
    Ok(())
}
