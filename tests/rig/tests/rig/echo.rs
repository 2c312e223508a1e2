//! Issue 10, the echo stubdom (`examples/echo`) against dom0's netback on xenbr0. dom0's
//! `tcp-echo-bench` (tests/rig/peers/tcp_echo_bench.c) sends random bytes on one TCP
//! connection while it reads the echo back; dom0 hashes what it sent and what came back.
//! The UDP echo is checked the same way with bash's `/dev/udp`. The stubdom's xenstore nodes
//! `data/echo/state` and `last-vif` say when it serves and how its vif ended;
//! `data/echo/ping` -> `pong` shows it still answers.

use std::time::Duration;

use rig_tests::rig::{GuestSpec, RigError};
use rig_tests::{build_peer, check, image, Ctx, Needs, Test, TestError, Xenstored};

use crate::net::{active, number, run_to_poweroff, ACTIVE_GRANTS};

/// 64 MiB through the TCP echo and 16 datagrams through the UDP echo.
pub const TCP_64M_AND_UDP: Test = Test {
    name: "echo_tcp_64m_and_udp",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &["echo"],
    run: tcp_64m_and_udp,
};

/// `xl network-detach` in the middle of a TCP transfer, then `xl network-attach`.
pub const DETACH: Test = Test {
    name: "echo_tcp_network_detach_during_transfer",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &["echo"],
    run: detach,
};

const ADDR: &str = "10.0.2.50";
/// The bytes of the big transfer.
const BYTES: u64 = 64 << 20;
/// The bytes echoed back before dom0 detaches the vif.
const FLOWING: u64 = 2 << 20;

/// dom0's helpers, before each test's own script.
const PRELUDE: &str = r#"
set -u
d=/local/domain/$RIG_DOMID
peer=/share/files/echo/tcp-echo-bench
st() { timeout 20 xenstore-read "$d/data/echo/${1:-state}" 2>/dev/null; }
wait_state() { # PREFIX [NODE]: up to 240 s
    local s
    for _ in $(seq 2400); do
        s=$(st "${2:-state}")
        [[ $s == "$1"* ]] && return 0
        sleep 0.1
    done
    echo "during: timed out waiting for ${2:-state} $1 (it is: $(st "${2:-state}"))"
    return 1
}
sha() { sha256sum <"$1" | cut -d' ' -f1; }
# echo FILE through the TCP echo; prints the client's lines, its rc and what came back.
tcp_echo() { # NAME FILE [FLOWING]
    "$peer" ADDR 7 "$2" "/tmp/$1-got" ${3:-} >"/tmp/$1-out" 2>&1
    local rc=$?
    sed "s/^/during: $1 /" "/tmp/$1-out"
    echo "during: $1 rc=$rc sent=$(sha "$2")"
    [[ -f /tmp/$1-got ]] && echo "during: $1 got=$(sha "/tmp/$1-got") bytes=$(wc -c <"/tmp/$1-got")"
    rm -f "/tmp/$1-got"
}
ip addr add 10.0.2.2/24 dev xenbr0 2>/dev/null
ip neigh flush dev xenbr0
"#;

const TCP_UDP_DURING: &str = r#"
wait_state serving || exit 0
echo "during: state $(st)"
head -c BYTES /dev/urandom >/tmp/echo-payload
tcp_echo big /tmp/echo-payload
rm -f /tmp/echo-payload
head -c 16000 /dev/urandom >/tmp/echo-udp
: >/tmp/echo-udp-reply
exec 3<>/dev/udp/ADDR/7
for i in $(seq 0 15); do
    dd if=/tmp/echo-udp bs=1000 skip="$i" count=1 2>/dev/null >&3
    timeout 30 dd bs=1000 count=1 <&3 2>/dev/null >>/tmp/echo-udp-reply
done
exec 3>&-
echo "during: udp sent=$(sha /tmp/echo-udp) got=$(sha /tmp/echo-udp-reply) bytes=$(wc -c </tmp/echo-udp-reply)"
xl shutdown -w "$RIG_DOMID"
echo "during: xl-rc=$?"
"#;

/// The value of `during: NAME key=` (up to the next space).
pub(crate) fn field<'a>(dur: &'a str, name: &str, key: &str) -> Option<&'a str> {
    let line = dur
        .lines()
        .find(|l| l.starts_with(&format!("during: {name} ")) && l.contains(&format!(" {key}=")))?;
    let rest = &line[line.find(&format!(" {key}="))? + key.len() + 2..];
    rest.split(' ').next()
}

