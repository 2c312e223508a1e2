/* dhcp-capture: dom0's packet capture for the dhcp rig test (tests/rig/tests/rig/dhcp.rs),
 * which builds it static on the host; dom0 has no tcpdump.
 *
 * usage: dhcp-capture IFACE LIMIT_S
 *
 * Reads every frame on IFACE (a packet socket bound to it: frames dom0 sends there and
 * frames it receives, each once) and prints a line for each UDP datagram from or to port 67
 * or 68, flushed at once:
 *
 *   cap t=MS dir=in|out type=NAME smac=M dmac=M src=A dst=A sport=N dport=N xid=X
 *       ciaddr=A yiaddr=A siaddr=A chaddr=M len=N hex=BYTES
 *
 * (one line; MS: milliseconds of CLOCK_REALTIME, bash's $EPOCHREALTIME; NAME: the DHCP
 * message type, option 53, or `none`; BYTES: the UDP payload, the BOOTP packet, in hex).
 * Prints `cap ready` once bound, and stops after LIMIT_S seconds (or when killed).
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ms(int clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static const char *type_name(int t)
{
    static const char *names[] = {"none",    "DISCOVER", "OFFER",   "REQUEST", "DECLINE",
                                  "ACK",     "NAK",      "RELEASE", "INFORM"};
    return t >= 0 && t < (int)(sizeof names / sizeof names[0]) ? names[t] : "other";
}

/* Option 53 of the BOOTP packet b (n bytes), 0 when absent or unreadable. */
static int message_type(const uint8_t *b, size_t n)
{
    static const uint8_t cookie[4] = {99, 130, 83, 99};
    if (n < 240 || memcmp(b + 236, cookie, 4) != 0)
        return 0;
    for (size_t i = 240; i < n;) {
        uint8_t c = b[i];
        if (c == 0) {
            i++;
            continue;
        }
        if (c == 255 || i + 1 >= n || i + 2 + b[i + 1] > n)
            return 0;
        if (c == 53 && b[i + 1] >= 1)
            return b[i + 2];
        i += 2 + (size_t)b[i + 1];
    }
    return 0;
}

static void mac(const uint8_t *m, char *out)
{
    sprintf(out, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void ip(const uint8_t *a, char *out)
{
    sprintf(out, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

/* Prints the frame f (n bytes) if it is a DHCP datagram. */
static void show(const uint8_t *f, size_t n, int outgoing)
{
    if (n < 14 + 20 || f[12] != 0x08 || f[13] != 0x00)
        return;
    const uint8_t *iph = f + 14;
    size_t ihl = (size_t)(iph[0] & 0x0f) * 4;
    if ((iph[0] >> 4) != 4 || ihl < 20 || iph[9] != 17 || n < 14 + ihl + 8)
        return;
    if ((iph[6] & 0x3f) != 0 || iph[7] != 0) /* a fragment */
        return;
    const uint8_t *udp = iph + ihl;
    unsigned sport = (unsigned)udp[0] << 8 | udp[1], dport = (unsigned)udp[2] << 8 | udp[3];
    unsigned ulen = (unsigned)udp[4] << 8 | udp[5];
    int dhcp = sport == 67 || sport == 68 || dport == 67 || dport == 68;
    if (!dhcp || ulen < 8)
        return;
    size_t len = ulen - 8, have = n - 14 - ihl - 8;
    if (len > have)
        len = have;
    const uint8_t *b = udp + 8;
    char smac[18], dmac[18], src[16], dst[16], ci[16] = "-", yi[16] = "-", si[16] = "-";
    char ch[18] = "-", xid[9] = "-";
    mac(f + 6, smac);
    mac(f, dmac);
    ip(iph + 12, src);
    ip(iph + 16, dst);
    if (len >= 34) {
        sprintf(xid, "%02x%02x%02x%02x", b[4], b[5], b[6], b[7]);
        ip(b + 12, ci);
        ip(b + 16, yi);
        ip(b + 20, si);
        mac(b + 28, ch);
    }
    printf("cap t=%llu dir=%s type=%s smac=%s dmac=%s src=%s dst=%s sport=%u dport=%u xid=%s "
           "ciaddr=%s yiaddr=%s siaddr=%s chaddr=%s len=%zu hex=",
           (unsigned long long)now_ms(CLOCK_REALTIME), outgoing ? "out" : "in",
           type_name(message_type(b, len)), smac, dmac, src, dst, sport, dport, xid, ci, yi,
           si, ch, len);
    for (size_t i = 0; i < len; i++)
        printf("%02x", b[i]);
    printf("\n");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: dhcp-capture IFACE LIMIT_S\n");
        return 2;
    }
    unsigned idx = if_nametoindex(argv[1]);
    if (idx == 0) {
        perror(argv[1]);
        return 1;
    }
    /* ETH_P_ALL: only taps of every protocol see what dom0 sends (udhcpd's replies). */
    int s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    if (s < 0) {
        perror("socket");
        return 1;
    }
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = (int)idx;
    if (bind(s, (struct sockaddr *)&sll, sizeof sll) != 0) {
        perror("bind");
        return 1;
    }
    printf("cap ready\n");
    fflush(stdout);
    uint64_t end = now_ms(CLOCK_MONOTONIC) + (uint64_t)strtoul(argv[2], NULL, 10) * 1000u;
    for (;;) {
        uint64_t now = now_ms(CLOCK_MONOTONIC);
        if (now >= end)
            return 0;
        struct pollfd p = {.fd = s, .events = POLLIN};
        int left = (int)(end - now);
        if (poll(&p, 1, left) <= 0)
            continue;
        uint8_t frame[2048];
        struct sockaddr_ll from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(s, frame, sizeof frame, 0, (struct sockaddr *)&from, &fl);
        if (n > 0)
            show(frame, (size_t)n, from.sll_pkttype == PACKET_OUTGOING);
    }
}
