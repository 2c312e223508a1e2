//! Compile tests of minios's public API, built for the guest target as an application would
//! be: a `#![forbid(unsafe_code)]` app can use frame-pool pages and grants, but cannot name the
//! audited `sys` layer, obtain a writable view of an arbitrary frame, or grant a frame that
//! is not a pool page.
//!
//! Each case is a binary of one scratch package (under Cargo's test tmpdir) that depends on
//! minios by path; `cargo check --target x86_64-unknown-none` must pass for the control case
//! and fail with the named error for each of the others.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The head of every case: a guest application as `cargo xtask new` would make one.
const PRELUDE: &str = "#![forbid(unsafe_code)]\n#![no_std]\n#![no_main]\n\
    use minios::grant::Grant;\nuse minios::mm::PoolPage;\nminios::main!(main);\n";

/// (binary name, body of `main`, what rustc must say; empty for the control case).
const CASES: &[(&str, &str, &[&str])] = &[
    (
        "control",
        "let page = PoolPage::alloc().unwrap(); page.write_bytes(0, b\"ok\");\n\
         let _grant = Grant::new(0, &page, false);",
        &[],
    ),
    (
        "sys_is_private",
        "let _ = minios::sys::mm::store_page(12345);",
        &["error[E0603]", "module `sys` is private"],
    ),
    (
        "no_page_of_any_frame",
        "let _ = PoolPage::from_pfn(12345);",
        &[
            "error[E0599]",
            "no function or associated item named `from_pfn`",
        ],
    ),
    (
        "no_raw_frame_allocation",
        "let _ = minios::mm::alloc_frames(1);",
        &["error[E0425]", "cannot find function `alloc_frames`"],
    ),
    (
        "no_grant_of_other_memory",
        "let buf = [0u8; 4096]; let _ = Grant::new(0, &buf, false);",
        &["error[E0308]", "expected `&PoolPage`"],
    ),
    (
        "no_forged_pool_page",
        "let other = PoolPage::alloc().unwrap(); let _ = PoolPage { ..other };",
        &["error[E0451]"],
    ),
];

fn scratch_package() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("soundness");
    std::fs::create_dir_all(dir.join("src/bin")).unwrap();
    let minios = Path::new(env!("CARGO_MANIFEST_DIR")).display().to_string();
    let manifest = format!(
        "[package]\nname = \"soundness-cases\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
         publish = false\n\n[workspace]\n\n[dependencies]\nminios = {{ path = {minios:?} }}\n\n\
         [profile.dev]\npanic = \"abort\"\n"
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    // The workspace's lock file, so that the scratch package builds the same dependency
    // versions offline.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    for (name, body, _) in CASES {
        let src = format!("{PRELUDE}fn main() {{\n{body}\n}}\n");
        std::fs::write(dir.join(format!("src/bin/{name}.rs")), src).unwrap();
    }
    dir
}

fn check(dir: &Path, bin: &str) -> (bool, String) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(dir)
        .args([
            "check",
            "--offline",
            "--quiet",
            "--target",
            "x86_64-unknown-none",
        ])
        .args(["--bin", bin])
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .output()
        .expect("cargo runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn safe_apps_cannot_reach_memory_they_do_not_own() {
    let dir = scratch_package();
    for (name, _, expected) in CASES {
        let (ok, stderr) = check(&dir, name);
        if expected.is_empty() {
            assert!(ok, "the control case must compile:\n{stderr}");
            continue;
        }
        assert!(!ok, "{name} compiled, but must not");
        for text in *expected {
            assert!(
                stderr.contains(text),
                "{name}: rustc did not say {text:?}:\n{stderr}"
            );
        }
        eprintln!("{name}: refused ({})", expected.join(", "));
    }
}
