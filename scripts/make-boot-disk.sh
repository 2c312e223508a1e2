#!/bin/sh
# Builds the disks pv-grub's rig tests boot: Debian's kernel (scripts/fetch-kernel.sh) and an
# initramfs whose /init (tests/rig/peers/pvgrub_init.c, static) prints what it sees and
# powers off, on each filesystem pv-grub reads, with GRUB menus. Nothing is mounted; no root
# needed. A second run with the same script and kernel does nothing.
#
#   scripts/make-boot-disk.sh OUTDIR          # the disk of the README (ext4-mbr.img) only
#   scripts/make-boot-disk.sh --all OUTDIR    # every disk and kernel variant of the rig tests
#
# Results in OUTDIR:
#   initrd.gz       the initramfs (gzip'd newc cpio)
#   ext4-mbr.img    MBR, one ext4 partition (1 MiB in): /boot/vmlinuz, /boot/initrd.gz and
#                   /boot/grub/menu.lst (root (hd0,0)); with --all also every kernel variant
#                   (/boot/k-NAME, each with /boot/grub/NAME.lst: bzImages with each payload
#                   but xz, which Debian's own vmlinuz has, and the ELF raw, gzip'd and
#                   zstd'd) and the bad-input menus
#   --all only:
#   gpt.img         GPT: partition 1 an empty FAT, partition 2 ext4 with the kernel (hd0,1)
#   whole.img       ext4 on the whole disk, no partition table (hd0)
#   fat.img         MBR, one FAT32 partition holding /boot
#   cd.iso          iso9660 (Rock Ridge) holding /boot, for a cdrom vbd (hd0)
#   debian.img      MBR ext4 with only /boot/grub/grub.cfg (GRUB 2 syntax), for no extra
#   ramdisk.lst     a menu to pass as the ramdisk (root (hd0,0) on ext4-mbr.img)
#   bench.img       as debian.img, timeout 0, for `cargo xtask bench pvgrub`
#   corrupt.img     debian.img with its ext4 superblock's counts and block size made absurd
#
# Packages: gcc libc6-dev cpio e2fsprogs dosfstools mtools xorriso fdisk gdisk and the
# compressors (gzip bzip2 xz-utils lzop lz4 zstd).
set -eu
all=no
if [ "${1:-}" = --all ]; then
    all=yes
    shift
fi
[ $# -eq 1 ] || { echo "usage: $0 [--all] OUTDIR" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/fetch-kernel.sh"
mkdir -p "$1"
out=$(cd "$1" && pwd)
stamp="$(cat "$0" "$root/tests/rig/peers/pvgrub_init.c" "$root/target/kernel/VERSION" | sha256sum | cut -d' ' -f1) $all"
if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ]; then
    exit 0
fi
rm -f "$out/stamp"
work=$out/work
rm -rf "$work"
mkdir -p "$work/initramfs" "$work/tree/boot/grub"
tree=$work/tree
exec 3>&2 2>>"$work/tools.log"
trap 'st=$?; [ $st -eq 0 ] || { cat "$work/tools.log" >&3; echo "$0: failed ($st)" >&3; }' EXIT
export MTOOLS_SKIP_CHECK=1 LC_ALL=C

gcc -static -O2 -Wall -Wextra -Werror -o "$work/initramfs/init" "$root/tests/rig/peers/pvgrub_init.c"
(cd "$work/initramfs" && echo init | cpio -o -H newc --quiet) | gzip -9n > "$out/initrd.gz"
vmlinuz=$root/target/kernel/vmlinuz
cp "$vmlinuz" "$tree/boot/vmlinuz"
cp "$out/initrd.gz" "$tree/boot/initrd.gz"

menu() { # FILE TEST [KERNEL]: a one-entry menu.lst booting KERNEL (default /boot/vmlinuz)
    cat > "$1" <<MENU
default 0
timeout 0

title Debian ($2)
root (hd0,0)
kernel ${3:-/boot/vmlinuz} console=hvc0 pvgrub.test=$2
initrd /boot/initrd.gz
MENU
}
menu "$tree/boot/grub/menu.lst" ext4-mbr

le32() { # N: N as 4 little-endian bytes
    printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $(($1 & 255)) $((($1 >> 8) & 255)) \
        $((($1 >> 16) & 255)) $((($1 >> 24) & 255)))"
}

