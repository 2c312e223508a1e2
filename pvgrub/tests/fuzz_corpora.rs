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
    // Per target, (heap peak, input length) of the input using the most heap.
    let mut most = std::collections::BTreeMap::<String, (usize, usize)>::new();
    fuzz_layout::replay(&fuzz, harness::TARGETS, |target, data| {
        let m = most.entry(target.to_string()).or_default();
        *m = (*m).max((harness::measured(target, data), data.len()));
    });
    for (target, (peak, len)) in most {
        eprintln!(
            "{target}: largest heap peak {} KiB (a {len}-byte input)",
            peak >> 10
        );
    }
}
