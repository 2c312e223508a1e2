//! The C ABI: every function minios.h declares, and the call of C's `main`.
//!
//! This module is the crate's only `unsafe` code. Raw pointers from C become references in
//! four helpers ([`text`], [`out`], [`input`], [`output`]), each with the contract C must
//! keep; every export that takes a pointer is an `unsafe extern "C" fn` whose `# Safety`
//! section says what C must guarantee (C calls it regardless, Rust code cannot call it
//! safely). Common to every such contract (minios.h says it too): a pointer argument stays
//! valid for the whole call, and a buffer C passes for writing overlaps no other argument.
//! Exports that take no pointer are safe. Handles index [`Slots`] tables: a bad
//! handle from C is `-EBADF`, never a memory access.
#![allow(unsafe_code)]

use alloc::alloc::{alloc, alloc_zeroed, dealloc, realloc as grow, Layout};
use alloc::collections::BTreeSet;
use alloc::vec::Vec;
use core::ffi::{c_char, c_int, c_long, c_uint, c_void, CStr};
use core::ptr;

use minios::blkfront::{Disk, Overrides, SyncDisk};
use minios::console::Input;
use minios::events::{self, Port};
use minios::time::{self, Duration, Instant};
use minios::xenstore::{self, Watch, XsError};
use minios::{sched, ShutdownReason};
use spin::{Mutex, Once};

use crate::args::{argv, c_string, copy_list, copy_out};
use crate::errno::{self, EBADF, EINVAL, ENODEV, ENOMEM, ETIMEDOUT};
use crate::slots::Slots;

extern "C" {
    /// The C program.
    fn main(argc: c_int, argv: *mut *mut c_char) -> c_int;
}

static WATCHES: Mutex<Slots<Watch<'static>>> = Mutex::new(Slots::new());
static DISKS: Mutex<Slots<SyncDisk<Disk>>> = Mutex::new(Slots::new());
static CONSOLE_IN: Mutex<Option<Input>> = Mutex::new(None);
static PORTS: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());
static CMDLINE: Once<Vec<u8>> = Once::new();

/// A C string argument as `&str`; `-EINVAL` for NULL or bytes that are not UTF-8.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that stays unchanged for `'a`.
unsafe fn text<'a>(p: *const c_char) -> Result<&'a str, i32> {
    if p.is_null() {
        return Err(EINVAL);
    }
    // SAFETY: the caller guarantees a NUL-terminated string, unchanged for 'a.
    let s = unsafe { CStr::from_ptr(p) };
    s.to_str().map_err(|_| EINVAL)
}

/// A C output buffer as a byte slice (empty for NULL or a zero length).
///
/// # Safety
/// Unless `p` is NULL or `len` is 0, `p` points to `len` writable bytes that nothing else
/// reads or writes for `'a`.
unsafe fn out<'a>(p: *mut c_char, len: usize) -> &'a mut [u8] {
    // No object is larger than isize::MAX bytes: such a length is a lie, read as none.
    if p.is_null() || len == 0 || len > isize::MAX as usize {
        return &mut [];
    }
    // SAFETY: the caller guarantees len writable bytes at p, exclusively ours for 'a.
    unsafe { core::slice::from_raw_parts_mut(p.cast::<u8>(), len) }
}

/// A C input buffer as a byte slice (empty for a zero length); `-EINVAL` for NULL.
///
/// # Safety
/// Unless `len` is 0, `p` is NULL or points to `len` readable bytes that nothing writes
/// for `'a`.
unsafe fn input<'a>(p: *const c_void, len: usize) -> Result<&'a [u8], i32> {
    match (p.is_null(), len) {
        (_, 0) => Ok(&[]),
        (true, _) => Err(EINVAL),
        (_, n) if n > isize::MAX as usize => Err(EINVAL),
        // SAFETY: the caller guarantees len readable bytes at p, unchanged for 'a.
        (false, _) => Ok(unsafe { core::slice::from_raw_parts(p.cast::<u8>(), len) }),
    }
}

