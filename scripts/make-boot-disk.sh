#!/bin/sh
# Builds the disks pv-grub's rig tests boot: Debian's kernel (scripts/fetch-kernel.sh) and an
# initramfs whose /init (tests/rig/peers/pvgrub_init.c, static) prints what it sees and
# powers off, on a filesystem with a GRUB menu. Nothing is mounted; no root needed.
#
#   scripts/make-boot-disk.sh OUTDIR
#
# Results in OUTDIR:
#   initrd.gz        the initramfs (gzip'd newc cpio)
#   tree/            the files of the disks: boot/vmlinuz, boot/initrd.gz, boot/grub/menu.lst
#   ext4-mbr.img     an MBR disk with one ext4 partition (1 MiB in) holding tree/
set -eu
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)
"$root/scripts/fetch-kernel.sh"
work=$out/work
rm -rf "$work" "$out/tree"
mkdir -p "$work/initramfs" "$out/tree/boot/grub"
gcc -static -O2 -Wall -Wextra -Werror -o "$work/initramfs/init" "$root/tests/rig/peers/pvgrub_init.c"
(cd "$work/initramfs" && echo init | cpio -o -H newc --quiet) | gzip -9 > "$out/initrd.gz"
cp "$root/target/kernel/vmlinuz" "$out/tree/boot/vmlinuz"
cp "$out/initrd.gz" "$out/tree/boot/initrd.gz"
cat > "$out/tree/boot/grub/menu.lst" <<'MENU'
default 0
timeout 0

title Debian (pv-grub rig)
root (hd0,0)
kernel /boot/vmlinuz console=hvc0 pvgrub.test=ext4-mbr
initrd /boot/initrd.gz
MENU
size=$((48 << 20))
rm -f "$out/ext4-mbr.img"
truncate -s "$size" "$out/ext4-mbr.img"
printf 'label: dos\nstart=2048, type=83\n' | sfdisk -q "$out/ext4-mbr.img"
mke2fs -q -F -t ext4 -d "$out/tree" -E offset=1048576 "$out/ext4-mbr.img" $(((size - (1 << 20)) / 1024))k
rm -rf "$work"
