# dom0's side of the tftp rig test (tftp.rs fills in FILE_LIST, MENU_HEX and KILLED): the
# files and their sha256, udhcpd, dnsmasq (TFTP), tftpd-hpa and tftp_window on xenbr0; it
# kills tftpd-hpa during read KILLED, lists the guest's nodes when it has finished, and
# stops what it started.
set -u
d=/local/domain/$RIG_DOMID
t=/tmp/tftp-test
rm -rf $t; mkdir -p $t/root
ip addr add 10.0.2.2/24 dev xenbr0 2>/dev/null
ip addr add 10.0.2.3/24 dev xenbr0 2>/dev/null
ip addr add 10.0.2.4/24 dev xenbr0 2>/dev/null
for f in FILE_LIST; do
    head -c ${f#*=} /dev/urandom >$t/root/${f%=*}
    echo "during: sha256 ${f%=*} $(sha256sum <$t/root/${f%=*} | cut -d' ' -f1)"
done
dnsmasq -k -C /dev/null --port=0 --enable-tftp --tftp-root=$t/root --listen-address=10.0.2.2 \
    --bind-interfaces --user=root --group=root --log-facility=$t/dnsmasq.log \
    --pid-file=$t/dnsmasq.pid &
dnsmasq_pid=$!
in.tftpd -L -u root -a 10.0.2.3:69 -s $t/root >$t/tftpd.log 2>&1 &
tftpd_pid=$!
/share/files/tftp/tftp-window 10.0.2.4 $t/root >$t/window.log 2>&1 &
window_pid=$!
udhcpd_start $t 'opt dns 10.0.2.2' 'opt lease 3600' 'opt tftp 10.0.2.2' \
    'opt bootfile pvgrub.elf' 'option 0x96 MENU_HEX'
st() { xenstore-read "$d/data/tftptest/$1" 2>/dev/null; }
# Polling with a builtin nap, once a second: process starts are slow in dom0 under TCG and
# would take time from the transfers.
exec {nap_fd}<> <(:)
nap() { read -r -t "$1" -u "$nap_fd" _ || true; }
# Bounded: the guest's reads take at most a few minutes.
for _ in $(seq 800); do
    [[ $(st KILLED/state) == running* || $(st state) == finished* ]] && break
    nap 1
done
# Once the transfer has moved data (tftpd-hpa's child has read 256 KiB of the file), kill it.
# Builtins only (no pgrep in dom0): the child is the process whose parent is tftpd.
child_of() {
    local f s
    for f in /proc/[0-9]*/stat; do
        read -r s <"$f" 2>/dev/null || continue
        set -- ${s##*) }
        [[ $2 == "$tftpd_pid" ]] && { s=${f#/proc/}; child=${s%/stat}; return 0; }
    done
    return 1
}
rchar() {
    local k v
    r=0
    while read -r k v; do [[ $k == rchar: ]] && r=$v; done <"/proc/$child/io" 2>/dev/null
}
child='' r=0
for _ in $(seq 600); do
    if child_of; then
        rchar
        ((r > 262144)) && break
    fi
    [[ $(st state) == finished* ]] && break
    nap 0.2
done
echo "during: killing tftpd-hpa (child ${child:-none} read ${r:-0} bytes)"
kill -9 ${child:-} $tftpd_pid 2>/dev/null
for _ in $(seq 800); do
    [[ $(st state) == finished* ]] && break
    nap 1
done
xenstore-ls -f "$d/data/tftptest" | sed 's/^/during: node /'
xenstore-write "$d/data/tftptest/dom0" done
kill $dnsmasq_pid $udhcpd_pid $window_pid 2>/dev/null
sed 's/^/during: dnsmasq-log /' $t/dnsmasq.log
sed 's/^/during: udhcpd-log /' $t/udhcpd.log
sed 's/^/during: window-log /' $t/window.log
ip addr del 10.0.2.3/24 dev xenbr0 2>/dev/null
ip addr del 10.0.2.4/24 dev xenbr0 2>/dev/null
rm -rf $t
