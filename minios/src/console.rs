//! The primary console: the `xencons_interface` ring that xenconsoled reads in dom0.
//!
//! Output has back-pressure: when the ring is full the writer notifies the backend and
//! waits on the console's event channel (xenconsoled notifies after it consumed output), so
//! nothing written is lost and no CPU is burnt meanwhile.

use core::fmt::Write as _;
use core::mem::offset_of;
use core::sync::atomic::{AtomicBool, Ordering};

use crate::abi::console::{XenconsInterface, XENCONS_OUT_SIZE};
use crate::ring::{ByteRing, ByteWriter};
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

/// A console ring and the event channel that signals its backend.
#[derive(Clone, Copy)]
pub struct Console {
    ring: SharedPage,
    port: u32,
}

static PRIMARY: spin::Once<Console> = spin::Once::new();
/// Serialises writers so that lines do not interleave.
static WRITER: spin::Mutex<()> = spin::Mutex::new(());

impl Console {
    /// The output ring, as a writer starting at the producer index the page holds (so a
    /// second handle, on the panic path, stays consistent).
    fn writer(&self) -> Option<ByteWriter<SharedPage, SharedPage>> {
        let ring = ByteRing {
            idx: self.ring,
            cons_off: offset_of!(XenconsInterface, out_cons),
            prod_off: offset_of!(XenconsInterface, out_prod),
            data: self.ring,
            data_off: offset_of!(XenconsInterface, out),
            size: XENCONS_OUT_SIZE as u32,
        };
        ByteWriter::new(ring).ok()
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

impl core::fmt::Write for Console {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        Console::write(self, s.as_bytes());
        Ok(())
    }
}

/// Sets up the primary console on Xen's console ring page.
pub(crate) fn init(ring: SharedPage, port: u32) {
    PRIMARY.call_once(|| Console { ring, port });
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
