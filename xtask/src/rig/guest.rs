//! Guests: what to boot ([`GuestSpec`]), how it ended ([`GuestRun`], [`Outcome`]), and the
//! `run-guest.sh` command line and report shared by the rig and `--host` mode.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::RigError;

/// A guest to boot with xl.
#[derive(Debug, Clone)]
pub struct GuestSpec {
    /// The kernel image (an ELF, possibly gzipped, such as `target/images/hello.gz`).
    pub image: PathBuf,
    /// Disk image files, attached as xvda, xvdb, ... (`phy:` through losetup, writable).
    /// The rig works on copies: see [`GuestRun::disks_after`].
    pub disks: Vec<PathBuf>,
    /// xl disk options of each disk, in [`GuestSpec::disks`] order, in place of the default
    /// `access=rw` (such as `access=ro` or `access=ro, devtype=cdrom`); missing or empty
    /// entries keep the default.
    pub disk_opts: Vec<String>,
    /// Copy the disks into a tmpfs in dom0 and attach those copies: faster than the 9p
    /// share, and blkback then offers discard (the loop device punches holes). The copies
    /// are not brought back: [`GuestRun::disks_after`] shows the disks as they went in.
    pub disks_in_ram: bool,
    /// The ramdisk (start_info mod_start/mod_len).
    pub ramdisk: Option<PathBuf>,
    /// The guest's command line (xl `extra=`).
    pub extra: Option<String>,
    /// One network interface on dom0's bridge xenbr0.
    pub vif: bool,
    /// Guest memory in MiB (run-guest.sh's default, 64, when `None`).
    pub memory_mb: Option<u32>,
    /// Lines appended to the generated xl config (they override run-guest.sh's own).
    pub xl_config: Option<String>,
    /// A bash script run in dom0 while the guest runs (started before the guest is unpaused;
    /// environment `RIG_DOMID`, `RIG_DOMNAME`, `RIG_CONSOLE`).
    pub during: Option<String>,
    /// The guest is destroyed after this long.
    pub timeout: Duration,
}

impl GuestSpec {
    /// A guest with only an image, 120 s timeout.
    pub fn new(image: impl Into<PathBuf>) -> Self {
        GuestSpec {
            image: image.into(),
            disks: Vec::new(),
            disk_opts: Vec::new(),
            disks_in_ram: false,
            ramdisk: None,
            extra: None,
            vif: false,
            memory_mb: None,
            xl_config: None,
            during: None,
            timeout: Duration::from_secs(120),
        }
    }
}

/// Why a domain shut down (Xen's `SHUTDOWN_*` codes as xl reports them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// SHUTDOWN_poweroff (0).
    Poweroff,
    /// SHUTDOWN_reboot (1).
    Reboot,
    /// SHUTDOWN_suspend (2).
    Suspend,
    /// SHUTDOWN_crash (3).
    Crash,
    /// SHUTDOWN_watchdog (4).
    Watchdog,
    /// SHUTDOWN_soft_reset (5).
    SoftReset,
    /// Any other code.
    Unknown(u32),
}

/// How a guest run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The domain shut down for this reason.
    Shutdown(Reason),
    /// It was still running at the deadline and was destroyed.
    Timeout,
    /// `xl create` failed (see [`GuestRun::log`]).
    CreateFailed,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Shutdown(Reason::Unknown(code)) => write!(f, "shutdown (reason code {code})"),
            Outcome::Shutdown(r) => write!(f, "shutdown ({})", format!("{r:?}").to_lowercase()),
            Outcome::Timeout => write!(f, "timeout"),
            Outcome::CreateFailed => write!(f, "xl create failed"),
        }
    }
}

/// The record of one guest run.
#[derive(Debug, Clone)]
pub struct GuestRun {
    /// The domain name used.
    pub name: String,
    /// The domain id xl gave it.
    pub domid: Option<u32>,
    /// How it ended.
    pub outcome: Outcome,
    /// Everything the guest wrote to its console.
    pub console: String,
    /// The during script's stdout+stderr, when there was one.
    pub during_output: Option<String>,
    /// The during script's exit status, when there was one.
    pub during_rc: Option<i32>,
    /// How often `xl create` crashed and was retried.
    pub xl_retries: u32,
    /// From unpausing the domain to the first console byte (polled every 0.1 s; for output
    /// faster than that, the time to the domain's end).
    pub first_console: Option<Duration>,
    /// `xl create` until the (paused) domain existed.
    pub create: Option<Duration>,
    /// run-guest.sh's own output (xl's messages).
    pub log: String,
    /// The disks as the guest left them (the copies it ran on), in [`GuestSpec::disks`] order.
    pub disks_after: Vec<PathBuf>,
    /// Wall time of the whole run, as the host saw it.
    pub wall: Duration,
}

