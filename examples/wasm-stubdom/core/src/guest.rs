//! The guest side: minios as the module's [`Host`], and the stubdom's whole program
//! ([`main`]), shared by `examples/wasm-stubdom` and stubdoms made by `cargo xtask new
//! --lang wasm`.
//!
//! The module comes from the ramdisk (xl `ramdisk="module.wasm"`), else the image's built-in
//! one. Its exit code goes to the console and to `data/wasm/exit`; a module that traps, runs
//! out of memory (`wasm.memory-mib=`, default 16) or fuel (`wasm.fuel=`, default none) or
//! cannot be set up gets its message on the console and in `data/wasm/error`. Either way the
//! domain then powers off cleanly.

use alloc::string::String;

use minios::time::{self, Duration, Instant};
use minios::xenstore::{self, XsError};
use minios::{print, println, sched};

use crate::{run, Host, Limits};

/// minios as the module's host.
struct Minios {
    started: Instant,
}

impl Host for Minios {
    fn print(&mut self, text: &str) {
        print!("{text}");
    }
    fn xs_read(&mut self, path: &str) -> Result<String, i32> {
        xenstore::read(path).map_err(XsError::errno)
    }
    fn xs_write(&mut self, path: &str, value: &str) -> Result<(), i32> {
        xenstore::write(path, value).map_err(XsError::errno)
    }
    fn xs_watch(&mut self, path: &str, timeout_ms: u32) -> Result<bool, i32> {
        sched::block_on(async {
            let mut w = xenstore::client()
                .watch(path)
                .await
                .map_err(XsError::errno)?;
            // xenstored fires a new watch once at once.
            w.next().await.map_err(XsError::errno)?;
            let limit = Duration::from_millis(timeout_ms.into());
            match time::timeout(limit, w.next()).await {
                Ok(r) => r.map(|_| true).map_err(XsError::errno),
                Err(time::Elapsed) => Ok(false),
            }
        })
    }
    fn sleep_ms(&mut self, ms: u32) {
        sched::block_on(time::sleep(Duration::from_millis(ms.into())));
    }
    fn now_ms(&mut self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }
}

fn arg<'a>(key: &str) -> Option<&'a str> {
    minios::cmdline()
        .split_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
}

/// Runs the module from the ramdisk, else `builtin`, and powers off.
pub fn main(builtin: &[u8]) -> ! {
    let started = Instant::now();
    let (module, from) = match minios::ramdisk() {
        Some(m) => (m, "the ramdisk"),
        None => (builtin, "the built-in module"),
    };
    let memory_mib: usize = arg("wasm.memory-mib")
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    let fuel = arg("wasm.fuel").and_then(|v| v.parse().ok());
    println!(
        "wasm-stubdom: running {} bytes of WebAssembly from {from} (memory limit {memory_mib} MiB)",
        module.len()
    );
    let limits = Limits {
        memory_bytes: memory_mib << 20,
        fuel,
    };
    match run(module, Minios { started }, limits) {
        Ok(code) => {
            println!("wasm-stubdom: the module exited with code {code}");
            let _ = xenstore::write("data/wasm/exit", alloc::format!("{code}"));
        }
        Err(e) => {
            println!("wasm-stubdom: ERROR {e}");
            let _ = xenstore::write("data/wasm/error", alloc::format!("{e}"));
        }
    }
    minios::poweroff()
}
