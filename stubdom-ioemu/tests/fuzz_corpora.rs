//! Replays every saved fuzz corpus (stubdom-ioemu/fuzz/corpus/TARGET/*) through the fuzz
//! harness, once the targets, corpora and the harness's TARGETS agree.

#[path = "../../pvgrub/tests/fuzz_layout/mod.rs"]
mod fuzz_layout;
#[path = "../fuzz/harness.rs"]
mod harness;

#[test]
fn replay_saved_corpora() {
    let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    fuzz_layout::replay(&fuzz, harness::TARGETS, harness::run);
}
