# dom0's DHCP server for the network rig tests, a bash function (prepended to their during
# scripts): `udhcpd_start DIR [CONF_LINE...]` starts busybox udhcpd on xenbr0 (leases
# 10.0.2.100-110, next-server 10.0.2.2, netmask and router), with each CONF_LINE appended
# to its config (`opt lease 20`, `option 0x96 HEX`, ...); config, leases and log in DIR,
# its pid in $udhcpd_pid. The caller puts 10.0.2.2 on xenbr0.
udhcpd_start() {
    local t=$1
    shift
    printf '%s\n' 'start 10.0.2.100' 'end 10.0.2.110' 'interface xenbr0' \
        "lease_file $t/udhcpd.leases" 'siaddr 10.0.2.2' 'opt subnet 255.255.255.0' \
        'opt router 10.0.2.2' "$@" >"$t/udhcpd.conf"
    : >"$t/udhcpd.leases"
    udhcpd -f -a 100 "$t/udhcpd.conf" >"$t/udhcpd.log" 2>&1 &
    udhcpd_pid=$!
}
