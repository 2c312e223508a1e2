//! Kernel payload decompressors (gzip, bzip2, lzma, xz, lzo, lz4, zstd), bounded.
