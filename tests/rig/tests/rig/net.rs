//! Issue 10, netfront: the nettest image (tests/images/nettest) against dom0's netback on
//! the bridge xenbr0. Verdicts come from dom0: its own ping of the guest, the sha256 of the
//! UDP payload it sent against that of what came back, the frontend's xenstore nodes (what
//! was negotiated), and `xl shutdown`; the guest's console adds that it closed the vif and
//! ended every grant.

use std::time::Duration;

use rig_tests::rig::{GuestSpec, Outcome, Reason};
use rig_tests::{check, image, Ctx, Needs, Test, TestError, Xenstored};

/// dom0 pings the guest and has 16 UDP datagrams of 1000 bytes echoed.
pub const PING_UDP_ECHO: Test = Test {
    name: "net_ping_and_udp_echo",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &["nettest"],
    run: ping_udp_echo,
};

const DURING: &str = r#"
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
    timeout 5 dd bs=1000 count=1 <&3 2>/dev/null >>/tmp/net-reply
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
        extra: Some("ip=10.0.2.15/24".into()),
        during: Some(DURING.into()),
        timeout: Duration::from_secs(300),
        ..GuestSpec::new(image("nettest"))
    };
    let run = cx.rig()?.run_guest(&spec)?;
    for line in run.console.lines().filter(|l| l.contains("nettest:")) {
        eprintln!("    {line}");
    }
    let (con, dur) = (&run.console, run.during_output.clone().unwrap_or_default());
    check!(
        run.outcome == Outcome::Shutdown(Reason::Poweroff) && dur.contains("during: xl-rc=0"),
        "outcome {} (want poweroff by xl shutdown);\nconsole:\n{con}\nduring:\n{dur}\nxl:\n{}",
        run.outcome,
        run.log
    );
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
        ("feature-no-csum-offload", "0"),
    ] {
        check!(node(&dur, k, v), "frontend node {k} is not {v}:\n{dur}");
    }
    check!(
        con.contains("nettest: done closed failed=0 stuck=0 handshake=true")
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
