//! Runs the registered tests: images first, host tests, then one rig boot per xenstored
//! flavour with its tests in order (a test that broke the rig, or after which dom0's
//! xenstored no longer answers, gets the next one a fresh boot; a test that failed when a dom0
//! process crashed is run once more on a fresh boot, and the output says so).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use xtask::rig::{BootSet, Rig, RigOptions, Xenstored};

use crate::{Ctx, Needs, Test, TestError};

/// Outcomes so far.
#[derive(Default)]
struct Tally {
    passed: u32,
    failed: Vec<String>,
}

impl Tally {
    fn record(&mut self, name: &str, took: Duration, result: Result<(), String>) {
        match result {
            Ok(()) => {
                self.passed += 1;
                println!("test {name} ... ok ({:.1} s)", took.as_secs_f64());
            }
            Err(msg) => {
                println!("test {name} ... FAILED ({:.1} s)", took.as_secs_f64());
                println!("    {}", msg.replace('\n', "\n    "));
                self.failed.push(name.to_string());
            }
        }
    }
}

fn label(t: &Test, flavour: Option<Xenstored>) -> String {
    match flavour {
        Some(Xenstored::Ocaml) => format!("{} [oxenstored]", t.name),
        _ => t.name.to_string(),
    }
}

fn run_one(
    t: &Test,
    rig: Option<&mut Rig>,
    bootset: &BootSet,
    flavour: Option<Xenstored>,
) -> (Duration, Result<(), TestError>) {
    let start = Instant::now();
    let mut cx = Ctx {
        rig,
        bootset,
        name: t.name,
        xenstored: flavour,
    };
    let result = match catch_unwind(AssertUnwindSafe(|| (t.run)(&mut cx))) {
        Ok(r) => r,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(TestError::Check(format!("panicked: {msg}")))
        }
    };
    (start.elapsed(), result)
}

/// Runs the tests selected by the command line (substrings of names; `--list` lists them)
/// and prints `N passed, N failed` last. Fails when a test failed.
pub fn run_all(tests: &[Test]) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let selected: Vec<&Test> = tests
        .iter()
        .filter(|t| filters.is_empty() || filters.iter().any(|f| t.name.contains(f.as_str())))
        .collect();
    if args.iter().any(|a| a == "--list") {
        for t in &selected {
            println!("{}: test", t.name);
        }
        return ExitCode::SUCCESS;
    }
    let start = Instant::now();
    let mut tally = Tally::default();
    let flavours = [Xenstored::C, Xenstored::Ocaml];
    let runs: Vec<(&Test, Option<Xenstored>)> = selected
        .iter()
        .flat_map(|t| match t.needs {
            Needs::Host => vec![(*t, None)],
            Needs::Rig(fl) => flavours
                .iter()
                .filter(|f| fl.contains(f))
                .map(|f| (*t, Some(*f)))
                .collect(),
        })
        .collect();

    let mut images: Vec<String> = selected
        .iter()
        .flat_map(|t| t.images.iter().map(|s| s.to_string()))
        .collect();
    images.sort();
    images.dedup();
    let setup = (|| -> Result<BootSet, String> {
        if !images.is_empty() {
            xtask::build::build(&images).map_err(|e| format!("building images: {e}"))?;
        }
        BootSet::ensure().map_err(|e| format!("building the boot set: {e}"))
    })();
    let bootset = match setup {
        Ok(b) => b,
        Err(e) => {
            for (t, f) in &runs {
                tally.record(&label(t, *f), Duration::ZERO, Err(e.clone()));
            }
            return finish(tally, start);
        }
    };

    for (t, _) in runs.iter().filter(|(_, f)| f.is_none()) {
        let (took, r) = run_one(t, None, &bootset, None);
        tally.record(t.name, took, r.map_err(|e| e.to_string()));
    }
    for flavour in flavours {
        let group: Vec<&Test> = runs
            .iter()
            .filter(|(_, f)| *f == Some(flavour))
            .map(|(t, _)| *t)
            .collect();
        run_group(&group, flavour, &bootset, &mut tally);
    }
    finish(tally, start)
}

