//! `cargo xtask new NAME [--path DIR] [--lang rust|c|wasm]`: a new stubdom crate that builds
//! and boots with no edits.
//!
//! Without `--path` it goes to `examples/NAME` as a workspace member (`cargo xtask build NAME`,
//! `cargo xtask run NAME`). With `--path DIR` it is a crate of its own at `DIR/NAME`, with the
//! guest target, the linker script and minios by absolute path to this checkout
//! (`cargo xtask build DIR/NAME`, `cargo xtask run DIR/NAME`).
//!
//! Each program greets, reads its name from xenstore and obeys `xl shutdown`: in Rust
//! (`src/main.rs`), in C (`src/main.c` on minios.h, built by `build.rs` with Debian's gcc),
//! or as a WebAssembly module (`src/main.wat`, built in; a module in xl's `ramdisk=` replaces
//! it at boot).

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

/// The Rust entry of a C stubdom.
const C_MAIN_RS: &str = r#"//! NAME: a minios stub domain written in C (src/main.c); this runs its `main`.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

minios::main!(main);

fn main() {
    minios_c::run("NAME")
}
"#;

/// The program of a new C stubdom.
const C_MAIN: &str = r#"/* NAME: a minios stub domain in C. It greets, reads its name from xenstore and waits
 * for `xl shutdown` (or `xl reboot`), which it obeys. The API: minios.h. */
#include <minios.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("NAME: hello from a new minios stubdom in C\n");
	char name[128];
	long n = xs_read("name", name, sizeof name);
	if (n >= 0)
		printf("NAME: my domain is %s\n", name);
	else
		printf("NAME: no name in xenstore (error %ld)\n", -n);
	/* The toolstack writes its request to control/shutdown. */
	int w = xs_watch("control/shutdown");
	for (;;) {
		char req[32];
		if (xs_read("control/shutdown", req, sizeof req) > 0) {
			xs_write("control/shutdown", "");
			if (strcmp(req, "reboot") == 0)
				minios_shutdown(MINIOS_SHUTDOWN_REBOOT);
			if (strcmp(req, "poweroff") == 0 || strcmp(req, "halt") == 0)
				minios_shutdown(MINIOS_SHUTDOWN_POWEROFF);
		}
		if (w < 0 || xs_watch_wait(w, 60000, NULL, 0) < 0)
			minios_sleep_ms(1000);
	}
}
"#;

/// The build script of a C stubdom.
const C_BUILD: &str = r#"//! Compiles the stubdom's C (src/*.c) with Debian's gcc for the guest.
fn main() {
    if let Err(e) = minios_cc::build("NAME_c", &["src/main.c"]) {
        panic!("NAME: {e}");
    }
}
"#;

/// The Rust entry of a wasm stubdom.
const WASM_MAIN_RS: &str = r#"//! NAME: a minios stub domain whose program is a WebAssembly module (src/main.wat, or the
//! module in xl's `ramdisk=`), run by wasmi.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

minios::main!(main);

/// The built-in module (src/main.wat, compiled by build.rs).
const MODULE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/main.wasm"));

fn main() {
    wasm_stubdom_core::guest::main(MODULE)
}
"#;

/// The module of a new wasm stubdom (imports: `wasm_stubdom_core`'s table).
const WASM_MODULE: &str = r#";; NAME: greets, reads its domain's name from xenstore and waits for `xl shutdown`;
;; its exit code (0) ends the domain.
(module
  (import "minios" "print" (func $print (param i32 i32)))
  (import "minios" "xs_read" (func $xs_read (param i32 i32 i32 i32) (result i32)))
  (import "minios" "xs_watch" (func $xs_watch (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "NAME: hello from a new minios stubdom in WebAssembly\n")
  (data (i32.const 256) "NAME: my domain is ")
  (data (i32.const 512) "name")
  (data (i32.const 520) "control/shutdown")
  (data (i32.const 540) "\n")
  (func (export "main") (result i32)
    (local $n i32)
    (call $print (i32.const 0) (i32.const GREETING_LEN))
    (local.set $n (call $xs_read (i32.const 512) (i32.const 4) (i32.const 1024) (i32.const 256)))
    (if (i32.gt_s (local.get $n) (i32.const 0))
      (then
        (call $print (i32.const 256) (i32.const PREFIX_LEN))
        (call $print (i32.const 1024) (local.get $n))
        (call $print (i32.const 540) (i32.const 1))))
    (block $done
      (loop $wait
        (local.set $n (call $xs_read (i32.const 520) (i32.const 16) (i32.const 1024) (i32.const 32)))
        (br_if $done (i32.gt_s (local.get $n) (i32.const 0)))
        (drop (call $xs_watch (i32.const 520) (i32.const 16) (i32.const 60000)))
        (br $wait)))
    (i32.const 0)))
"#;

/// The build script of a wasm stubdom.
const WASM_BUILD: &str = r#"//! Compiles the built-in module (src/main.wat) to WebAssembly for the image.
fn main() {
    let src = "src/main.wat";
    println!("cargo::rerun-if-changed={src}");
    let wasm = wat::parse_file(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("main.wasm");
    std::fs::write(&out, wasm).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
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
DEPS
[lints]
workspace = true
"#;

const OWN_TOML: &str = r#"[package]
name = "NAME"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
minios = { path = "ROOT/minios" }
DEPS
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

const USAGE: &str = "usage: cargo xtask new NAME [--path DIR] [--lang rust|c|wasm]";

/// The language of a new stubdom's program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Rust on minios.
    Rust,
    /// C on minios.h and its small libc.
    C,
    /// A WebAssembly module run by wasmi.
    Wasm,
}

impl Lang {
    /// From `--lang`.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "rust" => Ok(Self::Rust),
            "c" => Ok(Self::C),
            "wasm" => Ok(Self::Wasm),
            other => Err(format!("--lang {other}: not rust, c or wasm")),
        }
    }

    /// The crate's dependencies beyond minios (paths under ROOT, this checkout).
    fn deps(self) -> &'static str {
        match self {
            Self::Rust => "",
            Self::C => {
                "minios-c = { path = \"ROOT/minios/c\" }\n\n[build-dependencies]\n\
                 minios-cc = { path = \"ROOT/minios/c/cc\" }\n"
            }
            Self::Wasm => {
                "wasm-stubdom-core = { path = \"ROOT/examples/wasm-stubdom/core\", features = \
                 [\"guest\"] }\n\n[build-dependencies]\nwat = \"1\"\n"
            }
        }
    }

    /// The program's files: (path in the crate, text with NAME in it).
    fn files(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Rust => &[("src/main.rs", MAIN)],
            Self::C => &[
                ("src/main.rs", C_MAIN_RS),
                ("src/main.c", C_MAIN),
                ("build.rs", C_BUILD),
            ],
            Self::Wasm => &[
                ("src/main.rs", WASM_MAIN_RS),
                ("src/main.wat", WASM_MODULE),
                ("build.rs", WASM_BUILD),
            ],
        }
    }
}

