/* blk-bench: the Linux side of `cargo xtask bench blk`, run in a Linux PV domU (built static
 * by xtask/src/bench.rs, put in its initramfs). The same two loads as blktest's bench mode:
 *
 *   seq:  a sequential read of the first BYTES in 1 MiB O_DIRECT reads, one at a time
 *         (as `dd bs=1M iflag=direct` does);
 *   rand: IOS 4 KiB O_DIRECT reads at random 4 KiB-aligned offsets by 32 threads, each
 *         with one read in flight (queue depth 32; fio's psync engine with numjobs=32).
 *
 * usage: blk-bench DEVICE BYTES IOS
 * Prints `blk-bench: seq-read bytes=N us=N` and `blk-bench: rand-read ios=N qd=32 us=N`.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include <time.h>
#include <unistd.h>

#define QD 32
#define MIB (1 << 20)

static int fd;
static uint64_t blocks, per_thread;

static uint64_t now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000 + (uint64_t)t.tv_nsec / 1000;
}

static void *reader(void *arg)
{
    uint64_t x = ((uint64_t)(uintptr_t)arg * 0x9E3779B97F4A7C15ull) | 1;
    void *buf;
    if (posix_memalign(&buf, 4096, 4096))
        return (void *)1;
    for (uint64_t i = 0; i < per_thread; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t block = (x >> 16) % blocks;
        if (pread(fd, buf, 4096, (off_t)(block * 4096)) != 4096) {
            perror("blk-bench: random pread");
            return (void *)1;
        }
    }
    free(buf);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: blk-bench DEVICE BYTES IOS\n");
        return 2;
    }
    fd = open(argv[1], O_RDONLY | O_DIRECT);
    if (fd < 0) {
        perror("blk-bench: open");
        return 1;
    }
    uint64_t size;
    if (ioctl(fd, BLKGETSIZE64, &size)) {
        perror("blk-bench: BLKGETSIZE64");
        return 1;
    }
    uint64_t bytes = strtoull(argv[2], NULL, 0);
    if (bytes > size)
        bytes = size;
    bytes = bytes / MIB * MIB;
    void *buf;
    if (posix_memalign(&buf, 4096, MIB))
        return 1;
    uint64_t t = now_us();
    for (uint64_t at = 0; at < bytes; at += MIB) {
        if (pread(fd, buf, MIB, (off_t)at) != MIB) {
            perror("blk-bench: sequential pread");
            return 1;
        }
    }
    printf("blk-bench: seq-read bytes=%llu us=%llu\n", (unsigned long long)bytes,
           (unsigned long long)(now_us() - t));
    fflush(stdout);

    blocks = size / 4096;
    per_thread = strtoull(argv[3], NULL, 0) / QD;
    pthread_t th[QD];
    t = now_us();
    for (uintptr_t i = 0; i < QD; i++)
        if (pthread_create(&th[i], NULL, reader, (void *)i)) {
            perror("blk-bench: pthread_create");
            return 1;
        }
    int bad = 0;
    for (int i = 0; i < QD; i++) {
        void *r;
        pthread_join(th[i], &r);
        bad |= r != NULL;
    }
    if (bad)
        return 1;
    printf("blk-bench: rand-read ios=%llu qd=%d us=%llu\n",
           (unsigned long long)(per_thread * QD), QD, (unsigned long long)(now_us() - t));
    return 0;
}
