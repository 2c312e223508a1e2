#!/bin/sh
# Builds the seed disks of the `boot` fuzz target (pvgrub/fuzz/corpus/boot/): small whole-disk
# images, each under 1 MiB, made with the real tools (as/ld for a tiny Xen PV kernel, gzip/xz/
# zstd/bzip2/lz4/lzop, sfdisk, sgdisk, mke2fs -d, mkfs.vfat + mcopy, xorriso), each holding a
# menu, the kernel it names, an initrd and, where the menu says `default saved`, the saved
# entry. Nothing is run as root and nothing is mounted.
#
#   scripts/make-boot-seeds.sh OUTDIR      writes OUTDIR/*.img (~15 images, ~5 s)
#
# Packages: binutils e2fsprogs dosfstools mtools xorriso fdisk gdisk gzip xz-utils zstd bzip2
# lz4 lzop coreutils.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
out=$1
rm -rf "$out"
mkdir -p "$out/build"
cd "$out/build"
export MTOOLS_SKIP_CHECK=1 LC_ALL=C.UTF-8

# --- a Xen PV kernel: an ELF with the notes Xen's loader reads, and a hypercall page -------
cat > k.S <<'EOF'
.macro ELFNOTE type, descdata:vararg
    .balign 4
    .long 2f - 1f
    .long 4f - 3f
    .long \type
1:  .asciz "Xen"
2:  .balign 4
3:  \descdata
4:  .balign 4
.endm
    .section .text
    .globl _start
_start:
    cld
1:  hlt
    jmp 1b
    .balign 4096
hypercall_page:
    .fill 4096, 1, 0xc3
    .fill 8192, 1, 0x90
    .section .note.Xen, "a", @note
    ELFNOTE 6, .asciz "linux"
    ELFNOTE 7, .asciz "2.6"
    ELFNOTE 5, .asciz "xen-3.0"
    ELFNOTE 8, .asciz "generic"
    ELFNOTE 3, .quad 0
    ELFNOTE 4, .quad 0
    ELFNOTE 1, .quad _start
    ELFNOTE 2, .quad hypercall_page
    ELFNOTE 10, .asciz "!writable_page_tables|pae_pgdir_above_4gb"
    ELFNOTE 9, .asciz "yes"
EOF
as --64 -o k.o k.S
ld -static -nostdlib -z max-page-size=0x1000 -z noexecstack -Ttext=0x100000 -o vmlinux k.o
gzip -9n < vmlinux > vmlinux.gz
xz --check=crc32 < vmlinux > vmlinux.xz
zstd -q -19 < vmlinux > vmlinux.zst
bzip2 -9 < vmlinux > vmlinux.bz2
lz4 -q -l -9 < vmlinux > vmlinux.lz4
lzop -9 < vmlinux > vmlinux.lzo
# bzimage NAME PAYLOAD: a Linux boot-protocol 2.15 setup header, 4 setup sectors, then
# PAYLOAD (the compressed ELF) followed by its uncompressed size, as Linux appends it.
bzimage() {
    python3 - "$1" "$2" <<'EOF'
import struct, sys
name, payload = sys.argv[1], open(sys.argv[2], "rb").read()
payload += struct.pack("<I", len(open("vmlinux", "rb").read()))
setup = bytearray(5 * 512)
setup[0x1f1] = 4
struct.pack_into("<H", setup, 0x1fe, 0xAA55)
setup[0x202:0x206] = b"HdrS"
struct.pack_into("<H", setup, 0x206, 0x020F)
struct.pack_into("<H", setup, 0x20E, 0x400 - 0x200)
version = b"6.1.0-seed (fuzz@pvgrub) #1\0"
setup[0x400:0x400 + len(version)] = version
setup[0x211] = 1
struct.pack_into("<II", setup, 0x248, 0, len(payload))
struct.pack_into("<I", setup, 0x260, 1 << 20)
open(name, "wb").write(bytes(setup) + payload)
EOF
}
bzimage bzImage.gz vmlinux.gz
bzimage bzImage.xz vmlinux.xz
printf 'initrd of the boot seeds\n' | gzip -9n > initrd.gz

# tree DIR: an empty boot tree with the kernels and initrd.
tree() {
    rm -rf "$1"
    mkdir -p "$1/boot/grub"
    cp vmlinux vmlinux.gz vmlinux.xz vmlinux.zst initrd.gz "$1/boot/"
}

lst() { # DIR KERNEL [fallback entry kernel]: a menu.lst booting /boot/KERNEL
    cat > "$1/boot/grub/menu.lst" <<EOF
default saved
fallback 1
timeout 3
title Xen guest ($2)
root (hd0,0)
kernel /boot/$2 root=/dev/xvda1 ro console=hvc0
initrd /boot/initrd.gz
title fallback
kernel /boot/${3:-vmlinux} ro
EOF
    printf '0\n' > "$1/boot/grub/default"
}

