//! Debian packages for tests: fetched with `apt-get download` into `target/rig/debs` (shared
//! with the boot set's cache) and unpacked with `dpkg -x`.

use std::path::PathBuf;
use std::process::Command;

use xtask::rig::{rig_dir, RigError};

use crate::{output_of, TestError};

/// Unpacks Debian package `pkg` into `target/rig/tests/debs/PKG` (downloading it once) and
/// returns that directory.
pub fn unpack_deb(pkg: &str) -> Result<PathBuf, TestError> {
    let debs = rig_dir().join("debs");
    std::fs::create_dir_all(&debs).map_err(|e| RigError::io(debs.display(), e))?;
    let find = || -> Option<PathBuf> {
        let prefix = format!("{pkg}_");
        std::fs::read_dir(&debs).ok()?.flatten().find_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            (n.starts_with(&prefix) && n.ends_with(".deb")).then(|| e.path())
        })
    };
    let deb = match find() {
        Some(d) => d,
        None => {
            let mut cmd = Command::new("apt-get");
            if is_root() {
                cmd.args(["-o", "APT::Sandbox::User=root"]);
            }
            output_of(cmd.current_dir(&debs).args(["download", "-q", pkg]))?;
            find().ok_or_else(|| RigError::Missing(debs.join(format!("{pkg}_*.deb"))))?
        }
    };
    let dir = rig_dir().join("tests/debs").join(pkg);
    let stamp = dir.join(".unpacked-from");
    let deb_name = deb.to_string_lossy().into_owned();
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(deb_name.as_str()) {
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| RigError::io(dir.display(), e))?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| RigError::io(dir.display(), e))?;
        output_of(Command::new("dpkg").arg("-x").arg(&deb).arg(&dir))?;
        std::fs::write(&stamp, &deb_name).map_err(|e| RigError::io(stamp.display(), e))?;
    }
    Ok(dir)
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}
