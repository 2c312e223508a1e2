//! The body of every stubdom-ioemu fuzz target, by name. Shared by the cargo-fuzz binaries
//! and by `stubdom-ioemu/tests/fuzz_corpora.rs`, which replays the saved corpora on the host.

use stubdom_ioemu::dmargs::DmArgs;
use stubdom_ioemu::qmp::{RunState, Session, Version, MAX_MESSAGE};

/// Every target name, as used for `fuzz_targets/NAME.rs` and `corpus/NAME/`.
#[allow(dead_code)] // read by the corpus replay test; each fuzz binary runs one target
pub const TARGETS: &[&str] = &["qmp", "dmargs"];

/// Runs the target `name` on `data`. Parsers must return errors, never panic or hang.
pub fn run(name: &str, data: &[u8]) {
    match name {
        "qmp" => qmp(data),
        "dmargs" => dmargs(data),
        _ => panic!("unknown fuzz target {name}"),
    }
}

/// qmp: a client's bytes, in pieces whose size the first byte picks. Every reply is one JSON
/// object on its own line; no more replies than the client could have asked for (one per
/// byte, plus the greeting); the session keeps no more than a message's worth of input.
fn qmp(data: &[u8]) {
    let Some((&chunk, stream)) = data.split_first() else {
        return;
    };
    let version = Version {
        numbers: (1, 2, 3),
        package: String::from("fuzz"),
    };
    let mut s = Session::new(version, RunState::Paused);
    let mut replies = 0;
    for piece in stream.chunks(usize::from(chunk.max(1))) {
        s.input(piece);
        let out = s.output().to_vec();
        s.consume(out.len());
        let text = std::str::from_utf8(&out).expect("replies are UTF-8");
        for line in text.split_terminator("\r\n") {
            let v: serde_json::Value = serde_json::from_str(line).expect("a reply is JSON");
            assert!(v.is_object(), "a reply is an object: {line}");
            assert!(line.len() <= 2 * MAX_MESSAGE, "an overlong reply");
            replies += 1;
        }
        assert!(text.is_empty() || text.ends_with("\r\n"));
    }
    assert!(replies <= stream.len() + 1);
}

/// dmargs: libxl's arguments, as one string (`image/dmargs`) and, split at NULs, as numbered
/// `image/dm-argv` entries. Either parses or is an error; whatever parsed is kept by name:
/// every option word that was neither used nor ignored is listed as unknown.
fn dmargs(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let words = text
        .split_whitespace()
        .filter(|w| w.starts_with('-'))
        .count();
    if let Ok(a) = DmArgs::from_dmargs(&text) {
        assert!(a.unknown.len() + a.ignored.len() <= words);
    }
    let argv: Vec<(String, &str)> = text
        .split('\0')
        .enumerate()
        .map(|(i, v)| (format!("{:03}", (i * 7919) % 1000), v))
        .collect();
    let _ = DmArgs::from_dm_argv(argv.iter().map(|(k, v)| (k.as_str(), *v)));
}
