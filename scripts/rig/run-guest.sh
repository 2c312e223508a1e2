#!/bin/bash
# Boots one PV guest with xl and reports how it ended. Runs in the rig's dom0 (the host copies
# it to /share/bin) or, for `cargo xtask run --host`, on a real Xen host.
#
# usage: run-guest.sh --image PATH --name NAME (--console FILE | --console-dir DIR) [options]
#   --image PATH       the guest kernel (ELF, possibly gzipped)
#   --name NAME        domain name
#   --console FILE     capture the console with `xl console` into FILE
#   --console-dir DIR  xenconsoled already logs guest consoles to DIR/guest-NAME.log
#   --disk PATH        a disk image file: losetup, then phy:/dev/loopN as xvda (repeat: xvdb...)
#   --disk-opts I=OPTS xl disk options of disk I (from 0) in place of access=rw, such as
#                      'access=ro' or 'access=ro, devtype=cdrom'
#   --disks-in-ram     copy the disks into a tmpfs first and attach the copies (faster than
#                      a 9p share, and the loop device offers discard); they are not copied
#                      back
#   --ramdisk PATH     the guest's ramdisk (start_info mod_start/mod_len)
#   --extra STR        the guest's command line
#   --vif              one network interface on bridge xenbr0
#   --memory MB        guest memory (default 64)
#   --xl-config FILE   lines appended to the generated xl config (they override ours)
#   --during FILE      a bash script run in dom0 while the guest runs (started before the
#                      guest is unpaused; environment RIG_DOMID, RIG_DOMNAME, RIG_CONSOLE)
#   --during-out FILE  where the during script's stdout+stderr go
#   --timeout SECS     destroy the guest after this long (default 60)
#   --fast-hotplug DIR use DIR/block and DIR/vif (scripts/rig/hotplug) as hotplug scripts
#
# Prints `rig-guest: KEY=VALUE` lines: domid, xl-retries, first-console-ms (after unpausing),
# create-ms (xl create until the domain exists), unpause-ms, run-ms (unpause until xl ended),
# during-rc and last
# `outcome=` one of poweroff reboot suspend crash watchdog soft_reset timeout create-failed
# unknown-N. Exit status 0 when an outcome was reached, 2 on a usage or set-up error.

set -uo pipefail
export PATH=$PATH:/usr/sbin:/usr/lib/xen-4.17/bin

image='' name='' console='' console_dir='' ramdisk='' extra='' vif=0 memory=64
xl_config='' during='' during_out='' timeout=60 hotplug='' in_ram=0
disks=()
disk_opts=()

die() { echo "run-guest: $*" >&2; exit 2; }
report() { echo "rig-guest: $1=$2"; }
# Builtins only in the polling loops: every process start is slow in a PV dom0 under TCG.
# kill -0 would see an exited but unreaped child (nothing forks here to make bash reap it).
alive() { local st; [[ -r /proc/$1/stat ]] && read -r _ _ st _ <"/proc/$1/stat" && [[ $st != Z ]]; }
clock() { now=$((${EPOCHREALTIME//[!0-9]/} / 1000)); } # sets $now, in ms
exec {nap_fd}<> <(:)
nap() { read -r -t "$1" -u "$nap_fd" _ || true; }
file_has() { # FILE TEXT
    local l
    [[ -f $1 ]] || return 1
    while IFS= read -r l; do [[ $l == *"$2"* ]] && return 0; done <"$1"
    return 1
}

while (($#)); do
    case $1 in
        --image) image=$2; shift ;;
        --name) name=$2; shift ;;
        --console) console=$2; shift ;;
        --console-dir) console_dir=$2; shift ;;
        --disk) disks+=("$2"); shift ;;
        --disk-opts) disk_opts[${2%%=*}]=${2#*=}; shift ;;
        --disks-in-ram) in_ram=1 ;;
        --ramdisk) ramdisk=$2; shift ;;
        --extra) extra=$2; shift ;;
        --vif) vif=1 ;;
        --memory) memory=$2; shift ;;
        --xl-config) xl_config=$2; shift ;;
        --during) during=$2; shift ;;
        --during-out) during_out=$2; shift ;;
        --timeout) timeout=$2; shift ;;
        --fast-hotplug) hotplug=$2; shift ;;
        *) die "unknown option $1" ;;
    esac
    shift
