/*
 * minios.h: the C API of minios, for C stub domains on Xen (x86_64 PV).
 *
 * Every function is implemented in Rust (minios/c/src/ffi.rs); a host test checks each
 * prototype here against its definition there. Functions that can fail return a negative
 * Linux errno (-ENOENT, -EINVAL, ...) and a value >= 0 on success. Strings are
 * NUL-terminated UTF-8; xenstore paths are relative to the domain's home
 * (/local/domain/DOMID) unless they start with '/'.
 *
 * Your program is `int main(int argc, char **argv)`: argv holds the words of the domain's
 * command line (xl `extra=`), argv[0] is the image's name (what the Rust entry passes to
 * minios_c::run). Pointer arguments must stay valid for the whole call, and a buffer given
 * for writing must not overlap another argument. Returning from main, or exit(),
 * powers the domain off (a nonzero status is printed on the console first).
 */
#ifndef MINIOS_H
#define MINIOS_H

#include <stddef.h>
#include <stdint.h>

/* Console */

/* Writes len bytes to the domain's console (xl console). */
void minios_console_write(const char *buf, size_t len);
/* Reads at least one byte typed on the console, up to len; waits at most timeout_ms
 * (0: do not wait). Returns the count, 0 on timeout, or -errno. */
long minios_console_read(char *buf, size_t len, uint32_t timeout_ms);

/* The domain's command line (xl extra=). */
const char *minios_cmdline(void);

/* Time */

/* Xen system time in nanoseconds: monotonic, for intervals. */
uint64_t minios_now_ns(void);
/* Sleeps for ms milliseconds (other minios tasks run meanwhile). */
void minios_sleep_ms(uint32_t ms);

/* Xenstore */

/* Reads path into buf (at most len - 1 bytes and a NUL). Returns the value's full length
 * (larger than len - 1 if it was cut short) or -errno. */
long xs_read(const char *path, char *buf, size_t len);
/* Writes value to path (creating it). */
int xs_write(const char *path, const char *value);
/* Lists path's children into buf, each name NUL-terminated, one after another. Returns the
 * bytes the whole list needs (larger than len if it was cut short) or -errno. */
long xs_ls(const char *path, char *buf, size_t len);
/* Removes path and its subtree. */
int xs_rm(const char *path);
/* Watches path and its subtree. Returns a watch handle (>= 0) or -errno. xenstored fires
 * a new watch once at once; xs_watch takes that event, so the first xs_watch_wait sees a
 * change made after xs_watch returned. */
int xs_watch(const char *path);
/* Waits at most timeout_ms for an event on watch; the path that changed goes to buf
 * (NUL-terminated, cut to len - 1; buf may be NULL when len is 0). Returns 1 for an event,
 * 0 on timeout, or -errno. */
int xs_watch_wait(int watch, uint32_t timeout_ms, char *buf, size_t len);
/* Removes the watch. */
int xs_unwatch(int watch);

/* Event channels (ports are the domain's own numbers). Only ports allocated or bound here
 * can be notified, waited on or closed: any other is -EBADF. */

/* Allocates a port that domain remote can bind to; its number goes to *port (not NULL). */
int evtchn_alloc_unbound(uint16_t remote, uint32_t *port);
/* Binds remote's unbound port remote_port; the local port goes to *port (not NULL). */
int evtchn_bind_interdomain(uint16_t remote, uint32_t remote_port, uint32_t *port);
/* Notifies the other end of port. */
int evtchn_notify(uint32_t port);
/* Waits at most timeout_ms for port to fire. Returns 1 if it fired, 0 on timeout. */
int evtchn_wait(uint32_t port, uint32_t timeout_ms);
/* Closes port (it stays ours if Xen refuses). */
int evtchn_close(uint32_t port);

/* Block devices (blkfront) */

/* What blk_open found. */
struct minios_disk_info {
	uint64_t sectors;     /* in sector_size units */
	uint32_t sector_size; /* bytes: 512 or 4096 */
	uint32_t read_only;   /* 1 for a read-only disk or a CD-ROM */
};
/* Connects to a virtual disk: node is its frontend path ("device/vbd/51712") or NULL for
 * the first. Fills *info (if not NULL) and returns a disk handle (>= 0) or -errno. */
int blk_open(const char *node, struct minios_disk_info *info);
/* Reads bytes (a multiple of the sector size) from sector on. */
int blk_read(int disk, uint64_t sector, void *buf, size_t bytes);
/* Writes bytes (a multiple of the sector size) from sector on; durable after blk_flush. */
int blk_write(int disk, uint64_t sector, const void *buf, size_t bytes);
/* Flushes the disk's write cache. */
int blk_flush(int disk);
/* Disconnects from the disk. */
int blk_close(int disk);

/* Leaving */

#define MINIOS_SHUTDOWN_POWEROFF 0
#define MINIOS_SHUTDOWN_REBOOT 1
#define MINIOS_SHUTDOWN_CRASH 3

/* Shuts the domain down with reason (one of MINIOS_SHUTDOWN_*). */
_Noreturn void minios_shutdown(int reason);

#endif
