//! `cargo xtask new NAME [--path DIR] [--lang rust]`: a new stubdom crate that builds and
//! boots with no edits.
//!
//! Without `--path` it goes to `examples/NAME` as a workspace member (`cargo xtask build NAME`,
//! `cargo xtask run NAME`). With `--path DIR` it is a crate of its own at `DIR/NAME`, with the
//! guest target, the linker script and minios by absolute path to this checkout
//! (`cargo xtask build DIR/NAME`, `cargo xtask run DIR/NAME`). C and wasm stubdoms need the C
//! API and the wasm runtime, which do not exist yet.

use std::path::{Path, PathBuf};

use crate::build::root;

/// The program of a new stubdom: greets, reads its name from xenstore, serves the toolstack.
const MAIN: &str = r#"//! NAME: a minios stub domain. It greets, reads its name from xenstore and waits for
//! `xl shutdown` (or `xl reboot`), which it obeys.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use minios::println;

minios::main!(async main);

async fn main() {
    println!("NAME: hello from a new minios stubdom");
    match minios::xenstore::client().read("name").await {
        Ok(name) => println!("NAME: my domain is {name}"),
        Err(e) => println!("NAME: no name in xenstore ({e})"),
    }
    minios::control::serve().await
}
"#;

const MEMBER_TOML: &str = r#"[package]
name = "NAME"
version = "0.1.0"
edition.workspace = true
license.workspace = true
rust-version.workspace = true
publish = false

[dependencies]
minios.workspace = true

[lints]
workspace = true
"#;

const OWN_TOML: &str = r#"[package]
name = "NAME"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
minios = { path = "MINIOS" }

# A crate of its own, not a member of an enclosing workspace.
[workspace]

[profile.release]
opt-level = "s"
debug = false
panic = "abort"
lto = true
codegen-units = 1

[profile.dev]
panic = "abort"
"#;

const OWN_CONFIG: &str = r#"# Guest images: static, non-PIE, laid out by minios's linker script.
[build]
target = "x86_64-unknown-none"

[target.x86_64-unknown-none]
rustflags = [
    "-C", "relocation-model=static",
    "-C", "link-arg=-TLINKER",
    "-C", "link-arg=--no-pie",
]
"#;

const USAGE: &str = "usage: cargo xtask new NAME [--path DIR] [--lang rust]";

fn valid(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Adds `examples/NAME` to the workspace's members.
fn add_member(name: &str) -> Result<(), String> {
    let manifest = root().join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).map_err(|e| format!("Cargo.toml: {e}"))?;
    std::fs::write(&manifest, with_member(&text, name)?).map_err(|e| format!("Cargo.toml: {e}"))
}

/// `text` (the workspace's Cargo.toml) with `examples/NAME` in its members, after the last
/// `examples/` member (or at the end of the list).
fn with_member(text: &str, name: &str) -> Result<String, String> {
    let members = text
        .find("members = [")
        .ok_or("Cargo.toml has no members list")?;
    let end = members
        + text[members..]
            .find(']')
            .ok_or("Cargo.toml: members not closed")?;
    let list = &text[members..end];
    let at = match list.rfind("\"examples/") {
        Some(i) => members + i + list[i..].find('\n').ok_or("Cargo.toml: odd members")? + 1,
        None => members + list.rfind('\n').map_or(list.len(), |i| i + 1),
    };
    let mut out = String::from(text);
    out.insert_str(at, &format!("    \"examples/{name}\",\n"));
    Ok(out)
}

