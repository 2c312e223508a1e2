//! Issue 3 (second half), grant tables: the gnttest image (tests/images/gnttest) grants,
//! maps and copies pages of its own, reuses refs past the table size, and connects to dom0's
//! blkback through the xenbus handshake with a granted ring (ending that grant is refused
//! while blkback maps it). `xl shutdown` then makes control close the vbd before poweroff.

use std::time::Duration;

use rig_tests::rig::{GuestSpec, Outcome, Reason, RigError};
use rig_tests::{check, image, Ctx, Needs, Test, TestError, Xenstored};

/// Self grants, copy, read-only, churn, and blkback's ring.
pub const GNTTEST: Test = Test {
    name: "grant_tables_self_maps_copy_and_blkback_ring",
    needs: Needs::Rig(&[Xenstored::C, Xenstored::Ocaml]),
    images: &["gnttest"],
    run: gnttest,
};

/// dom0's side: once the guest waits, check blkback's state, then `xl shutdown -w`.
const DURING: &str = r#"
set -u
c=$RIG_CONSOLE
for _ in $(seq 1200); do grep -q 'gnttest: done' "$c" 2>/dev/null && break; sleep 0.1; done
be=$(xenstore-read "/local/domain/$RIG_DOMID/device/vbd/51712/backend")
echo "during: backend-state=$(xenstore-read "$be/state")"
xl shutdown -w "$RIG_DOMID"
echo "during: xl-rc=$?"
"#;

fn gnttest(cx: &mut Ctx) -> Result<(), TestError> {
    let dir = cx.scratch()?;
    // A blank 1 MiB disk: blkback reports 2048 sectors of 512 bytes.
    let disk = dir.join("blank.img");
    let f = std::fs::File::create(&disk).map_err(|e| RigError::io(disk.display(), e))?;
    f.set_len(1 << 20)
        .map_err(|e| RigError::io(disk.display(), e))?;
    let spec = GuestSpec {
        disks: vec![disk],
        during: Some(DURING.into()),
        timeout: Duration::from_secs(240),
        ..GuestSpec::new(image("gnttest"))
    };
    let run = cx.rig()?.run_guest(&spec)?;
    let con = &run.console;
    let dur = run.during_output.clone().unwrap_or_default();
    for line in con.lines().filter(|l| l.contains("gnttest:")) {
        eprintln!("    {line}");
    }
    check!(
        dur.contains("during: backend-state=4") && dur.contains("during: xl-rc=0"),
        "blkback not connected when dom0 looked, or xl shutdown failed:\n{dur}"
    );
    let has = |s: &str| con.contains(s);
    check!(
        run.outcome == Outcome::Shutdown(Reason::Poweroff) && has("gnttest: done"),
        "outcome {};\nconsole:\n{con}\nxl:\n{}",
        run.outcome,
        run.log
    );
    let entries: Option<u64> = con
        .lines()
        .find_map(|l| l.strip_prefix("gnttest: entries=Ok("))
        .and_then(|r| r.split(')').next()?.parse().ok());
    check!(
        entries.is_some_and(|n| n >= 512),
        "grant table entries {entries:?};\n{con}"
    );
    let checks = [
        "gnttest: map rw read-ok=true write-ok=true",
        "gnttest: end-while-mapped=InUse",
        "gnttest: copy to-ok=true from-ok=true crossing=Err(CrossesPage)",
        "gnttest: end-after-unmap=Ok(())",
        "gnttest: readonly rw-map=Err(Status(",
        "ro-write=Err(ReadOnly)",
        &format!("gnttest: churn grants={}", entries.unwrap_or(0) * 3),
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
    Ok(())
}
