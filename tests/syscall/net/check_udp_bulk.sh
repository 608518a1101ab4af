#!/usr/bin/env bash
# Pass condition of udp_bulk-umbra: all 1000 datagrams arrived, the first 5 ms (the path's
# latency) after the send, and the receiver saw 10 Mbit/s (the sender's upload) on the wire
# within 0.5%. The token bucket makes it exact: after the initial burst (one refill plus an MTU,
# 2750 bytes), 1250 bytes per ms, so 1000 x 1428 bytes take 1141 ms. The sender's blocking
# sendto waits while its datagrams in the interface queue fill SO_SNDBUF (socket_send_buffer,
# 131072 B: 92 datagrams) and wakes when at most half is used (45), so its last sendto returns
# when 45 to 93 datagrams (51 to 106 ms at 1.1424 ms each) are still to leave: 1030..1090 ms.
# Usage: check_udp_bulk.sh DATA_DIR
set -uo pipefail
. "$(dirname "$0")/check_udp_bulk_common.sh" "$1"
[ "$received" = 1000 ] || { echo "$r: received $received of 1000"; status=1; }
[ "$span" = 1141000000 ] || { echo "$r: the transfer took $span ns, wanted 1141 ms"; status=1; }
rate_ok || { echo "$r: rate $rate bit/s, wanted 10 Mbit/s within 0.5%"; status=1; }
if [ "$send_ns" -lt 1030000000 ] || [ "$send_ns" -gt 1090000000 ]; then
    echo "$s: the sends took $send_ns ns, wanted 1030..1090 ms (blocked on the send buffer)"
    status=1
fi
# Then, with SO_SNDTIMEO 100 us, the sender fills the buffer again and a send fails with EAGAIN
# after exactly 100 us (nothing leaves that soon). On the full buffer, MSG_DONTWAIT and
# O_NONBLOCK sends fail with EAGAIN and poll shows no POLLOUT; POLLOUT comes once under half of
# the 131072 bytes is in use: 45 to 47 datagrams must leave first (1.1424 ms each, on the
# bucket's 1 ms grid): 50..55 ms. Then a MSG_DONTWAIT send goes through.
grep -qE '^sndtimeo: ([0-9]|[1-8][0-9]|9[0-3]) more sent, then EAGAIN after 100000 ns$' "$s" ||
    { echo "$s: no EAGAIN after SO_SNDTIMEO 100 us:"; grep '^sndtimeo' "$s"; status=1; }
grep -qx "dontwait: EAGAIN, no POLLOUT" "$s" ||
    { echo "$s: non-blocking sends on the full buffer did not fail as Linux's"; status=1; }
pollout=$(sed -n 's/^pollout after \([0-9]*\) ns$/\1/p' "$s")
if [ -z "$pollout" ] || [ "$pollout" -lt 50000000 ] || [ "$pollout" -gt 55000000 ]; then
    echo "$s: POLLOUT after '$pollout' ns, wanted 50..55 ms"
    status=1
fi
grep -qx "dontwait sent" "$s" || { echo "$s: the MSG_DONTWAIT send failed"; status=1; }
echo "sends took $send_ns ns; received $received in $span ns: $rate bit/s on the wire"
exit $status
