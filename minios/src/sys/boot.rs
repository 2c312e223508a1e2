//! The Rust side of boot: from Xen's start_info to the application's `main`.

use super::{mm, traps, xen};
use crate::abi::StartInfo;

static START_INFO: spin::Once<StartInfo> = spin::Once::new();

/// The start_info page Xen gave this domain (a copy taken at boot).
pub fn start_info() -> &'static StartInfo {
    START_INFO.get().expect("booted")
}

extern "Rust" {
    /// The application's entry, defined by [`crate::main!`].
    fn __minios_main();
}

/// Called by `_start` with the start_info pointer and Xen's entry stack pointer.
pub(super) extern "C" fn minios_entry(si_ptr: *const StartInfo, entry_sp: usize) -> ! {
    // SAFETY: Xen enters with rsi pointing at the start_info page, mapped in the initial
    // mapping; StartInfo is plain data valid for any bytes.
    let si = START_INFO.call_once(|| unsafe { si_ptr.read() });
    traps::init();
    if let Err(e) = xen::map_shared_info(si.shared_info) {
        panic!("cannot map shared_info: {e:?}");
    }
    let map = match mm::init(si, si_ptr as usize, entry_sp) {
        Ok(map) => map,
        Err(e) => panic!("cannot map memory: {e:?}"),
    };
    crate::mm::init(map.first_free, map.nr_pages);
    // SAFETY: the console frame is Xen's console ring page, mapped in the 1:1 mapping for the
    // life of the domain and accessed only through SharedPage.
    let ring =
        unsafe { super::shared::SharedPage::new(mm::pfn_to_va(mm::mfn_to_pfn(si.console.mfn))) };
    crate::console::init(ring, si.console.evtchn);
    crate::logger::init();
    // Events and timers after the console and log, so that their warnings are seen.
    crate::events::init();
    crate::time::init();
    // SAFETY: `__minios_main` is defined by the application through `minios::main!`, with
    // this exact signature.
    unsafe { __minios_main() };
    crate::poweroff()
}

/// Hands `[first, end)` (free, mapped frames) to the heap allocator.
pub(crate) fn heap_region(first: usize, end: usize) -> &'static mut [u8] {
    // SAFETY: called once by crate::mm::init for frames that mm::init reported free.
    unsafe { mm::frames_as_slice(first, end) }
}
