# dom0's side of the dhcp rig test (dhcp.rs fills in LEASE_S and MENU_HEX): dom0's capture
# of the DHCP packets on xenbr0 (dhcp-capture), udhcpd with a LEASE_S-second lease; once the
# guest's first lease has ended dom0 pings it, stops udhcpd, waits for the guest's console to
# say the lease was lost, pings again, lists the guest's nodes, prints what it captured and
# says done. Times are milliseconds of CLOCK_REALTIME, as the capture's.
set -u
d=/local/domain/$RIG_DOMID
t=/tmp/dhcp-test
rm -rf $t; mkdir -p $t
ip addr add 10.0.2.2/24 dev xenbr0 2>/dev/null
exec {nap_fd}<> <(:)
nap() { read -r -t "$1" -u "$nap_fd" _ || true; }
clock() { now=${EPOCHREALTIME/./}; now=$((now / 1000)); }
/share/files/dhcp/dhcp-capture xenbr0 600 >$t/cap.log 2>&1 &
cap_pid=$!
for _ in $(seq 300); do
    read -r l <$t/cap.log 2>/dev/null && [[ $l == "cap ready" ]] && break
    nap 0.1
done
udhcpd_start $t 'sname rig-sname' 'boot_file file-field.elf' 'opt dns 10.0.2.2' \
    'opt lease LEASE_S' 'opt tftp 10.0.2.2' 'opt bootfile pvgrub.elf' 'option 0x96 MENU_HEX'
mac=$(xenstore-read "$d/device/vif/0/mac")
echo "during: mac $mac"
# The guest's first lease: the first ACK dom0 sent it (one grep a poll: bash's read of the
# long lines took dom0's CPU from udhcpd under load).
ack1='' addr=''
for _ in $(seq 240); do
    l=$(grep -m1 " dir=out type=ACK .* chaddr=$mac " $t/cap.log)
    if [[ -n $l ]]; then
        ack1=${l#cap t=}; ack1=${ack1%% *}
        addr=${l#* yiaddr=}; addr=${addr%% *}
        break
    fi
    nap 0.5
done
echo "during: first-ack t=${ack1:-none} addr=${addr:-none}"
if [[ -n $ack1 ]]; then
    # Past the first lease's end (bounded: the clock moves on).
    for _ in $(seq $((LEASE_S * 4 + 20))); do
        clock; ((now > ack1 + LEASE_S * 1000 + 1000)) && break
        nap 0.5
    done
    clock; echo "during: ping1-start t=$now"
    ping -c 3 -W 5 "$addr" >$t/ping1 2>&1
    echo "during: ping1-rc=$?"
    sed 's/^/during: ping1 /' $t/ping1
fi
kill $udhcpd_pid 2>/dev/null; wait $udhcpd_pid 2>/dev/null
clock; echo "during: udhcpd-stopped t=$now"
lost=''
if [[ -n $ack1 ]]; then
    for _ in $(seq $((LEASE_S * 4 + 60))); do
        grep -q 'the DHCP lease was lost' "$RIG_CONSOLE" && { clock; lost=$now; break; }
        nap 0.5
    done
fi
echo "during: lost t=${lost:-never}"
if [[ -n $lost ]]; then
    ping -c 2 -W 2 "$addr" >$t/ping2 2>&1
    echo "during: ping2-rc=$?"
    sed 's/^/during: ping2 /' $t/ping2
fi
xenstore-ls -f "$d/data/tftptest" | sed 's/^/during: node /'
xenstore-write "$d/data/tftptest/dom0" done
kill $cap_pid 2>/dev/null; wait $cap_pid 2>/dev/null
sed 's/^/during: /' $t/cap.log
sed 's/^/during: udhcpd-log /' $t/udhcpd.log
rm -rf $t