done
[[ -n $image && -n $name ]] || die "--image and --name are required"
[[ -f $image ]] || die "no image $image"
[[ -n $console || -n $console_dir ]] || die "--console or --console-dir is required"
[[ -n $console_dir ]] && console=$console_dir/guest-$name.log
[[ -z $during || -f $during ]] || die "no during script $during"
[[ -z $during_out ]] && during_out=/tmp/rig-$name.during
command -v xl >/dev/null || die "xl not found"

work=$(mktemp -d /tmp/rig-guest.XXXXXX)
loops=()
cleanup() {
    local l
    for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
    # Lazily: blkback may still hold a loop device for a moment.
    mountpoint -q "$work/ram" 2>/dev/null && { umount "$work/ram" 2>/dev/null || umount -l "$work/ram"; }
    rm -rf "$work"
}
trap cleanup EXIT

# --- the xl config -----------------------------------------------------------------------
q() { # quote for xl's config syntax
    local s=${1//\\/\\\\}
    printf '"%s"' "${s//\"/\\\"}"
}
letters=(a b c d e f g h)
disk_cfg=''
for i in "${!disks[@]}"; do
    [[ -f ${disks[$i]} ]] || die "no disk ${disks[$i]}"
    if ((in_ram)); then
        mkdir -p "$work/ram"
        mountpoint -q "$work/ram" || mount -t tmpfs -o size=90% rig-disks "$work/ram" ||
            die "cannot mount a tmpfs for the disks"
        cp --sparse=always "${disks[$i]}" "$work/ram/disk$i" || die "copying ${disks[$i]} failed"
        disks[$i]=$work/ram/disk$i
    fi
    l=$(losetup -f --show "${disks[$i]}") || die "losetup ${disks[$i]} failed"
    loops+=("$l")
    opts=${disk_opts[$i]:-access=rw}
    if [[ -n $hotplug ]]; then
        spec="vdev=xvd${letters[$i]}, $opts, backendtype=phy, script=$hotplug/block, target=$l"
    else
        spec="vdev=xvd${letters[$i]}, $opts, backendtype=phy, target=$l"
    fi
    disk_cfg+="${disk_cfg:+, }'$spec'"
done
cfg=$work/guest.cfg
{
    echo "name = $(q "$name")"
    echo 'type = "pv"'
    echo "kernel = $(q "$image")"
    echo "memory = $memory"
    echo 'on_poweroff = "destroy"'
    echo 'on_reboot = "destroy"'
    echo 'on_crash = "destroy"'
    echo 'on_watchdog = "destroy"'
    [[ -n $ramdisk ]] && echo "ramdisk = $(q "$ramdisk")"
    [[ -n $extra ]] && echo "extra = $(q "$extra")"
    [[ -n $disk_cfg ]] && echo "disk = [ $disk_cfg ]"
    ((vif)) && echo "vif = [ 'bridge=xenbr0${hotplug:+, script=$hotplug/vif}' ]"
    [[ -n $xl_config ]] && cat "$xl_config"
} >"$cfg"

# --- one attempt: create paused, start the console capture and the during script, unpause,
# wait for the end or the deadline. Sets: xl_rc, xl_out, domid, timed_out, first_ms.
attempt() {
    xl_out=$work/xl-$retries.out # a fresh file: a retry must not read the last attempt's
    domid='' timed_out=0 first_ms='' create_ms='' unpause_ms='' run_ms=''
    rm -f "$console"
    local t_create xl_pid t0 deadline con_pid='' line
    clock
    t_create=$now
    xl create -F -p "$cfg" >"$xl_out" 2>&1 &
    xl_pid=$!
    while alive "$xl_pid" && ! file_has "$xl_out" 'Waiting for domain'; do
        clock
        if ((now > t_create + timeout * 1000)); then
            # xl hangs before the domain exists: stop it and whatever it built.
            timed_out=1
            kill "$xl_pid" 2>/dev/null
            xl destroy "$name" 2>/dev/null
            break
        fi
        nap 0.05
    done
    clock
    create_ms=$((now - t_create))
    line=$(grep -o 'domid [0-9]*' "$xl_out" | head -n1)
    domid=${line#domid }
    if [[ -n $domid ]]; then
        if [[ -z $console_dir ]]; then
            xl console "$name" </dev/null >"$console" 2>/dev/null &
            con_pid=$!
        fi
        if [[ -n $during && -z ${during_pid:-} ]]; then
            RIG_DOMID=$domid RIG_DOMNAME=$name RIG_CONSOLE=$console \
                bash "$during" >"$during_out" 2>&1 </dev/null &
            during_pid=$!
        fi
        clock
        t0=$now
        deadline=$((t0 + timeout * 1000))
        xl unpause "$name"
        clock
        unpause_ms=$((now - t0))
        while alive "$xl_pid"; do
            clock
            if [[ -z $first_ms && -s $console ]]; then first_ms=$((now - t0)); fi
            if ((now > deadline)); then
                timed_out=1
                xl destroy "$name" 2>/dev/null
                break
            fi
            nap 0.1
        done
    fi
    wait "$xl_pid"
    xl_rc=$?
    clock
    [[ -n $domid ]] && run_ms=$((now - t0))
    [[ -n $con_pid ]] && wait "$con_pid"
    # xenconsoled may still be writing the last bytes: wait until the log stops growing.
    local size=-1 i
    for i in 1 2 3 4 5 6 7 8 9 10; do
        [[ $(stat -c %s "$console" 2>/dev/null || echo 0) == "$size" ]] && break
        size=$(stat -c %s "$console" 2>/dev/null || echo 0)
        nap 0.1
    done
    # Output that came too fast for the 0.1 s polling: the run time is an upper bound.
    if [[ -z $first_ms && -s $console ]]; then first_ms=$run_ms; fi
}

retries=0
during_pid=''
while :; do
    attempt
    # xl itself crashed (a signal) before it saw the domain end: clean up and try once more.
    if ((xl_rc >= 128 && !timed_out)) && ! grep -q 'has shut down' "$xl_out" && ((retries < 1)); then
        echo "run-guest: xl exited with status $xl_rc; retrying" >&2
        cat "$xl_out" >&2
        xl destroy "$name" 2>/dev/null
        [[ -f $console ]] && mv "$console" "$console.attempt$((retries + 1))"
        retries=$((retries + 1))
        continue
    fi
    break
done

cat "$xl_out" >&2
[[ -n $domid ]] && report domid "$domid"
report xl-retries "$retries"
report first-console-ms "${first_ms:-none}"
report create-ms "$create_ms"
report unpause-ms "${unpause_ms:-none}"
report run-ms "${run_ms:-none}"
if [[ -n $during_pid ]]; then
    # The during script gets 10 s after the guest's end to finish.
    for _ in $(seq 100); do alive "$during_pid" || break; nap 0.1; done
    kill "$during_pid" 2>/dev/null
    wait "$during_pid"
    report during-rc $?
fi
# A domain left by on_*="preserve" is destroyed now that the during script is done.
if ! grep -q 'destroying the domain\|has been destroyed' "$xl_out"; then
    xl domid "$name" >/dev/null 2>&1 && xl destroy "$name" 2>/dev/null
fi

if ((timed_out)); then
    report outcome timeout
elif code=$(sed -n 's/.*has shut down, reason code \([0-9]*\).*/\1/p' "$xl_out" | head -n1) &&
     [[ -n $code ]]; then
    case $code in
        0) report outcome poweroff ;;
        1) report outcome reboot ;;
        2) report outcome suspend ;;
        3) report outcome crash ;;
        4) report outcome watchdog ;;
        5) report outcome soft_reset ;;
        *) report outcome "unknown-$code" ;;
    esac
else
    report outcome create-failed
fi
exit 0
