//! `cargo xtask run` and `cargo xtask test`.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::{run_guest_host, GuestSpec, Outcome, Reason, Rig, RigError, RigOptions, Xenstored};
use crate::build::{build, cargo};

/// The options of `cargo xtask run`.
const RUN_USAGE: &str = "cargo xtask run NAME [--disk IMG]... [--ramdisk FILE] [--extra STR] \
    [--xl-config FILE] [--vif] [--memory MB] [--timeout SECS] [--oxenstored] [--host]";

/// `cargo xtask run NAME [...]`: builds the image, boots it on the rig (or the local Xen with
/// `--host`), streams its console, prints the outcome. Fails unless the guest shut itself down
/// (poweroff, reboot, suspend).
pub fn run(args: &[String]) -> Result<(), RigError> {
    let usage = || RigError::Usage(format!("usage: {RUN_USAGE}"));
    let mut it = args.iter();
    let mut name = None;
    let mut spec = GuestSpec::new(PathBuf::new());
    spec.timeout = Duration::from_secs(120);
    let mut host = false;
    let mut opts = RigOptions::default();
    while let Some(a) = it.next() {
        let mut value = || it.next().cloned().ok_or_else(usage);
        match a.as_str() {
            "--disk" => spec.disks.push(value()?.into()),
            "--ramdisk" => spec.ramdisk = Some(value()?.into()),
            "--extra" => spec.extra = Some(value()?),
            "--xl-config" => {
                let path = value()?;
                let text = std::fs::read_to_string(&path).map_err(|e| RigError::io(&path, e))?;
                spec.xl_config = Some(text);
            }
            "--vif" => spec.vif = true,
            "--memory" => spec.memory_mb = Some(value()?.parse().map_err(|_| usage())?),
            "--timeout" => {
                spec.timeout = Duration::from_secs(value()?.parse().map_err(|_| usage())?)
            }
            "--oxenstored" => opts.xenstored = Xenstored::Ocaml,
            "--host" => host = true,
            s if s.starts_with('-') || name.is_some() => return Err(usage()),
            s => name = Some(s.to_string()),
        }
    }
    let name = name.ok_or_else(usage)?;
    let images = build(std::slice::from_ref(&name)).map_err(RigError::Build)?;
    spec.image = images.into_iter().next().ok_or_else(usage)?;

    let mut stdout = std::io::stdout();
    let mut show = |b: &[u8]| {
        let _ = stdout.write_all(b);
        let _ = stdout.flush();
    };
    let run = if host {
        run_guest_host(&spec, &mut show)?
    } else {
        let t = Instant::now();
        eprintln!("rig: booting Xen 4.17 in QEMU (TCG)...");
        let mut rig = Rig::boot(&opts)?;
        eprintln!(
            "rig: dom0 ready in {:.1} s (boot retries: {})",
            t.elapsed().as_secs_f64(),
            rig.stats().boot_retries
        );
        let run = rig.run_guest_streaming(&spec, &mut show);
        rig.shutdown();
        run?
    };
    println!();
    let secs = |d: Option<Duration>| {
        d.map(|d| format!("{:.1} s", d.as_secs_f64()))
            .unwrap_or_else(|| "-".into())
    };
    eprintln!(
        "rig: {} {} after {:.1} s (xl create {}, first console output {} after unpause, \
         xl retries {})",
        run.name,
        run.outcome,
        run.wall.as_secs_f64(),
        secs(run.create),
        secs(run.first_console),
        run.xl_retries
    );
    match run.outcome {
        Outcome::Shutdown(Reason::Poweroff | Reason::Reboot | Reason::Suspend) => Ok(()),
        other => {
            eprint!("{}", run.log);
            Err(RigError::GuestFailed(other))
        }
    }
}

/// Says which Debian kernel packages the run tested: the one the kernel-image tests fetched
/// (`target/kernel/VERSION`) and the rig's dom0 kernel (`target/rig/bootset/kernel.version`).
/// Both are whatever `apt-get download` gave today.
fn report_kernels() {
    let root = crate::build::root();
    for (what, file) in [
        ("kernel-image tests", "target/kernel/VERSION"),
        ("rig dom0", "target/rig/bootset/kernel.version"),
    ] {
        let version = std::fs::read_to_string(root.join(file))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|_| "not fetched".into());
        eprintln!("xtask test: Debian kernel used by the {what}: {version}");
    }
}

/// `cargo xtask test`: the static checks ([`crate::check::run`]; if any fails, nothing else
/// runs), then the host tests (`cargo test`, the workspace's default members), then the rig
/// tests (`cargo test -p rig-tests`). Both test runs run; either failing fails the command.
pub fn test(args: &[String]) -> Result<(), RigError> {
    if !args.is_empty() {
        return Err(RigError::Usage("usage: cargo xtask test".into()));
    }
    crate::check::run()?;
    let mut failed = Vec::new();
    for (what, cargo_args) in [
        ("host tests", &["test"][..]),
        ("rig tests", &["test", "-p", "rig-tests"][..]),
    ] {
        eprintln!("xtask test: {what}: cargo {}", cargo_args.join(" "));
        let status = cargo()
            .args(cargo_args)
            .status()
            .map_err(|e| RigError::io("cargo", e))?;
        if !status.success() {
            failed.push(format!("{what} ({status})"));
        }
    }
    report_kernels();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(RigError::Tool {
            command: "cargo xtask test".into(),
            status: format!("failed: {}", failed.join(", ")),
        })
    }
}
