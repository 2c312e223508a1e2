//! Issue 3 (second half), xenstore: the xstest image (tests/images/xstest) against dom0's real
//! xenstored, C and OCaml. dom0's side is bash with xenstore-utils, plus `xs-incr`
//! (tests/rig/peers/xs_incr.c, built static by this test against libxen-dev's libxenstore),
//! which increments the guest's counter in its own transactions while the guest does.

use std::time::Duration;

use rig_tests::rig::{GuestSpec, Outcome, Reason, RigError};
use rig_tests::{build_peer, check, image, Ctx, Needs, Test, TestError, Xenstored};

/// Read, write, directory, requests in flight, perms, EACCES, watch, 1000 transactions.
pub const XSTEST: Test = Test {
    name: "xenstore_client_against_dom0_xenstored",
    needs: Needs::Rig(&[Xenstored::C, Xenstored::Ocaml]),
    images: &["xstest"],
    run: xstest,
};

/// dom0's side: follows `data/xstest/phase` (polled, with a deadline), reads what the guest
/// wrote, answers through nodes the guest watches, and runs `xs-incr` against its
/// transactions. `DOM0_BIG` is replaced by the value dom0 writes for the guest to read.
const DURING: &str = r#"
set -u
d=/local/domain/$RIG_DOMID/data/xstest
wait_phase() { # PHASE: up to 300 s
    for _ in $(seq 3000); do
        [ "$(xenstore-read "$d/phase" 2>/dev/null)" = "$1" ] && return 0
        sleep 0.1
    done
    echo "during: timed out waiting for phase $1"
    exit 1
}
wait_phase written
echo "during: hello=$(xenstore-read "$d/hello")"
echo "during: big=$(xenstore-read "$d/big")"
if v=$(xenstore-read "$d/huge" 2>/dev/null); then
    echo "during: huge=present len=${#v}"
else
    echo "during: huge=absent"
fi
echo "during: list-begin"
xenstore-ls "$d/dir"
echo "during: list-end"
echo "during: perms-begin"
xenstore-ls -p "$d" | grep '^hello '
xenstore-ls -p /local/domain/0 | grep '^name '
echo "during: perms-end"
xenstore-write "$d/dom0-big" 'DOM0_BIG'
xenstore-write "$d/watched" from-dom0
wait_phase alone-done
echo "during: alone-counter=$(xenstore-read "$d/counter")"
/share/files/xstest/xs-incr "$d/counter" "$d/phase" tx-done "$d/incr"
echo "during: incr-rc=$?"
echo "during: counter=$(xenstore-read "$d/counter")"
xenstore-write "$d/phase" checked
"#;

/// The value the guest writes to `data/xstest/big` (2000 bytes, over the 1 KiB ring).
fn guest_big() -> String {
    (0..2000u32)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect()
}

/// The value dom0 writes to `data/xstest/dom0-big` for the guest to read.
fn dom0_big() -> String {
    let digits = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    (0..2000usize)
        .map(|i| char::from(digits[(i * 7 + 3) % digits.len()]))
        .collect()
}

/// The value after `key=` on the first line containing `prefix`.
fn field(text: &str, prefix: &str, key: &str) -> Option<String> {
    let line = text.lines().find(|l| l.contains(prefix))?;
    let at = line.find(&format!(" {key}="))? + key.len() + 2;
    Some(line[at..].split(' ').next()?.to_string())
}

fn number(text: &str, prefix: &str, key: &str) -> Option<u64> {
    field(text, prefix, key)?.parse().ok()
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Vec<&'a str> {
    let from = text.find(start).map_or(text.len(), |i| i + start.len());
    let to = text[from..].find(end).map_or(text.len(), |i| from + i);
    text[from..to].lines().filter(|l| !l.is_empty()).collect()
}

/// `(name, value)` of each `name = "value"` line of xenstore-ls.
fn ls_entries(lines: &[&str]) -> Vec<(String, String)> {
    lines
        .iter()
        .filter_map(|l| {
            let (name, value) = l.trim().split_once(" = ")?;
            let value = value.strip_prefix('"')?.strip_suffix('"')?;
            Some((name.to_string(), value.to_string()))
        })
        .collect()
}

