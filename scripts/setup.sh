#!/usr/bin/env bash
# One-time machine set-up for building and testing: Debian packages, the Rust guest target,
# rustfmt and clippy.
# Idempotent; run as root (CI and the project's machines run as root).
set -euo pipefail

packages=(
  # the rig: QEMU runs Xen; the boot set is built from Debian packages fetched with apt-get download
  qemu-system-x86 cpio busybox-static
  # ABI check against Xen's public headers; strip for images
  libxen-dev gcc binutils
  # pv-grub fixtures: filesystems, partition tables, compressors
  e2fsprogs dosfstools mtools xorriso genisoimage fdisk gdisk
  gzip bzip2 xz-utils lzop lz4 zstd file libc6-dev
  python3
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

toolchain=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$(dirname "$0")/../rust-toolchain.toml")
rustup target add --toolchain "$toolchain" x86_64-unknown-none >/dev/null
# cargo xtask check runs cargo fmt and clippy (rust-toolchain.toml lists them, but with
# RUSTUP_AUTO_INSTALL=0 nothing installs a missing component)
rustup component add --toolchain "$toolchain" rustfmt clippy >/dev/null
echo "setup: ok (toolchain $toolchain with x86_64-unknown-none, rustfmt, clippy)"
