use super::*;

#[test]
fn clippy_covers_every_guest_on_the_guest_target_only() {
    let [host, guest] = clippy_steps();
    let guests = guests();
    assert!(!guests.is_empty());
    for g in &guests {
        let name = Some(&g.name);
        let after = |args: &[String], flag: &str| {
            args.windows(2).any(|w| w[0] == flag && Some(&w[1]) == name)
        };
        assert!(
            after(&host.args, "--exclude"),
            "{} built on the host",
            g.name
        );
        assert!(after(&guest.args, "-p"), "{} not linted", g.name);
    }
    assert!(guest.args.windows(2).any(|w| w == ["-p", "minios"]));
    for step in [&host, &guest] {
        assert!(step
            .args
            .ends_with(&["--", "-D", "warnings"].map(String::from)));
    }
}

#[test]
fn fmt_checks_the_fuzz_workspaces_too() {
    let tree = Tree::read(&root()).unwrap();
    let steps = fmt_steps(&tree);
    for fuzz in ["pvgrub/fuzz/Cargo.toml", "minios/fuzz/Cargo.toml"] {
        assert!(
            steps.iter().any(|s| s.args.iter().any(|a| a == fuzz)),
            "{fuzz}"
        );
    }
}

/// The rustfmt step fails on a workspace with a misformatted file (cargo fmt alone, no build).
#[test]
fn fmt_fails_on_a_misformatted_file() {
    let dir = std::env::temp_dir().join(format!("xtask-check-fmt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let manifest =
        "[package]\nname = \"m\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[workspace]\n";
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(dir.join("src/lib.rs"), "pub fn f( ) {}\n").unwrap();
    let tree = Tree::read(&dir).unwrap();
    let steps = fmt_steps(&tree);
    assert_eq!(steps.len(), 1);
    let out = steps[0].command(&dir).output().unwrap();
    std::fs::write(dir.join("src/lib.rs"), "pub fn f() {}\n").unwrap();
    let fixed = steps[0].command(&dir).output().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("pub fn f( ) {}"));
    assert!(fixed.status.success(), "{fixed:?}");
}