/// A C output buffer for data (a disk read); `-EINVAL` for NULL with a nonzero length.
///
/// # Safety
/// As [`out`].
unsafe fn output<'a>(p: *mut c_void, len: usize) -> Result<&'a mut [u8], i32> {
    if (p.is_null() && len != 0) || len > isize::MAX as usize {
        return Err(EINVAL);
    }
    // SAFETY: the caller keeps out's contract.
    Ok(unsafe { out(p.cast::<c_char>(), len) })
}

/// Writes `v` through C's pointer `p` when it is not NULL.
///
/// # Safety
/// `p` is NULL or points to a writable, aligned `T`.
unsafe fn store<T>(p: *mut T, v: T) {
    if !p.is_null() {
        // SAFETY: the caller guarantees a writable, aligned T at p.
        unsafe { p.write(v) }
    }
}

fn status(r: Result<(), i32>) -> c_int {
    r.map_or_else(|e| -e, |()| 0)
}

fn length(n: usize) -> c_long {
    c_long::try_from(n).unwrap_or(c_long::MAX)
}

/// Runs `f` to its end or for at most `limit`, whichever is first (other tasks run meanwhile).
fn within<F: core::future::Future>(limit: Duration, f: F) -> Result<F::Output, time::Elapsed> {
    sched::block_on(time::timeout(limit, f))
}

fn millis(ms: u32) -> Duration {
    Duration::from_millis(ms.into())
}

/// Runs C's `main` with argv[0] = `name` (the image's) and the command line's words, and
/// exits with its status.
pub fn run(name: &str) -> ! {
    let mut words = argv(name, minios::cmdline());
    let mut ptrs: Vec<*mut c_char> = words.iter_mut().map(|w| w.as_mut_ptr().cast()).collect();
    ptrs.push(ptr::null_mut());
    let argc = c_int::try_from(words.len()).unwrap_or(c_int::MAX);
    // SAFETY: argv holds argc NUL-terminated strings and a NULL, writable (C may modify
    // them, as it may its argv) and alive in `words` and `ptrs`, which nothing else touches
    // while main runs; we never return from here (exit follows).
    let code = unsafe { main(argc, ptrs.as_mut_ptr()) };
    exit(code)
}

// ---- console

/// # Safety
/// `buf` points to `len` readable bytes (or `len` is 0).
#[no_mangle]
pub unsafe extern "C" fn minios_console_write(buf: *const c_char, len: usize) {
    // SAFETY: the caller guarantees len readable bytes at buf.
    if let Ok(data) = unsafe { input(buf.cast(), len) } {
        minios::console::write(data);
    }
}

/// # Safety
/// `buf` points to `len` writable bytes (or `len` is 0).
#[no_mangle]
pub unsafe extern "C" fn minios_console_read(buf: *mut c_char, len: usize, ms: u32) -> c_long {
    // SAFETY: the caller guarantees len writable bytes at buf.
    let buf = match unsafe { output(buf.cast(), len) } {
        Ok([]) => return 0,
        Ok(b) => b,
        Err(e) => return -c_long::from(e),
    };
    let mut held = CONSOLE_IN.lock();
    if held.is_none() {
        match minios::console::input() {
            Ok(i) => *held = Some(i),
            Err(e) => return -c_long::from(errno::console(&e)),
        }
    }
    let Some(mut inp) = held.take() else {
        return -c_long::from(EBADF);
    };
    drop(held);
    let r = within(millis(ms), inp.read(buf));
    *CONSOLE_IN.lock() = Some(inp);
    match r {
        Ok(Ok(n)) => length(n),
        Ok(Err(e)) => -c_long::from(errno::console(&e)),
        Err(time::Elapsed) => 0,
    }
}

