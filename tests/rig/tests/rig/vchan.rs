//! Issue 12, vchan against dom0's libxenvchan: `vchantest` (tests/images/vchantest) echoes
//! over a vchan to Debian's `vchan-socket-proxy`, which joins it to a Unix socket in dom0.
//! dom0's `tcp-echo-bench` (tests/rig/peers/tcp_echo_bench.c) sends random bytes into the
//! socket while it reads the echo back, and dom0 compares the sha256 of both. The guest's
//! `data/vchantest/state` says when it waits, is connected and has closed (with its grant
//! count before and after); dom0 times how soon each side notices the other's end.

use std::time::Duration;

use rig_tests::rig::{GuestSpec, RigError};
use rig_tests::{build_peer, check, image, Ctx, Needs, Test, TestError, Xenstored};

use crate::echo::{intact, rate};
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

/// Our client with the largest rings, against dom0's own libxenvchan server
/// (tests/rig/peers/vchan_serve.c): vchan-socket-proxy's server offers only orders 10/11.
pub const CLIENT_LARGEST: Test = Test {
    name: "vchan_client_largest_rings",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &["vchantest"],
    run: client_largest,
};

/// Our client against nodes a hostile server wrote (not a number, a port that is not
/// there): a typed error each, and the next, real server is served.
pub const CLIENT_HOSTILE_NODES: Test = Test {
    name: "vchan_client_hostile_nodes",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &["vchantest"],
    run: client_hostile_nodes,
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
# wait_closed N: until connection N's closed line is there (up to 240 s).
wait_closed() {
    for _ in $(seq 4800); do
        [[ -n $(st "conn/$1") ]] && return 0
        sleep 0.05
    done
    echo "during: timed out waiting for connection $1 to close (state: $(st))"
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
proxy() { # SOCK (an earlier test's socket may linger in dom0's /tmp)
    rm -f "$1"
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
wait_closed 1
echo "during: state-1=$(st conn/1) orders-1=$(st orders)"
active after-close
kill "$proxy_pid"
xl shutdown -w "$RIG_DOMID"
echo "during: xl-rc=$?"
"#;

const SERVER_LARGEST_DURING: &str = r#"
wait_state "waiting 1" || exit 0
proxy /tmp/v1.sock
xfer big /tmp/payload unix:/tmp/v1.sock
wait_closed 1
echo "during: state-1=$(st conn/1) orders-1=$(st orders)"
# Connection 2 through the same proxy: killed in the middle.
wait_state "waiting 2"
xfer cut /tmp/payload unix:/tmp/v1.sock FLOWING &
client=$!
flowing cut
t0=$(date +%s%N)
kill -9 "$proxy_pid"
wait_closed 2
echo "during: kill-noticed-ms=$(ms_since "$t0") state-2=$(st conn/2)"
wait "$client"
active after-kill
# Connection 3, through a new proxy.
wait_state "waiting 3"
proxy /tmp/v3.sock
xfer again /tmp/small unix:/tmp/v3.sock
wait_closed 3
echo "during: state-3=$(st conn/3)"
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
serve() { # NAME SOCK: once transfer NAME listens on SOCK, the proxy publishes
    for _ in $(seq 200); do
        grep -q "listening on $2" "/tmp/$1-out" 2>/dev/null && break
        sleep 0.05
    done
    vchan-socket-proxy -m server "$RIG_DOMID" "$path" "$2" 2>>/tmp/proxy.err &
    proxy_pid=$!
}
wait_state "waiting 1" || exit 0
xfer big /tmp/payload listen:/tmp/s1.sock &
client=$!
serve big /tmp/s1.sock
wait "$client"
wait_closed 1
echo "during: state-1=$(st conn/1) orders-1=$(st orders)"
wait "$proxy_pid"
# Connection 2: the proxy killed in the middle.
xfer cut /tmp/payload listen:/tmp/s2.sock FLOWING &
client=$!
serve cut /tmp/s2.sock
flowing cut
t0=$(date +%s%N)
kill -9 "$proxy_pid"
wait_closed 2
echo "during: kill-noticed-ms=$(ms_since "$t0") state-2=$(st conn/2)"
wait "$client"
# A killed proxy leaves its nodes behind: remove them, then connection 3.
xenstore-rm "$path"
xfer again /tmp/small listen:/tmp/s3.sock &
client=$!
serve again /tmp/s3.sock
wait "$client"
wait_closed 3
echo "during: state-3=$(st conn/3)"
wait "$proxy_pid"
# Connection 4: the guest shuts down in the middle.
xfer held /tmp/payload listen:/tmp/s4.sock FLOWING &
client=$!
serve held /tmp/s4.sock
flowing held
t0=$(date +%s%N)
xl shutdown -w "$RIG_DOMID"
echo "during: xl-rc=$?"
wait "$client"
eof=$(grep -o 'eof-realtime-ns=[0-9]*' /tmp/held-out | cut -d= -f2)
echo "during: shutdown-noticed-ms=$(( (${eof:-0} - t0) / 1000000 ))"
kill "$proxy_pid"
"#;

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
        s2.starts_with("closed 2 ")
            && (s2.contains(" end=eof ") || s2.contains(" end=gone "))
            && clean(s2),
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
    // From Xen's side: once the proxy is killed, dom0 maps none of the 513 pages. (While
    // they are mapped, Xen's dump of them outgrows its console ring: not looked at.)
    let after = active(&dur, "after-kill");
    check!(
        after.as_ref().is_some_and(|r| r.iter().all(|&r| r < 8)),
        "grant refs of the guest dom0 still maps after the kill: {after:?}:\n{both}"
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

/// The qmp-vchan example stubdom, driven by dom0 through the proxy.
pub const QMP_EXAMPLE: Test = Test {
    name: "vchan_qmp_example",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &["qmp-vchan"],
    run: qmp_example,
};

const QMP_DURING: &str = r#"
set -u
d=/local/domain/$RIG_DOMID
chat=/share/files/vchan/sock-chat
st() { timeout 20 xenstore-read "$d/data/qmp/${1:-state}" 2>/dev/null; }
wait_state() {
    for _ in $(seq 2400); do [[ $(st) == "$1"* ]] && return 0; sleep 0.1; done
    echo "during: timed out waiting for state $1 (it is: $(st))"
    return 1
}
wait_closed() {
    for _ in $(seq 2400); do [[ -n $(st "conn/$1") ]] && return 0; sleep 0.1; done
    echo "during: timed out waiting for connection $1 to close (state: $(st))"
    return 1
}
wait_state "waiting 1" || exit 0
rm -f /tmp/qmp.sock
vchan-socket-proxy -m client "$RIG_DOMID" "$d/data/qmp-vchan" /tmp/qmp.sock 2>/tmp/proxy.err &
proxy=$!
"$chat" /tmp/qmp.sock '{"execute":"query-status"}' '{"execute":"qmp_capabilities"}' \
    '{"execute":"query-status","id":1}' 'not json' '{"execute":"query-version"}' >/tmp/chat1 2>&1
echo "during: chat1 rc=$?"
sed 's/^/during: chat1 /' /tmp/chat1
wait_closed 1
echo "during: state-1=$(st conn/1)"
"$chat" /tmp/qmp.sock '{"execute":"qmp_capabilities"}' '{"execute":"query-status"}' >/tmp/chat2 2>&1
echo "during: chat2 rc=$?"
sed 's/^/during: chat2 /' /tmp/chat2
wait_closed 2
echo "during: state-2=$(st conn/2)"
kill "$proxy"
xl shutdown -w "$RIG_DOMID"
echo "during: xl-rc=$?"
"#;

fn qmp_example(cx: &mut Ctx) -> Result<(), TestError> {
    let dir = cx.scratch()?;
    let peer = build_peer(&dir, "sock_chat.c", "sock-chat", &[])?;
    let files = cx.rig()?.share().join("files/vchan");
    std::fs::create_dir_all(&files).map_err(|e| RigError::io(files.display(), e))?;
    std::fs::copy(&peer, files.join("sock-chat")).map_err(|e| RigError::io(peer.display(), e))?;
    let spec = GuestSpec {
        during: Some(QMP_DURING.to_string()),
        timeout: Duration::from_secs(300),
        ..GuestSpec::new(image("qmp-vchan"))
    };
    let (_, dur, both) = run_to_poweroff(cx, &spec, |l| {
        l.starts_with("during:") || l.contains("qmp: ")
    })?;
    let replies = |chat: &str| -> Vec<&str> {
        dur.lines()
            .filter_map(|l| l.strip_prefix(&format!("during: {chat} recv: ")))
            .collect()
    };
    let r = replies("chat1");
    let want: [&[&str]; 6] = [
        &[r#""QMP":"#, r#""capabilities":[]"#],
        &[r#""class":"CommandNotFound""#, "qmp_capabilities"],
        &[r#"{"return":{}}"#],
        &[r#""status":"running""#, r#""id":1"#],
        &[r#""class":"GenericError""#],
        &[r#""package":"minios qmp-vchan example""#],
    ];
    check!(
        dur.contains("during: chat1 rc=0")
            && r.len() == want.len()
            && r.iter()
                .zip(want)
                .all(|(l, w)| w.iter().all(|p| l.contains(p))),
        "dom0's QMP session did not get the replies it should (greeting, refusal before \
         qmp_capabilities, return, status with id, parse error, version):\n{both}"
    );
    let r2 = replies("chat2");
    check!(
        dur.contains("during: chat2 rc=0")
            && r2.len() == 3
            && r2[2].contains(r#""status":"running""#),
        "the second QMP connection was not served:\n{both}"
    );
    check!(
        state(&dur, "state-1").starts_with("closed 1 replies=5")
            && state(&dur, "state-2").starts_with("closed 2 replies=2"),
        "the stubdom did not count the replies it sent per connection:\n{both}"
    );
    Ok(())
}

const CLIENT_LARGEST_DURING: &str = r#"
path=$d/data/vchan-srv
serve=/share/files/vchan/vchan-serve
wait_state "waiting 1" || exit 0
"$serve" "$RIG_DOMID" "$path" 1048576 1048576 /tmp/payload /tmp/big-got >/tmp/big-out 2>&1
rc=$?
sed 's/^/during: big /' /tmp/big-out
echo "during: big rc=$rc sent=$(sha /tmp/payload)"
[[ -f /tmp/big-got ]] && echo "during: big got=$(sha /tmp/big-got) bytes=$(wc -c </tmp/big-got)"
wait_closed 1
echo "during: state-1=$(st conn/1) orders-1=$(st orders)"
xl shutdown -w "$RIG_DOMID"
echo "during: xl-rc=$?"
"#;

fn client_largest(cx: &mut Ctx) -> Result<(), TestError> {
    share_vchan_serve(cx)?;
    let spec = spec(
        cx,
        "vchan.role=client vchan.path=data/vchan-srv",
        CLIENT_LARGEST_DURING,
    )?;
    let (_, dur, both) = run_to_poweroff(cx, &spec, show)?;
    check!(
        intact(&dur, "big", BYTES),
        "the {BYTES} bytes dom0's libxenvchan server got back are not what it sent:\n{both}"
    );
    let s1 = state(&dur, "state-1");
    check!(
        s1.starts_with(&format!("closed 1 bytes={BYTES} ")) && clean(s1),
        "the guest did not close connection 1 cleanly after echoing {BYTES} bytes \
         ({s1:?}):\n{both}"
    );
    check!(
        state(&dur, "orders-1") == "20/20",
        "the vchan's ring orders are {:?}, not 20/20:\n{both}",
        state(&dur, "orders-1")
    );
    let mib = crate::net::number(&dur, "during: big vchan-serve: bytes=", "bytes")
        .zip(crate::net::number(
            &dur,
            "during: big vchan-serve: bytes=",
            "us",
        ))
        .map_or(0.0, |(b, us)| {
            b as f64 / f64::from(1 << 20) / (us.max(1) as f64 / 1e6)
        });
    eprintln!("    {mib:.2} MiB/s each way (dom0's clock)");
    Ok(())
}

const CLIENT_HOSTILE_DURING: &str = r#"
path=$d/data/vchan-srv
serve=/share/files/vchan/vchan-serve
wait_error() { # TEXT: until the guest's state is an error containing TEXT (up to 60 s)
    for _ in $(seq 600); do
        [[ $(st) == "error 1 "*"$1"* ]] && return 0
        sleep 0.1
    done
    echo "during: no error with $1 (state: $(st))"
}
wait_state "waiting 1" || exit 0
xenstore-write "$path/ring-ref" abc "$path/event-channel" 5
wait_error "not a usable number"
echo "during: error-node=$(st)"
xenstore-write "$path/ring-ref" 8 "$path/event-channel" 4000
wait_error "event channel"
echo "during: error-port=$(st)"
xenstore-rm "$path"
"$serve" "$RIG_DOMID" "$path" 0 0 /tmp/small /tmp/small-got >/tmp/small-out 2>&1
rc=$?
sed 's/^/during: small /' /tmp/small-out
echo "during: small rc=$rc sent=$(sha /tmp/small)"
[[ -f /tmp/small-got ]] && echo "during: small got=$(sha /tmp/small-got) bytes=$(wc -c </tmp/small-got)"
wait_closed 1
echo "during: state-1=$(st conn/1)"
xl shutdown -w "$RIG_DOMID"
echo "during: xl-rc=$?"
"#;

/// Copies dom0's own libxenvchan server (tests/rig/peers/vchan_serve.c) into the share.
fn share_vchan_serve(cx: &mut Ctx) -> Result<(), TestError> {
    let dir = cx.scratch()?;
    let libs = [
        "-lxenvchan",
        "-lxenstore",
        "-lxengnttab",
        "-lxenevtchn",
        "-lxentoollog",
        "-lxentoolcore",
    ];
    let serve = build_peer(&dir, "vchan_serve.c", "vchan-serve", &libs)?;
    let files = cx.rig()?.share().join("files/vchan");
    std::fs::create_dir_all(&files).map_err(|e| RigError::io(files.display(), e))?;
    std::fs::copy(&serve, files.join("vchan-serve"))
        .map_err(|e| RigError::io(serve.display(), e))?;
    Ok(())
}

fn client_hostile_nodes(cx: &mut Ctx) -> Result<(), TestError> {
    share_vchan_serve(cx)?;
    let spec = spec(
        cx,
        "vchan.role=client vchan.path=data/vchan-srv",
        CLIENT_HOSTILE_DURING,
    )?;
    let (con, dur, both) = run_to_poweroff(cx, &spec, show)?;
    let node = state(&dur, "error-node");
    check!(
        node.contains("ring-ref holds \"abc\", not a usable number"),
        "the guest did not refuse a ring-ref that is not a number ({node:?}):\n{both}"
    );
    let port = state(&dur, "error-port");
    check!(
        port.contains("vchan event channel: "),
        "the guest did not report the event channel it could not bind ({port:?}):\n{both}"
    );
    check!(!con.contains("panicked"), "the guest panicked:\n{con}");
    let s1 = state(&dur, "state-1");
    check!(
        intact(&dur, "small", 1 << 20) && s1.starts_with("closed 1 ") && clean(s1),
        "after the hostile nodes the real server was not served ({s1:?}):\n{both}"
    );
    Ok(())
}
