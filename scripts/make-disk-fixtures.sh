#!/bin/sh
# Builds the disk and filesystem images that pvgrub's disk/fs tests read (pvgrub/tests/disk*.rs,
# pvgrub/tests/fs*.rs), with the real tools: mke2fs, mkfs.vfat + mtools, xorriso, genisoimage,
# sfdisk, sgdisk. Nothing is run as root and nothing is mounted.
#
#   scripts/make-disk-fixtures.sh OUTDIR           full fixture set (650 MiB of sparse images, 270 MiB on disk, ~7 s)
#   scripts/make-disk-fixtures.sh --seeds OUTDIR   small images for the fuzz seed corpora
#
# OUTDIR/tree is the source tree (random contents, made afresh each build); the tests compare
# what pvgrub reads from the images with these files. OUTDIR/stamp holds this script's hash: a
# second run with an unchanged script does nothing. Tests run it under flock(1).
#
# Packages: e2fsprogs dosfstools mtools xorriso genisoimage fdisk gdisk util-linux coreutils.
set -eu

seeds=no
if [ "${1:-}" = --seeds ]; then
    seeds=yes
    shift
fi
[ $# -eq 1 ] || { echo "usage: $0 [--seeds] OUTDIR" >&2; exit 2; }
out=$1
stamp="$(sha256sum "$0" | cut -d' ' -f1) $seeds"
if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ]; then
    exit 0
fi
for tool in mke2fs e2fsck mkfs.vfat mcopy xorriso genisoimage sfdisk sgdisk fdisk flock; do
    command -v "$tool" >/dev/null || { echo "$0: $tool is not installed" >&2; exit 1; }
done
rm -rf "$out"
mkdir -p "$out"
cd "$out"
export MTOOLS_SKIP_CHECK=1 LC_ALL=C.UTF-8
# Tool chatter goes to tools.log; on failure it is shown (set -e stops at the first error).
exec 3>&2 2>>tools.log
trap 'st=$?; [ $st -eq 0 ] || { cat tools.log >&3; echo "$0: failed ($st)" >&3; }' EXIT

rnd() { # FILE BYTES: random contents
    head -c "$2" /dev/urandom > "$1"
}

# FAT image NAME KIB FAT-BITS [mkfs.vfat options...] filled with the tree in DIR.
mkfat() {
    name=$1 kib=$2 bits=$3 dir=$4
    shift 4
    rm -f "$name"
    mkfs.vfat -C -F "$bits" -n PVGRUB "$@" "$name" "$kib" >/dev/null
    mcopy -s -p -Q -i "$name" "$dir"/* ::/
}

if [ $seeds = yes ]; then
    # Small images for the fuzz seed corpora (each under 256 KiB).
    mkdir -p tiny/boot/grub
    printf 'default 0\ntimeout 5\ntitle Linux\nroot (hd0,0)\nkernel /boot/vmlinuz ro\n' \
        > tiny/boot/grub/menu.lst
    rnd tiny/boot/vmlinuz 3000
    ln -s vmlinuz tiny/boot/vmlinuz.link
    truncate -s 128K ext4.img
    mke2fs -q -F -t ext4 -b 1024 -N 16 -O ^has_journal,^resize_inode -d tiny ext4.img
    truncate -s 128K ext2.img
    mke2fs -q -F -t ext2 -b 1024 -N 16 -d tiny ext2.img
    mkfat fat12.img 128 12 tiny -f 1 -r 16
    xorriso -as mkisofs -quiet -no-pad -R -J -o iso-rr.img tiny
    xorriso -as mkisofs -quiet -no-pad --norock -J -o iso-joliet.img tiny
    truncate -s 64K mbr.img
    printf 'label: dos\nmbr.img1 : start=1, size=16, type=83\nmbr.img3 : size=64, type=5\nmbr.img5 : size=8, type=83\nmbr.img6 : size=8, type=6\n' |
        sfdisk -q mbr.img >/dev/null
    truncate -s 64K gpt.img
    sgdisk -n 1:34:+16 -n 2:0:+8 -n 4:0:+8 gpt.img >/dev/null
    echo "$stamp" > stamp
    exit 0
fi

# --- the source tree ---------------------------------------------------------------------
mkdir -p tree/boot/grub tree/big tree/many tree/links
cat > tree/boot/grub/menu.lst <<'EOF'
default 0
timeout 5
title Test kernel
    root (hd0,0)
    kernel /boot/vmlinuz-test root=/dev/xvda1 ro
    initrd /boot/initrd.img-test
EOF
rnd tree/boot/vmlinuz-test 1048583
rnd tree/boot/initrd.img-test 307200
rnd tree/big/five-megs.bin 5242999
rnd tree/big/one-block.bin 4096
: > tree/empty.txt
echo "a file whose name needs VFAT long names" > "tree/A Long File Name with spaces.txt"
echo "mixed case" > tree/MixedCase.Txt
echo "unicode name" > "tree/unicode-ñame-名前.txt"
# Sparse: 4 KiB of data every 64 KiB, so ext4 needs an extent tree deeper than the inode.
for i in 0 1 2 3 4 5 6 7 8 9 10 11 12; do
    dd if=/dev/urandom of=tree/big/sparse.bin bs=4096 count=1 seek=$((i * 16)) \
        conv=notrunc status=none
done
deep=tree/deep
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do deep=$deep/d$i; done
mkdir -p "$deep"
echo "twelve levels down" > "$deep/leaf.txt"
i=0
while [ $i -lt 300 ]; do
    echo "file $i" > "tree/many/file-$(printf %03d $i).txt"
    i=$((i + 1))
done
# FAT and plain ISO get the tree without symlinks.
cp -a tree tree-nolinks
ln -s vmlinuz-test tree/boot/vmlinuz
ln -s /boot/vmlinuz tree/vmlinuz
ln -s ../boot/grub/menu.lst tree/links/rel
ln -s ../boot tree/links/dir
ln -s ../deep/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/leaf.txt tree/links/slow
ln -s loop2 tree/links/loop1
ln -s loop1 tree/links/loop2
ln -s nowhere tree/links/dangling

# A small tree for the partitions of the partitioned disks.
mkdir -p small/boot/grub
cp tree/boot/grub/menu.lst small/boot/grub/
cp tree/boot/vmlinuz-test tree/boot/initrd.img-test small/boot/

# --- ext2/3/4, whole-disk images ------------------------------------------------------------
mke() { # NAME TYPE [mke2fs options...]
    name=$1 type=$2
    shift 2
    rm -f "$name"
    truncate -s 24M "$name"
    mke2fs -q -F -t "$type" "$@" -d tree "$name" >/dev/null 2>&1
    # mke2fs -d writes linear directories; e2fsck -D indexes the large ones (htree).
    e2fsck -fyD "$name" >/dev/null 2>&1 || [ $? -le 1 ]
}
mke ext2-1k.img ext2 -b 1024
mke ext2-4k.img ext2 -b 4096
mke ext3.img ext3
mke ext4.img ext4
mke ext4-4k.img ext4 -b 4096
mke ext4-nojournal.img ext4 -b 4096 -O ^has_journal,^64bit,^metadata_csum
mke ext4-noextent.img ext4 -O ^extent,^64bit
mke ext4-noflex.img ext4 -O ^flex_bg,^metadata_csum,uninit_bg
mke ext3-inode128.img ext3 -I 128
# 128-byte inodes with metadata_csum: what mke2fs < 1.46 made for ext4 under 512 MiB.
mke ext4-inode128.img ext4 -I 128
mke ext4-inline.img ext4 -O inline_data

# --- FAT ----------------------------------------------------------------------------------
mkfat fat12.img 16384 12 tree-nolinks
mkfat fat16.img 32768 16 tree-nolinks
mkfat fat16-4k-sectors.img 32768 16 tree-nolinks -S 4096 -s 1
mkfat fat32.img 65536 32 tree-nolinks -s 1

# --- iso9660 ------------------------------------------------------------------------------
xorriso -as mkisofs -quiet -R -J -o iso-rr-joliet.img tree
xorriso -as mkisofs -quiet --norock -J -o iso-joliet.img tree-nolinks
xorriso -as mkisofs -quiet --norock -o iso-plain.img tree-nolinks
genisoimage -quiet -R -J -o iso-genisoimage.img tree

# --- partitioned disks ----------------------------------------------------------------------
truncate -s 8M small-ext2.img && mke2fs -q -F -t ext2 -d small small-ext2.img
truncate -s 8M small-ext4.img && mke2fs -q -F -t ext4 -d small small-ext4.img
mkfat small-fat16.img 16384 16 small
mkfat small-fat12.img 4096 12 small
xorriso -as mkisofs -quiet -R -o small-iso.img small

put() { # DISK IMAGE START-SECTOR (512-byte sectors)
    dd if="$2" of="$1" bs=512 seek="$3" conv=notrunc status=none
}
starts() { # DISK: the start sector of each partition, in table order
    sfdisk -d "$1" | sed -n 's/.*start= *\([0-9]*\),.*/\1/p'
}

