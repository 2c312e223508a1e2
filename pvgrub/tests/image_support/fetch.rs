//! Debian's kernel for the tests, fetched by scripts/fetch-kernel.sh into target/kernel/
//! (with Xen's readnotes). Shared by pvgrub's tests and pvgrub-probe's.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Runs scripts/fetch-kernel.sh of the workspace at `root` (once per test binary) and
/// returns its target/kernel/. Says which kernel that is (target/kernel/VERSION) straight
/// on stderr: the test harness captures `eprintln!` of passing tests, not this, so a CI log
/// shows the kernel the tests ran on.
pub fn kernel_dir(root: &Path) -> PathBuf {
    static FETCHED: OnceLock<PathBuf> = OnceLock::new();
    FETCHED
        .get_or_init(|| {
            let status = Command::new("sh")
                .arg(root.join("scripts/fetch-kernel.sh"))
                .status()
                .expect("run scripts/fetch-kernel.sh");
            assert!(status.success(), "scripts/fetch-kernel.sh failed");
            let dir = root.join("target/kernel");
            let version =
                std::fs::read_to_string(dir.join("VERSION")).expect("target/kernel/VERSION");
            let _ = writeln!(
                std::io::stderr(),
                "kernel under test: {} (target/kernel/VERSION)",
                version.trim()
            );
            dir
        })
        .clone()
}
