//! The primary console: the `xencons_interface` ring that xenconsoled serves in dom0.
//!
//! Output is synchronous (the log and the panic path use it) and has back-pressure: when
//! the ring is full the writer notifies the backend and blocks on the console's event
//! channel (xenconsoled notifies after it consumed output), so nothing written is lost and
//! no CPU is burnt meanwhile.
//!
//! Input is async, through one owner at a time ([`input`]). The reader and a blocked
//! writer share the port: a writer that takes an event the reader waited for always writes
//! next, and xenconsoled's notification after consuming that output wakes the reader, which
//! then finds its input.

use alloc::vec::Vec;
use core::fmt::Write as _;
use core::sync::atomic::{AtomicBool, Ordering};

use super::keys::{Key, KeyDecoder};
use super::line::LineEditor;
use super::stream::{out_ring, Reader, Signal};
use super::ConsoleError;
use crate::events::Port;
use crate::ring::ByteWriter;
use crate::sys::shared::SharedPage;
use crate::sys::xen;

/// Xen's own (debug) console, which needs no lock and no heap.
struct XenDebugConsole;

impl core::fmt::Write for XenDebugConsole {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        xen::console_io_write(s.as_bytes());
        Ok(())
    }
}

/// The backend broke the output ring: output goes to Xen's debug console from then on.
static BROKEN: AtomicBool = AtomicBool::new(false);

/// The console ring and the event channel that signals xenconsoled.
#[derive(Clone, Copy)]
struct Primary {
    ring: SharedPage,
    port: u32,
}

static PRIMARY: spin::Once<Primary> = spin::Once::new();
/// Serialises writers so that lines do not interleave.
static WRITER: spin::Mutex<()> = spin::Mutex::new(());

impl Primary {
    /// The output ring, as a writer starting at the producer index the page holds (so a
    /// second handle, on the panic path, stays consistent).
    fn writer(&self) -> Option<ByteWriter<SharedPage, SharedPage>> {
        ByteWriter::new(out_ring(self.ring)).ok()
    }

    /// Writes all of `data`, waiting for the backend when the ring is full. If the backend
    /// breaks the ring protocol, says so and writes the rest (and all later output) to
    /// Xen's own console instead.
    pub fn write(&self, mut data: &[u8]) {
        let writer = if BROKEN.load(Ordering::Relaxed) {
            None
        } else {
            self.writer()
        };
        let Some(mut out) = writer else {
            return xen::console_io_write(data);
        };
        while !data.is_empty() {
            match out.write(data) {
                Ok(0) => {
                    self.notify();
                    self.wait_for_space();
                }
                Ok(n) => {
                    self.notify();
                    data = &data[n..];
                }
                Err(e) => {
                    BROKEN.store(true, Ordering::Relaxed);
                    let _ = writeln!(
                        XenDebugConsole,
                        "minios: the console backend broke the ring ({e})"
                    );
                    return xen::console_io_write(data);
                }
            }
        }
    }

    /// Sleeps until the backend signals the console's port. The wait takes no lock, so it
    /// is also safe on the panic path.
    fn wait_for_space(&self) {
        match crate::events::Port::new(self.port) {
            Some(port) => port.wait_blocking(),
            None => xen::sched_yield(),
        }
    }

    fn notify(&self) {
        // A failed notify only delays output; the next write notifies again.
        let _ = xen::evtchn_send(self.port);
    }
}

/// Sets up the primary console on Xen's console ring page.
pub(crate) fn init(ring: SharedPage, port: u32) {
    PRIMARY.call_once(|| Primary { ring, port });
}

/// Writes `data` to the primary console (or Xen's debug console before it exists).
pub fn write(data: &[u8]) {
    match PRIMARY.get() {
        Some(c) => {
            let _guard = WRITER.lock();
            c.write(data)
        }
        None => xen::console_io_write(data),
    }
}

/// Writes `data` without waiting for other writers: for the panic path, where the code
/// that panicked may hold the writer lock. The ring indexes live in the shared page, so a
/// second handle stays consistent.
pub(crate) fn write_unlocked(data: &[u8]) {
    match PRIMARY.get() {
        Some(c) => c.write(data),
        None => xen::console_io_write(data),
    }
}

/// An event channel as a console's [`Signal`].
#[derive(Debug, Clone, Copy)]
pub struct PortSignal(pub Port);

impl Signal for PortSignal {
    fn notify(&self) {
        // A failed notify only delays the backend; the next one tells it again.
        let _ = self.0.notify();
    }
    fn wait(&self) -> impl core::future::Future<Output = ()> {
        self.0.wait()
    }
}

