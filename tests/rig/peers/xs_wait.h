/* xs_wait.h: waiting on xenstore nodes with a deadline, for the rig's dom0 peers (included by
 * xs_incr.c and gnt_peer.c, linked static with -lxenstore). A wait re-reads its condition
 * every few milliseconds until it holds or the deadline passes: a handshake, never a sleep
 * of a guessed length.
 *
 * Why polling and not xs_watch: in a static binary libxenstore's watch reader thread breaks
 * the connection after the first reply here (the second request fails with EINVAL, the
 * next with EBADF; the same program linked dynamically works).
 */
#ifndef XS_WAIT_H
#define XS_WAIT_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xenstore.h>

/* How often a wait re-reads its node. */
#define XSW_POLL_MS 10

/* CLOCK_MONOTONIC in milliseconds. */
static inline long long xsw_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleeps one polling interval. */
static inline void xsw_nap(void)
{
    struct timespec ts = { 0, XSW_POLL_MS * 1000000L };
    nanosleep(&ts, NULL);
}

/* PATH's value (free it), or NULL when it is absent or unreadable. */
static inline char *xsw_read(struct xs_handle *h, const char *path)
{
    unsigned int len;
    return xs_read(h, XBT_NULL, path, &len);
}

/* Whether PATH reads WANT now. */
static inline bool xsw_is(struct xs_handle *h, const char *path, const char *want)
{
    char *v = xsw_read(h, path);
    bool same = v && strcmp(v, want) == 0;
    free(v);
    return same;
}

/* Waits up to timeout_ms until PATH reads WANT. Returns true when it did. */
static inline bool xsw_wait_value(struct xs_handle *h, const char *path, const char *want,
                                  int timeout_ms)
{
    long long deadline = xsw_now_ms() + timeout_ms;
    while (!xsw_is(h, path, want)) {
        if (xsw_now_ms() > deadline) {
            fprintf(stderr, "xs_wait: %s did not become %s in %d ms\n", path, want,
                    timeout_ms);
            return false;
        }
        xsw_nap();
    }
    return true;
}

/* Writes VALUE to PATH; false (with a message) when xenstored refused. */
static inline bool xsw_write(struct xs_handle *h, const char *path, const char *value)
{
    if (xs_write(h, XBT_NULL, path, value, strlen(value)))
        return true;
    perror(path);
    return false;
}

#endif
