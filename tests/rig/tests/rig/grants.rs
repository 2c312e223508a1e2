//! Issue 3 (second half), grant tables: the gnttest image (tests/images/gnttest) grants pages
//! to dom0, whose `gnt-peer` (tests/rig/peers/gnt_peer.c, built static by this test) maps them
//! through gntdev and saves them for this test to compare; grants, maps and copies pages of
//! its own; reuses refs past the table size; and connects to dom0's blkback through the xenbus
//! handshake with a granted ring (ending that grant is refused while blkback maps it).
//! `xl shutdown` then makes control close the vbd before poweroff, which dom0 follows in
//! xenstore.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rig_tests::rig::{GuestSpec, Outcome, Reason, RigError};
use rig_tests::{build_peer, check, image, Ctx, Needs, Test, TestError, Xenstored};

/// dom0 maps our grants; self grants, copy, read-only, churn, and blkback's ring.
pub const GNTTEST: Test = Test {
    name: "grant_tables_self_maps_copy_and_blkback_ring",
    needs: Needs::Rig(&[Xenstored::C, Xenstored::Ocaml]),
    images: &["gnttest"],
    run: gnttest,
};

/// dom0's side: gnt-peer's exchange with the guest (it saves the pages in the guest's share
/// directory); once the guest waits for the toolstack, blkback's and the frontend's states;
/// then `xl shutdown -w`, with gnt-peer following the frontend's state until it goes away.
/// `NONCE` is replaced by what dom0 writes into the guest's page.
const DURING: &str = r#"
set -u
c=$RIG_CONSOLE
peer=/share/files/gnttest/gnt-peer
follow=/tmp/follow-$RIG_DOMNAME
home=/local/domain/$RIG_DOMID
fe=$home/device/vbd/51712
$peer grants "$RIG_DOMID" "$home/data/gnttest" 'NONCE' "/share/files/$RIG_DOMNAME"
echo "during: grants-rc=$?"
for _ in $(seq 1200); do grep -q 'gnttest: done' "$c" 2>/dev/null && break; sleep 0.1; done
be=$(xenstore-read "$fe/backend")
states="backend-state=$(xenstore-read "$be/state") frontend-state=$(xenstore-read "$fe/state")"
echo "during: $states"
$peer follow "$fe/state" >"$follow" 2>&1 &
follower=$!
for _ in $(seq 300); do grep -q 'follow value=' "$follow" && break; sleep 0.1; done
xl shutdown -w "$RIG_DOMID"
echo "during: xl-rc=$?"
wait "$follower"
echo "during: follow-rc=$?"
sed 's/^/during: /' "$follow"
"#;

/// Byte `i` of the guest's page filled with pattern `k` (gnttest's `dom0::pattern`).
fn pattern(k: usize) -> Vec<u8> {
    (0..4096).map(|i| ((i * k + 7) % 251) as u8).collect()
}

/// gnttest's read-write page once dom0 wrote `nonce` and the guest wrote through its own
/// mapping and by grant copy.
fn rw_after(nonce: &str) -> Vec<u8> {
    let mut page = pattern(31);
    let mut put = |at: usize, bytes: &[u8]| page[at..at + bytes.len()].copy_from_slice(bytes);
    put(100, b"written-through-mapping");
    put(2000, b"copied-by-xen");
    put(3000, nonce.as_bytes());
    put(3000 + nonce.len(), &[0]);
    page
}

/// The page dom0 saved as `name` in `dir` equals `want`.
fn saved_page(dir: &Path, name: &str, want: &[u8], dur: &str) -> Result<(), TestError> {
    let got = std::fs::read(dir.join(name)).map_err(|e| RigError::io(name, e))?;
    let first_diff = got.iter().zip(want).position(|(a, b)| a != b);
    check!(
        got.len() == want.len() && first_diff.is_none(),
        "dom0's {name}: {} bytes, first difference at {first_diff:?};\nduring:\n{dur}",
        got.len()
    );
    Ok(())
}

