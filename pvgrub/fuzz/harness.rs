//! The body of every pv-grub fuzz target, by name. Shared by the cargo-fuzz binaries and by
//! `pvgrub/tests/fuzz_corpora.rs`, which replays the saved corpora on the host.

/// Every target name, as used for `fuzz_targets/NAME.rs` and `corpus/NAME/`.
pub const TARGETS: &[&str] = &[];

/// Runs the target `name` on `data`. Parsers must return errors, never panic or hang.
pub fn run(name: &str, data: &[u8]) {
    let _ = data;
    panic!("unknown fuzz target {name}");
}
