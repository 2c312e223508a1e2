//! The rig's own checks, with a guest we did not write: Debian's PvGrub2 (grub-xen-host's
//! grub-x86_64-xen.bin) reading a grub.cfg from an ext2 disk made by mkfs.ext2.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use rig_tests::rig::{BootFailure, GuestSpec, Outcome, Reason, Rig, RigError, RigOptions};
use rig_tests::{check, image, output_of, unpack_deb, Ctx, Needs, Test, TestError, Xenstored};

/// Jobs: output, exit status, and dom0's timeout.
pub const JOBS: Test = Test {
    name: "rig_jobs_report_output_status_and_timeout",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &[],
    run: jobs,
};

/// A guest with a disk (losetup + blkback) and a vif, and a during script using xenstore.
pub const DISK_VIF_DURING: Test = Test {
    name: "rig_pvgrub2_disk_vif_and_during_script",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &[],
    run: disk_vif_during,
};

/// A guest that reboots is reported as reboot (and not restarted).
pub const REBOOT: Test = Test {
    name: "rig_pvgrub2_reboot_is_reported",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &[],
    run: reboot,
};

/// A guest that never ends is destroyed at its timeout.
pub const TIMEOUT: Test = Test {
    name: "rig_guest_timeout_destroys_it",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &[],
    run: timeout,
};

/// run-guest.sh's `--host` path (console through `xl console`), exercised in dom0.
pub const XL_CONSOLE: Test = Test {
    name: "rig_run_guest_xl_console_capture",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &[],
    run: xl_console,
};

fn pvgrub2() -> Result<PathBuf, TestError> {
    let bin = unpack_deb("grub-xen-host")?.join("usr/lib/grub-xen/grub-x86_64-xen.bin");
    check!(bin.is_file(), "{} is missing", bin.display());
    Ok(bin)
}

/// An 8 MiB ext2 image holding /boot/grub/grub.cfg, made by mkfs.ext2 -d.
fn grub_disk(dir: &Path, cfg: &str) -> Result<PathBuf, TestError> {
    let tree = dir.join("disk-root/boot/grub");
    std::fs::create_dir_all(&tree).map_err(|e| RigError::io(tree.display(), e))?;
    std::fs::write(tree.join("grub.cfg"), cfg).map_err(|e| RigError::io("grub.cfg", e))?;
    let img = dir.join("disk.img");
    let f = std::fs::File::create(&img).map_err(|e| RigError::io(img.display(), e))?;
    f.set_len(8 << 20)
        .map_err(|e| RigError::io(img.display(), e))?;
    output_of(
        Command::new("mkfs.ext2")
            .args(["-q", "-F", "-d"])
            .arg(dir.join("disk-root"))
            .arg(&img),
    )?;
    Ok(img)
}

fn jobs(cx: &mut Ctx) -> Result<(), TestError> {
    let rig = cx.rig()?;
    let r = rig.job(
        "xl list; xenstore-read /local/domain/0/name; exit 3",
        Duration::from_secs(60),
    )?;
    check!(
        r.rc == 3,
        "exit status {} instead of 3:\n{}",
        r.rc,
        r.output
    );
    check!(
        r.output.matches("Domain-0").count() == 2,
        "xl list and xenstore-read should both name Domain-0:\n{}",
        r.output
    );
    let start = Instant::now();
    let r = rig.job("echo started; sleep 120", Duration::from_secs(2))?;
    check!(
        r.rc == 124 && r.output.contains("started"),
        "a job past its timeout should end with 124 and keep its output; got {}:\n{}",
        r.rc,
        r.output
    );
    check!(
        start.elapsed() < Duration::from_secs(30),
        "the timed-out job took {:?}",
        start.elapsed()
    );
    Ok(())
}

