#!/usr/bin/env bash
# Builds the rig's boot set from Debian 12 packages (fetched with `apt-get download`, unpacked
# with `dpkg -x`; nothing is installed on the host):
#
#   target/rig/bootset/xen.elf      Xen 4.17 for QEMU's multiboot loader (gunzipped)
#   target/rig/bootset/vmlinux      Debian's 6.1 kernel, run as dom0: the ELF inside the
#                                   package's vmlinuz, decompressed here on the host
#   target/rig/bootset/dom0.cpio    dom0's initramfs (scripts/rig/dom0-init is its /init)
#   target/rig/extract/             every package unpacked (host tools such as readnotes)
#
# Kernel and initramfs are stored uncompressed: under TCG, Xen's xz decompression of the
# vmlinuz payload took 8-11 s of each boot and the kernel's gunzip of the initramfs 1-4 s.
#
# Downloads are cached in target/rig/debs. The boot set is rebuilt only when an input changes:
# this script, packages.txt, dom0-init (their hash is kept in bootset/inputs.sha256).
#
# Usage: build-bootset.sh [--force]     (RIG_DIR overrides target/rig)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
rig=${RIG_DIR:-$root/target/rig}
debs=$rig/debs
out=$rig/bootset
extract=$rig/extract
stage=$rig/stage

# Kernel modules dom0 needs (their dependencies are added from modules.dep).
modules=(xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs xen-blkback xen-netback
    bridge loop tun 9p 9pnet 9pnet_virtio virtio_pci)

say() { echo "build-bootset: $*" >&2; }
die() { say "error: $*"; exit 1; }

inputs_hash() {
    cat "$here/build-bootset.sh" "$here/packages.txt" "$here/dom0-init" | sha256sum | cut -d' ' -f1
}

# One build at a time (several test processes may start at once).
mkdir -p "$rig"
exec 9>"$rig/.bootset.lock"
flock 9

force=0
[[ ${1:-} == --force ]] && force=1
want=$(inputs_hash)
if [[ $force == 0 && -f $out/inputs.sha256 && $(cat "$out/inputs.sha256") == "$want" &&
      -f $out/xen.elf && -f $out/vmlinux && -f $out/dom0.cpio ]]; then
    say "up to date ($out)"
    exit 0
fi

for tool in apt-get apt-cache dpkg gzip xz cpio readelf sha256sum flock; do
    command -v "$tool" >/dev/null || die "host tool '$tool' is missing"
done

apt_opts=()
[[ $EUID == 0 ]] && apt_opts=(-o APT::Sandbox::User=root)
if ! apt-cache show xen-hypervisor-4.17-amd64 >/dev/null 2>&1; then
    [[ $EUID == 0 ]] || die "apt lists lack xen-hypervisor-4.17-amd64; run 'apt-get update' as root"
    say "apt-get update"
    apt-get update -qq
fi

