/* evtchn-peer: dom0's side of evtest's interdomain event channel test (tests/images/evtest,
 * src/peer.rs). Built static on the host by the rig test, run in dom0 by its during script.
 *
 * usage: evtchn-peer DOMID PORT PINGS MARKS
 *
 * Binds to the guest's unbound PORT through /dev/xen/evtchn, takes the event Xen always
 * raises on the new local port at bind time (the guest sends nothing before our hello),
 * notifies the guest once (hello), answers PINGS notifications one by one, then timestamps
 * MARKS notifications with CLOCK_MONOTONIC and prints the intervals between them. Once all
 * marks came it notifies the guest once more (bye): the guest keeps its port open until then.
 * Every wait has a deadline. Prints `peer: KEY=VALUE` lines; exits 0 when every expected
 * notification arrived.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

typedef uint16_t domid_t; /* used by the header's restrict_domid ioctl */
#include <xen/sys/evtchn.h>

static int fd;
static uint32_t local_port;
static unsigned int foreign_events;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Waits up to timeout_ms for an event on our port: 1 got one, 0 timed out, -1 error. The
 * driver masks a port when it reports it; writing the port back unmasks it. */
static int wait_event(int timeout_ms)
{
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int r = poll(&p, 1, timeout_ms);
        if (r <= 0)
            return r;
        uint32_t port;
        if (read(fd, &port, sizeof port) != sizeof port)
            return -1;
        if (write(fd, &port, sizeof port) != sizeof port)
            return -1;
        if (port == local_port)
            return 1;
        foreign_events++;
    }
}

static int notify(void)
{
    struct ioctl_evtchn_notify n = { .port = local_port };
    return ioctl(fd, IOCTL_EVTCHN_NOTIFY, &n);
}

static unsigned long arg(const char *s)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*s == '\0' || *end != '\0') {
        fprintf(stderr, "evtchn-peer: bad number %s\n", s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: evtchn-peer DOMID PORT PINGS MARKS\n");
        return 2;
    }
    unsigned int domid = arg(argv[1]), port = arg(argv[2]);
    unsigned int pings = arg(argv[3]), marks = arg(argv[4]);
    setvbuf(stdout, NULL, _IOLBF, 0);

    fd = open("/dev/xen/evtchn", O_RDWR);
    if (fd < 0) {
        perror("evtchn-peer: /dev/xen/evtchn");
        return 1;
    }
    struct ioctl_evtchn_bind_interdomain bind = { .remote_domain = domid, .remote_port = port };
    int rc = ioctl(fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &bind);
    if (rc < 0) {
        perror("evtchn-peer: bind_interdomain");
        return 1;
    }
    local_port = (uint32_t)rc;
    printf("peer: bound local=%u remote=%u:%u\n", local_port, domid, port);

    /* Xen marks a newly bound port pending (evtchn_bind_interdomain): exactly one event. */
    if (wait_event(30000) != 1) {
        printf("peer: no bind-time event in 30 s\n");
        return 1;
    }
    if (notify() < 0) {
        perror("evtchn-peer: notify");
        return 1;
    }

    unsigned int got_pings = 0, sent_pongs = 0;
    uint64_t t0 = now_ns(), last = t0, max_gap = 0;
    while (got_pings < pings) {
        int r = wait_event(30000);
        uint64_t t = now_ns();
        if (r != 1) {
            printf("peer: no ping %u after %" PRIu64 " ms (wait_event %d)\n", got_pings + 1,
                   (t - last) / 1000000, r);
            break;
        }
        if (t - last > max_gap)
            max_gap = t - last;
        last = t;
        got_pings++;
        if (got_pings == pings) {
            /* The slow part (output to the share) before the last pong: the guest sends its
             * first mark as soon as it has that pong, and a second notification before we
             * read the first would merge with it. */
            uint64_t pp_ns = t - t0;
            printf("peer: pings=%u pongs=%u rtt_us=%" PRIu64 " max_gap_us=%" PRIu64 "\n",
                   got_pings, sent_pongs + 1, pp_ns / got_pings / 1000, max_gap / 1000);
        }
        if (notify() < 0) {
            perror("evtchn-peer: notify");
            break;
        }
        sent_pongs++;
    }
    if (got_pings < pings)
        printf("peer: pings=%u pongs=%u\n", got_pings, sent_pongs);

    uint64_t *ts = calloc(marks ? marks : 1, sizeof *ts);
    unsigned int got_marks = 0;
    while (ts && got_marks < marks && wait_event(30000) == 1)
        ts[got_marks++] = now_ns();
    printf("peer: marks=%u\n", got_marks);
    printf("peer: intervals_us=");
    for (unsigned int i = 1; i < got_marks; i++)
        printf("%s%" PRIu64, i > 1 ? "," : "", (ts[i] - ts[i - 1]) / 1000);
    printf("\n");
    printf("peer: foreign=%u\n", foreign_events);
    int bye = got_marks == marks && notify() == 0;
    printf("peer: bye=%d\n", bye);

    struct ioctl_evtchn_unbind unbind = { .port = local_port };
    ioctl(fd, IOCTL_EVTCHN_UNBIND, &unbind);
    close(fd);
    return got_pings == pings && sent_pongs == pings && bye ? 0 : 1;
}
