#!/usr/bin/env bash
# Builds the initramfs of a Linux PV domU (Debian's kernel, the rig's dom0 kernel) that a
# `cargo xtask bench` compares our drivers with. Both kinds hold Debian's busybox-static and
# one of the rig kernel's modules, taken from the rig's unpacked packages (target/rig/extract).
#
#   blk BLK_BENCH OUT.cpio   for `bench blk`: xen-blkfront and blk-bench; /init loads the
#                            module, waits for /dev/xvda, runs `dd bs=1M iflag=direct` and
#                            blk-bench on it (their lines go to the console), then powers off.
#   echo OUT.cpio            for `bench tcp`: xen-netfront and Debian's socat (fetched with
#                            `apt-get download` into the rig's deb cache, target/rig/debs, with
#                            the libraries it needs from target/rig/extract). /init reads
#                            `ip=A.B.C.D/N` and `echo.port=P` (default 7) from the kernel
#                            command line (the echo stubdom's words), brings eth0 up with that
#                            address, runs `socat -b 65536 TCP-LISTEN:P,fork,reuseaddr EXEC:cat`
#                            and once the port listens prints
#                            `linux-echo: serving tcp port P on A.B.C.D (socat VERSION)`. It
#                            powers off when the toolstack asks (`xl shutdown`: the kernel runs
#                            /sbin/poweroff) or if socat ends.
#   vchan OUT.cpio           for `bench vchan`: xen-evtchn, xen-gntdev, xen-gntalloc, socat
#                            and Debian's vchan-socket-proxy (xen-utils-4.17, from
#                            target/rig/extract, with its libraries). /init runs
#                            `socat UNIX-LISTEN:/tmp/echo.sock,fork EXEC:cat` and
#                            `vchan-socket-proxy -m server 0 data/vchan /tmp/echo.sock`: a vchan
#                            server for dom0 at `data/vchan` of the domain's home, each
#                            connection echoed by cat. Once the proxy published its nodes it
#                            prints `linux-vchan: serving data/vchan`; it powers off at
#                            `xl shutdown` or if either program ends.
#
# Why EXEC:cat and not socat's own echo, PIPE: socat moves a block only when poll() says
# the source is readable and the sink writable, but then writes the whole block (up to -b
# bytes) blocking. With PIPE the sink is a pipe only socat itself drains, and a writable pipe
# has only one free page for sure: a block larger than 4096 bytes can block socat on its own
# pipe for good once the way back is slower than the way in (seen in the rig: with the
# default -b 8192 the echo stopped after 90 KiB; on the host, against a client that starts
# reading late, -b 8192 and -b 65536 PIPE stall, -b 4096 PIPE and -b 65536 EXEC:cat do not).
# `-b 4096 PIPE` cannot deadlock but was slow (0.29 MiB/s in a trial, against 0.76 for
# this in the same rig boot). EXEC:cat talks to cat over a socketpair (socat's default),
# whose poll() says writable only while less than a quarter of its 208 KiB send buffer is
# queued, so a 64 KiB block never blocks there, and cat's own writes wait only for socat,
# which always comes back to read them.
#
# usage: linux-domu-initramfs.sh blk BLK_BENCH OUT.cpio | echo OUT.cpio | vchan OUT.cpio
#        (RIG_DIR overrides target/rig)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rig=${RIG_DIR:-$here/../../target/rig}
extract=$rig/extract
kver=$(cat "$rig/bootset/kernel.version")
kmods=$extract/usr/lib/modules/$kver/kernel

die() { echo "linux-domu-initramfs: $*" >&2; exit 1; }
need_files() { local f; for f; do [[ -f $f ]] || die "missing $f"; done; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,dev,proc,sys,tmp}
need_files "$extract/usr/bin/busybox"
cp "$extract/usr/bin/busybox" "$stage/bin/busybox"

# Debian's socat into $stage/bin, with its loader and the closure of its NEEDED libraries.
add_socat() {
    local debs=$rig/debs pkgs=$stage/.pkgs apt_opts=() deb
    [[ $EUID == 0 ]] && apt_opts=(-o APT::Sandbox::User=root)
    mkdir -p "$debs" "$pkgs"
    if ! compgen -G "$debs/socat_*.deb" >/dev/null; then
        (cd "$debs" && apt-get "${apt_opts[@]}" download -q socat >&2) ||
            die "apt-get download socat failed (apt lists may need 'apt-get update')"
    fi
    deb=$(ls -v "$debs"/socat_*.deb | tail -n1)
    dpkg -x "$deb" "$pkgs"
    add_program "$pkgs/usr/bin/socat" socat
    local interp
    interp=$(readelf -l "$stage/bin/socat" | sed -n 's/.*interpreter: \(.*\)\]/\1/p')
    "$stage$interp" --library-path "$stage/lib/x86_64-linux-gnu" "$stage/bin/socat" -V |
        sed -n 's/^socat version \([^ ]*\).*/\1/p' >"$stage/socat.version"
    rm -rf "$pkgs"
}