fn disk_vif_during(cx: &mut Ctx) -> Result<(), TestError> {
    let dir = cx.scratch()?;
    let marker = "rig smoke: grub.cfg read from xvda";
    let disk = grub_disk(&dir, &format!("echo \"{marker}\"\nhalt\n"))?;
    let during = r#"
set -e
echo "during: name=$(xenstore-read /local/domain/$RIG_DOMID/name)"
xenstore-write /local/domain/$RIG_DOMID/data/rig-smoke written-by-dom0
echo "during: read back $(xenstore-read /local/domain/$RIG_DOMID/data/rig-smoke)"
echo "during: vif bridge $(xenstore-read /local/domain/0/backend/vif/$RIG_DOMID/0/bridge)"
"#;
    let spec = GuestSpec {
        disks: vec![disk],
        vif: true,
        during: Some(during.into()),
        ..GuestSpec::new(pvgrub2()?)
    };
    let run = cx.rig()?.run_guest(&spec)?;
    let out = run.during_output.clone().unwrap_or_default();
    check!(
        run.outcome == Outcome::Shutdown(Reason::Poweroff),
        "outcome {} (grub's halt is a poweroff); console:\n{}\nxl:\n{}",
        run.outcome,
        run.console,
        run.log
    );
    check!(
        run.console.contains(marker),
        "the disk's grub.cfg did not run; console:\n{}",
        run.console
    );
    check!(
        run.during_rc == Some(0),
        "during script status {:?}:\n{out}",
        run.during_rc
    );
    for want in [
        format!("during: name={}", run.name),
        "during: read back written-by-dom0".into(),
        "during: vif bridge xenbr0".into(),
    ] {
        check!(out.contains(&want), "during output lacks {want:?}:\n{out}");
    }
    Ok(())
}

fn reboot(cx: &mut Ctx) -> Result<(), TestError> {
    let dir = cx.scratch()?;
    let disk = grub_disk(&dir, "echo \"rig smoke: rebooting\"\nreboot\n")?;
    let spec = GuestSpec {
        disks: vec![disk],
        ..GuestSpec::new(pvgrub2()?)
    };
    let run = cx.rig()?.run_guest(&spec)?;
    check!(
        run.outcome == Outcome::Shutdown(Reason::Reboot),
        "outcome {}; console:\n{}\nxl:\n{}",
        run.outcome,
        run.console,
        run.log
    );
    check!(
        run.console.contains("rig smoke: rebooting"),
        "console:\n{}",
        run.console
    );
    Ok(())
}

fn timeout(cx: &mut Ctx) -> Result<(), TestError> {
    // Without a disk PvGrub2 finds no grub.cfg and waits at its prompt forever.
    let spec = GuestSpec {
        timeout: Duration::from_secs(6),
        ..GuestSpec::new(pvgrub2()?)
    };
    let rig = cx.rig()?;
    let run = rig.run_guest(&spec)?;
    check!(
        run.outcome == Outcome::Timeout,
        "outcome {}; console:\n{}",
        run.outcome,
        run.console
    );
    let list = rig.job("xl list", Duration::from_secs(60))?;
    check!(
        !list.output.contains(&run.name),
        "{} is still there after the timeout:\n{}",
        run.name,
        list.output
    );
    Ok(())
}

fn xl_console(cx: &mut Ctx) -> Result<(), TestError> {
    let dir = cx.scratch()?;
    let marker = "rig smoke: console through xl console";
    let disk = grub_disk(&dir, &format!("echo \"{marker}\"\nhalt\n"))?;
    let rig = cx.rig()?;
    let files = rig.share().join("files/xl-console");
    std::fs::create_dir_all(&files).map_err(|e| RigError::io(files.display(), e))?;
    for (src, name) in [(pvgrub2()?, "pvgrub2.bin"), (disk, "disk.img")] {
        std::fs::copy(&src, files.join(name)).map_err(|e| RigError::io(src.display(), e))?;
    }
    let r = rig.job(
        "bash /share/bin/run-guest.sh --name xl-console --image /share/files/xl-console/pvgrub2.bin \
         --disk /share/files/xl-console/disk.img --console /share/files/xl-console/console.log \
         --timeout 60",
        Duration::from_secs(150),
    )?;
    check!(
        r.output.contains("rig-guest: outcome=poweroff"),
        "run-guest.sh:\n{}",
        r.output
    );
    let console = std::fs::read(files.join("console.log")).unwrap_or_default();
    let console = String::from_utf8_lossy(&console);
    check!(
        console.contains(marker),
        "xl console did not capture the guest's output:\n{console}"
    );
    Ok(())
}

/// The boot watchdog: a dom0 that is not ready in time is retried, then reported.
pub const BOOT_WATCHDOG: Test = Test {
    name: "rig_boot_watchdog_retries_then_reports",
    needs: Needs::Host,
    images: &[],
    run: boot_watchdog,
};

/// run-guest.sh retries once when `xl create` itself crashes (seen rarely under TCG).
pub const XL_CRASH_RETRY: Test = Test {
    name: "rig_xl_create_crash_is_retried",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &["hello"],
    run: xl_crash_retry,
};

