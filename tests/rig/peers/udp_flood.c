/* udp-flood: dom0's side of net_detach_during_transfer (tests/rig/tests/rig/net.rs). Built
 * static on the host by the rig test, run in dom0 by its during script.
 *
 * usage: udp-flood ADDR PORT FLOWING STOPFILE LIMIT_S
 *
 * Keeps up to WINDOW datagrams of 64..1400 bytes in flight to ADDR:PORT (the guest's UDP
 * echo), each carrying its sequence number and a pattern derived from it, and checks every
 * datagram that comes back against what was sent. A datagram not answered within 200 ms is
 * counted lost and replaced by a new one, so the flow goes on while the guest is there. Once
 * FLOWING echoes came back it prints `peer: flowing echoed=N` (the script detaches then). It
 * stops when STOPFILE exists or after LIMIT_S seconds, and prints
 * `peer: sent=N echoed=N lost=N mismatched=N send-errors=N after-flowing=N`.
 * Exits 0 when FLOWING echoes came back and none mismatched.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WINDOW 16
#define MAX_LEN 1400
#define LOST_MS 200

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The datagram of sequence number seq: its length and bytes. */
static size_t datagram(uint64_t seq, uint8_t *buf)
{
    size_t len = 64 + (size_t)((seq * 2654435761u) % (MAX_LEN - 64 + 1));
    memcpy(buf, &seq, sizeof seq);
    for (size_t i = sizeof seq; i < len; i++)
        buf[i] = (uint8_t)(seq * 31 + i * 7);
    return len;
}

struct slot {
    uint64_t seq;
    uint64_t sent_ms;
    int used;
};

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: udp-flood ADDR PORT FLOWING STOPFILE LIMIT_S\n");
        return 2;
    }
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])) };
    if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
        fprintf(stderr, "udp-flood: bad address %s\n", argv[1]);
        return 2;
    }
    uint64_t flowing = strtoull(argv[3], NULL, 10);
    const char *stopfile = argv[4];
    uint64_t end = now_ms() + strtoull(argv[5], NULL, 10) * 1000u;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof to) < 0) {
        perror("udp-flood: socket");
        return 2;
    }
    struct slot win[WINDOW] = { 0 };
    uint64_t next = 0, sent = 0, echoed = 0, lost = 0, mismatched = 0, send_errors = 0;
    uint64_t after = 0;
    int said = 0;
    uint8_t out[MAX_LEN], in[MAX_LEN + 1], want[MAX_LEN];
    uint64_t last_stop_check = 0;
    for (;;) {
        uint64_t t = now_ms();
        if (t >= end)
            break;
        if (t - last_stop_check >= 50) {
            last_stop_check = t;
            if (access(stopfile, F_OK) == 0)
                break;
        }
        for (int i = 0; i < WINDOW; i++) {
            if (win[i].used && t - win[i].sent_ms >= LOST_MS) {
                win[i].used = 0;
                lost++;
            }
            if (!win[i].used) {
                size_t len = datagram(next, out);
                if (send(fd, out, len, 0) != (ssize_t)len) {
                    send_errors++;
                    win[i].used = 1; /* retried after LOST_MS, not in a busy loop */
                    win[i].seq = next;
                    win[i].sent_ms = t;
                    next++;
                    continue;
                }
                win[i] = (struct slot){ .seq = next, .sent_ms = t, .used = 1 };
                next++;
                sent++;
            }
        }
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 20) <= 0)
            continue;
        ssize_t n = recv(fd, in, sizeof in, 0);
        if (n < (ssize_t)sizeof(uint64_t))
            continue;
        uint64_t seq;
        memcpy(&seq, in, sizeof seq);
        int i;
        for (i = 0; i < WINDOW; i++)
            if (win[i].used && win[i].seq == seq)
                break;
        if (i == WINDOW)
            continue; /* late: already counted lost */
        win[i].used = 0;
        size_t len = datagram(seq, want);
        if ((size_t)n != len || memcmp(in, want, len) != 0) {
            mismatched++;
            continue;
        }
        echoed++;
        if (said)
            after++;
        if (!said && echoed >= flowing) {
            said = 1;
            printf("peer: flowing echoed=%" PRIu64 "\n", echoed);
            fflush(stdout);
        }
    }
    printf("peer: sent=%" PRIu64 " echoed=%" PRIu64 " lost=%" PRIu64 " mismatched=%" PRIu64
           " send-errors=%" PRIu64 " after-flowing=%" PRIu64 "\n",
           sent, echoed, lost, mismatched, send_errors, after);
    return said && mismatched == 0 ? 0 : 1;
}
