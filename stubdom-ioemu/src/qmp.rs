//! QMP, the QEMU Machine Protocol, as a Linux-style device model serves it to libxl (over
//! vchan at `device-model/<domid>/qmp-vchan`, joined to a socket by `vchan-socket-proxy`).
//!
//! [`Session`] is one connection: it sends the greeting, takes the client's bytes in any
//! pieces, splits them into JSON objects, and answers each: `qmp_capabilities` first (as
//! QEMU insists), then `query-status`, `query-version`, `query-commands`. A message that is
//! not JSON, not an object, too long or an unknown command gets QMP's error reply; nothing
//! a client sends can make it panic or stop answering. Pure: host-tested and fuzzed.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use serde_json::{json, Map, Value};

/// The longest message we take (a device model's commands are small).
pub const MAX_MESSAGE: usize = 64 << 10;

/// The commands we answer, in `query-commands` order.
pub const COMMANDS: &[&str] = &[
    "qmp_capabilities",
    "query-commands",
    "query-status",
    "query-version",
];

/// What the greeting and `query-version` report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// Major, minor and micro version.
    pub numbers: (u32, u32, u32),
    /// The package string.
    pub package: String,
}

/// The guest's run state as `query-status` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    /// Running.
    Running,
    /// Paused (QMP's `paused`).
    Paused,
}

/// One QMP connection.
pub struct Session {
    version: Version,
    state: RunState,
    negotiated: bool,
    splitter: Splitter,
    out: Vec<u8>,
}

impl Session {
    /// A new connection; its greeting is queued at once.
    pub fn new(version: Version, state: RunState) -> Self {
        let mut s = Self {
            version,
            state,
            negotiated: false,
            splitter: Splitter::default(),
            out: Vec::new(),
        };
        let greeting = json!({"QMP": {"version": s.version_value(), "capabilities": []}});
        s.send(&greeting);
        s
    }

    /// Whether the client has negotiated capabilities (the command mode of QMP).
    pub fn negotiated(&self) -> bool {
        self.negotiated
    }

    /// Takes bytes from the client and queues the replies of every message they complete.
    pub fn input(&mut self, bytes: &[u8]) {
        for piece in self.splitter.feed(bytes) {
            let reply = match piece {
                Piece::Message(text) => self.answer(&text),
                Piece::TooLong => error("GenericError", "the message is too long"),
                Piece::NotObject => error("GenericError", "expected a JSON object"),
            };
            self.send(&reply);
        }
    }

    /// Bytes queued for the client.
    pub fn output(&self) -> &[u8] {
        &self.out
    }

    /// Drops the first `n` queued bytes (they were sent).
    pub fn consume(&mut self, n: usize) {
        self.out.drain(..n.min(self.out.len()));
    }

    fn send(&mut self, v: &Value) {
        // Serialising a Value into memory cannot fail (its keys are strings).
        if let Ok(bytes) = serde_json::to_vec(v) {
            self.out.extend_from_slice(&bytes);
        }
        self.out.extend_from_slice(b"\r\n");
    }

    fn version_value(&self) -> Value {
        let (major, minor, micro) = self.version.numbers;
        json!({
            "qemu": {"major": major, "minor": minor, "micro": micro},
            "package": self.version.package,
        })
    }

    fn answer(&mut self, text: &[u8]) -> Value {
        let msg: Map<String, Value> = match serde_json::from_slice(text) {
            Ok(Value::Object(m)) => m,
            Ok(_) => return error("GenericError", "expected a JSON object"),
            Err(e) => return error("GenericError", &format!("JSON parse error: {e}")),
        };
        let mut reply = match msg.get("execute") {
            Some(Value::String(cmd)) => self.execute(cmd),
            Some(_) => error("GenericError", "'execute' must be a string"),
            None => error("GenericError", "the message has no 'execute'"),
        };
        if let (Some(id), Value::Object(r)) = (msg.get("id"), &mut reply) {
            r.insert(String::from("id"), id.clone());
        }
        reply
    }

    fn execute(&mut self, cmd: &str) -> Value {
        if !self.negotiated {
            return if cmd == "qmp_capabilities" {
                self.negotiated = true;
                json!({"return": {}})
            } else {
                error(
                    "CommandNotFound",
                    "Expecting capabilities negotiation with 'qmp_capabilities'",
                )
            };
        }
        match cmd {
            "qmp_capabilities" => error(
                "CommandNotFound",
                "Capabilities negotiation is already complete, command ignored",
            ),
            "query-status" => {
                let running = self.state == RunState::Running;
                let status = if running { "running" } else { "paused" };
                json!({"return": {"status": status, "singlestep": false, "running": running}})
            }
            "query-version" => json!({ "return": self.version_value() }),
            "query-commands" => {
                let list: Vec<Value> = COMMANDS.iter().map(|c| json!({"name": c})).collect();
                json!({ "return": list })
            }
            other => error(
                "CommandNotFound",
                &format!("The command {other} has not been found"),
            ),
        }
    }
}

fn error(class: &str, desc: &str) -> Value {
    json!({"error": {"class": class, "desc": desc}})
}

/// One unit the splitter found.
#[derive(Debug, PartialEq, Eq)]
enum Piece {
    /// A whole top-level JSON object, as sent.
    Message(Vec<u8>),
    /// A message longer than [`MAX_MESSAGE`] (dropped).
    TooLong,
    /// Bytes outside any object that are not white space (dropped up to the next `{`).
    NotObject,
}

/// Splits a byte stream into top-level JSON objects by their braces, outside strings.
#[derive(Default)]
struct Splitter {
    buf: Vec<u8>,
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// Dropping the rest of an overlong message.
    skipping: bool,
    /// Garbage outside objects was reported and is being dropped.
    junk: bool,
}

impl Splitter {
    fn feed(&mut self, bytes: &[u8]) -> Vec<Piece> {
        let mut out = Vec::new();
        for &b in bytes {
            if self.depth == 0 {
                match b {
                    b'{' => {
                        self.junk = false;
                        self.depth = 1;
                        self.buf.clear();
                        self.buf.push(b);
                    }
                    b' ' | b'\t' | b'\r' | b'\n' => {}
                    _ if !self.junk => {
                        self.junk = true;
                        out.push(Piece::NotObject);
                    }
                    _ => {}
                }
                continue;
            }
            if !self.skipping {
                self.buf.push(b);
                if self.buf.len() > MAX_MESSAGE {
                    self.skipping = true;
                    self.buf = Vec::new();
                    out.push(Piece::TooLong);
                }
            }
            if self.in_string {
                match (self.escaped, b) {
                    (true, _) => self.escaped = false,
                    (false, b'\\') => self.escaped = true,
                    (false, b'"') => self.in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => self.depth -= 1,
                _ => {}
            }
            if self.depth == 0 && !core::mem::take(&mut self.skipping) {
                out.push(Piece::Message(core::mem::take(&mut self.buf)));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
