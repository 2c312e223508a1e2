/* blk-pattern: dom0's own computation of blktest's disk pattern (tests/images/blktest,
 * pattern.rs), written independently of the guest's Rust code. Built static by the blk rig
 * tests; dom0 pipes it into sha256sum and compares with the sha256 of the backing file.
 *
 * usage: blk-pattern BYTES
 *
 * Writes BYTES bytes (a multiple of 512) to stdout: 512-byte sector s starts with s as 8
 * little-endian bytes; byte i >= 8 is byte (i % 4) of the little-endian u32 s * 2654435761
 * (mod 2^32), xored with i mod 256.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: blk-pattern BYTES\n");
        return 2;
    }
    char *end;
    unsigned long long bytes = strtoull(argv[1], &end, 0);
    if (*end || bytes % 512) {
        fprintf(stderr, "blk-pattern: BYTES must be a multiple of 512\n");
        return 2;
    }
    static unsigned char sector[512];
    for (uint64_t s = 0; s < bytes / 512; s++) {
        uint32_t seed = (uint32_t)s * 2654435761u;
        for (unsigned i = 0; i < 512; i++) {
            if (i < 8)
                sector[i] = (unsigned char)(s >> (8 * i));
            else
                sector[i] = (unsigned char)((seed >> ((i % 4) * 8)) ^ i);
        }
        if (fwrite(sector, 1, sizeof sector, stdout) != sizeof sector) {
            perror("blk-pattern: write");
            return 1;
        }
    }
    return fflush(stdout) ? 1 : 0;
}