fn gnttest(cx: &mut Ctx) -> Result<(), TestError> {
    let dir = cx.scratch()?;
    let peer = build_peer(
        &dir,
        "gnt_peer.c",
        "gnt-peer",
        &["-lxenstore", "-lxentoolcore"],
    )?;
    // A blank 1 MiB disk: blkback reports 2048 sectors of 512 bytes.
    let disk = dir.join("blank.img");
    let f = std::fs::File::create(&disk).map_err(|e| RigError::io(disk.display(), e))?;
    f.set_len(1 << 20)
        .map_err(|e| RigError::io(disk.display(), e))?;
    let rig = cx.rig()?;
    let files = rig.share().join("files/gnttest");
    std::fs::create_dir_all(&files).map_err(|e| RigError::io(files.display(), e))?;
    std::fs::copy(&peer, files.join("gnt-peer")).map_err(|e| RigError::io(peer.display(), e))?;
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let nonce = format!("dom0-nonce-{nanos:x}");
    let spec = GuestSpec {
        disks: vec![disk],
        during: Some(DURING.replace("NONCE", &nonce)),
        timeout: Duration::from_secs(240),
        ..GuestSpec::new(image("gnttest"))
    };
    let run = rig.run_guest(&spec)?;
    let con = &run.console;
    let dur = run.during_output.clone().unwrap_or_default();
    for line in con.lines().chain(dur.lines()) {
        if line.contains("gnttest:") || line.contains("during:") || line.contains("gnt-peer:") {
            eprintln!("    {line}");
        }
    }
    let has = |s: &str| con.contains(s);
    check!(
        run.outcome == Outcome::Shutdown(Reason::Poweroff) && has("gnttest: done"),
        "outcome {};\nconsole:\n{con}\nduring:\n{dur}\nxl:\n{}",
        run.outcome,
        run.log
    );

    // What dom0 saw through its mappings of the guest's grants.
    check!(
        dur.contains("during: grants-rc=0")
            && dur.contains("gnt-peer: rw-map=mapped")
            && dur.contains("gnt-peer: ro-map=mapped"),
        "dom0 could not map the guest's grants:\n{dur}"
    );
    for refused in ["ro-writable-map", "map-after-end"] {
        check!(
            dur.contains(&format!("gnt-peer: {refused}="))
                && !dur.contains(&format!("gnt-peer: {refused}=mapped")),
            "dom0's {refused} should have been refused:\n{dur}"
        );
    }
    let saved = rig.share().join("files").join(&run.name);
    saved_page(&saved, "rw-first.bin", &pattern(31), &dur)?;
    saved_page(&saved, "ro.bin", &pattern(17), &dur)?;
    saved_page(&saved, "rw-second.bin", &rw_after(&nonce), &dur)?;

    // What the guest saw: dom0's nonce through its own mapping and grant copy, and the
    // results of the calls dom0 cannot observe.
    check!(
        has(&format!(
            "gnttest: self map-read={nonce} copy-read={nonce} crossing=Err(CrossesPage)"
        )),
        "the guest did not read dom0's nonce {nonce:?} through its mapping and copy:\n{con}"
    );
    let entries: Option<u64> = con
        .lines()
        .find_map(|l| l.strip_prefix("gnttest: entries=Ok("))
        .and_then(|r| r.split(')').next()?.parse().ok());
    let churned: Option<u64> = con
        .lines()
        .find_map(|l| l.strip_prefix("gnttest: churn grants="))
        .and_then(|n| n.trim().parse().ok());
    check!(
        entries.is_some_and(|n| n >= 512) && churned > entries,
        "grant table entries {entries:?}, churn {churned:?};\n{con}"
    );
    let checks = [
        "gnttest: end-while-dom0-maps=InUse",
        "gnttest: end-while-mapped=InUse",
        "gnttest: end-after-unmap=Ok(())",
        "gnttest: end-after-dom0-unmap=Ok(())",
        "gnttest: ro end-after-dom0-unmap=Ok(())",
        "gnttest: readonly rw-map=Err(Status(",
        "ro-write=Err(ReadOnly)",
        "gnttest: blkback connected backend=/local/domain/0/backend/vbd/",
        "sectors=2048",
        "gnttest: ring end-while-connected=InUse",
        "gnttest: exiting: the toolstack asked for poweroff",
        "control: closing vbd",
        "gnttest: ring end-after-close=Ok(())",
    ];
    for c in checks {
        check!(has(c), "missing `{c}` on the console:\n{con}");
    }

    // blkback: connected when dom0 looked; the guest closed the frontend (Closed = 6, a
    // state only the guest writes) before xl removed it.
    check!(
        dur.contains("during: backend-state=4 frontend-state=4") && dur.contains("during: xl-rc=0"),
        "blkback not connected when dom0 looked, or xl shutdown failed:\n{dur}"
    );
    let states: Vec<&str> = dur
        .lines()
        .filter_map(|l| l.strip_prefix("during: gnt-peer: follow "))
        .collect();
    check!(
        dur.contains("during: follow-rc=0") && states.ends_with(&["value=6", "gone"]),
        "dom0 did not see the frontend close (states {states:?}):\n{dur}"
    );
    Ok(())
}
