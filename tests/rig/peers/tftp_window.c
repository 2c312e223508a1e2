/* tftp_window: a small TFTP read server for the rig, with the options neither of dom0's
 * servers has: windowsize (RFC 7440), beside blksize (RFC 2348), tsize and timeout
 * (RFC 2349). Debian 12's dnsmasq and tftpd-hpa answer blksize and tsize only.
 *
 * usage: tftp_window ADDR ROOT     (serves ROOT/NAME on ADDR:69, one transfer at a time)
 *
 * Each transfer runs from its own socket (a new TID); a window is sent again from the
 * first block not acknowledged when an ACK says so (a gap) or after the timeout, at most
 * 5 times in a row. Block numbers wrap past 65535 (to 0). Prints one line per transfer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAXBLK 65464

static unsigned char pkt[MAXBLK + 4];

static void error_to(int s, const struct sockaddr_in *to, int code, const char *msg)
{
    unsigned char b[516];
    size_t n = strlen(msg) > 500 ? 500 : strlen(msg);
    b[0] = 0;
    b[1] = 5;
    b[2] = (unsigned char)(code >> 8);
    b[3] = (unsigned char)code;
    memcpy(b + 4, msg, n);
    b[4 + n] = 0;
    sendto(s, b, 5 + n, 0, (const struct sockaddr *)to, sizeof *to);
}

/* Waits up to ms for an ACK from the peer; returns its block number, -1 on timeout, -2 on
 * an ERROR from the peer. */
static long wait_ack(int t, int ms)
{
    struct pollfd p = {.fd = t, .events = POLLIN};
    for (;;) {
        if (poll(&p, 1, ms) <= 0)
            return -1;
        unsigned char b[516];
        ssize_t n = recv(t, b, sizeof b, 0);
        if (n >= 4 && b[0] == 0 && b[1] == 4)
            return (long)b[2] << 8 | b[3];
        if (n >= 4 && b[0] == 0 && b[1] == 5)
            return -2;
    }
}

static void serve(const struct sockaddr_in *local, const struct sockaddr_in *peer,
                  const char *root, unsigned char *req, size_t len)
{
    char *p = (char *)req + 2, *end = (char *)req + len;
    char *name = p, path[4096];
    long blksize = 512, window = 1, timeout = 1;
    int want_tsize = 0, oack = 0;
    char opts[512];
    size_t olen = 2;

    if (!memchr(p, 0, end - p))
        return;
    p += strlen(p) + 1;
    if (p >= end || !memchr(p, 0, end - p))
        return;
    p += strlen(p) + 1; /* the mode: octet as a rule */
    opts[0] = 0;
    opts[1] = 6;
    while (p < end && memchr(p, 0, end - p)) {
        char *key = p;
        p += strlen(p) + 1;
        if (p >= end || !memchr(p, 0, end - p))
            break;
        char *val = p;
        p += strlen(p) + 1;
        long v = atol(val);
        char out[32];
        if (!strcasecmp(key, "blksize") && v >= 8) {
            blksize = v > MAXBLK ? MAXBLK : v;
            snprintf(out, sizeof out, "%ld", blksize);
        } else if (!strcasecmp(key, "windowsize") && v >= 1) {
            window = v > 64 ? 64 : v;
            snprintf(out, sizeof out, "%ld", window);
        } else if (!strcasecmp(key, "timeout") && v >= 1 && v <= 255) {
            timeout = v;
            snprintf(out, sizeof out, "%ld", timeout);
        } else if (!strcasecmp(key, "tsize")) {
            want_tsize = 1;
            continue; /* written once the size is known */
        } else {
            continue;
        }
        olen += (size_t)snprintf(opts + olen, sizeof opts - olen, "%s", key) + 1;
        olen += (size_t)snprintf(opts + olen, sizeof opts - olen, "%s", out) + 1;
        oack = 1;
    }

    int t = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in me = *local;
    me.sin_port = 0;
    if (t < 0 || bind(t, (struct sockaddr *)&me, sizeof me) ||
        connect(t, (const struct sockaddr *)peer, sizeof *peer)) {
        perror("tftp_window: transfer socket");
        if (t >= 0)
            close(t);
        return;
    }
    snprintf(path, sizeof path, "%s/%s", root, name);
    int fd = strstr(name, "..") ? -1 : open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) {
        error_to(t, peer, 1, "File not found");
        printf("tftp_window: %s: not found\n", name);
        fflush(stdout);
        close(t);
        return;
    }
    if (want_tsize) {
        olen += (size_t)snprintf(opts + olen, sizeof opts - olen, "tsize") + 1;
        olen += (size_t)snprintf(opts + olen, sizeof opts - olen, "%lld",
                                 (long long)st.st_size) + 1;
        oack = 1;
    }
    uint64_t last = (uint64_t)st.st_size / (uint64_t)blksize + 1; /* the short last block */
    uint64_t base = 1, next = 1, resent = 0;
    int tries = 0;
    if (oack) {
        for (tries = 0; tries < 5; tries++) {
            send(t, opts, olen, 0);
            if (wait_ack(t, (int)timeout * 1000) == 0)
                break;
        }
        if (tries == 5)
            goto out;
        tries = 0;
    }
    while (base <= last) {
        while (next < base + (uint64_t)window && next <= last) {
            off_t at = (off_t)((next - 1) * (uint64_t)blksize);
            ssize_t n = pread(fd, pkt + 4, (size_t)blksize, at);
            if (n < 0)
                n = 0;
            pkt[0] = 0;
            pkt[1] = 3;
            pkt[2] = (unsigned char)(next >> 8);
            pkt[3] = (unsigned char)next;
            send(t, pkt, (size_t)n + 4, 0);
            next++;
        }
        long a = wait_ack(t, (int)timeout * 1000);
        if (a == -2)
            goto out;
        if (a == -1) {
            if (++tries >= 5)
                goto out;
            resent++;
            next = base;
            continue;
        }
        /* The acknowledged block: the one in [base - 1, next - 1] with these low 16 bits. */
        uint64_t acked = (base - 1) + (((uint64_t)a - (base - 1)) & 0xffff);
        if (acked >= next)
            continue; /* not a block we sent */
        tries = 0;
        base = acked + 1;
        if (base <= last && base < next) {
            resent++;
            next = base; /* a gap: resend from the first missing block */
        }
    }
out:
    printf("tftp_window: %s: blksize %ld windowsize %ld: %s (blocks %llu, windows resent %llu)\n",
           name, blksize, window, base > last ? "sent" : "stopped",
           (unsigned long long)(base - 1), (unsigned long long)resent);
    fflush(stdout);
    close(fd);
    close(t);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: tftp_window ADDR ROOT\n");
        return 2;
    }
    struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons(69)};
    if (inet_pton(AF_INET, argv[1], &local.sin_addr) != 1) {
        fprintf(stderr, "tftp_window: bad address %s\n", argv[1]);
        return 2;
    }
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0 || bind(s, (struct sockaddr *)&local, sizeof local)) {
        perror("tftp_window: bind");
        return 1;
    }
    for (;;) {
        struct sockaddr_in peer;
        socklen_t pl = sizeof peer;
        unsigned char req[600];
        ssize_t n = recvfrom(s, req, sizeof req - 1, 0, (struct sockaddr *)&peer, &pl);
        if (n < 4 || req[0] != 0 || req[1] != 1)
            continue;
        req[n] = 0;
        serve(&local, &peer, argv[2], req, (size_t)n);
    }
}