/// The command line, NUL-terminated (static: valid for the domain's life).
#[no_mangle]
pub extern "C" fn minios_cmdline() -> *const c_char {
    CMDLINE
        .call_once(|| c_string(minios::cmdline()))
        .as_ptr()
        .cast()
}

// ---- time

/// Xen system time in nanoseconds.
#[no_mangle]
pub extern "C" fn minios_now_ns() -> u64 {
    Instant::now().as_nanos()
}

/// Sleeps `ms` milliseconds.
#[no_mangle]
pub extern "C" fn minios_sleep_ms(ms: u32) {
    sched::block_on(time::sleep(millis(ms)));
}

/// unistd.h's sleep.
#[no_mangle]
pub extern "C" fn sleep(seconds: c_uint) -> c_uint {
    sched::block_on(time::sleep(Duration::from_secs(seconds.into())));
    0
}

/// unistd.h's usleep (rounded up to a millisecond by the timer).
#[no_mangle]
pub extern "C" fn usleep(usec: c_uint) -> c_int {
    sched::block_on(time::sleep(Duration::from_micros(usec.into())));
    0
}

// ---- xenstore

/// # Safety
/// `path` is a NUL-terminated string; `buf` points to `len` writable bytes (or is NULL).
#[no_mangle]
pub unsafe extern "C" fn xs_read(path: *const c_char, buf: *mut c_char, len: usize) -> c_long {
    // SAFETY: the caller guarantees a C string at path.
    let path = match unsafe { text(path) } {
        Ok(p) => p,
        Err(e) => return -c_long::from(e),
    };
    match sched::block_on(xenstore::client().read_bytes(path)) {
        // SAFETY: the caller guarantees len writable bytes at buf.
        Ok(v) => length(copy_out(&v, unsafe { out(buf, len) })),
        Err(e) => -c_long::from(e.errno()),
    }
}

/// # Safety
/// `path` and `value` are NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn xs_write(path: *const c_char, value: *const c_char) -> c_int {
    // SAFETY: the caller guarantees C strings at path and value.
    let (path, value) = match unsafe { (text(path), text(value)) } {
        (Ok(p), Ok(v)) => (p, v),
        (Err(e), _) | (_, Err(e)) => return -e,
    };
    status(xenstore::write(path, value).map_err(XsError::errno))
}

/// # Safety
/// `path` is a NUL-terminated string; `buf` points to `len` writable bytes (or is NULL).
#[no_mangle]
pub unsafe extern "C" fn xs_ls(path: *const c_char, buf: *mut c_char, len: usize) -> c_long {
    // SAFETY: the caller guarantees a C string at path.
    let path = match unsafe { text(path) } {
        Ok(p) => p,
        Err(e) => return -c_long::from(e),
    };
    match xenstore::directory(path) {
        // SAFETY: the caller guarantees len writable bytes at buf.
        Ok(names) => length(copy_list(&names, unsafe { out(buf, len) })),
        Err(e) => -c_long::from(e.errno()),
    }
}

/// # Safety
/// `path` is a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn xs_rm(path: *const c_char) -> c_int {
    // SAFETY: the caller guarantees a C string at path.
    let path = match unsafe { text(path) } {
        Ok(p) => p,
        Err(e) => return -e,
    };
    status(xenstore::rm(path).map_err(XsError::errno))
}

/// # Safety
/// `path` is a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn xs_watch(path: *const c_char) -> c_int {
    // SAFETY: the caller guarantees a C string at path.
    let path = match unsafe { text(path) } {
        Ok(p) => p,
        Err(e) => return -e,
    };
    let mut w = match xenstore::watch(path) {
        Ok(w) => w,
        Err(e) => return -e.errno(),
    };
    // xenstored fires a new watch once at once: that event is not a change.
    match within(Duration::from_secs(10), w.next()) {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => return -e.errno(),
        Err(time::Elapsed) => return -ETIMEDOUT,
    }
    WATCHES.lock().insert(w).unwrap_or(-ENOMEM)
}

