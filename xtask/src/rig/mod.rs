//! The rig: real Xen 4.17 with a Debian dom0, in qemu-system-x86_64 under TCG.
//!
//! [`Rig::boot`] builds the boot set when needed (`scripts/rig/build-bootset.sh`), starts QEMU
//! and waits for dom0 (retrying a hung boot a bounded number of times). The host and dom0 talk
//! through a 9p share, `target/rig/run-<pid>-<n>/share` (`/share` in dom0): [`Rig::job`] drops
//! a bash script there and dom0's agent runs it; [`Rig::run_guest`] runs
//! `scripts/rig/run-guest.sh` as a job, with the guest's console logged to the share by
//! xenconsoled. Dropping the rig (or
//! [`Rig::shutdown`]) powers QEMU off; QEMU also dies with the process that started it.

mod bootset;
pub mod cli;
mod error;
mod guest;
mod host;
mod qemu;
mod share;
mod tail;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub use bootset::{rig_dir, scripts_dir, BootSet};
pub use error::{BootFailure, RigError};
pub use guest::{GuestRun, GuestSpec, Outcome, Reason};
pub use host::run_guest_host;

use guest::{run_guest_args, Report};
use qemu::{Qemu, CLEAN_EXIT};
use share::{fresh_share, guest_name, remove_stale_runs, shell_words, stage_guest};
use tail::Tail;

/// Which xenstore daemon dom0 runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Xenstored {
    /// The C xenstored.
    C,
    /// oxenstored, the OCaml one.
    Ocaml,
}

/// How to boot the rig.
#[derive(Debug, Clone)]
pub struct RigOptions {
    /// dom0's xenstore daemon.
    pub xenstored: Xenstored,
    /// Boots tried before giving up (a rare early-boot hang is absorbed by a retry).
    pub boot_attempts: u32,
    /// A boot whose dom0 is not ready after this long is retried.
    pub ready_timeout: Duration,
    /// A boot whose serial log does not grow for this long before dom0 is ready is retried.
    pub stall_timeout: Duration,
}

impl Default for RigOptions {
    fn default() -> Self {
        RigOptions {
            xenstored: Xenstored::C,
            boot_attempts: 3,
            ready_timeout: Duration::from_secs(300),
            stall_timeout: Duration::from_secs(90),
        }
    }
}

/// What a job printed and its exit status.
#[derive(Debug, Clone)]
pub struct JobResult {
    /// stdout and stderr, interleaved.
    pub output: String,
    /// The exit status (124 or 137 when dom0 stopped it at its timeout).
    pub rc: i32,
}

/// Counters of one rig's life.
#[derive(Debug, Clone, Default)]
pub struct RigStats {
    /// Boots that were retried (hung or failed dom0 boots).
    pub boot_retries: u32,
    /// QEMU start to dom0 ready, for the boot that worked.
    pub ready_after: Duration,
    /// `xl create` crashes retried by run-guest.sh, over all guests.
    pub xl_retries: u32,
    /// Jobs run (guests included).
    pub jobs: u32,
}

/// A booted rig.
pub struct Rig {
    qemu: Qemu,
    run_dir: PathBuf,
    share: PathBuf,
    next_id: u32,
    stats: RigStats,
    down: bool,
}

/// Host-side grace on top of a job's own timeout (dom0 kills it at timeout + 5 s).
const JOB_GRACE: Duration = Duration::from_secs(30);

impl Rig {
    /// Builds the boot set if needed, boots QEMU and waits for dom0.
    ///
    /// QEMU is started with a parent-death signal bound to the calling thread: call this from
    /// a thread that outlives the rig (the main thread).
    pub fn boot(opts: &RigOptions) -> Result<Rig, RigError> {
        let set = BootSet::ensure()?;
        remove_stale_runs();
        static BOOTS: AtomicU32 = AtomicU32::new(1);
        let boot = BOOTS.fetch_add(1, Ordering::Relaxed);
        let run_dir = rig_dir().join(format!("run-{}-{boot}", std::process::id()));
        let share = run_dir.join("share");
        let mut last = BootFailure::NotReady(opts.ready_timeout);
        let mut serial_tail = String::new();
        let attempts = opts.boot_attempts.max(1);
        for attempt in 1..=attempts {
            fresh_share(&share)?;
            let serial = run_dir.join("serial.log");
            let mut qemu = Qemu::start(&set, &share, &serial, opts)?;
            match qemu.wait_ready(&share, opts) {
                Ok(ready_after) => {
                    let stats = RigStats {
                        boot_retries: attempt - 1,
                        ready_after,
                        ..RigStats::default()
                    };
                    return Ok(Rig {
                        qemu,
                        run_dir,
                        share,
                        next_id: 1,
                        stats,
                        down: false,
                    });
                }
                Err(failure) => {
                    qemu.kill();
                    serial_tail = qemu.serial_tail(40);
                    let kept = run_dir.join(format!("serial.failed-{attempt}.log"));
                    let _ = std::fs::rename(&serial, &kept);
                    eprintln!(
                        "rig: boot attempt {attempt}/{attempts} failed: {failure} (log: {})",
                        kept.display()
                    );
                    last = failure;
                }
            }
        }
        Err(RigError::Boot {
            attempts,
            last,
            serial_tail,
        })
    }

