//! The rig test harness: tests that boot our images on real Xen 4.17 (in QEMU, see
//! `xtask::rig`), all against one Xen boot per xenstored flavour.
//!
//! A test is a function `fn(&mut Ctx) -> Result<(), TestError>` listed in the registry (the
//! `ALL` array of `tests/rig/tests/rig/main.rs`) as a [`Test`], which names the guest images it
//! needs (built once, up front, by `xtask::build`) and what it runs on ([`Needs`]). The runner
//! prints one line per test and closes with `N passed, N failed`.
#![forbid(unsafe_code)]

mod debian;
mod runner;

use std::path::PathBuf;

pub use debian::unpack_deb;
pub use runner::run_all;
pub use xtask::rig::{self, Xenstored};

use xtask::rig::{BootSet, Rig, RigError};

/// What a test runs on.
#[derive(Debug, Clone, Copy)]
pub enum Needs {
    /// The host only (tools from the boot set, files): no Xen boot.
    Host,
    /// A booted rig, once per listed xenstored flavour.
    Rig(&'static [Xenstored]),
}

/// One registered test.
#[derive(Debug, Clone, Copy)]
pub struct Test {
    /// Its name (filters on the command line match substrings of it).
    pub name: &'static str,
    /// What it runs on.
    pub needs: Needs,
    /// Guest images (`cargo xtask build` names) it uses through [`image`].
    pub images: &'static [&'static str],
    /// The test itself.
    pub run: fn(&mut Ctx) -> Result<(), TestError>,
}

/// Why a test failed.
#[derive(Debug)]
pub enum TestError {
    /// The rig or a tool failed.
    Rig(RigError),
    /// A check did not hold.
    Check(String),
}

impl From<RigError> for TestError {
    fn from(e: RigError) -> Self {
        TestError::Rig(e)
    }
}

impl std::fmt::Display for TestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TestError::Rig(e) => write!(f, "rig error: {e}"),
            TestError::Check(msg) => write!(f, "{msg}"),
        }
    }
}

/// Fails the test with a formatted message unless the condition holds.
#[macro_export]
macro_rules! check {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err($crate::TestError::Check(format!($($fmt)+)));
        }
    };
}

/// What a running test can use.
pub struct Ctx<'a> {
    rig: Option<&'a mut Rig>,
    bootset: &'a BootSet,
    name: &'static str,
    xenstored: Option<Xenstored>,
}

impl Ctx<'_> {
    /// The booted rig (only for tests that declared [`Needs::Rig`]).
    pub fn rig(&mut self) -> Result<&mut Rig, TestError> {
        self.rig
            .as_deref_mut()
            .ok_or_else(|| TestError::Check("this test did not declare Needs::Rig".into()))
    }

    /// The xenstored flavour of this run (`None` for host tests).
    pub fn xenstored(&self) -> Option<Xenstored> {
        self.xenstored
    }

    /// The boot set (Xen tools unpacked for the host: [`BootSet::xen_tool`]).
    pub fn bootset(&self) -> &BootSet {
        self.bootset
    }

    /// A fresh scratch directory for this test: `target/rig/tests/NAME`.
    pub fn scratch(&self) -> Result<PathBuf, TestError> {
        let dir = rig::rig_dir().join("tests").join(self.name);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| RigError::io(dir.display(), e))?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| RigError::io(dir.display(), e))?;
        Ok(dir)
    }
}

/// `target/images/NAME.gz`, built before the tests ran (list NAME in [`Test::images`]).
pub fn image(name: &str) -> PathBuf {
    xtask::build::root()
        .join("target/images")
        .join(format!("{name}.gz"))
}

/// The stripped ELF behind [`image`]: `target/images/NAME`.
pub fn elf(name: &str) -> PathBuf {
    xtask::build::root().join("target/images").join(name)
}

/// Builds the dom0 peer `tests/rig/peers/SOURCE` as a static program `dir/NAME` (warnings
/// are errors), linked with `libs` (e.g. `-lxenstore`), and returns its path.
pub fn build_peer(
    dir: &std::path::Path,
    source: &str,
    name: &str,
    libs: &[&str],
) -> Result<PathBuf, TestError> {
    let peer = dir.join(name);
    output_of(
        std::process::Command::new("gcc")
            .args(["-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o"])
            .arg(&peer)
            .arg(xtask::build::root().join("tests/rig/peers").join(source))
            .args(libs),
    )?;
    Ok(peer)
}

/// Runs a host command to completion and returns its stdout; a failure is a test error.
pub fn output_of(cmd: &mut std::process::Command) -> Result<String, TestError> {
    let shown = format!("{cmd:?}");
    let out = cmd.output().map_err(|e| RigError::io(&shown, e))?;
    if !out.status.success() {
        return Err(TestError::Rig(RigError::Tool {
            command: shown,
            status: format!(
                "{}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        }));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