# MBR: FAT16, ext2, empty slot 4; extended partition with logical ext4, iso9660, FAT12.
truncate -s 72M mbr.img
sfdisk -q mbr.img >/dev/null <<'EOF'
label: dos
mbr.img1 : size=16M, type=6
mbr.img2 : size=8M, type=83
mbr.img3 : size=40M, type=5
mbr.img5 : size=8M, type=83
mbr.img6 : size=8M, type=83
mbr.img7 : size=4M, type=1
EOF
set -- $(starts mbr.img)
put mbr.img small-fat16.img "$1"
put mbr.img small-ext2.img "$2"
put mbr.img small-ext4.img "$4"
put mbr.img small-iso.img "$5"
put mbr.img small-fat12.img "$6"

# GPT: FAT16, ext4, iso9660, entry 4 unused, FAT12 in entry 5.
truncate -s 48M gpt.img
sgdisk -n 1:2048:+16M -t 1:0700 -c 1:fat -n 2:0:+8M -t 2:8300 -c 2:root \
    -n 3:0:+8M -t 3:8300 -n 5:0:+4M -t 5:0700 gpt.img >/dev/null
set -- $(starts gpt.img)
put gpt.img small-fat16.img "$1"
put gpt.img small-ext4.img "$2"
put gpt.img small-iso.img "$3"
put gpt.img small-fat12.img "$4"

# MBR with 4096-byte sectors (LBAs count 4 KiB units): ext4 then FAT16.
truncate -s 32M mbr-4k.img
# (sfdisk here cannot be told the sector size; fdisk -b can. sfdisk -d then prints raw LBAs.)
printf 'o\nn\np\n1\n\n+8M\nn\np\n2\n\n+16M\nt\n2\n6\nw\n' | fdisk -b 4096 mbr-4k.img >/dev/null
set -- $(starts mbr-4k.img)
dd if=small-ext4.img of=mbr-4k.img bs=4096 seek="$1" conv=notrunc status=none
dd if=small-fat16.img of=mbr-4k.img bs=4096 seek="$2" conv=notrunc status=none

for f in *.img; do
    sfdisk -d "$f" > "${f%.img}.sfdisk" 2>/dev/null || : > "${f%.img}.sfdisk"
done
echo "$stamp" > stamp
