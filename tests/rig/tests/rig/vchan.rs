//! Issue 12, vchan against dom0's libxenvchan: `vchantest` (tests/images/vchantest) echoes
//! over a vchan to Debian's `vchan-socket-proxy`, which joins it to a Unix socket in dom0.
//! dom0's `tcp-echo-bench` (tests/rig/peers/tcp_echo_bench.c) sends random bytes into the
//! socket while it reads the echo back, and dom0 compares the sha256 of both. The guest's
//! `data/vchantest/state` says when it waits, is connected and has closed (with its grant
//! count before and after); dom0 times how soon each side notices the other's end.

use std::time::Duration;

use rig_tests::rig::{GuestSpec, RigError};
use rig_tests::{build_peer, check, image, Ctx, Needs, Test, TestError, Xenstored};

use crate::net::{active, run_to_poweroff, ACTIVE_GRANTS};

/// Our server, the proxy as client, the smallest rings (1 KiB and 2 KiB in the control page).
pub const SERVER_SMALLEST: Test = Test {
    name: "vchan_server_smallest_rings",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &["vchantest"],
    run: server_smallest,
};

/// Our server with the largest rings (1 MiB each way): the transfer, the proxy killed, the
/// next connection, and `xl shutdown` during a connection.
pub const SERVER_LARGEST: Test = Test {
    name: "vchan_server_largest_rings_kill_and_shutdown",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &["vchantest"],
    run: server_largest,
};

/// Our client, the proxy as server: the same.
pub const CLIENT: Test = Test {
    name: "vchan_client_kill_and_shutdown",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &["vchantest"],
    run: client,
};

/// The bytes of each big transfer.
const BYTES: u64 = 64 << 20;
/// Bytes echoed back before dom0 acts in the middle of a transfer.
const FLOWING: u64 = 4 << 20;
/// How soon a close must be seen by the other side.
const NOTICE_MS: u64 = 1000;

