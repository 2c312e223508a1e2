//! What every minios application gets: its start info, `main!`, poweroff and panics.

use core::fmt::Write;

use crate::sys::error::ShutdownReason;
use crate::sys::xen;

/// Where `sys` hands over at the end of boot (memory, heap and frame pool are set up):
/// starts the console, the log, events and time, runs the application's main, then powers
/// off.
pub(crate) fn start() -> ! {
    let si = crate::sys::boot::start_info();
    crate::console::init(crate::sys::boot::console_ring(), si.console.evtchn);
    crate::logger::init();
    // Events and timers after the console and log, so that their warnings are seen.
    crate::events::init();
    crate::time::init();
    crate::sys::boot::app_main();
    poweroff()
}

/// The domain's command line (`extra=` in the xl config), up to the first NUL.
pub fn cmdline() -> &'static str {
    let raw = &crate::sys::boot::start_info().cmd_line;
    let len = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    core::str::from_utf8(&raw[..len]).unwrap_or("")
}

/// The start_info page Xen gave this domain.
pub fn start_info() -> &'static crate::abi::StartInfo {
    crate::sys::boot::start_info()
}

/// The ramdisk (xl's `ramdisk=`) Xen loaded with the domain, if any.
pub fn ramdisk() -> Option<&'static [u8]> {
    crate::sys::boot::module()
}

/// Powers the domain off cleanly; never returns.
pub fn poweroff() -> ! {
    xen::shutdown(ShutdownReason::Poweroff)
}

/// Stops the domain with the given reason; never returns.
pub fn exit(reason: ShutdownReason) -> ! {
    xen::shutdown(reason)
}

/// Declares the application's entry function: `minios::main!(main);` with `fn main()`, or
/// `minios::main!(async main);` with `async fn main()`, which runs under the executor
/// ([`crate::sched::block_on`]) so that it can spawn tasks and await events and timers.
/// When it returns, the domain powers off.
#[macro_export]
macro_rules! main {
    (async $f:path) => {
        #[no_mangle]
        fn __minios_main() {
            $crate::sched::block_on($f())
        }
    };
    ($f:path) => {
        #[no_mangle]
        fn __minios_main() {
            let f: fn() = $f;
            f()
        }
    };
}

#[cfg(target_os = "none")]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    struct Unlocked;
    impl Write for Unlocked {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            crate::console::write_unlocked(s.as_bytes());
            Ok(())
        }
    }
    let _ = writeln!(Unlocked, "minios: {info}");
    xen::shutdown(ShutdownReason::Crash)
}