if [ $all = yes ]; then
    # The kernel's ELF, as scripts/extract-vmlinux finds it: from the first xz magic.
    at=$(grep -obUaP '\xfd7zXZ\x00' "$vmlinuz" | head -n 1 | cut -d: -f1)
    tail -c +$((at + 1)) "$vmlinuz" | xz -dc --single-stream > "$work/vmlinux" || true
    [ -s "$work/vmlinux" ] || { echo "$0: no vmlinux in $vmlinuz" >&3; exit 1; }
    setup_sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$vmlinuz" | tr -d ' ')
    payload_offset=$(od -An -tu4 -j $((0x248)) -N4 "$vmlinuz" | tr -d ' ')
    head_len=$(((setup_sects + 1) * 512 + payload_offset))
    vlen=$(stat -c %s "$work/vmlinux")
    # bzImages around the vmlinux in every other payload compression Linux uses (Debian's
    # own vmlinuz is the xz one), payload_length patched, the uncompressed size appended as
    # Linux does. Presets are fast ones: the formats are what is tested, not the ratios.
    for c in gzip bzip2 lzma lzo lz4 zstd; do
        case $c in
            gzip) gzip -6n < "$work/vmlinux" ;;
            bzip2) bzip2 -9 < "$work/vmlinux" ;;
            lzma) xz --format=lzma -1 < "$work/vmlinux" ;;
            lzo) lzop -3 < "$work/vmlinux" ;;
            lz4) lz4 -l -9 < "$work/vmlinux" ;;
            zstd) zstd -10 -T2 < "$work/vmlinux" ;;
        esac > "$work/payload"
        plen=$(($(stat -c %s "$work/payload") + 4))
        {
            head -c $((0x24c)) "$vmlinuz"
            le32 $plen
            tail -c +$((0x250 + 1)) "$vmlinuz" | head -c $((head_len - 0x250))
            cat "$work/payload"
            le32 "$vlen"
        } > "$tree/boot/k-bz-$c"
        menu "$tree/boot/grub/bz-$c.lst" "bz-$c" "/boot/k-bz-$c"
    done
    # The ELF itself, raw and compressed.
    cp "$work/vmlinux" "$tree/boot/k-elf"
    menu "$tree/boot/grub/elf.lst" elf /boot/k-elf
    gzip -9n < "$work/vmlinux" > "$tree/boot/k-elf-gzip"
    menu "$tree/boot/grub/elf-gzip.lst" elf-gzip /boot/k-elf-gzip
    zstd -10 -T2 < "$work/vmlinux" > "$tree/boot/k-elf-zstd"
    menu "$tree/boot/grub/elf-zstd.lst" elf-zstd /boot/k-elf-zstd
    # Bad input: entries that cannot boot, then one that can (fallback order 1 2 3).
    cp "$work/initramfs/init" "$tree/boot/k-no-xen-notes"
    head -c $((head_len + 400000)) "$vmlinuz" > "$tree/boot/k-truncated"
    cat > "$tree/boot/grub/fallback.lst" <<'MENU'
default 0
fallback 1 2 3
timeout 0

title missing kernel
root (hd0,0)
kernel /boot/no-such-kernel console=hvc0

title an ELF without Xen notes
root (hd0,0)
kernel /boot/k-no-xen-notes console=hvc0

title a truncated bzImage
root (hd0,0)
kernel /boot/k-truncated console=hvc0
initrd /boot/initrd.gz

title Debian (fallback)
root (hd0,0)
kernel /boot/vmlinuz console=hvc0 pvgrub.test=fallback
initrd /boot/initrd.gz
MENU
    printf 'default 0\ntimeout 0\n\ntitle broken\nroot (hd0,x)\nkernel /boot/vmlinuz\n' \
        > "$tree/boot/grub/syntax.lst"
    menu "$out/ramdisk.lst" ramdisk
    # For the interactive test: a countdown, two entries.
    cat > "$tree/boot/grub/interactive.lst" <<'MENU'
default 0
timeout 60

title Debian (first: must not boot)
root (hd0,0)
kernel /boot/vmlinuz console=hvc0 pvgrub.test=interactive-first
initrd /boot/initrd.gz

title Debian (second)
root (hd0,0)
kernel /boot/vmlinuz console=hvc0 pvgrub.test=interactive-second
initrd /boot/initrd.gz
MENU
fi