/// dom0's helpers, before each test's own script.
const PRELUDE: &str = r#"
set -u
d=/local/domain/$RIG_DOMID
peer=/share/files/vchan/tcp-echo-bench
st() { timeout 20 xenstore-read "$d/data/vchantest/${1:-state}" 2>/dev/null; }
wait_state() { # PREFIX: up to 240 s
    local s
    for _ in $(seq 4800); do
        s=$(st)
        [[ $s == "$1"* ]] && return 0
        sleep 0.05
    done
    echo "during: timed out waiting for state $1 (it is: $(st))"
    return 1
}
sha() { sha256sum <"$1" | cut -d' ' -f1; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
# xfer NAME FILE ADDR [FLOWING]: FILE through the echo at ADDR (unix:SOCK or listen:SOCK).
xfer() {
    "$peer" "$3" 0 "$2" "/tmp/$1-got" ${4:-} >"/tmp/$1-out" 2>&1
    local rc=$?
    sed "s/^/during: $1 /" "/tmp/$1-out"
    echo "during: $1 rc=$rc sent=$(sha "$2")"
    [[ -f /tmp/$1-got ]] && echo "during: $1 got=$(sha "/tmp/$1-got") bytes=$(wc -c <"/tmp/$1-got")"
    rm -f "/tmp/$1-got"
}
# flowing NAME: waits until transfer NAME has FLOWING bytes back.
flowing() {
    for _ in $(seq 2400); do
        grep -q flowing "/tmp/$1-out" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "during: $1 never flowed"
}
head -c BYTES /dev/urandom >/tmp/payload
head -c 1048576 /tmp/payload >/tmp/small
"#;

/// Our server: the proxy as client listens on a socket and connects to the vchan at each
/// connection it accepts.
const SERVER_PRELUDE: &str = r#"
path=$d/data/vchan
proxy() { # SOCK
    vchan-socket-proxy -m client "$RIG_DOMID" "$path" "$1" 2>>/tmp/proxy.err &
    proxy_pid=$!
    for _ in $(seq 200); do [[ -S $1 ]] && return 0; sleep 0.05; done
    echo "during: the proxy did not listen on $1"
}
"#;

const SERVER_SMALLEST_DURING: &str = r#"
wait_state "waiting 1" || exit 0
proxy /tmp/v1.sock
xfer big /tmp/payload unix:/tmp/v1.sock
wait_state "closed 1"
echo "during: state-1=$(st) orders-1=$(st orders)"
active after-close
kill "$proxy_pid"
xl shutdown -w "$RIG_DOMID"
echo "during: xl-rc=$?"
"#;

const SERVER_LARGEST_DURING: &str = r#"
wait_state "waiting 1" || exit 0
proxy /tmp/v1.sock
xfer big /tmp/payload unix:/tmp/v1.sock
wait_state "closed 1"
echo "during: state-1=$(st) orders-1=$(st orders)"
# Connection 2 through the same proxy: killed in the middle.
wait_state "waiting 2"
xfer cut /tmp/payload unix:/tmp/v1.sock FLOWING &
client=$!
flowing cut
active flowing
t0=$(date +%s%N)
kill -9 "$proxy_pid"
wait_state "closed 2"
echo "during: kill-noticed-ms=$(ms_since "$t0") state-2=$(st)"
wait "$client"
active after-kill
# Connection 3, through a new proxy.
wait_state "waiting 3"
proxy /tmp/v3.sock
xfer again /tmp/small unix:/tmp/v3.sock
wait_state "closed 3"
echo "during: state-3=$(st)"
# Connection 4: the guest shuts down in the middle.
wait_state "waiting 4"
xfer held /tmp/payload unix:/tmp/v3.sock FLOWING &
client=$!
flowing held
t0=$(date +%s%N)
xl shutdown -w "$RIG_DOMID"
echo "during: xl-rc=$?"
wait "$client"
eof=$(grep -o 'eof-realtime-ns=[0-9]*' /tmp/held-out | cut -d= -f2)
echo "during: shutdown-noticed-ms=$(( (${eof:-0} - t0) / 1000000 ))"
kill "$proxy_pid"
"#;

/// Our client: the proxy as server publishes the vchan and, when we connect, connects to
/// dom0's socket, where tcp-echo-bench waits.
const CLIENT_DURING: &str = r#"
path=$d/data/vchan-srv
serve() { # SOCK: the peer listens, then the proxy publishes
    vchan-socket-proxy -m server "$RIG_DOMID" "$path" "$1" 2>>/tmp/proxy.err &
    proxy_pid=$!
}
wait_state "waiting 1" || exit 0
xfer big /tmp/payload listen:/tmp/s1.sock &
client=$!
serve /tmp/s1.sock
wait "$client"
wait_state "closed 1"
echo "during: state-1=$(st) orders-1=$(st orders)"
wait "$proxy_pid"
# Connection 2: the proxy killed in the middle.
xfer cut /tmp/payload listen:/tmp/s2.sock FLOWING &
client=$!
serve /tmp/s2.sock
flowing cut
t0=$(date +%s%N)
kill -9 "$proxy_pid"
wait_state "closed 2"
echo "during: kill-noticed-ms=$(ms_since "$t0") state-2=$(st)"
wait "$client"
# A killed proxy leaves its nodes behind: remove them, then connection 3.
xenstore-rm "$path"
xfer again /tmp/small listen:/tmp/s3.sock &
client=$!
serve /tmp/s3.sock
wait "$client"
wait_state "closed 3"
echo "during: state-3=$(st)"
wait "$proxy_pid"
# Connection 4: the guest shuts down in the middle.
xfer held /tmp/payload listen:/tmp/s4.sock FLOWING &
client=$!
serve /tmp/s4.sock
flowing held
t0=$(date +%s%N)
xl shutdown -w "$RIG_DOMID"
echo "during: xl-rc=$?"
wait "$client"
eof=$(grep -o 'eof-realtime-ns=[0-9]*' /tmp/held-out | cut -d= -f2)
echo "during: shutdown-noticed-ms=$(( (${eof:-0} - t0) / 1000000 ))"
kill "$proxy_pid"
"#;

/// The value of `during: NAME key=` (up to the next space).
fn field<'a>(dur: &'a str, name: &str, key: &str) -> Option<&'a str> {
    let line = dur
        .lines()
        .find(|l| l.starts_with(&format!("during: {name} ")) && l.contains(&format!(" {key}=")))?;
    let rest = &line[line.find(&format!(" {key}="))? + key.len() + 2..];
    rest.split(' ').next()
}