# add_program SRC NAME: SRC as $stage/bin/NAME, with its loader and the closure of its NEEDED
# libraries from target/rig/extract.
add_program() {
    local src_prog=$1 name=$2
    cp "$src_prog" "$stage/bin/$name"
    local libdir=$stage/lib/x86_64-linux-gnu todo=("$stage/bin/$name") more f lib src
    mkdir -p "$libdir"
    while ((${#todo[@]})); do
        more=()
        for f in "${todo[@]}"; do
            while read -r lib; do
                [[ -e $libdir/$lib ]] && continue
                src=$extract/usr/lib/x86_64-linux-gnu/$lib
                [[ -e $src ]] || die "library $lib (needed by ${f##*/}) is not in $extract; \
add its package to scripts/rig/packages.txt"
                cp -L "$src" "$libdir/$lib"
                more+=("$libdir/$lib")
            done < <(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
        done
        todo=("${more[@]}")
    done
    local interp
    interp=$(readelf -l "$stage/bin/$name" | sed -n 's/.*interpreter: \(.*\)\]/\1/p')
    [[ -n $interp ]] || die "$name names no program interpreter"
    mkdir -p "$stage$(dirname "$interp")"
    cp -L "$extract$interp" "$stage$interp"
    # The host resolves the staged program's libraries once: one left out fails here, not in
    # the rig.
    "$stage$interp" --library-path "$libdir" --list "$stage/bin/$name" >/dev/null ||
        die "the staged $name does not load"
}

mode=${1:-}
case $mode in
blk)
    (($# == 3)) || die "usage: linux-domu-initramfs.sh blk BLK_BENCH OUT.cpio"
    bench=$2 out=$3
    need_files "$kmods/drivers/block/xen-blkfront.ko" "$bench"
    cp "$kmods/drivers/block/xen-blkfront.ko" "$stage/xen-blkfront.ko"
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
    ;;
echo)
    (($# == 2)) || die "usage: linux-domu-initramfs.sh echo OUT.cpio"
    out=$2
    need_files "$kmods/drivers/net/xen-netfront.ko"
    cp "$kmods/drivers/net/xen-netfront.ko" "$stage/xen-netfront.ko"
    add_socat
    # The kernel's orderly power-off (xl shutdown) runs /sbin/poweroff.
    printf '#!/bin/busybox sh\nexec /bin/busybox poweroff -f\n' >"$stage/sbin/poweroff"
    chmod 0755 "$stage/sbin/poweroff"
    cat >"$stage/init" <<'EOT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin LD_LIBRARY_PATH=/lib/x86_64-linux-gnu
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
fail() { echo "linux-echo: FAILED $*"; poweroff -f; }
set -- $(cat /proc/cmdline)
addr='' port=7
for a; do
    case $a in
        ip=*) addr=${a#*=} ;;
        echo.port=*) port=${a#*=} ;;
    esac
done
[ -n "$addr" ] || fail "no ip=A.B.C.D/N on the command line"
insmod /xen-netfront.ko || fail "insmod xen-netfront"
for i in $(seq 600); do [ -e /sys/class/net/eth0 ] && break; sleep 0.1; done
ip link set lo up
ip addr add "$addr" dev eth0 || fail "ip addr add $addr"
ip link set eth0 up || fail "ip link set eth0 up"
socat -b 65536 TCP-LISTEN:"$port",fork,reuseaddr EXEC:cat &
pid=$!
# Ready once the port listens (state 0A in /proc/net/tcp; the port in hex).
hex=$(printf ':%04X ' "$port")
for i in $(seq 300); do
    grep -q "$hex[0-9A-F:]* 0A" /proc/net/tcp && break
    kill -0 $pid 2>/dev/null || fail "socat ended"
    sleep 0.1
done
grep -q "$hex[0-9A-F:]* 0A" /proc/net/tcp || fail "socat does not listen on port $port"
echo "linux-echo: serving tcp port $port on ${addr%/*} (socat $(cat /socat.version))"
wait $pid
fail "socat ended: status $?"
EOT
    ;;
vchan)
    (($# == 2)) || die "usage: linux-domu-initramfs.sh vchan OUT.cpio"
    out=$2
    for m in xen-evtchn xen-gntdev xen-gntalloc; do
        need_files "$kmods/drivers/xen/$m.ko"
        cp "$kmods/drivers/xen/$m.ko" "$stage/$m.ko"
    done
    add_socat
    add_program "$extract/usr/lib/xen-4.17/bin/vchan-socket-proxy" vchan-socket-proxy
    printf '#!/bin/busybox sh\nexec /bin/busybox poweroff -f\n' >"$stage/sbin/poweroff"
    chmod 0755 "$stage/sbin/poweroff"
    cat >"$stage/init" <<'EOT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin LD_LIBRARY_PATH=/lib/x86_64-linux-gnu
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
fail() { echo "linux-vchan: FAILED $*"; poweroff -f; }
for m in xen-evtchn xen-gntdev xen-gntalloc; do insmod /$m.ko || fail "insmod $m"; done
mkdir -p /var/run/xenstored
socat -b 65536 UNIX-LISTEN:/tmp/echo.sock,fork EXEC:cat &
echo_pid=$!
for i in $(seq 300); do [ -S /tmp/echo.sock ] && break; sleep 0.1; done
[ -S /tmp/echo.sock ] || fail "socat does not listen"
vchan-socket-proxy -m server 0 data/vchan /tmp/echo.sock 2>/tmp/proxy.err &
proxy_pid=$!
sleep 1
kill -0 $proxy_pid 2>/dev/null || fail "vchan-socket-proxy ended: $(cat /tmp/proxy.err)"
echo "linux-vchan: serving data/vchan (socat $(cat /socat.version))"
wait $proxy_pid
fail "vchan-socket-proxy ended: status $? $(cat /tmp/proxy.err)"
EOT
    ;;
*) die "usage: linux-domu-initramfs.sh blk BLK_BENCH OUT.cpio | echo OUT.cpio | vchan OUT.cpio" ;;
esac
chmod 0755 "$stage/init"
(cd "$stage" && find . | cpio -o -H newc --quiet) >"$out"