# --- resolve the package set -------------------------------------------------------------
top=()
while read -r line; do
    line=${line%%#*}
    line=${line//[[:space:]]/}
    [[ -n $line ]] && top+=("$line")
done <"$here/packages.txt"

real_pkg() { # follow a metapackage such as linux-image-amd64 to its real package
    if [[ $1 == linux-image-amd64 ]]; then
        apt-cache depends "$1" | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
    else
        echo "$1"
    fi
}

lib_deps() { # "PKG DEP" for each library Depends/PreDepends of the packages given
    apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks \
        --no-replaces --no-enhances "$@" |
        awk '/^[^ ]/ { pkg = $1 } /^ *\|?(Pre)?Depends: [^<]/ { print pkg, $2 }' |
        awk '$2 ~ /^(lib|zlib1g$)/'
}

# Breadth-first over library dependencies, one apt-cache call per level.
declare -A seen=()
level=()
for p in "${top[@]}"; do
    r=$(real_pkg "$p")
    [[ -n $r ]] || die "cannot resolve $p"
    level+=("$r")
done
pkgs=()
while ((${#level[@]})); do
    next=()
    for p in "${level[@]}"; do
        [[ -n ${seen[$p]:-} ]] && continue
        seen[$p]=1
        pkgs+=("$p")
        next+=("$p")
    done
    ((${#next[@]})) || break
    level=()
    while read -r _ d; do
        [[ -z ${seen[$d]:-} ]] && level+=("$d")
    done < <(lib_deps "${next[@]}")
done
say "${#pkgs[@]} packages"

# --- download (cached) -------------------------------------------------------------------
mkdir -p "$debs"
missing=()
for p in "${pkgs[@]}"; do
    compgen -G "$debs/${p}_*.deb" >/dev/null || missing+=("$p")
done
if ((${#missing[@]})); then
    say "apt-get download ${missing[*]}"
    if ! (cd "$debs" && apt-get "${apt_opts[@]}" download -q "${missing[@]}" >&2); then
        # Stale lists name versions the archive no longer has: refresh them once.
        [[ $EUID == 0 ]] || die "apt-get download failed"
        apt-get update -qq
        (cd "$debs" && apt-get "${apt_opts[@]}" download -q "${missing[@]}" >&2)
    fi
fi

# --- unpack ------------------------------------------------------------------------------
rm -rf "$extract" "$stage"
mkdir -p "$extract"
for p in "${pkgs[@]}"; do
    debfiles=("$debs/${p}"_*.deb)
    ((${#debfiles[@]} == 1)) || die "expected one .deb for $p in $debs, found ${#debfiles[@]}"
    dpkg -x "${debfiles[0]}" "$extract"
done
# Merge /bin, /sbin, /lib, /lib64 into /usr (the packages ship both layouts).
for d in bin sbin lib lib64; do
    if [[ -d $extract/$d && ! -L $extract/$d ]]; then
        mkdir -p "$extract/usr/$d"
        cp -a "$extract/$d/." "$extract/usr/$d/"
        rm -rf "${extract:?}/$d"
    fi
    ln -sfn "usr/$d" "$extract/$d"
done

xen_gz=$extract/boot/xen-4.17-amd64.gz
[[ -f $xen_gz ]] || die "xen-4.17-amd64.gz not found in xen-hypervisor-4.17-amd64"
kimg=$(compgen -G "$extract/boot/vmlinuz-*" | head -n1)
[[ -n $kimg ]] || die "no vmlinuz in the linux-image package"
kver=${kimg##*/vmlinuz-}
bb=$extract/usr/bin/busybox
[[ -x $bb ]] || die "busybox-static did not provide /bin/busybox"

# --- stage dom0's root -------------------------------------------------------------------
mkdir -p "$stage"
for d in bin sbin lib lib64; do ln -s "usr/$d" "$stage/$d"; done
mkdir -p "$stage"/{dev,proc,sys,run,tmp,root,share,mnt,etc,usr/lib,usr/lib64,var/lib/misc}
mkdir -p "$stage"/var/{lib/xen,lib/xenstored,log/xen}
ln -s ../run "$stage/var/run"
cp -a "$extract/usr/bin" "$extract/usr/sbin" "$stage/usr/"
mkdir -p "$stage/usr/lib/x86_64-linux-gnu"
cp -a "$extract/usr/lib64/." "$stage/usr/lib64/"
cp -a "$extract/usr/lib/xen-4.17" "$extract/usr/lib/xen-common" "$stage/usr/lib/"
# libxl's device model (qemu-system-xen's xen-qemu-system-i386).
cp -a "$extract/usr/libexec" "$stage/usr/"
mkdir -p "$stage/usr/share/qemu"
cp -a "$extract/usr/share/qemu/keymaps" "$stage/usr/share/qemu/"
rm -rf "$stage/usr/lib/xen-4.17/lib/python" "$stage/usr/lib/xen-4.17/boot/xen-shim"
rm -rf "$stage/usr/lib/xen-4.17/lib/x86_64-linux-gnu/"{libxenfsimage*,xenfsimage}
cp -a "$extract/etc/xen" "$stage/etc/"
# dom0 has a fixed dom0_mem: no ballooning.
echo 'autoballoon="off"' >>"$stage/etc/xen/xl.conf"
# The Xen tools and busybox applets that have no real binary here.
for f in "$stage"/usr/lib/xen-4.17/bin/*; do
    ln -sfn "/usr/lib/xen-4.17/bin/${f##*/}" "$stage/usr/sbin/${f##*/}"
done
while read -r applet; do
    [[ -e $stage/$applet || -L $stage/$applet ]] || ln -s /usr/bin/busybox "$stage/$applet"
done < <("$bb" --list-full | sed -e 's,^bin/,usr/bin/,' -e 's,^sbin/,usr/sbin/,')
cat >"$stage/etc/passwd" <<'EOT'
root:x:0:0:root:/root:/bin/bash
EOT
echo 'root:x:0:' >"$stage/etc/group"
echo 'hosts: files' >"$stage/etc/nsswitch.conf"
echo '127.0.0.1 localhost dom0' >"$stage/etc/hosts"
install -m 0755 "$here/dom0-init" "$stage/init"

# Kernel modules: resolve dependencies over the whole tree, copy the closure, depmod again.
kmods=$extract/usr/lib/modules/$kver
"$bb" depmod -b "$extract" "$kver"
declare -A mod_need=()
add_mod() { # $1: path relative to the module dir
    [[ -n ${mod_need[$1]:-} ]] && return
    mod_need[$1]=1
    local deps
    deps=$(awk -F': *' -v m="$1" '$1 == m { print $2; exit }' "$kmods/modules.dep")
    for d in $deps; do add_mod "$d"; done
}
for m in "${modules[@]}"; do
    rel=$(awk -F: -v n="/$m.ko" '{ p = $1; sub(/\.(xz|zst|gz)$/, "", p) }
        substr(p, length(p) - length(n) + 1) == n { print $1; exit }' "$kmods/modules.dep")
    [[ -n $rel ]] || die "kernel module $m not found in $kver"
    add_mod "$rel"
done
for rel in "${!mod_need[@]}"; do
    mkdir -p "$stage/usr/lib/modules/$kver/$(dirname "$rel")"
    cp "$kmods/$rel" "$stage/usr/lib/modules/$kver/$rel"
done
cp "$kmods/modules.order" "$kmods/modules.builtin" "$stage/usr/lib/modules/$kver/" 2>/dev/null || true
"$bb" depmod -b "$stage" "$kver"
printf '%s\n' "${modules[@]}" >"$stage/etc/rig-modules"

# Libraries: the closure of every ELF's NEEDED entries, taken from the unpacked packages.
libdirs=("$stage/usr/lib/x86_64-linux-gnu" "$stage/usr/lib/xen-4.17/lib/x86_64-linux-gnu")
is_elf() { [[ $(head -c4 "$1" | od -An -c | tr -d ' ') == 177ELF ]]; }
needed() { readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
have_lib() { local d; for d in "${libdirs[@]}"; do [[ -e $d/$1 ]] && return 0; done; return 1; }
# glibc loads libgcc_s.so.1 with dlopen (pthread_cancel, used by xl): no NEEDED names it.
cp -L "$extract/usr/lib/x86_64-linux-gnu/libgcc_s.so.1" "$stage/usr/lib/x86_64-linux-gnu/"
mapfile -d '' elves < <(find "$stage/usr" -type f \( -perm -u+x -o -name '*.so*' \) -print0)
bad=0
while ((${#elves[@]})); do
    more=()
    for f in "${elves[@]}"; do
        is_elf "$f" || continue
        while read -r lib; do
            have_lib "$lib" && continue
            src=$extract/usr/lib/x86_64-linux-gnu/$lib
            if [[ -e $src ]]; then
                cp -L "$src" "$stage/usr/lib/x86_64-linux-gnu/$lib"
                more+=("$stage/usr/lib/x86_64-linux-gnu/$lib")
            else
                say "missing library $lib (needed by ${f#"$stage"})"
                bad=1
            fi
        done < <(needed "$f")
    done
    elves=("${more[@]}")
done
[[ $bad == 0 ]] || die "libraries missing from the initramfs (add their packages to packages.txt)"
interp=$(readlink "$stage/usr/lib64/ld-linux-x86-64.so.2")
cp -L "$extract$interp" "$stage$interp"

# --- write the boot set ------------------------------------------------------------------
mkdir -p "$out"
rm -f "$out/inputs.sha256"
gzip -dc "$xen_gz" >"$out/xen.elf.tmp" && mv "$out/xen.elf.tmp" "$out/xen.elf"
# The vmlinuz (bzImage) carries the kernel ELF xz-compressed after its setup code.
off=$(LC_ALL=C grep -abo $'\xfd7zXZ\x00' "$kimg" | head -n1 | cut -d: -f1)
[[ -n $off ]] || die "no xz payload in $kimg"
tail -c +$((off + 1)) "$kimg" >"$out/vmlinux.xz"
xz -dc --single-stream "$out/vmlinux.xz" >"$out/vmlinux.tmp"
rm "$out/vmlinux.xz"
[[ $(head -c4 "$out/vmlinux.tmp" | od -An -c | tr -d ' ') == 177ELF ]] ||
    die "the payload of $kimg is not an ELF"
mv "$out/vmlinux.tmp" "$out/vmlinux"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
    cpio --quiet -o -H newc --owner=0:0 --reproducible) >"$out/dom0.cpio.tmp"
mv "$out/dom0.cpio.tmp" "$out/dom0.cpio"
printf '%s\n' "${pkgs[@]}" | LC_ALL=C sort >"$out/packages.resolved"
(cd "$debs" && for p in "${pkgs[@]}"; do ls "${p}"_*.deb; done) | LC_ALL=C sort >"$out/debs.used"
echo "$kver" >"$out/kernel.version"
echo "$want" >"$out/inputs.sha256"
say "built $out (dom0.cpio $(du -h "$out/dom0.cpio" | cut -f1), kernel $kver)"
