//! Boot: from Xen's start_info to the runtime.
//!
//! `_start` (entry.rs) calls [`minios_entry`], which installs the trap table and the event
//! callbacks, maps shared_info and all of RAM, splits the free frames between the heap and
//! the frame pool, and takes the console and xenstore ring pages. It then hands control to
//! the runtime (`crate::runtime::start`): the one call from `sys` upwards.

use super::mm::frames::MAX_FRAMES;
use super::mm::map::{self, frames_as_slice, pfn_to_va};
use super::mm::pool;
use super::shared::SharedPage;
use super::{heap, traps, upcall, xen};
use crate::abi::xen::SIF_MOD_START_PFN;
use crate::abi::StartInfo;

static START_INFO: spin::Once<StartInfo> = spin::Once::new();
static RINGS: spin::Once<Rings> = spin::Once::new();

/// The ring pages start_info names, in the 1:1 mapping.
struct Rings {
    console: SharedPage,
    store: SharedPage,
}

/// The start_info page Xen gave this domain (a copy taken at boot).
pub(crate) fn start_info() -> &'static StartInfo {
    START_INFO.get().expect("booted")
}

/// The module (ramdisk) Xen loaded with the domain, if any.
pub(crate) fn module() -> Option<&'static [u8]> {
    let si = start_info();
    let len = usize::try_from(si.mod_len).ok().filter(|&l| l > 0)?;
    let va = if si.flags & SIF_MOD_START_PFN != 0 {
        pfn_to_va(usize::try_from(si.mod_start).ok()?)
    } else {
        usize::try_from(si.mod_start).ok()?
    };
    // SAFETY: Xen maps the module in the initial mapping (or at its pfns, which the 1:1
    // mapping covers); memory setup kept its pages out of the heap and the pool
    // (`map::init`), and nothing writes them.
    Some(unsafe { core::slice::from_raw_parts(va as *const u8, len) })
}

/// The console ring page (`console.domU.mfn` of start_info).
pub(crate) fn console_ring() -> SharedPage {
    RINGS.get().expect("booted").console
}

/// The xenstore ring page (`store_mfn` of start_info).
pub(crate) fn store_ring() -> SharedPage {
    RINGS.get().expect("booted").store
}

extern "Rust" {
    /// The application's entry, defined by `minios::main!`.
    fn __minios_main();
}

/// Runs the application's main (defined by `minios::main!`).
pub(crate) fn app_main() {
    // SAFETY: `__minios_main` is defined by the application through `minios::main!`, as a
    // safe Rust function with this exact signature.
    unsafe { __minios_main() }
}

/// The shared page over one of start_info's ring frames.
fn ring_page(mfn: u64, what: &str) -> SharedPage {
    let Some(pfn) = map::start_info_frame(mfn) else {
        panic!("start_info's {what} frame {mfn:#x} is not one of ours");
    };
    // SAFETY: Xen maps the ring pages in the initial mapping; memory setup kept them out of
    // the heap and the pool, and they are only accessed through SharedPage for good.
    unsafe { SharedPage::new(pfn_to_va(pfn)) }
}

/// Called by `_start` with the start_info pointer and Xen's entry stack pointer.
pub(super) extern "C" fn minios_entry(si_ptr: *const StartInfo, entry_sp: usize) -> ! {
    // SAFETY: Xen enters with rsi pointing at the start_info page, mapped in the initial
    // mapping; StartInfo is plain data valid for any bytes.
    let si = START_INFO.call_once(|| unsafe { si_ptr.read() });
    traps::init();
    // SAFETY: start_info's own shared_info address.
    if let Err(e) = unsafe { xen::map_shared_info(si.shared_info) } {
        panic!("cannot map shared_info: {e}");
    }
    upcall::install();
    // SAFETY: once, at boot, with Xen's start_info; nothing uses memory above the image yet.
    let layout = match unsafe { map::init(si, si_ptr as usize, entry_sp) } {
        Ok(layout) => layout,
        Err(e) => panic!("cannot map memory: {e}"),
    };
    // The top quarter of the free frames (at most MAX_FRAMES) is the frame pool.
    let free = layout.nr_pages.saturating_sub(layout.first_free);
    let pool_len = (free / 4).min(MAX_FRAMES);
    let pool_start = layout.nr_pages - pool_len;
    // SAFETY: [first_free, nr_pages) is free and mapped (map::init); the heap and the pool
    // get disjoint parts of it, each once.
    unsafe {
        heap::claim(frames_as_slice(layout.first_free, pool_start));
        pool::init(pool_start, pool_len);
    }
    RINGS.call_once(|| Rings {
        console: ring_page(si.console.mfn, "console"),
        store: ring_page(si.store_mfn, "xenstore"),
    });
    crate::runtime::start()
}
