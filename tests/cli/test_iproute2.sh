# Unmodified consumers of NETLINK_ROUTE and the interface ioctls (issue 5, "hosts on the network"):
# iproute2's `ip addr` and `ip link` print exactly lo and eth0 with each host's own address and
# MAC; `ip route` is answered with an error (routes are not emulated); python3's
# socket.if_nameindex (glibc over netlink) and if_nametoindex (SIOCGIFINDEX) agree.
# iproute2 comes from ci/install-deps.sh.
# Args: umbra binary, source dir.
source "$(dirname "$0")/lib.sh" "$@"
source "$SRC/tests/syscall/cli_lib.sh"

IP=$(PATH="$PATH:/usr/sbin:/sbin" command -v ip)
if [ -z "$IP" ]; then
    echo "FAIL: iproute2's ip is not installed (ci/install-deps.sh installs it)"
    exit 1
fi
PY=$(command -v python3)

run_case ip <<YAML
general: { stop_time: 10 s }
network: { graph: { type: 1_gbit_switch } }
hosts:
  alpha:
    network_node_id: 0
    processes:
      - { path: $IP, args: [addr] }
      - { path: $IP, args: [link], start_time: 1 s }
      - { path: $IP, args: [route], start_time: 2 s, expected_final_state: { exited: 2 } }
  beta:
    network_node_id: 0
    processes:
      - { path: $IP, args: ["-4", "-o", addr, show, dev, eth0] }
      - path: $PY
        args: ["-c", "import socket; print(socket.if_nameindex(), socket.if_nametoindex('eth0'))"]
YAML
check "ip: umbra exits 0 (got $RC: $(tail -2 "$WORK/ip/err.txt" | tr '\n' '|'))" [ "$RC" -eq 0 ]
h="$WORK/ip/shadow.data/hosts"

expected_addr='1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000
    link/ether 02:00:0b:00:00:01 brd ff:ff:ff:ff:ff:ff
    inet 11.0.0.1/24 brd 11.0.0.255 scope global eth0
       valid_lft forever preferred_lft forever'
got=$(cat "$h/alpha/ip.1000.stdout")
check "ip addr: got '$got'" [ "$got" = "$expected_addr" ]

expected_link='1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP mode DEFAULT group default qlen 1000
    link/ether 02:00:0b:00:00:01 brd ff:ff:ff:ff:ff:ff'
got=$(cat "$h/alpha/ip.1001.stdout")
check "ip link: got '$got'" [ "$got" = "$expected_link" ]

got=$(cat "$h/alpha/ip.1002.stderr")
check "ip route: an error, got '$got'" grep -q "RTNETLINK answers: Operation not supported" \
    "$h/alpha/ip.1002.stderr"

# The second host has the next address, and its own MAC.
got=$(tr -s ' \\' ' ' < "$h/beta/ip.1000.stdout")
check "beta: ip -4 -o addr show dev eth0, got '$got'" \
    [ "$got" = "2: eth0 inet 11.0.0.2/24 brd 11.0.0.255 scope global eth0 valid_lft forever preferred_lft forever" ]
got=$(cat "$h/beta/python3.1001.stdout")
check "beta: python3 if_nameindex, got '$got'" [ "$got" = "[(1, 'lo'), (2, 'eth0')] 2" ]
finish