/// # Safety
/// `buf` points to `len` writable bytes (or is NULL, or `len` is 0).
#[no_mangle]
pub unsafe extern "C" fn xs_watch_wait(
    watch: c_int,
    ms: u32,
    buf: *mut c_char,
    len: usize,
) -> c_int {
    let Some(mut w) = WATCHES.lock().take(watch) else {
        return -EBADF;
    };
    let r = within(millis(ms), w.next());
    WATCHES.lock().put_back(watch, w);
    match r {
        Ok(Ok(path)) => {
            // SAFETY: the caller guarantees len writable bytes at buf.
            copy_out(path.as_bytes(), unsafe { out(buf, len) });
            1
        }
        Ok(Err(e)) => -e.errno(),
        Err(time::Elapsed) => 0,
    }
}

/// Removes a watch.
#[no_mangle]
pub extern "C" fn xs_unwatch(watch: c_int) -> c_int {
    let Some(w) = WATCHES.lock().remove(watch) else {
        return -EBADF;
    };
    status(sched::block_on(w.unwatch()).map_err(XsError::errno))
}

// ---- event channels: C may use only the ports it allocated or bound here

/// A port C owns; `-EBADF` for any other (minios's own ports, xenstore's and the console's,
/// are not C's to notify, wait on or close).
fn port(raw: u32) -> Result<Port, i32> {
    if !PORTS.lock().contains(&raw) {
        return Err(EBADF);
    }
    Port::new(raw).ok_or(EINVAL)
}

/// Records a port C now owns and tells C its number.
///
/// # Safety
/// As [`store`].
unsafe fn owned(p: Port, out: *mut u32) -> c_int {
    PORTS.lock().insert(p.raw());
    // SAFETY: the caller keeps store's contract.
    unsafe { store(out, p.raw()) };
    0
}

/// # Safety
/// `port` is NULL or points to a writable `uint32_t`.
#[no_mangle]
pub unsafe extern "C" fn evtchn_alloc_unbound(remote: u16, port: *mut u32) -> c_int {
    // A port C could not name would stay open for good.
    if port.is_null() {
        return -EINVAL;
    }
    match events::alloc_unbound(remote) {
        // SAFETY: the caller guarantees a writable u32 at port (or NULL).
        Ok(p) => unsafe { owned(p, port) },
        Err(e) => -errno::event(&e),
    }
}

/// # Safety
/// `port` is NULL or points to a writable `uint32_t`.
#[no_mangle]
pub unsafe extern "C" fn evtchn_bind_interdomain(
    remote: u16,
    remote_port: u32,
    port: *mut u32,
) -> c_int {
    if port.is_null() {
        return -EINVAL;
    }
    match events::bind_interdomain(remote, remote_port) {
        // SAFETY: the caller guarantees a writable u32 at port (or NULL).
        Ok(p) => unsafe { owned(p, port) },
        Err(e) => -errno::event(&e),
    }
}

/// Notifies the other end of a port.
#[no_mangle]
pub extern "C" fn evtchn_notify(raw: u32) -> c_int {
    status(port(raw).and_then(|p| p.notify().map_err(|e| errno::event(&e))))
}

/// Waits for a port to fire: 1, or 0 on timeout.
#[no_mangle]
pub extern "C" fn evtchn_wait(raw: u32, ms: u32) -> c_int {
    match port(raw) {
        Ok(p) => match within(millis(ms), p.wait()) {
            Ok(_) => 1,
            Err(time::Elapsed) => 0,
        },
        Err(e) => -e,
    }
}

/// Closes a port.
#[no_mangle]
pub extern "C" fn evtchn_close(raw: u32) -> c_int {
    let r = port(raw).and_then(|p| events::close(p).map_err(|e| errno::event(&e)));
    if r.is_ok() {
        PORTS.lock().remove(&raw);
    }
    status(r)
}

// ---- block devices