/// A crate name of at most 64 characters (the WAT template's strings have room for that).
fn valid(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
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

/// The text of a template for stubdom `name`: NAME filled in, and the lengths of the WAT
/// module's strings that hold it.
fn fill(template: &str, name: &str) -> String {
    let greeting = format!("{name}: hello from a new minios stubdom in WebAssembly\n");
    let prefix = format!("{name}: my domain is ");
    template
        .replace("NAME", name)
        .replace("GREETING_LEN", &greeting.len().to_string())
        .replace("PREFIX_LEN", &prefix.len().to_string())
}

/// Creates stubdom `name` in `lang`, in `examples/` or under `dir`; returns its directory.
pub fn create(name: &str, dir: Option<&Path>, lang: Lang) -> Result<PathBuf, String> {
    if !valid(name) {
        return Err(format!(
            "{name:?} is not a crate name for a stubdom (up to 64 lower-case letters, digits, - \
             and _, starting with a letter)"
        ));
    }
    let crate_dir = match dir {
        None => {
            let d = root().join("examples").join(name);
            if d.exists() || crate::build::guests().iter().any(|g| g.name == name) {
                return Err(format!("a guest named {name} exists already"));
            }
            // Members name the checkout's crates by relative path.
            let deps = lang.deps().replace("ROOT", "../..");
            write(
                &d.join("Cargo.toml"),
                &fill(&MEMBER_TOML.replace("DEPS", &deps), name),
            )?;
            d
        }
        Some(dir) => {
            let d = dir.join(name);
            if d.exists() {
                return Err(format!("{} exists already", d.display()));
            }
            let root_dir = root().display().to_string();
            let linker = root().join("targets/x86_64-xen-pv.ld");
            let toml = OWN_TOML
                .replace("DEPS", lang.deps())
                .replace("ROOT", &root_dir);
            write(&d.join("Cargo.toml"), &fill(&toml, name))?;
            let config = OWN_CONFIG.replace("LINKER", &linker.display().to_string());
            write(&d.join(".cargo/config.toml"), &config)?;
            // Our lock file pins the dependencies to the versions this checkout is tested
            // with (cargo drops the entries the new crate does not use).
            let lock = root().join("Cargo.lock");
            std::fs::copy(&lock, d.join("Cargo.lock"))
                .map_err(|e| format!("{}: {e}", lock.display()))?;
            d
        }
    };
    for (path, text) in lang.files() {
        write(&crate_dir.join(path), &fill(text, name))?;
    }
    if dir.is_none() {
        add_member(name)?;
    }
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
    let d = create(&name, dir.as_deref(), Lang::parse(&lang)?)?;
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
        assert!(valid(&"x".repeat(64)));
        for bad in ["", "2x", "My", "a b", "../x", "a/b", &"x".repeat(65)] {
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
        let d = create("mystub", Some(&dir), Lang::Rust).unwrap();
        let toml = std::fs::read_to_string(d.join("Cargo.toml")).unwrap();
        assert!(toml.contains(&format!("path = \"{}\"", root().join("minios").display())));
        let config = std::fs::read_to_string(d.join(".cargo/config.toml")).unwrap();
        assert!(config.contains("x86_64-xen-pv.ld"));
        let main = std::fs::read_to_string(d.join("src/main.rs")).unwrap();
        assert!(main.contains("mystub: hello from a new minios stubdom"));
        assert!(
            create("mystub", Some(&dir), Lang::Rust).is_err(),
            "it exists already"
        );
        let c = create("cstub", Some(&dir), Lang::C).unwrap();
        let toml = std::fs::read_to_string(c.join("Cargo.toml")).unwrap();
        assert!(toml.contains(&format!(
            "path = \"{}\"",
            root().join("minios/c/cc").display()
        )));
        let main = std::fs::read_to_string(c.join("src/main.c")).unwrap();
        assert!(main.contains("cstub: hello from a new minios stubdom in C"));
        let w = create("wstub", Some(&dir), Lang::Wasm).unwrap();
        let wat = std::fs::read_to_string(w.join("src/main.wat")).unwrap();
        let greeting = "wstub: hello from a new minios stubdom in WebAssembly\\n";
        assert!(
            wat.contains(greeting) && wat.contains("(i32.const 54)"),
            "{wat}"
        );
        assert!(wat.contains("(i32.const 256) (i32.const 20)"), "{wat}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