/// Whether an [`Input`] is alive.
static INPUT_TAKEN: AtomicBool = AtomicBool::new(false);

/// How long a lone ESC waits for the rest of a sequence before it counts as the Esc key.
const ESC_QUIET: crate::time::Duration = crate::time::Duration::from_millis(50);

/// Typed bytes read so far and not handed out yet.
const INPUT_BUF: usize = 64;

/// The primary console's input (what is typed into `xl console`): raw bytes, lines, keys.
/// One owner at a time; dropping it frees the input for the next [`input`].
pub struct Input {
    reader: Reader<SharedPage, PortSignal>,
    keys: KeyDecoder,
    /// A key decoded and not returned yet (one byte can complete two).
    queued: Option<Key>,
    buf: [u8; INPUT_BUF],
    at: usize,
    len: usize,
}

/// Takes the primary console's input.
pub fn input() -> Result<Input, ConsoleError> {
    let p = PRIMARY.get().ok_or(ConsoleError::NoPrimary)?;
    let port = Port::new(p.port).ok_or(ConsoleError::NoPrimary)?;
    if INPUT_TAKEN.swap(true, Ordering::AcqRel) {
        return Err(ConsoleError::InputTaken);
    }
    match Reader::new(p.ring, PortSignal(port)) {
        Ok(reader) => Ok(Input {
            reader,
            keys: KeyDecoder::new(),
            queued: None,
            buf: [0; INPUT_BUF],
            at: 0,
            len: 0,
        }),
        Err(e) => {
            INPUT_TAKEN.store(false, Ordering::Release);
            Err(e.into())
        }
    }
}

impl Drop for Input {
    fn drop(&mut self) {
        INPUT_TAKEN.store(false, Ordering::Release);
    }
}

impl Input {
    /// Raw mode: reads at least one byte as typed (up to `buf.len()`), waiting for input.
    pub async fn read(&mut self, buf: &mut [u8]) -> Result<usize, ConsoleError> {
        if self.at == self.len {
            return Ok(self.reader.read(buf).await?);
        }
        let n = (self.len - self.at).min(buf.len());
        buf[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }

    /// Waits for typed bytes in the local buffer.
    async fn fill(&mut self) -> Result<(), ConsoleError> {
        if self.at == self.len {
            self.len = self.reader.read(&mut self.buf).await?;
            self.at = 0;
        }
        Ok(())
    }

    fn next_byte(&mut self) -> Option<u8> {
        (self.at < self.len).then(|| {
            self.at += 1;
            self.buf[self.at - 1]
        })
    }

    /// Line mode: reads one line through `editor`, echoing and editing on the console;
    /// returns it without its line ending. Bytes typed after the line stay for the next
    /// read.
    pub async fn read_line(&mut self, editor: &mut LineEditor) -> Result<Vec<u8>, ConsoleError> {
        let mut echo = Vec::new();
        loop {
            self.fill().await?;
            while let Some(b) = self.next_byte() {
                let line = editor.feed(b, &mut echo);
                write(&echo);
                echo.clear();
                if let Some(line) = line {
                    return Ok(line);
                }
            }
        }
    }

    /// Reads one key (arrows and editing keys decoded; a lone ESC is [`Key::Esc`] once
    /// 50 ms pass without more bytes).
    pub async fn read_key(&mut self) -> Result<Key, ConsoleError> {
        loop {
            if let Some(k) = self.queued.take() {
                return Ok(k);
            }
            while let Some(b) = self.next_byte() {
                let mut keys = self.keys.feed(b);
                if let Some(k) = keys.next() {
                    self.queued = keys.next();
                    return Ok(k);
                }
            }
            if self.keys.pending() {
                match crate::time::timeout(ESC_QUIET, self.fill()).await {
                    Ok(r) => r?,
                    Err(crate::time::Elapsed) => {
                        if let Some(k) = self.keys.flush() {
                            return Ok(k);
                        }
                    }
                }
            } else {
                self.fill().await?;
            }
        }
    }
}

/// `print!` to the primary console.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::console::_print(format_args!($($arg)*)) };
}

/// `println!` to the primary console.
#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => { $crate::console::_print(format_args!("{}\n", format_args!($($arg)*))) };
}

#[doc(hidden)]
pub fn _print(args: core::fmt::Arguments) {
    struct W;
    impl core::fmt::Write for W {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            write(s.as_bytes());
            Ok(())
        }
    }
    let _ = core::fmt::Write::write_fmt(&mut W, args);
}