/// The C struct minios_disk_info.
#[repr(C)]
pub struct DiskInfo {
    sectors: u64,
    sector_size: u32,
    read_only: u32,
}

const _: () = assert!(core::mem::size_of::<DiskInfo>() == 16);

fn first_vbd() -> Result<alloc::string::String, i32> {
    let ids = xenstore::directory("device/vbd").map_err(|_| ENODEV)?;
    let id = ids.first().ok_or(ENODEV)?;
    Ok(alloc::format!("device/vbd/{id}"))
}

/// # Safety
/// `node` is NULL or a NUL-terminated string; `info` is NULL or points to a writable
/// `struct minios_disk_info`.
#[no_mangle]
pub unsafe extern "C" fn blk_open(node: *const c_char, info: *mut DiskInfo) -> c_int {
    let node = if node.is_null() {
        first_vbd()
    } else {
        // SAFETY: the caller guarantees a C string at node.
        unsafe { text(node) }.map(alloc::string::String::from)
    };
    let node = match node {
        Ok(n) => n,
        Err(e) => return -e,
    };
    let disk = match sched::block_on(Disk::open(&node, &Overrides::default())) {
        Ok(d) => d,
        Err(e) => {
            log::warn!("blk_open {node}: {e}");
            return -errno::blk(&e);
        }
    };
    let f = disk.features();
    let found = DiskInfo {
        sectors: f.sectors,
        sector_size: f.sector_size,
        read_only: u32::from(f.info.readonly || f.info.cdrom),
    };
    // SAFETY: the caller guarantees a writable DiskInfo at info (or NULL).
    unsafe { store(info, found) };
    DISKS.lock().insert(disk.into_sync()).unwrap_or(-ENOMEM)
}

fn with_disk(h: c_int, f: impl FnOnce(&SyncDisk<Disk>) -> Result<(), i32>) -> c_int {
    let Some(d) = DISKS.lock().take(h) else {
        return -EBADF;
    };
    let r = f(&d);
    DISKS.lock().put_back(h, d);
    status(r)
}

/// # Safety
/// `buf` points to `bytes` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn blk_read(
    disk: c_int,
    sector: u64,
    buf: *mut c_void,
    bytes: usize,
) -> c_int {
    // SAFETY: the caller guarantees bytes writable bytes at buf.
    let buf = match unsafe { output(buf, bytes) } {
        Ok(b) => b,
        Err(e) => return -e,
    };
    with_disk(disk, |d| {
        d.read_sectors(sector, buf).map_err(|e| errno::blk(&e))
    })
}

/// # Safety
/// `buf` points to `bytes` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn blk_write(
    disk: c_int,
    sector: u64,
    buf: *const c_void,
    bytes: usize,
) -> c_int {
    // SAFETY: the caller guarantees bytes readable bytes at buf.
    let data = match unsafe { input(buf, bytes) } {
        Ok(b) => b,
        Err(e) => return -e,
    };
    with_disk(disk, |d| {
        d.write_sectors(sector, data).map_err(|e| errno::blk(&e))
    })
}

/// Flushes a disk.
#[no_mangle]
pub extern "C" fn blk_flush(disk: c_int) -> c_int {
    with_disk(disk, |d| d.flush().map_err(|e| errno::blk(&e)))
}

/// Disconnects a disk.
#[no_mangle]
pub extern "C" fn blk_close(disk: c_int) -> c_int {
    let Some(d) = DISKS.lock().remove(disk) else {
        return -EBADF;
    };
    sched::block_on(d.io().close());
    0
}

// ---- memory: malloc's block starts with its size, in a header of ALIGN bytes

const ALIGN: usize = 16;

fn block(size: usize) -> Option<Layout> {
    Layout::from_size_align(size.checked_add(ALIGN)?, ALIGN).ok()
}

