/* sock-chat: dom0's QMP client of the qmp-vchan rig test (tests/rig/tests/rig/vchan.rs),
 * built static on the host and run in the rig's dom0 against vchan-socket-proxy's socket.
 *
 * usage: sock-chat SOCK MSG...
 *
 * Connects to the Unix socket SOCK (retrying for up to 10 s), prints the first line it
 * receives (the greeting) as `recv: LINE`, then for each MSG sends MSG and "\r\n" and prints
 * the line that comes back. Exits 0 when every MSG had its reply, 1 when the connection or a
 * reply (30 s each) failed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int sock;
static char line[65536];

/* Reads one line (up to "\n", stripped with any "\r") into `line`; 0 on success. */
static int read_line(void)
{
    size_t n = 0;
    while (n + 1 < sizeof line) {
        char c;
        ssize_t r = recv(sock, &c, 1, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            fprintf(stderr, "sock-chat: %s\n", r < 0 ? strerror(errno) : "connection closed");
            return -1;
        }
        if (c == '\n')
            break;
        if (c != '\r')
            line[n++] = c;
    }
    line[n] = 0;
    printf("recv: %s\n", line);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: sock-chat SOCK MSG...\n");
        return 2;
    }
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(argv[1]) >= sizeof sa.sun_path)
        return 2;
    strcpy(sa.sun_path, argv[1]);
    for (int i = 0;; i++) {
        sock = socket(AF_UNIX, SOCK_STREAM, 0);
        if (sock >= 0 && connect(sock, (struct sockaddr *)&sa, sizeof sa) == 0)
            break;
        if (i == 100) {
            fprintf(stderr, "sock-chat: connect %s: %s\n", argv[1], strerror(errno));
            return 1;
        }
        close(sock);
        usleep(100000);
    }
    struct timeval limit = {.tv_sec = 30};
    setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    if (read_line() != 0)
        return 1;
    for (int i = 2; i < argc; i++) {
        size_t len = strlen(argv[i]);
        if (send(sock, argv[i], len, MSG_NOSIGNAL) != (ssize_t)len ||
            send(sock, "\r\n", 2, MSG_NOSIGNAL) != 2) {
            perror("sock-chat: send");
            return 1;
        }
        if (read_line() != 0)
            return 1;
    }
    close(sock);
    return 0;
}
