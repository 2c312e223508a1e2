#!/bin/sh
# Fetches Debian's real kernel and Xen's readnotes for the kernel-image tests and the
# decompression benchmark. Cached and idempotent: a second run downloads nothing.
#
#   scripts/fetch-kernel.sh          # prints nothing on success
#
# Results, under target/kernel/ of the workspace:
#   vmlinuz            the bzImage of linux-image-6.1.*-amd64 (the package linux-image-amd64
#                      depends on), copied out of the .deb with dpkg-deb
#   VERSION            that .deb's name: package, version, architecture (the tests print it)
#   readnotes          a wrapper running Xen's readnotes (xen-utils-4.17) from xen/ with its
#                      libraries (libxenmisc4.17 and the small libxen* it links)
#
# Needs apt-get (package lists present: `apt-get update` once), dpkg-deb and flock.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/target/kernel"
mkdir -p "$out/debs"

# Tests may call this concurrently: one fetch at a time.
exec 9>"$out/.lock"
flock 9

fetch_deb() { # fetch_deb PACKAGE -> path of the .deb of its candidate version in $out/debs
    ver=$(apt-cache policy "$1" | awk '/Candidate:/ {print $2}')
    if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
        echo "fetch-kernel: no candidate for $1 (run apt-get update?)" >&2
        exit 1
    fi
    # apt-get download names it PACKAGE_VERSION_ARCH.deb, an epoch's ':' written as %3a.
    want="$out/debs/$1_$(printf '%s' "$ver" | sed 's/:/%3a/g')_"
    file=$(ls "$want"*.deb 2>/dev/null | head -n 1 || true)
    if [ -z "$file" ]; then
        # Download next to debs/, so that an interrupted download leaves nothing behind
        # that a later run would take for the package; then older versions go.
        tmp="$out/debs/.download"
        rm -rf "$tmp"
        mkdir -p "$tmp"
        (cd "$tmp" && apt-get download -q "$1=$ver" >/dev/null 2>"$out/debs/apt.err") || {
            cat "$out/debs/apt.err" >&2
            exit 1
        }
        rm -f "$out/debs/$1_"*.deb
        mv "$tmp"/*.deb "$out/debs/"
        rm -rf "$tmp"
        file=$(ls "$want"*.deb | head -n 1)
    fi
    echo "$file"
}

# A cached kernel stays, whatever apt offers now (its VERSION says which it is), unless
# VERSION is missing.
if [ ! -s "$out/vmlinuz" ] || [ ! -s "$out/VERSION" ]; then
    rm -f "$out/VERSION"
    pkg=$(apt-cache depends linux-image-amd64 |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-6\.1\..*-amd64$/ {print $2; exit}')
    if [ -z "$pkg" ]; then
        echo "fetch-kernel: linux-image-amd64 does not depend on a linux-image-6.1.*-amd64" >&2
        exit 1
    fi
    deb=$(fetch_deb "$pkg")
    # Other kernels' packages (an older ABI's linux-image-6.1.0-N-amd64) are stale.
    for f in "$out/debs/linux-image-"*.deb; do
        [ "$f" = "$deb" ] || rm -f "$f"
    done
    rm -rf "$out/extract"
    mkdir -p "$out/extract"
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$out/extract" ./boot
    cp "$out/extract"/boot/vmlinuz-* "$out/vmlinuz.tmp"
    rm -rf "$out/extract"
    # What the tests made from another kernel (test/VERSION/) is stale now.
    rm -rf "$out/test"
    mv "$out/vmlinuz.tmp" "$out/vmlinuz"
    basename "$deb" .deb >"$out/VERSION.tmp"
    mv "$out/VERSION.tmp" "$out/VERSION"
fi

if [ ! -x "$out/readnotes" ]; then
    rm -rf "$out/xen"
    for p in xen-utils-4.17 libxenmisc4.17 libxencall1 libxenevtchn1 libxenforeignmemory1 \
        libxengnttab1 libxentoollog1 libxentoolcore1 libxendevicemodel1 libxenhypfs1 \
        libxenstore4 libyajl2; do
        dpkg -x "$(fetch_deb "$p")" "$out/xen"
    done
    cat >"$out/readnotes.tmp" <<EOF
#!/bin/sh
x="$out/xen"
LD_LIBRARY_PATH="\$x/usr/lib/x86_64-linux-gnu:\$x/usr/lib/xen-4.17/lib/x86_64-linux-gnu" \\
    exec "\$x/usr/lib/xen-4.17/bin/readnotes" "\$@"
EOF
    chmod +x "$out/readnotes.tmp"
    mv "$out/readnotes.tmp" "$out/readnotes"
fi
