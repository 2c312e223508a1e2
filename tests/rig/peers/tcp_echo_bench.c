/* tcp-echo-bench: dom0's client of `cargo xtask bench tcp` (xtask/src/tcp_bench/) and of the
 * echo rig tests (tests/rig/tests/rig/echo.rs), built static on the host and run in the rig's
 * dom0 against a guest's TCP echo.
 *
 * usage: tcp-echo-bench ADDR PORT IN OUT [FLOWING]
 *
 * Reads the file IN into memory, connects to ADDR:PORT (retrying for up to 10 s), then a
 * sender thread writes all of IN while the main thread reads the echo into memory, so the
 * two directions overlap and the figure is the echo's, not the client's. The clock runs from
 * just before the first write to the last byte read back. The connection is closed only
 * after everything came back (no half-close: an echo need not handle one). What came back is
 * written to OUT after the clock stopped; the caller compares its sha256 with IN's.
 *
 * Prints `tcp-echo-bench: bytes=N us=N first-byte-us=N` and exits 0, or says what failed
 * (the connection, a stall of STALL_S seconds with nothing read, an early end) and exits 1.
 * With FLOWING, prints `tcp-echo-bench: flowing bytes=N` (flushed) once FLOWING bytes came
 * back, for a test that acts in the middle of the transfer.
 *
 * ADDR may also be a Unix socket (the vchan rig tests, through vchan-socket-proxy):
 * `unix:PATH` connects to it (PORT is ignored), `listen:PATH` listens there and takes the one
 * connection that comes within ACCEPT_S seconds. When the other side ends the stream early,
 * the message says so with `eof-realtime-ns=N` (CLOCK_REALTIME), for a test that measures how
 * soon a close reached dom0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64 * 1024)
#define STALL_S 30
#define CONNECT_TRIES 100
#define ACCEPT_S 120

static int sock;
static const uint8_t *out_data;
static size_t total;
static int send_failed;

static uint64_t now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000 + (uint64_t)t.tv_nsec / 1000;
}

static void *sender(void *arg)
{
    (void)arg;
    size_t sent = 0;
    while (sent < total) {
        size_t n = total - sent < CHUNK ? total - sent : CHUNK;
        ssize_t w = send(sock, out_data + sent, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            fprintf(stderr, "tcp-echo-bench: send after %zu of %zu bytes: %s\n", sent, total,
                    w < 0 ? strerror(errno) : "nothing written");
            send_failed = 1;
            return NULL;
        }
        sent += (size_t)w;
    }
    return NULL;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        perror(path);
        return NULL;
    }
    uint8_t *buf = malloc((size_t)st.st_size + 1);
    if (!buf || fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        fprintf(stderr, "tcp-echo-bench: reading %s failed\n", path);
        return NULL;
    }
    fclose(f);
    *len = (size_t)st.st_size;
    return buf;
}

static uint64_t realtime_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (uint64_t)t.tv_sec * 1000000000 + (uint64_t)t.tv_nsec;
}

static int unix_socket(const char *path, struct sockaddr_un *sa)
{
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa->sun_path) {
        fprintf(stderr, "tcp-echo-bench: socket path %s too long\n", path);
        return -1;
    }
    strcpy(sa->sun_path, path);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s < 0)
        perror("tcp-echo-bench: socket");
    return s;
}

static int connect_unix(const char *path)
{
    struct sockaddr_un sa;
    for (int i = 0; i < CONNECT_TRIES; i++) {
        int s = unix_socket(path, &sa);
        if (s < 0)
            return -1;
        if (connect(s, (struct sockaddr *)&sa, sizeof sa) == 0)
            return s;
        if (i == CONNECT_TRIES - 1)
            fprintf(stderr, "tcp-echo-bench: connect %s: %s\n", path, strerror(errno));
        close(s);
        usleep(100000);
    }
    return -1;
}

static int accept_unix(const char *path)
{
    struct sockaddr_un sa;
    int l = unix_socket(path, &sa);
    if (l < 0)
        return -1;
    unlink(path);
    struct timeval limit = {.tv_sec = ACCEPT_S};
    setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    if (bind(l, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(l, 1) != 0) {
        fprintf(stderr, "tcp-echo-bench: listen %s: %s\n", path, strerror(errno));
        return -1;
    }
    printf("tcp-echo-bench: listening on %s\n", path);
    fflush(stdout);
    int s = accept(l, NULL, NULL);
    if (s < 0)
        fprintf(stderr, "tcp-echo-bench: accept on %s: %s\n", path, strerror(errno));
    close(l);
    return s;
}

static int connect_to(const char *addr, const char *port)
{
    if (strncmp(addr, "unix:", 5) == 0)
        return connect_unix(addr + 5);
    if (strncmp(addr, "listen:", 7) == 0)
        return accept_unix(addr + 7);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
        fprintf(stderr, "tcp-echo-bench: bad address %s\n", addr);
        return -1;
    }
    for (int i = 0; i < CONNECT_TRIES; i++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0) {
            perror("tcp-echo-bench: socket");
            return -1;
        }
        if (connect(s, (struct sockaddr *)&sa, sizeof sa) == 0)
            return s;
        if (i == CONNECT_TRIES - 1)
            fprintf(stderr, "tcp-echo-bench: connect %s:%s: %s\n", addr, port, strerror(errno));
        close(s);
        usleep(100000);
    }
    return -1;
}

int main(int argc, char **argv)
{
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: tcp-echo-bench ADDR PORT IN OUT [FLOWING]\n");
        return 2;
    }
    size_t flowing = argc == 6 ? (size_t)strtoull(argv[5], NULL, 10) : 0;
    out_data = read_file(argv[3], &total);
    uint8_t *back = malloc(total + 1);
    if (!out_data || !back || total == 0)
        return 1;
    sock = connect_to(argv[1], argv[2]);
    if (sock < 0)
        return 1;
    struct timeval stall = {.tv_sec = STALL_S};
    setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &stall, sizeof stall);
    setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &stall, sizeof stall);

    pthread_t tx;
    uint64_t start = now_us(), first = 0;
    if (pthread_create(&tx, NULL, sender, NULL) != 0) {
        fprintf(stderr, "tcp-echo-bench: pthread_create failed\n");
        return 1;
    }
    size_t got = 0;
    while (got < total) {
        ssize_t r = recv(sock, back + got, total - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            fprintf(stderr, "tcp-echo-bench: receive after %zu of %zu bytes: %s eof-realtime-ns=%" PRIu64 "\n",
                    got, total,
                    r < 0 ? (errno == EAGAIN ? "nothing for 30 s" : strerror(errno))
                          : "the echo closed the connection",
                    realtime_ns());
            return 1;
        }
        if (got == 0)
            first = now_us();
        if (flowing && got < flowing && got + (size_t)r >= flowing) {
            printf("tcp-echo-bench: flowing bytes=%zu\n", got + (size_t)r);
            fflush(stdout);
        }
        got += (size_t)r;
    }
    uint64_t end = now_us();
    pthread_join(tx, NULL);
    close(sock);
    if (send_failed)
        return 1;
    FILE *f = fopen(argv[4], "wb");
    if (!f || fwrite(back, 1, total, f) != total || fclose(f) != 0) {
        perror(argv[4]);
        return 1;
    }
    printf("tcp-echo-bench: bytes=%zu us=%" PRIu64 " first-byte-us=%" PRIu64 "\n", total,
           end - start, first - start);
    return 0;
}
