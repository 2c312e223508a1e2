//! The wasm stubdom's runtime (the caml-stubdom's successor): a WebAssembly module run by
//! wasmi, with minios's services as host functions behind [`Host`]. Pure: the guest
//! implements [`Host`] over minios, the tests over a fake, so the whole ABI is host-tested.
//!
//! A module imports from `minios` (strings are `(ptr, len)` in its exported `memory`):
//!
//! | import | meaning |
//! |---|---|
//! | `print(ptr, len)` | writes UTF-8 text to the console |
//! | `xs_read(path, path_len, buf, cap) -> i32` | reads a xenstore node into `buf`: its length (cut at `cap`), or a negative errno |
//! | `xs_write(path, path_len, val, val_len) -> i32` | writes a node: 0, or a negative errno |
//! | `xs_watch(path, path_len, timeout_ms) -> i32` | waits for a change below `path`: 1, 0 on timeout, or a negative errno |
//! | `sleep_ms(ms)` | sleeps |
//! | `now_ms() -> i64` | milliseconds since the domain started |
//! | `exit(code)` | ends the program with `code` |
//!
//! and exports `main() -> i32`, whose result (or `exit`'s code) is the program's exit code.
//! A trap, a memory or fuel limit, a missing import or export: a [`RunError`] with a message
//! a person can act on.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

#[cfg(all(feature = "guest", target_os = "none"))]
pub mod guest;

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use core::fmt;

use wasmi::{
    Caller, Config, Engine, Extern, Linker, Module, Store, StoreLimits, StoreLimitsBuilder,
};

/// What the module may call: minios's services.
pub trait Host {
    /// Console output.
    fn print(&mut self, text: &str);
    /// Reads a xenstore node (relative paths are under the domain's home); `Err(errno)`.
    fn xs_read(&mut self, path: &str) -> Result<String, i32>;
    /// Writes a xenstore node.
    fn xs_write(&mut self, path: &str, value: &str) -> Result<(), i32>;
    /// Waits up to `timeout_ms` for a change below `path` (not counting the event the watch
    /// fires when set): `Ok(true)` if one came.
    fn xs_watch(&mut self, path: &str, timeout_ms: u32) -> Result<bool, i32>;
    /// Sleeps.
    fn sleep_ms(&mut self, ms: u32);
    /// Milliseconds since the domain started.
    fn now_ms(&mut self) -> u64;
}

/// What a module may use.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes of linear memory.
    pub memory_bytes: usize,
    /// Instructions' fuel (wasmi's units), so a module that spins ends; `None`: unlimited.
    pub fuel: Option<u64>,
}

/// Why a module did not run to its exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunError {
    /// Not a WebAssembly module wasmi accepts.
    Invalid(String),
    /// It imports something we do not provide, or asks for more memory than allowed.
    Link(String),
    /// It exports no `main: () -> i32`.
    NoMain(String),
    /// It trapped (unreachable, out of bounds, division by zero, out of fuel...).
    Trap(String),
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid(e) => write!(f, "not a WebAssembly module we can run: {e}"),
            Self::Link(e) => write!(f, "the module cannot be set up: {e}"),
            Self::NoMain(e) => write!(f, "the module exports no `main: () -> i32`: {e}"),
            Self::Trap(e) => write!(f, "the module trapped: {e}"),
        }
    }
}

impl core::error::Error for RunError {}

struct State<H> {
    host: H,
    limits: StoreLimits,
}

/// A string argument `(ptr, len)` from the module's memory; a range outside it traps.
fn text<H>(caller: &Caller<'_, State<H>>, ptr: u32, len: u32) -> Result<String, wasmi::Error> {
    let bytes = bytes(caller, ptr, len)?;
    String::from_utf8(bytes).map_err(|_| wasmi::Error::new("a string argument is not UTF-8"))
}

fn bytes<H>(
    caller: &Caller<'_, State<H>>,
    ptr: u32,
    len: u32,
) -> Result<alloc::vec::Vec<u8>, wasmi::Error> {
    let memory = caller
        .get_export("memory")
        .and_then(Extern::into_memory)
        .ok_or_else(|| wasmi::Error::new("the module exports no memory"))?;
    if len > 1 << 20 {
        return Err(wasmi::Error::new("a string argument is longer than 1 MiB"));
    }
    let mut buf = vec![0u8; len as usize];
    memory
        .read(caller, ptr as usize, &mut buf)
        .map_err(|_| wasmi::Error::new("a string argument lies outside the module's memory"))?;
    Ok(buf)
}

