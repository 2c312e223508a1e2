#!/bin/sh
# Benchmark (not a test): our decompressors against the C tools (gzip, bzip2, lzma, xz, lzop,
# lz4, zstd) on Debian's kernel payload, several runs each, medians. One command:
#
#   scripts/bench-decompress.sh [RUNS [FORMAT]]   # default 5 runs, every format
#
# Writes the markdown table to target/bench/decompress.md (and prints its rows). Needs the
# tools installed (gzip bzip2 xz-utils lzop lz4 zstd) and what scripts/fetch-kernel.sh needs.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
sh scripts/fetch-kernel.sh
cargo build --release -q -p pvgrub --example decompress_bench
# Our output buffers stay in glibc's heap between runs, as in the guest's pre-mapped heap (see
# the example's docs); the C tools run without these tunables.
GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967295 \
    exec "$root/target/release/examples/decompress_bench" "$root/target/kernel/vmlinuz" \
    "$root/target/bench" "${1:-5}" ${2:+"$2"}
