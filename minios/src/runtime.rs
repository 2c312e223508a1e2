//! What every minios application gets: its start info, `main!`, poweroff and panics.

use core::fmt::Write;

use crate::sys::xen::{self, ShutdownReason};

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