fn put<H>(caller: &mut Caller<'_, State<H>>, ptr: u32, data: &[u8]) -> Result<(), wasmi::Error> {
    let memory = caller
        .get_export("memory")
        .and_then(Extern::into_memory)
        .ok_or_else(|| wasmi::Error::new("the module exports no memory"))?;
    memory
        .write(caller, ptr as usize, data)
        .map_err(|_| wasmi::Error::new("a buffer argument lies outside the module's memory"))
}

fn link<H: Host + 'static>(linker: &mut Linker<State<H>>) -> Result<(), wasmi::Error> {
    linker.func_wrap(
        "minios",
        "print",
        |mut c: Caller<'_, State<H>>, ptr: u32, len: u32| -> Result<(), wasmi::Error> {
            let t = text(&c, ptr, len)?;
            c.data_mut().host.print(&t);
            Ok(())
        },
    )?;
    linker.func_wrap(
        "minios",
        "xs_read",
        |mut c: Caller<'_, State<H>>, p: u32, pl: u32, buf: u32, cap: u32| {
            let path = text(&c, p, pl)?;
            match c.data_mut().host.xs_read(&path) {
                Ok(v) => {
                    let n = v.len().min(cap as usize);
                    put(&mut c, buf, &v.as_bytes()[..n])?;
                    Ok(n as i32)
                }
                Err(errno) => Ok(-errno.abs()),
            }
        },
    )?;
    linker.func_wrap(
        "minios",
        "xs_write",
        |mut c: Caller<'_, State<H>>, p: u32, pl: u32, v: u32, vl: u32| {
            let (path, value) = (text(&c, p, pl)?, text(&c, v, vl)?);
            Ok(match c.data_mut().host.xs_write(&path, &value) {
                Ok(()) => 0,
                Err(errno) => -errno.abs(),
            })
        },
    )?;
    linker.func_wrap(
        "minios",
        "xs_watch",
        |mut c: Caller<'_, State<H>>, p: u32, pl: u32, ms: u32| {
            let path = text(&c, p, pl)?;
            Ok(match c.data_mut().host.xs_watch(&path, ms) {
                Ok(fired) => i32::from(fired),
                Err(errno) => -errno.abs(),
            })
        },
    )?;
    linker.func_wrap(
        "minios",
        "sleep_ms",
        |mut c: Caller<'_, State<H>>, ms: u32| c.data_mut().host.sleep_ms(ms),
    )?;
    linker.func_wrap("minios", "now_ms", |mut c: Caller<'_, State<H>>| {
        c.data_mut().host.now_ms() as i64
    })?;
    linker.func_wrap("minios", "exit", |code: i32| -> Result<(), wasmi::Error> {
        Err(wasmi::Error::i32_exit(code))
    })?;
    Ok(())
}

/// Runs the module `wasm` to its exit code.
pub fn run<H: Host + 'static>(wasm: &[u8], host: H, limits: Limits) -> Result<i32, RunError> {
    let mut config = Config::default();
    config.consume_fuel(limits.fuel.is_some());
    let engine = Engine::new(&config);
    let module = Module::new(&engine, wasm).map_err(|e| RunError::Invalid(e.to_string()))?;
    let state = State {
        host,
        limits: StoreLimitsBuilder::new()
            .memory_size(limits.memory_bytes)
            .trap_on_grow_failure(true)
            .build(),
    };
    let mut store = Store::new(&engine, state);
    store.limiter(|s| &mut s.limits);
    if let Some(fuel) = limits.fuel {
        store
            .set_fuel(fuel)
            .map_err(|e| RunError::Link(e.to_string()))?;
    }
    let mut linker = Linker::new(&engine);
    link(&mut linker).map_err(|e| RunError::Link(e.to_string()))?;
    let instance = linker
        .instantiate(&mut store, &module)
        .and_then(|pre| pre.start(&mut store))
        .map_err(|e| match e.i32_exit_status() {
            Some(_) => RunError::Link(String::from("exit called by the start function")),
            None => RunError::Link(e.to_string()),
        })?;
    let main = instance
        .get_typed_func::<(), i32>(&store, "main")
        .map_err(|e| RunError::NoMain(e.to_string()))?;
    match main.call(&mut store, ()) {
        Ok(code) => Ok(code),
        Err(e) => match e.i32_exit_status() {
            Some(code) => Ok(code),
            None => Err(RunError::Trap(format!("{e}"))),
        },
    }
}

#[cfg(test)]
mod tests;
