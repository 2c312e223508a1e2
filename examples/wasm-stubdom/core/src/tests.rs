//! Modules in WAT against a fake host: every import, the exit code both ways, and the ways a
//! module fails.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use super::*;

#[derive(Default)]
struct Log {
    printed: String,
    nodes: BTreeMap<String, String>,
    watches: Vec<(String, u32)>,
    slept: u32,
}

#[derive(Clone, Default)]
struct Fake(Rc<RefCell<Log>>);

impl Host for Fake {
    fn print(&mut self, text: &str) {
        self.0.borrow_mut().printed.push_str(text);
    }
    fn xs_read(&mut self, path: &str) -> Result<String, i32> {
        self.0.borrow().nodes.get(path).cloned().ok_or(2)
    }
    fn xs_write(&mut self, path: &str, value: &str) -> Result<(), i32> {
        self.0.borrow_mut().nodes.insert(path.into(), value.into());
        Ok(())
    }
    fn xs_watch(&mut self, path: &str, timeout_ms: u32) -> Result<bool, i32> {
        self.0.borrow_mut().watches.push((path.into(), timeout_ms));
        Ok(true)
    }
    fn sleep_ms(&mut self, ms: u32) {
        self.0.borrow_mut().slept += ms;
    }
    fn now_ms(&mut self) -> u64 {
        1234
    }
}

const LIMITS: Limits = Limits {
    memory_bytes: 1 << 20,
    fuel: Some(10_000_000),
};

fn run_wat(src: &str, host: &Fake) -> Result<i32, RunError> {
    run(&wat::parse_str(src).unwrap(), host.clone(), LIMITS)
}

/// The sample module the guest builds in (examples/wasm-stubdom/modules/hello.wat).
const HELLO: &str = include_str!("../../modules/hello.wat");

#[test]
fn the_hello_module_uses_every_import_and_returns_its_code() {
    let host = Fake::default();
    host.0
        .borrow_mut()
        .nodes
        .insert("name".into(), "wasm-1".into());
    host.0
        .borrow_mut()
        .nodes
        .insert("data/wasm/poke".into(), "hi".into());
    assert_eq!(run_wat(HELLO, &host), Ok(7));
    let log = host.0.borrow();
    assert!(log.printed.contains("hello from wasm"), "{}", log.printed);
    assert!(log.printed.contains("wasm-1"), "{}", log.printed);
    assert_eq!(log.watches, [("data/wasm/poke".to_string(), 60_000)]);
    assert_eq!(
        log.nodes.get("data/wasm/reply").map(String::as_str),
        Some("got hi")
    );
    assert_eq!(log.slept, 100);
}

#[test]
fn exit_ends_the_program_with_its_code() {
    let m = r#"(module (import "minios" "exit" (func $exit (param i32)))
        (memory (export "memory") 1)
        (func (export "main") (result i32) (call $exit (i32.const 42)) (i32.const 1)))"#;
    assert_eq!(run_wat(m, &Fake::default()), Ok(42));
}

#[test]
fn a_module_that_fails_says_how() {
    let host = Fake::default();
    let trap = r#"(module (memory (export "memory") 1)
        (func (export "main") (result i32) unreachable))"#;
    assert!(matches!(run_wat(trap, &host), Err(RunError::Trap(m)) if m.contains("unreachable")));
    let spin = r#"(module (memory (export "memory") 1)
        (func (export "main") (result i32) (loop (br 0)) (i32.const 0)))"#;
    assert!(matches!(run_wat(spin, &host), Err(RunError::Trap(m)) if m.contains("fuel")));
    let big = r#"(module (memory (export "memory") 100) (func (export "main") (result i32) (i32.const 0)))"#;
    assert!(matches!(run_wat(big, &host), Err(RunError::Link(_))));
    let grow = r#"(module (memory (export "memory") 1)
        (func (export "main") (result i32) (drop (memory.grow (i32.const 100))) (i32.const 0)))"#;
    assert!(matches!(run_wat(grow, &host), Err(RunError::Trap(_))));
    let import = r#"(module (import "minios" "nope" (func)) (func (export "main") (result i32) (i32.const 0)))"#;
    assert!(matches!(run_wat(import, &host), Err(RunError::Link(m)) if m.contains("nope")));
    let nomain = r#"(module (memory (export "memory") 1))"#;
    assert!(matches!(run_wat(nomain, &host), Err(RunError::NoMain(_))));
    assert!(matches!(
        run(b"\0asm junk", host.clone(), LIMITS),
        Err(RunError::Invalid(_))
    ));
    let oob = r#"(module (import "minios" "print" (func $p (param i32 i32)))
        (memory (export "memory") 1)
        (func (export "main") (result i32) (call $p (i32.const 65530) (i32.const 100)) (i32.const 0)))"#;
    assert!(matches!(run_wat(oob, &host), Err(RunError::Trap(m)) if m.contains("outside")));
}
