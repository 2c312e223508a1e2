//! QMP sessions against a client's bytes, well-formed and hostile.

use super::*;

fn session() -> Session {
    Session::new(
        Version {
            numbers: (0, 1, 0),
            package: String::from("stubdom-ioemu"),
        },
        RunState::Running,
    )
}

/// The replies queued, one JSON value each, taking them.
fn replies(s: &mut Session) -> Vec<Value> {
    let text = String::from_utf8(s.output().to_vec()).unwrap();
    s.consume(text.len());
    assert!(text.is_empty() || text.ends_with("\r\n"), "{text:?}");
    text.split_terminator("\r\n")
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_greeting_then_negotiation_then_query_status() {
    let mut s = session();
    let greeting = replies(&mut s);
    assert_eq!(greeting.len(), 1);
    assert_eq!(greeting[0]["QMP"]["version"]["package"], "stubdom-ioemu");
    assert_eq!(greeting[0]["QMP"]["capabilities"], json!([]));
    s.input(br#"{"execute": "qmp_capabilities"}"#);
    assert_eq!(replies(&mut s), [json!({"return": {}})]);
    assert!(s.negotiated());
    s.input(b"{\"execute\": \"query-status\", \"id\": 7}\r\n");
    assert_eq!(
        replies(&mut s),
        [json!({"return": {"status": "running", "singlestep": false, "running": true}, "id": 7})]
    );
}

#[test]
fn commands_before_negotiation_are_refused_as_qemu_refuses_them() {
    let mut s = session();
    replies(&mut s);
    s.input(br#"{"execute":"query-status"}"#);
    let r = replies(&mut s);
    assert_eq!(r[0]["error"]["class"], "CommandNotFound");
    assert!(!s.negotiated());
}

#[test]
fn messages_split_and_merged_anyhow_are_each_answered() {
    let mut s = session();
    replies(&mut s);
    let text = br#"{"execute":"qmp_capabilities"}{"execute":"query-version","id":"a"}  {"execute":"query-commands","arguments":{"x":"}{\"}"}}"#;
    for b in text.chunks(3) {
        s.input(b);
    }
    let r = replies(&mut s);
    assert_eq!(r.len(), 3, "{r:?}");
    assert_eq!(r[1]["return"]["qemu"]["minor"], 1);
    assert_eq!(r[1]["id"], "a");
    assert_eq!(
        r[2]["return"].as_array().map(Vec::len),
        Some(COMMANDS.len())
    );
}

#[test]
fn hostile_input_gets_errors_and_the_session_goes_on() {
    let mut s = session();
    replies(&mut s);
    s.input(br#"{"execute": 5}"#);
    s.input(br#"{"nothing": 1}"#);
    s.input(br#"{"execute": "qmp_capabilities"#);
    s.input(b"\"}");
    s.input(b"garbage {\"execute\":\"no-such\"}");
    s.input(br#"{"execute": "query-status", bad json}"#);
    let r = replies(&mut s);
    let classes: Vec<_> = r.iter().map(|v| v["error"]["class"].clone()).collect();
    assert_eq!(
        classes,
        [
            json!("GenericError"),
            json!("GenericError"),
            Value::Null,
            json!("GenericError"),
            json!("CommandNotFound"),
            json!("GenericError"),
        ],
        "{r:?}"
    );
    // An overlong message is dropped whole, and the next one answered.
    let mut long = Vec::from(&br#"{"execute":"query-status","pad":""#[..]);
    long.resize(MAX_MESSAGE + 100, b'x');
    long.extend_from_slice(br#""}{"execute":"query-status"}"#);
    s.input(&long);
    let r = replies(&mut s);
    assert_eq!(r.len(), 2, "{r:?}");
    assert_eq!(r[0]["error"]["desc"], "the message is too long");
    assert_eq!(r[1]["return"]["status"], "running");
}

#[test]
fn stray_closing_braces_and_deep_nesting_do_not_break_it() {
    let mut s = session();
    replies(&mut s);
    s.input(b"}}]]");
    let deep: Vec<u8> = core::iter::repeat_n(b'[', 10_000).collect();
    s.input(b"{\"a\":");
    s.input(&deep);
    s.input(&vec![b']'; 10_000]);
    s.input(b"}");
    let r = replies(&mut s);
    assert_eq!(r.len(), 2, "{r:?}");
    assert_eq!(r[0]["error"]["desc"], "expected a JSON object");
    assert_eq!(r[1]["error"]["class"], "GenericError");
}