/// Whether dom0's transfer `name` came back whole: `bytes` bytes, the same sha256.
pub(crate) fn intact(dur: &str, name: &str, bytes: u64) -> bool {
    field(dur, name, "rc") == Some("0")
        && field(dur, name, "sent").is_some_and(|s| s.len() == 64)
        && field(dur, name, "sent") == field(dur, name, "got")
        && field(dur, name, "bytes") == Some(&bytes.to_string())
}

/// MiB/s of dom0's transfer `name`, from its client's `bytes=` and `us=`.
pub(crate) fn rate(dur: &str, name: &str) -> f64 {
    let n = |k| number(dur, &format!("during: {name} tcp-echo-bench: bytes="), k);
    match (n("bytes"), n("us")) {
        (Some(b), Some(us)) if us > 0 => b as f64 / f64::from(1 << 20) / (us as f64 / 1e6),
        _ => 0.0,
    }
}

/// The peer in the rig's share, and a spec for the echo stubdom with dom0 running `during`.
fn setup(cx: &mut Ctx, during: &str) -> Result<GuestSpec, TestError> {
    let dir = cx.scratch()?;
    let peer = build_peer(&dir, "tcp_echo_bench.c", "tcp-echo-bench", &["-pthread"])?;
    let files = cx.rig()?.share().join("files/echo");
    std::fs::create_dir_all(&files).map_err(|e| RigError::io(files.display(), e))?;
    std::fs::copy(&peer, files.join("tcp-echo-bench"))
        .map_err(|e| RigError::io(peer.display(), e))?;
    let script = format!("{PRELUDE}{ACTIVE_GRANTS}\n{during}")
        .replace("ADDR", ADDR)
        .replace("BYTES", &BYTES.to_string())
        .replace("FLOWING", &FLOWING.to_string());
    Ok(GuestSpec {
        vif: true,
        extra: Some(format!("ip={ADDR}/24 echo.port=7")),
        during: Some(script),
        timeout: Duration::from_secs(420),
        ..GuestSpec::new(image("echo"))
    })
}

/// The guest's line `echo: vif WHAT ...` and whether it shows a clean close: no request
/// stuck, the handshake done and every grant ended.
fn clean_close(con: &str, what: &str) -> (bool, String) {
    let prefix = format!("echo: vif {what} ");
    let Some(line) = con
        .lines()
        .find_map(|l| l.split_once(&prefix).map(|(_, r)| r))
    else {
        return (false, String::new());
    };
    let f = |k| number(&format!(" {line}"), "", k);
    let ok = f("stuck") == Some(0)
        && line.contains(" handshake=true")
        && f("grants-before").is_some()
        && f("grants-now") == f("grants-before");
    (ok, line.to_string())
}

fn tcp_64m_and_udp(cx: &mut Ctx) -> Result<(), TestError> {
    let show = |l: &str| l.contains("echo: tcp") || l.starts_with("during: big");
    let spec = setup(cx, TCP_UDP_DURING)?;
    let (con, dur, both) = run_to_poweroff(cx, &spec, show)?;
    let con = &con;
    check!(
        intact(&dur, "big", BYTES),
        "the {BYTES} bytes dom0 got back through the TCP echo are not what it sent:\n{both}"
    );
    check!(
        field(&dur, "udp", "bytes") == Some("16000")
            && field(&dur, "udp", "sent") == field(&dur, "udp", "got"),
        "the UDP echo dom0 got back is not what it sent:\n{both}"
    );
    check!(
        con.contains(&format!("closed: echoed {BYTES} bytes")),
        "the guest did not report the connection's end with {BYTES} bytes echoed:\n{con}"
    );
    let (ok, line) = clean_close(con, "closed");
    check!(
        ok,
        "the guest did not close its vif cleanly at xl shutdown ({line:?}):\n{con}"
    );
    eprintln!("    {:.2} MiB/s each way (dom0's clock)", rate(&dur, "big"));
    Ok(())
}

const DETACH_DURING: &str = r#"
wait_state serving || exit 0
head -c BYTES /dev/urandom >/tmp/echo-payload
be=$(xenstore-read "$d/device/vif/0/backend")
tcp_echo cut /tmp/echo-payload FLOWING &
client=$!
for _ in $(seq 1200); do
    grep -q 'flowing' /tmp/cut-out 2>/dev/null && break
    kill -0 "$client" 2>/dev/null || break
    sleep 0.1