/// Runs one flavour's tests on one rig, rebooting after a test that broke it.
fn run_group(group: &[&Test], flavour: Xenstored, bootset: &BootSet, tally: &mut Tally) {
    let opts = RigOptions {
        xenstored: flavour,
        ..RigOptions::default()
    };
    let mut rig: Option<Rig> = None;
    let mut boot_error: Option<String> = None;
    let mut reboots = 0;
    let mut crash_retries = 0;
    // dom0 crash lines already seen on the current boot (reset when it boots).
    let mut seen_crashes = 0;
    let summary = |rig: Rig| {
        let s = rig.stats().clone();
        let clean = { rig }.shutdown();
        println!(
            "rig ({flavour:?} xenstored): dom0 ready in {:.1} s, boot retries {}, xl retries {}, \
             jobs {}, clean power-off {clean}",
            s.ready_after.as_secs_f64(),
            s.boot_retries,
            s.xl_retries,
            s.jobs
        );
    };
    for t in group {
        let name = label(t, Some(flavour));
        let mut shown = name.clone();
        for attempt in 0..2 {
            if let Some(e) = &boot_error {
                tally.record(&shown, Duration::ZERO, Err(e.clone()));
                break;
            }
            if rig.is_none() {
                match Rig::boot(&opts) {
                    Ok(r) => {
                        rig = Some(r);
                        seen_crashes = 0;
                    }
                    Err(e) => {
                        let msg = format!("rig boot: {e}");
                        tally.record(&shown, Duration::ZERO, Err(msg.clone()));
                        boot_error = Some(msg);
                        break;
                    }
                }
            }
            let (took, r) = run_one(t, rig.as_mut(), bootset, Some(flavour));
            let mut reboot = match &r {
                Err(TestError::Rig(e)) if e.is_rig_fault() => Some("a rig fault"),
                _ => None,
            };
            let mut retry = false;
            if let (Err(e), None) = (&r, reboot) {
                // A dom0 process that died of heap corruption or a signal (QEMU 7.2's TCG
                // does that now and then, see dom0_healthy) is the rig's fault, not the
                // test's: the test gets one more try on a fresh boot, and the output says so.
                let health = rig.as_mut().map(|r| dom0_healthy(r, seen_crashes));
                let crashed = dom0_crash_text(&e.to_string())
                    || health.as_ref().is_some_and(|h| h.crashes > seen_crashes);
                if let Some(h) = &health {
                    seen_crashes = h.crashes;
                }
                if crashed && attempt == 0 {
                    retry = true;
                    reboot = Some("a dom0 process crash");
                    println!(
                        "test {name} ... failed after a dom0 process crashed; retrying on a fresh boot:"
                    );
                    println!("    {}", e.to_string().replace('\n', "\n    "));
                    crash_retries += 1;
                    shown = format!("{name} (retried after a dom0 crash)");
                } else if health.is_some_and(|h| !h.xenstored) {
                    reboot = Some("xenstored stopped answering");
                }
            }
            if !retry {
                tally.record(&shown, took, r.map_err(|e| e.to_string()));
            }
            if let Some(why) = reboot {
                if let Some(old) = rig.take() {
                    summary(old);
                }
                reboots += 1;
                println!("rig: rebooting after {why} (reboot {reboots})");
            }
            if !retry {
                break;
            }
        }
    }
    if crash_retries > 0 {
        println!("rig ({flavour:?} xenstored): {crash_retries} test(s) retried after a dom0 process crash");
    }
    if let Some(r) = rig.take() {
        summary(r);
    }
}

/// Whether a failure's text shows a dom0 process dying (glibc's heap checks, bash's report
/// of a child killed by a signal).
fn dom0_crash_text(msg: &str) -> bool {
    const MARKS: &[&str] = &[
        "free(): ",
        "malloc(): ",
        "double free",
        "corrupted ",
        "Segmentation fault",
        " Aborted ",
    ];
    MARKS.iter().any(|m| msg.contains(m))
}

/// What dom0 looks like after a failed test.
struct Health {
    /// Processes the kernel logged as crashed since boot.
    crashes: usize,
    /// xenstored still answers.
    xenstored: bool,
}

/// After a failed test: prints what dom0's kernel logged about crashed processes (QEMU 7.2's
/// TCG makes dom0 processes crash now and then, xenstored included; lines past the `seen`
/// first are new) and whether xenstored still answers. A rig without one gets a fresh boot.
fn dom0_healthy(rig: &mut Rig, seen: usize) -> Health {
    let script = "dmesg | grep -E 'segfault|traps:' | sed 's/^/rig: dom0 crash: /'\n\
                  xenstore-read /local/domain/0/name >/dev/null && echo 'rig: xenstored answers'";
    match rig.job(script, Duration::from_secs(60)) {
        Ok(j) => {
            let crashes: Vec<&str> = j
                .output
                .lines()
                .filter(|l| l.starts_with("rig: dom0 crash: "))
                .collect();
            for (i, l) in crashes.iter().enumerate() {
                let age = if i < seen { "seen before" } else { "new" };
                println!("{l} ({age})");
            }
            let xenstored = j.output.contains("rig: xenstored answers");
            println!("rig: xenstored answers: {xenstored}");
            Health {
                crashes: crashes.len(),
                xenstored,
            }
        }
        Err(e) => {
            println!("rig: dom0 health check failed: {e}");
            Health {
                crashes: seen,
                xenstored: false,
            }
        }
    }
}

fn finish(tally: Tally, start: Instant) -> ExitCode {
    println!();
    if !tally.failed.is_empty() {
        println!("failures:");
        for f in &tally.failed {
            println!("    {f}");
        }
    }
    println!("rig tests took {:.1} s", start.elapsed().as_secs_f64());
    println!("{} passed, {} failed", tally.passed, tally.failed.len());
    if tally.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::dom0_crash_text;

    #[test]
    fn crash_reports_are_recognised() {
        // What the CI run of 2026-12-01 printed when bash died in dom0.
        assert!(dom0_crash_text(
            "rig error: run-guest.sh reported no outcome; it printed:\nfree(): invalid next size (fast)"
        ));
        assert!(dom0_crash_text(
            "/share/bin/run-guest.sh: line 80:   380 Aborted                 exit 0"
        ));
        assert!(!dom0_crash_text(
            "outcome poweroff; console: xstest: FAILED watch: timed out"
        ));
    }
}
