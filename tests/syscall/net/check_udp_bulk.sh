#!/usr/bin/env bash
# Pass condition of udp_bulk-umbra: all 1000 datagrams arrived, the first 5 ms (the path's
# latency) after the send, and the receiver saw 10 Mbit/s (the sender's upload) on the wire
# within 0.5%. The token bucket makes it exact: after the initial burst (one refill plus an MTU,
# 2750 bytes), 1250 bytes per ms, so 1000 x 1428 bytes take 1141 ms.
# Usage: check_udp_bulk.sh DATA_DIR
set -uo pipefail
. "$(dirname "$0")/check_udp_bulk_common.sh" "$1"
[ "$received" = 1000 ] || { echo "$r: received $received of 1000"; status=1; }
[ "$span" = 1141000000 ] || { echo "$r: the transfer took $span ns, wanted 1141 ms"; status=1; }
rate_ok || { echo "$r: rate $rate bit/s, wanted 10 Mbit/s within 0.5%"; status=1; }
echo "received $received in $span ns: $rate bit/s on the wire"
exit $status
