#!/usr/bin/env bash
# Pass condition of udp_bulk_codel-umbra: the receiver's 10 Mbit/s download drains a router
# queue that the sender's 100 Mbit/s upload fills, so the queue's sojourn time stays above
# CoDel's 10 ms target for more than its 100 ms interval and CoDel drops datagrams, at
# intervals shrinking as 100 ms / sqrt(count): over the ~1.1 s the queue takes to drain, a few
# dozen (at least 10, at most 100). What arrives comes at 10 Mbit/s within 0.5%, the first
# 5 ms after the send.
# Usage: check_udp_bulk_codel.sh DATA_DIR
set -uo pipefail
. "$(dirname "$0")/check_udp_bulk_common.sh" "$1"
if [ "$received" -gt 990 ] || [ "$received" -lt 900 ]; then
    echo "$r: received $received of 1000, wanted 900..990 (CoDel drops some)"; status=1
fi
rate_ok || { echo "$r: rate $rate bit/s, wanted 10 Mbit/s within 0.5%"; status=1; }
echo "received $received of 1000 (CoDel dropped $((1000 - received))): $rate bit/s on the wire"
exit $status