fn xstest(cx: &mut Ctx) -> Result<(), TestError> {
    let dir = cx.scratch()?;
    let peer = build_peer(
        &dir,
        "xs_incr.c",
        "xs-incr",
        &["-lxenstore", "-lxentoolcore"],
    )?;
    let flavour = cx.xenstored();
    let rig = cx.rig()?;
    let files = rig.share().join("files/xstest");
    std::fs::create_dir_all(&files).map_err(|e| RigError::io(files.display(), e))?;
    std::fs::copy(&peer, files.join("xs-incr")).map_err(|e| RigError::io(peer.display(), e))?;

    let spec = GuestSpec {
        during: Some(DURING.replace("DOM0_BIG", &dom0_big())),
        // On a loaded host the 1200 transactions were seen to take 520 s.
        timeout: Duration::from_secs(900),
        ..GuestSpec::new(image("xstest"))
    };
    let run = rig.run_guest(&spec)?;
    let con = &run.console;
    let dur = run.during_output.clone().unwrap_or_default();
    let both = format!("console:\n{con}\nduring:\n{dur}");
    for line in con.lines().chain(dur.lines()) {
        let long = line.contains("big=") || line.contains("names=");
        if !long && (line.contains("xstest:") || line.contains("during:") || line.contains("incr:"))
        {
            eprintln!("    {line}");
        }
    }
    check!(
        run.outcome == Outcome::Shutdown(Reason::Poweroff) && con.contains("xstest: done"),
        "outcome {}; {both}\nxl:\n{}",
        run.outcome,
        run.log
    );

    // Name and domid are the ones xl gave the domain.
    let domid = run.domid.unwrap_or(u32::MAX);
    check!(
        con.contains(&format!(
            "xstest: domid={domid} name={} home=/local/domain/{domid}",
            run.name
        )),
        "domid/name/home; {both}"
    );
    // What we wrote, as dom0 reads it; what dom0 wrote, as we read it.
    let line_value = |text: &str, prefix: &str| -> Option<String> {
        text.lines()
            .find_map(|l| l.strip_prefix(prefix).map(str::to_string))
    };
    check!(
        line_value(&dur, "during: hello=").as_deref() == Some("world")
            && line_value(&dur, "during: big=") == Some(guest_big()),
        "dom0 read back other values than the guest wrote; {both}"
    );
    check!(
        field(con, "xstest: dom0-big", "value") == Some(dom0_big())
            && number(con, "xstest: dom0-big", "len") == Some(2000),
        "the guest read dom0's 2000-byte value wrong; {both}"
    );
    directory(con, &dur, &both)?;
    // Perms: we set hello to n<us>,r0; dom0 sees the same; dom0's own name is n0 (private).
    let perms = between(&dur, "during: perms-begin", "during: perms-end");
    check!(
        field(con, "xstest: perms", "after").as_deref() == Some(&format!("n{domid},r0"))
            && perms
                .first()
                .is_some_and(|l| l.ends_with(&format!("(n{domid},r0)")))
            && perms.get(1).is_some_and(|l| l.ends_with("(n0)")),
        "perms; {both}"
    );
    check!(
        con.contains("xstest: other-domain read=EACCES")
            && con.contains("xstest: missing read=ENOENT")
            && con.contains("xstest: malformed read=EINVAL"),
        "EACCES / ENOENT; {both}"
    );
    // A value over xenstored's quota is refused with an errno (which one is the daemon's
    // choice), and dom0 finds no such node.
    let oversized = field(con, "xstest: oversized", "write").unwrap_or_default();
    check!(
        ["E2BIG", "ENOSPC", "EINVAL"].contains(&oversized.as_str())
            && dur.contains("during: huge=absent"),
        "oversized write gave {oversized:?}; {both}"
    );
    check!(
        con.contains("xstest: watch fired path=data/xstest/watched ")
            && field(con, "xstest: watch fired", "value").as_deref() == Some("from-dom0"),
        "watch; {both}"
    );
    transactions(flavour, con, &dur, &both)
}

