/* xs-incr: dom0's side of xstest's transaction test (tests/images/xstest). Built static by
 * the rig test with gcc against libxen-dev's libxenstore, run in dom0 by its during script.
 *
 * usage: xs-incr KEY PHASE_KEY STOP_VALUE READY_KEY
 *
 * Writes "ready" to READY_KEY (the guest starts its transactions on that). Until PHASE_KEY
 * reads STOP_VALUE it increments the decimal value of KEY, each time in its own transaction
 * (retried when the commit fails with EAGAIN), but only once the guest has committed since
 * our last commit: the guest's commits are KEY's value minus its value at the start minus
 * ours, which we poll for (xs_wait.h). That turn-taking replaces a pause between commits
 * (dom0's transactions are faster than a guest's under TCG and would otherwise starve it);
 * the two sides' transactions still run at the same time and conflict.
 *
 * Prints `incr: commits=N eagain=M base=B first-guest=F last-guest=L`: B is KEY at the start,
 * F and L the guest commits that preceded our first and our last commit (both from values
 * read inside our transactions). Exits 0 unless a xenstore call failed or the guest made no
 * progress for 120 s.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "xs_wait.h"

/* KEY's value as a number; -1 when it is absent. */
static long read_number(struct xs_handle *h, xs_transaction_t t, const char *key)
{
    unsigned int len;
    char *v = xs_read(h, t, key, &len);
    if (!v)
        return -1;
    long n = strtol(v, NULL, 10);
    free(v);
    return n;
}

/* One increment in its own transaction, retried on EAGAIN. Returns the value read by the
 * transaction that committed, or -1 on an error. */
static long increment(struct xs_handle *h, const char *key, unsigned long *eagain)
{
    for (;;) {
        xs_transaction_t t = xs_transaction_start(h);
        if (t == XBT_NULL) {
            perror("xs_transaction_start");
            return -1;
        }
        long v = read_number(h, t, key);
        char buf[32];
        snprintf(buf, sizeof buf, "%ld", v + 1);
        if (v < 0 || !xs_write(h, t, key, buf, strlen(buf))) {
            perror("xs_read/xs_write");
            xs_transaction_end(h, t, true);
            return -1;
        }
        if (xs_transaction_end(h, t, false))
            return v;
        if (errno != EAGAIN) {
            perror("xs_transaction_end");
            return -1;
        }
        (*eagain)++;
    }
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s KEY PHASE_KEY STOP_VALUE READY_KEY\n", argv[0]);
        return 2;
    }
    const char *key = argv[1], *phase = argv[2], *stop = argv[3];
    struct xs_handle *h = xs_open(0);
    if (!h) {
        perror("xs_open");
        return 1;
    }
    long base = read_number(h, XBT_NULL, key);
    if (base < 0 || !xsw_write(h, argv[4], "ready")) {
        fprintf(stderr, "xs-incr: cannot start (base %ld)\n", base);
        return 1;
    }
    unsigned long commits = 0, eagain = 0, polls = 0;
    long first_guest = -1, last_guest = 0;
    long long progress_at = xsw_now_ms();
    int rc = 0;
    for (;;) {
        long guest = read_number(h, XBT_NULL, key) - base - (long)commits;
        if (guest <= last_guest) {
            /* Not our turn: the guest has not committed since our last commit. */
            if (++polls % 10 == 0 && xsw_is(h, phase, stop))
                break;
            if (xsw_now_ms() - progress_at > 120000) {
                fprintf(stderr, "xs-incr: no progress for 120 s\n");
                rc = 1;
                break;
            }
            xsw_nap();
            continue;
        }
        long v = increment(h, key, &eagain);
        if (v < 0) {
            rc = 1;
            break;
        }
        last_guest = v - base - (long)commits;
        if (first_guest < 0)
            first_guest = last_guest;
        commits++;
        progress_at = xsw_now_ms();
    }
    printf("incr: commits=%lu eagain=%lu base=%ld first-guest=%ld last-guest=%ld\n", commits,
           eagain, base, first_guest, last_guest);
    xs_close(h);
    return rc;
}
