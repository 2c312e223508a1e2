//! The boot set (Xen, dom0 kernel, dom0 initramfs) built by `scripts/rig/build-bootset.sh`,
//! and host access to the Xen tools it unpacked.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::RigError;
use crate::build::root;

/// Paths of a built boot set.
#[derive(Debug, Clone)]
pub struct BootSet {
    /// Xen 4.17, gunzipped, for QEMU's multiboot loader.
    pub xen: PathBuf,
    /// Debian's kernel, run as dom0 (the ELF from its vmlinuz, decompressed on the host).
    pub kernel: PathBuf,
    /// dom0's initramfs (an uncompressed cpio archive).
    pub initramfs: PathBuf,
    /// Every package of the boot set, unpacked (merged /usr).
    pub extract: PathBuf,
}

/// `target/rig`: the rig's build and run directory.
pub fn rig_dir() -> PathBuf {
    root().join("target/rig")
}

/// `scripts/rig`.
pub fn scripts_dir() -> PathBuf {
    root().join("scripts/rig")
}

impl BootSet {
    /// Builds the boot set if an input changed (the script decides; it is quick when not).
    pub fn ensure() -> Result<BootSet, RigError> {
        let script = scripts_dir().join("build-bootset.sh");
        run_tool(Command::new("bash").arg(&script))?;
        let dir = rig_dir();
        let set = BootSet {
            xen: dir.join("bootset/xen.elf"),
            kernel: dir.join("bootset/vmlinux"),
            initramfs: dir.join("bootset/dom0.cpio"),
            extract: dir.join("extract"),
        };
        for p in [&set.xen, &set.kernel, &set.initramfs] {
            if !p.is_file() {
                return Err(RigError::Missing(p.clone()));
            }
        }
        Ok(set)
    }

    /// A command running one of the unpacked Xen tools (`/usr/lib/xen-4.17/bin/NAME`, such as
    /// `readnotes`) on the host, with the unpacked packages' own loader and libraries.
    pub fn xen_tool(&self, name: &str) -> Result<Command, RigError> {
        let tool = self.extract.join("usr/lib/xen-4.17/bin").join(name);
        let libs = self.extract.join("usr/lib/x86_64-linux-gnu");
        let loader = libs.join("ld-linux-x86-64.so.2");
        for p in [&tool, &loader] {
            if !p.exists() {
                return Err(RigError::Missing(p.clone()));
            }
        }
        let mut cmd = Command::new(loader);
        cmd.arg("--library-path").arg(&libs).arg(tool);
        Ok(cmd)
    }
}

/// Runs a command to completion; a non-zero exit is an error.
pub(crate) fn run_tool(cmd: &mut Command) -> Result<(), RigError> {
    let shown = format!("{cmd:?}");
    let status = cmd.status().map_err(|e| RigError::io(&shown, e))?;
    if status.success() {
        Ok(())
    } else {
        Err(RigError::Tool {
            command: shown,
            status: status.to_string(),
        })
    }
}

/// Copies `src` to `dst` (creating `dst`'s directory).
pub(crate) fn copy_into(src: &Path, dst: &Path) -> Result<(), RigError> {
    if let Some(parent) = dst.parent() {
        std::fs::create_dir_all(parent).map_err(|e| RigError::io(parent.display(), e))?;
    }
    std::fs::copy(src, dst).map_err(|e| RigError::io(src.display(), e))?;
    Ok(())
}
