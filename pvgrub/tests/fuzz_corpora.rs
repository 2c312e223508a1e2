//! Replays every saved fuzz corpus (pvgrub/fuzz/corpus/TARGET/*) through the fuzz harness.

#[path = "../fuzz/harness.rs"]
mod harness;

#[test]
fn replay_saved_corpora() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut inputs = 0;
    for target in harness::TARGETS {
        let dir = root.join(target);
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("corpus for {target} missing at {}: {e}", dir.display()));
        for entry in entries.flatten() {
            let data = std::fs::read(entry.path()).expect("corpus file readable");
            harness::run(target, &data);
            inputs += 1;
        }
    }
    eprintln!(
        "replayed {inputs} corpus inputs over {} targets",
        harness::TARGETS.len()
    );
}