/// Writes the header of a fresh block and returns the pointer C gets.
///
/// # Safety
/// `base` is NULL or a block of `size + ALIGN` bytes from the global allocator.
unsafe fn finish(base: *mut u8, size: usize) -> *mut c_void {
    if base.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: base is a live block of at least ALIGN bytes, aligned to ALIGN.
    unsafe {
        base.cast::<usize>().write(size);
        base.add(ALIGN).cast()
    }
}

/// The block and layout behind a pointer malloc returned.
///
/// # Safety
/// `p` came from this malloc, calloc or realloc and was not freed.
unsafe fn header(p: *mut c_void) -> (*mut u8, Layout) {
    // SAFETY: p is ALIGN bytes into its block, whose first word is the size.
    let base = unsafe { p.cast::<u8>().sub(ALIGN) };
    // SAFETY: as above.
    let size = unsafe { base.cast::<usize>().read() };
    // The layout was valid when the block was made: a size that gives none means C wrote
    // over the header, and the heap can no longer be trusted.
    let Some(layout) = block(size) else {
        minios::println!("minios-c: free/realloc of a block whose header was overwritten");
        minios::exit(ShutdownReason::Crash)
    };
    (base, layout)
}

/// stdlib.h's malloc: NULL when out of memory or for a size too large.
#[no_mangle]
pub extern "C" fn malloc(size: usize) -> *mut c_void {
    let Some(layout) = block(size) else {
        return ptr::null_mut();
    };
    // SAFETY: the layout is at least ALIGN bytes (never zero-sized); finish gets its block.
    unsafe { finish(alloc(layout), size) }
}

/// stdlib.h's calloc: NULL when out of memory or when `nmemb * size` overflows.
#[no_mangle]
pub extern "C" fn calloc(nmemb: usize, size: usize) -> *mut c_void {
    let Some((total, layout)) = nmemb.checked_mul(size).and_then(|t| Some((t, block(t)?))) else {
        return ptr::null_mut();
    };
    // SAFETY: as malloc.
    unsafe { finish(alloc_zeroed(layout), total) }
}

/// # Safety
/// `p` is NULL or came from malloc, calloc or realloc and was not freed.
#[no_mangle]
pub unsafe extern "C" fn realloc(p: *mut c_void, size: usize) -> *mut c_void {
    if p.is_null() {
        return malloc(size);
    }
    let Some(new) = block(size) else {
        return ptr::null_mut();
    };
    // SAFETY: the caller guarantees p is a live block of ours.
    let (base, old) = unsafe { header(p) };
    // SAFETY: base and old describe a live block; the new size is non-zero and valid for
    // ALIGN (block checked it).
    unsafe { finish(grow(base, old, new.size()), size) }
}

/// # Safety
/// `p` is NULL or came from malloc, calloc or realloc and was not freed.
#[no_mangle]
pub unsafe extern "C" fn free(p: *mut c_void) {
    if p.is_null() {
        return;
    }
    // SAFETY: the caller guarantees p is a live block of ours.
    let (base, layout) = unsafe { header(p) };
    // SAFETY: base and layout describe a live block from alloc.
    unsafe { dealloc(base, layout) }
}

// ---- leaving

/// stdlib.h's exit: powers the domain off (a nonzero status is printed first).
#[no_mangle]
pub extern "C" fn exit(status: c_int) -> ! {
    if status != 0 {
        minios::println!("minios-c: exit status {status}");
    }
    minios::poweroff()
}

/// stdlib.h's abort: the domain crashes.
#[no_mangle]
pub extern "C" fn abort() -> ! {
    minios::println!("minios-c: abort()");
    minios::exit(ShutdownReason::Crash)
}

/// Shuts the domain down (MINIOS_SHUTDOWN_*; anything else is a crash).
#[no_mangle]
pub extern "C" fn minios_shutdown(reason: c_int) -> ! {
    minios::exit(match reason {
        0 => ShutdownReason::Poweroff,
        1 => ShutdownReason::Reboot,
        _ => ShutdownReason::Crash,
    })
}
