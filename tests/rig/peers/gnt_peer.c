/* gnt-peer: dom0's side of gnttest (tests/images/gnttest). Built static by the rig test with
 * gcc against libxen-dev's libxenstore and xen/sys/gntdev.h, run in dom0 by its during script.
 *
 * usage: gnt-peer grants DOMID DIR NONCE OUTDIR
 *        gnt-peer follow PATH
 *
 * grants: maps guest DOMID's grants through /dev/xen/gntdev, handing over with it through
 * DIR (its data/gnttest): the guest writes DIR/guest, we write DIR/dom0, each waits for the
 * other's value with a deadline.
 *   guest=granted: DIR/rw-ref (read-write) and DIR/ro-ref (read-only) are granted to us. We
 *     map rw-ref, save the page as OUTDIR/rw-first.bin and write NONCE and a NUL at offset
 *     NONCE_AT through the mapping; try to map ro-ref writable (it must fail), map it
 *     read-only and save it as OUTDIR/ro.bin. We keep rw-ref mapped: dom0=mapped.
 *   guest=self-done: we save the page again (OUTDIR/rw-second.bin), unmap it: dom0=unmapped.
 *   guest=ended: the guest ended the grant; mapping rw-ref again must fail: dom0=checked.
 * follow: prints each new value of PATH (polled, xs_wait.h) until the node goes away, or
 * for at most 300 s.
 *
 * Prints `gnt-peer: KEY=VALUE` lines; exits 0 when every step could be taken (the rig test
 * judges the values).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xen/sys/gntdev.h>

#include "xs_wait.h"

#define PAGE 4096
#define NONCE_AT 3000
#define STEP_MS 120000

static int gntdev;

/* A grant mapped into our address space. */
struct mapping {
    uint64_t index;
    void *addr;
};

/* Maps grant REF of domain DOMID (writable or not). Returns 0, or the errno of the step that
 * failed (the ioctl, or mmap, where the grant map hypercall is made). */
static int map_grant(unsigned int domid, unsigned int ref, int writable, struct mapping *m)
{
    struct ioctl_gntdev_map_grant_ref op = { .count = 1 };
    op.refs[0].domid = domid;
    op.refs[0].ref = ref;
    if (ioctl(gntdev, IOCTL_GNTDEV_MAP_GRANT_REF, &op) < 0)
        return errno;
    m->index = op.index;
    m->addr = mmap(NULL, PAGE, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, gntdev,
                   (off_t)op.index);
    if (m->addr != MAP_FAILED)
        return 0;
    int e = errno;
    struct ioctl_gntdev_unmap_grant_ref un = { .index = op.index, .count = 1 };
    ioctl(gntdev, IOCTL_GNTDEV_UNMAP_GRANT_REF, &un);
    return e;
}

static void unmap_grant(struct mapping *m)
{
    munmap(m->addr, PAGE);
    struct ioctl_gntdev_unmap_grant_ref un = { .index = m->index, .count = 1 };
    if (ioctl(gntdev, IOCTL_GNTDEV_UNMAP_GRANT_REF, &un) < 0)
        perror("gnt-peer: unmap");
}

static int save(const char *outdir, const char *name, const void *page)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", outdir, name);
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(page, 1, PAGE, f) == PAGE;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok)
        perror(path);
    return ok;
}

static const char *result(int e)
{
    return e ? strerror(e) : "mapped";
}

/* The number in node DIR/NAME, or -1. */
static long ref_at(struct xs_handle *h, const char *dir, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *v = xsw_read(h, path);
    long n = v ? strtol(v, NULL, 10) : -1;
    free(v);
    return n;
}

static int grants(struct xs_handle *h, unsigned int domid, const char *dir, const char *nonce,
                  const char *outdir)
{
    char guest[256], dom0[256];
    snprintf(guest, sizeof guest, "%s/guest", dir);
    snprintf(dom0, sizeof dom0, "%s/dom0", dir);
    if (!xsw_wait_value(h, guest, "granted", STEP_MS))
        return 1;
    long rw = ref_at(h, dir, "rw-ref"), ro = ref_at(h, dir, "ro-ref");
    printf("gnt-peer: refs rw=%ld ro=%ld\n", rw, ro);
    if (rw < 0 || ro < 0)
        return 1;
    struct mapping m, r;
    int e = map_grant(domid, (unsigned int)rw, 1, &m);
    printf("gnt-peer: rw-map=%s\n", result(e));
    if (e || !save(outdir, "rw-first.bin", m.addr))
        return 1;
    memcpy((char *)m.addr + NONCE_AT, nonce, strlen(nonce) + 1);
    e = map_grant(domid, (unsigned int)ro, 1, &r);
    printf("gnt-peer: ro-writable-map=%s\n", result(e));
    if (!e)
        unmap_grant(&r);
    e = map_grant(domid, (unsigned int)ro, 0, &r);
    printf("gnt-peer: ro-map=%s\n", result(e));
    if (e || !save(outdir, "ro.bin", r.addr))
        return 1;
    unmap_grant(&r);
    if (!xsw_write(h, dom0, "mapped") || !xsw_wait_value(h, guest, "self-done", STEP_MS))
        return 1;
    if (!save(outdir, "rw-second.bin", m.addr))
        return 1;
    unmap_grant(&m);
    if (!xsw_write(h, dom0, "unmapped") || !xsw_wait_value(h, guest, "ended", STEP_MS))
        return 1;
    e = map_grant(domid, (unsigned int)rw, 1, &m);
    printf("gnt-peer: map-after-end=%s\n", result(e));
    if (!e)
        unmap_grant(&m);
    return xsw_write(h, dom0, "checked") ? 0 : 1;
}

static int follow(struct xs_handle *h, const char *path)
{
    long long deadline = xsw_now_ms() + 300000;
    char last[64] = "";
    int seen = 0;
    while (xsw_now_ms() < deadline) {
        char *v = xsw_read(h, path);
        if (!v && seen) {
            printf("gnt-peer: follow gone\n");
            return 0;
        }
        if (v && strcmp(v, last) != 0) {
            printf("gnt-peer: follow value=%s\n", v);
            snprintf(last, sizeof last, "%s", v);
            seen = 1;
        }
        free(v);
        xsw_nap();
    }
    printf("gnt-peer: follow timed out\n");
    return 1;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int is_grants = argc == 6 && strcmp(argv[1], "grants") == 0;
    int is_follow = argc == 3 && strcmp(argv[1], "follow") == 0;
    if (!is_grants && !is_follow) {
        fprintf(stderr, "usage: gnt-peer grants DOMID DIR NONCE OUTDIR | follow PATH\n");
        return 2;
    }
    struct xs_handle *h = xs_open(0);
    if (!h) {
        perror("xs_open");
        return 1;
    }
    if (is_follow)
        return follow(h, argv[2]);
    gntdev = open("/dev/xen/gntdev", O_RDWR);
    if (gntdev < 0) {
        perror("gnt-peer: /dev/xen/gntdev");
        return 1;
    }
    return grants(h, (unsigned int)strtoul(argv[2], NULL, 10), argv[3], argv[4], argv[5]);
}