ext4() { # IMAGE SIZE_MIB TREE OFFSET_BYTES: an ext4 filesystem of TREE in IMAGE at OFFSET
    mke2fs -q -F -t ext4 -d "$3" -E offset="$4" "$1" $(((($2 << 20) - $4) / 1024))k
}
mbr() { # IMAGE SIZE_MIB TYPE: a fresh MBR disk, one partition from 1 MiB
    rm -f "$1"
    truncate -s $(($2 << 20)) "$1"
    printf 'label: dos\nstart=2048, type=%s\n' "$3" | sfdisk -q "$1"
}
size=$(( ($(du -sm "$tree" | cut -f1) * 5 / 4) + 16 ))
mbr "$out/ext4-mbr.img" "$size" 83
ext4 "$out/ext4-mbr.img" "$size" "$tree" 1048576

if [ $all = yes ]; then
    small=$work/small
    mkdir -p "$small/boot/grub"
    cp "$tree/boot/vmlinuz" "$tree/boot/initrd.gz" "$small/boot/"
    # GPT: an EFI-like FAT first, the kernel's ext4 second: (hd0,1).
    rm -f "$out/gpt.img"
    truncate -s 64M "$out/gpt.img"
    sgdisk -o -n 1:2048:+8M -t 1:ef00 -n 2:18432:+40M -t 2:8300 "$out/gpt.img" >/dev/null
    mkfs.vfat --offset 2048 "$out/gpt.img" 8192 >/dev/null
    menu "$small/boot/grub/menu.lst" gpt
    sed -i 's/^root (hd0,0)/root (hd0,1)/' "$small/boot/grub/menu.lst"
    mke2fs -q -F -t ext4 -d "$small" -E offset=$((18432 * 512)) "$out/gpt.img" 40M
    # The whole disk: (hd0).
    menu "$small/boot/grub/menu.lst" whole
    sed -i 's/^root (hd0,0)/root (hd0)/' "$small/boot/grub/menu.lst"
    rm -f "$out/whole.img"
    mke2fs -q -F -t ext4 -d "$small" "$out/whole.img" 48M >/dev/null
    # FAT: /boot on a FAT32 partition.
    menu "$small/boot/grub/menu.lst" fat
    mbr "$out/fat.img" 64 c
    mkfs.vfat -F 32 --offset 2048 "$out/fat.img" $(((64 << 10) - 1024)) >/dev/null
    mcopy -s -i "$out/fat.img@@1M" "$small/boot" ::/
    # iso9660 for a cdrom: (hd0).
    menu "$small/boot/grub/menu.lst" iso9660
    sed -i 's/^root (hd0,0)/root (hd0)/' "$small/boot/grub/menu.lst"
    xorriso -as mkisofs -quiet -R -o "$out/cd.iso" "$small" >/dev/null
    # A Debian-like disk: grub.cfg only, found by the search (no extra).
    rm "$small/boot/grub/menu.lst"
    cat > "$small/boot/grub/grub.cfg" <<'CFG'
set default=0
set timeout=5
menuentry 'Debian GNU/Linux' --class debian {
	insmod ext2
	set root='hd0,msdos1'
	linux /boot/vmlinuz root=/dev/xvda1 ro console=hvc0 pvgrub.test=grub-cfg
	initrd /boot/initrd.gz
}
CFG
    mbr "$out/debian.img" 48 83
    ext4 "$out/debian.img" 48 "$small" 1048576
    # For the boot benchmark: grub.cfg that PvGrub2 and pv-grub both boot at once.
    cat > "$small/boot/grub/grub.cfg" <<'CFG'
set timeout=0
menuentry 'Debian GNU/Linux' {
	linux /boot/vmlinuz console=hvc0 pvgrub.test=bench
	initrd /boot/initrd.gz
}
CFG
    mbr "$out/bench.img" 48 83
    ext4 "$out/bench.img" 48 "$small" 1048576
    # A corrupt filesystem: debian.img with the start of its ext4 superblock (the counts and
    # sizes before the magic number) overwritten.
    cp "$out/debian.img" "$out/corrupt.img"
    printf '\377\377\377\377\001\000\000\000\377\377\377\377\000\000\000\000\000\000\000\000\000\000\000\000\077\000\000\000' |
        dd of="$out/corrupt.img" bs=1 seek=$((1048576 + 1024)) conv=notrunc 2>/dev/null
fi
rm -rf "$work"
echo "$stamp" > "$out/stamp"