/// Creates stubdom `name`, in `examples/` or under `dir`; returns its directory.
pub fn create(name: &str, dir: Option<&Path>) -> Result<PathBuf, String> {
    if !valid(name) {
        return Err(format!(
            "{name:?} is not a crate name for a stubdom (lower-case letters, digits, - and _, \
             starting with a letter)"
        ));
    }
    let main = MAIN.replace("NAME", name);
    let crate_dir = match dir {
        None => {
            let d = root().join("examples").join(name);
            if d.exists() || crate::build::guests().iter().any(|g| g.name == name) {
                return Err(format!("a guest named {name} exists already"));
            }
            write(&d.join("Cargo.toml"), &MEMBER_TOML.replace("NAME", name))?;
            write(&d.join("src/main.rs"), &main)?;
            add_member(name)?;
            d
        }
        Some(dir) => {
            let d = dir.join(name);
            if d.exists() {
                return Err(format!("{} exists already", d.display()));
            }
            let minios = root().join("minios");
            let linker = root().join("targets/x86_64-xen-pv.ld");
            let toml = OWN_TOML
                .replace("NAME", name)
                .replace("MINIOS", &minios.display().to_string());
            write(&d.join("Cargo.toml"), &toml)?;
            let config = OWN_CONFIG.replace("LINKER", &linker.display().to_string());
            write(&d.join(".cargo/config.toml"), &config)?;
            write(&d.join("src/main.rs"), &main)?;
            // Our lock file pins the dependencies to the versions this checkout is tested
            // with (cargo drops the entries the new crate does not use).
            let lock = root().join("Cargo.lock");
            std::fs::copy(&lock, d.join("Cargo.lock"))
                .map_err(|e| format!("{}: {e}", lock.display()))?;
            d
        }
    };
    Ok(crate_dir)
}

/// `cargo xtask new ...`.
pub fn cmd(args: &[String]) -> Result<(), String> {
    let (mut name, mut dir, mut lang) = (None, None, String::from("rust"));
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--path" => dir = Some(PathBuf::from(it.next().ok_or(USAGE)?)),
            "--lang" => lang = it.next().ok_or(USAGE)?.clone(),
            s if s.starts_with('-') || name.is_some() => return Err(USAGE.into()),
            s => name = Some(s.to_string()),
        }
    }
    let name = name.ok_or(USAGE)?;
    if lang != "rust" {
        return Err(format!(
            "--lang {lang}: only rust stubdoms can be made yet (the C API and the wasm \
             stubdom are not built)"
        ));
    }
    let d = create(&name, dir.as_deref())?;
    let target = match dir {
        None => name.clone(),
        Some(_) => d.display().to_string(),
    };
    println!("created {}", d.display());
    println!("build it: cargo xtask build {target}");
    println!("boot it:  cargo xtask run {target}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_crate_names() {
        assert!(valid("my-stub_2"));
        for bad in ["", "2x", "My", "a b", "../x", "a/b"] {
            assert!(!valid(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_member_goes_after_the_last_example() {
        let toml = "[workspace]\nmembers = [\n    \"minios\",\n    \"examples/hello\",\n    \"tests/rig\",\n]\ndefault-members = [\"minios\"]\n";
        let out = with_member(toml, "mystub").unwrap();
        assert!(
            out.contains("    \"examples/hello\",\n    \"examples/mystub\",\n    \"tests/rig\",\n")
        );
        let none = "members = [\n    \"minios\",\n]\n";
        assert_eq!(
            with_member(none, "x").unwrap(),
            "members = [\n    \"minios\",\n    \"examples/x\",\n]\n"
        );
        // The real manifest takes one too.
        let real = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
        let out = with_member(&real, "zz").unwrap();
        let members = &out[out.find("members = [").unwrap()..];
        let list = &members[..members.find(']').unwrap()];
        assert!(list.contains("\n    \"examples/zz\",\n"), "{out}");
    }

    #[test]
    fn a_crate_of_its_own_names_this_checkout() {
        let dir = std::env::temp_dir().join(format!("xtask-new-{}", std::process::id()));
        let d = create("mystub", Some(&dir)).unwrap();
        let toml = std::fs::read_to_string(d.join("Cargo.toml")).unwrap();
        assert!(toml.contains(&format!("path = \"{}\"", root().join("minios").display())));
        let config = std::fs::read_to_string(d.join(".cargo/config.toml")).unwrap();
        assert!(config.contains("x86_64-xen-pv.ld"));
        let main = std::fs::read_to_string(d.join("src/main.rs")).unwrap();
        assert!(main.contains("mystub: hello from a new minios stubdom"));
        assert!(create("mystub", Some(&dir)).is_err(), "it exists already");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
