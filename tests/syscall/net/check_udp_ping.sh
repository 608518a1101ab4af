#!/usr/bin/env bash
# Pass condition of udp_ping-umbra beyond EXIT-SUCCESS: the client resolved the server by name to
# its address and printed 5 round trips of exactly 2 x (10 ms + 25 ms) = 70 ms; the server echoed
# 5 datagrams; a send to a port with nothing bound was refused (ICMP) exactly 70 ms later; no
# pcap file was written (pcap_enabled defaults to false).
# Usage: check_udp_ping.sh DATA_DIR
set -uo pipefail
data=$1
c=$(ls "$data"/hosts/client/test_udp_ping.*.stdout 2>/dev/null | head -1)
s=$(ls "$data"/hosts/server/test_udp_ping.*.stdout 2>/dev/null | head -1)
[ -n "$c" ] && [ -n "$s" ] || { echo "missing stdout file (client: '$c', server: '$s')"; exit 1; }
status=0
grep -qx "server is 11.0.0.2" "$c" || { echo "$c: server not resolved to 11.0.0.2"; status=1; }
expected="rtt 0 70000000
rtt 1 70000000
rtt 2 70000000
rtt 3 70000000
rtt 4 70000000"
got=$(grep -E '^rtt ' "$c")
if [ "$got" != "$expected" ]; then
    echo "$c: round trips differ from 2 x 35 ms:"
    diff <(echo "$expected") <(echo "$got")
    status=1
fi
grep -qx "refused after 70000000" "$c" ||
    { echo "$c: ECONNREFUSED did not come exactly one round trip (70 ms) after the send"; status=1; }
# pcap_enabled is off by default: no capture files.
pcaps=$(find "$data/hosts" -name '*.pcap')
[ -z "$pcaps" ] || { echo "pcap files without pcap_enabled: $pcaps"; status=1; }
n=$(grep -c '^echoed ' "$s")
[ "$n" = 5 ] || { echo "$s: $n datagrams echoed, wanted 5"; status=1; }
exit $status
