use super::*;

const PLACE: &[AuditedPlace] = &[AuditedPlace {
    allow_in: "os/src/sys/mod.rs",
    tree: "os/src/sys/",
}];

const PKG: &str = "[package]\nname = \"x\"\n";

fn tree(rust: &[(&str, &str)], manifests: &[(&str, &str)]) -> Tree {
    let sources = |files: &[(&str, &str)]| {
        files
            .iter()
            .map(|(path, text)| Source {
                path: path.to_string(),
                text: text.to_string(),
            })
            .collect()
    };
    Tree {
        rust: sources(rust),
        manifests: sources(manifests),
    }
}

/// A clean workspace: `os` (the audited crate) and `app`, plus the given extra files.
fn audit_with(extra: &[(&str, &str)]) -> Vec<(String, usize, Problem)> {
    let mut rust = vec![
        (
            "os/src/lib.rs",
            "//! os\n#![no_std]\n#![deny(unsafe_code)]\nmod sys;\n",
        ),
        (
            "os/src/sys/mod.rs",
            "#![allow(unsafe_code)]\n// SAFETY: fine\nunsafe fn f() {}\n",
        ),
        ("os/src/sys/mm.rs", "pub unsafe fn g() {}\n"),
        (
            "app/src/main.rs",
            "#![forbid(unsafe_code, missing_docs)]\nfn main() {}\n",
        ),
    ];
    for (path, text) in extra {
        match rust.iter_mut().find(|(p, _)| p == path) {
            Some(file) => file.1 = text,
            None => rust.push((path, text)),
        }
    }
    let t = tree(&rust, &[("os/Cargo.toml", PKG), ("app/Cargo.toml", PKG)]);
    audit(&t, PLACE)
        .into_iter()
        .map(|f| (f.path, f.line, f.problem))
        .collect()
}

fn one(path: &str, line: usize, problem: Problem) -> Vec<(String, usize, Problem)> {
    vec![(path.to_string(), line, problem)]
}

#[test]
fn clean_workspace_passes() {
    assert_eq!(audit_with(&[]), []);
}

#[test]
fn allow_outside_the_audited_places_is_found() {
    let src = "#![forbid(unsafe_code)]\n\n#[allow(unsafe_code)]\nfn f() {}\n";
    let override_ = Problem::LevelOverride;
    assert_eq!(
        audit_with(&[("app/src/main.rs", src)]),
        one("app/src/main.rs", 3, override_("allow"))
    );
    let src = "#[cfg_attr(test, expect(clippy::x, unsafe_code))]\nfn f() {}\n";
    assert_eq!(
        audit_with(&[("app/src/util.rs", src)]),
        one("app/src/util.rs", 1, override_("expect"))
    );
    assert_eq!(
        audit_with(&[("os/src/sys/mm.rs", "#![allow(unsafe_code)]\n")]),
        one("os/src/sys/mm.rs", 1, override_("allow"))
    );
    // a second allow in the audited file, or one on an item there
    let src = "#![allow(unsafe_code)]\n#![allow(unsafe_code)]\n#[warn(unsafe_code)]\nfn f() {}";
    assert_eq!(
        audit_with(&[("os/src/sys/mod.rs", src)]),
        [
            ("os/src/sys/mod.rs".to_string(), 2, override_("allow")),
            ("os/src/sys/mod.rs".to_string(), 3, override_("warn")),
        ]
    );
}

#[test]
fn comments_and_strings_do_not_count() {
    let src = "#![forbid(unsafe_code)]\n//! No `#![allow(unsafe_code)]` and no unsafe here.\n\
               /* #[allow(unsafe_code)] unsafe { } */\n\
               fn main() { let s = \"#[allow(unsafe_code)] unsafe\"; let r = r#\"unsafe\"#; }\n";
    assert_eq!(audit_with(&[("app/src/main.rs", src)]), []);
}

#[test]
fn unsafe_outside_the_audited_tree_is_found() {
    let src = "fn f() {\n    // SAFETY: no\n    unsafe { g() }\n}\n";
    assert_eq!(
        audit_with(&[("app/tests/t.rs", src)]),
        one("app/tests/t.rs", 3, Problem::Unsafe)
    );
    assert_eq!(
        audit_with(&[("os/src/mm.rs", "unsafe impl Send for X {}")]),
        one("os/src/mm.rs", 1, Problem::Unsafe)
    );
    // a field or lint named like it is not the keyword
    let src =
        "fn f(x: X) { x.unsafe_ok; r#unsafe(); }\n#[deny(clippy::undocumented_unsafe_blocks)]";
    assert_eq!(audit_with(&[("app/src/a.rs", src)]), []);
}

#[test]
fn crate_roots_need_forbid_and_the_audited_crate_deny() {
    let forbid = || Problem::MissingRootAttr("#![forbid(unsafe_code)]");
    assert_eq!(
        audit_with(&[("app/src/main.rs", "fn main() {}\n")]),
        one("app/src/main.rs", 1, forbid())
    );
    // not among the leading inner attributes: a cfg_attr, a comment, an outer attribute
    for src in [
        "#![cfg_attr(not(test), forbid(unsafe_code))]\n",
        "// #![forbid(unsafe_code)]\n",
        "#[forbid(unsafe_code)]\nfn main() {}\n",
    ] {
        assert_eq!(
            audit_with(&[("app/src/lib.rs", src)]),
            one("app/src/lib.rs", 1, forbid())
        );
    }
    assert_eq!(
        audit_with(&[("app/src/bin/tool.rs", "//! tool\nfn main() {}\n")]),
        one("app/src/bin/tool.rs", 1, forbid())
    );
    assert_eq!(audit_with(&[("app/src/bin/tool/util.rs", "")]), []);
    let deny = Problem::MissingRootAttr("#![deny(unsafe_code)]");
    assert_eq!(
        audit_with(&[("os/src/lib.rs", "#![forbid(unsafe_code)]\n")]),
        one("os/src/lib.rs", 1, deny)
    );
}

#[test]
fn targets_named_in_the_manifest_are_crate_roots() {
    let manifest = format!("{PKG}[workspace]\n\n[[bin]]\nname = \"t\"\npath = \"targets/t.rs\"\n");
    let t = tree(
        &[
            ("fz/targets/t.rs", "#![no_main]\nfn f() {}\n"),
            ("fz/harness.rs", "fn f() {}\n"),
        ],
        &[
            ("Cargo.toml", "[workspace]\n"),
            ("fz/Cargo.toml", &manifest),
        ],
    );
    let found: Vec<_> = audit(&t, &[]).into_iter().map(|f| f.path).collect();
    assert_eq!(found, ["fz/targets/t.rs"]);
    assert_eq!(t.nested_workspaces().collect::<Vec<_>>(), ["fz/Cargo.toml"]);
}

#[test]
fn a_stale_audited_place_is_found() {
    assert_eq!(
        audit_with(&[("os/src/sys/mod.rs", "// SAFETY: fine\nunsafe fn f() {}\n")]),
        one("os/src/sys/mod.rs", 1, Problem::StaleAuditedPlace)
    );
    let t = tree(&[], &[]);
    let found: Vec<_> = audit(&t, PLACE).into_iter().map(|f| f.problem).collect();
    assert_eq!(found, [Problem::StaleAuditedPlace]);
}
