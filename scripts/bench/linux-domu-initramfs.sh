#!/usr/bin/env bash
# Builds the initramfs of the Linux PV domU that `cargo xtask bench blk` compares our
# blkfront with: Debian's busybox-static and the rig kernel's xen-blkfront module (both from
# the rig's unpacked packages, target/rig/extract), blk-bench, and an /init that loads the
# module, waits for /dev/xvda, runs `dd bs=1M iflag=direct` and blk-bench on it (their lines
# go to the console), then powers off.
#
# usage: linux-domu-initramfs.sh BLK_BENCH_BINARY OUT.cpio   (RIG_DIR overrides target/rig)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rig=${RIG_DIR:-$here/../../target/rig}
bench=$1 out=$2
extract=$rig/extract
kver=$(cat "$rig/bootset/kernel.version")
mod=$extract/usr/lib/modules/$kver/kernel/drivers/block/xen-blkfront.ko
for f in "$extract/usr/bin/busybox" "$mod" "$bench"; do
    [[ -f $f ]] || { echo "linux-domu-initramfs: missing $f" >&2; exit 1; }
done
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys}
cp "$extract/usr/bin/busybox" "$stage/bin/busybox"
cp "$mod" "$stage/xen-blkfront.ko"
cp "$bench" "$stage/bin/blk-bench"
cat >"$stage/init" <<'EOT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
set -- $(cat /proc/cmdline)
bytes=268435456 ios=8192
for a; do
    case $a in
        bench.bytes=*) bytes=${a#*=} ;;
        bench.ios=*) ios=${a#*=} ;;
    esac
done
insmod /xen-blkfront.ko
for i in $(seq 600); do [ -b /dev/xvda ] && break; sleep 0.1; done
echo "linux-bench: device $(cat /sys/block/xvda/size 2>/dev/null) sectors;" \
    "queues $(ls /sys/block/xvda/mq 2>/dev/null | wc -l);" \
    "max_sectors_kb $(cat /sys/block/xvda/queue/max_sectors_kb 2>/dev/null)"
echo "linux-bench: dd $(dd if=/dev/xvda of=/dev/null bs=1M count=$((bytes >> 20)) iflag=direct 2>&1 | tail -n1)"
blk-bench /dev/xvda "$bytes" "$ios" 2>&1 | sed 's/^/linux-bench: /'
echo "linux-bench: done"
poweroff -f
EOT
chmod 0755 "$stage/init"
(cd "$stage" && find . | cpio -o -H newc --quiet) >"$out"
