#!/bin/sh
# Extracts Xen 4.17's pygrub (Debian's xen-utils-4.17 and the libraries it loads) into
# target/pygrub/ (or $1), so tests can run pygrub and its menu parser (grub.GrubConf) on the host.
# Also extracts grub-legacy (its example menu.lst) and grub-common (grub-editenv), real tools'
# menu artefacts for the same tests. Nothing is installed on the system.
# Idempotent: a finished extraction is marked by a stamp file and reused.
# Prints the extraction folder on stdout. Needs apt-get (package lists present), dpkg-deb, flock.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-"$root/target/pygrub"}
stamp="$dest/.extracted"
pkgs="xen-utils-4.17 libxenmisc4.17 libxenstore4 libxencall1 libxenevtchn1
libxenforeignmemory1 libxengnttab1 libxentoollog1 libxentoolcore1 libxendevicemodel1
libxenhypfs1 libyajl2
grub-legacy grub-common"

mkdir -p "$dest"
# Several test binaries may call this at once: one extracts, the others wait.
exec 9>"$dest/.lock"
flock 9

if [ -f "$stamp" ] && [ -f "$dest/root/usr/lib/xen-4.17/lib/python/grub/GrubConf.py" ] &&
    [ -x "$dest/root/usr/bin/grub-editenv" ]; then
    echo "$dest/root"
    exit 0
fi

mkdir -p "$dest/debs"
cd "$dest/debs"
for p in $pkgs; do
    if ! ls "${p}"_*.deb >/dev/null 2>&1; then
        apt-get download "$p" >&2 || {
            echo "fetch-pygrub: apt-get download $p failed (run apt-get update?)" >&2
            exit 1
        }
    fi
done
rm -rf "$dest/root.tmp"
mkdir -p "$dest/root.tmp"
for deb in ./*.deb; do
    dpkg-deb -x "$deb" "$dest/root.tmp"
done
rm -rf "$dest/root"
mv "$dest/root.tmp" "$dest/root"
touch "$stamp"
echo "$dest/root"