/// Paths as run-guest.sh sees them (on the rig's share, or the host's own paths).
pub(crate) struct Staged {
    pub image: String,
    pub disks: Vec<String>,
    pub ramdisk: Option<String>,
    pub xl_config: Option<String>,
    pub during: Option<String>,
    pub during_out: String,
    /// `--console FILE` or `--console-dir DIR`.
    pub console: (&'static str, String),
}

/// run-guest.sh's arguments.
pub(crate) fn run_guest_args(name: &str, spec: &GuestSpec, st: &Staged) -> Vec<String> {
    let mut a: Vec<String> = vec![
        "--name".into(),
        name.into(),
        "--image".into(),
        st.image.clone(),
        st.console.0.into(),
        st.console.1.clone(),
        "--timeout".into(),
        spec.timeout.as_secs().max(1).to_string(),
        "--during-out".into(),
        st.during_out.clone(),
    ];
    for d in &st.disks {
        a.extend(["--disk".into(), d.clone()]);
    }
    for (i, o) in spec.disk_opts.iter().enumerate() {
        if !o.is_empty() {
            a.extend(["--disk-opts".into(), format!("{i}={o}")]);
        }
    }
    let opts = [
        ("--ramdisk", st.ramdisk.clone()),
        ("--extra", spec.extra.clone()),
        ("--xl-config", st.xl_config.clone()),
        ("--during", st.during.clone()),
        ("--memory", spec.memory_mb.map(|m| m.to_string())),
    ];
    for (flag, value) in opts {
        if let Some(v) = value {
            a.extend([flag.into(), v]);
        }
    }
    if spec.vif {
        a.push("--vif".into());
    }
    if spec.disks_in_ram {
        a.push("--disks-in-ram".into());
    }
    a
}

/// What run-guest.sh reported in its `rig-guest: KEY=VALUE` lines.
#[derive(Debug)]
pub(crate) struct Report {
    pub outcome: Outcome,
    pub domid: Option<u32>,
    pub xl_retries: u32,
    pub first_console: Option<Duration>,
    pub create: Option<Duration>,
    pub during_rc: Option<i32>,
}

impl Report {
    /// Parses run-guest.sh's output.
    pub fn parse(output: &str) -> Result<Report, RigError> {
        let mut outcome = None;
        let mut report = Report {
            outcome: Outcome::CreateFailed,
            domid: None,
            xl_retries: 0,
            first_console: None,
            create: None,
            during_rc: None,
        };
        for line in output.lines() {
            let Some((key, value)) = line
                .strip_prefix("rig-guest: ")
                .and_then(|kv| kv.split_once('='))
            else {
                continue;
            };
            match key {
                "outcome" => outcome = parse_outcome(value),
                "domid" => report.domid = value.parse().ok(),
                "xl-retries" => report.xl_retries = value.parse().unwrap_or(0),
                "first-console-ms" => {
                    report.first_console = value.parse().ok().map(Duration::from_millis)
                }
                "create-ms" => report.create = value.parse().ok().map(Duration::from_millis),
                "during-rc" => report.during_rc = value.parse().ok(),
                _ => {}
            }
        }
        report.outcome = outcome.ok_or_else(|| RigError::GuestReport {
            output: output.to_string(),
        })?;
        Ok(report)
    }
}

fn parse_outcome(s: &str) -> Option<Outcome> {
    Some(match s {
        "poweroff" => Outcome::Shutdown(Reason::Poweroff),
        "reboot" => Outcome::Shutdown(Reason::Reboot),
        "suspend" => Outcome::Shutdown(Reason::Suspend),
        "crash" => Outcome::Shutdown(Reason::Crash),
        "watchdog" => Outcome::Shutdown(Reason::Watchdog),
        "soft_reset" => Outcome::Shutdown(Reason::SoftReset),
        "timeout" => Outcome::Timeout,
        "create-failed" => Outcome::CreateFailed,
        other => Outcome::Shutdown(Reason::Unknown(
            other.strip_prefix("unknown-")?.parse().ok()?,
        )),
    })
}
