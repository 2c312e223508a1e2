//! contest: the consoles on real Xen. Reads a line typed into `xl console` (line mode,
//! echoed) and stores it in xenstore; then, over two PV channels served by the domain's
//! QEMU in dom0, reads 1 MiB from `org.minios.restore` (its sha256 goes to xenstore) and
//! writes 16 MiB of a fixed pattern to `org.minios.save` (dom0 hashes what arrives).
//!
//! Everything it reports is under `data/contest/` of its home: `line`, `restore-sha256`,
//! `restore-ms`, `save-ms`, `save-sha256` (of what it wrote), `restore-ring-full` and `save-ring-full` (how often a ring was
//! found full: the flow control at work), and `error` when something failed.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use minios::abi::console::{XENCONS_IN_SIZE, XENCONS_OUT_SIZE};
use minios::console::{self, Console, ConsoleError, LineEditor};
use minios::time::{self, Duration, Instant};
use minios::{print, println, xenstore};
use sha2::{Digest, Sha256};

minios::main!(async main);

/// Bytes dom0 sends on the restore channel.
const RESTORE_LEN: usize = 1 << 20;
/// Bytes we send on the save channel.
const SAVE_LEN: usize = 16 << 20;
/// The save pattern's seed (tests/rig/tests/rig/console.rs computes the same stream).
const SEED: u32 = 0x2545_f491;
/// Bytes we send per credit byte from dom0 (well below QEMU's 1 MiB buffer limit).
const WINDOW: usize = 256 << 10;
/// How often we signal QEMU while waiting for dom0.
const KICK: Duration = Duration::from_millis(100);
/// Bound on every step.
const STEP: Duration = Duration::from_secs(240);

async fn main() {
    if let Err(e) = run().await {
        println!("contest: FAILED {e}");
        let _ = put("error", &e).await;
    }
}

async fn put(key: &str, value: &str) -> Result<(), String> {
    xenstore::client()
        .write(&format!("data/contest/{key}"), value)
        .await
        .map_err(|e| format!("xenstore write {key}: {e}"))
}

async fn bounded<T>(
    what: &str,
    f: impl core::future::Future<Output = Result<T, ConsoleError>>,
) -> Result<T, String> {
    match time::timeout(STEP, f).await {
        Ok(r) => r.map_err(|e| format!("{what}: {e}")),
        Err(time::Elapsed) => Err(format!("{what}: no progress within {STEP:?}")),
    }
}

async fn run() -> Result<(), String> {
    let mut input = console::input().map_err(|e| format!("input: {e}"))?;
    print!("contest: type a line> ");
    let line = bounded("read_line", input.read_line(&mut LineEditor::new(200))).await?;
    let line = String::from_utf8_lossy(&line);
    println!("contest: got line {line:?}");
    put("line", &line).await?;

    for (id, name) in console::secondary().await.map_err(|e| format!("{e}"))? {
        println!("contest: console {id} name={name:?}");
    }
    let mut restore = bounded("open restore", Console::open_named("org.minios.restore")).await?;
    let mut save = bounded("open save", Console::open_named("org.minios.save")).await?;
    println!(
        "contest: channels connected (restore {}, save {})",
        restore.id(),
        save.id()
    );
    put("connected", "1").await?;

    // Flow control dom0 -> guest: read nothing until QEMU has filled the input ring, so
    // that it must hold back the rest of what dom0 wrote into its pty.
    let deadline = Instant::now().saturating_add(STEP);
    while ring_err(restore.available())? < XENCONS_IN_SIZE as u32 {
        if Instant::now() > deadline {
            return Err(String::from("QEMU never filled the restore ring"));
        }
        time::sleep(Duration::from_millis(10)).await;
    }
    let t = Instant::now();
    let mut hash = Sha256::new();
    let mut buf = [0u8; 4096];
    let mut left = RESTORE_LEN;
    // Reads that found the input ring full: QEMU was waiting for us.
    let mut in_full = 0u32;
    while left > 0 {
        in_full += u32::from(ring_err(restore.available())? == XENCONS_IN_SIZE as u32);
        let n = bounded("restore read", restore.read(&mut buf[..left.min(4096)])).await?;
        hash.update(&buf[..n]);
        left -= n;
    }
    let ms = t.elapsed().as_millis();
    let digest = hex(&hash.finalize());
    println!("contest: restore {RESTORE_LEN} bytes in {ms} ms sha256={digest} ring-full={in_full}");
    put("restore-sha256", &digest).await?;
    put("restore-ms", &format!("{ms}")).await?;
    put("restore-ring-full", &format!("{in_full}")).await?;

    // QEMU 7.2's console backend consumes our ring whatever its pty takes and drops the
    // middle of its buffer past `limit` (1 MiB) when dom0 reads more slowly than we write:
    // dom0 grants credit, one byte per WINDOW bytes (its first byte also says it holds the
    // pty open, without which QEMU drops our output).
    let t = Instant::now();
    let mut x = SEED;
    let mut sent = 0;
    // Chunks that found the output ring still full: we were waiting for QEMU.
    let mut out_full = 0u32;
    // What we handed the ring, to tell our side from QEMU's and dom0's if dom0's differs.
    let mut sent_hash = Sha256::new();
    while sent < SAVE_LEN {
        if sent % WINDOW == 0 {
            credit(&mut save).await?;
        }
        for word in buf.chunks_exact_mut(4) {
            x = xorshift(x);
            word.copy_from_slice(&x.to_le_bytes());
        }
        sent_hash.update(buf);
        out_full += u32::from(ring_err(save.unsent())? == XENCONS_OUT_SIZE as u32);
        bounded("save write", save.write_all(&buf)).await?;
        sent += buf.len();
    }
    bounded("save flush", save.flush()).await?;
    let ms = t.elapsed().as_millis();
    println!("contest: save {SAVE_LEN} bytes in {ms} ms ring-full={out_full}");
    put("save-sha256", &hex(&sent_hash.finalize())).await?;
    put("save-ring-full", &format!("{out_full}")).await?;
    // Last: dom0 waits for it before it reads the others.
    put("save-ms", &format!("{ms}")).await?;
    // QEMU retries output its pty refused only when we signal: kick until dom0 has it all.
    let xs = xenstore::client();
    let deadline = Instant::now().saturating_add(STEP);
    while xs.read("data/contest/save-done").await.is_err() {
        if Instant::now() > deadline {
            return Err(String::from("dom0 never confirmed the save stream"));
        }
        save.kick();
        time::sleep(KICK).await;
    }
    let _ = restore.close().await;
    let _ = save.close().await;
    println!("contest: done");
    Ok(())
}

/// Waits for dom0's next credit byte on `save`, signalling QEMU meanwhile: it passes on the
/// output its pty refused earlier only when we signal.
async fn credit(save: &mut Console) -> Result<(), String> {
    let deadline = Instant::now().saturating_add(STEP);
    let mut byte = [0u8; 1];
    loop {
        match time::timeout(KICK, save.read_exact(&mut byte)).await {
            Ok(r) => return ring_err(r),
            Err(time::Elapsed) if Instant::now() > deadline => {
                return Err(format!("no credit from dom0 within {STEP:?}"))
            }
            Err(time::Elapsed) => save.kick(),
        }
    }
}

fn ring_err<T>(r: Result<T, ConsoleError>) -> Result<T, String> {
    r.map_err(|e| format!("{e}"))
}

/// One step of xorshift32.
fn xorshift(mut x: u32) -> u32 {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    x
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
