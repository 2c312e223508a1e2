//! Issue 3 (second half), grant tables: the gnttest image (tests/images/gnttest) grants,
//! maps and copies pages of its own, reuses refs past the table size, and connects to dom0's
//! blkback through the xenbus handshake with a granted ring (ending that grant is refused
//! while blkback maps it).

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

fn gnttest(cx: &mut Ctx) -> Result<(), TestError> {
    let dir = cx.scratch()?;
    // A blank 1 MiB disk: blkback reports 2048 sectors of 512 bytes.
    let disk = dir.join("blank.img");
    let f = std::fs::File::create(&disk).map_err(|e| RigError::io(disk.display(), e))?;
    f.set_len(1 << 20)
        .map_err(|e| RigError::io(disk.display(), e))?;
    let spec = GuestSpec {
        disks: vec![disk],
        timeout: Duration::from_secs(240),
        ..GuestSpec::new(image("gnttest"))
    };
    let run = cx.rig()?.run_guest(&spec)?;
    let con = &run.console;
    for line in con.lines().filter(|l| l.contains("gnttest:")) {
        eprintln!("    {line}");
    }
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
        "gnttest: ring end-after-close=Ok(())",
    ];
    for c in checks {
        check!(has(c), "missing `{c}` on the console:\n{con}");
    }
    Ok(())
}