    /// Counters so far (boot retries, time to ready, xl retries, jobs).
    pub fn stats(&self) -> &RigStats {
        &self.stats
    }

    /// The host directory dom0 sees as `/share`.
    pub fn share(&self) -> &Path {
        &self.share
    }

    /// This run's directory (`serial.log`, `share/`), kept after the rig ends for inspection.
    pub fn run_dir(&self) -> &Path {
        &self.run_dir
    }

    /// Runs a bash script in dom0 (working directory `/share`) and returns its output and
    /// status. dom0 stops it after `timeout`.
    pub fn job(&mut self, script: &str, timeout: Duration) -> Result<JobResult, RigError> {
        self.job_watching(script, timeout, &mut || {})
    }

    fn job_watching(
        &mut self,
        script: &str,
        timeout: Duration,
        watch: &mut dyn FnMut(),
    ) -> Result<JobResult, RigError> {
        let id = self.next_id;
        self.next_id += 1;
        self.stats.jobs += 1;
        let name = format!("{id:05}");
        let jobs = self.share.join("jobs");
        let tmp = jobs.join(format!("{name}.tmp"));
        let text = format!("# rig-timeout: {}\n{script}\n", timeout.as_secs().max(1));
        std::fs::write(&tmp, text).map_err(|e| RigError::io(tmp.display(), e))?;
        let job = jobs.join(format!("{name}.sh"));
        std::fs::rename(&tmp, &job).map_err(|e| RigError::io(job.display(), e))?;

        let rc_file = self.share.join("results").join(format!("{name}.rc"));
        let start = Instant::now();
        loop {
            watch();
            if let Ok(rc) = std::fs::read_to_string(&rc_file) {
                let out = self.share.join("results").join(format!("{name}.out"));
                let output = std::fs::read(&out).map_err(|e| RigError::io(out.display(), e))?;
                return Ok(JobResult {
                    output: String::from_utf8_lossy(&output).into_owned(),
                    rc: rc.trim().parse().unwrap_or(-1),
                });
            }
            if let Some(status) = self.qemu.exited() {
                self.down = true;
                return Err(RigError::QemuExited {
                    status: status.to_string(),
                    serial_tail: self.qemu.serial_tail(40),
                });
            }
            if start.elapsed() > timeout + JOB_GRACE {
                return Err(RigError::JobTimeout {
                    id,
                    waited: start.elapsed(),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Boots a guest in the rig and waits for its end.
    pub fn run_guest(&mut self, spec: &GuestSpec) -> Result<GuestRun, RigError> {
        self.run_guest_streaming(spec, &mut |_| {})
    }

    /// As [`Rig::run_guest`], handing each piece of console output to `on_console` as it comes.
    pub fn run_guest_streaming(
        &mut self,
        spec: &GuestSpec,
        on_console: &mut dyn FnMut(&[u8]),
    ) -> Result<GuestRun, RigError> {
        let start = Instant::now();
        let name = guest_name(self.next_id, &spec.image);
        let dir = self.share.join("files").join(&name);
        let (staged, disks_after) = stage_guest(&dir, &name, spec)?;
        let mut args = run_guest_args(&name, spec, &staged);
        args.extend(["--fast-hotplug".into(), "/share/bin/hotplug".into()]);
        let script = format!("exec bash /share/bin/run-guest.sh {}", shell_words(&args));

        let console_path = self
            .share
            .join("consoles")
            .join(format!("guest-{name}.log"));
        let mut tail = Tail::new(console_path.clone());
        let job =
            self.job_watching(&script, spec.timeout + Duration::from_secs(90), &mut || {
                let new = tail.poll();
                if !new.is_empty() {
                    on_console(&new);
                }
            })?;
        let rest = tail.poll();
        if !rest.is_empty() {
            on_console(&rest);
        }
        let report = Report::parse(&job.output)?;
        self.stats.xl_retries += report.xl_retries;
        let console = std::fs::read(&console_path).unwrap_or_default();
        let during_output = spec
            .during
            .as_ref()
            .map(|_| std::fs::read(dir.join("during.out")).unwrap_or_default())
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        Ok(GuestRun {
            name,
            domid: report.domid,
            outcome: report.outcome,
            console: String::from_utf8_lossy(&console).into_owned(),
            during_output,
            during_rc: report.during_rc,
            xl_retries: report.xl_retries,
            first_console: report.first_console,
            create: report.create,
            log: job.output,
            disks_after,
            wall: start.elapsed(),
        })
    }

    /// Powers dom0 off (QEMU exits through isa-debug-exit); kills QEMU if it does not end in
    /// 20 s. Returns whether the power-off was clean.
    pub fn shutdown(&mut self) -> bool {
        if self.down {
            return false;
        }
        self.down = true;
        let _ = std::fs::write(self.share.join("poweroff"), b"");
        let status = self.qemu.wait_or_kill(Duration::from_secs(20));
        // The guests' file copies can be large; logs and consoles stay for inspection.
        let _ = std::fs::remove_dir_all(self.share.join("files"));
        status.and_then(|s| s.code()) == Some(CLEAN_EXIT)
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        self.shutdown();
    }
}
