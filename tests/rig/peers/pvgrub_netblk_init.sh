#!/bin/busybox sh
# /init of the initramfs that proves the kernel pv-grub booted drives its own frontends:
# loads Debian's xen-blkfront, xen-netfront and ext4 modules, mounts the disk pv-grub read
# (xvda1, read-only), hashes a file on it, takes a DHCP lease on eth0, stays up 30 s for
# dom0's pings, then powers off.
export PATH=/bin
/bin/busybox mkdir -p /proc /sys /dev /mnt
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in crc16 mbcache jbd2 crc32c_generic ext4 xen-blkfront xen-netfront; do
    insmod /lib/modules/$m.ko || echo "pvgrub-init: insmod $m failed"
done
for _ in $(seq 100); do [ -b /dev/xvda1 ] && [ -e /sys/class/net/eth0 ] && break; sleep 0.1; done
if mount -t ext4 -o ro /dev/xvda1 /mnt; then
    echo "pvgrub-init: data-sha256=$(sha256sum /mnt/data.bin | cut -d' ' -f1)"
else
    echo "pvgrub-init: cannot mount /dev/xvda1"
fi
ip link set eth0 up
cat >/lease.sh <<'S'
#!/bin/sh
[ "$1" = bound ] && { ip addr add "$ip/24" dev "$interface"; echo "pvgrub-init: lease=$ip"; }
exit 0
S
chmod +x /lease.sh
udhcpc -i eth0 -n -q -t 20 -T 1 -s /lease.sh
echo "pvgrub-init: cmdline=$(cat /proc/cmdline)"
echo "pvgrub-init: reached init"
sleep 30
poweroff -f