done
echo "during: flowing-seen=$(grep -c flowing /tmp/cut-out 2>/dev/null)"
echo "during: state-at-detach=$(st)"
active flowing
t0=$(date +%s%N)
xl network-detach "$RIG_DOMID" 0
echo "during: detach-rc=$? ms=$((($(date +%s%N) - t0) / 1000000))"
if xenstore-ls "$be" >/dev/null 2>&1; then echo "during: backend-dir=present"; else echo "during: backend-dir=gone"; fi
wait_state vif-gone last-vif
echo "during: guest-state=$(st last-vif)"
active detached
wait "$client"
xenstore-write "$d/data/echo/ping" after-detach
for _ in $(seq 600); do
    [[ $(xenstore-read "$d/data/echo/pong" 2>/dev/null) == after-detach ]] && break
    sleep 0.1
done
echo "during: pong=$(xenstore-read "$d/data/echo/pong" 2>/dev/null)"
xl network-attach "$RIG_DOMID" bridge=xenbr0 script=/share/bin/hotplug/vif
echo "during: attach-rc=$?"
wait_state serving
echo "during: state-after-attach=$(st)"
ip neigh flush dev xenbr0
head -c 1048576 /tmp/echo-payload >/tmp/echo-small
tcp_echo again /tmp/echo-small
rm -f /tmp/echo-payload /tmp/echo-small
xl shutdown -w "$RIG_DOMID"
echo "during: xl-rc=$?"
"#;

fn detach(cx: &mut Ctx) -> Result<(), TestError> {
    let show = |l: &str| l.contains("echo: ") || l.starts_with("during:");
    let spec = setup(cx, DETACH_DURING)?;
    let (con, dur, both) = run_to_poweroff(cx, &spec, show)?;
    let con = &con;
    check!(
        dur.contains("during: flowing-seen=1") && dur.contains("during: state-at-detach=serving"),
        "the echo was not flowing when dom0 detached the vif:\n{both}"
    );
    check!(
        dur.contains("during: detach-rc=0") && dur.contains("during: backend-dir=gone"),
        "xl network-detach did not complete:\n{both}"
    );
    // dom0's connection did not complete: the transfer was cut.
    check!(
        field(&dur, "cut", "rc").is_some_and(|rc| rc != "0")
            && dur.contains("during: cut tcp-echo-bench: receive after"),
        "dom0's transfer was not cut by the detach (it should fail part-way):\n{both}"
    );
    // The guest's socket got the error, and the vif closed with every grant ended.
    check!(
        con.contains(": socket error: "),
        "the guest did not report the socket error:\n{con}"
    );
    let state = dur
        .lines()
        .find_map(|l| l.strip_prefix("during: guest-state="))
        .unwrap_or("");
    let (ok, line) = clean_close(con, "vif-gone");
    check!(
        ok && state.starts_with("vif-gone ") && state.contains(" error=\""),
        "the guest's vif did not close cleanly after the detach (state {state:?}, console \
         {line:?}):\n{both}"
    );
    // From Xen's side: the backend mapped the guest's buffer or ring pages while the echo
    // flowed (refs past the 8 reserved ones) and maps none once the vif is gone.
    let (flowing, after) = (active(&dur, "flowing"), active(&dur, "detached"));
    check!(
        flowing.as_ref().is_some_and(|r| r.iter().any(|&r| r >= 8))
            && after.as_ref().is_some_and(|r| r.iter().all(|&r| r < 8)),
        "grant refs of the guest mapped by others: while flowing {flowing:?}, after the \
         detach {after:?}:\n{both}"
    );
    // It keeps running: it answers, and serves a new vif.
    check!(
        dur.contains("during: pong=after-detach"),
        "the guest did not answer dom0's ping after the detach:\n{both}"
    );
    check!(
        dur.contains("during: attach-rc=0")
            && dur.contains("during: state-after-attach=serving")
            && intact(&dur, "again", 1 << 20),
        "the guest did not serve the vif attached after the detach:\n{both}"
    );
    eprintln!(
        "    detach-ms={}",
        number(&dur, "during: detach-rc=", "ms").unwrap_or(0)
    );
    Ok(())
}
