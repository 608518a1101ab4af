#!/usr/bin/env bash
# Pass condition of the tcp_bulk runs: the server received exactly what the client sent (bytes
# and FNV-1a checksum), the handshake took one round trip (2 x the one-way latency: connect
# returns when the SYN-ACK arrives), and the goodput reached the minimum.
# Usage: check_tcp_bulk.sh DATA_DIR MIN_BITS_PER_SECOND RTT_NS
set -uo pipefail
data=$1 min=$2 rtt=$3
c=$(ls "$data"/hosts/client/test_tcp_bulk.*.stdout 2>/dev/null | head -1)
s=$(ls "$data"/hosts/server/test_tcp_bulk.*.stdout 2>/dev/null | head -1)
[ -n "$c" ] && [ -n "$s" ] || { echo "missing stdout file (client: '$c', server: '$s')"; exit 1; }
status=0
sent=$(sed -n 's/^sent //p' "$c")
received=$(sed -n 's/^received //p' "$s")
[ -n "$sent" ] && [ "$sent" = "$received" ] ||
    { echo "sent '$sent' but received '$received'"; status=1; }
grep -qx "connect_ns $rtt" "$c" ||
    { echo "$c: the handshake took $(sed -n 's/^connect_ns //p' "$c") ns, wanted $rtt"; status=1; }
bits=$(sed -n "s/^goodput_bit //p" "$s")
echo "goodput ${bits} bit/s (minimum $min), transfer $(sed -n 's/^transfer_ns //p' "$s") ns"
[ -n "$bits" ] && [ "$bits" -ge "$min" ] || { echo "$s: goodput below $min bit/s"; status=1; }
exit $status
