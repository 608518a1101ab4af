#!/usr/bin/env bash
# Pass condition of udp_loss-umbra: of 400 datagrams over a path with 25% loss, the sink got a
# share a binomial(400, 0.75) gives with overwhelming probability (300 +- 5 sigma, sigma 8.7):
# some were lost, not all, and not far from the expected number.
# Usage: check_udp_loss.sh DATA_DIR
set -uo pipefail
data=$1
s=$(ls "$data"/hosts/sink/test_udp_ping.*.stdout 2>/dev/null | head -1)
f=$(ls "$data"/hosts/flood/test_udp_ping.*.stdout 2>/dev/null | head -1)
[ -n "$s" ] && [ -n "$f" ] || { echo "missing stdout file (sink: '$s', flood: '$f')"; exit 1; }
grep -qx "sent 400" "$f" || { echo "$f: the flood did not send 400"; exit 1; }
n=$(sed -n 's/^received \([0-9]*\)$/\1/p' "$s")
[ -n "$n" ] || { echo "$s: no 'received' line"; exit 1; }
echo "received $n of 400 over a path with 25% loss"
if [ "$n" -lt 256 ] || [ "$n" -gt 344 ]; then
    echo "$s: $n received, outside [256, 344]"
    exit 1
fi