fn boot_watchdog(_cx: &mut Ctx) -> Result<(), TestError> {
    // No dom0 is ready 3 s after QEMU starts (it takes 10 s or more).
    let opts = RigOptions {
        boot_attempts: 2,
        ready_timeout: Duration::from_secs(3),
        ..RigOptions::default()
    };
    match Rig::boot(&opts) {
        Err(RigError::Boot {
            attempts: 2,
            last: BootFailure::NotReady(_),
            ..
        }) => Ok(()),
        Err(e) => Err(TestError::Check(format!("unexpected error: {e}"))),
        Ok(rig) => Err(TestError::Check(format!(
            "dom0 ready in {:?}, faster than the watchdog",
            rig.stats().ready_after
        ))),
    }
}

/// An `xl` in front of the real one: the first `xl create` is killed with SIGSEGV once the
/// domain exists, as the real crash happened.
const FAKE_XL: &str = r#"#!/bin/bash
real=/usr/lib/xen-4.17/bin/xl
if [[ $1 == create && ! -e /tmp/fake-xl-crashed ]]; then
    touch /tmp/fake-xl-crashed
    out=$(mktemp)
    "$real" "$@" > >(tee "$out") 2>&1 &
    pid=$!
    for _ in $(seq 1200); do grep -q 'Waiting for domain' "$out" && break; sleep 0.1; done
    kill -SEGV "$pid"
    wait "$pid"
    exit $?
fi
exec "$real" "$@"
"#;

fn xl_crash_retry(cx: &mut Ctx) -> Result<(), TestError> {
    let rig = cx.rig()?;
    let dir = rig.share().join("files/xl-crash");
    std::fs::create_dir_all(dir.join("bin")).map_err(|e| RigError::io(dir.display(), e))?;
    std::fs::write(dir.join("bin/xl"), FAKE_XL).map_err(|e| RigError::io("fake xl", e))?;
    std::fs::copy(image("hello"), dir.join("hello.gz")).map_err(|e| RigError::io("hello", e))?;
    let r = rig.job(
        "rm -f /tmp/fake-xl-crashed; chmod +x /share/files/xl-crash/bin/xl\n\
         PATH=/share/files/xl-crash/bin:$PATH bash /share/bin/run-guest.sh --name xl-crash \
         --image /share/files/xl-crash/hello.gz --console-dir /share/consoles --timeout 120",
        Duration::from_secs(300),
    )?;
    check!(
        r.output.contains("rig-guest: xl-retries=1")
            && r.output.contains("rig-guest: outcome=poweroff"),
        "expected one retry, then poweroff:\n{}",
        r.output
    );
    let console = std::fs::read(rig.share().join("consoles/guest-xl-crash.log"))
        .map_err(|e| RigError::io("console", e))?;
    let console = String::from_utf8_lossy(&console);
    check!(
        console.contains("Hello from minios") && console.matches("Hello from minios").count() == 1,
        "the retried guest's console should hold one greeting:\n{console}"
    );
    Ok(())
}

/// Lines of `xl_config` reach xl: on_crash="preserve" keeps the crashed domain for the during
/// script to see, and run-guest.sh destroys it afterwards.
pub const XL_CONFIG_PRESERVE: Test = Test {
    name: "rig_xl_config_on_crash_preserve",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &["panic"],
    run: xl_config_preserve,
};

fn xl_config_preserve(cx: &mut Ctx) -> Result<(), TestError> {
    let during = r#"
for _ in $(seq 600); do
    state=$(xl list "$RIG_DOMID" 2>/dev/null | awk 'NR == 2 { print $5 }')
    case $state in *c*) echo "during: preserved, state $state"; exit 0 ;; esac
    sleep 0.1
done
echo "during: the crashed domain was not kept"
exit 1
"#;
    let spec = GuestSpec {
        xl_config: Some("on_crash = \"preserve\"\n".into()),
        during: Some(during.into()),
        ..GuestSpec::new(image("panic"))
    };
    let rig = cx.rig()?;
    let run = rig.run_guest(&spec)?;
    let out = run.during_output.clone().unwrap_or_default();
    check!(
        run.outcome == Outcome::Shutdown(Reason::Crash),
        "outcome {}; xl:\n{}",
        run.outcome,
        run.log
    );
    check!(
        run.during_rc == Some(0) && out.contains("during: preserved"),
        "the during script did not see the preserved domain ({:?}):\n{out}\nxl:\n{}",
        run.during_rc,
        run.log
    );
    let list = rig.job("xl list", Duration::from_secs(60))?;
    check!(
        !list.output.contains(&run.name),
        "the preserved {} was not destroyed afterwards:\n{}",
        run.name,
        list.output
    );
    Ok(())
}
