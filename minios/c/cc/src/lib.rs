//! Build-script helper for C in a minios guest: compiles C sources with the host's gcc
//! (Debian's, freestanding) into a static library and tells cargo to link it.
//!
//! ```no_run
//! // build.rs of a C stubdom
//! minios_cc::build("stubdom", &["src/main.c"]).unwrap();
//! ```
//!
//! The flags are the guest's ABI: x86_64 code for a static image linked at its final address
//! (no PIC), no red zone (Xen's event upcall frames land below the stack pointer), no SSE
//! (the Rust target is soft-float and minios saves no FPU state), no stack protector, and no
//! hosted headers: `minios.h` and the small libc's headers come from `minios/c/include`,
//! the freestanding ones (stdint.h, stdarg.h, ...) from gcc. On the host (a `cargo test` or
//! a host clippy run) nothing is compiled.
#![forbid(unsafe_code)]

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The flags every guest C file is compiled with (the include paths are added after them).
pub const CFLAGS: &[&str] = &[
    "-std=gnu11",
    "-O2",
    "-ffreestanding",
    "-nostdinc",
    "-fno-pic",
    "-fno-pie",
    "-mno-red-zone",
    "-mgeneral-regs-only",
    "-fno-stack-protector",
    "-fno-stack-clash-protection",
    "-fcf-protection=none",
    "-fno-asynchronous-unwind-tables",
    "-ffunction-sections",
    "-fdata-sections",
    "-Wall",
    "-Wextra",
    "-Werror=implicit-function-declaration",
];

/// What cc-rs gets (as `CFLAGS_x86_64_unknown_none`, with `CC_x86_64_unknown_none=gcc`) for C
/// that crates build themselves, such as tinyrlibc's vsnprintf: the ABI flags of [`CFLAGS`]
/// (cc-rs adds its own optimisation and section flags). The workspace's `.cargo/config.toml`
/// sets it, and `cargo xtask build` for a stubdom crate outside the workspace (a test checks
/// the two agree).
pub const CC_RS_CFLAGS: &str = "-ffreestanding -fno-pic -fno-pie -mno-red-zone \
    -mgeneral-regs-only -fno-stack-protector -fno-stack-clash-protection -fcf-protection=none \
    -fno-asynchronous-unwind-tables";

/// What went wrong compiling a guest's C.
#[derive(Debug)]
pub enum CcError {
    /// A tool (gcc, ar) could not be started.
    Spawn(&'static str, std::io::Error),
    /// A tool ran and failed; its command line.
    Failed(String),
    /// A cargo variable a build script always has is missing.
    Env(&'static str),
}

impl fmt::Display for CcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CcError::Spawn(tool, e) => {
                write!(f, "cannot run {tool} (apt-get install gcc binutils): {e}")
            }
            CcError::Failed(cmd) => write!(f, "failed: {cmd}"),
            CcError::Env(var) => write!(f, "{var} is not set: call this from a build script"),
        }
    }
}

impl std::error::Error for CcError {}

/// `minios/c/include`: minios.h and the libc headers.
pub fn include_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../include")
}

fn run(tool: &'static str, cmd: &mut Command) -> Result<String, CcError> {
    let out = cmd.output().map_err(|e| CcError::Spawn(tool, e))?;
    if !out.status.success() {
        return Err(CcError::Failed(format!(
            "{cmd:?}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// gcc's own headers (stdint.h, stdarg.h...), asked of gcc once.
fn gcc_include() -> Result<&'static str, CcError> {
    static DIR: OnceLock<String> = OnceLock::new();
    if let Some(d) = DIR.get() {
        return Ok(d);
    }
    let d = run("gcc", Command::new("gcc").arg("-print-file-name=include"))?;
    Ok(DIR.get_or_init(|| d))
}

/// The full gcc command line for one guest source (for tests and for `build`).
pub fn command(source: &Path, object: &Path) -> Result<Command, CcError> {
    let mut cmd = Command::new("gcc");
    cmd.args(CFLAGS)
        .arg("-isystem")
        .arg(gcc_include()?)
        .arg("-I")
        .arg(include_dir())
        .arg("-c")
        .arg(source)
        .arg("-o")
        .arg(object);
    Ok(cmd)
}

/// From a build script: compiles `sources` (relative to the crate) into `lib<lib>.a` in
/// OUT_DIR and links it, when the target is the guest's (`target_os = "none"`).
pub fn build(lib: &str, sources: &[&str]) -> Result<(), CcError> {
    let var = |k: &'static str| std::env::var(k).map_err(|_| CcError::Env(k));
    let manifest = PathBuf::from(var("CARGO_MANIFEST_DIR")?);
    for s in sources {
        println!("cargo:rerun-if-changed={s}");
    }
    println!("cargo:rerun-if-changed={}", include_dir().display());
    if var("CARGO_CFG_TARGET_OS")? != "none" {
        return Ok(());
    }
    let out = PathBuf::from(var("OUT_DIR")?);
    let mut objects = Vec::new();
    for s in sources {
        let src = manifest.join(s);
        let name = src.file_stem().unwrap_or_default().to_string_lossy();
        let obj = out.join(format!("{lib}-{name}.o"));
        run("gcc", &mut command(&src, &obj)?)?;
        objects.push(obj);
    }
    let archive = out.join(format!("lib{lib}.a"));
    let _ = std::fs::remove_file(&archive);
    run(
        "ar",
        Command::new("ar").arg("crs").arg(&archive).args(&objects),
    )?;
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static={lib}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_gives_cc_rs_the_abi_flags() {
        let config = std::fs::read_to_string(include_dir().join("../../../.cargo/config.toml"))
            .expect("the workspace's .cargo/config.toml");
        let line = format!("CFLAGS_x86_64_unknown_none = \"{CC_RS_CFLAGS}\"");
        assert!(config.contains(&line), "{line}");
        assert!(config.contains("CC_x86_64_unknown_none = \"gcc\""));
        for f in CC_RS_CFLAGS.split(' ') {
            assert!(CFLAGS.contains(&f), "{f} is not one of CFLAGS");
        }
    }
}
