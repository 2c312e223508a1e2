//! Do a crate's fuzz targets, saved corpora and harness `TARGETS` agree? Shared by the corpus
//! replay tests of pvgrub and minios (`#[path]`), which fail on any problem found here.

use std::path::{Path, PathBuf};

/// The regular files of the corpus directory `dir`, sorted; `None` if it is not a directory.
pub fn corpus_files(dir: &Path) -> Option<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .map(|e| e.expect("corpus entry readable").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    Some(files)
}

/// The entry names of `dir` (none if it does not exist), sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| {
                    e.expect("entry readable")
                        .file_name()
                        .to_string_lossy()
                        .into()
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// What is wrong in the fuzz directory `fuzz` (holding `fuzz_targets/` and `corpus/`) for
/// the harness's `targets`, one line each: a target without `fuzz_targets/NAME.rs`, without
/// `corpus/NAME/` or with an empty one; a fuzz target file, or a corpus, of no target.
pub fn problems(fuzz: &Path, targets: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for t in targets {
        if !fuzz.join(format!("fuzz_targets/{t}.rs")).is_file() {
            out.push(format!("target {t}: no fuzz_targets/{t}.rs"));
        }
        match corpus_files(&fuzz.join("corpus").join(t)) {
            None => out.push(format!("target {t}: no corpus/{t}/ (save a seed corpus)")),
            Some(files) if files.is_empty() => out.push(format!(
                "target {t}: corpus/{t}/ is empty (save a seed corpus)"
            )),
            Some(_) => {}
        }
    }
    for name in names(&fuzz.join("fuzz_targets")) {
        let target = name.strip_suffix(".rs").unwrap_or(&name);
        if !targets.contains(&target) {
            out.push(format!(
                "fuzz_targets/{name}: not in the harness's TARGETS (add it there, with a corpus)"
            ));
        }
    }
    for name in names(&fuzz.join("corpus")) {
        if !targets.contains(&name.as_str()) {
            out.push(format!(
                "corpus/{name}/: no such target in the harness's TARGETS (a stale corpus)"
            ));
        }
    }
    out
}

/// Replays the saved corpora of the fuzz directory `fuzz` (holding `fuzz_targets/` and
/// `corpus/`): fails on any of [`problems`], then gives every saved input of each of
/// `targets` to `run(target, input)`, in file order, and reports how many there were.
pub fn replay(fuzz: &Path, targets: &[&str], mut run: impl FnMut(&str, &[u8])) {
    let problems = problems(fuzz, targets);
    assert!(
        problems.is_empty(),
        "{}: fuzz targets and corpora out of step with harness.rs:\n  {}",
        fuzz.display(),
        problems.join("\n  ")
    );
    let mut inputs = 0;
    for target in targets {
        for path in corpus_files(&fuzz.join("corpus").join(target)).expect("checked above") {
            let data = std::fs::read(&path).expect("corpus file readable");
            run(target, &data);
            inputs += 1;
        }
    }
    eprintln!(
        "replayed {inputs} corpus inputs over {} targets",
        targets.len()
    );
}

/// Every kind of problem is found, and a consistent directory has none.
#[test]
fn problems_are_found() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("fuzz-layout-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let files = [
        "fuzz_targets/good.rs",
        "fuzz_targets/empty.rs",
        "fuzz_targets/new.rs",
        "corpus/good/seed",
        "corpus/stale/seed",
    ];
    for file in files {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"x").unwrap();
    }
    std::fs::create_dir_all(dir.join("corpus/empty")).unwrap();
    assert_eq!(
        problems(&dir, &["good", "empty", "missing"]),
        [
            "target empty: corpus/empty/ is empty (save a seed corpus)",
            "target missing: no fuzz_targets/missing.rs",
            "target missing: no corpus/missing/ (save a seed corpus)",
            "fuzz_targets/new.rs: not in the harness's TARGETS (add it there, with a corpus)",
            "corpus/stale/: no such target in the harness's TARGETS (a stale corpus)",
        ]
    );
    assert_eq!(
        problems(&dir, &["good", "empty", "new", "stale"]),
        [
            "target empty: corpus/empty/ is empty (save a seed corpus)",
            "target new: no corpus/new/ (save a seed corpus)",
            "target stale: no fuzz_targets/stale.rs",
        ]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
