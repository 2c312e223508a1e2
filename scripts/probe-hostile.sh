#!/usr/bin/env bash
# Runs pvgrub-probe on every hostile input the host tests leave in target/tmp/hostile/ and
# writes what a user reads, with the exit status, peak RSS and CPU time of each run, to
# target/bench/probe-hostile.md. Menus (*.cfg, *.lst) are first put on a small ext4 disk as
# /boot/grub/grub.cfg or /boot/grub/menu.lst.
#
#   cargo test -p pvgrub --test hostile_menu --test hostile_fs --test hostile_image \
#       --test hostile_search && cargo test -p pvgrub-probe   # writes the inputs
#   scripts/probe-hostile.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cargo build --quiet --release -p pvgrub-probe
probe="$root/target/release/pvgrub-probe"
in="$root/target/tmp/hostile"
work="$root/target/tmp/probe-hostile"
out="$root/target/bench/probe-hostile.md"
rm -rf "$work"
mkdir -p "$work" "$(dirname "$out")"
[ -d "$in" ] || { echo "probe-hostile: no $in (run the hostile tests first)" >&2; exit 1; }

# A menu file as the only menu of an ext4 disk.
menu_disk() { # menu_disk FILE -> path of the disk image
    local f=$1 name dir
    name=$(basename "$f")
    dir="$work/${name}.d"
    mkdir -p "$dir/boot/grub"
    case "$name" in
        *.cfg) cp "$f" "$dir/boot/grub/grub.cfg" ;;
        *) cp "$f" "$dir/boot/grub/menu.lst" ;;
    esac
    mkfs.ext4 -q -F -d "$dir" "$work/$name.img" 8M >/dev/null
    echo "$work/$name.img"
}

# A kernel file (tests/hostile_image.rs writes them) as /boot/vmlinuz of an ext4 disk whose
# menu boots it.
kernel_disk() { # kernel_disk FILE -> path of the disk image
    local f=$1 name dir size
    name=$(basename "$f")
    dir="$work/${name}.d"
    mkdir -p "$dir/boot/grub"
    cp "$f" "$dir/boot/vmlinuz"
    printf 'default 0\ntitle hostile kernel\nkernel /boot/vmlinuz ro\n' >"$dir/boot/grub/menu.lst"
    size=$(( $(stat -c %s "$f") / 1048576 + 16 ))
    mkfs.ext4 -q -F -d "$dir" "$work/$name.disk" "${size}M" >/dev/null
    echo "$work/$name.disk"
}

{
    echo "# pvgrub-probe on hostile inputs"
    echo
    echo "$(date -u +%Y-%m-%dT%H:%MZ), $("$probe" --help 2>&1 | head -n 1 || true)"
    echo
    for f in "$in"/*; do
        case "$f" in
            *.cfg | *.lst) disk=$(menu_disk "$f") ;;
            */bzimage-* | */*-elf.img | */tiny-* | */xz-*) disk=$(kernel_disk "$f") ;;
            *.img) disk=$f ;;
            *) continue ;;
        esac
        set +e
        # A run that blows up is stopped at 4 GiB of address space or 120 s.
        (ulimit -v 4194304; /usr/bin/time -f '%M %U %S' -o "$work/time" \
            timeout 120 "$probe" "$disk" >"$work/stdout" 2>"$work/stderr")
        status=$?
        set -e
        read -r rss user sys < <(tail -n 1 "$work/time")
        echo "## $(basename "$f")"
        echo
        echo "exit $status, peak RSS $((rss / 1024)) MiB, CPU $(echo "$user + $sys" | bc) s"
        echo
        echo '```'
        head -c 1200 "$work/stderr"
        [ "$status" -eq 0 ] && head -n 4 "$work/stdout"
        echo '```'
        echo
    done
} >"$out"
echo "probe-hostile: wrote $out"