/// Whether dom0's transfer `name` came back whole: `bytes` bytes, the same sha256.
fn intact(dur: &str, name: &str, bytes: u64) -> bool {
    field(dur, name, "rc") == Some("0")
        && field(dur, name, "sent").is_some_and(|s| s.len() == 64)
        && field(dur, name, "sent") == field(dur, name, "got")
        && field(dur, name, "bytes") == Some(&bytes.to_string())
}

/// The value of `key=` in dom0's line `during: LINE_KEY=...` (e.g. `state-2`).
fn state<'a>(dur: &'a str, line_key: &str) -> &'a str {
    dur.lines()
        .find_map(|l| {
            let at = l.find(&format!("{line_key}="))?;
            Some(&l[at + line_key.len() + 1..])
        })
        .unwrap_or("")
}

/// Whether the guest's `closed N` line shows every grant ended and the close done.
fn clean(state: &str) -> bool {
    let num = |k: &str| {
        state
            .split(' ')
            .find_map(|w| w.strip_prefix(k)?.strip_prefix('='))
            .and_then(|v| v.parse::<u64>().ok())
    };
    state.contains(" close=ok ")
        && num("grants-before").is_some()
        && num("grants-now") == num("grants-before")
}

/// MiB/s of dom0's transfer `name` (each way), from its client's `bytes=` and `us=`.
fn rate(dur: &str, name: &str) -> f64 {
    let n = |k| crate::net::number(dur, &format!("during: {name} tcp-echo-bench: bytes="), k);
    match (n("bytes"), n("us")) {
        (Some(b), Some(us)) if us > 0 => b as f64 / f64::from(1 << 20) / (us as f64 / 1e6),
        _ => 0.0,
    }
}

fn spec(cx: &mut Ctx, extra: &str, during: &str) -> Result<GuestSpec, TestError> {
    let dir = cx.scratch()?;
    let peer = build_peer(&dir, "tcp_echo_bench.c", "tcp-echo-bench", &["-pthread"])?;
    let files = cx.rig()?.share().join("files/vchan");
    std::fs::create_dir_all(&files).map_err(|e| RigError::io(files.display(), e))?;
    std::fs::copy(&peer, files.join("tcp-echo-bench"))
        .map_err(|e| RigError::io(peer.display(), e))?;
    let script = format!("{PRELUDE}{ACTIVE_GRANTS}{during}")
        .replace("FLOWING", &FLOWING.to_string())
        .replace("BYTES", &BYTES.to_string());
    Ok(GuestSpec {
        extra: Some(extra.to_string()),
        during: Some(script),
        timeout: Duration::from_secs(600),
        ..GuestSpec::new(image("vchantest"))
    })
}

fn show(l: &str) -> bool {
    l.contains("vchantest: ")
        || (l.starts_with("during: ")
            && !l.contains("tcp-echo-bench: flowing")
            && !l.contains(" sent=")
            && !l.contains(" got="))
}

/// The checks every run makes of its first, whole transfer.
fn first_transfer(dur: &str, both: &str, orders: &str) -> Result<(), TestError> {
    check!(
        intact(dur, "big", BYTES),
        "the {BYTES} bytes dom0 got back through the vchan are not what it sent:\n{both}"
    );
    let s1 = state(dur, "state-1");
    check!(
        s1.starts_with(&format!("closed 1 bytes={BYTES} ")) && clean(s1),
        "the guest did not close connection 1 cleanly after echoing {BYTES} bytes \
         ({s1:?}):\n{both}"
    );
    check!(
        state(dur, "orders-1") == orders,
        "the vchan's ring orders are {:?}, not {orders}:\n{both}",
        state(dur, "orders-1")
    );
    eprintln!("    {:.2} MiB/s each way (dom0's clock)", rate(dur, "big"));
    Ok(())
}

