//! The primary console: the `xencons_interface` ring that xenconsoled reads in dom0.
//!
//! Output has back-pressure: when the ring is full the writer notifies the backend and
//! waits on the console's event channel (xenconsoled notifies after it consumed output), so
//! nothing written is lost and no CPU is burnt meanwhile.

use core::mem::offset_of;

use crate::abi::console::{mask_out_idx, XenconsInterface, XENCONS_OUT_SIZE};
use crate::sys::shared::SharedPage;
use crate::sys::xen;

const OUT: usize = offset_of!(XenconsInterface, out);
const OUT_CONS: usize = offset_of!(XenconsInterface, out_cons);
const OUT_PROD: usize = offset_of!(XenconsInterface, out_prod);

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
    /// Writes all of `data`, waiting for the backend when the ring is full.
    pub fn write(&self, mut data: &[u8]) {
        while !data.is_empty() {
            let cons = self.ring.load_u32(OUT_CONS);
            let prod = self.ring.load_u32(OUT_PROD);
            // A backend that reports more than a ring's worth in flight is broken: wait for
            // it like for a full ring rather than overwrite unread bytes.
            let space = XENCONS_OUT_SIZE.saturating_sub(prod.wrapping_sub(cons) as usize);
            if space == 0 {
                self.notify();
                self.wait_for_space();
                continue;
            }
            let n = space.min(data.len());
            let start = mask_out_idx(prod);
            let first = n.min(XENCONS_OUT_SIZE - start);
            self.ring.write_bytes(OUT + start, &data[..first]);
            self.ring.write_bytes(OUT, &data[first..n]);
            self.ring.store_u32(OUT_PROD, prod.wrapping_add(n as u32));
            self.notify();
            data = &data[n..];
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
