/* xs-incr: dom0's side of xstest's transaction test (tests/images/xstest). Built static by
 * the rig test with gcc against libxen-dev's libxenstore, run in dom0 by its during script.
 *
 * usage: xs-incr KEY PHASE_KEY STOP_VALUE PAUSE_MS
 *
 * Increments the decimal value of KEY, each time in its own transaction (retried when the
 * commit fails with EAGAIN), pausing PAUSE_MS after each commit, until PHASE_KEY reads
 * STOP_VALUE. Prints `incr: commits=N eagain=M`; exits 0 unless a xenstore call failed
 * otherwise. (Without a pause dom0, whose transactions are much faster than a guest's under
 * TCG, would win every conflict and starve the guest.)
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xenstore.h>

static bool phase_is(struct xs_handle *h, const char *key, const char *want)
{
    unsigned int len;
    char *v = xs_read(h, XBT_NULL, key, &len);
    bool same = v && strcmp(v, want) == 0;
    free(v);
    return same;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s KEY PHASE_KEY STOP_VALUE PAUSE_MS\n", argv[0]);
        return 2;
    }
    const char *key = argv[1];
    long pause_ms = strtol(argv[4], NULL, 10);
    struct timespec pause = { pause_ms / 1000, (pause_ms % 1000) * 1000000 };
    struct xs_handle *h = xs_open(0);
    if (!h) {
        perror("xs_open");
        return 1;
    }
    unsigned long commits = 0, eagain = 0;
    while (!phase_is(h, argv[2], argv[3])) {
        xs_transaction_t t = xs_transaction_start(h);
        if (t == XBT_NULL) {
            perror("xs_transaction_start");
            return 1;
        }
        unsigned int len;
        char *v = xs_read(h, t, key, &len);
        if (!v) {
            perror("xs_read");
            xs_transaction_end(h, t, true);
            return 1;
        }
        char buf[32];
        snprintf(buf, sizeof buf, "%lu", strtoul(v, NULL, 10) + 1);
        free(v);
        if (!xs_write(h, t, key, buf, strlen(buf))) {
            perror("xs_write");
            xs_transaction_end(h, t, true);
            return 1;
        }
        if (xs_transaction_end(h, t, false)) {
            commits++;
            nanosleep(&pause, NULL);
        } else if (errno == EAGAIN) {
            eagain++;
        } else {
            perror("xs_transaction_end");
            return 1;
        }
    }
    printf("incr: commits=%lu eagain=%lu\n", commits, eagain);
    xs_close(h);
    return 0;
}