/// The checks of connections 2 to 4: a kill seen in time, the next connection, and the
/// shutdown seen by dom0 in time.
fn kill_next_shutdown(dur: &str, both: &str) -> Result<(), TestError> {
    let ms = |k: &str| {
        dur.lines()
            .find_map(|l| l.split(' ').find_map(|w| w.strip_prefix(&format!("{k}="))))
            .and_then(|v| v.parse::<i64>().ok())
    };
    let s2 = state(dur, "state-2");
    check!(
        s2.starts_with("closed 2 ") && s2.contains(" end=gone ") && clean(s2),
        "the guest did not see the killed proxy go, or did not close cleanly ({s2:?}):\n{both}"
    );
    let killed = ms("kill-noticed-ms");
    check!(
        killed.is_some_and(|m| (0..=NOTICE_MS as i64).contains(&m)),
        "the guest saw the proxy's death after {killed:?} ms (at most {NOTICE_MS}):\n{both}"
    );
    let s3 = state(dur, "state-3");
    check!(
        intact(dur, "again", 1 << 20) && s3.starts_with("closed 3 ") && clean(s3),
        "the connection after the kill did not carry 1 MiB intact ({s3:?}):\n{both}"
    );
    let down = ms("shutdown-noticed-ms");
    check!(
        dur.contains("during: xl-rc=0")
            && dur.contains("during: held tcp-echo-bench: receive after")
            && down.is_some_and(|m| (0..=NOTICE_MS as i64).contains(&m)),
        "dom0 saw the guest's vchan close {down:?} ms after xl shutdown (at most \
         {NOTICE_MS}):\n{both}"
    );
    eprintln!("    kill seen after {killed:?} ms, shutdown after {down:?} ms");
    Ok(())
}

fn server_smallest(cx: &mut Ctx) -> Result<(), TestError> {
    let during = format!("{SERVER_PRELUDE}{SERVER_SMALLEST_DURING}");
    let spec = spec(cx, "vchan.role=server vchan.orders=10,11", &during)?;
    let (_, dur, both) = run_to_poweroff(cx, &spec, show)?;
    first_transfer(&dur, &both, "10/11")?;
    let after = active(&dur, "after-close");
    check!(
        after.as_ref().is_some_and(|r| r.iter().all(|&r| r < 8)),
        "dom0 still maps grant refs of the guest after the close: {after:?}:\n{both}"
    );
    Ok(())
}

fn server_largest(cx: &mut Ctx) -> Result<(), TestError> {
    let during = format!("{SERVER_PRELUDE}{SERVER_LARGEST_DURING}");
    let spec = spec(cx, "vchan.role=server vchan.orders=20,20", &during)?;
    let (_, dur, both) = run_to_poweroff(cx, &spec, show)?;
    first_transfer(&dur, &both, "20/20")?;
    // From Xen's side: dom0 mapped the 513 pages while the echo flowed, none after the kill.
    let (flowing, after) = (active(&dur, "flowing"), active(&dur, "after-kill"));
    check!(
        flowing.as_ref().is_some_and(|r| r.len() >= 513)
            && after.as_ref().is_some_and(|r| r.iter().all(|&r| r < 8)),
        "grant refs of the guest dom0 mapped: while flowing {:?}, after the kill {after:?}:\n{both}",
        flowing.as_ref().map(Vec::len)
    );
    kill_next_shutdown(&dur, &both)
}

fn client(cx: &mut Ctx) -> Result<(), TestError> {
    let spec = spec(
        cx,
        "vchan.role=client vchan.path=data/vchan-srv",
        CLIENT_DURING,
    )?;
    let (_, dur, both) = run_to_poweroff(cx, &spec, show)?;
    first_transfer(&dur, &both, "10/11")?;
    kill_next_shutdown(&dur, &both)
}
