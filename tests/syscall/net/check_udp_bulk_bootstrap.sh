#!/usr/bin/env bash
# Pass condition of udp_bulk_bootstrap-umbra: before bootstrap_end_time no bandwidth limit
# applies, so the 1000 datagrams the 10 Mbit/s sender wrote at once all arrive at the same
# instant, the path's 5 ms after they were sent (latency still applies); the sends never
# waited for room in the send buffer (send_ns 0).
# Usage: check_udp_bulk_bootstrap.sh DATA_DIR
set -uo pipefail
. "$(dirname "$0")/check_udp_bulk_common.sh" "$1"
[ "$received" = 1000 ] || { echo "$r: received $received of 1000"; status=1; }
[ "$span" = 0 ] || { echo "$r: the arrivals spread over $span ns, wanted 0 (no limit)"; status=1; }
[ "$send_ns" = 0 ] || { echo "$s: the sends took $send_ns ns, wanted 0"; status=1; }
echo "received $received, all at once (span $span ns)"
exit $status
