/* vchan-serve: dom0's own libxenvchan server for the vchan rig tests (tests/rig/tests/rig/
 * vchan.rs), built static on the host against Debian's libxen-dev 4.17 and run in the rig's
 * dom0: the peer of our vchan client at ring orders vchan-socket-proxy does not offer.
 *
 * usage: vchan-serve DOMID PATH LEFT_MIN RIGHT_MIN IN OUT [FLOWING]
 *
 * Serves a vchan to DOMID at the xenstore PATH (libxenvchan_server_init with rings of at
 * least LEFT_MIN bytes client to server and RIGHT_MIN back), waits (up to 120 s) for the
 * client, then writes all of the file IN into the vchan while it reads the echo back; once
 * as many bytes came back it writes them to OUT and closes. Prints
 * `vchan-serve: published`, then `vchan-serve: bytes=N us=N` and exits 0, or says what failed
 * (the client closed early, a stall of 30 s) and exits 1. With FLOWING, prints
 * `vchan-serve: flowing bytes=N` once FLOWING bytes came back.
 */
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <libxenvchan.h>

static uint64_t now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000 + (uint64_t)t.tv_nsec / 1000;
}

/* Waits up to `ms` for the vchan's event channel; 0 if it fired. */
static int wait_event(struct libxenvchan *c, int ms)
{
    struct pollfd p = {.fd = libxenvchan_fd_for_select(c), .events = POLLIN};
    if (poll(&p, 1, ms) <= 0)
        return -1;
    libxenvchan_wait(c);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 7 && argc != 8) {
        fprintf(stderr, "usage: vchan-serve DOMID PATH LEFT_MIN RIGHT_MIN IN OUT [FLOWING]\n");
        return 2;
    }
    size_t flowing = argc == 8 ? strtoull(argv[7], NULL, 10) : 0;
    FILE *f = fopen(argv[5], "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        perror(argv[5]);
        return 1;
    }
    size_t total = (size_t)st.st_size;
    char *out = malloc(total + 1), *back = malloc(total + 1);
    if (!out || !back || fread(out, 1, total, f) != total) {
        fprintf(stderr, "vchan-serve: reading %s failed\n", argv[5]);
        return 1;
    }
    fclose(f);
    struct libxenvchan *c = libxenvchan_server_init(NULL, atoi(argv[1]), argv[2],
                                                    strtoull(argv[3], NULL, 10),
                                                    strtoull(argv[4], NULL, 10));
    if (!c) {
        perror("vchan-serve: libxenvchan_server_init");
        return 1;
    }
    c->blocking = 0;
    printf("vchan-serve: published\n");
    fflush(stdout);
    uint64_t limit = now_us() + 120000000;
    while (libxenvchan_is_open(c) == 2) {
        if (now_us() > limit) {
            fprintf(stderr, "vchan-serve: no client within 120 s\n");
            return 1;
        }
        wait_event(c, 1000);
    }
    uint64_t start = now_us(), last = start;
    size_t sent = 0, got = 0;
    while (got < total) {
        int progress = 0;
        if (sent < total) {
            int w = libxenvchan_write(c, out + sent, total - sent);
            if (w < 0) {
                fprintf(stderr, "vchan-serve: write after %zu bytes failed\n", sent);
                return 1;
            }
            sent += (size_t)w;
            progress |= w > 0;
        }
        int ready = libxenvchan_data_ready(c);
        if (ready > 0) {
            size_t want = total - got < (size_t)ready ? total - got : (size_t)ready;
            int r = libxenvchan_read(c, back + got, want);
            if (r < 0) {
                fprintf(stderr, "vchan-serve: read after %zu bytes failed\n", got);
                return 1;
            }
            if (flowing && got < flowing && got + (size_t)r >= flowing) {
                printf("vchan-serve: flowing bytes=%zu\n", got + (size_t)r);
                fflush(stdout);
            }
            got += (size_t)r;
            progress |= r > 0;
        }
        if (progress) {
            last = now_us();
            continue;
        }
        if (!libxenvchan_is_open(c)) {
            fprintf(stderr, "vchan-serve: the client closed after %zu of %zu bytes\n", got, total);
            return 1;
        }
        if (now_us() - last > 30000000) {
            fprintf(stderr, "vchan-serve: nothing for 30 s after %zu of %zu bytes\n", got, total);
            return 1;
        }
        wait_event(c, 100);
    }
    uint64_t end = now_us();
    libxenvchan_close(c);
    f = fopen(argv[6], "wb");
    if (!f || fwrite(back, 1, total, f) != total || fclose(f) != 0) {
        perror(argv[6]);
        return 1;
    }
    printf("vchan-serve: bytes=%zu us=%" PRIu64 "\n", total, end - start);
    return 0;
}
