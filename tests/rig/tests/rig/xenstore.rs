//! Issue 3 (second half), xenstore: the xstest image (tests/images/xstest) against dom0's real
//! xenstored, C and OCaml. dom0's side is bash with xenstore-utils, plus `xs-incr`
//! (tests/rig/peers/xs_incr.c, built static by this test against libxen-dev's libxenstore),
//! which increments the guest's counter in its own transactions while the guest does.

use std::process::Command;
use std::time::Duration;

use rig_tests::rig::{GuestSpec, Outcome, Reason, RigError};
use rig_tests::{check, image, output_of, Ctx, Needs, Test, TestError, Xenstored};

/// Read, write, directory, requests in flight, perms, EACCES, watch, 1000 transactions.
pub const XSTEST: Test = Test {
    name: "xenstore_client_against_dom0_xenstored",
    needs: Needs::Rig(&[Xenstored::C, Xenstored::Ocaml]),
    images: &["xstest"],
    run: xstest,
};

/// dom0's side: follows `data/xstest/phase`.
const DURING: &str = r#"
set -u
d=/local/domain/$RIG_DOMID/data/xstest
wait_phase() { # PHASE: up to 180 s
    for _ in $(seq 1800); do
        [ "$(xenstore-read "$d/phase" 2>/dev/null)" = "$1" ] && return 0
        sleep 0.1
    done
    echo "during: timed out waiting for phase $1"
    exit 1
}
wait_phase watch
xenstore-write "$d/watched" from-dom0
echo "during: wrote watched"
wait_phase tx
start=$(date +%s%N)
/share/files/xstest/xs-incr "$d/counter" "$d/phase" tx-done 20
echo "during: incr-rc=$? incr-ms=$((($(date +%s%N) - start) / 1000000))"
echo "during: counter=$(xenstore-read "$d/counter")"
echo "during: list-begin"
xenstore-list "$d/dir"
echo "during: list-end"
echo "during: perms-begin"
xenstore-ls -p "$d" | grep '^hello '
xenstore-ls -p /local/domain/0 | grep '^name '
echo "during: perms-end"
xenstore-write "$d/phase" checked
"#;

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

fn xstest(cx: &mut Ctx) -> Result<(), TestError> {
    let dir = cx.scratch()?;
    let src = xtask::build::root().join("tests/rig/peers/xs_incr.c");
    let peer = dir.join("xs-incr");
    output_of(
        Command::new("gcc")
            .args(["-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o"])
            .arg(&peer)
            .arg(&src)
            .args(["-lxenstore", "-lxentoolcore"]),
    )?;
    let flavour = cx.xenstored();
    let rig = cx.rig()?;
    let files = rig.share().join("files/xstest");
    std::fs::create_dir_all(&files).map_err(|e| RigError::io(files.display(), e))?;
    std::fs::copy(&peer, files.join("xs-incr")).map_err(|e| RigError::io(peer.display(), e))?;

    let spec = GuestSpec {
        during: Some(DURING.into()),
        timeout: Duration::from_secs(600),
        ..GuestSpec::new(image("xstest"))
    };
    let run = rig.run_guest(&spec)?;
    let con = &run.console;
    let dur = run.during_output.clone().unwrap_or_default();
    let both = format!("console:\n{con}\nduring:\n{dur}");
    for line in con.lines().chain(dur.lines()) {
        if line.contains("xstest:") || line.contains("during:") || line.contains("incr:") {
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
    check!(
        con.contains("xstest: write-read hello=world big-len=2000 big-equal=true"),
        "write and read back; {both}"
    );
    // The directory as we listed it is the one dom0 lists.
    let ours = field(con, "xstest: directory", "names").unwrap_or_default();
    let mut theirs = between(&dur, "during: list-begin", "during: list-end");
    theirs.sort();
    check!(
        number(con, "xstest: directory", "entries") == Some(40)
            && number(con, "xstest: directory", "bytes").is_some_and(|b| b > 1024)
            && ours == theirs.join(","),
        "directory differs from xenstore-list; {both}"
    );
    let in_flight = number(con, "xstest: concurrent", "max-in-flight").unwrap_or(0);
    check!(
        number(con, "xstest: concurrent", "reads") == Some(40) && in_flight > 1,
        "concurrent reads; {both}"
    );
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
    // choice), never taken or misread.
    let oversized = field(con, "xstest: oversized", "write").unwrap_or_default();
    check!(
        ["E2BIG", "ENOSPC", "EINVAL"].contains(&oversized.as_str()),
        "oversized write gave {oversized:?}; {both}"
    );
    check!(
        con.contains("xstest: watch fired path=data/xstest/watched ")
            && field(con, "xstest: watch fired", "value").as_deref() == Some("from-dom0"),
        "watch; {both}"
    );

    // Transactions: ours all committed once, dom0's too: the counter is the sum.
    let commits = number(con, "xstest: transactions done", "commits");
    let retries = number(con, "xstest: transactions done", "eagain-retries").unwrap_or(0);
    let ms = number(con, "xstest: transactions done", "ms").unwrap_or(0);
    let dom0_commits = number(&dur, "incr:", "commits");
    let dom0_eagain = number(&dur, "incr:", "eagain").unwrap_or(0);
    let counter = number(&dur, "during: counter", "counter");
    check!(
        commits == Some(1000)
            && field(&dur, "during: incr-rc", "incr-rc").as_deref() == Some("0")
            && dom0_commits.is_some_and(|d| d > 0)
            && counter == dom0_commits.map(|d| d + 1000),
        "counter {counter:?} != 1000 + dom0's {dom0_commits:?} (ours {commits:?}); {both}"
    );
    let alone_ms = number(con, "xstest: transactions alone", "ms").unwrap_or(0);
    check!(
        field(con, "xstest: transactions alone", "runs").as_deref() == Some("200")
            && field(con, "xstest: transactions alone", "counter").as_deref() == Some("200"),
        "200 uncontended transactions; {both}"
    );
    eprintln!(
        "    {flavour:?} xenstored: 200 transactions alone in {alone_ms} ms ({:.0}/s)",
        200.0 * 1000.0 / alone_ms.max(1) as f64
    );
    eprintln!(
        "    {flavour:?} xenstored: 1000 transactions in {ms} ms ({:.0}/s), {retries} EAGAIN \
         retries; dom0 committed {} ({dom0_eagain} EAGAIN); counter {}",
        1000.0 * 1000.0 / ms.max(1) as f64,
        dom0_commits.unwrap_or(0),
        counter.unwrap_or(0)
    );
    Ok(())
}