cfg() { # DIR KERNEL ROOT SAVED: a grub.cfg with a submenu, the saved entry in grubenv
    cat > "$1/boot/grub/grub.cfg" <<EOF
set default="\${saved_entry}"
set timeout=5
insmod ext2
menuentry 'Debian GNU/Linux' --id debian {
    set root='$3'
    linux /boot/$2 root=/dev/xvda1 ro quiet
    initrd /boot/initrd.gz
}
submenu 'Advanced options' {
    menuentry 'Debian, recovery' --id recovery {
        linux /boot/vmlinux root=/dev/xvda1 ro single
    }
}
EOF
    printf '# GRUB Environment Block\nsaved_entry=%s\n' "$4" > "$1/boot/grub/grubenv"
    head -c 1024 /dev/zero | tr '\0' '#' | head -c $((1024 - $(wc -c < "$1/boot/grub/grubenv"))) \
        >> "$1/boot/grub/grubenv"
}

ext() { # IMAGE KIB TYPE DIR: a filesystem made by mke2fs -d
    truncate -s "$2K" "$1"
    mke2fs -q -F -t "$3" -b 1024 -N 32 -O ^has_journal,^resize_inode -d "$4" "$1"
}

fat() { # IMAGE KIB BITS DIR: a FAT filesystem filled by mcopy
    rm -f "$1"
    mkfs.vfat -C -F "$3" -n PVGRUB "$1" "$2" >/dev/null
    mcopy -s -p -Q -i "$1" "$4"/* ::/
}

put() { # DISK IMAGE SECTOR: writes IMAGE into DISK at 512-byte SECTOR
    dd if="$2" of="$1" bs=512 seek="$3" conv=notrunc status=none
}

# 1. MBR, one ext2 partition: menu.lst, `default saved`, a plain ELF kernel.
tree t1; lst t1 vmlinux; ext p1 192 ext2 t1
truncate -s 200K mbr-ext2-lst.img
printf 'label: dos\nstart=8, size=384, type=83\n' | sfdisk -q mbr-ext2-lst.img >/dev/null
put mbr-ext2-lst.img p1 8

# 2. GPT, ext4 partition after an empty one: grub.cfg, grubenv, a gzip'd kernel.
tree t2; cfg t2 vmlinux.gz hd0,gpt2 debian; ext p2 256 ext4 t2
truncate -s 340K gpt-ext4-cfg.img
sgdisk -n 1:34:+8 -n 2:64:+512 gpt-ext4-cfg.img >/dev/null
put gpt-ext4-cfg.img p2 64

# 3. A whole-disk FAT12 (no table): menu.lst, an xz kernel, fallback to plain ELF.
tree t3; lst t3 vmlinux.xz; sed -i 's/(hd0,0)/(hd0)/' t3/boot/grub/menu.lst; fat fat12-xz.img 160 12 t3

# 4. MBR with FAT12 then ext2: the first partition has no menu, the search goes on.
tree t4a; rm -rf t4a/boot/grub
tree t4b; lst t4b vmlinux.zst vmlinux.gz; sed -i 's/(hd0,0)/(hd0,1)/' t4b/boot/grub/menu.lst
rm -f t4b/boot/vmlinux.xz; ext p4b 160 ext2 t4b
fat p4a 128 12 t4a
truncate -s 300K mbr-fat-ext2.img
printf 'label: dos\nstart=8, size=256, type=1\nstart=272, size=320, type=83\n' |
    sfdisk -q mbr-fat-ext2.img >/dev/null
put mbr-fat-ext2.img p4a 8
put mbr-fat-ext2.img p4b 272

# 5. ISO 9660 with Rock Ridge and Joliet: grub.cfg and a zstd kernel.
tree t5; cfg t5 vmlinux.zst hd0 'Debian GNU/Linux'
xorriso -as mkisofs -quiet -no-pad -R -J -o iso-rr-cfg.img t5 2>/dev/null

# 6-8. The kernel in other compressions, on ext2 whole disks (no table).
for c in bz2 lz4 lzo; do
    tree t6; cp "vmlinux.$c" t6/boot/; rm -f t6/boot/vmlinux.xz t6/boot/vmlinux.zst
    lst t6 "vmlinux.$c"; sed -i 's/(hd0,0)/(hd0)/' t6/boot/grub/menu.lst
    ext "ext2-$c.img" 128 ext2 t6
done

# 9. An explicit menu place on the command line (the boot target reads it from the first
# line of the disk, which is MBR boot code): (hd0,0)/boot/grub/grub.cfg.
cp mbr-ext2-lst.img cmdline-mbr.img
tree t9; cfg t9 vmlinux hd0,msdos1 'Advanced options>recovery'
ext p9 192 ext2 t9; put cmdline-mbr.img p9 8
printf '(hd0,0)/boot/grub/grub.cfg\n' | dd of=cmdline-mbr.img conv=notrunc status=none

# 10. bzImages (gzip and xz payloads) on an ext2 whole disk; the default entry's kernel is
# missing, so the fallbacks are tried.
tree t10; rm -f t10/boot/vmlinux*; cp bzImage.gz bzImage.xz t10/boot/
lst t10 bzImage.gz bzImage.xz
sed -i 's/(hd0,0)/(hd0)/; s/^default saved/default 2/; s/^fallback 1/fallback 0 1/' \
    t10/boot/grub/menu.lst
printf 'title missing\nkernel /boot/vmlinuz-gone\n' >> t10/boot/grub/menu.lst
ext ext2-bzimage.img 160 ext2 t10

mv ./*.img ..
cd ..
rm -rf build
