//! The 9p share's layout on the host side: a fresh share per boot, guest files staged under
//! `files/NAME/` (dom0 sees them under `/share/files/NAME/`), stale run directories removed.

use std::path::{Path, PathBuf};

use super::bootset::copy_into;
use super::guest::Staged;
use super::{rig_dir, scripts_dir, GuestSpec, RigError};

/// Copies a guest's image, disks and ramdisk to `dir` and writes its xl config and during
/// script there. Returns the paths as dom0 sees them, and the host paths of the disk copies.
pub(crate) fn stage_guest(
    dir: &Path,
    name: &str,
    spec: &GuestSpec,
) -> Result<(Staged, Vec<PathBuf>), RigError> {
    let in_dom0 = |file: &str| format!("/share/files/{name}/{file}");
    let file_name = |p: &Path| -> String {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into())
    };
    let image = format!("image-{}", file_name(&spec.image));
    copy_into(&spec.image, &dir.join(&image))?;
    let mut disks = Vec::new();
    let mut disks_after = Vec::new();
    for (i, d) in spec.disks.iter().enumerate() {
        let f = format!("disk{i}-{}", file_name(d));
        copy_into(d, &dir.join(&f))?;
        disks_after.push(dir.join(&f));
        disks.push(in_dom0(&f));
    }
    let ramdisk = match &spec.ramdisk {
        Some(r) => {
            let f = format!("ramdisk-{}", file_name(r));
            copy_into(r, &dir.join(&f))?;
            Some(in_dom0(&f))
        }
        None => None,
    };
    let write = |file: &str, text: &str| -> Result<String, RigError> {
        let p = dir.join(file);
        std::fs::write(&p, text).map_err(|e| RigError::io(p.display(), e))?;
        Ok(in_dom0(file))
    };
    let xl_config = spec
        .xl_config
        .as_deref()
        .map(|t| write("xl.cfg", t))
        .transpose()?;
    let during = spec
        .during
        .as_deref()
        .map(|t| write("during.sh", t))
        .transpose()?;
    let staged = Staged {
        image: in_dom0(&image),
        disks,
        ramdisk,
        xl_config,
        during,
        during_out: in_dom0("during.out"),
        console: ("--console-dir", "/share/consoles".into()),
    };
    Ok((staged, disks_after))
}

/// A domain name from the job id and the image's file name: `g7-hello`.
pub(crate) fn guest_name(id: u32, image: &Path) -> String {
    let stem = image
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = stem.split('.').next().unwrap_or("");
    let clean: String = stem
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(40)
        .collect();
    format!("g{id}-{clean}")
}

/// Quotes words for bash.
pub(crate) fn shell_words(words: &[String]) -> String {
    let quoted: Vec<String> = words
        .iter()
        .map(|w| format!("'{}'", w.replace('\'', r"'\''")))
        .collect();
    quoted.join(" ")
}

/// Recreates the share with run-guest.sh and the hotplug scripts in `bin/`.
pub(crate) fn fresh_share(share: &Path) -> Result<(), RigError> {
    if share.exists() {
        std::fs::remove_dir_all(share).map_err(|e| RigError::io(share.display(), e))?;
    }
    for d in ["jobs", "results", "consoles", "files", "bin", "log"] {
        let p = share.join(d);
        std::fs::create_dir_all(&p).map_err(|e| RigError::io(p.display(), e))?;
    }
    for script in ["run-guest.sh", "hotplug/block", "hotplug/vif"] {
        copy_into(&scripts_dir().join(script), &share.join("bin").join(script))?;
    }
    Ok(())
}

/// Removes `target/rig/run-<pid>-<n>` directories of processes that are gone.
pub(crate) fn remove_stale_runs() {
    let Ok(entries) = std::fs::read_dir(rig_dir()) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("run-")
            .map(|rest| rest.split('-').next().unwrap_or(rest))
        else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}
