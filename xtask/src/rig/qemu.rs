//! Starting QEMU on the boot set and watching dom0 come up.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::bootset::BootSet;
use super::error::BootFailure;
use super::{RigError, RigOptions, Xenstored};

/// Xen's command line (see shared/notes/rig.md for why each item is there).
/// `spec-ctrl=eager-fpu`: on TCG's "max" CPU Xen otherwise picks lazy FPU for PV guests
/// (its log says `Support for PV VMs: RSB` without `EAGER_FPU`); with lazy FPU, dom0 programs
/// and Linux domUs crashed under load (malloc aborts, segfaults in libc, corrupted streams),
/// as if an instruction ran on another context's SSE state. With it, 21 of 21 bench runs and
/// two fresh-clone CI runs had no crash (2026-12-02).
const XEN_CMDLINE: &str = "console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M \
    dom0_max_vcpus=2 loglvl=all guest_loglvl=all noreboot console_timestamps=boot \
    smap=0 smep=0 sched=credit2 spec-ctrl=eager-fpu";

/// QEMU's exit status when dom0 ends it through isa-debug-exit (value 0x10: (0x10 << 1) | 1).
pub(crate) const CLEAN_EXIT: i32 = 33;

/// A running QEMU.
pub(crate) struct Qemu {
    child: Child,
    /// Xen's serial console (Xen and dom0 kernel messages, dom0 init's output).
    pub serial: PathBuf,
}

/// A multiboot module string for QEMU's `-initrd`: commas are doubled, spaces are refused.
fn module(path: &Path, args: &str) -> Result<String, RigError> {
    let p = path.to_string_lossy();
    if p.contains(char::is_whitespace) {
        return Err(RigError::Usage(format!(
            "the rig cannot pass a path with spaces to QEMU: {p}"
        )));
    }
    let p = p.replace(',', ",,");
    Ok(if args.is_empty() {
        p
    } else {
        format!("{p} {args}")
    })
}

impl Qemu {
    /// Starts QEMU: Xen with dom0, the 9p job share, serial to `serial`.
    pub fn start(
        set: &BootSet,
        share: &Path,
        serial: &Path,
        opts: &RigOptions,
    ) -> Result<Qemu, RigError> {
        let flavour = match opts.xenstored {
            Xenstored::C => "xenstored",
            Xenstored::Ocaml => "oxenstored",
        };
        let dom0_args = format!("console=hvc0 earlyprintk=xen rig.xenstored={flavour}");
        let initrd = format!(
            "{},{}",
            module(&set.kernel, &dom0_args)?,
            module(&set.initramfs, "")?
        );
        let virtfs = format!(
            "local,path={},mount_tag=rig,security_model=none,id=rig",
            share.to_string_lossy().replace(',', ",,")
        );
        let log_path = serial.with_extension("qemu.log");
        let log = File::create(&log_path).map_err(|e| RigError::io(log_path.display(), e))?;
        let log2 = log.try_clone().map_err(|e| RigError::io("qemu log", e))?;
        // -avx,-avx2: with them, dom0 programs crashed in glibc (malloc aborts, segfaults in
        // libc) and 32-byte pieces of the console stream arrived corrupted (the width of an
        // AVX2 register); see shared/notes/rig.md.
        // setpriv: QEMU is killed if this process dies, so no QEMU outlives its user.
        let mut cmd = Command::new("setpriv");
        cmd.args(["--pdeathsig", "KILL", "--", "qemu-system-x86_64"])
            .args([
                "-accel",
                "tcg,thread=multi",
                "-cpu",
                "max,-smap,-smep,-avx,-avx2",
            ])
            // 4 GiB: dom0 has 1 GiB, which leaves room for a 2 GiB guest (pv-grub's tests).
            .args(["-m", "4096", "-smp", "2", "-display", "none", "-no-reboot"])
            .args(["-monitor", "none", "-nodefaults"])
            .arg("-serial")
            .arg(format!("file:{}", serial.display()))
            .args(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"])
            .args(["-virtfs", &virtfs])
            .arg("-kernel")
            .arg(&set.xen)
            .args(["-append", XEN_CMDLINE, "-initrd", &initrd])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2);
        let child = cmd
            .spawn()
            .map_err(|e| RigError::io("setpriv qemu-system-x86_64", e))?;
        Ok(Qemu {
            child,
            serial: serial.to_path_buf(),
        })
    }

    /// Waits for dom0's ready marker on the share, watching for a hang or an early exit.
    pub fn wait_ready(&mut self, share: &Path, opts: &RigOptions) -> Result<Duration, BootFailure> {
        let start = Instant::now();
        let mut last_size = 0;
        let mut last_growth = Instant::now();
        loop {
            if share.join("ready").exists() {
                return Ok(start.elapsed());
            }
            if let Ok(msg) = std::fs::read_to_string(share.join("dom0-failed")) {
                return Err(BootFailure::Dom0Failed(msg.trim().to_string()));
            }
            if let Some(status) = self.exited() {
                return Err(BootFailure::QemuExited(status.to_string()));
            }
            let size = std::fs::metadata(&self.serial)
                .map(|m| m.len())
                .unwrap_or(0);
            if size != last_size {
                last_size = size;
                last_growth = Instant::now();
            }
            if last_growth.elapsed() > opts.stall_timeout {
                return Err(BootFailure::Stalled(opts.stall_timeout));
            }
            if start.elapsed() > opts.ready_timeout {
                return Err(BootFailure::NotReady(opts.ready_timeout));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// QEMU's exit status, if it has ended.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits up to `limit` for QEMU to end by itself; kills it after that.
    pub fn wait_or_kill(&mut self, limit: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        self.kill();
        None
    }

    /// Kills QEMU and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The last `lines` lines of the serial log.
    pub fn serial_tail(&self, lines: usize) -> String {
        let text = std::fs::read(&self.serial).unwrap_or_default();
        let text = String::from_utf8_lossy(&text);
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}
