//! Issue 11, pv-grub boots: `pv-grub.gz` as the guest's kernel finds the menu, loads Debian's
//! kernel and initramfs (scripts/make-boot-disk.sh) and boots them in the same domain. The
//! verdict is the booted kernel's own init (tests/rig/peers/pvgrub_init.c) on the console
//! xenconsoled recorded in dom0, and the domain's end as xl reports it (init powers off).

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use rig_tests::rig::{GuestSpec, Outcome, Reason};
use rig_tests::{check, image, output_of, Ctx, Needs, Test, TestError, Xenstored};

const C_ONLY: Needs = Needs::Rig(&[Xenstored::C]);

/// The menu on an ext4 partition of an MBR disk, named by `extra`.
pub const EXT4_MBR: Test = Test {
    name: "pvgrub_boots_debian_from_ext4_mbr",
    needs: C_ONLY,
    images: &["pv-grub"],
    run: ext4_mbr,
};

/// The disks of scripts/make-boot-disk.sh, built into this test's scratch directory.
fn boot_disks(cx: &mut Ctx) -> Result<PathBuf, TestError> {
    let dir = cx.scratch()?;
    output_of(Command::new(xtask::build::root().join("scripts/make-boot-disk.sh")).arg(&dir))?;
    Ok(dir)
}

/// Boots pv-grub with `spec`'s disks and checks that Debian's kernel reached our init with
/// `want` on its command line, then powered off.
fn boots(cx: &mut Ctx, spec: GuestSpec, want: &str) -> Result<String, TestError> {
    let run = cx.rig()?.run_guest(&spec)?;
    for line in run
        .console
        .lines()
        .filter(|l| l.contains("pv-grub:") || l.contains("pvgrub-init:"))
    {
        eprintln!("    {line}");
    }
    check!(
        run.console.contains("pvgrub-init: reached init"),
        "the kernel did not reach init; outcome {}\nconsole:\n{}\nxl:\n{}",
        run.outcome,
        run.console,
        run.log
    );
    let cmdline = run
        .console
        .lines()
        .find_map(|l| l.split("pvgrub-init: cmdline=").nth(1))
        .unwrap_or("");
    check!(
        cmdline.contains(want),
        "init's cmdline {cmdline:?} lacks {want:?}"
    );
    check!(
        run.outcome == Outcome::Shutdown(Reason::Poweroff),
        "outcome {} (want poweroff by the kernel's init)\nconsole:\n{}",
        run.outcome,
        run.console
    );
    Ok(run.console)
}

fn ext4_mbr(cx: &mut Ctx) -> Result<(), TestError> {
    let dir = boot_disks(cx)?;
    let mut spec = GuestSpec::new(image("pv-grub"));
    spec.disks = vec![dir.join("ext4-mbr.img")];
    spec.extra = Some("(hd0,0)/boot/grub/menu.lst".into());
    spec.memory_mb = Some(512);
    spec.timeout = Duration::from_secs(300);
    boots(cx, spec, "pvgrub.test=ext4-mbr")?;
    Ok(())
}
