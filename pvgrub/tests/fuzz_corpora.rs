//! Replays every saved fuzz corpus (pvgrub/fuzz/corpus/TARGET/*) through the fuzz harness,
//! once the targets, corpora and the harness's TARGETS agree (each target has a non-empty
//! corpus, and no corpus or fuzz target lies outside TARGETS). Each input's heap peak is held to
//! the harness's budget; the largest per target is printed.

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
        // (heap peak, input length) of the input using the most heap.
        let mut most = (0, 0);
        for path in fuzz_layout::corpus_files(&fuzz.join("corpus").join(target)).unwrap() {
            let data = std::fs::read(&path).expect("corpus file readable");
            most = most.max((harness::measured(target, &data), data.len()));
            inputs += 1;
        }
        eprintln!(
            "{target}: largest heap peak {} KiB (a {}-byte input)",
            most.0 >> 10,
            most.1
        );
    }
    eprintln!(
        "replayed {inputs} corpus inputs over {} targets",
        harness::TARGETS.len()
    );
}
