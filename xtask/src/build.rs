//! `cargo xtask build`: guest images as Xen ships its stubdoms (stripped ELF, gzipped).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The target guest images are built for.
pub const GUEST_TARGET: &str = "x86_64-unknown-none";

/// A guest image the workspace can build: its cargo package and its source directory.
pub struct Guest {
    /// Image and package name (`hello` builds `target/images/hello.gz`).
    pub name: String,
}

/// The workspace root (the parent of this crate's directory).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

/// A `cargo` command (the one running xtask, else `cargo` on the PATH) in the workspace root.
pub fn cargo() -> Command {
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo.current_dir(root());
    cargo
}

/// Every guest package: pv-grub (`pvgrub/guest`), and each directory under `examples/` and
/// `tests/images/` with a Cargo.toml.
pub fn guests() -> Vec<Guest> {
    let mut out = Vec::new();
    if root().join("pvgrub/guest/Cargo.toml").is_file() {
        out.push(Guest {
            name: "pv-grub".into(),
        });
    }
    for dir in ["examples", "tests/images"] {
        let Ok(entries) = std::fs::read_dir(root().join(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            if e.path().join("Cargo.toml").is_file() {
                out.push(Guest {
                    name: e.file_name().to_string_lossy().into_owned(),
                });
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// A guest crate outside the workspace (made by `cargo xtask new NAME --path DIR`): a
/// directory with a Cargo.toml, named by a path with a `/`.
fn external(name: &str) -> Option<PathBuf> {
    let dir = Path::new(name);
    (name.contains('/') && dir.join("Cargo.toml").is_file()).then(|| dir.to_path_buf())
}

/// Builds the named guests (release, x86_64-unknown-none) and writes their images. A name
/// may also be the directory of a guest crate of its own (`cargo xtask new --path`); its
/// image is named after the directory.
pub fn build(names: &[String]) -> Result<Vec<PathBuf>, String> {
    let known = guests();
    for n in names {
        if external(n).is_none() && !known.iter().any(|g| &g.name == n) {
            let list: Vec<_> = known.iter().map(|g| g.name.as_str()).collect();
            return Err(format!("no guest named {n:?} (known: {})", list.join(", ")));
        }
    }
    let ours: Vec<&String> = names.iter().filter(|n| external(n).is_none()).collect();
    if !ours.is_empty() {
        let mut cargo = cargo();
        cargo.args(["build", "--release", "--target", GUEST_TARGET]);
        for n in &ours {
            cargo.args(["-p", n]);
        }
        let status = cargo.status().map_err(|e| format!("cargo: {e}"))?;
        if !status.success() {
            return Err("guest build failed".into());
        }
    }
    let mut images = Vec::new();
    for n in names {
        let (elf, image_name) = match external(n) {
            None => {
                let elf = root()
                    .join("target")
                    .join(GUEST_TARGET)
                    .join("release")
                    .join(n);
                (elf, n.clone())
            }
            Some(dir) => build_external(&dir)?,
        };
        images.push(image(&elf, &image_name)?);
    }
    Ok(images)
}

/// Builds a guest crate of its own (its `.cargo/config.toml` names the target and the linker
/// script); returns its ELF and name.
fn build_external(dir: &Path) -> Result<(PathBuf, String), String> {
    let name = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .ok_or_else(|| format!("{}: not a directory", dir.display()))?;
    // RUSTFLAGS replaces the config files' flags: a crate made below this checkout would
    // otherwise also get the workspace's relative `-T` (cargo joins the configs it finds).
    let linker = root().join("targets/x86_64-xen-pv.ld");
    let flags = format!(
        "-C relocation-model=static -C link-arg=-T{} -C link-arg=--no-pie",
        linker.display()
    );
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(dir)
        .env("RUSTFLAGS", flags)
        // C that crates build through cc-rs (a C stubdom's libc) gets the guest's ABI, as the
        // workspace's .cargo/config.toml gives it.
        .env("CC_x86_64_unknown_none", "gcc")
        .env("CFLAGS_x86_64_unknown_none", minios_cc::CC_RS_CFLAGS)
        .args(["build", "--release", "--target", GUEST_TARGET])
        .status()
        .map_err(|e| format!("cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building {} failed", dir.display()));
    }
    let elf = dir
        .join("target")
        .join(GUEST_TARGET)
        .join("release")
        .join(&name);
    Ok((elf, name))
}

/// Strips `elf` and gzips it into `target/images/NAME.gz`, as Xen ships its stubdoms.
fn image(elf: &Path, name: &str) -> Result<PathBuf, String> {
    let out_dir = root().join("target/images");
    std::fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    let stripped = out_dir.join(name);
    let status = Command::new("strip")
        .arg("-o")
        .arg(&stripped)
        .arg(elf)
        .status()
        .map_err(|e| format!("strip: {e}"))?;
    if !status.success() {
        return Err(format!("strip {} failed", elf.display()));
    }
    let image = out_dir.join(format!("{name}.gz"));
    gzip(&stripped, &image)?;
    Ok(image)
}

fn gzip(src: &Path, dst: &Path) -> Result<(), String> {
    use std::io::Write;
    let data = std::fs::read(src).map_err(|e| format!("{}: {e}", src.display()))?;
    let file = std::fs::File::create(dst).map_err(|e| format!("{}: {e}", dst.display()))?;
    let mut enc = flate2::write::GzEncoder::new(file, flate2::Compression::best());
    enc.write_all(&data).map_err(|e| e.to_string())?;
    enc.finish().map_err(|e| e.to_string())?;
    Ok(())
}

/// `cargo xtask build NAME... | --all`.
pub fn cmd(args: &[String]) -> Result<(), String> {
    let names: Vec<String> = if args.iter().any(|a| a == "--all") {
        guests().into_iter().map(|g| g.name).collect()
    } else if args.is_empty() {
        return Err("build: name a guest or pass --all".into());
    } else {
        args.to_vec()
    };
    for image in build(&names)? {
        println!("{}", image.display());
    }
    Ok(())
}