/// The 40 entries: dom0's listing has the names and values the guest wrote, the guest's
/// listing is dom0's, and so are the values its 40 concurrent reads got.
fn directory(con: &str, dur: &str, both: &str) -> Result<(), TestError> {
    let expected: Vec<(String, String)> = (0..40)
        .map(|i| {
            (
                format!("entry-with-a-rather-long-name-{i:02}"),
                i.to_string(),
            )
        })
        .collect();
    let mut theirs = ls_entries(&between(dur, "during: list-begin", "during: list-end"));
    theirs.sort();
    check!(
        theirs == expected,
        "dom0's listing of the directory; {both}"
    );
    // The listing's reply (names, each NUL-terminated) is larger than the 1 KiB ring.
    let reply: usize = theirs.iter().map(|(n, _)| n.len() + 1).sum();
    check!(reply > 1024, "the listing is only {reply} bytes");
    let names: Vec<&str> = theirs.iter().map(|(n, _)| n.as_str()).collect();
    check!(
        field(con, "xstest: directory", "names") == Some(names.join(","))
            && number(con, "xstest: directory", "entries") == Some(40),
        "the guest's listing differs from dom0's; {both}"
    );
    let values: Vec<String> = theirs.iter().map(|(_, v)| format!("ok:{v}")).collect();
    let in_flight = number(con, "xstest: concurrent", "max-in-flight").unwrap_or(0);
    check!(
        field(con, "xstest: concurrent", "values") == Some(values.join(",")) && in_flight > 1,
        "concurrent reads; {both}"
    );
    Ok(())
}

/// Transactions: dom0's counter is the guest's and dom0's commits added up, and the two
/// sides really contended (see below).
fn transactions(
    flavour: Option<Xenstored>,
    con: &str,
    dur: &str,
    both: &str,
) -> Result<(), TestError> {
    let alone = number(dur, "during: alone-counter", "alone-counter");
    check!(
        field(con, "xstest: transactions alone", "runs").as_deref() == Some("200")
            && alone == Some(200),
        "200 uncontended transactions (dom0 read the counter as {alone:?}); {both}"
    );
    let alone_ms = number(con, "xstest: transactions alone", "ms").unwrap_or(0);
    let commits = number(con, "xstest: transactions done", "commits");
    let retries = number(con, "xstest: transactions done", "eagain-retries").unwrap_or(0);
    let ms = number(con, "xstest: transactions done", "ms").unwrap_or(0);
    let incr = |k: &str| number(dur, "incr:", k);
    let dom0_commits = incr("commits");
    let dom0_eagain = incr("eagain").unwrap_or(0);
    let counter = number(dur, "during: counter", "counter");
    check!(
        commits == Some(1000)
            && field(dur, "during: incr-rc", "incr-rc").as_deref() == Some("0")
            && incr("base") == alone
            && dom0_commits.is_some_and(|d| d > 0)
            && counter == dom0_commits.map(|d| d + 200 + 1000),
        "counter {counter:?} != 200 + 1000 + dom0's {dom0_commits:?} (ours {commits:?}); {both}"
    );
    // Contention. In time: dom0's first commit came before the guest's last one and its last
    // after the guest's first (the guest commits that dom0's transactions saw, first and
    // last). In effect: the guest's transactions failed with EAGAIN and ran again, at least
    // once for each it held open until dom0 had committed (xstest's HOLD_EVERY), which does
    // not depend on the two sides' speeds. dom0's own EAGAIN count is reported.
    let (first, last) = (incr("first-guest"), incr("last-guest"));
    let holds = number(con, "xstest: transactions done", "holds").unwrap_or(0);
    eprintln!(
        "    {flavour:?} xenstored: 200 transactions alone in {alone_ms} ms ({:.0}/s)",
        200.0 * 1000.0 / alone_ms.max(1) as f64
    );
    eprintln!(
        "    {flavour:?} xenstored: 1000 transactions in {ms} ms ({:.0}/s), {retries} EAGAIN \
         retries ({holds} held); dom0 committed {} ({dom0_eagain} EAGAIN), its first after \
         guest commit {first:?}, its last after {last:?}; counter {}",
        1000.0 * 1000.0 / ms.max(1) as f64,
        dom0_commits.unwrap_or(0),
        counter.unwrap_or(0)
    );
    check!(
        first.is_some_and(|f| f < 1000) && last.is_some_and(|l| l > 0),
        "dom0's commits did not overlap the guest's (first after {first:?}, last after \
         {last:?} guest commits); {both}"
    );
    check!(
        holds > 0 && retries >= holds,
        "no contention: {retries} guest EAGAIN retries for {holds} held transactions; {both}"
    );
    Ok(())
}
