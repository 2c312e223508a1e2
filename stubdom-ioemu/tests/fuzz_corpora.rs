//! Replays every saved fuzz corpus (stubdom-ioemu/fuzz/corpus/TARGET/*) through the fuzz
//! harness, once the targets, corpora and the harness's TARGETS agree.

#[path = "../../pvgrub/tests/fuzz_layout/mod.rs"]
mod fuzz_layout;
#[path = "../fuzz/harness.rs"]
mod harness;

#[test]
fn replay_saved_corpora() {
    let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let problems = fuzz_layout::problems(&fuzz, harness::TARGETS);
    assert!(
        problems.is_empty(),
        "{}: fuzz targets and corpora out of step with harness.rs:\n  {}",
        fuzz.display(),
        problems.join("\n  ")
    );
    let mut inputs = 0;
    for target in harness::TARGETS {
        for path in fuzz_layout::corpus_files(&fuzz.join("corpus").join(target)).unwrap() {
            let data = std::fs::read(&path).expect("corpus file readable");
            harness::run(target, &data);
            inputs += 1;
        }
    }
    eprintln!(
        "replayed {inputs} corpus inputs over {} targets",
        harness::TARGETS.len()
    );
}
