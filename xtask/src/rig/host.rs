//! `--host` mode: run a guest with the local `xl` (a real Xen host), through the same
//! run-guest.sh the rig's dom0 uses; the console is captured with `xl console`.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::guest::{run_guest_args, Report, Staged};
use super::tail::Tail;
use super::{rig_dir, scripts_dir, GuestRun, GuestSpec, RigError};

/// Boots a guest with the local toolstack (needs root and a running Xen). Disks are used in
/// place. Console output goes to `on_console` as it comes.
pub fn run_guest_host(
    spec: &GuestSpec,
    on_console: &mut dyn FnMut(&[u8]),
) -> Result<GuestRun, RigError> {
    let start = Instant::now();
    let pid = std::process::id();
    let dir = rig_dir().join(format!("host-{pid}"));
    std::fs::create_dir_all(&dir).map_err(|e| RigError::io(dir.display(), e))?;
    let abs = |p: &Path| -> Result<String, RigError> {
        let a = p.canonicalize().map_err(|e| RigError::io(p.display(), e))?;
        Ok(a.to_string_lossy().into_owned())
    };
    let write = |file: &str, text: &str| -> Result<String, RigError> {
        let p = dir.join(file);
        std::fs::write(&p, text).map_err(|e| RigError::io(p.display(), e))?;
        abs(&p)
    };
    let console = dir.join("console.log");
    let staged = Staged {
        image: abs(&spec.image)?,
        disks: spec
            .disks
            .iter()
            .map(|d| abs(d))
            .collect::<Result<_, _>>()?,
        ramdisk: spec.ramdisk.as_deref().map(abs).transpose()?,
        xl_config: spec
            .xl_config
            .as_deref()
            .map(|t| write("xl.cfg", t))
            .transpose()?,
        during: spec
            .during
            .as_deref()
            .map(|t| write("during.sh", t))
            .transpose()?,
        during_out: dir.join("during.out").to_string_lossy().into_owned(),
        console: ("--console", console.to_string_lossy().into_owned()),
    };
    let stem = spec
        .image
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = format!("xtask-{pid}-{}", stem.split('.').next().unwrap_or(""));
    let out_path = dir.join("run-guest.out");
    let out = File::create(&out_path).map_err(|e| RigError::io(out_path.display(), e))?;
    let err = out
        .try_clone()
        .map_err(|e| RigError::io("run-guest.out", e))?;
    let mut child = Command::new("bash")
        .arg(scripts_dir().join("run-guest.sh"))
        .args(run_guest_args(&name, spec, &staged))
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| RigError::io("bash run-guest.sh", e))?;
    let mut tail = Tail::new(console.clone());
    loop {
        let new = tail.poll();
        if !new.is_empty() {
            on_console(&new);
        }
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => return Err(RigError::io("run-guest.sh", e)),
        }
    }
    let rest = tail.poll();
    if !rest.is_empty() {
        on_console(&rest);
    }
    let log = std::fs::read(&out_path).map_err(|e| RigError::io(out_path.display(), e))?;
    let log = String::from_utf8_lossy(&log).into_owned();
    let report = Report::parse(&log)?;
    let console_text = std::fs::read(&console).unwrap_or_default();
    let during_output = spec
        .during
        .as_ref()
        .map(|_| std::fs::read(dir.join("during.out")).unwrap_or_default())
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    Ok(GuestRun {
        name,
        domid: report.domid,
        outcome: report.outcome,
        console: String::from_utf8_lossy(&console_text).into_owned(),
        during_output,
        during_rc: report.during_rc,
        xl_retries: report.xl_retries,
        first_console: report.first_console,
        create: report.create,
        log,
        disks_after: spec.disks.clone(),
        wall: start.elapsed(),
    })
}
